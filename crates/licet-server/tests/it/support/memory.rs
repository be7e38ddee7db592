//! An in-memory [`LicenseService`] for exercising the HTTP layer alone: who may act, what the wire looks like,
//! that bad requests change nothing. It judges licenses by a toy format (`fake:SEQ:CUSTOMER[:STATE]`), keeping
//! the one rule the HTTP layer must surface faithfully: a lower sequence than the installed one is a rollback.
//! The real verification path is covered through `licet_server::testkit` with the production backend.

use std::collections::BTreeMap;
use std::sync::Mutex;

use licet_core::{Limit, Reason};
use licet_server::{
    ActivationFile, Actor, AuditEntry, CustomerView, Identity, LicenseService, LimitView, NewToken, OrgView, Role,
    Scope, ServiceError, StatusView, TokenInfo,
};

#[derive(Clone)]
struct Installed {
    seq: u64,
    customer: String,
    state: String,
    fingerprint: String,
}

#[derive(Default)]
struct Inner {
    instance: Option<Installed>,
    orgs: BTreeMap<String, Installed>,
    audit: Vec<AuditEntry>,
    tokens: Vec<(TokenInfo, String)>,
    next_token: u64,
    pending: bool,
    renewal: Option<String>,
}

#[derive(Default)]
pub struct MemoryService {
    inner: Mutex<Inner>,
}

impl MemoryService {
    pub fn activation_pending() -> Self {
        let s = MemoryService::default();
        s.inner.lock().unwrap().pending = true;
        s
    }

    /// Make `refresh` install this license, as a renewal server would answer.
    pub fn set_renewal(&self, license: &str) {
        self.inner.lock().unwrap().renewal = Some(license.to_owned());
    }
}

fn parse(bytes: &[u8]) -> Result<Installed, Reason> {
    let text = std::str::from_utf8(bytes).map_err(|_| Reason::LicenseMalformed)?.trim();
    let mut parts = text.split(':');
    if parts.next() != Some("fake") {
        return Err(Reason::LicenseMalformed);
    }
    let seq = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(Reason::LicenseMalformed)?;
    let customer = parts.next().ok_or(Reason::LicenseMalformed)?.to_owned();
    let state = parts.next().unwrap_or("active").to_owned();
    if state == "forged" {
        return Err(Reason::LicenseBadSignature);
    }
    Ok(Installed {
        seq,
        customer,
        state,
        fingerprint: format!("fp-{text}"),
    })
}

impl Inner {
    fn view(&self) -> StatusView {
        let (state, reason) = match &self.instance {
            Some(l) => (l.state.clone(), None),
            None if self.pending => ("activation_pending".to_owned(), Some(Reason::ActivationPending.into())),
            None => ("missing".to_owned(), Some(Reason::LicenseMissing.into())),
        };
        StatusView {
            state,
            effect: "full".into(),
            sentence: reason.as_ref().map_or_else(
                || "The license is in force.".to_owned(),
                |r: &licet_server::ReasonView| r.message.clone(),
            ),
            reason,
            customer: self.instance.as_ref().map(|l| CustomerView {
                id: l.customer.to_lowercase(),
                name: l.customer.clone(),
            }),
            tier: self.instance.as_ref().map(|_| "enterprise".to_owned()),
            expires_at: self.instance.as_ref().map(|_| "2030-01-01T00:00:00Z".to_owned()),
            days_remaining: self.instance.as_ref().map(|_| 365),
            evaluated_at: "2029-01-01T00:00:00Z".into(),
            products: self.instance.iter().map(|_| "reports".to_owned()).collect(),
            features: self.instance.iter().map(|_| "sso".to_owned()).collect(),
            all_features: false,
            limits: self
                .instance
                .iter()
                .map(|_| LimitView {
                    kind: "users".into(),
                    limit: Limit::Count(25),
                    used: Some(3),
                })
                .collect(),
            orgs: self
                .orgs
                .iter()
                .map(|(id, l)| OrgView {
                    id: id.clone(),
                    state: l.state.clone(),
                    plan: Some("team".into()),
                    valid_from: None,
                    valid_until: Some("2030-01-01T00:00:00Z".into()),
                    features: vec![],
                    limits: vec![],
                    own_license: true,
                    last_refresh: None,
                })
                .collect(),
            source: self.instance.as_ref().map(|_| "upload".to_owned()),
            source_error: None,
            license_fingerprint: self.instance.as_ref().map(|l| l.fingerprint.clone()),
            fingerprint: "LICET-FP-TEST-0001".into(),
            install_id: "00000000-0000-4000-8000-000000000001".into(),
            last_refresh: None,
        }
    }

    fn audit(&mut self, actor: &Actor, action: &str, scope: &Scope, reason: Option<String>, outcome: &str) {
        let id = i64::try_from(self.audit.len()).unwrap() + 1;
        self.audit.push(AuditEntry {
            id,
            at: format!("2025-01-01T00:00:{:02}Z", id % 60),
            actor: actor.0.clone(),
            action: action.to_owned(),
            scope: scope.to_string(),
            reason,
            license_fingerprint: None,
            source: None,
            outcome: outcome.to_owned(),
            changes: Vec::new(),
        });
    }
}

