//! The one seam between HTTP and licensing: everything the routes need, as an object-safe async trait.
//!
//! Why a trait and not the runtime directly: the server decides *who may do what* and *how it looks on the wire*;
//! what a license means is decided below (licet-runtime over licet-core and licet-store). Keeping that behind one
//! narrow port lets a product mount [`crate::router`] over its own runtime, and keeps every route testable.
//! The production implementation over licet-runtime + licet-store lives in `backend.rs`.

use licet_core::{Limit, Loss, Reason};
use serde::{Deserialize, Serialize};

/// Which license a change or a read is about: the instance-wide one, or one organization's own.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Instance,
    Org(String),
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Instance => f.write_str("instance"),
            Scope::Org(id) => write!(f, "org:{id}"),
        }
    }
}

/// Who made a change, as the audit log names them: a token's name, or `first-install`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub const FIRST_INSTALL: &'static str = "first-install";
}

/// What a bearer token may do: the store's own type, so the role a token is stored with is the one it is checked
/// and shown with.
pub use licet_store::Role;

/// A token as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// RFC 3339.
    pub created_at: String,
}

/// A freshly minted token: the secret is shown once and stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    pub code: String,
    pub message: String,
}

impl ServiceError {
    /// Refused for `reason`, with nothing more specific to say.
    pub fn rejected(reason: Reason) -> Self {
        ServiceError::Rejected { reason, detail: None }
    }
}

impl From<Reason> for ReasonView {
    fn from(r: Reason) -> Self {
        ReasonView {
            code: r.code().to_owned(),
            message: r.sentence().to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
}

/// One quota: what the license allows and what is in use now (when the product reports it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitView {
    pub kind: String,
    pub limit: Limit,
    pub used: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgView {
    pub id: String,
    pub state: String,
    pub plan: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub features: Vec<String>,
    pub limits: Vec<LimitView>,
    /// Whether this org has its own installed license (which beats the instance-wide entitlement).
    pub own_license: bool,
    /// The last renewal attempt of the org's own license (absent without one, or before its first attempt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refresh: Option<RefreshView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshView {
    pub at: String,
    pub ok: bool,
    pub message: String,
}

/// The full status as `GET /v1/license/status` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    /// `active`, `expiring_soon`, `grace`, `expired`, `invalid`, `missing`, `activation_pending` or `free_tier`.
    pub state: String,
    /// What the product does in this state: `full`, `banner`, `read_only`, `locked`, `modules_unloaded`, …
    pub effect: String,
    pub reason: Option<ReasonView>,
    /// What the state means, in a sentence an operator can act on (always set; the page shows it).
    pub sentence: String,
    pub customer: Option<CustomerView>,
    pub tier: Option<String>,
    pub expires_at: Option<String>,
    /// Whole days until `expires_at`, rounded toward zero (licet-core's `days_until`; negative once more than a
    /// day past it).
    pub days_remaining: Option<i64>,
    /// When the license was judged (RFC 3339): at most a minute before the answer. `days_remaining` and the
    /// `licet_license_remaining_seconds` metric count from here.
    pub evaluated_at: String,
    pub products: Vec<String>,
    pub features: Vec<String>,
    /// The edition implies every feature; `features` is then empty.
    pub all_features: bool,
    pub limits: Vec<LimitView>,
    pub orgs: Vec<OrgView>,
    /// Where the license in force came from: `store`, `file`, `env`, `upload`, `import`, `renewal`.
    pub source: Option<String>,
    /// The winning license source cannot be read or holds no valid license (`license_malformed`, `config_error`,
    /// …). A license that verified before stays in force meanwhile, so this can be set while `state` is `active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_error: Option<ReasonView>,
    /// The fingerprint of the license in force; changes exactly when the license does.
    pub license_fingerprint: Option<String>,
    /// Host fingerprint, `LICET-FP-…`.
    pub fingerprint: String,
    pub install_id: String,
    pub last_refresh: Option<RefreshView>,
}

impl StatusView {
    pub const STATES: &'static [&'static str] = &[
        "active",
        "expiring_soon",
        "grace",
        "expired",
        "invalid",
        "missing",
        "activation_pending",
        "free_tier",
    ];

    /// Whether a license (valid or not) is installed, i.e. a new install would *replace* one.
    pub fn has_license(&self) -> bool {
        self.license_fingerprint.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub fingerprint: String,
    pub install_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub scope: String,
    pub reason: Option<String>,
    pub license_fingerprint: Option<String>,
    /// For a license install: how it arrived (`upload`, `import`, `file`, `renewal`).
    pub source: Option<String>,
    pub outcome: String,
    /// What the license change took away (on `license.install`: acknowledged) or would have (on
    /// `license.rejected` with outcome `license_change_needs_ack`: refused).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Loss>,
}

/// What `GET /v1/license/check` is asked: may the product do this now? Every part is optional; the answer covers
/// all that are given. Unknown parameters are refused (a misspelt `feature` must not read as "nothing to check").
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    /// The org the action is for; its own status applies when it has one.
    pub org: Option<String>,
    pub feature: Option<String>,
    /// A licensed module (product, connector, app) by key.
    pub module: Option<String>,
    /// A quota kind (`users`, `tenants`, …) to create one more of, with `current`, how many exist now.
    pub quota: Option<String>,
    pub current: Option<u64>,
    /// The action changes state (refused when read-only or locked).
    #[serde(default)]
    pub write: bool,
}

