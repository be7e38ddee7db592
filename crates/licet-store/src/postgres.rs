//! PostgreSQL: many replicas share one database. Installs made by any replica reach every replica's subscribers
//! through LISTEN/NOTIFY on a channel named after the schema.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::connect::{connect_postgres, postgres_url, StoreOptions, POSTGRES_MIGRATIONS};
use crate::error::{Result, StoreError};
use crate::event::{StoreEvent, EVENT_BUFFER};
use crate::shared_impl::impl_store;
use crate::store::Backend;

/// PostgreSQL identifiers (channel names) are at most 63 bytes.
const MAX_CHANNEL_LEN: usize = 63;

/// The store on a PostgreSQL database (or one schema of it).
pub struct PgStore {
    pool: PgPool,
    events: broadcast::Sender<StoreEvent>,
    channel: String,
    listener: JoinHandle<()>,
}

impl PgStore {
    /// Opens `url`, optionally inside `schema` (which must exist), migrates, and starts listening.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        Self::open_with(postgres_url(url, schema)?).await
    }

    pub async fn open_with(opts: PgConnectOptions) -> Result<Self> {
        Self::open_with_options(opts, &StoreOptions::default()).await
    }

    /// [`PgStore::open_with`] with pool settings other than the defaults (e.g. a shorter acquire timeout).
    pub async fn open_with_options(opts: PgConnectOptions, settings: &StoreOptions) -> Result<Self> {
        let pool = connect_postgres(opts, &POSTGRES_MIGRATIONS, settings).await?;
        let (schema,): (String,) = sqlx::query_as("SELECT current_schema()").fetch_one(&pool).await?;
        let channel = channel_name(&schema);
        let mut listener = PgListener::connect_with(&pool).await.map_err(StoreError::Unavailable)?;
        // Listening before `open` returns means no install made after it is missed.
        listener.listen(&channel).await.map_err(StoreError::Unavailable)?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let task = tokio::spawn(listen(listener, events.clone()));
        Ok(PgStore {
            pool,
            events,
            channel,
            listener: task,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The NOTIFY channel (`licet_<schema>`).
    pub fn channel(&self) -> &str {
        &self.channel
    }

    async fn publish_in_tx(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        event: &StoreEvent,
    ) -> Result<()> {
        let payload = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Delivered at commit, and only if the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(payload)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    fn publish_after_commit(&self, _event: StoreEvent) {
        // Our own NOTIFY comes back through the listener, like every other replica's.
    }

    fn stop_listener(&self) {
        self.listener.abort();
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

fn channel_name(schema: &str) -> String {
    let mut name = format!("licet_{schema}");
    while name.len() > MAX_CHANNEL_LEN {
        name.pop();
    }
    name
}

async fn listen(mut listener: PgListener, events: broadcast::Sender<StoreEvent>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<StoreEvent>(n.payload()) {
                Ok(event) => {
                    let _ = events.send(event);
                }
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed licet store notification"),
            },
            // The connection dropped and was re-established: notifications in between are lost.
            Ok(None) => {
                let _ = events.send(StoreEvent::Resync);
            }
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "licet store notification listener lost its connection; retrying");
                // Reconnect (PgListener re-listens on reconnect), then tell subscribers to reload.
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if sqlx::query("SELECT 1").execute(&mut listener).await.is_ok() {
                        let _ = events.send(StoreEvent::Resync);
                        break;
                    }
                }
            }
        }
    }
}

impl_store!(PgStore, sqlx::Postgres, Backend::Postgres);
