//! The audit log's hash chain: how an entry is encoded and hashed, and how a chain is checked.
//!
//! `hash = SHA-256(prev_hash_hex || "\n" || canonical)`, where `canonical` is the JSON of [`Canonical`] (fields in
//! declaration order, `details` as the exact JSON text stored). Changing this encoding breaks every existing chain:
//! add a new `v` instead.

use licet_core::time::UnixTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::records::AuditEntry;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Encoding version written into every hashed entry.
const CANONICAL_VERSION: u8 = 1;

#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    id: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    fingerprint: Option<&'a str>,
    reason: Option<&'a str>,
    details: &'a str,
}

/// An audit row as stored, `details` still as text so that the hash covers exactly the stored bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub fingerprint: Option<String>,
    pub reason: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// Sets `hash` from the rest of the row.
    pub(crate) fn sealed(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    pub(crate) fn compute_hash(&self) -> String {
        let canonical = Canonical {
            v: CANONICAL_VERSION,
            id: self.id,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            fingerprint: self.fingerprint.as_deref(),
            reason: self.reason.as_deref(),
            details: &self.details,
        };
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        // Serializing a struct of strings and integers cannot fail; an empty encoding would still chain safely.
        h.update(serde_json::to_vec(&canonical).unwrap_or_default());
        hex::encode(h.finalize())
    }

    pub(crate) fn into_entry(self) -> Result<AuditEntry, StoreError> {
        let details = serde_json::from_str(&self.details)
            .map_err(|_| StoreError::Corrupt(format!("audit entry {} has details that are not JSON", self.id)))?;
        Ok(AuditEntry {
            id: self.id,
            at: UnixTime(self.at),
            actor: self.actor,
            action: self.action,
            fingerprint: self.fingerprint,
            reason: self.reason,
            details,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// Where and how the chain is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first entry that does not check out (for [`ChainProblem::HeadMismatch`], the last entry found).
    pub entry_id: i64,
    pub problem: ChainProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainProblem {
    /// Entries are missing: this id was expected next.
    Missing { expected_id: i64 },
    /// The entry's `prev_hash` is not the previous entry's hash (an entry was removed or reordered).
    PrevHashMismatch,
    /// The entry's content does not hash to its `hash` (it was edited).
    HashMismatch,
    /// The log ends elsewhere than the chain head says (entries were removed from the end).
    HeadMismatch { head_id: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Missing { expected_id } => write!(f, "entry {expected_id} is missing"),
            ChainProblem::PrevHashMismatch => f.write_str("its prev_hash does not match the previous entry"),
            ChainProblem::HashMismatch => f.write_str("its content does not match its hash"),
            ChainProblem::HeadMismatch { head_id } => {
                write!(f, "the chain head records entry {head_id} as the last one")
            }
        }
    }
}

/// Walks a chain in id order.
pub(crate) struct ChainWalker {
    next_id: i64,
    prev_hash: String,
    count: u64,
}

impl ChainWalker {
    pub(crate) fn new() -> Self {
        ChainWalker {
            next_id: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            count: 0,
        }
    }

    pub(crate) fn last_id(&self) -> i64 {
        self.next_id - 1
    }

    pub(crate) fn check(&mut self, row: &AuditRow) -> Result<(), ChainBreak> {
        if row.id != self.next_id {
            return Err(ChainBreak {
                entry_id: row.id,
                problem: ChainProblem::Missing {
                    expected_id: self.next_id,
                },
            });
        }
        if row.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                entry_id: row.id,
                problem: ChainProblem::PrevHashMismatch,
            });
        }
        if row.compute_hash() != row.hash {
            return Err(ChainBreak {
                entry_id: row.id,
                problem: ChainProblem::HashMismatch,
            });
        }
        self.next_id += 1;
        self.prev_hash.clone_from(&row.hash);
        self.count += 1;
        Ok(())
    }

    pub(crate) fn finish(self, head_id: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        if head_id != self.last_id() || head_hash != self.prev_hash {
            return Err(ChainBreak {
                entry_id: self.last_id(),
                problem: ChainProblem::HeadMismatch { head_id },
            });
        }
        Ok(self.count)
    }
}
