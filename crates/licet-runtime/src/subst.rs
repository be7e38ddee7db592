//! `${VAR}` substitution in configuration values, as in `[license] key = "${LIBERTY_LICENSE_KEY}"` or
//! `data_dir = "${STATE_DIR:-/var/lib}/licet"`. The one implementation: the runtime's config-file source and
//! `licet serve`'s configuration both use it.
//!
//! Substitution runs on the parsed string value, never on the TOML text, so a variable's content cannot change the
//! file's structure, and a value is never substituted again. An unset variable without a default is an error naming
//! it: a silently empty license key would boot the product unlicensed with no clue why. `${VAR:-default}` uses the
//! default only when the variable is unset (set but empty stays empty); a default is literal text and may not hold
//! `${`. `$${` writes a literal `${`; any other `$` is itself.

use crate::error::Error;

/// Replaces each `${NAME}` and `${NAME:-default}` in `value` with `lookup(NAME)` (or the default).
pub fn substitute(value: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    let err = |message: String| Error::Config { message };
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        let (before, from_dollar) = rest.split_at(pos);
        out.push_str(before);
        if let Some(after) = from_dollar.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = from_dollar.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| err(format!("unterminated ${{ in {value:?}; write $${{ for a literal ${{")))?;
            let (expr, tail) = after.split_at(end);
            let (name, default) = match expr.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (expr, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(err(format!(
                    "${{{expr}}} is not a variable reference (a name of letters, digits and _, optionally :-default)"
                )));
            }
            if default.is_some_and(|d| d.contains("${")) {
                return Err(err(format!(
                    "the default in ${{{expr}}} holds ${{; defaults are literal text and cannot nest references"
                )));
            }
            match (lookup(name), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(err(format!(
                        "environment variable {name} is referenced by the configuration but not set"
                    )))
                }
            }
            rest = tail.strip_prefix('}').unwrap_or(tail);
        } else {
            out.push('$');
            rest = from_dollar.strip_prefix('$').unwrap_or("");
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "KEY" => Some("abc.def.ghi".into()),
            "EMPTY" => Some(String::new()),
            "TRICKY" => Some("${KEY} $${KEY}".into()),
            _ => None,
        }
    }

    #[test]
    fn replaces_variables() {
        assert_eq!(substitute("${KEY}", env).unwrap(), "abc.def.ghi");
        assert_eq!(substitute("pre-${KEY}-post", env).unwrap(), "pre-abc.def.ghi-post");
        assert_eq!(substitute("${KEY}${KEY}", env).unwrap(), "abc.def.ghiabc.def.ghi");
        assert_eq!(substitute("${EMPTY}", env).unwrap(), "");
        assert_eq!(substitute("no vars", env).unwrap(), "no vars");
    }

    #[test]
    fn values_are_not_substituted_again() {
        assert_eq!(substitute("${TRICKY}", env).unwrap(), "${KEY} $${KEY}");
    }

    #[test]
    fn defaults_apply_only_when_unset() {
        assert_eq!(substitute("${MISSING:-fallback}", env).unwrap(), "fallback");
        assert_eq!(substitute("${MISSING:-}", env).unwrap(), "");
        assert_eq!(substitute("${KEY:-fallback}", env).unwrap(), "abc.def.ghi");
        assert_eq!(substitute("${EMPTY:-fallback}", env).unwrap(), "");
        assert_eq!(substitute("${MISSING:-a:-b $5}/x", env).unwrap(), "a:-b $5/x");
        let e = substitute("${MISSING:-${KEY}}", env).unwrap_err().to_string();
        assert!(e.contains("literal"), "{e}");
    }

    #[test]
    fn unset_variable_is_an_error_naming_it() {
        let e = substitute("${LIBERTY_LICENSE_KEY}", env).unwrap_err().to_string();
        assert!(e.contains("LIBERTY_LICENSE_KEY"), "{e}");
        assert!(e.contains("not set"), "{e}");
    }

    #[test]
    fn escape_and_lone_dollars() {
        assert_eq!(substitute("$${KEY}", env).unwrap(), "${KEY}");
        assert_eq!(substitute("cost $5 $", env).unwrap(), "cost $5 $");
        assert_eq!(substitute("$$", env).unwrap(), "$$");
        assert_eq!(substitute("$$${KEY}", env).unwrap(), "$${KEY}");
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(substitute("${KEY", env).is_err());
        assert!(substitute("${}", env).is_err());
        assert!(substitute("${:-x}", env).is_err());
        assert!(substitute("${A B}", env).is_err());
    }
}
