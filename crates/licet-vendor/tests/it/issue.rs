//! Issuing: claims built from the entitlements, sequence bumped atomically, recorded and audited.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use licet_core::{Limit, UnixTime};
use serde_json::json;

use crate::both;
use crate::env::{dearmor_license, Env, T0};

both!(issue_builds_claims_from_entitlements, |env: Env| async move {
    env.seed().await;
    let r = env.admin("POST", "/v1/installs/inst-1/licenses", None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let issued = r.json();
    let token = issued["token"].as_str().unwrap();
    assert_eq!(issued["sequence"], 1);
    // The fingerprint the vendor records is the one a verifier gives the license (`env.open` checks the same).
    assert_eq!(
        issued["fingerprint"],
        licet_core::read_unverified(token.as_bytes()).unwrap().fingerprint
    );
    assert_eq!(dearmor_license(issued["armored"].as_str().unwrap()), token);

    let (header, claims) = env.open(token).await;
    assert_eq!(
        (header["alg"].as_str(), header["kid"].as_str()),
        (Some("EdDSA"), Some("k1"))
    );
    assert_eq!(claims.iss, "acme-vendor");
    assert!(claims.aud.contains("justiam"));
    assert_eq!(claims.sub, "acme");
    assert_eq!(claims.iat, UnixTime(T0));
    assert_eq!(claims.exp, Some(UnixTime(T0).plus_days(365)));
    let lic = &claims.lic;
    assert_eq!(lic.customer.name, "Acme Corp");
    assert_eq!(lic.binding.install_id.as_deref(), Some("inst-1"));
    assert_eq!(lic.binding.fingerprints, ["LICET-FP-1"]);
    assert_eq!(lic.binding.domains, ["*.acme.test"]);
    assert_eq!(lic.edition.as_deref(), Some("enterprise"));
    assert_eq!(lic.products, ["sso", "scim"]);
    assert_eq!(lic.limits["tenants"], Limit::Unlimited);
    assert_eq!(lic.limits["users"], Limit::Count(500));
    assert_eq!(lic.max_orgs, Some(Limit::Count(10)));
    assert_eq!(lic.orgs[0].plan.as_deref(), Some("pro"));
    assert_eq!(lic.renewal.as_ref().unwrap().url, "https://vendor.test/v1/renew");
    assert_eq!(lic.sequence, 1);

    let second = env.admin("POST", "/v1/installs/inst-1/licenses", None).await.json();
    assert_eq!(second["sequence"], 2);
    assert_ne!(second["fingerprint"], issued["fingerprint"]);
    let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
    assert_eq!(view["sequence"], 2);
    assert_eq!(view["license"]["sequence"], 2);
    assert_eq!(view["license"]["exp"], json!(T0 + 365 * 86_400));

    let audit = env.admin("GET", "/v1/audit?install_id=inst-1", None).await.json();
    let issues: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "license.issue")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(issues.len(), 2);
    assert!(issues[0].contains("sequence 2") && issues[0].contains(second["fingerprint"].as_str().unwrap()));

    let list = env.admin("GET", "/v1/installs/inst-1/licenses", None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0].get("token").is_none(), "lists carry no tokens");

    let file = env.admin("GET", "/v1/installs/inst-1/licenses/1/file", None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("license-inst-1-1.lic"));
    assert_eq!(dearmor_license(&file.text), token);
    let latest = env.admin("GET", "/v1/installs/inst-1/licenses/latest/file", None).await;
    assert_eq!(dearmor_license(&latest.text), second["token"].as_str().unwrap());
    assert_eq!(
        env.admin("GET", "/v1/installs/inst-1/licenses/9/file", None)
            .await
            .code(),
        "license_not_found"
    );
});

both!(perpetual_license_has_no_exp, |env: Env| async move {
    env.seed().await;
    env.admin(
        "PUT",
        "/v1/installs/inst-1/entitlements",
        Some(json!({"edition": "starter"})),
    )
    .await;
    let issued = env.admin("POST", "/v1/installs/inst-1/licenses", None).await.json();
    assert!(issued.get("exp").is_none());
    let (_, claims) = env.open(issued["token"].as_str().unwrap()).await;
    assert_eq!(claims.exp, None);
    assert!(claims.lic.orgs.is_empty());
});

