//! seed-testkit: what the seed examples' tests (and their demo binaries) need to play the vendor.
//!
//! - [`Vendor`]: one per seed product, holding that product's **test-only** signing key (`keys/*-test-only.*`),
//!   its issuer and audience, and the matching [`licet_core::Verifier`] the product embeds; it signs with
//!   `jsonwebtoken` / `ed25519-dalek`, never with licet's issue path, unless asked (`sign_licet`).
//! - [`translate`]: each seed manual's license in the manual's own format (Liberty's `connectors` claim,
//!   JustIAM's `max_users: -1` and `max_tenants: 0`, nivq's `0` ceilings, `instance_id`, `renewal_url`, …), left
//!   as the manual writes it: the product's profile maps it.
//! - [`scenarios`]: the dated scenario tables (day → expected behaviour) that both the core-level tests in this
//!   crate and the HTTP end-to-end tests of the example apps walk.
//!
//! - [`http`] (feature `http`): one request through an example's router, JSON back.
//!
//! Nothing here is for production: a product trusts only the keys it is built with.

#[cfg(feature = "http")]
pub mod http;
pub mod scenarios;
pub mod translate;
mod vendor;

pub use vendor::{Seed, Vendor, VendorError, T0};
