//! Where a license applies: the whole instance, or one organization (tenant).

use crate::error::{Result, StoreError};

/// Longest org id the store accepts.
pub const MAX_ORG_ID_LEN: usize = 128;

/// The scope a license (and its renewal bookkeeping) belongs to. A per-org license beats the instance-wide one;
/// that precedence is the runtime's business, the store keeps both.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Scope {
    Instance,
    Org(OrgId),
}

/// An organization id as the license names it: 1..=128 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() || id.len() > MAX_ORG_ID_LEN {
            return Err(StoreError::InvalidInput {
                field: "org id",
                problem: "must be 1 to 128 bytes",
            });
        }
        if id.chars().any(char::is_control) {
            return Err(StoreError::InvalidInput {
                field: "org id",
                problem: "must not contain control characters",
            });
        }
        Ok(OrgId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Scope {
    /// Shorthand for `Scope::Org(OrgId::new(id)?)`.
    pub fn org(id: impl Into<String>) -> Result<Self> {
        Ok(Scope::Org(OrgId::new(id)?))
    }

    /// The key stored in the `scope` columns: `instance` or `org:<id>`.
    pub fn key(&self) -> String {
        match self {
            Scope::Instance => "instance".to_owned(),
            Scope::Org(id) => format!("org:{}", id.0),
        }
    }

    pub fn from_key(key: &str) -> Result<Self> {
        if key == "instance" {
            return Ok(Scope::Instance);
        }
        match key.strip_prefix("org:") {
            Some(id) => Scope::org(id).map_err(|_| StoreError::Corrupt(format!("bad scope key {key:?}"))),
            None => Err(StoreError::Corrupt(format!("bad scope key {key:?}"))),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.key()
    }
}

impl TryFrom<String> for Scope {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self> {
        Scope::from_key(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for scope in [
            Scope::Instance,
            Scope::org("acme").unwrap(),
            Scope::org("org:with:colons").unwrap(),
        ] {
            assert_eq!(Scope::from_key(&scope.key()).unwrap(), scope);
        }
        assert_eq!(Scope::org("acme").unwrap().key(), "org:acme");
        assert_eq!(Scope::from_key("tenant:x").unwrap_err().code(), "store_corrupt");
        assert_eq!(Scope::from_key("org:").unwrap_err().code(), "store_corrupt");
        assert!(Scope::org("x".repeat(MAX_ORG_ID_LEN + 1)).is_err());
        assert!(Scope::org("x".repeat(MAX_ORG_ID_LEN)).is_ok());
    }

    #[test]
    fn serde_uses_the_key() {
        let json = serde_json::to_string(&Scope::org("acme").unwrap()).unwrap();
        assert_eq!(json, "\"org:acme\"");
        assert_eq!(serde_json::from_str::<Scope>("\"instance\"").unwrap(), Scope::Instance);
        assert!(serde_json::from_str::<Scope>("\"bogus\"").is_err());
    }
}
