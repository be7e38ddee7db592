//! licet-proto: see README.md.
