//! Strict JSON: a repeated member name anywhere in a document is an error, not "last one wins".
//!
//! RFC 7515 §5.2 and RFC 7519 §4 let a parser either reject duplicate names or keep the last; two verifiers that
//! choose differently read two different licenses from the same bytes. licet rejects them, at any depth, while
//! parsing, in one pass over the input: [`parse_strict`] builds a `serde_json::Value`, [`from_slice_strict`]
//! builds the typed claims directly. serde_json's recursion limit stays on, so deeply nested input is an error, not
//! a stack overflow.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a document is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("member {0:?} appears more than once")]
    DuplicateKey(String),
    #[error("not JSON: {0}")]
    Syntax(String),
}

/// How a duplicate is reported: serde's own wording (`de::Error::duplicate_field`), so that a plain
/// `serde_json::from_*` caller reads a sentence, and [`classify`] can still tell it from a syntax error.
const DUPLICATE_MARKER: &str = "duplicate field `";

/// Parses `bytes` as one JSON value, rejecting duplicate member names at any depth and trailing data.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue.deserialize(&mut de).map_err(classify)?;
    de.end().map_err(classify)?;
    Ok(value)
}

/// Like [`parse_strict`], but the document must be an object.
pub fn parse_strict_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse_strict(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::Syntax("expected a JSON object".to_owned())),
    }
}

/// Why a document could not be read as a `T`, strictly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrictError {
    #[error(transparent)]
    Json(#[from] JsonError),
    /// Well-formed strict JSON that is not a `T`.
    #[error("{0}")]
    Shape(String),
}

/// A type whose `Deserialize` refuses a repeated member name at every depth of its input, including members it
/// ignores (those are walked, not skipped). Sealed: only the claim types, whose visitors in `claims/de.rs` are
/// written for it, are.
pub trait Strict: serde::de::DeserializeOwned + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::claims::Claims {}
}

impl Strict for crate::claims::Claims {}

/// Deserializes `bytes` straight into `T` in one pass: no intermediate `Value` tree and no second walk, because
/// `T` itself refuses duplicates ([`Strict`]). Trailing data is a syntax error.
pub fn from_slice_strict<T: Strict>(bytes: &[u8]) -> Result<T, StrictError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(&mut de).map_err(classify_shape)?;
    de.end().map_err(classify_shape)?;
    Ok(value)
}

/// The error a strict visitor returns for a second occurrence of `name` in one object.
pub(crate) fn duplicate<E: serde::de::Error>(name: &str) -> E {
    E::custom(format_args!("{DUPLICATE_MARKER}{name}`"))
}

/// A duplicate or a syntax error is the document's fault; anything else is a well-formed document of the wrong
/// shape.
fn classify_shape(e: serde_json::Error) -> StrictError {
    let shape = e.classify() == serde_json::error::Category::Data;
    match classify(e) {
        JsonError::Syntax(detail) if shape => StrictError::Shape(detail),
        other => StrictError::Json(other),
    }
}

fn classify(e: serde_json::Error) -> JsonError {
    let text = e.to_string();
    match text.strip_prefix(DUPLICATE_MARKER) {
        // serde_json appends " at line L column C" to custom errors; keep only the member name.
        Some(rest) => {
            let quoted = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
            JsonError::DuplicateKey(quoted.strip_suffix('`').unwrap_or(quoted).to_owned())
        }
        None => JsonError::Syntax(text),
    }
}

/// A seed that builds a `Value` exactly as serde_json would, except that maps refuse a second occurrence of a key.
#[derive(Clone, Copy)]
pub(crate) struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Non-finite values cannot come out of a JSON text; map them to null like serde_json does.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Walks a value without building it, refusing duplicate member names: for members a claim type ignores.
#[derive(Clone, Copy)]
pub(crate) struct StrictCheck;

impl<'de> DeserializeSeed<'de> for StrictCheck {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictCheck {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(StrictCheck)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys: Vec<Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            keys.push(key);
            map.next_value_seed(StrictCheck)?;
        }
        // Sorting keeps a hostile object with thousands of members at n log n.
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|w| w.first() == w.get(1)) {
            let key = pair.first().map(|k| k.as_ref()).unwrap_or_default();
            return Err(duplicate(key));
        }
        Ok(())
    }
}

/// A member name, borrowed from the input when it has no escapes.
pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_rejected_at_any_depth() {
        assert_eq!(
            parse_strict(br#"{"a":1,"a":2}"#),
            Err(JsonError::DuplicateKey("a".into()))
        );
        assert_eq!(
            parse_strict(br#"{"x":[{"lic":{"b":1,"b":1}}]}"#),
            Err(JsonError::DuplicateKey("b".into()))
        );
        // Escaped spelling of the same name is the same name.
        assert_eq!(
            parse_strict(br#"{"iss":"a","\u0069ss":"b"}"#),
            Err(JsonError::DuplicateKey("iss".into()))
        );
    }

    #[test]
    fn same_name_in_different_objects_is_fine() {
        let v = parse_strict(br#"{"a":{"k":1},"b":{"k":2},"c":[1,2.5,null,true,"s"]}"#).unwrap();
        assert_eq!(v["b"]["k"], 2);
        assert_eq!(v["c"][1], 2.5);
    }

    #[test]
    fn syntax_errors_and_trailing_data_are_syntax() {
        assert!(matches!(parse_strict(b"{\"a\":1"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse_strict(b"{\"a\":1} x"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse_strict(b"\xff"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse_strict_object(b"[1]"), Err(JsonError::Syntax(_))));
    }

    #[test]
    fn recursion_limit_stays_on() {
        let deep = "[".repeat(10_000);
        assert!(matches!(parse_strict(deep.as_bytes()), Err(JsonError::Syntax(_))));
    }
}
