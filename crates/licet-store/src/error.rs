//! The one error type of licet-store. Every variant has a stable machine code and a sentence an operator can act on.

use crate::scope::Scope;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be reached, opened or written (I/O, connection refused, pool closed, busy too long).
    #[error("the license store is unavailable: {0}; check that the database file or server is reachable and writable")]
    Unavailable(#[source] sqlx::Error),

    /// Applying the schema migrations failed.
    #[error("the license store's schema could not be migrated: {0}; check database permissions and that no newer licet wrote to it")]
    Migration(#[source] sqlx::migrate::MigrateError),

    /// The location given to `open` is not a path, a `sqlite:` URL or a `postgres://` URL.
    #[error("the store location {0:?} is not understood; give a file path, a sqlite:// URL or a postgres:// URL")]
    BadLocation(String),

    /// A concurrent writer changed what this operation depended on; retrying is safe.
    #[error("the license store changed under this operation ({0}); retry it")]
    Conflict(&'static str),

    /// A license with a lower sequence than one already installed for the same customer in the same scope was
    /// offered.
    #[error("license sequence {offered} for customer {customer_id:?} ({scope}) is lower than {stored}, already installed; an older license cannot replace a newer one")]
    SequenceRolledBack {
        customer_id: String,
        scope: Scope,
        offered: i64,
        stored: i64,
    },

    /// The caller passed a value the store refuses to keep (too large, empty, control characters, bad JSON).
    #[error("the store refused the value for {field}: {problem}")]
    InvalidInput { field: &'static str, problem: &'static str },

    /// Stored data does not have the shape the store wrote (edited by hand, or damaged).
    #[error("the license store holds damaged data ({0}); restore it from a backup or inspect it by hand")]
    Corrupt(String),

    /// The audit log's hash chain is broken: an entry was edited, removed or inserted outside licet.
    #[error("the audit log is broken at entry {}: {}; the log was changed outside licet", .0.entry_id, .0.problem)]
    AuditChainBroken(crate::ChainBreak),
}

impl StoreError {
    /// Stable machine code. Pinned by a test; never change an existing code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable(_) => "store_unavailable",
            StoreError::Migration(_) => "store_migration_failed",
            StoreError::BadLocation(_) => "store_bad_location",
            StoreError::Conflict(_) => "store_conflict",
            StoreError::SequenceRolledBack { .. } => "store_sequence_rolled_back",
            StoreError::InvalidInput { .. } => "store_invalid_input",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::AuditChainBroken(_) => "store_audit_chain_broken",
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // Rows we wrote ourselves failing to decode means someone else wrote them.
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
                StoreError::Corrupt(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict("unique constraint"),
            _ => StoreError::Unavailable(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChainBreak, ChainProblem};

    /// Codes are API: operators and dashboards match on them. Changing one needs a new code, not an edit here.
    #[test]
    fn codes_are_pinned() {
        let cases: Vec<(StoreError, &str)> = vec![
            (StoreError::Unavailable(sqlx::Error::PoolClosed), "store_unavailable"),
            (
                StoreError::Migration(sqlx::migrate::MigrateError::VersionMissing(1)),
                "store_migration_failed",
            ),
            (StoreError::BadLocation("x".into()), "store_bad_location"),
            (StoreError::Conflict("unique constraint"), "store_conflict"),
            (
                StoreError::SequenceRolledBack {
                    customer_id: "c".into(),
                    scope: Scope::Instance,
                    offered: 1,
                    stored: 2,
                },
                "store_sequence_rolled_back",
            ),
            (
                StoreError::InvalidInput {
                    field: "token",
                    problem: "is too long",
                },
                "store_invalid_input",
            ),
            (StoreError::Corrupt("x".into()), "store_corrupt"),
            (
                StoreError::AuditChainBroken(ChainBreak {
                    entry_id: 3,
                    problem: ChainProblem::HashMismatch,
                }),
                "store_audit_chain_broken",
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code);
            assert!(
                err.to_string().len() > 20,
                "{code} needs a sentence an operator can act on"
            );
        }
    }

    #[test]
    fn decode_failures_are_corruption_not_outages() {
        assert_eq!(
            StoreError::from(sqlx::Error::ColumnNotFound("x".into())).code(),
            "store_corrupt"
        );
        assert_eq!(StoreError::from(sqlx::Error::PoolTimedOut).code(), "store_unavailable");
    }
}
