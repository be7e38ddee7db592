//! The vendor's operations, without HTTP: issue, renew, answer an activation request, manage keys. The routes
//! and the benchmark call these.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use licet_core::format::Implied;
use licet_core::{Audience, ClaimMap, Claims, License, Renewal, SchemaVersion, UnixTime};
use licet_proto::SignedActivationRequest;

use crate::clock::Clock;
use crate::config::VendorConfig;
use crate::credential;
use crate::db::Db;
use crate::error::VendorError;
use crate::model::{LicenseRecord, SigningKey};
use crate::signer::{KeyRef, SharedSigner, SignerSource};
use crate::store::{self, licenses::IssueContext};
use crate::writer::{IssueWriter, Job};

/// Cheap to clone; all clones share the database pool and the signer cache.
#[derive(Clone)]
pub struct Vendor {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: VendorConfig,
    clock: Clock,
    keys: Box<dyn SignerSource>,
    /// The active key's signer, opened once. Cleared when this process activates another key; a replica that
    /// did not make the change picks it up on restart (or on its next signing failure).
    active: RwLock<Option<(SigningKey, SharedSigner)>>,
    /// Issue contexts by install id. Never trusted blindly: the issuing transaction compares the install's
    /// revision with the cached one and the issue is redone from a fresh read when they differ, so a change made
    /// by another process (or replica) is never missed.
    contexts: RwLock<HashMap<String, Arc<IssueContext>>>,
    /// Group commit: every issue goes through this one writer (see `writer.rs`).
    writer: IssueWriter,
}

