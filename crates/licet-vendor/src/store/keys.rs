//! Signing keys by kid. One is active (a partial unique index enforces it); retired ones stay for verification.

use licet_core::{Alg, UnixTime};

use super::{insert_audited, Arg, Audited};
use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::SigningKey;

#[derive(sqlx::FromRow)]
struct Row {
    kid: String,
    alg: String,
    public_pem: String,
    private_ref: String,
    active: bool,
    created_at: i64,
    retired_at: Option<i64>,
}

impl TryFrom<Row> for SigningKey {
    type Error = VendorError;

    fn try_from(r: Row) -> Result<Self, VendorError> {
        let alg =
            Alg::from_jose(&r.alg).ok_or_else(|| VendorError::Corrupt(format!("key {}: alg {}", r.kid, r.alg)))?;
        Ok(SigningKey {
            kid: r.kid,
            alg,
            public_pem: r.public_pem,
            private_ref: r.private_ref,
            active: r.active,
            created_at: UnixTime(r.created_at),
            retired_at: r.retired_at.map(UnixTime),
        })
    }
}

const SELECT: &str = "SELECT kid, alg, public_pem, private_ref, active, created_at, retired_at FROM signing_keys";

pub async fn insert(db: &Db, key: &SigningKey, actor: &str) -> Result<(), VendorError> {
    let detail = format!("kid {} ({})", key.kid, key.alg);
    let row = [
        Arg::Text(&key.kid),
        Arg::Text(key.alg.as_str()),
        Arg::Text(&key.public_pem),
        Arg::Text(&key.private_ref),
        Arg::Int(key.created_at.0),
    ];
    let audited = Audited {
        at: key.created_at,
        actor,
        action: "key.add",
        detail: &detail,
        what: "signing key",
        id: &key.kid,
    };
    insert_audited(
        db,
        "INSERT INTO signing_keys (kid, alg, public_pem, private_ref, active, created_at) \
         VALUES ($1, $2, $3, $4, FALSE, $5)",
        &row,
        audited,
    )
    .await
}

pub async fn list(db: &Db) -> Result<Vec<SigningKey>, VendorError> {
    let rows: Vec<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} ORDER BY created_at DESC, kid")).fetch_all(pool).await?
    });
    rows.into_iter().map(SigningKey::try_from).collect()
}

pub async fn get(db: &Db, kid: &str) -> Result<SigningKey, VendorError> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE kid = $1")).bind(kid).fetch_optional(pool).await?
    });
    row.ok_or_else(|| VendorError::not_found("signing key", kid))?
        .try_into()
}

pub async fn active(db: &Db) -> Result<Option<SigningKey>, VendorError> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE active")).fetch_optional(pool).await?
    });
    row.map(SigningKey::try_from).transpose()
}

/// Makes `kid` the one active key; the previous one is retired (kept, still listed for verifiers).
pub async fn activate(db: &Db, kid: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    let found: bool = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE signing_keys SET active = FALSE, retired_at = $2 WHERE active AND kid <> $1")
            .bind(kid)
            .bind(at.0)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("UPDATE signing_keys SET active = TRUE, retired_at = NULL WHERE kid = $1")
            .bind(kid)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            super::audit(at, actor, "key.activate", None, &format!("kid {kid}"))
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n == 1
    });
    found
        .then_some(())
        .ok_or_else(|| VendorError::not_found("signing key", kid))
}
