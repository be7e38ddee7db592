//! The vendor database: SQLite by default, PostgreSQL for production, behind one enum.
//!
//! Every query is written once, with `$N` placeholders (both sqlx drivers accept them), and runs on both pools
//! through [`dispatch!`]. Times are Unix seconds and lists are JSON text, so no type differs between the two.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Executor;

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

impl Db {
    /// Connects and applies the migrations. `sqlite://path/vendor.db` (created if missing), `sqlite::memory:`
    /// or `postgres://…`.
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
        // WAL with synchronous=NORMAL: a commit survives the process crashing (not the machine losing power
        // mid-write); that is the usual trade for a single-node control plane, and what makes issuing fast.
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
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