both!(issue_refusals, |env: Env| async move {
    assert_eq!(
        env.admin("POST", "/v1/installs/ghost/licenses", None).await.code(),
        "install_not_found"
    );
    env.admin("POST", "/v1/customers", Some(json!({"id": "c", "name": "C"})))
        .await;
    env.admin("POST", "/v1/installs", Some(json!({"id": "bare", "customer_id": "c"})))
        .await;
    let r = env.admin("POST", "/v1/installs/bare/licenses", None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "entitlements_missing")
    );
    let view = env.admin("GET", "/v1/installs/bare", None).await.json();
    assert_eq!(view["sequence"], 0, "a refused issue does not bump the sequence");
});

both!(no_active_key_refuses_to_issue, |env: Env| async move {
    // A second vendor on the same database, whose only key is not active.
    env.seed().await;
    let db = env.vendor.db().clone();
    match &db {
        licet_vendor::Db::Sqlite(p) => sqlx::query("UPDATE signing_keys SET active = FALSE")
            .execute(p)
            .await
            .map(|_| ()),
        licet_vendor::Db::Postgres(p) => sqlx::query("UPDATE signing_keys SET active = FALSE")
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
    let fresh = licet_vendor::Vendor::new(
        db,
        env.vendor.config().clone(),
        licet_vendor::system_clock(),
        Box::new(licet_vendor::Keys::default()),
    );
    let err = fresh.issue("inst-1", "test").await.unwrap_err();
    assert_eq!(err.code(), "no_active_signing_key");
});

both!(
    concurrent_issues_are_numbered_in_order_and_audited,
    |env: Env| async move {
        env.seed().await;
        env.admin(
            "POST",
            "/v1/installs",
            Some(json!({"id": "inst-2", "customer_id": "acme"})),
        )
        .await;
        env.admin(
            "PUT",
            "/v1/installs/inst-2/entitlements",
            Some(crate::env::entitlements()),
        )
        .await;
        // 12 callers at once, each issuing 5 in a row, alternating between two installs: the issuing writer takes
        // them in batches (group commit), several installs and several licenses per install in one transaction.
        let tasks: Vec<_> = (0..12)
            .map(|caller| {
                let v = env.vendor.clone();
                let install = if caller % 3 == 0 { "inst-2" } else { "inst-1" };
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    for _ in 0..5 {
                        mine.push(v.issue(install, "test").await.unwrap());
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            let mine = t.await.unwrap();
            assert!(
                mine.windows(2).all(|w| w[0].sequence < w[1].sequence),
                "one caller's licenses are numbered in the order it asked for them: {:?}",
                mine.iter().map(|l| l.sequence).collect::<Vec<_>>()
            );
            all.extend(mine);
        }
        let audit = env.admin("GET", "/v1/audit?limit=1000", None).await.json();
        let audited: BTreeSet<(String, String)> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "license.issue")
            .map(|e| {
                (
                    e["install_id"].as_str().unwrap().to_owned(),
                    e["detail"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (install, count) in [("inst-1", 40u64), ("inst-2", 20)] {
            let mine: Vec<_> = all.iter().filter(|l| l.install_id == install).collect();
            let sequences: BTreeSet<u64> = mine.iter().map(|l| l.sequence).collect();
            assert_eq!(
                sequences,
                (1..=count).collect(),
                "{install}: every sequence once, no gap"
            );
            let view = env.admin("GET", &format!("/v1/installs/{install}"), None).await.json();
            assert_eq!(view["sequence"], count);
            for l in mine {
                let detail = format!("sequence {}, kid k1, fingerprint {}", l.sequence, l.fingerprint);
                assert!(
                    audited.contains(&(install.to_owned(), detail)),
                    "{install} #{} is audited",
                    l.sequence
                );
                let stored = licet_vendor::store::licenses::get(env.vendor.db(), install, l.sequence)
                    .await
                    .unwrap();
                assert_eq!(
                    stored.token, l.token,
                    "{install} #{} is recorded as returned",
                    l.sequence
                );
                let (_, claims) = env.open(&l.token).await;
                assert_eq!(claims.lic.sequence, l.sequence);
            }
        }
        assert_eq!(audited.len(), 60);
    }
);

both!(fan_out_one_license_names_every_tenant, |env: Env| async move {
    env.seed().await;
    for t in ["tenant-b", "tenant-c"] {
        let r = env
            .admin(
                "PUT",
                &format!("/v1/installs/inst-1/entitlements/orgs/{t}"),
                Some(json!({"id": t, "plan": "basic"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let issued = env.admin("POST", "/v1/installs/inst-1/licenses", None).await.json();
    let (_, claims) = env.open(issued["token"].as_str().unwrap()).await;
    let ids: Vec<&str> = claims.lic.orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["tenant-a", "tenant-b", "tenant-c"]);
});

both!(
    a_change_made_by_another_replica_is_in_the_next_issue,
    |env: Env| async move {
        env.seed().await;
        let a = env.vendor.clone();
        let b = licet_vendor::Vendor::new(
            env.vendor.db().clone(),
            env.vendor.config().clone(),
            licet_vendor::system_clock(),
            Box::new(licet_vendor::Keys::default()),
        );
        a.issue("inst-1", "test").await.unwrap(); // `a` now holds the install's context in memory
        let org: licet_core::OrgEntitlement = serde_json::from_value(json!({"id": "tenant-z"})).unwrap();
        licet_vendor::store::entitlements::put_org(b.db(), "inst-1", &org, b.now(), "test")
            .await
            .unwrap();
        let issued = a.issue("inst-1", "test").await.unwrap();
        let (_, claims) = env.open(&issued.token).await;
        assert!(claims.lic.orgs.iter().any(|o| o.id == "tenant-z"));
        assert_eq!(issued.sequence, 2, "the stale attempt's sequence bump was rolled back");
    }
);

both!(a_customer_rename_reaches_the_next_renewal, |env: Env| async move {
    let credential = env.seed().await;
    env.call("GET", "/v1/renew", Some(&credential), None, "").await;
    env.admin("PATCH", "/v1/customers/acme", Some(json!({"name": "Acme Holdings"})))
        .await;
    let text = env.call("GET", "/v1/renew", Some(&credential), None, "").await.text;
    let (_, claims) = env.open(&text).await;
    assert_eq!(claims.lic.customer.name, "Acme Holdings");
    assert_eq!(claims.lic.sequence, 2);
});

/// A signer source whose signers (all of them, across reopenings) fail the 5th and 6th signature of the process.
struct FailingFifthAndSixth {
    keys: licet_vendor::Keys,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

struct Counting {
    inner: licet_vendor::SharedSigner,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl licet_core::JwsSigner for Counting {
    fn alg(&self) -> licet_core::Alg {
        self.inner.alg()
    }
    fn kid(&self) -> &str {
        self.inner.kid()
    }
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, licet_core::SignError> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if n == 5 || n == 6 {
            return Err(licet_core::SignError {
                kid: self.kid().to_owned(),
                message: format!("test: signature {n} refused"),
            });
        }
        self.inner.sign(input)
    }
}

impl licet_vendor::SignerSource for FailingFifthAndSixth {
    fn open(&self, key: &licet_vendor::SigningKey) -> Result<licet_vendor::SharedSigner, licet_vendor::VendorError> {
        Ok(std::sync::Arc::new(Counting {
            inner: self.keys.open(key)?,
            calls: self.calls.clone(),
        }))
    }
    fn describe(&self, r: &licet_vendor::KeyRef) -> Result<(licet_core::Alg, String), licet_vendor::VendorError> {
        self.keys.describe(r)
    }
}

both!(a_failed_signature_in_a_batch_leaves_no_trace, |env: Env| async move {
    env.seed().await;
    let vendor = licet_vendor::Vendor::new(
        env.vendor.db().clone(),
        env.vendor.config().clone(),
        licet_vendor::system_clock(),
        Box::new(FailingFifthAndSixth {
            keys: licet_vendor::Keys::default(),
            calls: Default::default(),
        }),
    );
    // However the 16 issues fall into batches, the batch holding signature 5 is rolled back and retried one by one:
    // one or two callers get the error (5 and 6 may be two batches of one), the others a license.
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let v = vendor.clone();
            tokio::spawn(async move { v.issue("inst-1", "test").await })
        })
        .collect();
    let (mut issued, mut refused) = (BTreeSet::new(), 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(l) => assert!(issued.insert(l.sequence)),
            Err(e) => {
                assert_eq!(e.code(), "signing_failed");
                refused += 1;
            }
        }
    }
    assert!((1..=2).contains(&refused), "{refused} refused");
    let count = 16 - refused;
    assert_eq!(
        issued,
        (1..=count).collect(),
        "no sequence was used up by a failed issue"
    );
    let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
    assert_eq!(view["sequence"], count);
    let audit = env
        .admin("GET", "/v1/audit?install_id=inst-1&limit=1000", None)
        .await
        .json();
    let audited = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "license.issue")
        .count();
    assert_eq!(audited as u64, count, "a failed issue is neither recorded nor audited");
    let rows = env
        .admin("GET", "/v1/installs/inst-1/licenses?limit=1000", None)
        .await
        .json();
    assert_eq!(rows.as_array().unwrap().len() as u64, count);
});
