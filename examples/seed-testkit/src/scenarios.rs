//! Dated scenario tables: one license per seed, issued at [`T0`](crate::T0), valid 365 days, walked day by day.
//!
//! Each row says what the product must do on that day, in the manual's own words (labels) and in HTTP status
//! codes. The core-level tests (`tests/it/scenarios.rs`) check every row against `licet_core::evaluate`; each
//! example app's end-to-end suite walks the same rows over HTTP with a manual clock.

use licet_core::State;

/// Every scenario license lasts this many days from `T0`.
pub const TERM_DAYS: i64 = 365;

/// Liberty: checked at load (and reload) only; hard expiry; connectors `nomasx1` and `nomajde` licensed.
#[derive(Clone, Copy, Debug)]
pub struct LibertyRow {
    pub day: i64,
    /// Whether the operator reloads on this day (otherwise the state of the last load stays).
    pub reload: bool,
    /// `GET /api/license` → `valid`, as of the last load.
    pub valid: bool,
    /// Its `reason` code when not valid.
    pub reason: Option<&'static str>,
    /// Connectors loaded after this day's (re)load, in registration order.
    pub loaded: &'static [&'static str],
}

pub const LIBERTY_CONNECTORS_SOLD: &[&str] = &["nomasx1", "nomajde"];

#[rustfmt::skip]
pub const LIBERTY: &[LibertyRow] = &[
    LibertyRow { day: 0, reload: true, valid: true, reason: None, loaded: &["nomasx1", "nomajde"] },
    // The warn window is informational only: nothing changes for the connectors.
    LibertyRow { day: 340, reload: true, valid: true, reason: None, loaded: &["nomasx1", "nomajde"] },
    LibertyRow { day: 364, reload: true, valid: true, reason: None, loaded: &["nomasx1", "nomajde"] },
    // "Framework keeps running past exp without reload. | The licensed connectors keep working"
    LibertyRow { day: 366, reload: false, valid: true, reason: None, loaded: &["nomasx1", "nomajde"] },
    LibertyRow { day: 400, reload: false, valid: true, reason: None, loaded: &["nomasx1", "nomajde"] },
    // "Reload or restart after exp. | Licensed connectors stop loading."
    LibertyRow { day: 401, reload: true, valid: false, reason: Some("license_expired"), loaded: &[] },
];

/// Honeyframe: a request gate; 7-day grace (licet's choice of length); `professional` tier with `chat_connector`.
#[derive(Clone, Copy, Debug)]
pub struct HoneyframeRow {
    /// Seconds after `T0` (grace boundaries are exact instants).
    pub at: i64,
    pub state: State,
    /// `GET /api/license` → `status`.
    pub status: &'static str,
    /// A gated route (`GET /api/dashboards`).
    pub gated: u16,
    /// The licensed feature's route (`POST /api/chat`).
    pub chat: u16,
    /// A feature the tier lacks (`POST /api/ai/dashboards`) → 403 `feature_not_licensed` while the gate passes.
    pub ai: u16,
    /// The body code of a 403 on the gated route.
    pub code: Option<&'static str>,
    pub days_remaining: i64,
}

const DAY: i64 = 86_400;

#[rustfmt::skip]
pub const HONEYFRAME: &[HoneyframeRow] = &[
    HoneyframeRow { at: 0, state: State::Active, status: "valid", gated: 200, chat: 200, ai: 403, code: None, days_remaining: 365 },
    HoneyframeRow { at: 364 * DAY, state: State::Active, status: "valid", gated: 200, chat: 200, ai: 403, code: None, days_remaining: 1 },
    HoneyframeRow { at: 365 * DAY - 1, state: State::Active, status: "valid", gated: 200, chat: 200, ai: 403, code: None, days_remaining: 0 },
    // "grace | Recently expired but inside the configurable grace window. Backend still serves traffic"
    HoneyframeRow { at: 365 * DAY, state: State::Grace, status: "grace", gated: 200, chat: 200, ai: 403, code: None, days_remaining: 0 },
    HoneyframeRow { at: 372 * DAY - 1, state: State::Grace, status: "grace", gated: 200, chat: 200, ai: 403, code: None, days_remaining: -6 },
    // "expired | Past grace. License-gated endpoints return 403."
    HoneyframeRow { at: 372 * DAY, state: State::Expired, status: "expired", gated: 403, chat: 403, ai: 403, code: Some("license_expired"), days_remaining: -7 },
];

