//! The `Store` trait: everything the install side persists. Implemented by [`crate::SqliteStore`] and
//! [`crate::PgStore`]; use it as `Arc<dyn Store>`.

use licet_core::time::UnixTime;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::Result;
use crate::event::StoreEvent;
use crate::records::{
    ApiToken, AuditEntry, Change, HighWaterMarks, Installation, Installed, LicenseRecord, NewApiToken, NewAuditEntry,
    NewLicense, RenewalError, RenewalState, TokenHash,
};
use crate::scope::Scope;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Largest page `list_audit` and `license_history` return.
pub const MAX_PAGE: u32 = 1000;

/// Persistence for the install side. Every method is atomic; the ones that take a [`Change`] also append one
/// audit entry in the same transaction. The store never verifies licenses: it keeps what the runtime gives it.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// The installation id, made (UUID v4) on the first call ever and the same forever after, also when several
    /// replicas start at once.
    async fn ensure_installation(&self, now: UnixTime) -> Result<Installation>;
    async fn installation(&self) -> Result<Option<Installation>>;
    /// Stores `candidate_pem` (the install's PKCS#8 signing key) unless a key is already stored, and returns the
    /// stored one. Callers generate a candidate on each start and use what comes back.
    async fn ensure_install_key(&self, candidate_pem: &str, now: UnixTime) -> Result<String>;

    /// One transaction: make it current for its scope, append history (marking the replaced one), raise the
    /// high-water marks, append a `license.install` audit entry, notify. Refuses ([`crate::StoreError::SequenceRolledBack`])
    /// a sequence lower than the high-water mark of the license's customer in its scope.
    async fn install_license(&self, license: NewLicense) -> Result<Installed>;
    /// Removes the scope's current license (marking it cleared in history, auditing `license.clear`, notifying).
    /// Returns the cleared record, or `None` (and writes nothing) when the scope had none.
    async fn clear_license(&self, scope: &Scope, change: Change) -> Result<Option<LicenseRecord>>;
    async fn current_license(&self, scope: &Scope) -> Result<Option<LicenseRecord>>;
    /// Current licenses of every scope, instance first then orgs by id.
    async fn current_licenses(&self) -> Result<Vec<LicenseRecord>>;
    /// History newest first, optionally of one scope, with ids below `before_id`; at most `limit` (≤ [`MAX_PAGE`]).
    async fn license_history(
        &self,
        scope: Option<&Scope>,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<LicenseRecord>>;

    /// Highest sequence installed for `(customer_id, scope)` (if given) and the latest time ever seen. Each scope
    /// keeps its own mark: a customer's instance and org licenses are renewed independently.
    async fn high_water_marks(&self, sequence_of: Option<(&str, &Scope)>) -> Result<HighWaterMarks>;
    /// Raises the latest-seen time to `now` if later; returns the stored (maximum) value.
    async fn observe_time(&self, now: UnixTime) -> Result<UnixTime>;

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry>;
    /// Newest first, ids below `before_id`, at most `limit` (≤ [`MAX_PAGE`]).
    async fn list_audit(&self, before_id: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Walks the whole chain: the number of entries, or [`crate::StoreError::AuditChainBroken`] naming the first
    /// bad entry.
    async fn verify_audit_chain(&self) -> Result<u64>;

    async fn create_api_token(&self, token: NewApiToken) -> Result<ApiToken>;
    /// Creates the token only if no active owner token exists (first-start bootstrap, safe across replicas).
    async fn create_first_owner_token(&self, token: NewApiToken) -> Result<Option<ApiToken>>;
    /// Finds a token by hash, revoked or not (check [`ApiToken::is_active`]).
    async fn find_api_token(&self, hash: &TokenHash) -> Result<Option<ApiToken>>;
    /// Records a use; `last_used_at` only moves forward.
    async fn touch_api_token(&self, id: Uuid, now: UnixTime) -> Result<()>;
    /// All tokens, oldest first.
    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// Revokes an active token; `false` if there is no such active token.
    async fn revoke_api_token(&self, id: Uuid, now: UnixTime) -> Result<bool>;
    async fn count_active_owners(&self) -> Result<u64>;

    async fn record_renewal(
        &self,
        scope: &Scope,
        at: UnixTime,
        outcome: std::result::Result<(), RenewalError>,
    ) -> Result<()>;
    async fn renewal_state(&self, scope: &Scope) -> Result<Option<RenewalState>>;

    async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>>;
    /// Insert or replace; notifies [`StoreEvent::SettingChanged`].
    async fn put_setting(&self, key: &str, value: &serde_json::Value, now: UnixTime) -> Result<()>;
    async fn delete_setting(&self, key: &str) -> Result<bool>;
    /// Settings whose key starts with `prefix`, by key.
    async fn list_settings(&self, prefix: &str) -> Result<Vec<(String, serde_json::Value)>>;

    /// Events from now on (see [`StoreEvent`] for what each backend delivers).
    fn subscribe(&self) -> broadcast::Receiver<StoreEvent>;
    /// Closes the pool and stops the notification listener.
    async fn close(&self);
}
