//! The framework log, captured: alone in its own test binary, so that no other test's thread races the
//! tracing subscriber this one installs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::{Arc, Mutex};

use seed_testkit::http::get;
use seed_testkit::{Seed, Vendor, T0};

#[path = "it/world.rs"]
mod world;
use world::World;

/// What the framework writes to its log, captured for one test (the tests run on one thread each).
struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    fn start() -> (LogCapture, tracing::subscriber::DefaultGuard) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        (LogCapture(buf), tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The manual's license, exactly its claims table (iss, sub, exp, aud, connectors; nothing else), RS256-signed
/// by `jsonwebtoken`, set as `LIBERTY_LICENSE_KEY`; then the manual's diagnostics, each in its own words.
#[tokio::test]
async fn the_manuals_own_license_is_accepted_unchanged_and_the_log_says_so() {
    let (log, _guard) = LogCapture::start();
    let w = World::new().await;
    let manual = serde_json::json!({
        "iss": Seed::Liberty.issuer(), "sub": "ACME Corp", "exp": T0.plus_days(365).0,
        "aud": Seed::Liberty.audience(), "connectors": ["nomasx1", "nomajde", "nomaubl"]
    });
    w.set_env(&Vendor::new(Seed::Liberty).unwrap().sign(&manual).unwrap());
    let app = w.start().await;
    let router = app.router();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(lic["valid"], true, "{lic}");
    assert_eq!(lic["subject"], "ACME Corp");
    assert_eq!(lic["connectors"], serde_json::json!(["nomajde", "nomasx1", "nomaubl"]));
    assert!(
        log.text().contains("Loaded licensed connector nomasx1"),
        "{}",
        log.text()
    );

    // "Framework log shows License signature invalid."
    let forged = Vendor::impostor(Seed::Liberty).unwrap().sign(&manual).unwrap();
    w.set_env(&forged);
    app.reload().await.unwrap();
    assert!(log.text().contains("License signature invalid"), "{}", log.text());
    assert_eq!(
        get(&router, "/api/license").await.1["valid"],
        true,
        "a broken source keeps the license in force"
    );
    // "Framework log shows License expired."
    w.set_env(&Vendor::new(Seed::Liberty).unwrap().sign(&manual).unwrap());
    w.clock.set(T0.plus_days(366));
    app.reload().await.unwrap();
    assert!(log.text().contains("License expired"), "{}", log.text());
    assert!(log
        .text()
        .contains("Skipping licensed connector nomasx1 — no valid license"));
    assert_eq!(get(&router, "/api/license").await.1["reason"], "expired");
}
