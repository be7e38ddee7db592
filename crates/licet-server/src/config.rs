//! `licet serve` configuration: defaults, then a TOML file (string values may say `${VAR}` or
//! `${VAR:-default}`), then `LICET_*` environment variables, then command-line flags (applied by the CLI).
//!
//! Substitution happens inside parsed string values, never on the raw text, so a variable's value can never
//! change the file's structure (a `"` in a password stays a `"`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::state::ServerOptions;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {message}")]
    Substitute { path: PathBuf, message: String },
    #[error("environment variable {var}={value:?} is invalid: {message}")]
    Env {
        var: &'static str,
        value: String,
        message: String,
    },
}

/// Everything `licet serve` needs to run.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on. Loopback by default: exposing the license API is a decision.
    pub listen: SocketAddr,
    /// Where the embedded SQLite database and the install's own signing key live.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; when set it replaces the embedded SQLite store.
    pub database_url: Option<String>,
    /// Policy profile by name: `standard` (the default) or a seed profile (`liberty`, `honeyframe`, `sovereign`,
    /// `nivq`, `justiam`).
    pub profile: String,
    /// Trusted vendor keys: PEM public keys or JWKS files.
    pub trust: Vec<PathBuf>,
    /// Expected `iss` and `aud` of licenses. Required: a trusted key alone does not say which vendor name and
    /// product a license must carry, and accepting any would let one product's license unlock another's.
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// A license file to seed the store from on first start (mounted secret).
    pub license_file: Option<PathBuf>,
    /// Whether reads need no token.
    pub open_reads: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest wait, in seconds, for a database connection before a change answers `503 store_unavailable` (the
    /// status is served meanwhile); `None` for the store's default (5 s PostgreSQL, 15 s SQLite).
    pub store_timeout_secs: Option<u64>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8087)),
            data_dir: PathBuf::from("licet-data"),
            database_url: None,
            profile: licet_core::profiles::STANDARD.name.to_string(),
            trust: Vec::new(),
            issuer: None,
            audience: None,
            license_file: None,
            open_reads: true,
            body_limit: ServerOptions::DEFAULT_BODY_LIMIT,
            store_timeout_secs: None,
        }
    }
}

/// `${VAR}`, `${VAR:-default}` and the `$${` escape, as the runtime's config-file license source reads them.
pub use licet_runtime::subst::substitute;

fn substitute_value(v: &mut toml::Value, env: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    match v {
        toml::Value::String(s) => {
            *s = substitute(s, env).map_err(|e| match e {
                licet_runtime::Error::Config { message } => message,
                other => other.to_string(),
            })?
        }
        toml::Value::Array(items) => {
            for item in items {
                substitute_value(item, env)?;
            }
        }
        toml::Value::Table(t) => {
            for (_, item) in t.iter_mut() {
                substitute_value(item, env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `value` of `var` as a `T`, or an error naming both.
fn parse_var<T: std::str::FromStr>(var: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| ConfigError::Env {
        var,
        value: value.to_owned(),
        message: e.to_string(),
    })
}

fn parse_bool(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Env {
            var,
            value: value.to_owned(),
            message: "expected true or false".into(),
        }),
    }
}

impl ServeConfig {
    /// Defaults, then `file` (if any), then the environment as `env` reads it.
    pub fn load(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = match file {
            None => ServeConfig::default(),
            Some(path) => Self::from_file(path, env)?,
        };
        config.apply_env(env)?;
        Ok(config)
    }

    fn from_file(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut value: toml::Value = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        substitute_value(&mut value, env).map_err(|message| ConfigError::Substitute {
            path: path.to_owned(),
            message,
        })?;
        value.try_into().map_err(|e: toml::de::Error| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// `LICET_LISTEN`, `LICET_DATA_DIR`, `LICET_DATABASE_URL`, `LICET_PROFILE`, `LICET_TRUST` (comma-separated),
    /// `LICET_ISSUER`, `LICET_AUDIENCE`, `LICET_LICENSE_FILE`, `LICET_OPEN_READS`, `LICET_BODY_LIMIT`,
    /// `LICET_STORE_TIMEOUT_SECS`.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = env("LICET_LISTEN") {
            self.listen = parse_var("LICET_LISTEN", &v)?;
        }
        if let Some(v) = env("LICET_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("LICET_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = env("LICET_PROFILE") {
            self.profile = v;
        }
        if let Some(v) = env("LICET_TRUST") {
            self.trust = v
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| PathBuf::from(p.trim()))
                .collect();
        }
        if let Some(v) = env("LICET_ISSUER") {
            self.issuer = Some(v);
        }
        if let Some(v) = env("LICET_AUDIENCE") {
            self.audience = Some(v);
        }
        if let Some(v) = env("LICET_LICENSE_FILE") {
            self.license_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("LICET_OPEN_READS") {
            self.open_reads = parse_bool("LICET_OPEN_READS", &v)?;
        }
        if let Some(v) = env("LICET_BODY_LIMIT") {
            self.body_limit = parse_var("LICET_BODY_LIMIT", &v)?;
        }
        if let Some(v) = env("LICET_STORE_TIMEOUT_SECS") {
            self.store_timeout_secs = Some(parse_var("LICET_STORE_TIMEOUT_SECS", &v)?);
        }
        Ok(())
    }

    /// How the store is opened: the acquire timeout, if one is set. Zero would fail every operation at once, so
    /// it is refused rather than taken literally.
    pub fn store_options(&self) -> Result<licet_store::StoreOptions, String> {
        match self.store_timeout_secs {
            None => Ok(licet_store::StoreOptions::default()),
            Some(0) => Err("store_timeout_secs must be at least 1 second".to_owned()),
            Some(s) => Ok(licet_store::StoreOptions::default().acquire_timeout(std::time::Duration::from_secs(s))),
        }
    }

    pub fn server_options(&self) -> ServerOptions {
        ServerOptions {
            open_reads: self.open_reads,
            body_limit: self.body_limit,
        }
    }
}

#[cfg(test)]
mod tests;
