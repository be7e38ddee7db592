//! The page in headless Chromium, driven over WebDriver (`licet-browser-test`: fantoccini ↔ chromedriver on a free
//! port). Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them these tests fail
//! with a message saying so, unless `LICET_SKIP_BROWSER_TESTS=1`. `LICET_UPDATE_SCREENSHOT=1` rewrites
//! `docs/license-page.png` (see `scripts/screenshot.sh`).

use std::path::Path;

use licet_browser_test::fantoccini::Locator;
use licet_browser_test::{one_at_a_time, Browser};
use serde_json::json;

use licet_core::Encoding;
use licet_server::testkit::{json as json_of, owner_token, renewal_endpoint, Local, TestServer, TestVendor, START};

#[tokio::test]
async fn paste_a_license_and_the_badge_turns_active() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start().await else { return };
    // Honeyframe takes pasted licenses (sovereign only audited imports, see `sources.rs`).
    let t = Local::start("honeyframe").await;
    let s = &t.server;
    b.client.goto(&s.url("/settings/license")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=missing]").await;
    assert_eq!(b.text("license-badge").await, "No license");

    // A bad paste shows the server's sentence, and changes nothing.
    let paste = b
        .client
        .find(Locator::Css("[data-testid=license-paste]"))
        .await
        .unwrap();
    let license = t.vendor.license("Acme", 1, START);
    let forged = TestVendor::tamper(&license);
    paste.send_keys(&forged).await.unwrap();
    b.click("[data-testid=install-button]").await;
    b.wait_for("[data-testid=error][data-code=license_bad_signature]").await;
    assert!(b.text("error").await.contains("signature does not match"));
    assert_eq!(b.text("license-badge").await, "No license");

    paste.clear().await.unwrap();
    paste.send_keys(&license).await.unwrap();
    b.click("[data-testid=install-button]").await;
    b.wait_for("[data-testid=license-badge][data-state=active]").await;
    assert_eq!(b.text("license-badge").await, "Active");
    assert!(b.text("customer").await.contains("Acme"));
    // The first install hands back the owner token, shown once and kept for this tab.
    let token = b.text("owner-token-value").await;
    assert!(!token.is_empty());
    let stored = b
        .client
        .execute("return sessionStorage.getItem('licet.token')", vec![])
        .await
        .unwrap();
    assert_eq!(stored, json!(token));

    b.close().await;
}

/// Issue #14: pasting a license that would leave the install worse off shows what it takes away and installs it
/// only once the operator confirms; cancelling keeps the license in force.
#[tokio::test]
async fn a_worse_license_asks_for_confirmation_with_the_list() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start().await else { return };
    let t = Local::start("honeyframe").await;
    let s = &t.server;
    let first = json_of(s.install(&t.vendor.license("Acme", 1, START)).await, 200).await;
    let owner = owner_token(&first);
    // Issued in 2000 for a year: correctly signed, long expired.
    let expired = t.vendor.sign(
        &t.vendor.claims("Acme", 2, licet_core::UnixTime(946_684_800), 365),
        Encoding::Compact,
    );
    b.client.goto(&s.url("/settings/license")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=active]").await;
    b.type_into("[data-testid=token-input]", &owner).await;
    let paste = b
        .client
        .find(Locator::Css("[data-testid=license-paste]"))
        .await
        .unwrap();

    paste.send_keys(&expired).await.unwrap();
    b.click("[data-testid=install-button]").await;
    b.wait_for("[data-testid=ack-dialog][open]").await;
    assert_eq!(b.text("ack-changes").await, "state active → expired");
    assert!(b.text("ack-message").await.contains("worse off"));
    b.click("[data-testid=ack-cancel]").await;
    b.wait_for("[data-testid=error][data-code=not_acknowledged]").await;
    assert_eq!(s.status().await["state"], "active", "cancelling changes nothing");
    assert_eq!(b.text("license-badge").await, "Active");

    b.click("[data-testid=install-button]").await;
    b.wait_for("[data-testid=ack-dialog][open]").await;
    b.click("[data-testid=ack-confirm]").await;
    b.wait_for("[data-testid=license-badge][data-state=expired]").await;
    assert_eq!(s.status().await["state"], "expired");
    assert!(
        b.appears("//tr[@data-action='license.install']/td[contains(., 'state active → expired')]")
            .await,
        "the acknowledged install is audited with the list"
    );
    assert!(
        b.appears("//tr[@data-action='license.rejected']/td[contains(., 'license_change_needs_ack')]")
            .await,
        "the refused attempts are audited too"
    );
    b.close().await;
}

