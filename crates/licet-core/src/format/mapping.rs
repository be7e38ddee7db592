//! Claim mappings: a vendor's own license format, read as licet [`Claims`].
//!
//! A [`ClaimMap`] is data: a list of [`Rule`]s, each naming a member of the foreign claims object, the licet field
//! it fills and how its value converts (unix seconds or RFC 3339 dates, a string or array audience, the numbers
//! that mean "unlimited" for a limit). It is a `const` compiled into the product beside the trusted keys; nothing
//! reads one from configuration or the environment, so an operator cannot remap a member to grant themselves
//! something (nivq's "no env unlock").
//!
//! Reading is strict where the vendor's manual is: a required member that is absent (or `null`) is
//! [`MapError::Missing`], a member of the wrong type or out of range is [`MapError::WrongType`], both naming the
//! member. Members no rule reads are kept in [`Claims::extra`], never acted upon; `licet issue` warns about them.
//! Defaults where a format is silent: the customer id is the subject, the customer name its id, the subject the
//! customer's name, the issue time the start of validity (or 0), the sequence the issue time.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::claims::{Audience, Claims, Customer, Extra, License, Limit, OrgEntitlement, Renewal};
use crate::time::UnixTime;

/// How the signature is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// A JWS (compact, flattened JSON or armored), as licet's own licenses.
    Jws,
    /// A signed JSON document (`format::document`): Ed25519 over the RFC 8785 canonical payload. A profile
    /// with this envelope accepts JWS licenses too.
    SignedDocument,
}

/// licet's own top-level claim names: a foreign payload may carry them only where its format reads them.
pub const RESERVED: [&str; 8] = ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "lic"];

/// A vendor's license format: how its members map onto licet's claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimMap {
    /// The format's name, as `licet inspect` and errors show it (e.g. `justiam`).
    pub name: &'static str,
    pub envelope: Envelope,
    /// Top-level members, in the order they are read. A member may feed several fields.
    pub rules: &'static [Rule],
    /// Limits every license in this format grants whatever it says (JustIAM sells no per-tenant cap).
    pub fixed_limits: &'static [(&'static str, Limit)],
}

/// One member of the foreign claims object and the field it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub member: &'static str,
    pub field: Field,
    /// Absent or `null` is [`MapError::Missing`] when set; otherwise the field keeps its default.
    pub required: bool,
}

impl Rule {
    pub const fn required(member: &'static str, field: Field) -> Rule {
        Rule {
            member,
            field,
            required: true,
        }
    }

    pub const fn optional(member: &'static str, field: Field) -> Rule {
        Rule {
            member,
            field,
            required: false,
        }
    }
}

/// How a time member is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Time {
    /// A JWT NumericDate: integer seconds since the epoch (a fraction is floored, as RFC 7519 allows it).
    UnixSeconds,
    /// An RFC 3339 date-time (`2026-12-31T00:00:00Z`) or a date alone (`2026-12-31`). A date alone that ends
    /// validity means "through that day" (UTC): the license lapses at the next midnight; one that starts validity
    /// means that day's first second.
    Rfc3339OrDate,
}

/// Which number of a limit member means "unlimited".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlimited {
    /// No number: every non-negative integer is a count (`0` grants none).
    Never,
    /// `0` (nivq's ceilings, JustIAM's `max_tenants`); negative numbers are refused.
    Zero,
    /// `-1` (JustIAM's `max_users`); other negative numbers are refused, `0` grants none.
    MinusOne,
}

/// What a limit member's absence grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absent {
    /// Nothing: the kind is not granted (licet's own rule).
    NotGranted,
    /// No limit (Honeyframe's "optional user limit", nivq's "a ceiling left at 0").
    Unlimited,
}

/// A licet field a member fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `iss`, a string; checked against the verifier. Without this rule the key alone vouches for the issuer.
    Issuer,
    /// `sub`, a string.
    Subject,
    /// `aud`, a string or an array of strings; checked against the verifier. Without this rule the key alone
    /// vouches for the product.
    Audience,
    IssuedAt(Time),
    NotBefore(Time),
    Expires(Time),
    /// `jti`, a string.
    Id,
    CustomerId,
    CustomerName,
    /// Edition or tier, a string.
    Edition,
    /// Licensed products (modules, connectors, apps): an array of strings.
    Products,
    /// Feature flags: an array of strings.
    Features,
    /// A quota, an integer with its "unlimited" sentinel.
    Limit {
        kind: &'static str,
        unlimited: Unlimited,
        absent: Absent,
    },
    /// The cap on organizations (tenants), an integer with its "unlimited" sentinel.
    MaxOrgs {
        unlimited: Unlimited,
        absent: Absent,
    },
    /// The install id the license is bound to, a string; empty means unbound (JustIAM's universal license).
    InstallId,
    /// Host fingerprints: a string or an array of strings; empty means unbound.
    Fingerprints,
    /// Domains (`api.acme.com`, `*.acme.com`): a string or an array of strings; empty means unbound.
    Domains,
    /// Renewal URL, a string; empty means none.
    RenewalUrl,
    /// Anti-rollback sequence, a non-negative integer.
    Sequence,
    /// Per-organization entitlements: an array of objects read with these rules.
    Orgs(&'static [OrgRule]),
}

