//! Test support only: a hand-kept OpenAPI document and the router it describes must list the same operations.
//!
//! [`routed`] reads the route table from the sources that build it: every `.route(PATH, method(handler)…)` call,
//! with its method chain (`get(list).post(create)`); PATH is a string literal or a constant the caller resolves.
//! [`documented`] reads the operations of an OpenAPI 3.1 document. A crate's test asserts the two sets are equal,
//! so a route added without its documentation (or documentation without its route) fails.

use std::collections::BTreeSet;

use serde_json::Value;

/// `(METHOD, path)`, the method upper-case, the path as routed (`/v1/installs/{id}`).
pub type Operation = (String, String);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation routed in `sources`. `consts` names the path constants used instead of a literal
/// (`("paths::RENEW", "/v1/renew")`); an unknown one, or a method chain that cannot be read, is an error.
pub fn routed(sources: &[&str], consts: &[(&str, &str)]) -> Result<BTreeSet<Operation>, String> {
    let mut out = BTreeSet::new();
    for src in sources {
        // Comments may mention `.route(` in prose; only code counts.
        let code: String = src
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for chunk in code.split(".route(").skip(1) {
            let (path, rest) = route_path(chunk.trim_start(), consts)?;
            let rest = rest
                .trim_start()
                .strip_prefix(',')
                .ok_or_else(|| format!("{path}: no `,` after the path"))?;
            for method in method_chain(rest).map_err(|e| format!("{path}: {e}"))? {
                if !out.insert((method.to_uppercase(), path.clone())) {
                    return Err(format!("{method} {path} is routed twice"));
                }
            }
        }
    }
    Ok(out)
}

/// The path at the start of `s` (a literal or a known constant) and what follows it.
fn route_path<'a>(s: &'a str, consts: &[(&str, &str)]) -> Result<(String, &'a str), String> {
    if let Some(lit) = s.strip_prefix('"') {
        let (path, rest) = lit.split_once('"').ok_or("an unterminated path literal")?;
        return Ok((path.to_owned(), rest));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    let (_, path) = consts
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("route path `{name}` is neither a literal nor a constant the test knows"))?;
    Ok(((*path).to_owned(), rest))
}

/// The methods of `get(a).post(b)` at the start of `s`, up to the `)` that closes the `.route(` call.
fn method_chain(mut s: &str) -> Result<Vec<String>, String> {
    let mut methods = Vec::new();
    loop {
        s = s.trim_start();
        let end = s
            .find(|c: char| !c.is_ascii_alphabetic() && c != '_')
            .unwrap_or(s.len());
        let (name, rest) = s.split_at(end);
        if !METHODS.contains(&name) {
            return Err(format!("`{name}` is not a method router this test knows"));
        }
        methods.push(name.to_owned());
        s = skip_group(rest.trim_start())?;
        s = s.trim_start();
        match s.strip_prefix('.') {
            Some(rest) => s = rest,
            None => break,
        }
    }
    let closing = s.strip_prefix(',').unwrap_or(s).trim_start();
    if !closing.starts_with(')') {
        return Err("the method chain is not followed by the `)` closing `.route(`".into());
    }
    Ok(methods)
}

/// What follows the balanced `( … )` group at the start of `s` (string literals inside it skipped).
fn skip_group(s: &str) -> Result<&str, String> {
    if !s.starts_with('(') {
        return Err("a method router without its `(handler)`".into());
    }
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(s.get(i + 1..).unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    Err("an unbalanced `(`".into())
}

/// Every operation in the OpenAPI document `doc` (its `paths`), which must be OpenAPI 3.1.0.
pub fn documented(doc: &str) -> Result<BTreeSet<Operation>, String> {
    let doc: Value = serde_json::from_str(doc).map_err(|e| format!("the document is not JSON: {e}"))?;
    if doc.get("openapi") != Some(&Value::from("3.1.0")) {
        return Err("the document is not OpenAPI 3.1.0".into());
    }
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no paths")?;
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ops(list: &[(&str, &str)]) -> BTreeSet<Operation> {
        list.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect()
    }

    #[test]
    fn reads_literals_constants_chains_and_closures() {
        let src = r#"
            // .route("/commented", get(x))
            Router::new()
                .route("/a", get(list).post(create))
                .route(
                    "/a/{id}",
                    get(one).patch(update).delete(remove),
                )
                .route(paths::RENEW, get(renew))
                .route("/healthz", get(|| async { "o)k" }))
        "#;
        let got = routed(&[src], &[("paths::RENEW", "/v1/renew")]).unwrap();
        let want = ops(&[
            ("GET", "/a"),
            ("POST", "/a"),
            ("GET", "/a/{id}"),
            ("PATCH", "/a/{id}"),
            ("DELETE", "/a/{id}"),
            ("GET", "/v1/renew"),
            ("GET", "/healthz"),
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(routed(&[".route(UNKNOWN, get(x))"], &[]).is_err());
        assert!(routed(&[".route(\"/a\", any(x))"], &[]).is_err());
        assert!(routed(&[".route(\"/a\", get(x)).route(\"/a\", get(y))"], &[]).is_err());
        assert!(routed(&[".route(\"/a\", get(x).layer(l))"], &[]).is_err());
    }

    #[test]
    fn reads_a_documents_operations() {
        let doc = r#"{"openapi": "3.1.0", "paths": {"/a": {"parameters": [], "get": {}, "post": {}}}}"#;
        assert_eq!(documented(doc).unwrap(), ops(&[("GET", "/a"), ("POST", "/a")]));
        assert!(documented(r#"{"openapi": "3.0.0", "paths": {}}"#).is_err());
    }
}
