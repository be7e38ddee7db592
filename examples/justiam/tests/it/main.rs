//! JustIAM end to end: real licenses from the test-only JustIAM key, a manual clock, HTTP through the router, and a
//! stub renewal server on a loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod scenarios;