/// One member of an organization object and the field it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgRule {
    pub member: &'static str,
    pub field: OrgField,
    pub required: bool,
}

impl OrgRule {
    pub const fn required(member: &'static str, field: OrgField) -> OrgRule {
        OrgRule {
            member,
            field,
            required: true,
        }
    }

    pub const fn optional(member: &'static str, field: OrgField) -> OrgRule {
        OrgRule {
            member,
            field,
            required: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgField {
    Id,
    Plan,
    Features,
    /// An object of kind → integer.
    Limits(Unlimited),
    ValidFrom(Time),
    ValidUntil(Time),
}

/// Why a foreign claims object does not follow its format. `member` is the path of the member (`max_users`,
/// `organizations[1].orgId`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("member {member:?} is required")]
    Missing { member: String },
    #[error("member {member:?} must be {expected}")]
    WrongType { member: String, expected: String },
}

impl MapError {
    pub fn member(&self) -> &str {
        match self {
            MapError::Missing { member } | MapError::WrongType { member, .. } => member,
        }
    }
}

fn wrong(member: &str, expected: impl Into<String>) -> MapError {
    MapError::WrongType {
        member: member.to_owned(),
        expected: expected.into(),
    }
}

/// What the verifier expects, used where a format carries no issuer or audience of its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct Implied<'a> {
    pub issuer: Option<&'a str>,
    pub audience: Option<&'a str>,
}

/// The fields as read, before defaults.
#[derive(Default)]
struct Read {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    iat: Option<UnixTime>,
    nbf: Option<UnixTime>,
    exp: Option<UnixTime>,
    jti: Option<String>,
    customer_id: Option<String>,
    customer_name: Option<String>,
    edition: Option<String>,
    products: Vec<String>,
    features: Vec<String>,
    limits: BTreeMap<String, Limit>,
    max_orgs: Option<Limit>,
    install_id: Option<String>,
    fingerprints: Vec<String>,
    domains: Vec<String>,
    renewal: Option<String>,
    sequence: Option<u64>,
    orgs: Vec<OrgEntitlement>,
}

impl ClaimMap {
    /// Whether this format carries its own issuer (otherwise the trusted key vouches for it).
    pub fn reads_issuer(&self) -> bool {
        self.rules.iter().any(|r| r.field == Field::Issuer)
    }

    /// Whether this format carries its own audience.
    pub fn reads_audience(&self) -> bool {
        self.rules.iter().any(|r| r.field == Field::Audience)
    }

    /// Reads a foreign claims object as licet claims. Members no rule reads end up in `extra`.
    pub fn read(&self, mut object: Map<String, Value>, implied: Implied<'_>) -> Result<Claims, MapError> {
        let mut read = Read::default();
        for rule in self.rules {
            match object.get(rule.member) {
                None | Some(Value::Null) if rule.required => {
                    return Err(MapError::Missing {
                        member: rule.member.to_owned(),
                    })
                }
                None | Some(Value::Null) => read.absent(rule.field),
                Some(value) => read.apply(rule.member, rule.field, value)?,
            }
        }
        for rule in self.rules {
            object.remove(rule.member);
        }
        // A JWT claim the format does not read would be kept in `extra` beside licet's own claim of that name (two
        // members of one name when the claims are written out), and an `exp`/`nbf` an ordinary JWT library honours
        // would be ignored here: refused rather than read two ways.
        if let Some(name) = RESERVED.iter().find(|n| object.contains_key(**n)) {
            return Err(wrong(
                name,
                format!(
                    "absent: the {} format does not read it, and licet's own claims use that name",
                    self.name
                ),
            ));
        }
        for (kind, limit) in self.fixed_limits {
            read.limits.insert((*kind).to_owned(), *limit);
        }
        Ok(read.into_claims(object.into_iter().collect(), implied))
    }
}

impl Read {
    /// An optional member left out: only a limit whose format says "absent is unlimited" grants anything.
    fn absent(&mut self, field: Field) {
        match field {
            Field::Limit {
                kind,
                absent: Absent::Unlimited,
                ..
            } => {
                self.limits.insert(kind.to_owned(), Limit::Unlimited);
            }
            Field::MaxOrgs {
                absent: Absent::Unlimited,
                ..
            } => self.max_orgs = Some(Limit::Unlimited),
            _ => {}
        }
    }

