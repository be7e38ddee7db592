//! SQL for the vendor model. Every function takes the [`Db`](crate::db::Db) and runs the same statement on
//! either backend; multi-statement changes run in one transaction together with their audit entry.

pub mod audit;
pub mod customers;
pub mod entitlements;
pub mod installs;
pub mod keys;
pub mod licenses;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::VendorError;

pub(crate) const AUDIT_INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, install_id, detail) VALUES ($1, $2, $3, $4, $5)";

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, VendorError> {
    serde_json::to_string(value).map_err(|e| VendorError::Corrupt(format!("cannot encode JSON column: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, column: &str) -> Result<T, VendorError> {
    serde_json::from_str(text).map_err(|e| VendorError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn to_u64(value: i64, column: &str) -> Result<u64, VendorError> {
    u64::try_from(value).map_err(|_| VendorError::Corrupt(format!("column {column} is negative")))
}

pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, VendorError> {
    i64::try_from(value).map_err(|_| VendorError::InvalidRequest(format!("{what} is out of range")))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}
