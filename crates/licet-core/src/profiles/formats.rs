//! The five manuals' own license formats, as claim mappings. Each member is named as its manual's claims table
//! names it; where a manual leaves a name open, the choice is made here once and documented in docs/profiles.md.

use crate::claims::Limit;
use crate::format::{Absent, ClaimMap, Envelope, Field, OrgField, OrgRule, Rule, Time, Unlimited};

use Time::{Rfc3339OrDate, UnixSeconds};

/// Liberty (seed 000): "an RS256-signed JWT … iss | sub | exp | aud | connectors (custom)". The subject is the
/// licensed customer; `connectors` are the licensed modules.
pub const LIBERTY: ClaimMap = ClaimMap {
    name: "liberty",
    envelope: Envelope::Jws,
    rules: &[
        Rule::required("iss", Field::Issuer),
        Rule::required("sub", Field::Subject),
        Rule::required("exp", Field::Expires(UnixSeconds)),
        Rule::required("aud", Field::Audience),
        Rule::required("connectors", Field::Products),
        Rule::optional("iat", Field::IssuedAt(UnixSeconds)),
        Rule::optional("nbf", Field::NotBefore(UnixSeconds)),
        Rule::optional("jti", Field::Id),
    ],
    fixed_limits: &[],
};

/// Honeyframe (seed 001): "an Ed25519-signed JSON document that names the customer org, the licensed tier, the
/// licensed products, an expiry date, and an optional user limit", plus "features". The customer names the org
/// (its id and its name); `expires` is a date or an RFC 3339 date-time; no `users_limit` is no user limit.
pub const HONEYFRAME: ClaimMap = ClaimMap {
    name: "honeyframe",
    envelope: Envelope::SignedDocument,
    rules: &[
        Rule::required("customer", Field::CustomerId),
        Rule::required("customer", Field::CustomerName),
        Rule::required("tier", Field::Edition),
        Rule::required("products", Field::Products),
        Rule::optional("features", Field::Features),
        Rule::required("expires", Field::Expires(Rfc3339OrDate)),
        Rule::optional(
            "users_limit",
            Field::Limit {
                kind: "users",
                unlimited: Unlimited::Never,
                absent: Absent::Unlimited,
            },
        ),
        Rule::optional("issued", Field::IssuedAt(Rfc3339OrDate)),
    ],
    fixed_limits: &[],
};

const SOVEREIGN_ORG: &[OrgRule] = &[
    OrgRule::required("orgId", OrgField::Id),
    OrgRule::optional("plan", OrgField::Plan),
    OrgRule::optional("features", OrgField::Features),
    OrgRule::optional("limits", OrgField::Limits(Unlimited::Never)),
    OrgRule::optional("validFrom", OrgField::ValidFrom(Rfc3339OrDate)),
    OrgRule::optional("validUntil", OrgField::ValidUntil(Rfc3339OrDate)),
];

/// Sovereign (seed 002): "customerId … installId … App keys … Per-organization entitlements … each with their
/// plan, feature flags, limits, and validity window … validFrom, validUntil … Maximum organizations". Names licet
/// chose where the manual has none: `apps`, `organizations[].orgId`, `maxOrgs`, `customerName`, `renewalUrl`,
/// `sequence`.
pub const SOVEREIGN: ClaimMap = ClaimMap {
    name: "sovereign",
    envelope: Envelope::Jws,
    rules: &[
        Rule::required("customerId", Field::CustomerId),
        Rule::optional("customerName", Field::CustomerName),
        Rule::required("installId", Field::InstallId),
        Rule::required("apps", Field::Products),
        Rule::optional("organizations", Field::Orgs(SOVEREIGN_ORG)),
        Rule::required("validFrom", Field::NotBefore(Rfc3339OrDate)),
        Rule::required("validUntil", Field::Expires(Rfc3339OrDate)),
        Rule::required(
            "maxOrgs",
            Field::MaxOrgs {
                unlimited: Unlimited::Never,
                absent: Absent::NotGranted,
            },
        ),
        Rule::optional("renewalUrl", Field::RenewalUrl),
        Rule::optional("sequence", Field::Sequence),
        Rule::optional("iss", Field::Issuer),
        Rule::optional("aud", Field::Audience),
        Rule::optional("sub", Field::Subject),
        Rule::optional("iat", Field::IssuedAt(UnixSeconds)),
        Rule::optional("jti", Field::Id),
    ],
    fixed_limits: &[],
};

const fn nivq_ceiling(kind: &'static str) -> Field {
    Field::Limit {
        kind,
        unlimited: Unlimited::Zero,
        absent: Absent::Unlimited,
    }
}

/// nivq (seed 003): a JWS with "an edition … and an explicit features set", the ceilings `maxWorkspaces`,
/// `maxAgents`, `maxUsers` ("A ceiling left at 0 means unlimited"), host and domain binding. Names licet chose:
/// `hostFingerprint` and `domain` (each a string or an array of strings), `customerName`, and `sequence`
/// ("Rolling back to an older licence is rejected": without it, the issue time orders licences).
pub const NIVQ: ClaimMap = ClaimMap {
    name: "nivq",
    envelope: Envelope::Jws,
    rules: &[
        Rule::required("sub", Field::Subject),
        Rule::optional("customerName", Field::CustomerName),
        Rule::required("edition", Field::Edition),
        Rule::required("features", Field::Features),
        Rule::optional("maxWorkspaces", nivq_ceiling("workspaces")),
        Rule::optional("maxAgents", nivq_ceiling("agents")),
        Rule::optional("maxUsers", nivq_ceiling("users")),
        Rule::optional("hostFingerprint", Field::Fingerprints),
        Rule::optional("domain", Field::Domains),
        Rule::optional("sequence", Field::Sequence),
        Rule::required("iat", Field::IssuedAt(UnixSeconds)),
        Rule::required("exp", Field::Expires(UnixSeconds)),
        Rule::optional("nbf", Field::NotBefore(UnixSeconds)),
        Rule::optional("iss", Field::Issuer),
        Rule::optional("aud", Field::Audience),
        Rule::optional("jti", Field::Id),
    ],
    fixed_limits: &[],
};

/// JustIAM (seed 004): "sub | instance_id | max_users (-1 = unlimited) | max_tenants (0 = unlimited) |
/// renewal_url | iat | exp". An empty `instance_id` is a universal license. JustIAM sells no per-tenant cap (the
/// control plane allocates one per tenant), so every license grants `users_per_tenant` without limit.
pub const JUSTIAM: ClaimMap = ClaimMap {
    name: "justiam",
    envelope: Envelope::Jws,
    rules: &[
        Rule::required("sub", Field::Subject),
        Rule::optional("instance_id", Field::InstallId),
        Rule::required(
            "max_users",
            Field::Limit {
                kind: "users",
                unlimited: Unlimited::MinusOne,
                absent: Absent::NotGranted,
            },
        ),
        Rule::required(
            "max_tenants",
            Field::MaxOrgs {
                unlimited: Unlimited::Zero,
                absent: Absent::NotGranted,
            },
        ),
        Rule::optional("renewal_url", Field::RenewalUrl),
        Rule::required("iat", Field::IssuedAt(UnixSeconds)),
        Rule::required("exp", Field::Expires(UnixSeconds)),
        Rule::optional("iss", Field::Issuer),
        Rule::optional("aud", Field::Audience),
        Rule::optional("jti", Field::Id),
    ],
    fixed_limits: &[("users_per_tenant", Limit::Unlimited)],
};
