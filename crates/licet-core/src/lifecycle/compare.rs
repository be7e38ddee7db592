//! What replacing one license by another would take away: [`compare`].
//!
//! The decision about state stays in [`super::evaluate`]; this only diffs two of its answers, judged at the same
//! `now` against the same install, so that "worse off" means exactly what the install would then enforce. A
//! caller (the runtime's install path) refuses a non-empty list unless the operator acknowledged it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::claims::Limit;
use crate::entitlement::{Entitlements, FeatureSet, OrgRule};
use crate::status::{State, Status};

/// One thing the candidate license takes away, in the form the API, the audit log and the page carry:
/// `{"what":"feature","removed":"sso"}`, `{"what":"limit","kind":"users","from":"500","to":"50"}`, … `org` is set
/// when the loss is in one organization's own entitlement rather than the install's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loss {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(flatten)]
    pub lost: Lost,
}

/// What is lost. Limits travel as text (`"500"`, `"unlimited"`, `"0"` for a kind no longer granted) so that one
/// field type covers a count and the word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Lost {
    /// The state in force would fall (e.g. `active` → `expired`, `active` → `grace`).
    State {
        from: State,
        to: State,
    },
    /// The license is for another customer (ids).
    Customer {
        from: String,
        to: String,
    },
    Product {
        removed: String,
    },
    Feature {
        removed: String,
    },
    /// The edition granted every feature; the candidate grants only those it lists.
    AllFeatures,
    Limit {
        kind: String,
        from: String,
        to: String,
    },
    /// An organization the license named is no longer named.
    Org {
        removed: String,
    },
    MaxOrgs {
        from: String,
        to: String,
    },
}

impl Loss {
    fn install(lost: Lost) -> Loss {
        Loss { org: None, lost }
    }
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(org) = &self.org {
            write!(f, "organization {org}: ")?;
        }
        match &self.lost {
            Lost::State { from, to } => write!(f, "state {from} → {to}"),
            Lost::Customer { from, to } => write!(f, "customer {from} → {to}"),
            Lost::Product { removed } => write!(f, "product {removed} removed"),
            Lost::Feature { removed } => write!(f, "feature {removed} removed"),
            Lost::AllFeatures => f.write_str("no longer every feature"),
            Lost::Limit { kind, from, to } => write!(f, "limit {kind} {from} → {to}"),
            Lost::Org { removed } => write!(f, "organization {removed} no longer named"),
            Lost::MaxOrgs { from, to } => write!(f, "maximum organizations {from} → {to}"),
        }
    }
}

/// How good a state is to be in. `active` and `expiring_soon` rank alike: a renewal that is itself close to its
/// end still grants in full, and the operator sees the banner either way.
fn standing(state: State) -> u8 {
    match state {
        State::Active | State::ExpiringSoon => 3,
        State::Grace => 2,
        State::Expired => 1,
        State::Missing | State::ActivationPending | State::FreeTier | State::Invalid => 0,
    }
}

/// An order on limits where more is better; `unlimited` beats every count.
fn amount(limit: Limit) -> u128 {
    match limit {
        Limit::Count(n) => u128::from(n),
        Limit::Unlimited => u128::MAX,
    }
}

/// `None` (no cap) is as good as `unlimited`.
fn cap(limit: Option<Limit>) -> Limit {
    limit.unwrap_or(Limit::Unlimited)
}

/// What replacing the license judged `before` by the one judged `after` takes away; empty when nothing is lost.
///
/// Both statuses must come from [`super::evaluate`] (or [`super::evaluate_org`] for one org's scope) at the same
/// `now` and context. Nothing is lost when `before` grants nothing worth keeping: no license, an invalid one, or
/// one already expired (installing over those needs no acknowledgement). A candidate that would not be in force
/// at all loses only its state: listing every grant it drops would say the same thing many times.
pub fn compare(before: &Status, after: &Status) -> Vec<Loss> {
    let mut out = Vec::new();
    let was = standing(before.state);
    if was <= standing(State::Expired) {
        return out;
    }
    if standing(after.state) < was {
        out.push(Loss::install(Lost::State {
            from: before.state,
            to: after.state,
        }));
    }
    if !after.state.is_licensed() {
        return out;
    }
    if let (Some(from), Some(to)) = (&before.customer, &after.customer) {
        if from.id != to.id {
            out.push(Loss::install(Lost::Customer {
                from: from.id.clone(),
                to: to.id.clone(),
            }));
        }
    }
    entitlements(&before.entitlements, &after.entitlements, None, &mut out);
    let named_before: BTreeSet<&str> = before.orgs.iter().map(|o| o.id.as_str()).collect();
    let named_after: BTreeSet<&str> = after.orgs.iter().map(|o| o.id.as_str()).collect();
    let mut removed: BTreeSet<&str> = named_before.difference(&named_after).copied().collect();
    if let (OrgRule::Named(b), OrgRule::Named(a)) = (&before.entitlements.orgs, &after.entitlements.orgs) {
        removed.extend(b.iter().filter(|id| !a.contains(id)));
    }
    out.extend(
        removed
            .into_iter()
            .map(|id| Loss::install(Lost::Org { removed: id.to_owned() })),
    );
    for old in &before.orgs {
        let Some(new) = after.orgs.iter().find(|o| o.id == old.id) else {
            continue;
        };
        let in_org = |lost| Loss {
            org: Some(old.id.clone()),
            lost,
        };
        let org_was = standing(old.state);
        if org_was <= standing(State::Expired) {
            continue;
        }
        if standing(new.state) < org_was {
            out.push(in_org(Lost::State {
                from: old.state,
                to: new.state,
            }));
        }
        if new.state.is_licensed() {
            let mut lost = Vec::new();
            entitlements(&old.entitlements, &new.entitlements, Some(&old.id), &mut lost);
            out.extend(lost);
        }
    }
    out
}

