//! Signing keys by kid. One is active (a partial unique index enforces it); retired ones stay for verification.

use licet_core::{Alg, UnixTime};

use super::{is_unique_violation, AUDIT_INSERT};
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
    let result: Result<(), sqlx::Error> = dispatch!(db, pool => async {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, public_pem, private_ref, active, created_at) \
             VALUES ($1, $2, $3, $4, FALSE, $5)",
        )
        .bind(&key.kid)
        .bind(key.alg.as_str())
        .bind(&key.public_pem)
        .bind(&key.private_ref)
        .bind(key.created_at.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(AUDIT_INSERT)
            .bind(key.created_at.0)
            .bind(actor)
            .bind("key.add")
            .bind(None::<String>)
            .bind(format!("kid {} ({})", key.kid, key.alg))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }.await);
    match result {
        Err(e) if is_unique_violation(&e) => Err(VendorError::AlreadyExists {
            what: "signing key",
            id: key.kid.clone(),
        }),
        other => Ok(other?),
    }
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
            sqlx::query(AUDIT_INSERT)
                .bind(at.0)
                .bind(actor)
                .bind("key.activate")
                .bind(None::<String>)
                .bind(format!("kid {kid}"))
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
