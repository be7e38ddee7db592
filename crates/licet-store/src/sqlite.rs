//! The embedded default: one SQLite file in the data directory.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use tokio::sync::broadcast;

use crate::connect::{connect_sqlite, sqlite_file, StoreOptions, SQLITE_MIGRATIONS};
use crate::error::Result;
use crate::event::{StoreEvent, EVENT_BUFFER};
use crate::shared_impl::impl_store;
use crate::store::Backend;

/// The store on a SQLite file. Events reach subscribers of this handle only: another process writing the same
/// file (e.g. the CLI) is not heard until the runtime reloads.
pub struct SqliteStore {
    pool: SqlitePool,
    events: broadcast::Sender<StoreEvent>,
}

impl SqliteStore {
    /// Opens (creating if missing) the file at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(sqlite_file(path)).await
    }

    pub async fn open_with(opts: SqliteConnectOptions) -> Result<Self> {
        Self::open_with_options(opts, &StoreOptions::default()).await
    }

    /// [`SqliteStore::open_with`] with pool settings other than the defaults.
    pub async fn open_with_options(opts: SqliteConnectOptions, settings: &StoreOptions) -> Result<Self> {
        let pool = connect_sqlite(opts, &SQLITE_MIGRATIONS, settings).await?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(SqliteStore { pool, events })
    }

    /// The pool, for tests and tools that inspect tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn publish_in_tx(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        _event: &StoreEvent,
    ) -> Result<()> {
        Ok(())
    }

    fn publish_after_commit(&self, event: StoreEvent) {
        // No subscribers is fine.
        let _ = self.events.send(event);
    }

    fn stop_listener(&self) {}
}

impl_store!(SqliteStore, sqlx::Sqlite, Backend::Sqlite);
