//! licet-runtime: see README.md.
