//! Issued licenses, and the one transaction that issues: bump the install's sequence, sign, record, audit.

use licet_core::{Binding, Customer, UnixTime};

use super::{from_json, to_i64, to_u64};
use crate::db::{dispatch, dispatch_conn, Conn, Db};
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

/// One license to issue in a batch.
pub struct Pending<'a> {
    pub install_id: &'a str,
    /// The install revision the caller's claims were built from.
    pub revision: u64,
    pub kid: &'a str,
    pub at: UnixTime,
    pub actor: &'a str,
}

/// What became of one [`Pending`]: issued; `Ok(None)` when the install's revision is no longer the pending one's
/// (the caller's context is stale: reload, retry); or the install is gone.
pub type Outcome = Result<Option<LicenseRecord>, VendorError>;

/// Rows per multi-row statement in [`issue_batch`]: 32 insert rows are 288 parameters, far below either backend's
/// limit, and at most 32 statement shapes of each kind stay in sqlx's per-connection statement cache (100).
const ROWS_PER_STATEMENT: usize = 32;

/// `UPDATE installs … FROM (VALUES (id, revision, count), …)`: bumps each listed install whose revision still matches
/// by its count, and returns the new sequences. `columnN` are the VALUES columns' names on both backends.
fn bump_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| format!("(${}, ${}, ${})", 3 * r + 1, 3 * r + 2, 3 * r + 3))
        .collect();
    format!(
        "UPDATE installs SET sequence = installs.sequence + b.column3 FROM (VALUES {}) AS b \
         WHERE installs.id = b.column1 AND installs.revision = b.column2 RETURNING id, revision, sequence",
        values.join(", ")
    )
}

fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=9).map(|c| format!("${}", 9 * r + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO issued_licenses (install_id, sequence, revision, kid, fingerprint, issued_at, exp, token, actor) \
         VALUES {}",
        values.join(", ")
    )
}

/// Issues a batch in one transaction (one commit, one WAL sync, for all of it).
///
/// First the sequences: each install (and revision) is bumped once by the number of licenses it gets, so the write
/// lock is taken before anything else and two issues can never get the same sequence; an install's sequences are
/// handed out in `pending` order, so its licenses are numbered in the order they were asked for. Then
/// `sign(index, sequence)` runs for each, then the licenses are recorded (a trigger writes each one's audit entry).
/// Statements carry up to [`ROWS_PER_STATEMENT`] rows each, so a batch costs a few round trips, not two per license.
///
/// An error from `sign` or the database rolls everything back (no sequence moves, nothing is recorded) and is the
/// answer for the whole batch; the caller retries the licenses one by one to tell whose it was.
pub async fn issue_batch(
    conn: &mut Conn,
    pending: &[Pending<'_>],
    mut sign: impl FnMut(usize, u64) -> Result<Signed, VendorError>,
) -> Result<Vec<Outcome>, VendorError> {
    struct Group<'a> {
        install_id: &'a str,
        revision: i64,
        members: Vec<usize>,
        /// The sequence after the bump; `None` while not bumped (stale revision, or no such install).
        last: Option<i64>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (i, p) in pending.iter().enumerate() {
        let revision = to_i64(p.revision, "revision")?;
        match groups
            .iter_mut()
            .find(|g| g.install_id == p.install_id && g.revision == revision)
        {
            Some(g) => g.members.push(i),
            None => groups.push(Group {
                install_id: p.install_id,
                revision,
                members: vec![i],
                last: None,
            }),
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = pending.iter().map(|_| None).collect();
    dispatch_conn!(conn, c => {
        let mut tx = sqlx::Connection::begin(&mut **c).await?;
        for chunk in groups.chunks_mut(ROWS_PER_STATEMENT) {
            let sql = bump_sql(chunk.len());
            let mut bump = sqlx::query_as::<_, (String, i64, i64)>(&sql);
            for g in chunk.iter() {
                bump = bump
                    .bind(g.install_id)
                    .bind(g.revision)
                    .bind(to_i64(g.members.len() as u64, "batch size")?);
            }
            for (id, revision, last) in bump.fetch_all(&mut *tx).await? {
                if let Some(g) = chunk.iter_mut().find(|g| g.install_id == id && g.revision == revision) {
                    g.last = Some(last);
                }
            }
        }
        let mut sequences = Vec::with_capacity(pending.len());
        for g in &groups {
            if let Some(last) = g.last {
                let first = to_u64(last - to_i64(g.members.len() as u64, "batch size")? + 1, "installs.sequence")?;
                sequences.extend(g.members.iter().copied().zip(first..));
                continue;
            }
            let exists: Option<(i64,)> = sqlx::query_as("SELECT revision FROM installs WHERE id = $1")
                .bind(g.install_id)
                .fetch_optional(&mut *tx)
                .await?;
            for &i in &g.members {
                if let Some(slot) = outcomes.get_mut(i) {
                    *slot = Some(match exists {
                        Some(_) => Ok(None),
                        None => Err(VendorError::not_found("install", g.install_id)),
                    });
                }
            }
        }
        sequences.sort_unstable();
        let mut records = Vec::with_capacity(sequences.len());
        for (i, sequence) in sequences {
            let Some(p) = pending.get(i) else { continue };
            let signed = sign(i, sequence)?;
            records.push((i, LicenseRecord {
                install_id: p.install_id.to_owned(),
                sequence,
                revision: p.revision,
                kid: p.kid.to_owned(),
                fingerprint: signed.fingerprint,
                issued_at: p.at,
                exp: signed.exp,
                token: signed.token,
            }));
        }
        for chunk in records.chunks(ROWS_PER_STATEMENT) {
            let sql = insert_sql(chunk.len());
            let mut insert = sqlx::query(&sql);
            for (i, l) in chunk {
                let actor = pending.get(*i).map(|p| p.actor).unwrap_or_default();
                insert = insert
                    .bind(&l.install_id)
                    .bind(to_i64(l.sequence, "sequence")?)
                    .bind(to_i64(l.revision, "revision")?)
                    .bind(&l.kid)
                    .bind(&l.fingerprint)
                    .bind(l.issued_at.0)
                    .bind(l.exp.map(|t| t.0))
                    .bind(&l.token)
                    .bind(actor);
            }
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        for (i, record) in records {
            if let Some(slot) = outcomes.get_mut(i) {
                *slot = Some(Ok(Some(record)));
            }
        }
    });
    outcomes
        .into_iter()
        .map(|o| o.ok_or_else(|| VendorError::Corrupt("an issue in a batch got no outcome".into())))
        .collect()
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
