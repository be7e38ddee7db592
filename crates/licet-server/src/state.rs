//! What every handler gets: the licensing service, the server's options, and the lock that makes each license
//! change (and the first-install decision in particular) atomic.

use std::sync::Arc;

use crate::service::LicenseService;

/// Options a product or `licet serve` chooses when building the router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerOptions {
    /// Whether reads (status, fingerprint, audit, metrics, activation request) are open to callers without a
    /// token. `false` requires at least a viewer token. Changes always need a token after the first install.
    pub open_reads: bool,
    /// Largest request body accepted, in bytes; larger uploads get 413 `payload_too_large`.
    pub body_limit: usize,
}

impl ServerOptions {
    pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            open_reads: true,
            body_limit: Self::DEFAULT_BODY_LIMIT,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    service: Arc<dyn LicenseService>,
    options: ServerOptions,
    change_lock: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(service: Arc<dyn LicenseService>, options: ServerOptions) -> Self {
        AppState {
            inner: Arc::new(Inner {
                service,
                options,
                change_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn service(&self) -> &dyn LicenseService {
        self.inner.service.as_ref()
    }

    pub fn options(&self) -> &ServerOptions {
        &self.inner.options
    }

    /// Held across "read status, decide who may act, act", so two first installs cannot both win.
    pub(crate) async fn lock_changes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.change_lock.lock().await
    }
}
