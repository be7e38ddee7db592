//! Transaction steps shared by the audited writes of `impl_store!` (see `shared_impl.rs` for the locking rule).

macro_rules! impl_tx_helpers {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Locks the head row; returns the last audit id and hash.
            async fn lock_head(tx: &mut sqlx::Transaction<'static, $db>) -> $crate::error::Result<(i64, String)> {
                let head: (i64, String) = sqlx::query_as(
                    "UPDATE store_head SET singleton = singleton WHERE singleton = 1 \
                     RETURNING audit_last_id, audit_last_hash",
                )
                .fetch_one(&mut **tx)
                .await?;
                Ok(head)
            }

            /// Appends an audit entry after `lock_head`, and raises the latest-seen time.
            async fn append_audit_locked(
                tx: &mut sqlx::Transaction<'static, $db>,
                head: (i64, String),
                entry: $crate::records::NewAuditEntry,
            ) -> $crate::error::Result<$crate::audit::AuditRow> {
                use $crate::records::{check_label, check_text, json_text, MAX_TEXT_LEN};
                check_label("actor", &entry.change.actor)?;
                check_label("action", &entry.action)?;
                if let Some(r) = &entry.change.reason {
                    check_text("reason", r, MAX_TEXT_LEN)?;
                }
                if let Some(f) = &entry.fingerprint {
                    check_label("fingerprint", f)?;
                }
                let details = json_text("details", &entry.change.details)?;
                let row = $crate::audit::AuditRow {
                    id: head.0 + 1,
                    at: entry.change.at.seconds(),
                    actor: entry.change.actor,
                    action: entry.action,
                    fingerprint: entry.fingerprint,
                    reason: entry.change.reason,
                    details,
                    prev_hash: head.1,
                    hash: String::new(),
                }
                .sealed();
                sqlx::query(
                    "INSERT INTO audit_log (id, at, actor, action, fingerprint, reason, details, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(row.id)
                .bind(row.at)
                .bind(&row.actor)
                .bind(&row.action)
                .bind(&row.fingerprint)
                .bind(&row.reason)
                .bind(&row.details)
                .bind(&row.prev_hash)
                .bind(&row.hash)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE store_head SET audit_last_id = $1, audit_last_hash = $2, \
                     latest_seen = CASE WHEN latest_seen < $3 THEN $3 ELSE latest_seen END WHERE singleton = 1",
                )
                .bind(row.id)
                .bind(&row.hash)
                .bind(row.at)
                .execute(&mut **tx)
                .await?;
                Ok(row)
            }

            async fn license_by_id(
                tx: &mut sqlx::Transaction<'static, $db>,
                id: i64,
            ) -> $crate::error::Result<$crate::records::LicenseRecord> {
                let row: $crate::rows::LicenseRow = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::rows::license_cols!(),
                    " FROM license_history h WHERE h.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                row.try_into()
            }
        }
    };
}

pub(crate) use impl_tx_helpers;
