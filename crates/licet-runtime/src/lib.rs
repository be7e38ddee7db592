//! licet-runtime: see README.md.

pub mod clock;
pub mod error;
pub mod fingerprint;
pub mod source;
pub mod subst;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::Error;
pub use source::{AllowedSources, ConfigSource, SourceKind, Sources};
