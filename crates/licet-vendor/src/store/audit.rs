//! The audit log: one row per change and per issued license, never updated.

use licet_core::UnixTime;

use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::AuditEntry;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    install_id: Option<String>,
    detail: String,
}

/// Newest first; `install_id` narrows to one install. `limit` is capped at 1000.
pub async fn list(db: &Db, install_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, VendorError> {
    let limit = i64::from(limit.min(1000));
    let rows: Vec<Row> = dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT id, at, actor, action, install_id, detail FROM audit_log \
             WHERE ($1 IS NULL OR install_id = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(install_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: UnixTime(r.at),
            actor: r.actor,
            action: r.action,
            install_id: r.install_id,
            detail: r.detail,
        })
        .collect())
}

/// Records one entry on its own (for changes that are a single statement).
pub async fn record(
    db: &Db,
    at: UnixTime,
    actor: &str,
    action: &str,
    install_id: Option<&str>,
    detail: &str,
) -> Result<(), VendorError> {
    dispatch!(db, pool => {
        super::audit(at, actor, action, install_id, detail)
            .execute(pool)
            .await?;
    });
    Ok(())
}
