//! The `config` target: TOML configuration files with `${VAR}` substitution, as an operator writes them.
//!
//! Two loaders read such files, both through the one substitution in `licet_runtime::subst`: the runtime's
//! config-file license source (`[license] key = "${…}"`, via `read_config_value`) and `licet serve`'s
//! `ServeConfig::load`. Both take a path, so the input is written to one scratch file per thread first. The
//! substitution is also fed the raw text, and checked against properties that need no second implementation.

use std::path::PathBuf;

use licet_runtime::source::{read_config_value, ConfigSource};
use licet_server::ServeConfig;

/// Even-length names are set (to a value with braces and quotes but no `$`, so that a `$` in the output can only
/// come from the input); odd ones are not.
fn env(name: &str) -> Option<String> {
    (name.len() % 2 == 0).then(|| format!("<{name}:{{\"}}>"))
}

fn scratch() -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_ascii_alphanumeric(), "");
    std::env::temp_dir().join(format!("licet-fuzz-config-{}-{thread}.toml", std::process::id()))
}

pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        substitution(text);
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

/// Properties of `${VAR}` substitution on any text.
fn substitution(text: &str) {
    let out = licet_runtime::subst::substitute(text, env);
    if !text.contains('$') {
        assert_eq!(out.ok().as_deref(), Some(text), "substitution changed text without $");
        return;
    }
    // Where every `$` starts a reference, nothing unresolved survives: the output holds no `$` at all (a default
    // holding `${` is refused, and values hold no `$`).
    let only_references = text
        .match_indices('$')
        .all(|(i, _)| text.get(i..).is_some_and(|t| t.starts_with("${")));
    if only_references {
        if let Ok(out) = &out {
            assert!(!out.contains('$'), "unresolved reference in {out:?} from {text:?}");
        }
    }
    // Escaping every `${` as `$${` makes any text come back unchanged, whatever else it holds.
    let escaped = text.replace("${", "$${");
    match licet_runtime::subst::substitute(&escaped, env) {
        Ok(back) => assert_eq!(back, text, "escaped text did not come back unchanged"),
        Err(e) => panic!("escaped text {escaped:?} was refused: {e}"),
    }
}

#[cfg(test)]
mod tests {
    /// Every text up to six characters over the characters that matter (`$ { } : -`, a set name, an unset one).
    #[test]
    fn substitution_properties_hold_for_every_short_text() {
        const ALPHABET: [char; 7] = ['$', '{', '}', ':', '-', 'A', 'B'];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().map_or(0, |l| l.chars().count()))
                .flat_map(|t| ALPHABET.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        assert_eq!(texts.len(), (0..=6).map(|n| 7usize.pow(n)).sum::<usize>());
        for text in &texts {
            super::substitution(text);
        }
        // "AB" is set (even length), "A" is not: both paths are exercised.
        assert!(super::env("AB").is_some() && super::env("A").is_none());
    }
}
