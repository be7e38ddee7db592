//! What the server keeps in licet-store itself: API tokens (secrets shown once, stored hashed) and audit entries
//! for what the runtime does not record (refused licenses, token changes).

use licet_core::{Reason, UnixTime};
use licet_store::{Change, NewApiToken, NewAuditEntry, Store, TokenHash};

use crate::service::{Actor, NewToken, Role, Scope, ServiceError, TokenInfo};

pub(crate) fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

/// A store failure: `StoreUnavailable` (a retryable 503) while the database cannot be reached, else internal.
pub(crate) fn store_err(e: licet_store::StoreError) -> ServiceError {
    match e {
        licet_store::StoreError::Unavailable(_) => ServiceError::StoreUnavailable(e.to_string()),
        other => internal(other),
    }
}

pub(crate) fn store_scope(scope: &Scope) -> Result<licet_store::Scope, ServiceError> {
    match scope {
        Scope::Instance => Ok(licet_store::Scope::Instance),
        Scope::Org(id) => licet_store::Scope::org(id.clone()).map_err(|e| ServiceError::NotFound(e.to_string())),
    }
}

pub(crate) fn token_info(t: &licet_store::ApiToken) -> TokenInfo {
    TokenInfo {
        id: t.id.to_string(),
        name: t.name.clone(),
        role: t.role,
        created_at: t.created_at.to_rfc3339(),
    }
}

/// A fresh API token secret: 32 random bytes, hex, with a prefix that makes leaked ones greppable.
pub(crate) fn new_secret() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut bytes).map_err(internal)?;
    Ok(format!("licet_{}", hex::encode(bytes)))
}

/// Mints an API token in `store` and returns it with its secret (shown once; only its hash is stored). Also what
/// `licet token create` uses for operators with shell access.
pub async fn mint_token(store: &dyn Store, name: &str, role: Role, now: UnixTime) -> Result<NewToken, ServiceError> {
    let secret = new_secret()?;
    let token = NewApiToken {
        name: name.to_owned(),
        role,
        hash: TokenHash::of(&secret),
        created_at: now,
    };
    let first_owner = role == Role::Owner && store.count_active_owners().await.map_err(store_err)? == 0;
    let stored = if first_owner {
        // Safe across replicas: only one first owner can win; a loser becomes an ordinary owner token.
        match store.create_first_owner_token(token.clone()).await.map_err(store_err)? {
            Some(t) => t,
            None => store.create_api_token(token).await.map_err(store_err)?,
        }
    } else {
        store.create_api_token(token).await.map_err(store_err)?
    };
    Ok(NewToken {
        info: token_info(&stored),
        token: secret,
    })
}

/// Audits a license the runtime refused: who tried, why, for which scope.
pub(crate) async fn audit_rejection(
    store: &dyn Store,
    scope: &Scope,
    actor: &Actor,
    reason: Option<String>,
    why: Reason,
    now: UnixTime,
) {
    let mut change = Change::new(actor.0.clone(), now)
        .with_details(serde_json::json!({"scope": scope.to_string(), "outcome": why.code()}));
    change.reason = reason;
    let entry = NewAuditEntry {
        action: "license.rejected".to_owned(),
        fingerprint: None,
        change,
    };
    if let Err(e) = store.append_audit(entry).await {
        tracing::error!(error = %e, "cannot audit a rejected license");
    }
}
