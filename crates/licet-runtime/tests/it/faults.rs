//! Faults: the database goes away and comes back; the license file on disk is corrupted. The runtime must keep
//! answering from the last status it published, recover by itself, and never fail to start because of bad bytes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use licet_core::policy::{Source, Sources};
use licet_core::{Reason, State};
use licet_runtime::Runtime;
use licet_store::{PgStore, Scope, Store, StoreOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::common::{policy, World};

/// A TCP proxy in front of PostgreSQL that a test can cut (every connection dropped, port closed) and restore on
/// the same port: the database "stops" and "comes back" without touching the real server.
struct Proxy {
    addr: SocketAddr,
    upstream: String,
    tasks: Option<JoinSet<()>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream,
            tasks: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                conns.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            // Aborting this task drops `conns`, which aborts (and closes) every proxied connection.
        });
        self.tasks = Some(tasks);
    }

    /// The database stops: the port refuses connections and open ones are cut.
    async fn cut(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.shutdown().await;
        }
    }

    /// The database comes back on the same address.
    async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

/// `postgres://user@host:port/db` → (`host:port`, the URL with the proxy's address instead).
fn via_proxy(url: &str, proxy: SocketAddr) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, hostpart) = rest.rsplit_once('@').map_or(("", rest), |(u, h)| (u, h));
    let (authority, tail) = hostpart.split_once('/').map_or((hostpart, ""), |(a, t)| (a, t));
    let authority = authority.split_once('?').map_or(authority, |(a, _)| a);
    let upstream = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:5432")
    };
    let at = if userinfo.is_empty() {
        String::new()
    } else {
        format!("{userinfo}@")
    };
    (upstream, format!("{scheme}://{at}{proxy}/{tail}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stops_and_comes_back() {
    let Ok(url) = std::env::var("LICET_TEST_DATABASE_URL") else {
        eprintln!("note: LICET_TEST_DATABASE_URL unset; skipping the PostgreSQL fault test");
        return;
    };
    let schema = format!("licet_fault_{}", uuid::Uuid::new_v4().simple());
    let admin = match sqlx::PgPool::connect(&url).await {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("note: PostgreSQL at LICET_TEST_DATABASE_URL unreachable ({e}); skipping");
            return;
        }
    };
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();

    let (upstream, _) = via_proxy(&url, "127.0.0.1:1".parse().unwrap());
    let mut proxy = Proxy::start(upstream).await;
    let (_, proxied) = via_proxy(&url, proxy.addr);
    // A short acquire timeout (the default is `POSTGRES_ACQUIRE_TIMEOUT`) so that the outage shows quickly.
    let settings = StoreOptions::default().acquire_timeout(Duration::from_secs(1));
    let opts = licet_store::connect::postgres_url(&proxied, Some(&schema)).unwrap();
    let store: Arc<dyn Store> = Arc::new(PgStore::open_with_options(opts, &settings).await.unwrap());
    let world = World::new().await;
    let runtime = Runtime::builder(policy(), world.vendor.verifier(), store)
        .clock(Arc::new(world.clock.clone()))
        .env(Arc::new(|_| None))
        .build()
        .await
        .unwrap();
    let token = world.token(365, 1);
    runtime
        .install(token.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let installed = runtime
        .snapshot()
        .instance
        .license
        .clone()
        .map(|l| l.fingerprint().to_owned());
    assert_eq!(runtime.snapshot().instance.status.state, State::Active);

    proxy.cut().await;
    // Reads never touch the store: the product keeps working on the last published status.
    world.clock.advance(Duration::from_secs(3600));
    // Failing, not hanging, with a code a product can act on.
    let reload = tokio::time::timeout(Duration::from_secs(40), runtime.reload()).await;
    match reload {
        Ok(Err(e)) => assert_eq!(e.code(), "store_unavailable", "{e}"),
        Ok(Ok(_)) => panic!("a reload cannot succeed while the database is down"),
        Err(_) => panic!("a reload hung while the database is down"),
    }
    let during = runtime.snapshot();
    assert_eq!(
        during.instance.status.state,
        State::Active,
        "the last known status is kept"
    );
    assert_eq!(
        during.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
        installed
    );
    // A write fails with an error, not a panic and not a half-installed license.
    let second = world.token(365, 2);
    let refused = tokio::time::timeout(
        Duration::from_secs(40),
        runtime.install(second.as_bytes(), "owner", None, Scope::Instance),
    )
    .await;
    match refused {
        Ok(Err(e)) => assert_eq!(e.code(), "store_unavailable", "{e}"),
        Ok(Ok(_)) => panic!("an install cannot succeed while the database is down"),
        Err(_) => panic!("an install hung while the database is down"),
    }
    assert_eq!(runtime.snapshot().instance.status.state, State::Active);

    proxy.restore().await;
    let mut recovered = None;
    for _ in 0..60 {
        if let Ok(Ok(snapshot)) = tokio::time::timeout(Duration::from_secs(20), runtime.reload()).await {
            recovered = Some(snapshot);
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let recovered = recovered.expect("the runtime never recovered after the database came back");
    assert_eq!(recovered.instance.status.state, State::Active);
    assert_eq!(
        recovered.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
        installed
    );
    // And writes work again.
    runtime
        .install(second.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(
        runtime.snapshot().instance.status.license.as_ref().map(|l| l.sequence),
        Some(2)
    );

    drop(runtime);
    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&admin)
        .await;
}

/// A profile whose license lives in a file only (nivq-like, but the file is the source, not a seed).
fn file_policy() -> licet_core::Policy {
    licet_core::Policy {
        sources: Sources {
            order: std::borrow::Cow::Borrowed(&[Source::File]),
            env_var: None,
            config_key: None,
            file: None,
            file_seeds_store_once: false,
            upload: false,
            offline_import: false,
            renewal: false,
        },
        ..policy()
    }
}

/// nivq's arrangement: the file only seeds the store, which is the truth from then on.
fn seed_policy() -> licet_core::Policy {
    licet_core::Policy {
        sources: Sources {
            order: std::borrow::Cow::Borrowed(&[Source::Store, Source::File]),
            file_seeds_store_once: true,
            ..file_policy().sources
        },
        ..policy()
    }
}

async fn file_runtime(world: &World, path: &std::path::Path, policy: licet_core::Policy) -> Result<Runtime, String> {
    Runtime::builder(policy, world.vendor.verifier(), world.store.clone())
        .clock(Arc::new(world.clock.clone()))
        .env(Arc::new(|_| None))
        .license_file(path)
        .build()
        .await
        .map_err(|e| e.to_string())
}

const BINARY: (&str, &[u8]) = ("binary", b"\x00\xff\xfe\x89PNG\r\n\x1a\n\xc0\xaf");
const CORRUPTIONS: [(&str, &[u8]); 4] = [
    ("truncated", b"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ"),
    ("text", b"this is not a license\n"),
    ("empty", b""),
    BINARY,
];

#[tokio::test]
async fn corrupt_license_file_at_start_is_a_clear_reason_not_a_crash_loop() {
    start_with_corrupt_files(&CORRUPTIONS[..3]).await;
}

/// A license file that is not UTF-8 once made `Runtime::build` fail with `config_error` ("stream did not contain
/// valid UTF-8"), so a product restarted by its supervisor failed again on every start.
#[tokio::test]
async fn non_utf8_license_file_at_start_does_not_stop_the_start() {
    start_with_corrupt_files(&[BINARY]).await;
}

async fn start_with_corrupt_files(cases: &[(&str, &[u8])]) {
    for &(name, bytes) in cases {
        let world = World::new().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("license.jwt");
        std::fs::write(&path, bytes).unwrap();
        let runtime = file_runtime(&world, &path, file_policy()).await;
        let runtime = runtime.unwrap_or_else(|e| panic!("{name}: a corrupt license file stops the start: {e}"));
        let snap = runtime.snapshot_full();
        let status = &snap.instance.status;
        if bytes.is_empty() {
            // An empty file holds no license, like an absent one: nothing to report but the missing license.
            assert_eq!(status.reason, Some(Reason::ActivationPending), "{name}");
            assert_eq!(snap.source_error, None, "{name}");
        } else {
            // No license was in force, so the problem is the state.
            assert_eq!(
                (status.state, status.reason),
                (State::Invalid, Some(Reason::LicenseMalformed)),
                "{name}: {}",
                status.sentence
            );
            let problem = snap.source_error.as_ref().unwrap();
            assert_eq!(
                (problem.source, problem.code),
                (Source::File, "license_malformed"),
                "{name}"
            );
            assert!(problem.message.contains("license.jwt"), "{name}: {}", problem.message);
        }
        // The operator fixes the file; a reload picks it up and the problem is gone.
        std::fs::write(&path, world.token(365, 1)).unwrap();
        let fixed = runtime.reload().await.unwrap();
        assert_eq!(fixed.instance.status.state, State::Active, "{name}");
        assert_eq!(fixed.source_error, None, "{name}");
    }
}

/// Issue #8: a corrupt license file on disk → a clear reason, the previous license kept, never a crash loop.
#[tokio::test]
async fn corrupt_license_file_after_start_keeps_the_verified_license_and_says_why() {
    for (name, bytes) in CORRUPTIONS {
        let world = World::new().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("license.jwt");
        std::fs::write(&path, world.token(365, 1)).unwrap();
        let runtime = file_runtime(&world, &path, file_policy()).await.unwrap();
        let good = runtime.snapshot_full();
        assert_eq!(good.instance.status.state, State::Active);
        std::fs::write(&path, bytes).unwrap();
        // Never an Err that a product would turn into a restart, never a panic.
        let after = runtime.reload().await;
        let after = after.unwrap_or_else(|e| panic!("{name}: reload failed: {e}"));
        if bytes.is_empty() {
            // Emptying the file removes the license, as deleting it would.
            assert_eq!(after.instance.status.reason, Some(Reason::ActivationPending), "{name}");
            assert_eq!(after.source_error, None, "{name}");
            continue;
        }
        assert_eq!(
            after.instance.status.state,
            State::Active,
            "{name}: the verified license is kept"
        );
        assert_eq!(after.instance.source, Some(Source::File), "{name}");
        assert_eq!(
            after.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
            good.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
            "{name}"
        );
        let problem = after.source_error.clone().unwrap();
        assert_eq!(
            (problem.source, problem.code),
            (Source::File, "license_malformed"),
            "{name}"
        );
        // A timer re-evaluation neither drops the license nor forgets the problem.
        world.clock.advance(Duration::from_secs(86_400));
        let later = runtime.reevaluate().await.unwrap();
        assert_eq!(later.instance.status.state, State::Active, "{name}");
        assert_eq!(later.source_error.as_ref(), Some(&problem), "{name}");
        // Fixed: the problem clears.
        std::fs::write(&path, world.token(365, 2)).unwrap();
        let fixed = runtime.reload().await.unwrap();
        assert_eq!(fixed.source_error, None, "{name}");
        assert_eq!(fixed.instance.status.license.as_ref().map(|l| l.sequence), Some(2));
    }
}

/// The same rule for a file that cannot be read at all (here: a directory where the file should be).
#[tokio::test]
async fn unreadable_license_file_keeps_the_verified_license_or_is_invalid_at_start() {
    let world = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("license.jwt");
    std::fs::create_dir(&path).unwrap();
    let runtime = file_runtime(&world, &path, file_policy()).await.unwrap();
    let snap = runtime.snapshot_full();
    assert_eq!(
        (snap.instance.status.state, snap.instance.status.reason),
        (State::Invalid, Some(Reason::LicenseInvalid))
    );
    assert_eq!(snap.source_error.as_ref().map(|p| p.code), Some("config_error"));
    std::fs::remove_dir(&path).unwrap();
    std::fs::write(&path, world.token(365, 1)).unwrap();
    assert_eq!(runtime.reload().await.unwrap().instance.status.state, State::Active);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let after = runtime.reload().await.unwrap();
    assert_eq!(after.instance.status.state, State::Active);
    let problem = after.source_error.clone().unwrap();
    assert_eq!(problem.code, "config_error");
    assert!(problem.message.contains("cannot read"), "{}", problem.message);
}

/// With the file as a seed (nivq), the verified license lives in the store: corrupting the file afterwards changes
/// nothing, at start or on reload.
#[tokio::test]
async fn corrupt_seed_file_keeps_the_stored_license() {
    let seeded = seed_policy();
    for (name, bytes) in CORRUPTIONS {
        let world = World::new().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("license.jwt");
        std::fs::write(&path, world.token(365, 1)).unwrap();
        let first = file_runtime(&world, &path, seeded.clone()).await.unwrap();
        let fingerprint = first
            .snapshot()
            .instance
            .license
            .as_ref()
            .map(|l| l.fingerprint().to_owned());
        assert_eq!(first.snapshot().instance.status.state, State::Active, "{name}");
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            first.reload().await.unwrap().instance.status.state,
            State::Active,
            "{name}"
        );
        drop(first);
        let restarted = file_runtime(&world, &path, seeded.clone()).await;
        let restarted = restarted.unwrap_or_else(|e| panic!("{name}: restart with a corrupt seed file failed: {e}"));
        let snap = restarted.snapshot();
        assert_eq!(snap.instance.status.state, State::Active, "{name}");
        assert_eq!(
            snap.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
            fingerprint,
            "{name}"
        );
    }
}

/// A corrupt seed file on a first start: the store stays empty (the file is tried again next start) and the
/// snapshot says why, until a license is installed.
#[tokio::test]
async fn corrupt_seed_file_on_first_start_is_reported_until_a_license_is_installed() {
    let seeded = seed_policy();
    for (name, bytes) in [CORRUPTIONS[1], BINARY] {
        let world = World::new().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("license.jwt");
        std::fs::write(&path, bytes).unwrap();
        let runtime = file_runtime(&world, &path, seeded.clone()).await;
        let runtime = runtime.unwrap_or_else(|e| panic!("{name}: a corrupt seed file stops the start: {e}"));
        let snap = runtime.snapshot_full();
        assert_eq!(snap.instance.status.reason, Some(Reason::ActivationPending), "{name}");
        let problem = snap.source_error.clone().unwrap();
        assert_eq!(
            (problem.source, problem.code),
            (Source::File, "license_malformed"),
            "{name}"
        );
        let seeded_setting = world.store.get_setting(licet_runtime::SEED_SETTING).await.unwrap();
        assert!(seeded_setting.is_none(), "{name}: not recorded as seeded");
        let snap = runtime
            .install(world.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
            .await
            .unwrap();
        assert_eq!(snap.instance.status.state, State::Active, "{name}");
        assert_eq!(snap.source_error, None, "{name}");
    }
}

/// While the store cannot be reached (here: its pool closed), installs and reloads fail at once with
/// `store_unavailable`, and time still moves: the timer re-evaluates the license it holds on the marks it last
/// read, so a license that reaches its warning window during the outage says so on time.
#[tokio::test]
async fn store_outage_fails_changes_with_a_code_and_the_timer_goes_on() {
    let world = World::new().await;
    let runtime = world.runtime().await;
    let snap = runtime
        .install(world.token(60, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(snap.instance.status.state, State::Active);
    let installed = snap.instance.license.as_ref().map(|l| l.fingerprint().to_owned());
    world.store.close().await;
    let reload = runtime.reload().await.unwrap_err();
    assert_eq!(reload.code(), "store_unavailable", "{reload}");
    let second = world.token(365, 2);
    let install = runtime
        .install(second.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap_err();
    assert_eq!(install.code(), "store_unavailable", "{install}");
    // nivq warns 30 days before the end: 40 days into a 60-day license the timer must say so, store or not.
    world.clock.advance(Duration::from_secs(40 * 86_400));
    let mut state = runtime.snapshot().instance.status.state;
    for _ in 0..200 {
        if state == State::ExpiringSoon {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        state = runtime.snapshot().instance.status.state;
    }
    assert_eq!(state, State::ExpiringSoon);
    let snap = runtime.snapshot();
    assert_eq!(
        snap.instance.license.as_ref().map(|l| l.fingerprint().to_owned()),
        installed
    );
    assert_eq!(snap.instance.status.license.as_ref().map(|l| l.sequence), Some(1));
}
