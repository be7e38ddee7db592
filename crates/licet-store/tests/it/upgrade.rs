//! Opening a database written by an older licet applies the newer migrations without losing what it held.

use std::path::Path;

use licet_store::{Scope, SqliteStore, Store};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

/// Applies only the migrations numbered up to `last` (copied from the crate's directory), as an older release did.
async fn migrate_up_to(db: &Path, last: &str) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name();
        if name.to_string_lossy().as_ref() <= last {
            std::fs::copy(src.join(&name), dir.path().join(&name)).unwrap();
        }
    }
    let opts = SqliteConnectOptions::new().filename(db).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    Migrator::new(dir.path()).await.unwrap().run(&pool).await.unwrap();
    // A 0001-era install: one customer with an instance license at 3 and an org license renewed to 7, marked (as
    // 0001 did) once per customer.
    for (scope, seq) in [("instance", 3), ("org:north", 5), ("org:north", 7)] {
        sqlx::query(
            "INSERT INTO license_history (scope, token, fingerprint, installed_at, actor, source, sequence, \
             customer_id) VALUES ($1, $2, 'fp', 100, 'op', 'upload', $3, 'cust')",
        )
        .bind(scope)
        .bind(format!("{scope}-{seq}"))
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO hwm_sequence (customer_id, sequence) VALUES ('cust', 7)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn sequence_marks_per_scope_are_rebuilt_from_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("licet.db");
    migrate_up_to(&db, "0001_install_side.sql").await;
    let store = SqliteStore::open(&db).await.unwrap();
    let mark = |scope: Scope| {
        let store = &store;
        async move { store.high_water_marks(Some(("cust", &scope))).await.unwrap().sequence }
    };
    assert_eq!(
        mark(Scope::Instance).await,
        Some(3),
        "the org's 7 no longer bars the instance"
    );
    assert_eq!(mark(Scope::org("north").unwrap()).await, Some(7));
    assert_eq!(mark(Scope::org("south").unwrap()).await, None);
}
