//! licet-store integration tests: one suite (`suite.rs`) run against SQLite and PostgreSQL, PostgreSQL-only
//! replica tests, and the crash-safety test (`crash.rs`).
//!
//! PostgreSQL tests need `LICET_TEST_DATABASE_URL`; without it they print SKIPPED and pass. Each runs in a fresh
//! schema that is dropped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

mod crash;
mod harness;
mod replicas;
mod suite;
mod upgrade;

macro_rules! suite_on {
    ($backend:ident, $harness:expr, [$($name:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    #[allow(clippy::redundant_closure_call)]
                    let Some(h) = ($harness)().await else { return };
                    crate::suite::$name(&h).await;
                }
            )*
        }
    };
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        suite_on!(sqlite, || async { Some(crate::harness::sqlite().await) }, [$($name),*]);
        suite_on!(postgres, crate::harness::postgres, [$($name),*]);
    };
}

both_backends!(
    installation_is_made_once,
    concurrent_first_starts_agree,
    install_key_is_get_or_insert,
    install_replace_and_history,
    scopes_are_independent,
    clear_marks_history,
    sequence_never_goes_back,
    sequence_marks_are_per_scope,
    observed_time_is_monotonic,
    audit_pages_and_verifies,
    audit_detects_edit,
    audit_detects_removal,
    audit_detects_truncation,
    audit_detects_rehashed_edit,
    concurrent_writers_keep_one_chain,
    api_tokens,
    renewal_bookkeeping,
    settings,
    rejects_bad_input,
    events_reach_own_subscribers,
);
