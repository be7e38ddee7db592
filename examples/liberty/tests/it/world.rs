//! One Liberty install under test: its store, its environment, its `app.toml`, a manual clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use liberty_example::{Config, Liberty};
use licet_runtime::ManualClock;
use seed_testkit::{Seed, T0};

pub struct World {
    pub clock: ManualClock,
    env: Arc<Mutex<HashMap<String, String>>>,
    dir: tempfile::TempDir,
    store: Arc<dyn licet_store::Store>,
}

impl World {
    pub async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
        World {
            clock: ManualClock::new(T0),
            env: Arc::default(),
            dir,
            store,
        }
    }

    pub fn set_env(&self, token: &str) {
        self.env
            .lock()
            .unwrap()
            .insert("LIBERTY_LICENSE_KEY".into(), token.into());
    }

    #[allow(dead_code)] // used by the scenarios, not by the log test
    pub fn write_toml(&self, value: &str) {
        std::fs::write(
            self.dir.path().join("app.toml"),
            format!("[license]\nkey = \"{value}\"\n"),
        )
        .unwrap();
    }

    pub async fn start(&self) -> Liberty {
        let env = self.env.clone();
        Liberty::start(Config {
            verifier: Seed::Liberty.verifier().unwrap(),
            store: self.store.clone(),
            app_toml: Some(self.dir.path().join("app.toml")),
            env: Arc::new(move |k| env.lock().unwrap().get(k).cloned()),
            clock: Arc::new(self.clock.clone()),
        })
        .await
        .unwrap()
    }
}
