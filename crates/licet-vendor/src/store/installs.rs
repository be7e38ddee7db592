//! Installs: one deployment each, with its binding, its renewal credential (hashed) and its activation key.

use licet_core::UnixTime;

use super::{from_json, is_unique_violation, to_json, to_u64};
use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::Install;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    customer_id: String,
    audience: String,
    fingerprints: String,
    domains: String,
    has_credential: bool,
    activation_key_thumbprint: Option<String>,
    sequence: i64,
    revision: i64,
    last_refresh_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<Row> for Install {
    type Error = VendorError;

    fn try_from(r: Row) -> Result<Self, VendorError> {
        Ok(Install {
            fingerprints: from_json(&r.fingerprints, "installs.fingerprints")?,
            domains: from_json(&r.domains, "installs.domains")?,
            sequence: to_u64(r.sequence, "installs.sequence")?,
            revision: to_u64(r.revision, "installs.revision")?,
            id: r.id,
            customer_id: r.customer_id,
            audience: r.audience,
            has_credential: r.has_credential,
            activation_key_thumbprint: r.activation_key_thumbprint,
            last_refresh_at: r.last_refresh_at.map(UnixTime),
            created_at: UnixTime(r.created_at),
        })
    }
}

const SELECT: &str = "SELECT id, customer_id, audience, fingerprints, domains, \
     (credential_hash IS NOT NULL) AS has_credential, activation_key_thumbprint, sequence, revision, \
     last_refresh_at, created_at FROM installs";

/// What the API accepts to register an install.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInstall {
    pub id: String,
    pub customer_id: String,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub fingerprints: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
}

pub async fn create(
    db: &Db,
    new: &NewInstall,
    audience: &str,
    credential_hash: &str,
    at: UnixTime,
    actor: &str,
) -> Result<Install, VendorError> {
    super::customers::get(db, &new.customer_id).await?;
    let (fingerprints, domains) = (to_json(&new.fingerprints)?, to_json(&new.domains)?);
    let result: Result<(), sqlx::Error> = dispatch!(db, pool => async {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO installs (id, customer_id, audience, fingerprints, domains, credential_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&new.id)
        .bind(&new.customer_id)
        .bind(audience)
        .bind(&fingerprints)
        .bind(&domains)
        .bind(credential_hash)
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
        super::audit(at, actor, "install.create", Some(&new.id), &format!("customer {}", new.customer_id))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }.await);
    match result {
        Err(e) if is_unique_violation(&e) => {
            return Err(VendorError::AlreadyExists {
                what: "install",
                id: new.id.clone(),
            })
        }
        other => other?,
    }
    get(db, &new.id).await
}

pub async fn list(db: &Db, customer_id: Option<&str>) -> Result<Vec<Install>, VendorError> {
    let rows: Vec<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE ($1 IS NULL OR customer_id = $1) ORDER BY created_at, id"))
            .bind(customer_id)
            .fetch_all(pool)
            .await?
    });
    rows.into_iter().map(Install::try_from).collect()
}

pub async fn get(db: &Db, id: &str) -> Result<Install, VendorError> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(pool).await?
    });
    row.ok_or_else(|| VendorError::not_found("install", id))?.try_into()
}

/// Changes the binding or audience; bumps the revision so that the next renewal issues a new license.
pub async fn update(
    db: &Db,
    id: &str,
    fingerprints: Option<&[String]>,
    domains: Option<&[String]>,
    audience: Option<&str>,
    at: UnixTime,
    actor: &str,
) -> Result<Install, VendorError> {
    let fingerprints = fingerprints.map(to_json).transpose()?;
    let domains = domains.map(to_json).transpose()?;
    let n: u64 = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query(
            "UPDATE installs SET fingerprints = COALESCE($2, fingerprints), domains = COALESCE($3, domains), \
             audience = COALESCE($4, audience), revision = revision + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(&fingerprints)
        .bind(&domains)
        .bind(audience)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            super::audit(at, actor, "install.update", Some(id), "binding or audience changed")
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n
    });
    if n == 0 {
        return Err(VendorError::not_found("install", id));
    }
    get(db, id).await
}

