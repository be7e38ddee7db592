//! One module per command. New commands (status, serve, vendor …) add a module here and a variant in `main.rs`.

pub mod inspect;
pub mod install;
pub mod issue;
pub mod keygen;
pub mod serve;
pub mod status;
pub mod token;
pub mod vendor;
pub mod verify;
