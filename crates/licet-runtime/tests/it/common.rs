use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use licet_core::policy::{Source, Sources};
use licet_core::{profiles, Claims, Limit, Policy, UnixTime};
use licet_runtime::testkit::TestVendor;
use licet_runtime::{ManualClock, ModuleRegistry, Runtime};
use licet_store::Store;

pub const T0: UnixTime = UnixTime(1_750_000_000);
pub const DAY: i64 = 86_400;

/// nivq's windows and effects (30 d warn → 14 d read-only grace → locked), with env and store sources and renewal.
pub fn policy() -> Policy {
    Policy {
        name: Cow::Borrowed("test"),
        sources: Sources {
            order: Cow::Borrowed(&[Source::Env, Source::Store]),
            env_var: Some(Cow::Borrowed("TEST_LICENSE")),
            config_key: None,
            file: None,
            file_seeds_store_once: false,
            upload: true,
            offline_import: true,
            renewal: true,
        },
        ..profiles::NIVQ
    }
}

pub struct World {
    pub vendor: TestVendor,
    pub clock: ManualClock,
    pub store: Arc<dyn Store>,
    pub env: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
        World {
            vendor: TestVendor::new().unwrap(),
            clock: ManualClock::new(T0),
            store,
            env: HashMap::new(),
            _dir: dir,
        }
    }

    pub fn registry() -> ModuleRegistry {
        let mut r = ModuleRegistry::new("connector");
        r.register_with_routes("Salesforce", "salesforce", ["/api/connectors/salesforce"]);
        r.register_with_routes("SAP", "sap", ["/api/connectors/sap"]);
        r
    }

    pub async fn runtime_with(&self, policy: Policy) -> Runtime {
        let env = self.env.clone();
        Runtime::builder(policy, self.vendor.verifier(), self.store.clone())
            .clock(Arc::new(self.clock.clone()))
            .env(Arc::new(move |k| env.get(k).cloned()))
            .modules(World::registry())
            .build()
            .await
            .unwrap()
    }

    pub async fn runtime(&self) -> Runtime {
        self.runtime_with(policy()).await
    }

    /// A license valid for `days` from T0 granting salesforce, feature `chat`, 5 users.
    pub fn claims(&self, days: i64, sequence: u64) -> Claims {
        let mut c = self.vendor.claims_granting(
            T0,
            Some(T0.plus_seconds(days * DAY)),
            &["salesforce"],
            &["chat"],
            &[("users", Limit::Count(5))],
        );
        c.lic.sequence = sequence;
        c
    }

    pub fn token(&self, days: i64, sequence: u64) -> String {
        self.vendor.issue(&self.claims(days, sequence)).unwrap()
    }
}