/// The grants of `before` that `after` does not make.
fn entitlements(before: &Entitlements, after: &Entitlements, org: Option<&str>, out: &mut Vec<Loss>) {
    let mut push = |lost| {
        out.push(Loss {
            org: org.map(str::to_owned),
            lost,
        })
    };
    for p in before.products.iter().filter(|p| !after.products.contains(p)) {
        push(Lost::Product { removed: p.to_owned() });
    }
    match (&before.features, &after.features) {
        (FeatureSet::All, FeatureSet::Listed(_)) => push(Lost::AllFeatures),
        (FeatureSet::Listed(b), FeatureSet::Listed(a)) => {
            for f in b.iter().filter(|f| !a.contains(f)) {
                push(Lost::Feature { removed: f.to_owned() });
            }
        }
        (_, FeatureSet::All) => {}
    }
    for (kind, &from) in &before.limits {
        let to = after.limit(kind);
        if amount(to) < amount(from) {
            push(Lost::Limit {
                kind: kind.clone(),
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    }
    let (from, to) = (cap(before.max_orgs), cap(after.max_orgs));
    if amount(to) < amount(from) {
        push(Lost::MaxOrgs {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::tests::{claims, eval, verified, DAY, T0};
    use crate::lifecycle::{evaluate, Context, LicenseInput};
    use crate::profiles;
    use crate::time::UnixTime;

    fn full() -> crate::Claims {
        let mut c = claims(None, Some(T0 + 365 * DAY));
        c.lic.products = vec!["nomasx1".into(), "nomajde".into()];
        c.lic.features = vec!["sso".into(), "audit".into()];
        c.lic.limits = [("users".to_owned(), Limit::Count(500))].into();
        c.lic.max_orgs = Some(Limit::Count(10));
        c
    }

    fn at(c: crate::Claims) -> Status {
        eval(&profiles::SOVEREIGN, &Context::default(), &verified(c), T0)
    }

    fn lost(losses: &[Loss]) -> Vec<&Lost> {
        losses.iter().map(|l| &l.lost).collect()
    }

    #[test]
    fn the_same_license_or_a_better_one_loses_nothing() {
        assert_eq!(compare(&at(full()), &at(full())), []);
        let mut better = full();
        better.exp = Some(UnixTime(T0 + 700 * DAY));
        better.lic.features.push("reports".into());
        better.lic.limits.insert("users".into(), Limit::Unlimited);
        better.lic.max_orgs = None;
        assert_eq!(compare(&at(full()), &at(better)), []);
    }

    /// Issue #14: a correctly signed license that expired in 2001 replacing one in force.
    #[test]
    fn an_expired_license_over_an_active_one_is_a_fall_in_state() {
        let mut old = full();
        old.exp = Some(UnixTime(978_307_200));
        let losses = compare(&at(full()), &at(old));
        assert_eq!(
            lost(&losses),
            [&Lost::State {
                from: State::Active,
                to: State::Expired
            }]
        );
        let json = serde_json::to_value(&losses).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"what": "state", "from": "active", "to": "expired"}])
        );
    }

    #[test]
    fn grace_over_active_is_a_loss_but_expiring_soon_is_not() {
        let grace_policy = &profiles::SOVEREIGN;
        assert!(grace_policy.grace() > DAY, "the test needs a grace window");
        let mut in_grace = full();
        in_grace.exp = Some(UnixTime(T0 - DAY));
        assert_eq!(at(in_grace.clone()).state, State::Grace);
        assert_eq!(
            lost(&compare(&at(full()), &at(in_grace.clone()))),
            [&Lost::State {
                from: State::Active,
                to: State::Grace
            }]
        );
        let mut soon = full();
        soon.exp = Some(UnixTime(T0 + DAY));
        assert_eq!(at(soon.clone()).state, State::ExpiringSoon);
        assert_eq!(compare(&at(full()), &at(soon.clone())), []);
        // Grace over grace, and anything over expired, takes nothing the install still has.
        assert_eq!(compare(&at(in_grace.clone()), &at(in_grace)), []);
        let mut expired = full();
        expired.exp = Some(UnixTime(T0 - 400 * DAY));
        let mut other = claims(None, Some(T0 - 300 * DAY));
        other.lic.customer.id = "globex".into();
        assert_eq!(compare(&at(expired), &at(other)), []);
    }

    #[test]
    fn grants_taken_away_are_each_listed() {
        let mut less = full();
        less.lic.products = vec!["nomasx1".into()];
        less.lic.features = vec!["audit".into()];
        less.lic.limits = [("users".to_owned(), Limit::Count(50))].into();
        less.lic.max_orgs = Some(Limit::Count(2));
        less.lic.customer.id = "globex".into();
        let losses = compare(&at(full()), &at(less));
        assert_eq!(
            serde_json::to_value(&losses).unwrap(),
            serde_json::json!([
                {"what": "customer", "from": "acme", "to": "globex"},
                {"what": "product", "removed": "nomajde"},
                {"what": "feature", "removed": "sso"},
                {"what": "limit", "kind": "users", "from": "500", "to": "50"},
                {"what": "max_orgs", "from": "10", "to": "2"},
            ])
        );
        let words: Vec<String> = losses.iter().map(Loss::to_string).collect();
        assert_eq!(words[3], "limit users 500 → 50");
    }

    #[test]
    fn a_kind_no_longer_granted_falls_to_zero_and_an_added_cap_counts() {
        let mut before = full();
        before.lic.max_orgs = None;
        before.lic.limits.insert("agents".into(), Limit::Unlimited);
        let mut after = full();
        after.lic.max_orgs = Some(Limit::Count(3));
        assert_eq!(
            lost(&compare(&at(before), &at(after))),
            [
                &Lost::Limit {
                    kind: "agents".into(),
                    from: "unlimited".into(),
                    to: "0".into()
                },
                &Lost::MaxOrgs {
                    from: "unlimited".into(),
                    to: "3".into()
                },
            ]
        );
    }

    #[test]
    fn an_edition_that_implied_every_feature_is_a_loss_when_dropped() {
        let mut all = full();
        all.lic.edition = Some("enterprise".into());
        let nivq = |c| eval(&profiles::NIVQ, &Context::default(), &verified(c), T0);
        let before = nivq(all);
        assert_eq!(
            before.entitlements.features,
            FeatureSet::All,
            "nivq's enterprise implies all"
        );
        assert_eq!(lost(&compare(&before, &nivq(full()))), [&Lost::AllFeatures]);
    }

    #[test]
    fn orgs_no_longer_named_and_an_orgs_own_grants_are_listed() {
        let org = |id: &str, members: u64| crate::OrgEntitlement {
            id: id.into(),
            plan: None,
            features: vec!["reports".into()],
            limits: [("members".to_owned(), Limit::Count(members))].into(),
            valid_from: None,
            valid_until: None,
            extra: Default::default(),
        };
        let mut before = full();
        before.lic.orgs = vec![org("north", 10), org("south", 5)];
        let mut after = full();
        after.lic.orgs = vec![org("north", 3)];
        after.lic.orgs[0].features.clear();
        let losses = compare(&at(before), &at(after));
        assert_eq!(
            serde_json::to_value(&losses).unwrap(),
            serde_json::json!([
                {"what": "org", "removed": "south"},
                {"org": "north", "what": "feature", "removed": "reports"},
                {"org": "north", "what": "limit", "kind": "members", "from": "10", "to": "3"},
            ])
        );
        assert_eq!(losses[2].to_string(), "organization north: limit members 10 → 3");
    }

    /// The first install, and installs over nothing or over an invalid license, have nothing to lose.
    #[test]
    fn nothing_in_force_means_nothing_to_lose() {
        let ctx = Context::default();
        let now = UnixTime(T0);
        let mut poor = claims(None, Some(T0 - 400 * DAY));
        poor.lic.customer.id = "globex".into();
        for policy in profiles::ALL {
            let none = evaluate(policy, &ctx, LicenseInput::None, now);
            let bad = evaluate(
                policy,
                &ctx,
                LicenseInput::Rejected(crate::Reason::LicenseBadSignature),
                now,
            );
            let poor = eval(policy, &ctx, &verified(poor.clone()), T0);
            assert_eq!(compare(&none, &poor), [], "{}", policy.name);
            assert_eq!(compare(&bad, &poor), [], "{}", policy.name);
        }
    }

    /// A candidate that would not be in force says so once, not once per grant it drops.
    #[test]
    fn an_invalid_candidate_loses_only_its_state() {
        let mut bound = full();
        bound.lic.binding.install_id = Some("elsewhere".into());
        let ctx = Context {
            install_id: Some("here".into()),
            ..Context::default()
        };
        let before = eval(&profiles::SOVEREIGN, &ctx, &verified(full()), T0);
        let after = eval(&profiles::SOVEREIGN, &ctx, &verified(bound), T0);
        assert_eq!(after.state, State::Invalid);
        assert_eq!(
            lost(&compare(&before, &after)),
            [&Lost::State {
                from: State::Active,
                to: State::Invalid
            }]
        );
    }

    #[test]
    fn losses_round_trip_through_json() {
        let mut less = full();
        less.lic.features.clear();
        less.lic.customer.id = "globex".into();
        let losses = compare(&at(full()), &at(less));
        let json = serde_json::to_string(&losses).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Loss>>(&json).unwrap(), losses);
    }
}
