//! licet-store: see README.md.