/// Replaces the renewal credential (the old one stops working at once).
pub async fn set_credential(db: &Db, id: &str, hash: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    single_change(
        db,
        id,
        "UPDATE installs SET credential_hash = $2 WHERE id = $1",
        Some(hash),
        at,
        actor,
        "install.credential_rotate",
    )
    .await
}

/// Forgets the activation key, so that the next request records a new one (after an install was rebuilt).
pub async fn reset_activation_key(db: &Db, id: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    single_change(
        db,
        id,
        "UPDATE installs SET activation_key = NULL, activation_key_thumbprint = NULL WHERE id = $1",
        None,
        at,
        actor,
        "install.activation_key_reset",
    )
    .await
}

pub async fn delete(db: &Db, id: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    single_change(
        db,
        id,
        "DELETE FROM installs WHERE id = $1",
        None,
        at,
        actor,
        "install.delete",
    )
    .await
}

async fn single_change(
    db: &Db,
    id: &str,
    sql: &str,
    arg: Option<&str>,
    at: UnixTime,
    actor: &str,
    action: &str,
) -> Result<(), VendorError> {
    let n: u64 = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let query = sqlx::query(sql).bind(id);
        let query = match arg {
            Some(arg) => query.bind(arg),
            None => query,
        };
        let n = query.execute(&mut *tx).await?.rows_affected();
        if n == 1 {
            super::audit(at, actor, action, Some(id), "")
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n
    });
    if n == 0 {
        return Err(VendorError::not_found("install", id));
    }
    Ok(())
}

/// The install (id, revision) whose credential hashes to `hash`, marking it refreshed at `at`.
pub async fn touch_by_credential(db: &Db, hash: &str, at: UnixTime) -> Result<Option<(String, u64)>, VendorError> {
    let row: Option<(String, i64)> = dispatch!(db, pool => {
        sqlx::query_as("UPDATE installs SET last_refresh_at = $2 WHERE credential_hash = $1 RETURNING id, revision")
            .bind(hash)
            .bind(at.0)
            .fetch_optional(pool)
            .await?
    });
    row.map(|(id, revision)| Ok((id, to_u64(revision, "installs.revision")?)))
        .transpose()
}

/// Trust on first use: records `thumbprint` if the install has no key yet. Returns the thumbprint on record
/// afterwards, which the caller compares with the request's.
pub async fn record_activation_key(
    db: &Db,
    id: &str,
    jwk_json: &str,
    thumbprint: &str,
    at: UnixTime,
) -> Result<String, VendorError> {
    let on_record: Option<(Option<String>,)> = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query(
            "UPDATE installs SET activation_key = $2, activation_key_thumbprint = $3 \
             WHERE id = $1 AND activation_key_thumbprint IS NULL",
        )
        .bind(id)
        .bind(jwk_json)
        .bind(thumbprint)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            super::audit(at, "activation", "install.activation_key_record", Some(id), &format!("key {thumbprint} recorded on first use"))
            .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query_as("SELECT activation_key_thumbprint FROM installs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row
    });
    match on_record {
        None => Err(VendorError::not_found("install", id)),
        Some((None,)) => Err(VendorError::Corrupt(format!(
            "install {id}: activation key not recorded"
        ))),
        Some((Some(t),)) => Ok(t),
    }
}

/// Remembers an activation request's nonce; a second use is a replay.
pub async fn use_nonce(db: &Db, id: &str, nonce: &str, at: UnixTime) -> Result<(), VendorError> {
    let result: Result<_, sqlx::Error> = dispatch!(db, pool => {
        sqlx::query("INSERT INTO activation_nonces (install_id, nonce, received_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(nonce)
            .bind(at.0)
            .execute(pool)
            .await
            .map(|_| ())
    });
    match result {
        Err(e) if is_unique_violation(&e) => Err(VendorError::ActivationRequestReplayed),
        other => Ok(other?),
    }
}
