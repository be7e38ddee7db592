//! Signed licenses issued per second, end to end (claims, Ed25519 signature, sequence bump, record, audit, commit),
//! on SQLite (synchronous=full, the default, and synchronous=normal) and, when `LICET_TEST_DATABASE_URL` is set, on
//! PostgreSQL.
//!
//! `cargo bench -p licet-vendor --bench issue` (env `LICET_BENCH_LICENSES`, default 20000; `LICET_BENCH_TASKS`,
//! the concurrent callers of the second run, default 32; the first run has one). A throughput figure for
//! docs/performance.md, not a test: it asserts nothing about speed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use ed25519_dalek::pkcs8::EncodePrivateKey;
use licet_core::UnixTime;
use licet_vendor::model::Entitlements;
use licet_vendor::{Db, Keys, Vendor, VendorConfig};

const INSTALLS: usize = 64;

async fn setup(db: Db, dir: &std::path::Path) -> Vendor {
    let config = VendorConfig {
        admin_token: "bench-admin-token-000000".into(),
        ..VendorConfig::default()
    };
    let vendor = Vendor::new(
        db,
        config,
        licet_vendor::clock::fixed_clock(UnixTime(1_750_000_000)),
        Box::new(Keys::default()),
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let path = dir.join("bench-test-only.pem");
    std::fs::write(&path, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
    vendor
        .add_key("bench", &format!("file:{}", path.display()), "bench")
        .await
        .unwrap();
    vendor.activate_key("bench", "bench").await.unwrap();
    let now = vendor.now();
    let customer = licet_vendor::Customer {
        id: "c".into(),
        name: "Bench Co".into(),
        email: None,
        created_at: now,
    };
    licet_vendor::store::customers::create(vendor.db(), &customer, "bench")
        .await
        .unwrap();
    let entitlements: Entitlements = serde_json::from_value(serde_json::json!({
        "edition": "enterprise", "products": ["sso", "scim"], "features": ["audit_export"],
        "limits": {"users": 500}, "orgs": [{"id": "t1", "plan": "pro"}, {"id": "t2", "plan": "basic"}],
        "validity_days": 365
    }))
    .unwrap();
    for i in 0..INSTALLS {
        let new = licet_vendor::store::installs::NewInstall {
            id: format!("install-{i}"),
            customer_id: "c".into(),
            audience: None,
            fingerprints: vec![format!("LICET-FP-{i}")],
            domains: vec![],
        };
        licet_vendor::store::installs::create(vendor.db(), &new, "bench", &format!("hash-{i}"), now, "bench")
            .await
            .unwrap();
        licet_vendor::store::entitlements::put(vendor.db(), &new.id, &entitlements, now, "bench")
            .await
            .unwrap();
    }
    vendor
}

async fn run(name: &str, vendor: Vendor, total: usize, tasks: usize) {
    // Warm up: open the signer, fill the pool.
    for i in 0..INSTALLS {
        vendor.issue(&format!("install-{i}"), "bench").await.unwrap();
    }
    let (start, cpu) = (Instant::now(), cpu_micros());
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let v = vendor.clone();
            tokio::spawn(async move {
                for n in (t..total).step_by(tasks) {
                    v.issue(&format!("install-{}", n % INSTALLS), "bench").await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_micros()
        .zip(cpu)
        .map(|(after, before)| (after - before) as f64 / total as f64);
    println!(
        "{name:<10} {total} licenses, {tasks:>2} tasks: {:>6.0} licenses/s ({:.1} µs each; this process's CPU {} µs each)",
        total as f64 / secs,
        secs * 1e6 / total as f64,
        cpu.map_or("?".into(), |c| format!("{c:.0}")),
    );
}

/// User + system CPU time of this process so far (Linux: /proc/self/stat, in clock ticks of 10 ms). On a shared
/// machine wall-clock throughput moves with the load; CPU per license does much less.
fn cpu_micros() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and expects a quick run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let total = if quick {
        200
    } else {
        env_usize("LICET_BENCH_LICENSES", 20_000)
    };
    let tasks = env_usize("LICET_BENCH_TASKS", 32);
    let dir = tempfile::tempdir().unwrap();

    // The default (synchronous=full: each commit synced before the callers hear of it), then synchronous=normal.
    for (name, file, query) in [
        ("sqlite", "bench.db", ""),
        ("sqlite-nrm", "normal.db", "?synchronous=normal"),
    ] {
        let url = format!("sqlite://{}{query}", dir.path().join(file).display());
        let sqlite = setup(Db::connect(&url).await.unwrap(), dir.path()).await;
        run(name, sqlite.clone(), total, 1).await;
        run(name, sqlite, total, tasks).await;
    }

    match std::env::var("LICET_TEST_DATABASE_URL") {
        Ok(url) => {
            let schema = format!("licet_vendor_bench_{}", std::process::id());
            let pg = setup(Db::connect_postgres_schema(&url, &schema).await.unwrap(), dir.path()).await;
            run("postgres", pg.clone(), total, 1).await;
            run("postgres", pg.clone(), total, tasks).await;
            if let Db::Postgres(pool) = pg.db() {
                sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        Err(_) => println!("postgres   skipped: LICET_TEST_DATABASE_URL is not set"),
    }
}
