//! `${VAR}` substitution in configuration values, as in `[license] key = "${LIBERTY_LICENSE_KEY}"`.
//!
//! Substitution runs on the parsed string value, never on the TOML text, so a variable's content cannot change the
//! file's structure. An unset variable is an error naming it: a silently empty license key would boot the product
//! unlicensed with no clue why. `$${` writes a literal `${`.

use crate::error::Error;

/// Replaces each `${NAME}` in `value` with `lookup(NAME)`.
pub fn substitute(value: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        let (before, from_dollar) = rest.split_at(pos);
        out.push_str(before);
        if let Some(after) = from_dollar.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = from_dollar.strip_prefix("${") {
            let end = after.find('}').ok_or_else(|| Error::Config {
                message: format!("unterminated ${{ in {value:?}; write $${{ for a literal ${{"),
            })?;
            let (name, tail) = after.split_at(end);
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Config {
                    message: format!("${{{name}}} is not a variable name (letters, digits and _ only)"),
                });
            }
            let v = lookup(name).ok_or_else(|| Error::Config {
                message: format!("environment variable {name} is referenced by the configuration but not set"),
            })?;
            out.push_str(&v);
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
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(substitute("${KEY", env).is_err());
        assert!(substitute("${}", env).is_err());
        assert!(substitute("${A B}", env).is_err());
    }
}
