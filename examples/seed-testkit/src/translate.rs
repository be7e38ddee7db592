//! Issuing side: each seed manual's license, written in the manual's own format (`claims()` gives the JSON the
//! manual's claims table describes, magic numbers included). [`crate::Vendor::sign`] signs it with an
//! implementation that is not licet's, and the product reads it through its profile's claim mapping: the
//! examples accept the manuals' licenses as they are, nothing is translated on the way.

pub mod honeyframe;
pub mod justiam;
pub mod liberty;
pub mod nivq;
pub mod sovereign;

/// Adds a member to a JSON object (the claims objects built here always are objects).
pub(crate) fn insert(object: &mut serde_json::Value, name: &str, value: serde_json::Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(name.to_owned(), value);
    }
}

/// A customer id from a display name: lowercase ASCII letters and digits, dashes between words.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("ACME Corp"), "acme-corp");
        assert_eq!(slug("  Globex, Inc. "), "globex-inc");
    }
}