#[tokio::test]
async fn import_an_offline_file_with_a_reason_and_see_it_audited() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start().await else { return };
    let t = Local::start("sovereign").await;
    let s = &t.server;
    let claims = TestVendor::with_org(
        t.vendor.claims("Acme", 4, START, 365),
        "engineering",
        START.plus_days(120),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme-offline.lic");
    std::fs::write(&file, t.vendor.sign(&claims, Encoding::Armored)).unwrap();
    t.service.set_usage("users", 12);

    b.client.goto(&s.url("/")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=missing]").await;
    b.type_into("[data-testid=import-file]", &file.display().to_string())
        .await;

    // No reason: refused in words.
    b.click("[data-testid=import-button]").await;
    b.wait_for("[data-testid=error][data-code=reason_required]").await;

    let reason = "air-gapped activation, ticket 4711";
    b.type_into("[data-testid=import-reason]", reason).await;
    b.click("[data-testid=import-button]").await;
    b.wait_for("[data-testid=license-badge][data-state=active]").await;
    b.wait_for("[data-testid=audit-row][data-action]").await;
    let audit = b.text("audit").await;
    assert!(audit.contains(reason), "{audit}");
    assert!(audit.contains("first-install"), "{audit}");
    assert!(b.text("orgs").await.contains("engineering"));

    screenshot(&b, s.base.as_str()).await;
    b.close().await;
}

/// An org with its own license renews from the page: "Renew now" in its row fetches from the org's renewal URL,
/// and the row shows the new window and the attempt.
#[tokio::test]
async fn renew_one_orgs_own_license_from_its_row() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start().await else { return };
    let t = Local::start("justiam").await;
    let s = &t.server;
    let installed = json_of(s.install(&t.vendor.license("Hooli", 1, START)).await, 200).await;
    let owner = s.with_token(Some(&owner_token(&installed)));
    let (answer, url) = renewal_endpoint().await;
    let own = |sequence, days| {
        let claims = TestVendor::with_renewal(t.vendor.claims("Ops Co", sequence, START, days), &url);
        t.vendor.sign(&claims, Encoding::Compact)
    };
    assert_eq!(owner.put_org("ops", &own(1, 30)).await.status(), 200);
    *answer.lock().unwrap() = own(2, 365);

    b.client.goto(&s.url("/settings/license")).await.unwrap();
    // The page acts with the token kept for this tab, as after a first install.
    b.client
        .execute(
            "sessionStorage.setItem('licet.token', arguments[0]); location.reload()",
            vec![json!(owner.token.clone().unwrap())],
        )
        .await
        .unwrap();
    let row = "#orgs-body tr[data-org=ops]";
    b.wait_for(&format!("{row} [data-testid=org-refresh]")).await;
    let before = b.text_of(row).await;
    assert!(before.contains("2025-07-15"), "30 days from START: {before}");
    b.click(&format!("{row} [data-testid=org-refresh]")).await;
    b.wait_for("[data-testid=notice]:not([hidden])").await;
    assert!(
        b.text("notice").await.contains("Organization ops renewed"),
        "{}",
        b.text("notice").await
    );
    for _ in 0..50 {
        if b.text_of(row).await.contains("ok: renewed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let text = b.text_of(row).await;
    assert!(text.contains("ok: renewed") && text.contains("2026-06-15"), "{text}");
    b.close().await;
}

/// The page as the operator sees it after an import; `docs/license-page.png` when asked to update it.
async fn screenshot(b: &Browser, _base: &str) {
    b.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    let png = b.client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let target = if std::env::var("LICET_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/license-page.png")
    } else {
        std::env::temp_dir().join("licet-license-page.png")
    };
    std::fs::write(&target, png).unwrap();
}

#[tokio::test]
async fn activation_pending_screen() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start().await else { return };
    let service = std::sync::Arc::new(crate::support::memory::MemoryService::activation_pending());
    let s = TestServer::start(service, licet_server::ServerOptions::default()).await;
    b.client.goto(&s.url("/")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=activation_pending]")
        .await;
    let pending = b
        .client
        .find(Locator::Css("[data-testid=activation-pending]"))
        .await
        .unwrap();
    assert!(pending.is_displayed().await.unwrap());
    assert!(b.text("license-message").await.contains("waiting for activation"));
    assert!(b.text("fingerprint").await.starts_with("LICET-FP-"));
    b.close().await;
}
