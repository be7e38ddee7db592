//! What a license in force allows, in a form the hot path can ask without allocating.
//!
//! An [`Entitlements`] value is computed once per evaluation (it is part of every [`crate::Status`]) and then only
//! read: `allows_feature` and `allows_module` are a binary search in a sorted list, `check_quota` one map lookup.
//! The effect in force is folded in, so that a caller asks one question ("may I?") rather than two.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::claims::Limit;
use crate::policy::Effect;
use crate::reason::Reason;

/// A sorted, deduplicated set of names. Deserializing sorts too, so a cached value cannot break the search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct NameSet(Vec<String>);

impl NameSet {
    pub fn new(mut names: Vec<String>) -> Self {
        names.sort_unstable();
        names.dedup();
        NameSet(names)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<String>> for NameSet {
    fn from(v: Vec<String>) -> Self {
        NameSet::new(v)
    }
}

impl From<NameSet> for Vec<String> {
    fn from(s: NameSet) -> Self {
        s.0
    }
}

/// Features: every feature (an edition that implies all), or exactly these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSet {
    All,
    Listed(NameSet),
}

impl FeatureSet {
    pub fn contains(&self, feature: &str) -> bool {
        match self {
            FeatureSet::All => true,
            FeatureSet::Listed(set) => set.contains(feature),
        }
    }
}

impl Default for FeatureSet {
    fn default() -> Self {
        FeatureSet::Listed(NameSet::default())
    }
}

/// Which organizations may be created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRule {
    /// Any id (still counted against `max_orgs`).
    #[default]
    Any,
    /// Only ids the license names.
    Named(NameSet),
}

/// Why an action is refused under the state in force. `reason()` is the stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Denied {
    #[error("{}", Reason::LicenseReadOnly.sentence())]
    LicenseReadOnly,
    #[error("{}", Reason::LicenseLocked.sentence())]
    LicenseLocked,
    /// Creation refused under [`Effect::CreationBlocked`] (the license lapsed).
    #[error("{}", Reason::LicenseExpired.sentence())]
    LicenseExpired,
    #[error("{} (feature {feature:?})", Reason::FeatureNotLicensed.sentence())]
    FeatureNotLicensed { feature: String },
    #[error("{} (module {module:?})", Reason::ModuleNotLicensed.sentence())]
    ModuleNotLicensed { module: String },
    #[error("{} ({kind}: {current} of {limit})", Reason::QuotaExceeded.sentence())]
    QuotaExceeded { kind: String, limit: Limit, current: u64 },
    #[error("{} (organization {org:?})", Reason::OrgNotLicensed.sentence())]
    OrgNotLicensed { org: String },
    #[error("{} ({current} of {limit})", Reason::MaxOrgsReached.sentence())]
    MaxOrgsReached { limit: Limit, current: u64 },
}

impl Denied {
    pub fn reason(&self) -> Reason {
        match self {
            Denied::LicenseReadOnly => Reason::LicenseReadOnly,
            Denied::LicenseLocked => Reason::LicenseLocked,
            Denied::LicenseExpired => Reason::LicenseExpired,
            Denied::FeatureNotLicensed { .. } => Reason::FeatureNotLicensed,
            Denied::ModuleNotLicensed { .. } => Reason::ModuleNotLicensed,
            Denied::QuotaExceeded { .. } => Reason::QuotaExceeded,
            Denied::OrgNotLicensed { .. } => Reason::OrgNotLicensed,
            Denied::MaxOrgsReached { .. } => Reason::MaxOrgsReached,
        }
    }
}

/// What is allowed right now, effect included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements {
    pub effect: Effect,
    /// Licensed products/modules/connectors/apps.
    pub products: NameSet,
    pub features: FeatureSet,
    /// Quotas per kind. A kind that is absent is not granted (limit 0).
    pub limits: BTreeMap<String, Limit>,
    /// Cap on organizations; `None` is no cap.
    pub max_orgs: Option<Limit>,
    pub orgs: OrgRule,
    /// Kinds whose creation [`Effect::CreationBlocked`] refuses.
    pub blocked_kinds: NameSet,
}

