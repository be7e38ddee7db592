//! Running the router: bind, say where, stop cleanly on SIGTERM or ctrl-c.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

/// Resolves when the process is asked to stop (ctrl-c, or SIGTERM on Unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// Serve `app` on `listener` until `shutdown` resolves, finishing requests in flight.
/// `on_bound` gets the bound address (e.g. to print the URL) before the first request is accepted.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    on_bound(listener.local_addr()?);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
