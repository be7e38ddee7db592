//! The vendor console in headless Chromium (`licet-browser-test`: fantoccini ↔ chromedriver on a free port), against
//! the real router on a loopback port: sign in, see customers and installs with their license state, issue and renew
//! from the page, download a license file and verify it with the vendor's public key.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them), or `LICET_SKIP_BROWSER_TESTS=1`.

use ed25519_dalek::pkcs8::EncodePublicKey;
use licet_browser_test::{one_at_a_time, Browser};
use licet_core::{Keyring, TrustedKey, Verifier};
use serde_json::json;

use crate::env::{dearmor_license, Backend, Env, ADMIN};

/// The vendor's router on a free loopback port; the server task ends with the test's runtime.
async fn serve(env: &Env) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = licet_vendor::router(env.vendor.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// The text of the cell `testid` in the row of install `id`.
async fn install_cell(b: &Browser, id: &str, testid: &str) -> String {
    b.text_of(&format!("#install-{id} [data-testid={testid}]")).await
}

/// Waits until the status line reads `text` (the page says so after every action).
async fn wait_for_message(b: &Browser, text: &str) {
    if !b
        .appears(&format!("//*[@data-testid='message'][contains(., '{text}')]"))
        .await
    {
        panic!("the page never said {text:?}; it says {:?}", b.text("message").await);
    }
}

/// Waits until the row of install `id` shows license `#sequence` (the table is redrawn after each action).
async fn wait_for_license(b: &Browser, id: &str, sequence: u64) {
    let xpath = format!("//tr[@id='install-{id}']/td[@data-testid='install-license'][starts-with(., '#{sequence} (')]");
    if !b.appears(&xpath).await {
        let shown = install_cell(b, id, "install-license").await;
        panic!("install {id} never showed license #{sequence}: {shown:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_lists_issues_renews_and_downloads_a_verifiable_license() {
    let _one = one_at_a_time().await;
    let Some(b) = Browser::start_with_downloads().await else {
        return;
    };
    let env = Env::new(Backend::Sqlite).await.unwrap();
    let credential = env.seed().await;
    // inst-1: one license, refreshed once by its install. inst-2: registered, nothing issued yet.
    env.admin("POST", "/v1/installs/inst-1/licenses", None).await;
    let r = env.call("GET", "/v1/renew", Some(&credential), None, "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    env.admin(
        "POST",
        "/v1/installs",
        Some(json!({"id": "inst-2", "customer_id": "acme"})),
    )
    .await;
    let base = serve(&env).await;

    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_for("[data-testid=admin-token]").await;
    b.type_into("[data-testid=admin-token]", ADMIN).await;
    b.click("[data-testid=login-button]").await;
    wait_for_message(&b, "1 customers, 2 installs").await;

    // Customers and installs, with each install's license state.
    assert_eq!(
        b.text_of("#customer-acme [data-testid=customer-name]").await,
        "Acme Corp"
    );
    assert_eq!(install_cell(&b, "inst-1", "install-customer").await, "acme");
    assert!(install_cell(&b, "inst-1", "install-license").await.starts_with("#1 ("));
    // T0 is 2025-06-15 15:06:40 UTC; the entitlements grant 365 days.
    assert_eq!(install_cell(&b, "inst-1", "install-expiry").await, "2026-06-15 15:06Z");
    assert_eq!(
        install_cell(&b, "inst-1", "install-last-refresh").await,
        "2025-06-15 15:06Z"
    );
    assert_eq!(install_cell(&b, "inst-2", "install-license").await, "none issued");
    assert_eq!(install_cell(&b, "inst-2", "install-last-refresh").await, "—");

    // Issue from the page: a new sequence, recorded and audited as the admin's.
    b.click("#install-inst-1 [data-testid=issue-button]").await;
    wait_for_message(&b, "Issued license #2 for inst-1").await;
    wait_for_license(&b, "inst-1", 2).await;
    let audit = env
        .admin("GET", "/v1/audit?install_id=inst-1&limit=1", None)
        .await
        .json();
    assert_eq!(
        (audit[0]["action"].as_str(), audit[0]["actor"].as_str()),
        (Some("license.issue"), Some("admin"))
    );

    // Renew: nothing changed, so the latest again; after an entitlement change, a new one.
    b.click("#install-inst-1 [data-testid=renew-button]").await;
    wait_for_message(&b, "Freshest license for inst-1 is #2").await;
    let mut changed = crate::env::entitlements();
    changed["features"] = json!(["audit_export", "scim_sync"]);
    env.admin("PUT", "/v1/installs/inst-1/entitlements", Some(changed))
        .await;
    b.click("#install-inst-1 [data-testid=renew-button]").await;
    wait_for_message(&b, "Freshest license for inst-1 is #3").await;
    wait_for_license(&b, "inst-1", 3).await;

    // Download: the armored file lands on disk and verifies with the vendor's public key (test key k1, seed 1).
    b.click("#install-inst-1 [data-testid=download-button]").await;
    let file = String::from_utf8(b.wait_for_download("license-inst-1.lic").await).unwrap();
    assert!(file.starts_with("-----BEGIN LICENSE-----"), "{file}");
    let public = ed25519_dalek::SigningKey::from_bytes(&[1; 32])
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    let keyring = Keyring::new(vec![
        TrustedKey::from_spki_pem("k1", licet_core::Alg::EdDSA, &public).unwrap()
    ])
    .unwrap();
    let verified = Verifier::new(keyring, "acme-vendor", "justiam")
        .verify(file.as_bytes())
        .expect("the downloaded license verifies with the vendor's public key");
    assert_eq!(verified.claims().lic.sequence, 3);
    assert!(verified.claims().lic.features.iter().any(|f| f == "scim_sync"));
    let latest = env.admin("GET", "/v1/installs/inst-1/licenses/latest/file", None).await;
    assert_eq!(dearmor_license(&file), dearmor_license(&latest.text));

    // An install without a license: the page says why there is nothing to download.
    b.click("#install-inst-2 [data-testid=download-button]").await;
    wait_for_message(&b, "license_not_found").await;

    b.close().await;
}