impl Vendor {
    pub fn new(db: Db, config: VendorConfig, clock: Clock, keys: Box<dyn SignerSource>) -> Self {
        Vendor {
            inner: Arc::new(Inner {
                writer: IssueWriter::new(db.clone()),
                db,
                config,
                clock,
                keys,
                active: RwLock::new(None),
                contexts: RwLock::new(HashMap::new()),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &VendorConfig {
        &self.inner.config
    }

    pub fn now(&self) -> UnixTime {
        (self.inner.clock)()
    }

    /// Registers a signing key by reference (its public half is read from it); not active until activated.
    pub async fn add_key(&self, kid: &str, private_ref: &str, actor: &str) -> Result<SigningKey, VendorError> {
        if kid.is_empty() || kid.len() > 128 || !kid.chars().all(|c| c.is_ascii_graphic()) {
            return Err(VendorError::InvalidRequest(
                "kid must be 1–128 printable ASCII characters".into(),
            ));
        }
        let reference = KeyRef::parse(private_ref)?;
        let (alg, public_pem) = self.inner.keys.describe(&reference)?;
        let key = SigningKey {
            kid: kid.to_owned(),
            alg,
            public_pem,
            private_ref: private_ref.to_owned(),
            active: false,
            created_at: self.now(),
            retired_at: None,
        };
        // Open it once now, so that a key that cannot sign is refused here rather than at the first issue.
        self.inner.keys.open(&key)?;
        store::keys::insert(self.db(), &key, actor).await?;
        Ok(key)
    }

    pub async fn activate_key(&self, kid: &str, actor: &str) -> Result<(), VendorError> {
        store::keys::activate(self.db(), kid, self.now(), actor).await?;
        self.forget_signer();
        Ok(())
    }

    fn forget_signer(&self) {
        if let Ok(mut slot) = self.inner.active.write() {
            *slot = None;
        }
    }

    async fn active_signer(&self) -> Result<(SigningKey, SharedSigner), VendorError> {
        if let Ok(slot) = self.inner.active.read() {
            if let Some(active) = slot.as_ref() {
                return Ok(active.clone());
            }
        }
        let key = store::keys::active(self.db())
            .await?
            .ok_or(VendorError::NoActiveSigningKey)?;
        let signer = self.inner.keys.open(&key)?;
        if let Ok(mut slot) = self.inner.active.write() {
            *slot = Some((key.clone(), signer.clone()));
        }
        Ok((key, signer))
    }

    /// Issues a license for `install_id` from its current entitlements. Every issue bumps the install's
    /// sequence, is recorded with its fingerprint, and is audited under `actor`.
    pub async fn issue(&self, install_id: &str, actor: &str) -> Result<LicenseRecord, VendorError> {
        self.issue_in(install_id, actor, None).await
    }

    /// [`Vendor::issue`], in a profile's own format (`format`, e.g. `profiles::JUSTIAM.format`'s map) instead
    /// of licet's: refused with `license_format_cannot_express` when the entitlements say what that format cannot.
    pub async fn issue_in(
        &self,
        install_id: &str,
        actor: &str,
        format: Option<&'static ClaimMap>,
    ) -> Result<LicenseRecord, VendorError> {
        let cached = self.inner.contexts.read().ok().and_then(|c| c.get(install_id).cloned());
        if let Some(ctx) = cached {
            if let Some(license) = self.issue_from(&ctx, actor, format).await? {
                return Ok(license);
            }
        }
        // Not cached, or stale: read afresh. A change racing with every retry would starve the issue, so after a
        // few rounds the error says so rather than looping.
        for _ in 0..3 {
            let ctx = Arc::new(store::licenses::context(self.db(), install_id).await?);
            if let Ok(mut contexts) = self.inner.contexts.write() {
                contexts.insert(install_id.to_owned(), ctx.clone());
            }
            if let Some(license) = self.issue_from(&ctx, actor, format).await? {
                return Ok(license);
            }
        }
        Err(VendorError::InvalidRequest(format!(
            "install {install_id:?} changed during every attempt to issue; try again"
        )))
    }

    async fn issue_from(
        &self,
        ctx: &Arc<IssueContext>,
        actor: &str,
        format: Option<&'static ClaimMap>,
    ) -> Result<Option<LicenseRecord>, VendorError> {
        let (key, signer) = self.active_signer().await?;
        let now = self.now();
        let claims = self.claims(ctx, now);
        if let Some(map) = format {
            // Refused before it reaches the writer (and takes a sequence); checked again there with the sequence.
            let implied = Implied {
                issuer: Some(&claims.iss),
                audience: claims.aud.0.first().map(String::as_str),
            };
            crate::manual::write(map, &claims, implied)?;
        }
        let job = Job {
            ctx: ctx.clone(),
            claims,
            kid: key.kid,
            signer,
            at: now,
            actor: actor.to_owned(),
            format,
        };
        let result = self.inner.writer.issue(job).await;
        if matches!(result, Err(VendorError::Sign(_))) {
            // An HSM session may have gone away: reopen on the next attempt.
            self.forget_signer();
        }
        if matches!(result, Err(VendorError::NotFound { .. })) {
            if let Ok(mut contexts) = self.inner.contexts.write() {
                contexts.remove(&ctx.install_id);
            }
        }
        result
    }

    /// The claims for `ctx` at `now`; the sequence is filled in inside the issuing transaction.
    pub fn claims(&self, ctx: &IssueContext, now: UnixTime) -> Claims {
        let e = &ctx.entitlements;
        let config = self.config();
        Claims {
            iss: config.issuer.clone(),
            sub: ctx.customer.id.clone(),
            aud: Audience::one(ctx.audience.clone()),
            iat: now,
            nbf: Some(now),
            exp: e.validity_days.map(|d| now.plus_days(i64::from(d))),
            jti: Some(uuid::Uuid::new_v4().to_string()),
            lic: License {
                schema: SchemaVersion::CURRENT,
                customer: ctx.customer.clone(),
                binding: ctx.binding.clone(),
                edition: e.edition.clone(),
                products: e.products.clone(),
                features: e.features.clone(),
                limits: e.limits.clone(),
                orgs: e.orgs.clone(),
                max_orgs: e.max_orgs,
                renewal: Some(Renewal {
                    url: e.renewal_url.clone().unwrap_or_else(|| config.renewal_url()),
                }),
                sequence: 0,
                extra: Default::default(),
            },
            extra: Default::default(),
        }
    }

    /// Connected renewal: the freshest license for the install whose credential this is (see [`Self::freshest`]).
    /// Marks the install refreshed.
    pub async fn renew(&self, credential: &str) -> Result<LicenseRecord, VendorError> {
        let (install_id, revision) =
            store::installs::touch_by_credential(self.db(), &credential::hash(credential), self.now())
                .await?
                .ok_or(VendorError::InstallCredentialInvalid)?;
        self.freshest_at(&install_id, revision, "renewal").await
    }

    /// The freshest license for the install: a new one when the entitlements or binding changed since the
    /// latest, the signing key was rotated, or the latest expires within the renewal window; otherwise the
    /// latest again.
    pub async fn freshest(&self, install_id: &str, actor: &str) -> Result<LicenseRecord, VendorError> {
        let install = store::installs::get(self.db(), install_id).await?;
        self.freshest_at(install_id, install.revision, actor).await
    }

    async fn freshest_at(&self, install_id: &str, revision: u64, actor: &str) -> Result<LicenseRecord, VendorError> {
        let latest = store::licenses::latest(self.db(), install_id).await?;
        let (active, _) = self.active_signer().await?;
        let horizon = self.now().plus_days(self.config().renew_within_days);
        match latest {
            Some(l) if l.revision == revision && l.kid == active.kid && l.exp.is_none_or(|exp| exp > horizon) => Ok(l),
            _ => self.issue(install_id, actor).await,
        }
    }

    /// Offline exchange: verifies the install's signed activation request and answers a license for it.
    pub async fn activate(&self, text: &str) -> Result<LicenseRecord, VendorError> {
        let verified = SignedActivationRequest::parse(text)?.verify()?;
        let request = verified.request();
        let now = self.now();
        let max_days = self.config().activation_max_age_days;
        let age = now.seconds().saturating_sub(request.created_at.seconds());
        if age < -300 {
            return Err(VendorError::ActivationRequestFromFuture);
        }
        if age > max_days.saturating_mul(UnixTime::SECONDS_PER_DAY) {
            return Err(VendorError::ActivationRequestStale {
                age_days: age / UnixTime::SECONDS_PER_DAY,
                max_days,
            });
        }
        let install = store::installs::get(self.db(), &request.install_id).await?;
        if !install.fingerprints.is_empty() && !install.fingerprints.contains(&request.fingerprint) {
            return Err(VendorError::FingerprintNotRegistered {
                install_id: install.id,
                fingerprint: request.fingerprint.clone(),
            });
        }
        let jwk = serde_json::to_string(&request.public_key).map_err(|e| VendorError::Corrupt(e.to_string()))?;
        let on_record =
            store::installs::record_activation_key(self.db(), &install.id, &jwk, verified.key_thumbprint(), now)
                .await?;
        if on_record != verified.key_thumbprint() {
            store::audit::record(
                self.db(),
                now,
                "activation",
                "activation.key_mismatch",
                Some(&install.id),
                &format!(
                    "request signed by {}, key on record {on_record}",
                    verified.key_thumbprint()
                ),
            )
            .await?;
            return Err(VendorError::ActivationKeyMismatch(install.id));
        }
        store::installs::use_nonce(self.db(), &install.id, &request.nonce, now).await?;
        self.issue(&install.id, "activation").await
    }
}
