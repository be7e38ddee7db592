//! The `Store` implementation, written once and instantiated for each sqlx driver by `impl_store!`.
//!
//! The SQL is deliberately the common subset of SQLite and PostgreSQL: `$n` binds, `ON CONFLICT`, `RETURNING`, and
//! `CASE` instead of `MAX(a, b)`/`GREATEST(a, b)`. A backend supplies only its pool (`self.pool`), `self.events`,
//! and two hooks: `publish_in_tx` (PostgreSQL: `pg_notify`, delivered at commit) and `publish_after_commit`
//! (SQLite: the in-process broadcast).
//!
//! Every audited write first updates the `store_head` row. That one statement is the lock: on PostgreSQL it takes
//! the row lock (concurrent replicas queue behind it, so the audit chain never forks), on SQLite it takes the write
//! lock at the start of the transaction (so no reader-to-writer upgrade can deadlock; the busy timeout waits).

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr) => {
        $crate::shared_tx::impl_tx_helpers!($store, $db);

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ensure_installation(
                &self,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<$crate::records::Installation> {
                sqlx::query(
                    "INSERT INTO installation (singleton, install_id, created_at) VALUES (1, $1, $2) \
                     ON CONFLICT (singleton) DO NOTHING",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(now.seconds())
                .execute(&self.pool)
                .await?;
                self.installation().await?.ok_or($crate::error::StoreError::Corrupt("the installation row vanished".to_owned()))
            }

            async fn installation(&self) -> $crate::error::Result<Option<$crate::records::Installation>> {
                let row: Option<(String, i64)> =
                    sqlx::query_as("SELECT install_id, created_at FROM installation WHERE singleton = 1")
                        .fetch_optional(&self.pool)
                        .await?;
                match row {
                    None => Ok(None),
                    Some((id, at)) => Ok(Some($crate::records::Installation {
                        install_id: $crate::rows::parse_uuid("install id", &id)?,
                        created_at: licet_core::time::UnixTime(at),
                    })),
                }
            }

            async fn ensure_install_key(
                &self,
                candidate_pem: &str,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<String> {
                $crate::records::check_text("install key", candidate_pem, $crate::records::MAX_TEXT_LEN)?;
                sqlx::query(
                    "INSERT INTO install_key (singleton, key_pem, created_at) VALUES (1, $1, $2) \
                     ON CONFLICT (singleton) DO NOTHING",
                )
                .bind(candidate_pem)
                .bind(now.seconds())
                .execute(&self.pool)
                .await?;
                let (pem,): (String,) = sqlx::query_as("SELECT key_pem FROM install_key WHERE singleton = 1")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(pem)
            }

            async fn install_license(
                &self,
                license: $crate::records::NewLicense,
            ) -> $crate::error::Result<$crate::records::Installed> {
                use $crate::records::{check_label, check_text, MAX_TOKEN_LEN};
                check_text("token", &license.token, MAX_TOKEN_LEN)?;
                if license.token.is_empty() {
                    return Err($crate::error::StoreError::InvalidInput { field: "token", problem: "must not be empty" });
                }
                check_label("source", &license.source)?;
                check_label("fingerprint", &license.fingerprint)?;
                check_label("actor", &license.change.actor)?;
                if let Some(c) = &license.customer_id {
                    check_label("customer id", c)?;
                }
                let scope = license.scope.key();
                let fp = license.fingerprint.clone();
                let at = license.change.at;

                let mut tx = self.pool.begin().await?;
                let head = Self::lock_head(&mut tx).await?;
                if let (Some(customer), Some(offered)) = (&license.customer_id, license.sequence) {
                    let stored: Option<(i64,)> = sqlx::query_as(
                        "SELECT sequence FROM hwm_sequence_scope WHERE customer_id = $1 AND scope = $2",
                    )
                    .bind(customer)
                    .bind(&scope)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((stored,)) = stored {
                        if offered < stored {
                            return Err($crate::error::StoreError::SequenceRolledBack {
                                customer_id: customer.clone(),
                                scope: license.scope.clone(),
                                offered,
                                stored,
                            });
                        }
                    }
                }
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO license_history (scope, token, fingerprint, installed_at, actor, source, sequence, \
                     customer_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&scope)
                .bind(&license.token)
                .bind(&fp)
                .bind(at.seconds())
                .bind(&license.change.actor)
                .bind(&license.source)
                .bind(license.sequence)
                .bind(&license.customer_id)
                .bind(license.expires_at.map(|t| t.seconds()))
                .fetch_one(&mut *tx)
                .await?;
                let replaced: Option<(i64,)> =
                    sqlx::query_as("SELECT history_id FROM license_current WHERE scope = $1")
                        .bind(&scope)
                        .fetch_optional(&mut *tx)
                        .await?;
                let replaced = replaced.map(|(r,)| r);
                if let Some(old) = replaced {
                    sqlx::query("UPDATE license_history SET replaced_at = $1, replaced_by = $2 WHERE id = $3")
                        .bind(at.seconds())
                        .bind(id)
                        .bind(old)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO license_current (scope, history_id) VALUES ($1, $2) \
                     ON CONFLICT (scope) DO UPDATE SET history_id = excluded.history_id",
                )
                .bind(&scope)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if let (Some(customer), Some(seq)) = (&license.customer_id, license.sequence) {
                    sqlx::query(
                        "INSERT INTO hwm_sequence_scope (customer_id, scope, sequence) VALUES ($1, $2, $3) \
                         ON CONFLICT (customer_id, scope) DO UPDATE SET sequence = CASE \
                         WHEN excluded.sequence > hwm_sequence_scope.sequence THEN excluded.sequence \
                         ELSE hwm_sequence_scope.sequence END",
                    )
                    .bind(customer)
                    .bind(&scope)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                }
                let details = serde_json::json!({
                    "scope": scope,
                    "history_id": id,
                    "source": license.source,
                    "customer_id": license.customer_id,
                    "sequence": license.sequence,
                    "replaced": replaced,
                    "extra": license.change.details,
                });
                let audit = $crate::records::NewAuditEntry {
                    action: "license.install".to_owned(),
                    fingerprint: Some(fp.clone()),
                    change: $crate::records::Change { details, ..license.change },
                };
                let audit_row = Self::append_audit_locked(&mut tx, head, audit).await?;
                let record = Self::license_by_id(&mut tx, id).await?;
                let event = $crate::event::StoreEvent::LicenseInstalled { scope: license.scope, fingerprint: fp };
                self.publish_in_tx(&mut tx, &event).await?;
                tx.commit().await?;
                self.publish_after_commit(event);
                Ok($crate::records::Installed { license: record, replaced, audit_id: audit_row.id })
            }

            async fn clear_license(
                &self,
                scope: &$crate::scope::Scope,
                change: $crate::records::Change,
            ) -> $crate::error::Result<Option<$crate::records::LicenseRecord>> {
                let key = scope.key();
                let mut tx = self.pool.begin().await?;
                let head = Self::lock_head(&mut tx).await?;
                let current: Option<(i64,)> =
                    sqlx::query_as("SELECT history_id FROM license_current WHERE scope = $1")
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((id,)) = current else {
                    return Ok(None);
                };
                sqlx::query("DELETE FROM license_current WHERE scope = $1")
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE license_history SET cleared_at = $1, cleared_by = $2 WHERE id = $3")
                    .bind(change.at.seconds())
                    .bind(&change.actor)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let record = Self::license_by_id(&mut tx, id).await?;
                let details = serde_json::json!({ "scope": key, "history_id": id, "extra": change.details });
                let audit = $crate::records::NewAuditEntry {
                    action: "license.clear".to_owned(),
                    fingerprint: Some(record.fingerprint.clone()),
                    change: $crate::records::Change { details, ..change },
                };
                Self::append_audit_locked(&mut tx, head, audit).await?;
                let event = $crate::event::StoreEvent::LicenseCleared { scope: scope.clone() };
                self.publish_in_tx(&mut tx, &event).await?;
                tx.commit().await?;
                self.publish_after_commit(event);
                Ok(Some(record))
            }

            async fn current_license(
                &self,
                scope: &$crate::scope::Scope,
            ) -> $crate::error::Result<Option<$crate::records::LicenseRecord>> {
                let row: Option<$crate::rows::LicenseRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::rows::license_cols!(),
                    " FROM license_current c JOIN license_history h ON h.id = c.history_id WHERE c.scope = $1"
                ))
                .bind(scope.key())
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn current_licenses(&self) -> $crate::error::Result<Vec<$crate::records::LicenseRecord>> {
                let rows: Vec<$crate::rows::LicenseRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::rows::license_cols!(),
                    " FROM license_current c JOIN license_history h ON h.id = c.history_id ORDER BY c.scope"
                ))
                .fetch_all(&self.pool)
                .await?;
                let mut out: Vec<$crate::records::LicenseRecord> =
                    rows.into_iter().map(TryInto::try_into).collect::<$crate::error::Result<_>>()?;
                out.sort_by(|a, b| a.scope.cmp(&b.scope));
                Ok(out)
            }

            async fn license_history(
                &self,
                scope: Option<&$crate::scope::Scope>,
                before_id: Option<i64>,
                limit: u32,
            ) -> $crate::error::Result<Vec<$crate::records::LicenseRecord>> {
                let rows: Vec<$crate::rows::LicenseRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::rows::license_cols!(),
                    " FROM license_history h WHERE ($1 IS NULL OR h.scope = $1) AND ($2 IS NULL OR h.id < $2) \
                     ORDER BY h.id DESC LIMIT $3"
                ))
                .bind(scope.map(|s| s.key()))
                .bind(before_id)
                .bind(i64::from(limit.min($crate::store::MAX_PAGE)))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn high_water_marks(
                &self,
                sequence_of: Option<(&str, &$crate::scope::Scope)>,
            ) -> $crate::error::Result<$crate::records::HighWaterMarks> {
                let (latest,): (i64,) = sqlx::query_as("SELECT latest_seen FROM store_head WHERE singleton = 1")
                    .fetch_one(&self.pool)
                    .await?;
                let sequence = match sequence_of {
                    None => None,
                    Some((customer, scope)) => {
                        let row: Option<(i64,)> = sqlx::query_as(
                            "SELECT sequence FROM hwm_sequence_scope WHERE customer_id = $1 AND scope = $2",
                        )
                        .bind(customer)
                        .bind(scope.key())
                        .fetch_optional(&self.pool)
                        .await?;
                        row.map(|(s,)| s)
                    }
                };
                Ok($crate::records::HighWaterMarks {
                    sequence,
                    latest_seen: (latest > 0).then_some(licet_core::time::UnixTime(latest)),
                })
            }

            async fn observe_time(
                &self,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<licet_core::time::UnixTime> {
                let (latest,): (i64,) = sqlx::query_as(
                    "UPDATE store_head SET latest_seen = CASE WHEN latest_seen < $1 THEN $1 ELSE latest_seen END \
                     WHERE singleton = 1 RETURNING latest_seen",
                )
                .bind(now.seconds())
                .fetch_one(&self.pool)
                .await?;
                Ok(licet_core::time::UnixTime(latest))
            }

            async fn append_audit(
                &self,
                entry: $crate::records::NewAuditEntry,
            ) -> $crate::error::Result<$crate::records::AuditEntry> {
                let mut tx = self.pool.begin().await?;
                let head = Self::lock_head(&mut tx).await?;
                let row = Self::append_audit_locked(&mut tx, head, entry).await?;
                tx.commit().await?;
                row.into_entry()
            }

            async fn list_audit(
                &self,
                before_id: Option<i64>,
                limit: u32,
            ) -> $crate::error::Result<Vec<$crate::records::AuditEntry>> {
                let rows: Vec<$crate::audit::AuditRow> = sqlx::query_as(
                    "SELECT id, at, actor, action, fingerprint, reason, details, prev_hash, hash FROM audit_log \
                     WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(before_id)
                .bind(i64::from(limit.min($crate::store::MAX_PAGE)))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map($crate::audit::AuditRow::into_entry).collect()
            }

            async fn verify_audit_chain(&self) -> $crate::error::Result<u64> {
                // Read the head first: entries appended while we walk have higher ids and are left for next time.
                let (head_id, head_hash): (i64, String) =
                    sqlx::query_as("SELECT audit_last_id, audit_last_hash FROM store_head WHERE singleton = 1")
                        .fetch_one(&self.pool)
                        .await?;
                let mut walker = $crate::audit::ChainWalker::new();
                let mut after = 0_i64;
                loop {
                    let rows: Vec<$crate::audit::AuditRow> = sqlx::query_as(
                        "SELECT id, at, actor, action, fingerprint, reason, details, prev_hash, hash FROM audit_log \
                         WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 500",
                    )
                    .bind(after)
                    .bind(head_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let Some(last) = rows.last() else { break };
                    after = last.id;
                    for row in &rows {
                        walker.check(row).map_err($crate::error::StoreError::AuditChainBroken)?;
                    }
                }
                walker.finish(head_id, &head_hash).map_err($crate::error::StoreError::AuditChainBroken)
            }

            async fn create_api_token(
                &self,
                token: $crate::records::NewApiToken,
            ) -> $crate::error::Result<$crate::records::ApiToken> {
                $crate::records::check_label("token name", &token.name)?;
                let id = uuid::Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.to_string())
                .bind(&token.name)
                .bind(token.role.as_str())
                .bind(token.hash.as_str())
                .bind(token.created_at.seconds())
                .execute(&self.pool)
                .await?;
                Ok($crate::records::ApiToken {
                    id,
                    name: token.name,
                    role: token.role,
                    created_at: token.created_at,
                    last_used_at: None,
                    revoked_at: None,
                })
            }

            async fn create_first_owner_token(
                &self,
                token: $crate::records::NewApiToken,
            ) -> $crate::error::Result<Option<$crate::records::ApiToken>> {
                $crate::records::check_label("token name", &token.name)?;
                let mut tx = self.pool.begin().await?;
                Self::lock_head(&mut tx).await?;
                let (owners,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM api_tokens WHERE role = 'owner' AND revoked_at IS NULL",
                )
                .fetch_one(&mut *tx)
                .await?;
                if owners > 0 {
                    return Ok(None);
                }
                let id = uuid::Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES ($1, $2, 'owner', $3, $4)",
                )
                .bind(id.to_string())
                .bind(&token.name)
                .bind(token.hash.as_str())
                .bind(token.created_at.seconds())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some($crate::records::ApiToken {
                    id,
                    name: token.name,
                    role: $crate::records::Role::Owner,
                    created_at: token.created_at,
                    last_used_at: None,
                    revoked_at: None,
                }))
            }

            async fn find_api_token(
                &self,
                hash: &$crate::records::TokenHash,
            ) -> $crate::error::Result<Option<$crate::records::ApiToken>> {
                let row: Option<$crate::rows::ApiTokenRow> = sqlx::query_as(
                    "SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1",
                )
                .bind(hash.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn touch_api_token(
                &self,
                id: uuid::Uuid,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<()> {
                sqlx::query(
                    "UPDATE api_tokens SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $1 \
                     THEN $1 ELSE last_used_at END WHERE id = $2",
                )
                .bind(now.seconds())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_api_tokens(&self) -> $crate::error::Result<Vec<$crate::records::ApiToken>> {
                let rows: Vec<$crate::rows::ApiTokenRow> = sqlx::query_as(
                    "SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at, id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn revoke_api_token(
                &self,
                id: uuid::Uuid,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<bool> {
                let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now.seconds())
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn count_active_owners(&self) -> $crate::error::Result<u64> {
                let (n,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE role = 'owner' AND revoked_at IS NULL")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn record_renewal(
                &self,
                scope: &$crate::scope::Scope,
                at: licet_core::time::UnixTime,
                outcome: std::result::Result<(), $crate::records::RenewalError>,
            ) -> $crate::error::Result<()> {
                let (success, code, message) = match outcome {
                    Ok(()) => (Some(at.seconds()), None, None),
                    Err(e) => {
                        $crate::records::check_label("renewal error code", &e.code)?;
                        $crate::records::check_text("renewal error message", &e.message, $crate::records::MAX_TEXT_LEN)?;
                        (None, Some(e.code), Some(e.message))
                    }
                };
                sqlx::query(
                    "INSERT INTO renewal_state (scope, last_attempt_at, last_success_at, last_error_code, \
                     last_error_message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope) DO UPDATE SET \
                     last_attempt_at = excluded.last_attempt_at, \
                     last_success_at = COALESCE(excluded.last_success_at, renewal_state.last_success_at), \
                     last_error_code = excluded.last_error_code, last_error_message = excluded.last_error_message",
                )
                .bind(scope.key())
                .bind(at.seconds())
                .bind(success)
                .bind(code)
                .bind(message)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn renewal_state(
                &self,
                scope: &$crate::scope::Scope,
            ) -> $crate::error::Result<Option<$crate::records::RenewalState>> {
                let row: Option<$crate::rows::RenewalRow> = sqlx::query_as(
                    "SELECT scope, last_attempt_at, last_success_at, last_error_code, last_error_message \
                     FROM renewal_state WHERE scope = $1",
                )
                .bind(scope.key())
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn get_setting(&self, key: &str) -> $crate::error::Result<Option<serde_json::Value>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(v,)| $crate::rows::parse_json("setting value", &v)).transpose()
            }

            async fn put_setting(
                &self,
                key: &str,
                value: &serde_json::Value,
                now: licet_core::time::UnixTime,
            ) -> $crate::error::Result<()> {
                $crate::records::check_label("setting key", key)?;
                let text = $crate::records::json_text("setting value", value)?;
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(key)
                .bind(text)
                .bind(now.seconds())
                .execute(&mut *tx)
                .await?;
                let event = $crate::event::StoreEvent::SettingChanged { key: key.to_owned() };
                self.publish_in_tx(&mut tx, &event).await?;
                tx.commit().await?;
                self.publish_after_commit(event);
                Ok(())
            }

            async fn delete_setting(&self, key: &str) -> $crate::error::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let event = $crate::event::StoreEvent::SettingChanged { key: key.to_owned() };
                self.publish_in_tx(&mut tx, &event).await?;
                tx.commit().await?;
                self.publish_after_commit(event);
                Ok(true)
            }

            async fn list_settings(&self, prefix: &str) -> $crate::error::Result<Vec<(String, serde_json::Value)>> {
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT key, value FROM settings WHERE substr(key, 1, length($1)) = $1 ORDER BY key",
                )
                .bind(prefix)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(k, v)| Ok((k, $crate::rows::parse_json("setting value", &v)?)))
                    .collect()
            }

            fn subscribe(&self) -> tokio::sync::broadcast::Receiver<$crate::event::StoreEvent> {
                self.events.subscribe()
            }

            async fn close(&self) {
                self.stop_listener();
                self.pool.close().await;
            }
        }
    };
}

pub(crate) use impl_store;
