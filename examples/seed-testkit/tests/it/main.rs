//! Core-level tests: the translations produce licenses that verify, and every scenario row holds against
//! `licet_core::evaluate` before any HTTP is involved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
mod scenarios;
mod translations;