#[async_trait::async_trait]
impl LicenseService for MemoryService {
    async fn status(&self) -> Result<StatusView, ServiceError> {
        Ok(self.inner.lock().unwrap().view())
    }

    async fn identity(&self) -> Result<Identity, ServiceError> {
        let v = self.inner.lock().unwrap().view();
        Ok(Identity {
            fingerprint: v.fingerprint,
            install_id: v.install_id,
        })
    }

    async fn install(
        &self,
        scope: Scope,
        bytes: Vec<u8>,
        _source: &'static str,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<StatusView, ServiceError> {
        let mut inner = self.inner.lock().unwrap();
        let new = match parse(&bytes) {
            Ok(l) => l,
            Err(r) => {
                inner.audit(&actor, "install", &scope, reason, r.code());
                return Err(ServiceError::rejected(r));
            }
        };
        let current = match &scope {
            Scope::Instance => inner.instance.as_ref(),
            Scope::Org(id) => inner.orgs.get(id),
        };
        if current.is_some_and(|c| c.seq > new.seq) {
            inner.audit(&actor, "install", &scope, reason, Reason::LicenseRolledBack.code());
            return Err(ServiceError::rejected(Reason::LicenseRolledBack));
        }
        inner.audit(&actor, "install", &scope, reason, "ok");
        match scope {
            Scope::Instance => inner.instance = Some(new),
            Scope::Org(id) => {
                inner.orgs.insert(id, new);
            }
        }
        Ok(inner.view())
    }

    async fn clear(&self, scope: Scope, actor: Actor, reason: Option<String>) -> Result<StatusView, ServiceError> {
        let mut inner = self.inner.lock().unwrap();
        let removed = match &scope {
            Scope::Instance => inner.instance.take().is_some(),
            Scope::Org(id) => inner.orgs.remove(id).is_some(),
        };
        if !removed {
            return Err(ServiceError::NotFound(format!("A license for {scope}")));
        }
        inner.audit(&actor, "clear", &scope, reason, "ok");
        Ok(inner.view())
    }

    async fn refresh(&self, scope: Scope, actor: Actor) -> Result<StatusView, ServiceError> {
        let (renewal, own) = {
            let inner = self.inner.lock().unwrap();
            let own = match &scope {
                Scope::Instance => true,
                Scope::Org(id) => inner.orgs.contains_key(id),
            };
            (inner.renewal.clone(), own)
        };
        if !own {
            return Err(ServiceError::NotFound(format!("A license for {scope}")));
        }
        let Some(license) = renewal else {
            return Err(ServiceError::Unavailable(
                "The installed license names no renewal URL".into(),
            ));
        };
        self.install(scope, license.into_bytes(), "renewal", actor, Some("renewal".into()))
            .await
    }

    async fn activation_request(&self) -> Result<ActivationFile, ServiceError> {
        let v = self.inner.lock().unwrap().view();
        Ok(ActivationFile {
            filename: format!("activation-{}.json", v.install_id),
            content_type: "application/json".into(),
            body: serde_json::json!({"install_id": v.install_id, "fingerprint": v.fingerprint}).to_string(),
        })
    }

    async fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        let inner = self.inner.lock().unwrap();
        Ok(inner
            .audit
            .iter()
            .rev()
            .filter(|e| before.is_none_or(|b| e.id < b))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn record(&self, actor: Actor, action: &str, detail: Option<String>) -> Result<(), ServiceError> {
        self.inner
            .lock()
            .unwrap()
            .audit(&actor, action, &Scope::Instance, detail, "ok");
        Ok(())
    }

    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError> {
        let mut inner = self.inner.lock().unwrap();
        inner.next_token += 1;
        let info = TokenInfo {
            id: format!("tok{}", inner.next_token),
            name: name.to_owned(),
            role,
            created_at: "2025-01-01T00:00:00Z".into(),
        };
        let secret = format!("secret-{}-{}", inner.next_token, name.len());
        inner.tokens.push((info.clone(), secret.clone()));
        Ok(NewToken { info, token: secret })
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        let inner = self.inner.lock().unwrap();
        Ok(inner.tokens.iter().map(|(i, _)| i.clone()).collect())
    }

    async fn revoke_token(&self, id: &str) -> Result<(), ServiceError> {
        let mut inner = self.inner.lock().unwrap();
        let before = inner.tokens.len();
        inner.tokens.retain(|(i, _)| i.id != id);
        if inner.tokens.len() == before {
            return Err(ServiceError::NotFound(format!("Token {id:?}")));
        }
        Ok(())
    }

    async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, ServiceError> {
        let inner = self.inner.lock().unwrap();
        Ok(inner.tokens.iter().find(|(_, s)| s == secret).map(|(i, _)| i.clone()))
    }

    async fn has_owner(&self) -> Result<bool, ServiceError> {
        let inner = self.inner.lock().unwrap();
        Ok(inner.tokens.iter().any(|(i, _)| i.role == Role::Owner))
    }
}
