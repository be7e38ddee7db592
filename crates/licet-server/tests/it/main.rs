//! licet-server integration tests: one binary, modules per concern.

mod api;
mod browser;
mod openapi;
mod support;
