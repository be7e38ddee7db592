//! The claims a license carries: RFC 7519 registered claims plus licet's `lic` object.
//!
//! Compatibility note: the `lic.schema` major version is bumped only for changes an older verifier would misread.
//! A verifier accepts every minor version of a major it knows (unknown fields are kept in `extra` and ignored),
//! and rejects a newer major with `license_unsupported_schema`. Licenses issued under schema 1.x must keep
//! verifying for as long as licet supports major 1.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::UnixTime;

mod de;

/// The highest `lic.schema` major version this build understands.
pub const SCHEMA_MAJOR: u32 = 1;
/// The minor version this build writes.
pub const SCHEMA_MINOR: u32 = 0;

/// Unknown members, kept so that re-serialization and `inspect` show them, but never acted upon.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// `Deserialize` is hand-written (`claims/de.rs`): unknown members go to `extra` without serde's flatten buffer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claims {
    /// Issuer: the vendor identity. Checked against the verifier's configuration.
    pub iss: String,
    /// Subject: the licensee, as the vendor names it.
    pub sub: String,
    /// Audience: the product (family) the license covers. Checked against the verifier's configuration.
    pub aud: Audience,
    pub iat: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<UnixTime>,
    /// `None` is a perpetual license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<UnixTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    pub lic: License,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience(pub Vec<String>);

impl Audience {
    pub fn one(aud: impl Into<String>) -> Self {
        Audience(vec![aud.into()])
    }

    pub fn contains(&self, aud: &str) -> bool {
        self.0.iter().any(|a| a == aud)
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than `#[serde(untagged)]`, which buffers the value before trying each shape.
        struct AudienceVisitor;
        impl<'de> serde::de::Visitor<'de> for AudienceVisitor {
            type Value = Audience;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience(vec![v.to_owned()]))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience(vec![v]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(a) = seq.next_element::<String>()? {
                    all.push(a);
                }
                Ok(Audience(all))
            }
        }
        d.deserialize_any(AudienceVisitor)
    }
}

/// The `lic` object: what the license grants and to whom.
/// `Deserialize` is hand-written (`claims/de.rs`): unknown members go to `extra` without serde's flatten buffer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct License {
    pub schema: SchemaVersion,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Binding::is_unbound")]
    pub binding: Binding,
    /// Edition or tier (e.g. `starter`, `enterprise`); a policy may map it to an implied feature set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Licensed products: modules, connectors or apps the product loads only when named here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Quotas per kind (`users`, `tenants`, `workspaces`, `agents`, `organizations`, …).
    /// A kind that is absent is not granted; unlimited is said explicitly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Limit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<OrgEntitlement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orgs: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
    /// Monotonic per customer + install; a lower value than one already seen is a rollback.
    #[serde(default)]
    pub sequence: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

impl License {
    /// A license for `customer`, at the schema this build writes, that grants nothing and binds to nothing: no
    /// edition, products, features, limits or orgs, no renewal. Issuers fill in what was sold.
    pub fn new(customer: Customer, sequence: u64) -> License {
        License {
            schema: SchemaVersion::CURRENT,
            customer,
            binding: Binding::default(),
            edition: None,
            products: Vec::new(),
            features: Vec::new(),
            limits: BTreeMap::new(),
            orgs: Vec::new(),
            max_orgs: None,
            renewal: None,
            sequence,
            extra: Extra::new(),
        }
    }
}

/// `"MAJOR.MINOR"`, e.g. `"1.0"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaVersion {
    pub major: u32,
    pub minor: u32,
}

impl SchemaVersion {
    pub const CURRENT: SchemaVersion = SchemaVersion {
        major: SCHEMA_MAJOR,
        minor: SCHEMA_MINOR,
    };

    pub fn is_supported(self) -> bool {
        self.major == SCHEMA_MAJOR
    }
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for SchemaVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s.split_once('.').unwrap_or((s, "0"));
        let parse = |p: &str| {
            p.parse::<u32>()
                .map_err(|_| format!("schema version {s:?} is not MAJOR.MINOR"))
        };
        Ok(SchemaVersion {
            major: parse(major)?,
            minor: parse(minor)?,
        })
    }
}