    fn apply(&mut self, member: &str, field: Field, value: &Value) -> Result<(), MapError> {
        match field {
            Field::Issuer => self.iss = Some(text(member, value)?),
            Field::Subject => self.sub = Some(text(member, value)?),
            Field::Audience => self.aud = Some(audience(member, value)?),
            Field::IssuedAt(t) => self.iat = Some(time(member, value, t, Edge::Start)?),
            Field::NotBefore(t) => self.nbf = Some(time(member, value, t, Edge::Start)?),
            Field::Expires(t) => self.exp = Some(time(member, value, t, Edge::End)?),
            Field::Id => self.jti = Some(text(member, value)?),
            Field::CustomerId => self.customer_id = Some(text(member, value)?),
            Field::CustomerName => self.customer_name = Some(text(member, value)?),
            Field::Edition => self.edition = Some(text(member, value)?),
            Field::Products => self.products = names(member, value, false)?,
            Field::Features => self.features = names(member, value, false)?,
            Field::Limit { kind, unlimited, .. } => {
                self.limits.insert(kind.to_owned(), limit(member, value, unlimited)?);
            }
            Field::MaxOrgs { unlimited, .. } => self.max_orgs = Some(limit(member, value, unlimited)?),
            Field::InstallId => self.install_id = non_empty(text(member, value)?),
            Field::Fingerprints => self.fingerprints = names(member, value, true)?,
            Field::Domains => self.domains = names(member, value, true)?,
            Field::RenewalUrl => self.renewal = non_empty(text(member, value)?),
            Field::Sequence => {
                self.sequence = Some(value.as_u64().ok_or_else(|| wrong(member, "a non-negative integer"))?)
            }
            Field::Orgs(rules) => self.orgs = orgs(member, value, rules)?,
        }
        Ok(())
    }

    fn into_claims(self, extra: Extra, implied: Implied<'_>) -> Claims {
        let customer_id = self
            .customer_id
            .or_else(|| self.sub.clone())
            .or_else(|| self.customer_name.clone())
            .unwrap_or_default();
        let customer_name = self.customer_name.unwrap_or_else(|| customer_id.clone());
        let iat = self.iat.or(self.nbf).unwrap_or(UnixTime(0));
        let sequence = self
            .sequence
            .unwrap_or_else(|| u64::try_from(iat.seconds()).unwrap_or(0));
        let mut lic = License::new(
            Customer {
                id: customer_id,
                name: customer_name.clone(),
            },
            sequence,
        );
        lic.binding.install_id = self.install_id;
        lic.binding.fingerprints = self.fingerprints;
        lic.binding.domains = self.domains;
        lic.edition = self.edition;
        lic.products = self.products;
        lic.features = self.features;
        lic.limits = self.limits;
        lic.orgs = self.orgs;
        lic.max_orgs = self.max_orgs;
        lic.renewal = self.renewal.map(|url| Renewal { url });
        Claims {
            iss: self
                .iss
                .unwrap_or_else(|| implied.issuer.unwrap_or_default().to_owned()),
            sub: self.sub.unwrap_or(customer_name),
            aud: self
                .aud
                .unwrap_or_else(|| Audience(implied.audience.map(str::to_owned).into_iter().collect())),
            iat,
            nbf: self.nbf,
            exp: self.exp,
            jti: self.jti,
            lic,
            extra,
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text(member: &str, value: &Value) -> Result<String, MapError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| wrong(member, format!("a string, not {}", type_name(value))))
}

fn non_empty(s: String) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn audience(member: &str, value: &Value) -> Result<Audience, MapError> {
    names(member, value, true).map(Audience)
}

/// An array of strings, or (where `single` allows it) one string; empty strings are dropped.
fn names(member: &str, value: &Value, single: bool) -> Result<Vec<String>, MapError> {
    let expected = if single {
        "a string or an array of strings"
    } else {
        "an array of strings"
    };
    match value {
        Value::String(s) if single => Ok(non_empty(s.clone()).into_iter().collect()),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item
                    .as_str()
                    .ok_or_else(|| wrong(&format!("{member}[{i}]"), format!("a string, not {}", type_name(item))))?;
                out.extend(non_empty(s.to_owned()));
            }
            Ok(out)
        }
        other => Err(wrong(member, format!("{expected}, not {}", type_name(other)))),
    }
}

