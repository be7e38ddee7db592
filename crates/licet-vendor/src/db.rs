//! The vendor database: SQLite by default, PostgreSQL for production, behind one enum.
//!
//! Every query is written once, with `$N` placeholders (both sqlx drivers accept them), and runs on both pools
//! through [`dispatch!`]. Times are Unix seconds and lists are JSON text, so no type differs between the two.

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, Postgres, Sqlite};

use crate::error::VendorError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds. The body is compiled once per backend.
macro_rules! dispatch {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch;

/// One connection taken out of the pool, for a task that writes often (the issuing writer): its statement cache and
/// SQLite page cache stay warm, where connections taken in turn from the pool each find their cache stale.
#[derive(Debug)]
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// As [`dispatch!`], for a [`Conn`]: `$conn` is bound to the `&mut PoolConnection` of whichever backend.
macro_rules! dispatch_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use dispatch_conn;

impl Db {
    /// Connects and applies the migrations. `sqlite://path/vendor.db` (created if missing), `sqlite::memory:`
    /// or `postgres://…`. SQLite URLs take licet's own `synchronous=full|normal` (see [`sqlite_synchronous`]).
    pub async fn connect(url: &str) -> Result<Db, VendorError> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Db::Postgres(PgPoolOptions::new().max_connections(16).connect(url).await?)
        } else {
            Db::Sqlite(Self::sqlite_pool(url).await?)
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Connects to PostgreSQL with every connection's `search_path` set to `schema` (created if missing), then
    /// migrates. Tests use a fresh schema each so that they never see one another's rows.
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Db, VendorError> {
        if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(VendorError::InvalidRequest(format!(
                "schema name {schema:?} is not [A-Za-z0-9_]+"
            )));
        }
        let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
        let set_path = format!("SET search_path TO {schema}");
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .after_connect(move |conn, _| {
                let (create, set_path) = (create.clone(), set_path.clone());
                Box::pin(async move {
                    conn.execute(create.as_str()).await?;
                    conn.execute(set_path.as_str()).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let db = Db::Postgres(pool);
        db.migrate().await?;
        Ok(db)
    }

    async fn sqlite_pool(url: &str) -> Result<SqlitePool, VendorError> {
        let (url, synchronous) = sqlite_synchronous(url)?;
        let url = url.as_str();
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // An in-memory database lives in one connection; a file is shared by several readers and one writer.
        let max = if in_memory { 1 } else { 8 };
        Ok(SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if in_memory {
                None
            } else {
                Some(Duration::from_secs(3600))
            })
            .connect_with(options)
            .await?)
    }

    pub async fn migrate(&self) -> Result<(), VendorError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// A connection of its own, and whether the pool can spare it for long: an in-memory SQLite database has one
    /// connection, which the caller must give back between uses.
    pub async fn acquire(&self) -> Result<(Conn, bool), VendorError> {
        Ok(match self {
            Db::Sqlite(pool) => (
                Conn::Sqlite(pool.acquire().await?),
                pool.options().get_max_connections() > 1,
            ),
            Db::Postgres(pool) => (
                Conn::Postgres(pool.acquire().await?),
                pool.options().get_max_connections() > 1,
            ),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        dispatch!(self, pool => pool.close().await)
    }
}

/// Takes licet's `synchronous` parameter out of a SQLite URL (sqlx refuses parameters it does not know) and returns
/// the rest with the mode. WAL either way.
///
/// - `full` (default): every commit is synced to disk before the issue is answered, so a license a caller holds is
///   on disk even if the machine loses power right after. Group commit (`writer.rs`) makes that one sync per batch.
/// - `normal`: commits are synced only at checkpoints. Still atomic and consistent, and nothing is lost when the
///   process crashes; but a power loss or kernel crash can take back the last commits, i.e. licenses already handed
///   out whose sequence bump and record are gone, so the next issue would reuse their sequence numbers. Only for a
///   control plane whose host cannot lose power uncleanly, or that is replicated below the file system.
pub fn sqlite_synchronous(url: &str) -> Result<(String, SqliteSynchronous), VendorError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), SqliteSynchronous::Full));
    };
    let mut mode = SqliteSynchronous::Full;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("synchronous", value)) => {
                mode = match value.to_ascii_lowercase().as_str() {
                    "full" => SqliteSynchronous::Full,
                    "normal" => SqliteSynchronous::Normal,
                    _ => {
                        return Err(VendorError::InvalidRequest(format!(
                            "synchronous={value} in the database URL: use full (default) or normal"
                        )))
                    }
                }
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synchronous_is_taken_out_of_the_url() {
        let full = |u: &str| sqlite_synchronous(u).map(|(u, m)| (u, format!("{m:?}")));
        assert_eq!(full("sqlite://v.db").unwrap(), ("sqlite://v.db".into(), "Full".into()));
        assert_eq!(
            full("sqlite://v.db?synchronous=normal").unwrap(),
            ("sqlite://v.db".into(), "Normal".into())
        );
        assert_eq!(
            full("sqlite://v.db?mode=rwc&synchronous=FULL").unwrap(),
            ("sqlite://v.db?mode=rwc".into(), "Full".into())
        );
        assert_eq!(
            full("sqlite://v.db?synchronous=off").unwrap_err().code(),
            "invalid_request"
        );
    }
}
