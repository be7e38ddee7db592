//! Opening pools and running migrations. Reusable by any licet component with its own tables (the vendor control
//! plane passes its own `Migrator`); the install-side store uses [`SQLITE_MIGRATIONS`] / [`POSTGRES_MIGRATIONS`].

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Result, StoreError};

/// Install-side schema for SQLite (`migrations/sqlite`).
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
/// Install-side schema for PostgreSQL (`migrations/postgres`).
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a SQLite writer waits for another writer (another process, e.g. the CLI) before failing.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a PostgreSQL operation waits for a connection (connecting included) before failing with
/// `store_unavailable`. Short on purpose: while the database is down, a product's install or reload fails fast
/// with that code and the runtime keeps serving the status it last published, instead of every caller hanging
/// (sqlx's own default is 30 s, and it retries a refused connection until then).
pub const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite's pool only makes callers wait while all its connections are busy, and a busy connection may itself be
/// waiting out [`SQLITE_BUSY_TIMEOUT`] for another process's write: outlast that, or the pool cuts a wait the
/// busy timeout allows.
pub const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(SQLITE_BUSY_TIMEOUT.as_secs() + 5);

/// How a store's pool behaves; the default is what [`crate::open`] uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Longest wait for a pooled connection before an operation fails with `store_unavailable`; `None` for the
    /// backend's default ([`POSTGRES_ACQUIRE_TIMEOUT`], [`SQLITE_ACQUIRE_TIMEOUT`]).
    pub acquire_timeout: Option<Duration>,
}

impl StoreOptions {
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = Some(timeout);
        self
    }
}

/// SQLite options for a file path: created if missing, WAL (readers never block the writer), `synchronous=FULL`
/// (a committed license survives power loss, not only a crash), foreign keys on, busy timeout.
pub fn sqlite_file(path: &Path) -> SqliteConnectOptions {
    harden_sqlite(SqliteConnectOptions::new().filename(path).create_if_missing(true))
}

/// SQLite options from a `sqlite:` URL (`sqlite://path?mode=rwc`), hardened like [`sqlite_file`].
pub fn sqlite_url(url: &str) -> Result<SqliteConnectOptions> {
    let opts = SqliteConnectOptions::from_str(url).map_err(|_| StoreError::BadLocation(url.to_owned()))?;
    Ok(harden_sqlite(opts))
}

fn harden_sqlite(opts: SqliteConnectOptions) -> SqliteConnectOptions {
    opts.journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
}

/// Opens a SQLite pool and applies `migrator`.
pub async fn connect_sqlite(
    opts: SqliteConnectOptions,
    migrator: &Migrator,
    settings: &StoreOptions,
) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(settings.acquire_timeout.unwrap_or(SQLITE_ACQUIRE_TIMEOUT))
        .connect_with(opts)
        .await
        .map_err(StoreError::Unavailable)?;
    migrator.run(&pool).await?;
    Ok(pool)
}

/// PostgreSQL options from a `postgres://` URL, optionally confined to `schema` (set as `search_path` on every
/// connection, so tables, migrations and notifications stay inside it; the schema must exist).
pub fn postgres_url(url: &str, schema: Option<&str>) -> Result<PgConnectOptions> {
    let opts = PgConnectOptions::from_str(url).map_err(|_| StoreError::BadLocation(redact(url)))?;
    Ok(match schema {
        Some(s) => opts.options([("search_path", s)]),
        None => opts,
    })
}

/// Opens a PostgreSQL pool and applies `migrator` (sqlx takes an advisory lock, so replicas starting together
/// migrate once).
pub async fn connect_postgres(opts: PgConnectOptions, migrator: &Migrator, settings: &StoreOptions) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(settings.acquire_timeout.unwrap_or(POSTGRES_ACQUIRE_TIMEOUT))
        .connect_with(opts)
        .await
        .map_err(StoreError::Unavailable)?;
    migrator.run(&pool).await?;
    Ok(pool)
}

/// A URL without its password, for error messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = url.get(scheme_end + 3..at).unwrap_or_default();
            let user = creds.split(':').next().unwrap_or_default();
            format!(
                "{}{}:***{}",
                url.get(..scheme_end + 3).unwrap_or_default(),
                user,
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_passwords() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert!(!redact("postgres://u:p@ss@h/db").contains("p@ss"));
    }

    #[tokio::test]
    async fn acquire_timeout_is_the_backend_default_unless_set() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        let opts = sqlite_file(&dir.path().join("licet.db"));
        let default = connect_sqlite(opts.clone(), &SQLITE_MIGRATIONS, &StoreOptions::default()).await?;
        assert_eq!(default.options().get_acquire_timeout(), SQLITE_ACQUIRE_TIMEOUT);
        let short = StoreOptions::default().acquire_timeout(Duration::from_millis(1500));
        let set = connect_sqlite(opts, &SQLITE_MIGRATIONS, &short).await?;
        assert_eq!(set.options().get_acquire_timeout(), Duration::from_millis(1500));
        Ok(())
    }
}