#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

fn time(member: &str, value: &Value, format: Time, edge: Edge) -> Result<UnixTime, MapError> {
    match format {
        Time::UnixSeconds => {
            numeric_date(value).ok_or_else(|| wrong(member, "a number of seconds since 1970 (unix time)"))
        }
        Time::Rfc3339OrDate => value.as_str().and_then(|s| date_or_date_time(s, edge)).ok_or_else(|| {
            wrong(
                member,
                "an RFC 3339 date-time (2026-12-31T00:00:00Z) or date (2026-12-31)",
            )
        }),
    }
}

/// RFC 7519 NumericDate, read exactly as licet's own claims read it (a fraction is floored).
fn numeric_date(value: &Value) -> Option<UnixTime> {
    crate::time::NumericDate::deserialize(value).ok().map(|d| d.0)
}

fn date_or_date_time(s: &str, edge: Edge) -> Option<UnixTime> {
    if let Some(t) = UnixTime::parse_rfc3339(s) {
        return Some(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, &format).ok()?;
    let start = date.midnight().assume_utc().unix_timestamp();
    Some(match edge {
        Edge::Start => UnixTime(start),
        Edge::End => UnixTime(start).plus_days(1),
    })
}

fn limit(member: &str, value: &Value, unlimited: Unlimited) -> Result<Limit, MapError> {
    let expected = match unlimited {
        Unlimited::Never => "a non-negative integer",
        Unlimited::Zero => "a non-negative integer (0 = unlimited)",
        Unlimited::MinusOne => "a non-negative integer or -1 (unlimited)",
    };
    match (unlimited, value.as_u64(), value.as_i64()) {
        (Unlimited::Zero, Some(0), _) | (Unlimited::MinusOne, _, Some(-1)) => Ok(Limit::Unlimited),
        (_, Some(n), _) => Ok(Limit::Count(n)),
        _ => Err(wrong(member, expected)),
    }
}

fn orgs(member: &str, value: &Value, rules: &[OrgRule]) -> Result<Vec<OrgEntitlement>, MapError> {
    let items = value
        .as_array()
        .ok_or_else(|| wrong(member, format!("an array of objects, not {}", type_name(value))))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{member}[{i}]");
        let object = item
            .as_object()
            .ok_or_else(|| wrong(&path, format!("an object, not {}", type_name(item))))?;
        out.push(org(&path, object, rules)?);
    }
    Ok(out)
}

fn org(path: &str, object: &Map<String, Value>, rules: &[OrgRule]) -> Result<OrgEntitlement, MapError> {
    let mut org = OrgEntitlement {
        id: String::new(),
        plan: None,
        features: Vec::new(),
        limits: BTreeMap::new(),
        valid_from: None,
        valid_until: None,
        extra: Extra::new(),
    };
    let mut has_id = false;
    for rule in rules {
        let member = format!("{path}.{}", rule.member);
        let value = match object.get(rule.member) {
            None | Some(Value::Null) if rule.required => return Err(MapError::Missing { member }),
            None | Some(Value::Null) => continue,
            Some(value) => value,
        };
        match rule.field {
            OrgField::Id => {
                org.id = text(&member, value)?;
                has_id = true;
            }
            OrgField::Plan => org.plan = Some(text(&member, value)?),
            OrgField::Features => org.features = names(&member, value, false)?,
            OrgField::Limits(unlimited) => {
                let limits = value
                    .as_object()
                    .ok_or_else(|| wrong(&member, format!("an object of kind → count, not {}", type_name(value))))?;
                for (kind, n) in limits {
                    org.limits
                        .insert(kind.clone(), limit(&format!("{member}.{kind}"), n, unlimited)?);
                }
            }
            OrgField::ValidFrom(t) => org.valid_from = Some(time(&member, value, t, Edge::Start)?),
            OrgField::ValidUntil(t) => org.valid_until = Some(time(&member, value, t, Edge::End)?),
        }
    }
    if !has_id {
        return Err(MapError::Missing {
            member: format!("{path}.id"),
        });
    }
    for (name, value) in object {
        if !rules.iter().any(|r| r.member == name) {
            org.extra.insert(name.clone(), value.clone());
        }
    }
    Ok(org)
}

#[cfg(test)]
mod tests;
