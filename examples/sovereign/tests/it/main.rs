//! Sovereign end to end: real licenses signed with Novantra's test-only release key, a manual clock, HTTP through
//! the product's router (licet-server mounted in it), and the real control plane (licet-vendor) on a loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
mod control_plane;
mod license_api;
mod lifecycle;
mod orgs;
mod renewal;
