//! Issued licenses, and the one transaction that issues: bump the install's sequence, sign, record, audit.

use licet_core::{Binding, Customer, UnixTime};

use super::{from_json, to_i64, to_u64};
use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::{Entitlements, LicenseRecord};

/// Everything about an install that goes into its claims, read in one go.
#[derive(Clone, Debug)]
pub struct IssueContext {
    pub install_id: String,
    pub customer: Customer,
    pub audience: String,
    pub binding: Binding,
    pub revision: u64,
    pub entitlements: Entitlements,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    customer_id: String,
    customer_name: String,
    audience: String,
    fingerprints: String,
    domains: String,
    revision: i64,
}

pub async fn context(db: &Db, install_id: &str) -> Result<IssueContext, VendorError> {
    let row: Option<ContextRow> = dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT i.customer_id, c.name AS customer_name, i.audience, i.fingerprints, i.domains, i.revision \
             FROM installs i JOIN customers c ON c.id = i.customer_id WHERE i.id = $1",
        )
        .bind(install_id)
        .fetch_optional(pool)
        .await?
    });
    let row = row.ok_or_else(|| VendorError::not_found("install", install_id))?;
    let entitlements = super::entitlements::get(db, install_id)
        .await?
        .ok_or_else(|| VendorError::EntitlementsMissing(install_id.to_owned()))?;
    Ok(IssueContext {
        install_id: install_id.to_owned(),
        customer: Customer {
            id: row.customer_id,
            name: row.customer_name,
        },
        audience: row.audience,
        binding: Binding {
            install_id: Some(install_id.to_owned()),
            fingerprints: from_json(&row.fingerprints, "installs.fingerprints")?,
            domains: from_json(&row.domains, "installs.domains")?,
        },
        revision: to_u64(row.revision, "installs.revision")?,
        entitlements,
    })
}

/// A signed token, as the issuing closure returns it.
pub struct Signed {
    pub token: String,
    pub fingerprint: String,
    pub exp: Option<UnixTime>,
}

/// Issues in one transaction: the sequence bump comes first, so that the write lock is taken before anything
/// else and two issues for one install can never get the same sequence; then `sign(sequence)` runs, then the
/// license is recorded (a trigger writes its audit entry). If anything fails, nothing is recorded and the sequence
/// stays. `Ok(None)`: the install's revision is no longer `ctx.revision` (the context is stale; reload, retry).
pub async fn issue(
    db: &Db,
    ctx: &IssueContext,
    kid: &str,
    at: UnixTime,
    actor: &str,
    sign: impl FnOnce(u64) -> Result<Signed, VendorError>,
) -> Result<Option<LicenseRecord>, VendorError> {
    let revision = to_i64(ctx.revision, "revision")?;
    let record: LicenseRecord = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let bumped: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE installs SET sequence = sequence + 1 WHERE id = $1 RETURNING sequence, revision",
        )
        .bind(&ctx.install_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (sequence, current) = bumped.ok_or_else(|| VendorError::not_found("install", &ctx.install_id))?;
        if current != revision {
            return Ok(None);
        }
        let signed = sign(to_u64(sequence, "installs.sequence")?)?;
        sqlx::query(
            "INSERT INTO issued_licenses (install_id, sequence, revision, kid, fingerprint, issued_at, exp, token, \
             actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&ctx.install_id)
        .bind(sequence)
        .bind(revision)
        .bind(kid)
        .bind(&signed.fingerprint)
        .bind(at.0)
        .bind(signed.exp.map(|t| t.0))
        .bind(&signed.token)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        LicenseRecord {
            install_id: ctx.install_id.clone(),
            sequence: to_u64(sequence, "installs.sequence")?,
            revision: ctx.revision,
            kid: kid.to_owned(),
            fingerprint: signed.fingerprint,
            issued_at: at,
            exp: signed.exp,
            token: signed.token,
        }
    });
    Ok(Some(record))
}

#[derive(sqlx::FromRow)]
struct Row {
    install_id: String,
    sequence: i64,
    revision: i64,
    kid: String,
    fingerprint: String,
    issued_at: i64,
    exp: Option<i64>,
    token: String,
}

impl TryFrom<Row> for LicenseRecord {
    type Error = VendorError;

    fn try_from(r: Row) -> Result<Self, VendorError> {
        Ok(LicenseRecord {
            install_id: r.install_id,
            sequence: to_u64(r.sequence, "issued_licenses.sequence")?,
            revision: to_u64(r.revision, "issued_licenses.revision")?,
            kid: r.kid,
            fingerprint: r.fingerprint,
            issued_at: UnixTime(r.issued_at),
            exp: r.exp.map(UnixTime),
            token: r.token,
        })
    }
}

const SELECT: &str =
    "SELECT install_id, sequence, revision, kid, fingerprint, issued_at, exp, token FROM issued_licenses";

pub async fn latest(db: &Db, install_id: &str) -> Result<Option<LicenseRecord>, VendorError> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE install_id = $1 ORDER BY sequence DESC LIMIT 1"))
            .bind(install_id)
            .fetch_optional(pool)
            .await?
    });
    row.map(LicenseRecord::try_from).transpose()
}

pub async fn get(db: &Db, install_id: &str, sequence: u64) -> Result<LicenseRecord, VendorError> {
    let seq = to_i64(sequence, "sequence")?;
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE install_id = $1 AND sequence = $2"))
            .bind(install_id)
            .bind(seq)
            .fetch_optional(pool)
            .await?
    });
    row.ok_or_else(|| VendorError::not_found("license", format!("{install_id}#{sequence}")))?
        .try_into()
}

/// Newest first, at most `limit` (capped at 1000).
pub async fn list(db: &Db, install_id: &str, limit: u32) -> Result<Vec<LicenseRecord>, VendorError> {
    let limit = i64::from(limit.min(1000));
    let rows: Vec<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE install_id = $1 ORDER BY sequence DESC LIMIT $2"))
            .bind(install_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
    });
    rows.into_iter().map(LicenseRecord::try_from).collect()
}