/// The answer to a [`CheckQuery`]: 200 when allowed, 403 with the same `code` and `message` the product's own
/// gate and guards would answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    pub allowed: bool,
    pub state: String,
    pub effect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What was refused: `feature`, `module`, or `kind`, `limit` and `current` for a quota.
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// A signed activation request, ready to download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationFile {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

/// Why the layer below refused. The HTTP mapping is in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The license was judged and refused (bad signature, wrong audience, rolled back, …); `detail` is what the
    /// verifier knew beyond the reason (which part did not decode, which kid), when it knew more.
    #[error("{reason}")]
    Rejected { reason: Reason, detail: Option<String> },
    /// The license is valid but would take away what the license in force grants; nothing was changed. The
    /// caller resubmits with acknowledgement to accept the losses.
    #[error("{}", Reason::LicenseChangeNeedsAck)]
    ChangeNeedsAck(Vec<Loss>),
    #[error("not found: {0}")]
    NotFound(String),
    /// The action cannot be done in this configuration (e.g. refresh without a renewal URL).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The vendor's profile does not let licenses in this way (or not through this server at all).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// A remote party (the vendor's renewal endpoint) failed.
    #[error("upstream: {0}")]
    Upstream(String),
    /// The renewal URL is not one licet fetches (plain http off the machine); nothing was sent, the license stays.
    #[error("renewal URL refused: {0}")]
    RenewalUrlRefused(String),
    /// The store cannot be reached; nothing was changed and the license in force stays in force. Retry later.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// Anything else: logged in full, shown as a generic sentence.
    #[error("internal: {0}")]
    Internal(String),
}

/// Everything the HTTP layer needs from licensing, storage and identity.
/// A status as the JSON body `GET /v1/license/status` answers.
pub(crate) fn status_body(view: &StatusView) -> Result<axum::body::Bytes, ServiceError> {
    serde_json::to_vec(view)
        .map(axum::body::Bytes::from)
        .map_err(|e| ServiceError::Internal(format!("the status does not serialize: {e}")))
}

#[async_trait::async_trait]
pub trait LicenseService: Send + Sync + 'static {
    async fn status(&self) -> Result<StatusView, ServiceError>;
    /// [`LicenseService::status`] as the JSON body `GET /v1/license/status` answers. An implementation may keep it
    /// rendered while nothing it shows changed: that endpoint is polled by every page and probe.
    async fn status_json(&self) -> Result<axum::body::Bytes, ServiceError> {
        status_body(&self.status().await?)
    }
    async fn identity(&self) -> Result<Identity, ServiceError>;
    /// Verify, store and put in force `bytes` for `scope`; the audit row names `actor` and `reason`.
    /// `source` says how it arrived: `upload`, `import` or `renewal`.
    async fn install(
        &self,
        scope: Scope,
        bytes: Vec<u8>,
        source: &'static str,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<StatusView, ServiceError>;
    /// [`LicenseService::install`], and with `acknowledge` the caller accepts what the new license takes away from
    /// the one in force (`ChangeNeedsAck` otherwise). A service that never refuses a change for that reason keeps
    /// this default.
    async fn install_with(
        &self,
        scope: Scope,
        bytes: Vec<u8>,
        source: &'static str,
        actor: Actor,
        reason: Option<String>,
        acknowledge: bool,
    ) -> Result<StatusView, ServiceError> {
        let _ = acknowledge;
        self.install(scope, bytes, source, actor, reason).await
    }
    /// Back to missing / free tier for `scope`. `NotFound` when nothing was installed there.
    async fn clear(&self, scope: Scope, actor: Actor, reason: Option<String>) -> Result<StatusView, ServiceError>;
    /// Renew `scope`'s license from its renewal URL now: the instance's, or an org's own (`NotFound` for an org
    /// without one).
    async fn refresh(&self, scope: Scope, actor: Actor) -> Result<StatusView, ServiceError>;
    async fn activation_request(&self) -> Result<ActivationFile, ServiceError>;
    /// Newest first; `before` is an exclusive upper bound on `id`.
    async fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ServiceError>;
    /// Record an action the server decided on (e.g. a token minted or revoked).
    async fn record(&self, actor: Actor, action: &str, detail: Option<String>) -> Result<(), ServiceError>;

    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError>;
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError>;
    async fn revoke_token(&self, id: &str) -> Result<(), ServiceError>;
    /// The token whose secret this is, if any and not revoked.
    async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, ServiceError>;
    async fn has_owner(&self) -> Result<bool, ServiceError>;
    /// The decision a product's gate and guards would make (`GET /v1/license/check`), for products that ask a
    /// license server instead of embedding the runtime. Services that cannot decide answer `Unavailable`.
    async fn check(&self, _query: CheckQuery) -> Result<CheckView, ServiceError> {
        Err(ServiceError::Unavailable(
            "This license service does not answer checks".into(),
        ))
    }
}