impl Entitlements {
    /// Nothing granted, locked: what a caller should assume before the first evaluation.
    pub fn locked() -> Self {
        Entitlements {
            effect: Effect::Locked,
            products: NameSet::default(),
            features: FeatureSet::default(),
            limits: BTreeMap::new(),
            max_orgs: Some(Limit::Count(0)),
            orgs: OrgRule::Any,
            blocked_kinds: NameSet::default(),
        }
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The refusal every write meets under this effect, if any.
    pub fn guard_write(&self) -> Result<(), Denied> {
        match self.effect() {
            Effect::ReadOnly => Err(Denied::LicenseReadOnly),
            Effect::Locked => Err(Denied::LicenseLocked),
            Effect::Full
            | Effect::Banner
            | Effect::ModulesUnloaded
            | Effect::FreeTier
            | Effect::CreationBlocked
            | Effect::Unenforced => Ok(()),
        }
    }

    /// Whether state changes are accepted at all (not read-only, not locked).
    pub fn allows_write(&self) -> bool {
        self.guard_write().is_ok()
    }

    /// Whether the product serves anything beyond sign-in, health and the license endpoints.
    pub fn allows_access(&self) -> bool {
        self.effect() != Effect::Locked
    }

    pub fn allows_feature(&self, feature: &str) -> bool {
        match self.effect() {
            Effect::Unenforced => true,
            Effect::Locked => false,
            _ => self.features.contains(feature),
        }
    }

    pub fn allows_module(&self, module: &str) -> bool {
        match self.effect() {
            Effect::Unenforced => true,
            Effect::Locked | Effect::ModulesUnloaded => false,
            _ => self.products.contains(module),
        }
    }

    pub fn check_feature(&self, feature: &str) -> Result<(), Denied> {
        if self.allows_feature(feature) {
            Ok(())
        } else if self.effect() == Effect::Locked {
            Err(Denied::LicenseLocked)
        } else {
            Err(Denied::FeatureNotLicensed {
                feature: feature.to_owned(),
            })
        }
    }

    pub fn check_module(&self, module: &str) -> Result<(), Denied> {
        if self.allows_module(module) {
            Ok(())
        } else if self.effect() == Effect::Locked {
            Err(Denied::LicenseLocked)
        } else {
            Err(Denied::ModuleNotLicensed {
                module: module.to_owned(),
            })
        }
    }

    /// The limit for a kind: absent means not granted.
    pub fn limit(&self, kind: &str) -> Limit {
        self.limits.get(kind).copied().unwrap_or(Limit::Count(0))
    }

    /// Whether one more item of `kind` may be created when `current` exist.
    pub fn check_quota(&self, kind: &str, current: u64) -> Result<(), Denied> {
        if self.effect() == Effect::Unenforced {
            return Ok(());
        }
        self.guard_write()?;
        if self.effect() == Effect::CreationBlocked && self.blocked_kinds.contains(kind) {
            return Err(Denied::LicenseExpired);
        }
        let limit = self.limit(kind);
        if limit.allows_one_more(current) {
            Ok(())
        } else {
            Err(Denied::QuotaExceeded {
                kind: kind.to_owned(),
                limit,
                current,
            })
        }
    }

    /// Whether organization `id` may be created when `current_org_count` exist.
    pub fn can_create_org(&self, id: &str, current_org_count: u64) -> Result<(), Denied> {
        if self.effect() == Effect::Unenforced {
            return Ok(());
        }
        self.guard_write()?;
        if let OrgRule::Named(named) = &self.orgs {
            if !named.contains(id) {
                return Err(Denied::OrgNotLicensed { org: id.to_owned() });
            }
        }
        match self.max_orgs {
            Some(limit) if !limit.allows_one_more(current_org_count) => Err(Denied::MaxOrgsReached {
                limit,
                current: current_org_count,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(effect: Effect) -> Entitlements {
        Entitlements {
            effect,
            products: NameSet::new(vec!["nomasx1".into(), "nomajde".into()]),
            features: FeatureSet::Listed(NameSet::new(vec!["sso".into(), "audit".into()])),
            limits: [
                ("users".to_owned(), Limit::Count(2)),
                ("agents".to_owned(), Limit::Unlimited),
            ]
            .into(),
            max_orgs: Some(Limit::Count(1)),
            orgs: OrgRule::Named(NameSet::new(vec!["acme".into()])),
            blocked_kinds: NameSet::new(vec!["users".into()]),
        }
    }

    #[test]
    fn name_set_sorts_on_deserialize() {
        let s: NameSet = serde_json::from_str(r#"["b","a","b","c"]"#).unwrap();
        assert!(s.contains("a") && s.contains("b") && s.contains("c") && !s.contains("d"));
        assert_eq!(s.len(), 3);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["a","b","c"]"#);
    }

    #[test]
    fn quotas() {
        let e = ent(Effect::Full);
        assert_eq!(e.check_quota("users", 1), Ok(()));
        assert_eq!(
            e.check_quota("users", 2),
            Err(Denied::QuotaExceeded {
                kind: "users".into(),
                limit: Limit::Count(2),
                current: 2
            })
        );
        assert_eq!(e.check_quota("agents", u64::MAX), Ok(()));
        assert_eq!(
            e.check_quota("tenants", 0).map_err(|d| d.reason()),
            Err(Reason::QuotaExceeded)
        );
    }

    #[test]
    fn effects_fold_into_answers() {
        assert_eq!(
            ent(Effect::ReadOnly).check_quota("users", 0),
            Err(Denied::LicenseReadOnly)
        );
        assert!(ent(Effect::ReadOnly).allows_feature("sso"));
        assert!(!ent(Effect::Locked).allows_feature("sso"));
        assert_eq!(ent(Effect::Locked).check_feature("sso"), Err(Denied::LicenseLocked));
        assert!(!ent(Effect::ModulesUnloaded).allows_module("nomasx1"));
        assert!(ent(Effect::Full).allows_module("nomasx1") && !ent(Effect::Full).allows_module("nomaubl"));
        let blocked = ent(Effect::CreationBlocked);
        assert!(blocked.allows_write());
        assert_eq!(blocked.check_quota("users", 0), Err(Denied::LicenseExpired));
        assert_eq!(blocked.check_quota("agents", 0), Ok(()));
        let off = ent(Effect::Unenforced);
        assert!(off.allows_feature("anything") && off.allows_module("x") && off.check_quota("x", 9).is_ok());
        assert!(!Entitlements::locked().allows_access());
    }

    #[test]
    fn org_creation() {
        let e = ent(Effect::Banner);
        assert_eq!(e.can_create_org("acme", 0), Ok(()));
        assert_eq!(
            e.can_create_org("other", 0),
            Err(Denied::OrgNotLicensed { org: "other".into() })
        );
        assert_eq!(
            e.can_create_org("acme", 1).map_err(|d| d.reason()),
            Err(Reason::MaxOrgsReached)
        );
        assert_eq!(
            ent(Effect::ReadOnly).can_create_org("acme", 0),
            Err(Denied::LicenseReadOnly)
        );
    }

    #[test]
    fn denied_serializes_with_its_code() {
        let d = Denied::QuotaExceeded {
            kind: "users".into(),
            limit: Limit::Count(10),
            current: 10,
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["code"], "quota_exceeded");
        assert_eq!(v["limit"], 10);
        assert_eq!(serde_json::from_value::<Denied>(v).unwrap(), d);
        assert!(d.to_string().contains("users: 10 of 10"));
    }
}
