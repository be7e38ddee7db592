//! Test support: the crate's testkit, plus an in-memory service for HTTP-layer tests.

pub mod memory;

use std::sync::Arc;

pub use licet_server::testkit::{error, json, owner_token, TestServer};
use licet_server::ServerOptions;

pub async fn memory() -> (TestServer, Arc<memory::MemoryService>) {
    let service = Arc::new(memory::MemoryService::default());
    (
        TestServer::start(service.clone(), ServerOptions::default()).await,
        service,
    )
}
