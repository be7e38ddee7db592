//! Headless Chromium over WebDriver for licet's page tests: chromedriver is started here on a free loopback port
//! and fantoccini drives it. Test support only (see README.md).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them a test fails with a
//! message saying so, unless `LICET_SKIP_BROWSER_TESTS=1`, in which case [`Browser::start`] answers `None`.

// A test helper: a failed expectation here is a failed test, so it panics with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub use fantoccini;

/// How long a wait lasts before the test fails; generous, for a loaded two-core CI machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// One browser at a time per test binary: the CI machine has two cores.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Hold the guard for the whole test.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    BROWSER.lock().await
}

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

pub struct Browser {
    pub client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    downloads: Option<tempfile::TempDir>,
}

impl Browser {
    /// A fresh headless Chromium, or `None` when `LICET_SKIP_BROWSER_TESTS=1`.
    pub async fn start() -> Option<Browser> {
        Self::launch(false).await
    }

    /// As [`Browser::start`], with downloads saved without asking into a directory of their own
    /// ([`Browser::download_dir`]).
    pub async fn start_with_downloads() -> Option<Browser> {
        Self::launch(true).await
    }

    async fn launch(with_downloads: bool) -> Option<Browser> {
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
        let mut options = serde_json::Map::new();
        options.insert("args".to_owned(), json!(args));
        options.insert("binary".to_owned(), json!(chromium.display().to_string()));
        let downloads = with_downloads.then(|| tempfile::tempdir().unwrap());
        if let Some(dir) = &downloads {
            // Saved without a prompt, into a directory of the test's own.
            let prefs = json!({
                "download.default_directory": dir.path().display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
            });
            options.insert("prefs".to_owned(), prefs);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".to_owned(), serde_json::Value::Object(options));
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
                        downloads,
                    })
                }
                Err(e) => last_err = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver on port {port} did not start a session: {last_err}");
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }

    /// The text of the element whose `data-testid` is `testid`.
    pub async fn text(&self, testid: &str) -> String {
        self.text_of(&format!("[data-testid={testid}]")).await
    }

    /// The text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until an element matches `xpath` (for conditions on text, which CSS cannot express); false when none
    /// did within [`WAIT`], so that the caller can say what the page showed instead.
    pub async fn appears(&self, xpath: &str) -> bool {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .is_ok()
    }

    /// Waits until an element matches `css`.
    pub async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"));
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Types `text` into the first element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Where downloads land; only for a browser from [`Browser::start_with_downloads`].
    pub fn download_dir(&self) -> &Path {
        self.downloads
            .as_ref()
            .expect("a browser started with start_with_downloads")
            .path()
    }

    /// Waits until the download named `name` is complete (Chromium writes `*.crdownload` first, then renames) and
    /// returns its bytes.
    pub async fn wait_for_download(&self, name: &str) -> Vec<u8> {
        let path = self.download_dir().join(name);
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(bytes) = std::fs::read(&path) {
                if !bytes.is_empty() {
                    return bytes;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let present: Vec<_> = std::fs::read_dir(self.download_dir())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        panic!("download {name} did not arrive within {WAIT:?}; the directory holds {present:?}");
    }
}
