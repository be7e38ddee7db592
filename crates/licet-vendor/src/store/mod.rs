//! SQL for the vendor model. Every function takes the [`Db`](crate::db::Db) and runs the same statement on
//! either backend; multi-statement changes run in one transaction together with their audit entry.

pub mod audit;
pub mod customers;
pub mod entitlements;
pub mod installs;
pub mod keys;
pub mod licenses;

use licet_core::UnixTime;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

use crate::db::{dispatch, Db};
use crate::error::VendorError;

const AUDIT_INSERT: &str = "INSERT INTO audit_log (at, actor, action, install_id, detail) VALUES ($1, $2, $3, $4, $5)";

/// A value to bind, for statements built once for both backends ([`query`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    MaybeText(Option<&'a str>),
    Int(i64),
}

/// `sql` with `args` bound, for whichever backend the executor it runs on belongs to.
pub(crate) fn query<'a, DB>(sql: &'a str, args: &[Arg<'a>]) -> Query<'a, DB, <DB as Database>::Arguments<'a>>
where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
{
    args.iter().fold(sqlx::query(sql), |q, arg| match *arg {
        Arg::Text(v) => q.bind(v),
        Arg::MaybeText(v) => q.bind(v),
        Arg::Int(v) => q.bind(v),
    })
}

/// The audit entry for a change, to run in the change's own transaction.
pub(crate) fn audit<'a, DB>(
    at: UnixTime,
    actor: &'a str,
    action: &'a str,
    install_id: Option<&'a str>,
    detail: &'a str,
) -> Query<'a, DB, <DB as Database>::Arguments<'a>>
where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
{
    let args = [
        Arg::Int(at.0),
        Arg::Text(actor),
        Arg::Text(action),
        Arg::MaybeText(install_id),
        Arg::Text(detail),
    ];
    query(AUDIT_INSERT, &args)
}

/// What [`insert_audited`] records about the insert.
pub(crate) struct Audited<'a> {
    pub at: UnixTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    /// For the error when the row exists: `AlreadyExists { what, id }`.
    pub what: &'static str,
    pub id: &'a str,
}

/// Inserts one row (`sql` with `args`) and its audit entry in one transaction. A unique violation (the id is taken)
/// is `AlreadyExists`.
pub(crate) async fn insert_audited(db: &Db, sql: &str, args: &[Arg<'_>], a: Audited<'_>) -> Result<(), VendorError> {
    let result: Result<(), sqlx::Error> = dispatch!(db, pool => async {
        let mut tx = pool.begin().await?;
        query(sql, args).execute(&mut *tx).await?;
        audit(a.at, a.actor, a.action, None, a.detail).execute(&mut *tx).await?;
        tx.commit().await
    }.await);
    match result {
        Err(e) if is_unique_violation(&e) => Err(VendorError::AlreadyExists {
            what: a.what,
            id: a.id.to_owned(),
        }),
        other => Ok(other?),
    }
}

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
