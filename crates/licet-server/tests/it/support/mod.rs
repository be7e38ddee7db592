//! Starting a server on a free loopback port and talking to it.

pub mod memory;

use std::sync::Arc;

use licet_server::{AppState, LicenseService, ServerOptions};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub token: Option<String>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start(service: Arc<dyn LicenseService>, options: ServerOptions) -> TestServer {
        let app = licet_server::router(AppState::new(service, options));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(licet_server::serve(
            listener,
            app,
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = rx.await;
            },
        ));
        let addr = addr_rx.await.unwrap();
        TestServer {
            base: format!("http://{addr}"),
            client: Client::new(),
            token: None,
            _shutdown: tx,
        }
    }

    pub async fn memory() -> (TestServer, Arc<memory::MemoryService>) {
        let service = Arc::new(memory::MemoryService::default());
        (
            TestServer::start(service.clone(), ServerOptions::default()).await,
            service,
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let r = self.client.request(method, self.url(path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub fn with_token(&self, token: Option<&str>) -> TestServer {
        TestServer {
            base: self.base.clone(),
            client: self.client.clone(),
            token: token.map(str::to_owned),
            _shutdown: tokio::sync::oneshot::channel().0,
        }
    }

    pub async fn status(&self) -> Value {
        json(
            self.req(reqwest::Method::GET, "/v1/license/status")
                .send()
                .await
                .unwrap(),
            200,
        )
        .await
    }

    /// POST a raw license.
    pub async fn install(&self, license: &str) -> Response {
        self.req(reqwest::Method::POST, "/v1/license")
            .header("content-type", "text/plain")
            .body(license.to_owned())
            .send()
            .await
            .unwrap()
    }
}

/// Assert the status and parse the body as JSON.
pub async fn json(res: Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Assert an error response: status and `code`, and a sentence in `message`.
pub async fn error(res: Response, status: u16, code: &str) {
    let body = json(res, status).await;
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.ends_with('.'), "{message}");
}
