//! Crash safety: a child process installs licenses into a SQLite file as fast as it can and is SIGKILLed at a
//! random moment; afterwards the store must hold the old license or the new one, never neither, with history,
//! high-water marks and the audit chain agreeing.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use licet_store::{Scope, SqliteStore, Store};
use rand::Rng;

use crate::suite::license;

const CHILD_DB: &str = "LICET_STORE_CRASH_DB";
const CHILD_LOG: &str = "LICET_STORE_CRASH_LOG";
const ROUNDS: usize = 25;

fn scope_for(n: i64) -> Scope {
    if n % 2 == 0 {
        Scope::Instance
    } else {
        Scope::org("acme").unwrap()
    }
}

/// Run by `installs_survive_sigkill` in a child process; does nothing when run as a normal test.
#[tokio::test]
#[ignore = "helper: run as a child process by installs_survive_sigkill"]
async fn child_installs_until_killed() {
    let (Ok(db), Ok(log)) = (std::env::var(CHILD_DB), std::env::var(CHILD_LOG)) else {
        return;
    };
    let store = SqliteStore::open(Path::new(&db)).await.unwrap();
    let mut log = std::fs::OpenOptions::new().append(true).create(true).open(log).unwrap();
    for n in 1_i64.. {
        // Logged before the attempt, so every committed install is in the log.
        writeln!(log, "{n}").unwrap();
        store
            .install_license(license(scope_for(n), &format!("crash-{n}"), "cust", n, 1000 + n))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_survive_sigkill() {
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();
    let mut committed_total = 0;
    let mut killed_mid_install = 0;
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("licet.db");
        let log = dir.path().join("attempts.log");
        {
            let store = SqliteStore::open(&db).await.unwrap();
            store
                .install_license(license(Scope::Instance, "init-0", "cust", 0, 1000))
                .await
                .unwrap();
            store
                .install_license(license(Scope::org("acme").unwrap(), "init-1", "cust", 0, 1000))
                .await
                .unwrap();
            store.close().await;
        }
        let mut child = Command::new(&exe)
            .args([
                "crash::child_installs_until_killed",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &db)
            .env(CHILD_LOG, &log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill after a random number of attempts plus a random sub-millisecond-to-few-ms delay, so the kill lands
        // at a different point of the transaction each round.
        let wait_for = rng.gen_range(1..40);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let attempts = std::fs::read_to_string(&log).map(|s| s.lines().count()).unwrap_or(0);
            if attempts >= wait_for {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "child exited early in round {round}"
            );
            assert!(Instant::now() < deadline, "child made no progress in round {round}");
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..3000)));
        child.kill().unwrap();
        child.wait().unwrap();

        let attempted: i64 = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        let store = SqliteStore::open(&db).await.unwrap();
        let committed = check_consistent(&store, attempted).await;
        committed_total += committed;
        // The child logs attempt n before starting it: fewer commits than attempts means the kill hit an install.
        if (committed as i64) < attempted {
            killed_mid_install += 1;
        }
        // Still writable after the crash.
        store
            .install_license(license(Scope::Instance, "after", "cust", attempted + 1, 5000))
            .await
            .unwrap();
        assert_eq!(
            store.verify_audit_chain().await.unwrap() as usize,
            store.license_history(None, None, 1000).await.unwrap().len()
        );
        store.close().await;
    }
    assert!(
        committed_total > 0,
        "no round committed anything: the test did not exercise the store"
    );
    assert!(
        killed_mid_install > 0,
        "no kill landed during an install: the test did not exercise a crash"
    );
    eprintln!(
        "crash test: {ROUNDS} rounds, {killed_mid_install} killed mid-install, {committed_total} installs committed"
    );
}

/// Returns the number of child installs that committed.
async fn check_consistent(store: &SqliteStore, attempted: i64) -> usize {
    let history = store.license_history(None, None, 1000).await.unwrap();
    let audit_count = store
        .verify_audit_chain()
        .await
        .expect("audit chain broken after a crash");
    assert_eq!(audit_count as usize, history.len(), "one audit entry per install");
    for scope in [Scope::Instance, Scope::org("acme").unwrap()] {
        let current = store
            .current_license(&scope)
            .await
            .unwrap()
            .expect("a crash left no current license");
        let scoped: Vec<_> = history.iter().filter(|r| r.scope == scope).collect();
        assert_eq!(
            scoped[0], &current,
            "newest history entry of {scope} is not the current license"
        );
        assert!(scoped[1..]
            .iter()
            .all(|r| r.replaced_by.is_some() && r.cleared_at.is_none()));
        assert!(current.token.starts_with("init-") || current.token.starts_with("crash-"));
        if let Some(n) = current.token.strip_prefix("crash-") {
            let n: i64 = n.parse().unwrap();
            assert!(
                n <= attempted,
                "current license {n} was never attempted (last attempt {attempted})"
            );
            assert_eq!(scope_for(n), scope);
        }
    }
    for scope in [Scope::Instance, scope_for(1), scope_for(2)] {
        let max_seq = history
            .iter()
            .filter(|r| r.scope == scope)
            .filter_map(|r| r.sequence)
            .max();
        let marks = store.high_water_marks(Some(("cust", &scope))).await.unwrap();
        assert_eq!(marks.sequence, max_seq, "{scope}");
    }
    let latest = history.iter().map(|r| r.installed_at).max();
    assert_eq!(store.high_water_marks(None).await.unwrap().latest_seen, latest);
    history.len() - 2
}
