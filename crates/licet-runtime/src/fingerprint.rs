//! The host fingerprint an operator sends to the vendor for a host-bound license.
//!
//! `PREFIX-XXXXX-XXXXX-XXXXX-XXXXX`: the first 100 bits of SHA-256("licet-fingerprint-v1\0" || install_id) in
//! Crockford base32 (no I, L, O, U: nothing to misread over the phone), in four groups of five. It is derived from
//! the install id kept in the store, not from hardware, so every replica that shares one store reports the same
//! value, and a host move (new container, new VM) keeps it as long as the database moves along.

use sha2::{Digest, Sha256};

/// licet's own prefix. Products may use their own (nivq: `NIVQ-FP-`).
pub const DEFAULT_PREFIX: &str = "LICET-FP-";

const DOMAIN: &[u8] = b"licet-fingerprint-v1\0";
const GROUPS: usize = 4;
const GROUP_LEN: usize = 5;

/// The fingerprint of `install_id`, e.g. `LICET-FP-3QF7K-…`.
pub fn fingerprint(prefix: &str, install_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(install_id.as_bytes());
    let digest = h.finalize();
    // 13 bytes = 104 bits → 21 base32 chars; we keep 20 (100 bits).
    let encoded = base32::encode(base32::Alphabet::Crockford, digest.get(..13).unwrap_or(&[]));
    let chars: Vec<char> = encoded.chars().take(GROUPS * GROUP_LEN).collect();
    let groups: Vec<String> = chars.chunks(GROUP_LEN).map(|c| c.iter().collect()).collect();
    format!("{prefix}{}", groups.join("-"))
}

/// Whether `s` has the shape of a fingerprint with `prefix` (not whether it is this install's).
pub fn is_well_formed(prefix: &str, s: &str) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    groups.len() == GROUPS
        && groups.iter().all(|g| {
            g.len() == GROUP_LEN
                && g.chars()
                    .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_four_groups_of_five_unambiguous_chars() {
        for id in ["", "a", "7f0c2a34-5b1e-4c1d-9a8e-0e2b1f3c4d5e", "🦀"] {
            let fp = fingerprint(DEFAULT_PREFIX, id);
            assert!(is_well_formed(DEFAULT_PREFIX, &fp), "{fp}");
            assert_eq!(fp.len(), DEFAULT_PREFIX.len() + 4 * 5 + 3);
        }
    }

    #[test]
    fn stable_across_calls_and_pinned() {
        let id = "7f0c2a34-5b1e-4c1d-9a8e-0e2b1f3c4d5e";
        assert_eq!(fingerprint(DEFAULT_PREFIX, id), fingerprint(DEFAULT_PREFIX, id));
        // Pinned: a change here re-binds every host-bound license in the field.
        assert_eq!(fingerprint(DEFAULT_PREFIX, id), PINNED);
    }

    // Computed independently (Python: hashlib + the Crockford alphabet), not by this code.
    const PINNED: &str = "LICET-FP-8MWX6-T9KMP-3ERZ0-MZWAA";

    #[test]
    fn differs_per_install_and_honours_prefix() {
        let a = fingerprint(DEFAULT_PREFIX, "install-a");
        let b = fingerprint(DEFAULT_PREFIX, "install-b");
        assert_ne!(a, b);
        let n = fingerprint("NIVQ-FP-", "install-a");
        assert!(n.starts_with("NIVQ-FP-"));
        assert_eq!(n.strip_prefix("NIVQ-FP-"), a.strip_prefix(DEFAULT_PREFIX));
        assert!(!is_well_formed(DEFAULT_PREFIX, "LICET-FP-ABCDE-ABCDE-ABCDE-ABCDI"));
        assert!(!is_well_formed(DEFAULT_PREFIX, "LICET-FP-ABCDE-ABCDE-ABCDE"));
    }
}
