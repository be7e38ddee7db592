//! The armored file form: `-----BEGIN <LABEL>-----`, the body wrapped at 64 columns, `-----END <LABEL>-----`.
//!
//! The body is text that survives having its whitespace removed (a compact JWS is base64url and dots), so that a
//! file mangled by an e-mail client or a copy from a terminal still parses.

const WIDTH: usize = 64;

/// Wraps `body` (whitespace-free) in BEGIN/END lines.
pub fn armor(label: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / WIDTH + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let mut rest = body;
    while !rest.is_empty() {
        let cut = next_cut(rest);
        let (line, tail) = rest.split_at(cut);
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// The first char boundary at or before 64 bytes (bodies are ASCII; this only keeps `split_at` total).
fn next_cut(s: &str) -> usize {
    if s.len() <= WIDTH {
        return s.len();
    }
    (1..=WIDTH).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(s.len())
}

/// The body between the BEGIN and END lines of `label`, with all whitespace removed; `None` if `text` is not
/// armored with that label. Text before BEGIN and after END is ignored (mail headers, a trailing signature).
pub fn dearmor(label: &str, text: &str) -> Option<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let body = text.get(start..)?;
    let stop = body.find(&end)?;
    Some(body.get(..stop)?.chars().filter(|c| !c.is_whitespace()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_wraps() {
        let body = "a".repeat(150);
        let text = armor("X Y", &body);
        assert!(text.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(text.lines().count(), 2 + 3);
        assert_eq!(dearmor("X Y", &text).as_deref(), Some(body.as_str()));
    }

    #[test]
    fn tolerates_mangled_whitespace_and_surroundings() {
        let text = "From: ops\r\n\r\n  -----BEGIN L-----\r\n ab c\r\n\tde\n-----END L-----\n-- \nsig";
        assert_eq!(dearmor("L", text).as_deref(), Some("abcde"));
    }

    #[test]
    fn wrong_label_or_missing_end_is_none() {
        assert_eq!(dearmor("L", "-----BEGIN M-----\nab\n-----END M-----"), None);
        assert_eq!(dearmor("L", "-----BEGIN L-----\nab\n"), None);
    }
}
