//! seed-testkit: what the seed examples' tests (and their demo binaries) need to play the vendor.
//!
//! - [`Vendor`]: one per seed product, holding that product's **test-only** signing key (`keys/*-test-only.*`),
//!   its issuer and audience, and the matching [`licet_core::Verifier`] the product embeds.
//! - [`translate`]: the issuing-side translation of each seed manual's license conventions (Liberty's
//!   `connectors` claim, JustIAM's `max_users: -1 = unlimited` and `max_tenants: 0 = unlimited`, nivq's
//!   `0 = unlimited` ceilings, `instance_id`, `renewal_url`, …) into licet's unambiguous claims. The magic numbers
//!   stop here: a licet license says `"unlimited"`, never 0 or -1.
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
