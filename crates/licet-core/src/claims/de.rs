//! Hand-written `Deserialize` for the claim objects: the three that keep unknown members (`Claims`, `License`,
//! `OrgEntitlement`) and the three that ignore them (`Customer`, `Binding`, `Renewal`).
//!
//! serde's `#[serde(flatten)]` would do the same job, but it buffers every member of the object into an
//! intermediate tree first and then deserializes the known ones out of it again: measured at about 60 % of
//! everything a full verify spends beyond the signature check. These visitors read each member once: a known name
//! goes straight into its typed slot, any other name into `extra` as a `serde_json::Value` (or, for the objects
//! that ignore unknown members, is walked and dropped). A repeated name is an error at every depth, in kept and
//! ignored members alike, so this one pass is the whole strict JSON check of the claims
//! ([`crate::json::from_slice_strict`]); plain `serde_json::from_*` is just as strict. Serialization still uses
//! the derive: it costs nothing comparable.
//!
//! `iat`, `nbf` and `exp` are read as [`NumericDate`]s, which may be fractional (RFC 7519 §2) and are floored.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

use super::{Binding, Claims, Customer, Extra, License, Limit, OrgEntitlement, Renewal};
use crate::json::{duplicate, KeySeed, StrictCheck, StrictValue};
use crate::time::NumericDate;

/// Fills a known member's slot; a second occurrence of the name is an error.
fn fill<'de, A, T>(slot: &mut Option<T>, name: &'static str, map: &mut A) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    if slot.is_some() {
        return Err(duplicate(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Keeps an unknown member in `extra`; a second occurrence of the name is an error, at any depth.
fn keep<'de, A: MapAccess<'de>>(extra: &mut Extra, key: Cow<'de, str>, map: &mut A) -> Result<(), A::Error> {
    match extra.entry(key.into_owned()) {
        Entry::Occupied(e) => Err(duplicate(e.key())),
        Entry::Vacant(e) => {
            e.insert(map.next_value_seed(StrictValue)?);
            Ok(())
        }
    }
}

/// Walks an unknown member of an object that does not keep them: nothing is built, a repeated name (of this
/// member, or anywhere inside it) is still an error.
fn skip<'de, A: MapAccess<'de>>(
    seen: &mut BTreeSet<Cow<'de, str>>,
    key: Cow<'de, str>,
    map: &mut A,
) -> Result<(), A::Error> {
    if seen.contains(&key) {
        return Err(duplicate(&key));
    }
    map.next_value_seed(StrictCheck)?;
    seen.insert(key);
    Ok(())
}

/// A `limits` object: serde's own `BTreeMap` keeps the last of two equal names; this refuses the second.
struct StrictMap<T>(BTreeMap<String, T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for StrictMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = StrictMap<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictMap<T>, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key_seed(KeySeed)? {
                    match out.entry(key.into_owned()) {
                        Entry::Occupied(e) => return Err(duplicate(e.key())),
                        Entry::Vacant(e) => {
                            e.insert(map.next_value()?);
                        }
                    }
                }
                Ok(StrictMap(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

type Limits = StrictMap<Limit>;

/// `Deserialize` for a claim object that ignores unknown members: each listed member is required or defaulted
/// (missing or `null` gives the type's default), every other member is walked by [`skip`].
macro_rules! ignoring_unknown {
    ($ty:ident, $what:literal, required [$($req:ident),*], defaulted [$($def:ident),*]) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $req = None;)*
                        $(let mut $def: Option<Option<_>> = None;)*
                        let mut seen = BTreeSet::new();
                        while let Some(key) = map.next_key_seed(KeySeed)? {
                            match key.as_ref() {
                                $(stringify!($req) => fill(&mut $req, stringify!($req), &mut map)?,)*
                                $(stringify!($def) => fill(&mut $def, stringify!($def), &mut map)?,)*
                                _ => skip(&mut seen, key, &mut map)?,
                            }
                        }
                        Ok($ty {
                            $($req: required($req, stringify!($req))?,)*
                            $($def: $def.flatten().unwrap_or_default(),)*
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

ignoring_unknown!(Customer, "the customer object", required [id, name], defaulted []);
ignoring_unknown!(Binding, "the binding object", required [], defaulted [install_id, fingerprints, domains]);
ignoring_unknown!(Renewal, "the renewal object", required [url], defaulted []);

fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ClaimsVisitor)
    }
}

struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = Claims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the license claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
        let (mut iss, mut sub, mut aud, mut iat, mut lic) = (None, None, None, None, None);
        // Optional members: the outer `Option` says "seen", the inner one is the (nullable) value.
        let (mut nbf, mut exp, mut jti) = (None, None, None);
        let mut extra = Extra::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "iss" => fill(&mut iss, "iss", &mut map)?,
                "sub" => fill(&mut sub, "sub", &mut map)?,
                "aud" => fill(&mut aud, "aud", &mut map)?,
                "iat" => fill::<_, NumericDate>(&mut iat, "iat", &mut map)?,
                "nbf" => fill::<_, Option<NumericDate>>(&mut nbf, "nbf", &mut map)?,
                "exp" => fill::<_, Option<NumericDate>>(&mut exp, "exp", &mut map)?,
                "jti" => fill(&mut jti, "jti", &mut map)?,
                "lic" => fill(&mut lic, "lic", &mut map)?,
                _ => keep(&mut extra, key, &mut map)?,
            }
        }
        Ok(Claims {
            iss: required(iss, "iss")?,
            sub: required(sub, "sub")?,
            aud: required(aud, "aud")?,
            iat: required(iat, "iat")?.0,
            nbf: nbf.flatten().map(|d| d.0),
            exp: exp.flatten().map(|d| d.0),
            jti: jti.flatten(),
            lic: required(lic, "lic")?,
            extra,
        })
    }
}

impl<'de> Deserialize<'de> for License {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(LicenseVisitor)
    }
}

