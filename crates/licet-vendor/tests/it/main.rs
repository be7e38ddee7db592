//! licet-vendor integration tests: one binary (see STYLE.md). The HSM tests run against SoftHSM2.

mod softhsm;

mod hsm_errors;
mod hsm_sign;
