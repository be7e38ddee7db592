//! The yardstick for `GET /v1/license/status` and `/v1/license/check`: a bare axum server answering static JSON
//! bodies (the bytes of saved answers) with `content-type: application/json`, on the same tokio runtime and axum
//! version as `licet serve`. `scripts/status-load.sh` runs both side by side.
//!
//!   cargo run --release -p licet-server --example bare_status -- 127.0.0.1:8089 /v1/license/status=status.json

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().ok_or("usage: bare_status HOST:PORT /PATH=BODY.json ...")?;
    let mut app = Router::new();
    for route in args {
        let (path, file) = route.split_once('=').ok_or("each route is /PATH=BODY.json")?;
        let body: &'static [u8] = Box::leak(std::fs::read(file)?.into_boxed_slice());
        app = app.route(
            path,
            get(move || async move { ([(CONTENT_TYPE, "application/json")], body) }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