impl Serialize for SchemaVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
}

/// Where the license may run. Every list that is non-empty must match; all empty is an unbound license.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Binding {
    /// The install id (UUID made on first start), matched exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_id: Option<String>,
    /// Host fingerprints (`LICET-FP-…`); the install's must be one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// Domains: exact (`api.acme.com`) or wildcard (`*.acme.com`, subdomains only, not the bare domain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

impl Binding {
    pub fn is_unbound(&self) -> bool {
        self.install_id.is_none() && self.fingerprints.is_empty() && self.domains.is_empty()
    }
}

/// A quota: a count, or the explicit word `"unlimited"`. licet's own format has no magic 0 or -1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Count(u64),
    Unlimited,
}

impl Limit {
    /// Whether one more item may be created when `current` exist.
    pub fn allows_one_more(self, current: u64) -> bool {
        match self {
            Limit::Unlimited => true,
            Limit::Count(max) => current < max,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Count(n) => write!(f, "{n}"),
            Limit::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Limit::Count(n) => s.serialize_u64(*n),
            Limit::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LimitVisitor;
        impl serde::de::Visitor<'_> for LimitVisitor {
            type Value = Limit;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a non-negative integer or \"unlimited\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::Count(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Limit, E> {
                u64::try_from(v)
                    .map(Limit::Count)
                    .map_err(|_| E::custom(format!("limit {v} is negative; write \"unlimited\" for no limit")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Limit, E> {
                if v == "unlimited" {
                    Ok(Limit::Unlimited)
                } else {
                    Err(E::custom(format!("limit {v:?} is neither a number nor \"unlimited\"")))
                }
            }
        }
        d.deserialize_any(LimitVisitor)
    }
}

/// One organization's (tenant's, workspace's) own entitlement, with its own window.
/// `Deserialize` is hand-written (`claims/de.rs`): unknown members go to `extra` without serde's flatten buffer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgEntitlement {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<UnixTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<UnixTime>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Renewal {
    /// HTTPS URL that answers the freshest license for this install as plain text. licet-runtime fetches plain
    /// http only from a loopback host; verification does not judge the URL (the license installs either way).
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_rejects_magic_negative_and_accepts_unlimited() {
        assert_eq!(
            serde_json::from_str::<Limit>("\"unlimited\"").ok(),
            Some(Limit::Unlimited)
        );
        assert_eq!(serde_json::from_str::<Limit>("25").ok(), Some(Limit::Count(25)));
        assert!(serde_json::from_str::<Limit>("-1").is_err());
        assert!(serde_json::from_str::<Limit>("\"lots\"").is_err());
        assert!(serde_json::from_str::<Limit>("1.5").is_err());
    }

    #[test]
    fn a_new_license_grants_and_binds_nothing() {
        let customer = Customer {
            id: "c".into(),
            name: "C".into(),
        };
        let lic = License::new(customer, 3);
        assert_eq!(
            serde_json::to_value(&lic).unwrap(),
            serde_json::json!({"schema": "1.0", "customer": {"id": "c", "name": "C"}, "sequence": 3})
        );
        assert!(lic.binding.is_unbound());
    }

    #[test]
    fn audience_is_string_or_array() {
        let one: Audience = serde_json::from_str("\"liberty\"").unwrap();
        assert_eq!(one, Audience::one("liberty"));
        assert_eq!(serde_json::to_string(&one).unwrap(), "\"liberty\"");
        let many: Audience = serde_json::from_str("[\"a\",\"b\"]").unwrap();
        assert!(many.contains("b") && !many.contains("c"));
    }

    #[test]
    fn schema_version_round_trips_and_judges_major() {
        let v: SchemaVersion = serde_json::from_str("\"1.7\"").unwrap();
        assert!(v.is_supported());
        let v2: SchemaVersion = serde_json::from_str("\"2.0\"").unwrap();
        assert!(!v2.is_supported());
        assert!(serde_json::from_str::<SchemaVersion>("\"x.1\"").is_err());
    }

    #[test]
    fn unknown_claims_are_kept() {
        let json = r#"{"iss":"v","sub":"s","aud":"p","iat":1,"future":true,
            "lic":{"schema":"1.3","customer":{"id":"c","name":"C"},"sequence":2,"new_thing":[1]}}"#;
        let c: Claims = serde_json::from_str(json).unwrap();
        assert_eq!(c.extra.get("future"), Some(&serde_json::Value::Bool(true)));
        assert!(c.lic.extra.contains_key("new_thing"));
        assert!(c.lic.binding.is_unbound());
    }

