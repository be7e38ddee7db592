//! Background tasks: the state timer, the store listener and the renewal scheduler. Each holds only a weak
//! reference, so dropping the last [`Runtime`] handle ends them (and `Inner`'s drop aborts any that sleep).

use std::sync::{Arc, Weak};

use tokio::sync::broadcast::error::RecvError;

use crate::clock::sleep_until;
use crate::runtime::{Inner, Runtime};

pub(crate) fn spawn(rt: &Runtime) {
    let weak = Arc::downgrade(&rt.inner);
    let mut handles = vec![
        tokio::spawn(timer(weak.clone())).abort_handle(),
        tokio::spawn(listen(weak.clone(), rt.inner.store.subscribe())).abort_handle(),
    ];
    if rt.inner.policy.sources.renewal && rt.inner.renewal.enabled {
        handles.push(tokio::spawn(crate::renewal::schedule(weak, rt.inner.clock.now())).abort_handle());
    }
    if let Ok(mut tasks) = rt.inner.tasks.lock() {
        tasks.extend(handles);
    }
}

/// Re-evaluates when the snapshot says the next change is due, at least every safety interval, and whenever a
/// manual clock jumps.
async fn timer(weak: Weak<Inner>) {
    loop {
        let (clock, next, cap) = match weak.upgrade() {
            Some(inner) => (
                inner.clock.clone(),
                inner.snapshot.load().next_change,
                inner.safety_interval,
            ),
            None => return,
        };
        sleep_until(&*clock, next, cap).await;
        let Some(inner) = weak.upgrade() else { return };
        if let Err(e) = inner.reevaluate("timer").await {
            tracing::error!(
                code = e.code(),
                "license re-evaluation failed; keeping the current state: {e}"
            );
        }
    }
}

/// Reloads when another replica (or this one) changes the store.
async fn listen(weak: Weak<Inner>, mut rx: tokio::sync::broadcast::Receiver<licet_store::StoreEvent>) {
    loop {
        match rx.recv().await {
            Ok(licet_store::StoreEvent::SettingChanged { .. }) => continue,
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
        let Some(inner) = weak.upgrade() else { return };
        if let Err(e) = inner.reload("store_event").await {
            tracing::error!(
                code = e.code(),
                "reload after a store change failed; keeping the current state: {e}"
            );
        }
    }
}
