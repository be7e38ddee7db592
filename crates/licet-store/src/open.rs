//! Picking a backend from a location string.

use std::path::Path;
use std::sync::Arc;

use crate::connect::{postgres_url, sqlite_file, sqlite_url, StoreOptions};
use crate::error::{Result, StoreError};
use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// File name of the embedded database inside the data directory.
pub const DATA_DIR_DB: &str = "licet.db";

/// Opens `postgres://…` / `postgresql://…` on PostgreSQL, `sqlite:…` URLs and plain paths on SQLite.
pub async fn open(location: &str) -> Result<Arc<dyn Store>> {
    open_with_options(location, &StoreOptions::default()).await
}

/// [`open`] with pool settings other than the defaults.
pub async fn open_with_options(location: &str, settings: &StoreOptions) -> Result<Arc<dyn Store>> {
    let location = location.trim();
    if location.is_empty() {
        return Err(StoreError::BadLocation(String::new()));
    }
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        let opts = postgres_url(location, None)?;
        return Ok(Arc::new(PgStore::open_with_options(opts, settings).await?));
    }
    let opts = if location.starts_with("sqlite:") {
        sqlite_url(location)?
    } else {
        sqlite_file(Path::new(location))
    };
    Ok(Arc::new(SqliteStore::open_with_options(opts, settings).await?))
}

/// Opens (creating both if needed) `dir/licet.db`.
pub async fn open_in_data_dir(dir: &Path) -> Result<Arc<dyn Store>> {
    open_in_data_dir_with_options(dir, &StoreOptions::default()).await
}

/// [`open_in_data_dir`] with pool settings.
pub async fn open_in_data_dir_with_options(dir: &Path, settings: &StoreOptions) -> Result<Arc<dyn Store>> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
    let opts = sqlite_file(&dir.join(DATA_DIR_DB));
    Ok(Arc::new(SqliteStore::open_with_options(opts, settings).await?))
}
