//! Liberty (seed 000): "an RS256-signed JWT … iss, sub, exp, aud, connectors (custom) | The list of licensed
//! connector keys this license unlocks." Written exactly so; the LIBERTY profile reads `connectors` as licensed
//! modules.

use licet_core::UnixTime;
use serde_json::{json, Value};

use crate::vendor::Seed;

/// The connectors Nomana-IT ships as licensed in this release: "Nomasx-1, Nomajde and NomaUBL".
pub const LICENSED_CONNECTORS: [&str; 3] = ["nomasx1", "nomajde", "nomaubl"];

/// A Liberty license as the manual describes it.
#[derive(Clone, Debug)]
pub struct LibertyLicense {
    /// "The licensed customer or instance."
    pub subject: String,
    /// "The product / version family the license covers." Defaults to the seed's audience.
    pub audience: Option<String>,
    /// The `connectors` claim.
    pub connectors: Vec<String>,
    pub issued_at: UnixTime,
    /// "Unix timestamp after which the license is rejected."
    pub exp: UnixTime,
}

impl LibertyLicense {
    pub fn new(subject: &str, connectors: &[&str], issued_at: UnixTime, exp: UnixTime) -> Self {
        LibertyLicense {
            subject: subject.to_owned(),
            audience: None,
            connectors: connectors.iter().map(|c| (*c).to_owned()).collect(),
            issued_at,
            exp,
        }
    }

    /// The JWT claims as the manual's table lists them (plus `iat`, which every JWT library writes).
    pub fn claims(&self) -> Value {
        json!({
            "iss": Seed::Liberty.issuer(),
            "sub": self.subject,
            "aud": self.audience.as_deref().unwrap_or(Seed::Liberty.audience()),
            "iat": self.issued_at.0,
            "exp": self.exp.0,
            "connectors": self.connectors,
        })
    }
}