struct LicenseVisitor;

impl<'de> Visitor<'de> for LicenseVisitor {
    type Value = License;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the `lic` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<License, A::Error> {
        let (mut schema, mut customer, mut binding, mut edition) = (None, None, None, None);
        let (mut products, mut features, mut limits, mut orgs) = (None, None, None, None);
        let (mut max_orgs, mut renewal, mut sequence) = (None, None, None);
        let mut extra = Extra::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "schema" => fill(&mut schema, "schema", &mut map)?,
                "customer" => fill(&mut customer, "customer", &mut map)?,
                "binding" => fill(&mut binding, "binding", &mut map)?,
                "edition" => fill(&mut edition, "edition", &mut map)?,
                "products" => fill(&mut products, "products", &mut map)?,
                "features" => fill(&mut features, "features", &mut map)?,
                "limits" => fill::<_, Limits>(&mut limits, "limits", &mut map)?,
                "orgs" => fill(&mut orgs, "orgs", &mut map)?,
                "max_orgs" => fill(&mut max_orgs, "max_orgs", &mut map)?,
                "renewal" => fill(&mut renewal, "renewal", &mut map)?,
                "sequence" => fill(&mut sequence, "sequence", &mut map)?,
                _ => keep(&mut extra, key, &mut map)?,
            }
        }
        Ok(License {
            schema: required(schema, "schema")?,
            customer: required(customer, "customer")?,
            binding: binding.unwrap_or_default(),
            edition: edition.flatten(),
            products: products.unwrap_or_default(),
            features: features.unwrap_or_default(),
            limits: limits.map(|l| l.0).unwrap_or_default(),
            orgs: orgs.unwrap_or_default(),
            max_orgs: max_orgs.flatten(),
            renewal: renewal.flatten(),
            sequence: sequence.unwrap_or_default(),
            extra,
        })
    }
}

impl<'de> Deserialize<'de> for OrgEntitlement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(OrgVisitor)
    }
}

struct OrgVisitor;

impl<'de> Visitor<'de> for OrgVisitor {
    type Value = OrgEntitlement;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an organization entitlement object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrgEntitlement, A::Error> {
        let (mut id, mut plan, mut features, mut limits) = (None, None, None, None);
        let (mut valid_from, mut valid_until) = (None, None);
        let mut extra = Extra::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "id" => fill(&mut id, "id", &mut map)?,
                "plan" => fill(&mut plan, "plan", &mut map)?,
                "features" => fill(&mut features, "features", &mut map)?,
                "limits" => fill::<_, Limits>(&mut limits, "limits", &mut map)?,
                "valid_from" => fill(&mut valid_from, "valid_from", &mut map)?,
                "valid_until" => fill(&mut valid_until, "valid_until", &mut map)?,
                _ => keep(&mut extra, key, &mut map)?,
            }
        }
        Ok(OrgEntitlement {
            id: required(id, "id")?,
            plan: plan.flatten(),
            features: features.unwrap_or_default(),
            limits: limits.map(|l| l.0).unwrap_or_default(),
            valid_from: valid_from.flatten(),
            valid_until: valid_until.flatten(),
            extra,
        })
    }
}
