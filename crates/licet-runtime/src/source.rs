//! Where a license comes from, highest first: an environment variable, a configuration file value, a mounted file
//! that seeds the store once, the store.
//!
//! Env and config are read-only overrides: they win while set and are never written to the store. A mounted file
//! is read once, installed into the store, and from then on the store is the truth (nivq: "the database is the
//! durable truth; the file only seeds it"); the store remembers that seeding happened so a later edit of the mount
//! does not silently replace a license uploaded since. Which of these a product accepts is its profile's choice.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::subst::substitute;

/// Upper bound on a license read from any source; far above any real license, far below a memory problem.
pub const MAX_LICENSE_BYTES: u64 = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Env,
    Config,
    File,
    Store,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Env => "env",
            SourceKind::Config => "config",
            SourceKind::File => "file",
            SourceKind::Store => "store",
        }
    }
}

/// Which sources the profile accepts. (Mirrors the profile's sources set in licet-core's `Policy`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowedSources {
    pub env: bool,
    pub config: bool,
    pub file: bool,
    pub store: bool,
}

impl AllowedSources {
    pub const ALL: AllowedSources = AllowedSources {
        env: true,
        config: true,
        file: true,
        store: true,
    };

    pub fn allows(self, kind: SourceKind) -> bool {
        match kind {
            SourceKind::Env => self.env,
            SourceKind::Config => self.config,
            SourceKind::File => self.file,
            SourceKind::Store => self.store,
        }
    }
}

/// A value in a TOML file, e.g. `license.key` in `app.toml`.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// Dotted path to a string value: `license.key` is `[license] key = "…"`.
    pub key: String,
}

/// The product's wiring of sources (names and paths); the profile decides which of them count.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// e.g. `LICET_LICENSE` or `LIBERTY_LICENSE_KEY`.
    pub env_var: Option<String>,
    pub config: Option<ConfigSource>,
    /// A mounted file (e.g. `/etc/nivq/license.jwt`) that seeds the store on first start.
    pub seed_file: Option<PathBuf>,
}

/// A license token read from an override source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub kind: SourceKind,
    pub token: String,
}

impl Sources {
    /// The override (env, then config) that wins, if any. `env` looks up environment variables; tests pass a map.
    pub fn read_override(
        &self,
        allowed: AllowedSources,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Found>, Error> {
        if allowed.env {
            if let Some(token) = self.env_var.as_deref().and_then(env).filter(|v| !v.trim().is_empty()) {
                check_size(token.len())?;
                return Ok(Some(Found {
                    kind: SourceKind::Env,
                    token,
                }));
            }
        }
        if allowed.config {
            if let Some(cfg) = &self.config {
                if let Some(token) = read_config_value(cfg, env)?.filter(|v| !v.trim().is_empty()) {
                    return Ok(Some(Found {
                        kind: SourceKind::Config,
                        token,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// The mounted seed file's content, if the profile allows it and the file exists.
    pub fn read_seed_file(&self, allowed: AllowedSources) -> Result<Option<String>, Error> {
        match &self.seed_file {
            Some(path) if allowed.file => read_small_file(path),
            _ => Ok(None),
        }
    }
}

fn check_size(len: usize) -> Result<(), Error> {
    if u64::try_from(len).unwrap_or(u64::MAX) > MAX_LICENSE_BYTES {
        return Err(Error::Config {
            message: format!("license source holds {len} bytes, more than the {MAX_LICENSE_BYTES} any license can be"),
        });
    }
    Ok(())
}

fn read_small_file(path: &Path) -> Result<Option<String>, Error> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Config {
                message: format!("cannot read {}: {e}", path.display()),
            })
        }
    };
    if meta.len() > MAX_LICENSE_BYTES {
        return Err(Error::Config {
            message: format!(
                "{} is {} bytes, more than any license can be",
                path.display(),
                meta.len()
            ),
        });
    }
    std::fs::read_to_string(path).map(Some).map_err(|e| Error::Config {
        message: format!("cannot read {}: {e}", path.display()),
    })
}

/// Reads `cfg.key` from the TOML file; `None` when the file or the key is absent. `${VAR}` is substituted in the
/// value only.
pub fn read_config_value(cfg: &ConfigSource, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Error> {
    let Some(text) = read_small_file(&cfg.path)? else {
        return Ok(None);
    };
    let doc: toml::Table = text.parse().map_err(|e| Error::Config {
        message: format!("{} is not valid TOML: {e}", cfg.path.display()),
    })?;
    let mut node: Option<&toml::Value> = None;
    let mut table = &doc;
    let parts: Vec<&str> = cfg.key.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Some(v) = table.get(*part) else {
            return Ok(None);
        };
        if i + 1 == parts.len() {
            node = Some(v);
        } else if let Some(t) = v.as_table() {
            table = t;
        } else {
            return Ok(None);
        }
    }
    match node {
        None => Ok(None),
        Some(toml::Value::String(s)) => substitute(s, env).map(Some),
        Some(_) => Err(Error::Config {
            message: format!("{} in {} must be a string", cfg.key, cfg.path.display()),
        }),
    }
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
