//! licet-server: see README.md.
