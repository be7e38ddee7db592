//! The page in headless Chromium, driven over WebDriver (fantoccini ↔ chromedriver started here on a free port).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them these tests fail with a
//! message saying so, unless `LICET_SKIP_BROWSER_TESTS=1`. `LICET_UPDATE_SCREENSHOT=1` rewrites
//! `docs/license-page.png` (see `scripts/screenshot.sh`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use licet_core::Encoding;
use licet_server::testkit::{Local, TestServer, TestVendor, START};

/// One browser at a time: the CI machine has two cores.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const WAIT: Duration = Duration::from_secs(20);

fn skip() -> bool {
    std::env::var("LICET_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1")
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

struct Browser {
    client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Option<Browser> {
        if skip() {
            eprintln!("LICET_SKIP_BROWSER_TESTS=1: skipping browser test");
            return None;
        }
        let driver_bin = find_program(&["chromedriver"]).unwrap_or_else(|| {
            panic!(
                "chromedriver not found on PATH. Install Debian's browser test dependencies \
                 (`sudo apt-get install -y chromium chromium-driver`, as .ci/run does) \
                 or set LICET_SKIP_BROWSER_TESTS=1 to skip the browser tests."
            )
        });
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]).unwrap_or_else(|| {
            panic!(
                "chromium not found on PATH. Install it (`sudo apt-get install -y chromium chromium-driver`) \
                 or set LICET_SKIP_BROWSER_TESTS=1 to skip the browser tests."
            )
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = tokio::process::Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1100,1900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({"args": args, "binary": chromium.display().to_string()}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        // chromedriver needs a moment to listen, longer on a loaded CI machine: up to 30 s.
        for _ in 0..300 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    })
                }
                Err(e) => last_err = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver on port {port} did not start a session: {last_err}");
    }

    async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }

    /// The element with `data-testid` = `testid`.
    async fn find(&self, testid: &str) -> Element {
        self.client
            .find(Locator::Css(&format!("[data-testid={testid}]")))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={testid}]: {e}"))
    }

    async fn text(&self, testid: &str) -> String {
        self.find(testid).await.text().await.unwrap()
    }

    async fn click(&self, testid: &str) {
        self.find(testid).await.click().await.unwrap();
    }

    async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"));
    }
}

#[tokio::test]
async fn paste_a_license_and_the_badge_turns_active() {
    let _one = BROWSER.lock().await;
    let Some(b) = Browser::start().await else { return };
    // Honeyframe takes pasted licenses (sovereign only audited imports, see `sources.rs`).
    let t = Local::start("honeyframe").await;
    let s = &t.server;
    b.client.goto(&s.url("/settings/license")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=missing]").await;
    assert_eq!(b.text("license-badge").await, "No license");

    // A bad paste shows the server's sentence, and changes nothing.
    let paste = b.find("license-paste").await;
    let license = t.vendor.license("Acme", 1, START);
    let forged = TestVendor::tamper(&license);
    paste.send_keys(&forged).await.unwrap();
    b.click("install-button").await;
    b.wait_for("[data-testid=error][data-code=license_bad_signature]").await;
    assert!(b.text("error").await.contains("signature does not match"));
    assert_eq!(b.text("license-badge").await, "No license");

    paste.clear().await.unwrap();
    paste.send_keys(&license).await.unwrap();
    b.click("install-button").await;
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

#[tokio::test]
async fn import_an_offline_file_with_a_reason_and_see_it_audited() {
    let _one = BROWSER.lock().await;
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
    b.find("import-file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();

    // No reason: refused in words.
    b.click("import-button").await;
    b.wait_for("[data-testid=error][data-code=reason_required]").await;

    let reason = "air-gapped activation, ticket 4711";
    b.find("import-reason").await.send_keys(reason).await.unwrap();
    b.click("import-button").await;
    b.wait_for("[data-testid=license-badge][data-state=active]").await;
    b.wait_for("[data-testid=audit-row][data-action]").await;
    let audit = b.text("audit").await;
    assert!(audit.contains(reason), "{audit}");
    assert!(audit.contains("first-install"), "{audit}");
    assert!(b.text("orgs").await.contains("engineering"));

    screenshot(&b, s.base.as_str()).await;
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
    let _one = BROWSER.lock().await;
    let Some(b) = Browser::start().await else { return };
    let service = std::sync::Arc::new(crate::support::memory::MemoryService::activation_pending());
    let s = TestServer::start(service, licet_server::ServerOptions::default()).await;
    b.client.goto(&s.url("/")).await.unwrap();
    b.wait_for("[data-testid=license-badge][data-state=activation_pending]")
        .await;
    assert!(b.find("activation-pending").await.is_displayed().await.unwrap());
    assert!(b.text("license-message").await.contains("waiting for activation"));
    assert!(b.text("fingerprint").await.starts_with("LICET-FP-"));
    b.close().await;
}
