//! Change notifications, so that every runtime sharing the store reloads after an install or clear.

use serde::{Deserialize, Serialize};

use crate::scope::Scope;

/// Something changed in the store. On SQLite events come from writes made through the same process's store
/// handle; on PostgreSQL they come through LISTEN/NOTIFY from every replica sharing the database, including
/// this one. A receiver that lags (`RecvError::Lagged`) missed events and must reload as on [`StoreEvent::Resync`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreEvent {
    LicenseInstalled {
        scope: Scope,
        fingerprint: String,
    },
    LicenseCleared {
        scope: Scope,
    },
    SettingChanged {
        key: String,
    },
    /// Events may have been missed (the notification connection dropped): reload everything.
    Resync,
}

/// Buffered events per subscriber before it counts as lagging.
pub(crate) const EVENT_BUFFER: usize = 256;