    #[test]
    fn hand_written_deserialize_keeps_unknown_members_at_every_level_and_round_trips() {
        let json = r#"{"iss":"v","sub":"s","aud":["p","q"],"iat":1,"exp":null,"x-top":{"a":[1,"b"]},
            "lic":{"schema":"1.2","customer":{"id":"c","name":"C"},"x-lic":"kept","max_orgs":"unlimited",
              "orgs":[{"id":"o1","x-org":3,"valid_until":9,"limits":{"users":5}}],"edition":null}}"#;
        let c: Claims = serde_json::from_str(json).unwrap();
        assert_eq!(c.extra["x-top"]["a"][1], "b");
        assert_eq!(c.lic.extra["x-lic"], "kept");
        assert_eq!(c.lic.orgs[0].extra["x-org"], 3);
        assert_eq!(c.lic.orgs[0].valid_until, Some(UnixTime(9)));
        assert_eq!(c.lic.orgs[0].limits["users"], Limit::Count(5));
        assert_eq!(c.lic.max_orgs, Some(Limit::Unlimited));
        assert_eq!((c.exp, c.lic.edition.as_deref(), c.lic.sequence), (None, None, 0));
        assert_eq!(c.aud, Audience(vec!["p".into(), "q".into()]));
        // Unknown members survive re-serialization, at the same level.
        let again: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(again["lic"]["orgs"][0]["x-org"], 3);
        assert_eq!(serde_json::from_value::<Claims>(again).unwrap(), c);
    }

    #[test]
    fn hand_written_deserialize_refuses_duplicates_missing_members_and_wrong_shapes() {
        let lic = r#"{"schema":"1.0","customer":{"id":"c","name":"C"}}"#;
        let claims = |body: &str| serde_json::from_str::<Claims>(&format!("{{{body}}}"));
        assert!(claims(&format!(r#""iss":"v","sub":"s","aud":"p","iat":1,"lic":{lic}"#)).is_ok());
        let dup_known = claims(&format!(
            r#""iss":"v","iss":"w","sub":"s","aud":"p","iat":1,"lic":{lic}"#
        ));
        assert!(dup_known.unwrap_err().to_string().contains("duplicate field `iss`"));
        let dup_unknown = claims(&format!(
            r#""iss":"v","sub":"s","aud":"p","iat":1,"x":1,"x":2,"lic":{lic}"#
        ));
        assert!(dup_unknown.unwrap_err().to_string().contains("duplicate field `x`"));
        let missing = claims(&format!(r#""iss":"v","aud":"p","iat":1,"lic":{lic}"#));
        assert!(missing.unwrap_err().to_string().contains("missing field `sub`"));
        let no_customer = claims(r#""iss":"v","sub":"s","aud":"p","iat":1,"lic":{"schema":"1.0"}"#);
        assert!(no_customer
            .unwrap_err()
            .to_string()
            .contains("missing field `customer`"));
        let org_lic = r#"{"schema":"1.0","customer":{"id":"c","name":"C"},"orgs":[{"plan":"x"}]}"#;
        let org_without_id = claims(&format!(r#""iss":"v","sub":"s","aud":"p","iat":1,"lic":{org_lic}"#));
        assert!(org_without_id.unwrap_err().to_string().contains("missing field `id`"));
        assert!(claims(&format!(r#""iss":"v","sub":"s","aud":7,"iat":1,"lic":{lic}"#)).is_err());
        assert!(serde_json::from_str::<Claims>("[1,2]").is_err());
        assert!(
            serde_json::from_str::<License>(r#"{"schema":"1.0","customer":{"id":"c","name":"C"},"sequence":-1}"#)
                .is_err()
        );
    }

    /// The claims are read in one pass, so that pass is the whole duplicate check: a repeated name is refused at
    /// every depth, in members licet keeps, reads or ignores, with the name reported.
    #[test]
    fn one_pass_refuses_duplicates_at_every_depth() {
        use crate::json::{from_slice_strict, JsonError, StrictError};
        let doc = |lic_inner: &str, top: &str| {
            format!(
                r#"{{"iss":"v","sub":"s","aud":"p","iat":1{top},"lic":{{"schema":"1.0","customer":{{"id":"c","name":"C"}}{lic_inner}}}}}"#
            )
        };
        assert!(from_slice_strict::<Claims>(doc("", "").as_bytes()).is_ok());
        let cases = [
            (doc("", r#","x":{"a":[{"k":1,"k":2}]}"#), "k"),
            (doc(r#","y":{"a":1,"\u0061":2}"#, ""), "a"),
            (doc(r#","limits":{"users":5,"users":500}"#, ""), "users"),
            (doc(r#","binding":{"domains":["a"],"domains":["b"]}"#, ""), "domains"),
            (doc(r#","binding":{"note":{"m":1,"m":2}}"#, ""), "m"),
            (doc(r#","orgs":[{"id":"o","limits":{"u":1,"u":2}}]"#, ""), "u"),
            (doc(r#","renewal":{"url":"https://r","z":1,"z":2}"#, ""), "z"),
        ];
        for (text, name) in cases {
            assert_eq!(
                from_slice_strict::<Claims>(text.as_bytes()),
                Err(StrictError::Json(JsonError::DuplicateKey(name.into()))),
                "{text}"
            );
        }
        // Ignored members are walked, not built: same name in sibling objects is fine, a customer's extra member
        // is dropped.
        let fine = doc("", "").replace(r#""name":"C""#, r#""name":"C","note":{"k":1},"more":{"k":2}"#);
        let c = from_slice_strict::<Claims>(fine.as_bytes()).unwrap();
        assert_eq!(c.lic.customer.name, "C");
        assert!(matches!(
            from_slice_strict::<Claims>(format!("{} x", doc("", "")).as_bytes()),
            Err(StrictError::Json(JsonError::Syntax(_)))
        ));
        assert!(matches!(
            from_slice_strict::<Claims>(doc(r#","limits":{"users":"lots"}"#, "").as_bytes()),
            Err(StrictError::Shape(_))
        ));
        let deep = format!(r#"{{"x":{}"#, "[".repeat(10_000));
        assert!(matches!(
            from_slice_strict::<Claims>(deep.as_bytes()),
            Err(StrictError::Json(JsonError::Syntax(_)))
        ));
    }

    /// Found by fuzzing (fuzz/regressions/claims/float-roundtrip-*): serde_json's default float parser is off by
    /// one ulp on some long mantissas, so an unknown member like `4.4444444444444445e122` changed value on every
    /// parse/serialize round trip. The workspace enables serde_json's `float_roundtrip`.
    #[test]
    fn float_roundtrip_of_unknown_members_is_exact() {
        let text = r#"{"iss":"v","sub":"s","aud":"p","iat":1,"x":4.4444444444444445e122,
            "lic":{"schema":"1.0","customer":{"id":"c","name":"C"},"y":[0.1,1e-300,1.7976931348623157e308]}}"#;
        let once: Claims = serde_json::from_str(text).unwrap();
        let twice: Claims = serde_json::from_str(&serde_json::to_string(&once).unwrap()).unwrap();
        assert_eq!(once, twice);
        assert_eq!(once.extra["x"].as_f64(), Some(4.4444444444444445e122));
    }
}
