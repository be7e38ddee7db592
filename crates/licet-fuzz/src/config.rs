//! The `config` target: TOML configuration files with `${VAR}` substitution, as an operator writes them.
//!
//! Two loaders read such files: the runtime's config-file license source (`[license] key = "${…}"`, via
//! `read_config_value`) and `licet serve`'s `ServeConfig::load`. Both take a path, so the input is written to one
//! scratch file per thread first. The substitution functions are also fed the raw text.

use std::path::PathBuf;

use licet_runtime::source::{read_config_value, ConfigSource};
use licet_server::ServeConfig;

/// Even-length names are set (to a value with characters that must not re-trigger substitution); odd ones are not.
fn env(name: &str) -> Option<String> {
    (name.len() % 2 == 0).then(|| format!("<{name}:${{\"}}>"))
}

fn scratch() -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_ascii_alphanumeric(), "");
    std::env::temp_dir().join(format!("licet-fuzz-config-{}-{thread}.toml", std::process::id()))
}

pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let runtime = licet_runtime::subst::substitute(text, env);
        let server = licet_server::config::substitute(text, &env);
        if !text.contains('$') {
            assert_eq!(
                runtime.ok().as_deref(),
                Some(text),
                "runtime substitution changed text without $"
            );
            assert_eq!(
                server.ok().as_deref(),
                Some(text),
                "server substitution changed text without $"
            );
        } else if !text.contains(":-") {
            // Without the server's `${VAR:-default}` form the two substitutions must agree.
            assert_eq!(runtime.is_ok(), server.is_ok(), "substitutions disagree on {text:?}");
            if let (Ok(a), Ok(b)) = (runtime, server) {
                assert_eq!(a, b);
            }
        }
    }
    let path = scratch();
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for key in ["license.key", "key", "a.b.c"] {
        let source = ConfigSource {
            path: path.clone(),
            key: key.to_owned(),
        };
        let _ = read_config_value(&source, &env);
    }
    let _ = ServeConfig::load(Some(&path), &env);
}
