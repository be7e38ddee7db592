//! What the store keeps, as the runtime and server see it. Times are [`UnixTime`] given by the caller: the store
//! never reads the clock.

use licet_core::time::UnixTime;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::scope::Scope;

/// Largest license token the store keeps, in bytes.
pub const MAX_TOKEN_LEN: usize = 256 * 1024;
/// Largest JSON value (audit details, one setting) the store keeps, in bytes once serialized.
pub const MAX_JSON_LEN: usize = 64 * 1024;
/// Largest short text (actor, source, action, names, codes), in bytes.
pub const MAX_LABEL_LEN: usize = 256;
/// Largest free text (a reason an operator typed, an error message), in bytes.
pub const MAX_TEXT_LEN: usize = 4096;

/// This installation's identity, made once on first start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installation {
    pub install_id: Uuid,
    pub created_at: UnixTime,
}

/// Who did something, when and why. Every audited write takes one.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Who: a user name, `api-token:<id>`, `system`, `renewal`, ...
    pub actor: String,
    pub at: UnixTime,
    /// The reason an operator gave (Sovereign's audited import), or a reason code.
    pub reason: Option<String>,
    /// Anything else worth keeping; stored as JSON text.
    pub details: serde_json::Value,
}

impl Change {
    pub fn new(actor: impl Into<String>, at: UnixTime) -> Self {
        Change {
            actor: actor.into(),
            at,
            reason: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// A license to install: facts the runtime read from a token it already verified.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLicense {
    pub scope: Scope,
    /// The token text, normalized by the caller (whitespace removed).
    pub token: String,
    /// The verified license's fingerprint (`licet_core::fingerprint`), as history and audit name it. The store
    /// does not compute it: one license has one name, the one verification gave it.
    pub fingerprint: String,
    /// Where it came from: `upload`, `paste`, `file`, `env`, `import`, `renewal`, ...
    pub source: String,
    pub customer_id: Option<String>,
    /// The license's `sequence`; with a `customer_id` it raises (never lowers) that customer's high-water mark in `scope`.
    pub sequence: Option<i64>,
    pub expires_at: Option<UnixTime>,
    pub change: Change,
}

/// One installed license, current or past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseRecord {
    /// History id: increases with every install.
    pub id: i64,
    pub scope: Scope,
    pub token: String,
    pub fingerprint: String,
    pub installed_at: UnixTime,
    pub actor: String,
    pub source: String,
    pub sequence: Option<i64>,
    pub customer_id: Option<String>,
    pub expires_at: Option<UnixTime>,
    /// Set when a later install replaced this one.
    pub replaced_at: Option<UnixTime>,
    pub replaced_by: Option<i64>,
    /// Set when the license was removed (back to missing / free tier).
    pub cleared_at: Option<UnixTime>,
    pub cleared_by: Option<String>,
}

/// What `install_license` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    pub license: LicenseRecord,
    /// History id of the license this one replaced in its scope, if any.
    pub replaced: Option<i64>,
    pub audit_id: i64,
}

/// Anti-rollback facts the core needs, read back from the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct HighWaterMarks {
    /// Highest sequence ever installed for the asked customer and scope.
    pub sequence: Option<i64>,
    /// Latest time ever observed (installs and `observe_time`).
    pub latest_seen: Option<UnixTime>,
}

/// An audit entry to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    /// What happened, dotted: `license.install`, `license.clear`, `token.create`, ...
    pub action: String,
    pub fingerprint: Option<String>,
    pub change: Change,
}

/// One entry of the hash-chained audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// 1, 2, 3, ... without gaps.
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    pub action: String,
    pub fingerprint: Option<String>,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and this entry's canonical encoding.
    pub hash: String,
}

/// Role of an install-side API token. Ordered: each role includes the ones before it. Its serde spelling is
/// `as_str`'s, and is the install-side API's wire form too (licet-server re-exports this type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read status, fingerprint, audit.
    Viewer,
    /// Install where nothing is installed yet, import offline licenses, refresh.
    Admin,
    /// Replace or clear an installed license, manage tokens.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// SHA-256 (hex) of an API token secret. Only the hash is stored; the secret is shown once, at creation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn of(secret: &str) -> Self {
        TokenHash(hex::encode(Sha256::digest(secret.as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An API token to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub role: Role,
    pub hash: TokenHash,
    pub created_at: UnixTime,
}

/// A stored API token (never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub revoked_at: Option<UnixTime>,
}

impl ApiToken {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Why a renewal attempt failed, as the renewal client reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalError {
    pub code: String,
    pub message: String,
}

/// Renewal bookkeeping for one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalState {
    pub scope: Scope,
    pub last_attempt_at: UnixTime,
    pub last_success_at: Option<UnixTime>,
    /// The last attempt's error; `None` when the last attempt succeeded.
    pub last_error: Option<RenewalError>,
}

pub(crate) fn check_label(field: &'static str, s: &str) -> Result<()> {
    check_text(field, s, MAX_LABEL_LEN)?;
    if s.is_empty() {
        return Err(StoreError::InvalidInput {
            field,
            problem: "must not be empty",
        });
    }
    Ok(())
}

pub(crate) fn check_text(field: &'static str, s: &str, max: usize) -> Result<()> {
    if s.len() > max {
        return Err(StoreError::InvalidInput {
            field,
            problem: "is too long",
        });
    }
    if s.contains('\0') {
        return Err(StoreError::InvalidInput {
            field,
            problem: "must not contain NUL",
        });
    }
    Ok(())
}

pub(crate) fn json_text(field: &'static str, v: &serde_json::Value) -> Result<String> {
    let s = serde_json::to_string(v).map_err(|_| StoreError::InvalidInput {
        field,
        problem: "is not serializable",
    })?;
    check_text(field, &s, MAX_JSON_LEN)?;
    Ok(s)
}
