//! Where a license comes from, highest first: an environment variable, a configuration file value, a mounted file
//! that seeds the store once, the store.
//!
//! Env and config are read-only overrides: they win while set and are never written to the store. A mounted file
//! is read once, installed into the store, and from then on the store is the truth (nivq: "the database is the
//! durable truth; the file only seeds it"); the store remembers that seeding happened so a later edit of the mount
//! does not silently replace a license uploaded since. Which of these a product accepts is its profile's choice.

use std::path::{Path, PathBuf};

use licet_core::Reason;

use crate::error::Error;
use crate::subst::substitute;

/// Upper bound on a license read from any source; far above any real license, far below a memory problem.
pub const MAX_LICENSE_BYTES: u64 = 256 * 1024;

/// Where a license came from; the profile's `sources.order` lists the allowed ones, highest first.
pub use licet_core::policy::Source;

pub fn source_name(kind: Source) -> &'static str {
    match kind {
        Source::Env => "env",
        Source::ConfigFile => "config_file",
        Source::File => "file",
        Source::Store => "store",
    }
}

/// A value in a TOML file, e.g. `license.key` in `app.toml`.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// Dotted path to a string value: `license.key` is `[license] key = "…"`.
    pub key: String,
}

/// The product's wiring of sources (names and paths). The profile decides which count and in which order.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// e.g. `LICET_LICENSE` or `LIBERTY_LICENSE_KEY`.
    pub env_var: Option<String>,
    pub config: Option<ConfigSource>,
    /// A license file: read on every load, or (profile's `file_seeds_store_once`) only to seed the store.
    pub file: Option<PathBuf>,
}

/// A license token and the source it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub kind: Source,
    pub token: String,
}

impl Sources {
    /// The names the profile gives (env var, file path), with `${VAR}` expanded in the file path; the config file
    /// path is the product's (`config_path`), the key inside it the profile's `config_key`.
    pub fn from_policy(
        policy: &licet_core::policy::Sources,
        config_path: Option<PathBuf>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Sources, Error> {
        let file = match policy.file.as_deref() {
            Some(f) => Some(PathBuf::from(substitute(f, env)?)),
            None => None,
        };
        Ok(Sources {
            env_var: policy.env_var.as_deref().map(str::to_owned),
            config: match (config_path, policy.config_key.as_deref()) {
                (Some(path), Some(key)) => Some(ConfigSource {
                    path,
                    key: key.to_owned(),
                }),
                _ => None,
            },
            file,
        })
    }

    /// Reads one non-store source; `None` when it holds nothing (unset, blank, absent file or key).
    pub fn read(&self, kind: Source, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Error> {
        let raw = match kind {
            Source::Env => match self.env_var.as_deref().and_then(env) {
                Some(v) => {
                    check_size(v.len())?;
                    Some(v)
                }
                None => None,
            },
            Source::ConfigFile => match &self.config {
                Some(cfg) => read_config_value(cfg, env)?,
                None => None,
            },
            Source::File => match &self.file {
                Some(path) => read_license_file(path)?,
                None => None,
            },
            Source::Store => None,
        };
        Ok(raw.filter(|v| !v.trim().is_empty()))
    }

    /// Where `kind` reads from, in words an operator can find: `environment variable X`, `license.key in
    /// /etc/app.toml`, the file's path.
    pub fn describe(&self, kind: Source) -> String {
        match kind {
            Source::Env => match &self.env_var {
                Some(var) => format!("environment variable {var}"),
                None => "the environment".to_owned(),
            },
            Source::ConfigFile => match &self.config {
                Some(cfg) => format!("{} in {}", cfg.key, cfg.path.display()),
                None => "the configuration file".to_owned(),
            },
            Source::File => match &self.file {
                Some(path) => path.display().to_string(),
                None => "the license file".to_owned(),
            },
            Source::Store => "the store".to_owned(),
        }
    }
}

/// The first source in `order` that holds a license. `read` answers one source (the runtime answers `Store` from
/// the store and skips a seed-only `File`). An error in a source stops the walk: a config file that names an unset
/// variable must not silently fall through to an older license further down.
pub fn pick(
    order: &[Source],
    mut read: impl FnMut(Source) -> Result<Option<String>, Error>,
) -> Result<Option<Found>, Error> {
    for &kind in order {
        if let Some(token) = read(kind)? {
            return Ok(Some(Found { kind, token }));
        }
    }
    Ok(None)
}

fn too_large(what: String) -> Error {
    Error::Refused {
        reason: Reason::LicenseTooLarge,
        detail: Some(format!(
            "{what}, more than the {MAX_LICENSE_BYTES} bytes any license can be"
        )),
    }
}

fn check_size(len: usize) -> Result<(), Error> {
    if u64::try_from(len).unwrap_or(u64::MAX) > MAX_LICENSE_BYTES {
        return Err(too_large(format!("the license source holds {len} bytes")));
    }
    Ok(())
}

/// The file's bytes; `None` when it does not exist. Anything larger than a license can be is refused unread.
fn read_small_file(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let cannot = |e: std::io::Error| Error::Config {
        message: format!("cannot read {}: {e}", path.display()),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    if meta.len() > MAX_LICENSE_BYTES {
        return Err(too_large(format!("{} is {} bytes", path.display(), meta.len())));
    }
    std::fs::read(path).map(Some).map_err(cannot)
}

/// A license file that is not text is not a license: it is refused as malformed, like any other bytes that do not
/// decode, rather than failing as unreadable.
fn read_license_file(path: &Path) -> Result<Option<String>, Error> {
    let Some(bytes) = read_small_file(path)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|_| Error::Refused {
        reason: Reason::LicenseMalformed,
        detail: Some(format!("{} is not text (not UTF-8)", path.display())),
    })
}

/// Reads `cfg.key` from the TOML file; `None` when the file or the key is absent. `${VAR}` is substituted in the
/// value only.
pub fn read_config_value(cfg: &ConfigSource, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Error> {
    let Some(bytes) = read_small_file(&cfg.path)? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes).map_err(|_| Error::Config {
        message: format!("{} is not UTF-8 text", cfg.path.display()),
    })?;
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
