//! From licet-core's [`Status`] to the wire's [`StatusView`]: times as RFC 3339, sets as lists, limits with use.

use std::collections::{BTreeMap, BTreeSet};

use licet_core::{FeatureSet, Limit, OrgStatus, Status};

use crate::service::{CustomerView, Identity, LimitView, OrgView, ReasonView, RefreshView, StatusView};

/// What the status itself does not know: where the license came from, the host, current use, refresh.
#[derive(Clone, Debug, Default)]
pub struct ViewExtras {
    pub source: Option<String>,
    /// The runtime's [`licet_runtime::SourceProblem`], as code and message.
    pub source_error: Option<ReasonView>,
    pub last_refresh: Option<RefreshView>,
    /// Current use per quota kind, as the product reports it.
    pub usage: BTreeMap<String, u64>,
    /// Orgs that have their own installed license.
    pub orgs_with_own_license: BTreeSet<String>,
    /// The last renewal attempt of each org's own license.
    pub org_refresh: BTreeMap<String, RefreshView>,
    /// Fingerprint of the stored license, also when it no longer verifies (so an installed-but-invalid license
    /// still counts as installed: replacing it needs owner, and the first-install window stays shut).
    pub stored_fingerprint: Option<String>,
}

fn limits(map: &BTreeMap<String, Limit>, usage: &BTreeMap<String, u64>) -> Vec<LimitView> {
    map.iter()
        .map(|(kind, limit)| LimitView {
            kind: kind.clone(),
            limit: *limit,
            used: usage.get(kind).copied(),
        })
        .collect()
}

fn org(o: &OrgStatus, extras: &ViewExtras) -> OrgView {
    let features = match &o.entitlements.features {
        FeatureSet::All => vec!["*".to_owned()],
        FeatureSet::Listed(set) => set.iter().map(str::to_owned).collect(),
    };
    OrgView {
        id: o.id.clone(),
        state: o.state.code().to_owned(),
        plan: o.plan.clone(),
        valid_from: o.valid_from.map(|t| t.to_rfc3339()),
        valid_until: o.valid_until.map(|t| t.to_rfc3339()),
        features,
        limits: limits(&o.entitlements.limits, &BTreeMap::new()),
        own_license: extras.orgs_with_own_license.contains(&o.id),
        last_refresh: extras.org_refresh.get(&o.id).cloned(),
    }
}

/// An org's own status (from its own license) in the shape of the instance status's org entries.
pub fn org_from_status(id: &str, org: &Status) -> OrgStatus {
    OrgStatus {
        id: id.to_owned(),
        plan: org.edition.clone(),
        state: org.state,
        reason: org.reason,
        valid_from: org.not_before,
        valid_until: org.expires_at,
        days_remaining: org.days_remaining,
        entitlements: org.entitlements.clone(),
        next_change: org.next_change,
    }
}

impl StatusView {
    pub fn from_core(status: &Status, identity: &Identity, extras: &ViewExtras) -> StatusView {
        let (features, all_features) = match status.features() {
            FeatureSet::All => (Vec::new(), true),
            FeatureSet::Listed(set) => (set.iter().map(str::to_owned).collect(), false),
        };
        StatusView {
            state: status.state.code().to_owned(),
            effect: status.effect().code().to_owned(),
            reason: status.reason.map(|r| ReasonView {
                code: r.code().to_owned(),
                message: status.sentence.clone(),
            }),
            sentence: status.sentence.clone(),
            customer: status.customer.as_ref().map(|c| CustomerView {
                id: c.id.clone(),
                name: c.name.clone(),
            }),
            tier: status.edition.clone(),
            expires_at: status.expires_at.map(|t| t.to_rfc3339()),
            days_remaining: status.days_remaining,
            evaluated_at: status.evaluated_at.to_rfc3339(),
            products: status.products().iter().map(str::to_owned).collect(),
            features,
            all_features,
            limits: limits(status.limits(), &extras.usage),
            orgs: status.orgs.iter().map(|o| org(o, extras)).collect(),
            source: extras.source.clone(),
            source_error: extras.source_error.clone(),
            license_fingerprint: status
                .license
                .as_ref()
                .map(|l| l.fingerprint.clone())
                .or_else(|| extras.stored_fingerprint.clone()),
            fingerprint: identity.fingerprint.clone(),
            install_id: identity.install_id.clone(),
            last_refresh: extras.last_refresh.clone(),
        }
    }
}
