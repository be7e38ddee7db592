//! PostgreSQL replicas sharing one database hear each other's installs; and `open` picks backends.

use licet_core::time::UnixTime;
use licet_store::{Backend, Change, Scope, StoreEvent};

use crate::harness;
use crate::suite::{installed, license, next_event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_on_one_replica_reaches_the_other() {
    let Some(h) = harness::postgres().await else { return };
    let replica_b = h.reopen().await;
    let mut rx = replica_b.subscribe();
    let org = Scope::org("acme").unwrap();
    h.store
        .install_license(license(org.clone(), "tok-1", "cust", 1, 100))
        .await
        .unwrap();
    assert_eq!(next_event(&mut rx, 5).await, installed(org.clone(), "tok-1"));
    assert_eq!(replica_b.current_license(&org).await.unwrap().unwrap().token, "tok-1");
    h.store
        .clear_license(&org, Change::new("bob", UnixTime(200)))
        .await
        .unwrap();
    assert_eq!(next_event(&mut rx, 5).await, StoreEvent::LicenseCleared { scope: org });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_do_not_hear_each_other() {
    let (Some(a), Some(b)) = (harness::postgres().await, harness::postgres().await) else {
        return;
    };
    let mut rx = b.store.subscribe();
    a.store
        .install_license(license(Scope::Instance, "tok-a", "cust", 1, 100))
        .await
        .unwrap();
    b.store
        .install_license(license(Scope::Instance, "tok-b", "cust", 1, 100))
        .await
        .unwrap();
    assert_eq!(next_event(&mut rx, 5).await, installed(Scope::Instance, "tok-b"));
}

#[tokio::test]
async fn open_picks_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let s = licet_store::open_in_data_dir(&dir.path().join("data")).await.unwrap();
    assert_eq!(s.backend(), Backend::Sqlite);
    let id = s.ensure_installation(UnixTime(1)).await.unwrap();
    s.close().await;
    assert!(dir.path().join("data").join(licet_store::DATA_DIR_DB).exists());

    let path = dir.path().join("data").join(licet_store::DATA_DIR_DB);
    let by_path = licet_store::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(by_path.installation().await.unwrap(), Some(id.clone()));
    let by_url = licet_store::open(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    assert_eq!(by_url.installation().await.unwrap(), Some(id));

    let err = licet_store::open("").await.err().unwrap();
    assert_eq!(err.code(), "store_bad_location");
    let err = licet_store::open("postgres://user:secret@[bad").await.err().unwrap();
    assert_eq!(err.code(), "store_bad_location");
    assert!(!err.to_string().contains("secret"), "{err}");
}
