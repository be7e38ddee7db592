//! `licet status`: a license 10 days from expiry under a profile with a 30-day warn window and a 7-day grace
//! (sovereign), walked through its time states with `--at`; refusals and usage errors.

use licet_core::UnixTime;

use crate::support::{licet, ok};
use crate::vendor_flow::{issue, setup};

const TRUST: [&str; 2] = ["--trust", "keys/jwks.json"];

/// Issues a license expiring in 10 days; returns the temp dir and the license's `iat` and `exp`.
fn license_expiring_in_10_days() -> (tempfile::TempDir, i64, i64) {
    let dir = setup("ed25519", "vendor-2025");
    ok(&issue(
        dir.path(),
        "vendor-2025",
        &["--exp", "10d", "--out", "license.jwt"],
    ));
    let claims = ok(&licet(dir.path(), &["verify", TRUST[0], TRUST[1], "license.jwt"]));
    let claims: serde_json::Value = serde_json::from_str(&claims).unwrap();
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    (dir, iat, exp)
}

fn status(dir: &std::path::Path, profile: &str, at: Option<i64>, extra: &[&str], token: &str) -> std::process::Output {
    let at = at.map(|t| UnixTime(t).to_rfc3339());
    let mut args = vec!["status", TRUST[0], TRUST[1], "--profile", profile];
    if let Some(at) = &at {
        args.extend(["--at", at.as_str()]);
    }
    args.extend(extra);
    args.push(token);
    licet(dir, &args)
}

fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .map(str::trim)
}

#[test]
fn walks_expiring_soon_grace_expired_with_at() {
    let (dir, iat, exp) = license_expiring_in_10_days();
    let d = dir.path();

    // Now (the default clock) and at issue time: inside the 30-day warn window.
    let now = ok(&status(d, "sovereign", None, &[], "license.jwt"));
    assert_eq!(field(&now, "state"), Some("expiring_soon"), "{now}");
    let at_iat = ok(&status(d, "sovereign", Some(iat), &[], "license.jwt"));
    assert_eq!(field(&at_iat, "state"), Some("expiring_soon"), "{at_iat}");
    assert_eq!(field(&at_iat, "reason"), Some("-"));
    assert!(
        field(&at_iat, "summary").is_some_and(|s| s.contains("expires")),
        "the sentence has its own label: {at_iat}"
    );
    assert_eq!(field(&at_iat, "customer"), Some("ACME (cus_1)"));
    assert_eq!(field(&at_iat, "days left"), Some("10"));
    assert_eq!(
        field(&at_iat, "effect"),
        Some("banner"),
        "sovereign warns during the last 30 days"
    );
    assert_eq!(field(&at_iat, "limits"), Some("tenants=unlimited, users=50"));
    assert_eq!(field(&at_iat, "expires"), Some(UnixTime(exp).to_rfc3339().as_str()));
    let next = field(&at_iat, "next change").unwrap();
    assert!(
        next.starts_with(&format!("grace at {}", UnixTime(exp).to_rfc3339())),
        "{next}"
    );

    // Three days past expiry: inside the 7-day grace.
    let grace = ok(&status(d, "sovereign", Some(exp + 3 * 86_400), &[], "license.jwt"));
    assert_eq!(field(&grace, "state"), Some("grace"), "{grace}");
    assert_eq!(field(&grace, "reason"), Some("license_expired"));
    assert_eq!(field(&grace, "days left"), Some("-3"));

    // Past the grace window: expired, still exit 0 (the license is genuine; the status says what expiry means).
    let expired = ok(&status(d, "sovereign", Some(exp + 8 * 86_400), &[], "license.jwt"));
    assert_eq!(field(&expired, "state"), Some("expired"), "{expired}");
    assert_eq!(field(&expired, "next change"), Some("none"));

    // A date works for --at too.
    let date = licet(
        d,
        &[
            "status",
            TRUST[0],
            TRUST[1],
            "--profile",
            "sovereign",
            "--at",
            "2000-01-01",
            "license.jwt",
        ],
    );
    assert!(date.status.success());

    // A profile without grace (liberty) is expired the instant the license is past exp.
    let liberty = ok(&status(d, "liberty", Some(exp + 60), &[], "license.jwt"));
    assert_eq!(field(&liberty, "state"), Some("expired"), "{liberty}");
}

/// Days are whole days toward zero, the same in the text and in the JSON (the document `/v1/license/status` and
/// the page show): 9.5 days left is 9, expired 2.5 days ago is -2, and a day either side of `exp` is 0.
#[test]
fn days_left_round_toward_zero_in_text_and_json() {
    let (dir, _, exp) = license_expiring_in_10_days();
    let d = dir.path();
    for (offset, days) in [
        (-(9 * 86_400 + 43_200), 9),
        (-(86_400 + 43_200), 1),
        (-1, 0),
        (1, 0),
        (86_400 - 1, 0),
        (86_400, -1),
        (2 * 86_400 + 43_200, -2),
    ] {
        let text = ok(&status(d, "sovereign", Some(exp + offset), &[], "license.jwt"));
        assert_eq!(
            field(&text, "days left"),
            Some(days.to_string().as_str()),
            "exp{offset:+}: {text}"
        );
        let json = ok(&status(d, "sovereign", Some(exp + offset), &["--json"], "license.jwt"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["days_remaining"], days, "exp{offset:+}: {json}");
    }
}

#[test]
fn json_output_is_the_status_document() {
    let (dir, iat, exp) = license_expiring_in_10_days();
    let out = ok(&status(dir.path(), "sovereign", Some(iat), &["--json"], "license.jwt"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"], "expiring_soon");
    assert_eq!(v["policy"], "sovereign");
    assert_eq!(v["evaluated_at"], iat);
    assert_eq!(v["expires_at"], exp);
    assert_eq!(v["grace_ends_at"], exp + 7 * 86_400);
    assert_eq!(v["customer"]["id"], "cus_1");
    assert_eq!(v["next_change"]["to"], "grace");
}

#[test]
fn a_refused_license_prints_an_invalid_status_and_exits_1() {
    let (dir, iat, _) = license_expiring_in_10_days();
    let d = dir.path();
    let token = std::fs::read_to_string(d.join("license.jwt")).unwrap();
    let token = token.trim();
    let sig = token.rfind('.').unwrap() + 5;
    let mut bytes = token.as_bytes().to_vec();
    bytes[sig] = if bytes[sig] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();

    let out = status(d, "sovereign", Some(iat), &[], &tampered);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(field(&text, "state"), Some("invalid"), "{text}");
    assert_eq!(field(&text, "reason"), Some("license_bad_signature"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("license_bad_signature"));

    let out = status(
        d,
        "sovereign",
        Some(iat),
        &["--json", "--aud", "honeyframe"],
        "license.jwt",
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["state"].as_str(), v["reason"].as_str()),
        (Some("invalid"), Some("license_wrong_audience"))
    );

    let out = status(d, "sovereign", Some(iat), &[], "not-a-license");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(field(&String::from_utf8(out.stdout).unwrap(), "state"), Some("invalid"));
}

#[test]
fn unknown_profile_and_bad_at_are_usage_errors() {
    let (dir, _, _) = license_expiring_in_10_days();
    let out = status(dir.path(), "nosuch", None, &[], "license.jwt");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in ["liberty", "honeyframe", "sovereign", "nivq", "justiam"] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(out.stdout.is_empty());
    let out = licet(
        dir.path(),
        &[
            "status",
            TRUST[0],
            TRUST[1],
            "--profile",
            "nivq",
            "--at",
            "soon",
            "license.jwt",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
