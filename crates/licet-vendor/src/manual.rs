//! Issuing in a profile's own format (its manual's): the inverse of the profile's claim mapping.
//!
//! The control plane builds licet [`Claims`] from an install's entitlements as always; for a product that reads
//! its manual's format, [`write`] turns them into that format's claims object, one member per rule of the
//! mapping, and then reads the object back through the same mapping a product runs. The license is signed only if
//! the read-back grants exactly what the entitlements grant: what the format cannot express (features in
//! JustIAM's, a perpetual license in one that requires an expiry, a count of 0 where 0 means unlimited) is refused,
//! never silently dropped or widened. Two things are dropped on purpose because every license carries them and
//! some formats have no place for them: the install-id binding and the renewal URL (the format's products do not
//! bind to an install id or renew; a host or domain binding the vendor set is never dropped).

use licet_core::format::{Absent, ClaimMap, Envelope, Field, Implied, OrgField, OrgRule, Time, Unlimited};
use licet_core::{Claims, JwsSigner, Limit, OrgEntitlement, SignedDocument, UnixTime};
use serde_json::{Map, Value};

use crate::error::VendorError;

fn cannot(map: &ClaimMap, detail: impl Into<String>) -> VendorError {
    VendorError::FormatCannotExpress {
        format: map.name,
        detail: detail.into(),
    }
}

/// `claims` in `map`'s format, checked to read back to the same grants. `implied` is what a product of this
/// install expects as issuer and audience (a format without them leaves them to the key).
pub fn write(map: &ClaimMap, claims: &Claims, implied: Implied<'_>) -> Result<Map<String, Value>, VendorError> {
    let mut object = Map::new();
    for rule in map.rules {
        if object.contains_key(rule.member) {
            // A member feeding two fields (Honeyframe's `customer`) is written once, from the first.
            continue;
        }
        match value(map, rule.field, claims)? {
            Some(v) => {
                object.insert(rule.member.to_owned(), v);
            }
            None if rule.required => {
                return Err(cannot(
                    map,
                    format!(
                        "the format requires {:?}, and the entitlements give nothing for it",
                        rule.member
                    ),
                ))
            }
            None => {}
        }
    }
    let read = map
        .read(object.clone(), implied)
        .map_err(|e| cannot(map, format!("the license written does not read back: {e}")))?;
    same_grants(map, claims, &read)?;
    Ok(object)
}

/// Signs a claims object written by [`write`] in the format's envelope; returns the license text and its
/// fingerprint (the one the verifier reports).
pub fn sign(
    map: &ClaimMap,
    object: &Map<String, Value>,
    signer: &dyn JwsSigner,
) -> Result<(String, String), VendorError> {
    let issue_error = |e: licet_core::IssueError| match e {
        licet_core::IssueError::Sign(e) => VendorError::Sign(e),
        other => cannot(map, other.to_string()),
    };
    match map.envelope {
        Envelope::Jws => {
            let payload = serde_json::to_vec(object).map_err(|e| VendorError::Corrupt(e.to_string()))?;
            let compact = licet_core::issue::sign_payload(&payload, signer).map_err(issue_error)?;
            let fingerprint = crate::token::fingerprint(&compact)?;
            Ok((compact, fingerprint))
        }
        Envelope::SignedDocument => {
            if signer.alg() != SignedDocument::ALG {
                return Err(cannot(
                    map,
                    format!(
                        "its licenses are Ed25519-signed documents, and the active signing key {:?} is {}",
                        signer.kid(),
                        signer.alg().as_str()
                    ),
                ));
            }
            let text = SignedDocument::sign(object, signer).map_err(issue_error)?;
            let doc = SignedDocument::decode(text.as_bytes(), usize::MAX)
                .map_err(|e| VendorError::Corrupt(format!("a signed document just made does not decode: {e}")))?;
            Ok((text, doc.fingerprint()))
        }
    }
}

fn time(t: UnixTime, format: Time) -> Value {
    match format {
        Time::UnixSeconds => Value::from(t.seconds()),
        Time::Rfc3339OrDate => Value::String(t.to_rfc3339()),
    }
}

fn strings(items: &[String]) -> Option<Value> {
    (!items.is_empty()).then(|| Value::from(items.to_vec()))
}

/// A limit as the format writes it; `None` for "write nothing" (absence grants it).
fn limit(
    map: &ClaimMap,
    what: &str,
    l: Option<Limit>,
    unlimited: Unlimited,
    absent: Absent,
) -> Result<Option<Value>, VendorError> {
    match (l, unlimited, absent) {
        (None, _, _) => Ok(None),
        (Some(Limit::Unlimited), _, Absent::Unlimited) => Ok(None),
        (Some(Limit::Unlimited), Unlimited::Zero, _) => Ok(Some(Value::from(0))),
        (Some(Limit::Unlimited), Unlimited::MinusOne, _) => Ok(Some(Value::from(-1))),
        (Some(Limit::Unlimited), Unlimited::Never, Absent::NotGranted) => Err(cannot(
            map,
            format!("{what} is unlimited, and the format has no number for unlimited"),
        )),
        (Some(Limit::Count(0)), Unlimited::Zero, _) => {
            Err(cannot(map, format!("{what} is 0, which the format reads as unlimited")))
        }
        (Some(Limit::Count(n)), _, _) => Ok(Some(Value::from(n))),
    }
}

