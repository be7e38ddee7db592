//! licet-store: persistence for the install side (see README.md). One [`Store`] trait, two backends:
//! [`SqliteStore`] (embedded default) and [`PgStore`] (replicas sharing a database).

mod audit;
pub mod connect;
mod error;
mod event;
mod open;
mod postgres;
mod records;
mod rows;
mod scope;
mod shared_impl;
mod shared_tx;
mod sqlite;
mod store;

pub use audit::{ChainBreak, ChainProblem, GENESIS_HASH};
pub use connect::StoreOptions;
pub use error::{Result, StoreError};
pub use event::StoreEvent;
pub use open::{open, open_in_data_dir, open_in_data_dir_with_options, open_with_options, DATA_DIR_DB};
pub use postgres::PgStore;
pub use records::{
    ApiToken, AuditEntry, Change, HighWaterMarks, Installation, Installed, LicenseRecord, NewApiToken, NewAuditEntry,
    NewLicense, RenewalError, RenewalState, Role, TokenHash, MAX_JSON_LEN, MAX_LABEL_LEN, MAX_TEXT_LEN, MAX_TOKEN_LEN,
};
pub use scope::{OrgId, Scope, MAX_ORG_ID_LEN};
pub use sqlite::SqliteStore;
pub use store::{Backend, Store, MAX_PAGE};
