//! The runtime's one error type. Every variant carries a stable machine code and a sentence an operator can act on.

use licet_core::Reason;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The license was refused (invalid, rolled back, bound elsewhere, …); the current license is kept.
    #[error("{}: {}{}", reason.code(), reason.sentence(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused { reason: Reason, detail: Option<String> },
    /// Reading a license source failed (config file unreadable, variable unset, …).
    #[error("config_error: {message}")]
    Config { message: String },
    /// The store failed; nothing was changed.
    #[error("store_error: {message}")]
    Store { message: String },
    /// Renewal could not reach or understand the vendor; the current license is kept.
    #[error("renewal_failed: {message}")]
    Renewal { message: String },
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Refused { reason, .. } => reason.code(),
            Error::Config { .. } => "config_error",
            Error::Store { .. } => "store_error",
            Error::Renewal { .. } => "renewal_failed",
        }
    }

    pub fn refused(reason: Reason) -> Self {
        Error::Refused { reason, detail: None }
    }
}

impl From<licet_store::StoreError> for Error {
    fn from(e: licet_store::StoreError) -> Self {
        Error::Store { message: e.to_string() }
    }
}