/// Sovereign: Active → Warning (30 d) → Grace (7 d, writes allowed) → Read-only (reads fine, writes refused).
#[derive(Clone, Copy, Debug)]
pub struct SovereignRow {
    pub day: i64,
    pub state: State,
    /// The manual's state name as `GET /api/system/license` shows it (`state`).
    pub label: &'static str,
    pub banner: bool,
    /// `GET /api/orgs/{id}/records`.
    pub read: u16,
    /// `POST /api/orgs/{id}/records`.
    pub write: u16,
}

#[rustfmt::skip]
pub const SOVEREIGN: &[SovereignRow] = &[
    SovereignRow { day: 0, state: State::Active, label: "Active", banner: false, read: 200, write: 201 },
    SovereignRow { day: 334, state: State::Active, label: "Active", banner: false, read: 200, write: 201 },
    SovereignRow { day: 335, state: State::ExpiringSoon, label: "Warning", banner: true, read: 200, write: 201 },
    SovereignRow { day: 365, state: State::Grace, label: "Grace", banner: true, read: 200, write: 201 },
    SovereignRow { day: 371, state: State::Grace, label: "Grace", banner: true, read: 200, write: 201 },
    SovereignRow { day: 372, state: State::Expired, label: "Read-only", banner: true, read: 200, write: 403 },
    SovereignRow { day: 900, state: State::Expired, label: "Read-only", banner: true, read: 200, write: 403 },
];

/// nivq: VALID → EXPIRING_SOON (30 d, banner) → GRACE_PERIOD (14 d, read-only) → LOCKED.
#[derive(Clone, Copy, Debug)]
pub struct NivqRow {
    pub day: i64,
    pub state: State,
    pub label: &'static str,
    /// `GET /v1/workspaces`.
    pub read: u16,
    /// `POST /v1/workspaces`.
    pub write: u16,
    /// `POST /v1/auth/sign-in` and `GET /v1/license/status` always answer.
    pub sign_in: u16,
}

#[rustfmt::skip]
pub const NIVQ: &[NivqRow] = &[
    NivqRow { day: 0, state: State::Active, label: "VALID", read: 200, write: 201, sign_in: 200 },
    NivqRow { day: 335, state: State::ExpiringSoon, label: "EXPIRING_SOON", read: 200, write: 201, sign_in: 200 },
    NivqRow { day: 365, state: State::Grace, label: "GRACE_PERIOD", read: 200, write: 403, sign_in: 200 },
    NivqRow { day: 378, state: State::Grace, label: "GRACE_PERIOD", read: 200, write: 403, sign_in: 200 },
    NivqRow { day: 379, state: State::Expired, label: "LOCKED", read: 403, write: 403, sign_in: 200 },
];

/// JustIAM: active → expiring_soon (≤ 30 d) → grace_period (30 d, everything works) → expired (no new users).
#[derive(Clone, Copy, Debug)]
pub struct JustiamRow {
    pub day: i64,
    pub state: State,
    pub label: &'static str,
    pub banner: bool,
    /// `POST /api/tenants/{t}/users`.
    pub create_user: u16,
    /// `POST /api/tenants/{t}/login` for an existing user.
    pub login: u16,
}

#[rustfmt::skip]
pub const JUSTIAM: &[JustiamRow] = &[
    JustiamRow { day: 0, state: State::Active, label: "active", banner: false, create_user: 201, login: 200 },
    JustiamRow { day: 335, state: State::ExpiringSoon, label: "expiring_soon", banner: true, create_user: 201, login: 200 },
    JustiamRow { day: 365, state: State::Grace, label: "grace_period", banner: true, create_user: 201, login: 200 },
    JustiamRow { day: 394, state: State::Grace, label: "grace_period", banner: true, create_user: 201, login: 200 },
    JustiamRow { day: 395, state: State::Expired, label: "expired", banner: true, create_user: 403, login: 200 },
];
