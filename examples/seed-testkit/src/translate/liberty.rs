//! Liberty (seed 000): "an RS256-signed JWT … iss, sub, exp, aud, connectors (custom) | The list of licensed
//! connector keys this license unlocks." In licet the connector keys are `lic.products`.

use licet_core::{Claims, Customer, UnixTime};

use super::{base, slug};
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

    pub fn claims(&self) -> Claims {
        let customer = Customer {
            id: slug(&self.subject),
            name: self.subject.clone(),
        };
        let mut c = base(Seed::Liberty, &self.subject, customer, self.issued_at, Some(self.exp));
        if let Some(aud) = &self.audience {
            c.aud = licet_core::Audience::one(aud.clone());
        }
        c.lic.products = self.connectors.clone();
        c
    }
}
