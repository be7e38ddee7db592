//! The runtime's one error type. Every variant carries a stable machine code and a sentence an operator can act on.

use licet_core::{Loss, Reason};

/// What an operator is told when a renewal URL is refused (the server's API says it too).
pub const RENEWAL_URL_RULE: &str = "licet renews only over https (plain http only to a loopback host: 127.0.0.0/8, \
     ::1, localhost). The license in force is kept; ask the vendor for a license whose renewal URL is https";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The license was refused (invalid, rolled back, bound elsewhere, …); the current license is kept.
    #[error("{}: {}{}", reason.code(), reason.sentence(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused { reason: Reason, detail: Option<String> },
    /// The license is valid but would take away what the license in force grants (`losses`, never empty); nothing
    /// was changed. Installing it again with acknowledgement accepts the losses.
    #[error("{}: {} ({})", Reason::LicenseChangeNeedsAck.code(), Reason::LicenseChangeNeedsAck.sentence(), losses_text(losses))]
    ChangeNeedsAck { losses: Vec<Loss> },
    /// Reading a license source failed (config file unreadable, variable unset, …).
    #[error("config_error: {message}")]
    Config { message: String },
    /// The store failed; nothing was changed. `code` is the store's own: `store_unavailable` while the database
    /// cannot be reached (the last published status stays in force meanwhile), `store_conflict`, …
    #[error("{code}: {message}")]
    Store { code: &'static str, message: String },
    /// Renewal could not reach or understand the vendor; the current license is kept.
    #[error("renewal_failed: {message}")]
    Renewal { message: String },
    /// The renewal URL is not one licet fetches (plain http to a host that is not loopback, another scheme, not
    /// a URL); nothing was sent to it. The license in force stays in force: the URL only says where to renew.
    #[error("renewal_url_insecure: {why}; {RENEWAL_URL_RULE}")]
    RenewalUrlRefused { why: String },
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Refused { reason, .. } => reason.code(),
            Error::ChangeNeedsAck { .. } => Reason::LicenseChangeNeedsAck.code(),
            Error::Config { .. } => "config_error",
            Error::Store { code, .. } => code,
            Error::Renewal { .. } => "renewal_failed",
            Error::RenewalUrlRefused { .. } => "renewal_url_insecure",
        }
    }

    pub fn refused(reason: Reason) -> Self {
        Error::Refused { reason, detail: None }
    }
}

/// The losses in one line, for logs and the renewal record: `state active → expired; feature sso removed`.
pub fn losses_text(losses: &[Loss]) -> String {
    losses.iter().map(Loss::to_string).collect::<Vec<_>>().join("; ")
}

/// A verification failure keeps its specifics (which base64 symbol, which kid): the API's error `detail`.
impl From<licet_core::VerifyError> for Error {
    fn from(e: licet_core::VerifyError) -> Self {
        Error::Refused {
            reason: e.reason(),
            detail: Some(e.detail()),
        }
    }
}

impl From<licet_store::StoreError> for Error {
    fn from(e: licet_store::StoreError) -> Self {
        Error::Store {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product tells "the database is down, retry" from other store failures by the store's own code.
    #[test]
    fn store_failures_keep_the_stores_code() {
        let down = Error::from(licet_store::StoreError::Unavailable(sqlx::Error::PoolTimedOut));
        assert_eq!(down.code(), "store_unavailable");
        assert!(down.to_string().starts_with("store_unavailable: "), "{down}");
        let conflict = Error::from(licet_store::StoreError::Conflict("unique constraint"));
        assert_eq!(conflict.code(), "store_conflict");
    }
}
