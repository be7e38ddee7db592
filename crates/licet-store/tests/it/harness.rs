//! One store per test, on either backend, plus raw SQL access for tamper tests.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use licet_store::{PgStore, SqliteStore, Store};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub type Exec = Box<dyn Fn(String) -> BoxFuture<()> + Send + Sync>;
type Reopen = Box<dyn Fn() -> BoxFuture<Arc<dyn Store>> + Send + Sync>;

pub struct Harness {
    pub store: Arc<dyn Store>,
    /// Runs one SQL statement on the same database, outside the store.
    pub exec: Exec,
    reopen: Reopen,
    _cleanup: Cleanup,
}

impl Harness {
    /// A second, independent handle on the same database (another replica / process).
    pub async fn reopen(&self) -> Arc<dyn Store> {
        (self.reopen)().await
    }
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema { url: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Schema { url, schema } = self {
            let (url, schema) = (url.clone(), schema.clone());
            // Drop runs inside the test's runtime; use a thread with its own runtime to drop the schema.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&pool)
                            .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("licet.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let p = path.clone();
    let exec: Exec = Box::new(move |sql| {
        let p = p.clone();
        Box::pin(async move {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", p.display()))
                .await
                .unwrap();
            sqlx::query(&sql).execute(&pool).await.unwrap();
            pool.close().await;
        })
    });
    let reopen = Box::new(move || {
        let p = path.clone();
        Box::pin(async move { Arc::new(SqliteStore::open(&p).await.unwrap()) as Arc<dyn Store> })
            as BoxFuture<Arc<dyn Store>>
    });
    Harness {
        store,
        exec,
        reopen,
        _cleanup: Cleanup::Dir(dir),
    }
}

/// `None` (after printing why) when `LICET_TEST_DATABASE_URL` is unset.
pub async fn postgres() -> Option<Harness> {
    let Ok(url) = std::env::var("LICET_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED: set LICET_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run PostgreSQL tests");
        return None;
    };
    let schema = format!("licet_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("LICET_TEST_DATABASE_URL is set but unreachable");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;

    let store: Arc<dyn Store> = Arc::new(PgStore::open(&url, Some(&schema)).await.unwrap());
    let (u, s) = (url.clone(), schema.clone());
    let exec: Exec = Box::new(move |sql| {
        let (u, s) = (u.clone(), s.clone());
        Box::pin(async move {
            let opts = licet_store::connect::postgres_url(&u, Some(&s)).unwrap();
            let pool = sqlx::PgPool::connect_with(opts).await.unwrap();
            sqlx::query(&sql).execute(&pool).await.unwrap();
            pool.close().await;
        })
    });
    let (u, s) = (url.clone(), schema.clone());
    let reopen = Box::new(move || {
        let (u, s) = (u.clone(), s.clone());
        Box::pin(async move { Arc::new(PgStore::open(&u, Some(&s)).await.unwrap()) as Arc<dyn Store> })
            as BoxFuture<Arc<dyn Store>>
    });
    Some(Harness {
        store,
        exec,
        reopen,
        _cleanup: Cleanup::Schema { url, schema },
    })
}