fn value(map: &ClaimMap, field: Field, c: &Claims) -> Result<Option<Value>, VendorError> {
    let lic = &c.lic;
    Ok(match field {
        Field::Issuer => Some(Value::String(c.iss.clone())),
        Field::Subject => Some(Value::String(c.sub.clone())),
        Field::Audience => match c.aud.0.as_slice() {
            [one] => Some(Value::String(one.clone())),
            many => strings(many),
        },
        Field::IssuedAt(t) => Some(time(c.iat, t)),
        Field::NotBefore(t) => c.nbf.map(|n| time(n, t)),
        Field::Expires(t) => c.exp.map(|e| time(e, t)),
        Field::Id => c.jti.clone().map(Value::String),
        Field::CustomerId => Some(Value::String(lic.customer.id.clone())),
        Field::CustomerName => Some(Value::String(lic.customer.name.clone())),
        Field::Edition => lic.edition.clone().map(Value::String),
        Field::Products => Some(Value::from(lic.products.clone())),
        Field::Features => Some(Value::from(lic.features.clone())),
        Field::Limit {
            kind,
            unlimited,
            absent,
        } => limit(
            map,
            &format!("limit {kind:?}"),
            lic.limits.get(kind).copied(),
            unlimited,
            absent,
        )?,
        Field::MaxOrgs { unlimited, absent } => limit(map, "max_orgs", lic.max_orgs, unlimited, absent)?,
        Field::InstallId => lic.binding.install_id.clone().map(Value::String),
        Field::Fingerprints => strings(&lic.binding.fingerprints),
        Field::Domains => strings(&lic.binding.domains),
        Field::RenewalUrl => lic.renewal.as_ref().map(|r| Value::String(r.url.clone())),
        Field::Sequence => Some(Value::from(lic.sequence)),
        Field::Orgs(rules) => {
            if lic.orgs.is_empty() {
                None
            } else {
                let orgs = lic
                    .orgs
                    .iter()
                    .map(|o| org(map, rules, o))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(Value::Array(orgs))
            }
        }
    })
}

fn org(map: &ClaimMap, rules: &[OrgRule], o: &OrgEntitlement) -> Result<Value, VendorError> {
    let mut object = Map::new();
    for rule in rules {
        let v = match rule.field {
            OrgField::Id => Some(Value::String(o.id.clone())),
            OrgField::Plan => o.plan.clone().map(Value::String),
            OrgField::Features => strings(&o.features),
            OrgField::Limits(unlimited) => {
                let mut limits = Map::new();
                for (kind, l) in &o.limits {
                    let what = format!("org {:?} limit {kind:?}", o.id);
                    if let Some(v) = limit(map, &what, Some(*l), unlimited, Absent::NotGranted)? {
                        limits.insert(kind.clone(), v);
                    }
                }
                (!limits.is_empty()).then_some(Value::Object(limits))
            }
            OrgField::ValidFrom(t) => o.valid_from.map(|v| time(v, t)),
            OrgField::ValidUntil(t) => o.valid_until.map(|v| time(v, t)),
        };
        if let Some(v) = v {
            object.insert(rule.member.to_owned(), v);
        }
    }
    Ok(Value::Object(object))
}

/// What a product would act on, compared field by field; the first difference is the refusal.
fn same_grants(map: &ClaimMap, want: &Claims, got: &Claims) -> Result<(), VendorError> {
    let (w, g) = (&want.lic, &got.lic);
    let differs = |what: &str, wanted: String, read: String| {
        cannot(
            map,
            format!("the entitlements give {what} {wanted}, and a license in this format would grant {read}"),
        )
    };
    macro_rules! same {
        ($what:expr, $w:expr, $g:expr) => {
            if $w != $g {
                return Err(differs($what, format!("{:?}", $w), format!("{:?}", $g)));
            }
        };
    }
    same!("customer id", w.customer.id, g.customer.id);
    same!("edition", w.edition, g.edition);
    same!("products", w.products, g.products);
    same!("features", w.features, g.features);
    let mut limits = g.limits.clone();
    // A format's fixed grant (JustIAM's users per tenant) stands where the entitlements say nothing of that kind.
    for (kind, _) in map.fixed_limits {
        if !w.limits.contains_key(*kind) {
            limits.remove(*kind);
        }
    }
    same!("limits", w.limits, limits);
    same!("max_orgs", w.max_orgs, g.max_orgs);
    same!("orgs", w.orgs, g.orgs);
    same!("host fingerprints", w.binding.fingerprints, g.binding.fingerprints);
    same!("domains", w.binding.domains, g.binding.domains);
    if map.rules.iter().any(|r| r.field == Field::InstallId) {
        same!("install id", w.binding.install_id, g.binding.install_id);
    }
    same!("expiry", want.exp, got.exp);
    if map.rules.iter().any(|r| matches!(r.field, Field::NotBefore(_))) {
        same!("not-before", want.nbf, got.nbf);
    }
    same!("issuer", want.iss, got.iss);
    same!("audience", want.aud, got.aud);
    Ok(())
}
