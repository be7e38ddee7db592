//! licet-vendor: the vendor side of licet. See README.md.
//!
//! For now it holds only [`hsm`], signing with keys that never leave a PKCS#11 token. Issuing and the control plane
//! come next and will sign through licet-core's `JwsSigner`, so they never know where a key lives.

pub mod hsm;
