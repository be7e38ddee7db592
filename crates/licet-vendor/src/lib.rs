//! licet-vendor: see README.md.
