use super::*;
use crate::reason::Reason;

fn token() -> String {
    let h = b64url(br#"{"alg":"EdDSA","kid":"k"}"#);
    let p = b64url(br#"{"sub":"x"}"#);
    let s = b64url(&[7u8; 64]);
    format!("{h}.{p}.{s}")
}

fn reason(input: &str) -> Reason {
    Jws::decode(input.as_bytes(), MAX_TOKEN_BYTES).unwrap_err().reason()
}

#[test]
fn detects_each_encoding_and_keeps_one_compact_spelling() {
    let compact = token();
    for encoding in [Encoding::Compact, Encoding::Json, Encoding::Armored] {
        let text = encode_compact(&compact, encoding);
        let jws = Jws::decode(text.as_bytes(), MAX_TOKEN_BYTES).unwrap();
        assert_eq!(jws.encoding(), encoding);
        assert_eq!(jws.compact(), compact);
        assert_eq!(jws.payload(), br#"{"sub":"x"}"#);
        assert_eq!(jws.signature(), &[7u8; 64]);
        assert_eq!(jws.signing_input(), compact.rsplit_once('.').unwrap().0.as_bytes());
        assert_eq!(
            jws.fingerprint(),
            crate::fingerprint::of_signature(crate::Alg::EdDSA, &[7u8; 64])
        );
    }
}

#[test]
fn armor_is_the_compact_token_wrapped_at_64_columns() {
    let armored = encode_compact(&token(), Encoding::Armored);
    let lines: Vec<&str> = armored.lines().collect();
    assert_eq!(lines.first(), Some(&ARMOR_BEGIN));
    assert_eq!(lines.last(), Some(&ARMOR_END));
    assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
    assert_eq!(lines[1..lines.len() - 1].concat(), token());
}

#[test]
fn size_limit_comes_before_any_parsing() {
    let huge = vec![0xffu8; MAX_TOKEN_BYTES + 1]; // not even UTF-8: the size is still what is reported
    assert_eq!(
        Jws::decode(&huge, MAX_TOKEN_BYTES).unwrap_err().reason(),
        Reason::LicenseTooLarge
    );
    let t = token();
    assert_eq!(
        Jws::decode(t.as_bytes(), t.len() - 1).unwrap_err().reason(),
        Reason::LicenseTooLarge
    );
    assert!(Jws::decode(t.as_bytes(), t.len()).is_ok());
}

#[test]
fn strict_base64url() {
    let t = token();
    let (h, rest) = t.split_once('.').unwrap();
    assert_eq!(reason(&format!("{h}=.{rest}")), Reason::LicenseMalformed); // padding
    let std_alphabet = t.replace('_', "/").replace('-', "+");
    if std_alphabet != t {
        assert_eq!(reason(&std_alphabet), Reason::LicenseMalformed);
    }
    // "eyJ" + non-canonical last char: 'B' has a trailing bit set where 'A' does not.
    assert!(b64url_decode("QQ").is_ok());
    assert!(b64url_decode("QR").is_err());
}

#[test]
fn flattened_json_shape_is_strict() {
    let doc: serde_json::Value = serde_json::from_str(&encode_compact(&token(), Encoding::Json)).unwrap();
    let with = |k: &str, v: serde_json::Value| {
        let mut d = doc.clone();
        d[k] = v;
        d.to_string()
    };
    assert_eq!(reason(&with("extra", 1.into())), Reason::LicenseMalformed);
    assert_eq!(reason(&with("header", "text".into())), Reason::LicenseMalformed);
    assert_eq!(reason(&with("payload", 5.into())), Reason::LicenseMalformed);
    assert!(Jws::decode(
        with("header", serde_json::json!({"typ": "JWT"})).as_bytes(),
        MAX_TOKEN_BYTES
    )
    .is_ok());
    let dup = doc.to_string().replacen('{', r#"{"payload":"e30","#, 1);
    assert_eq!(reason(&dup), Reason::LicenseDuplicateClaim);
}

#[test]
fn armored_needs_both_markers_and_nothing_else() {
    let armored = encode_compact(&token(), Encoding::Armored);
    assert_eq!(
        reason(armored.trim_end().strip_suffix(ARMOR_END).unwrap()),
        Reason::LicenseMalformed
    );
    assert_eq!(reason(&format!("{armored}trailing")), Reason::LicenseMalformed);
    assert!(Jws::decode(format!("\n\n  {armored}\n\n").as_bytes(), MAX_TOKEN_BYTES).is_ok());
}

#[test]
fn one_leading_byte_order_mark_is_dropped_in_every_encoding() {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let compact = token();
    for encoding in [Encoding::Compact, Encoding::Json, Encoding::Armored] {
        let text = encode_compact(&compact, encoding);
        // As Notepad saves it (BOM, CRLF line ends), and with whitespace on either side of the BOM.
        for prefix in [BOM.to_vec(), [b"\r\n ", BOM, b"\r\n"].concat()] {
            let input = [prefix.as_slice(), text.replace('\n', "\r\n").as_bytes()].concat();
            let jws = Jws::decode(&input, MAX_TOKEN_BYTES).unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
            assert_eq!((jws.encoding(), jws.compact()), (encoding, compact.as_str()));
        }
        // Only one, and only in front.
        let twice = [BOM, BOM, text.as_bytes()].concat();
        assert_eq!(
            Jws::decode(&twice, MAX_TOKEN_BYTES).unwrap_err().reason(),
            Reason::LicenseMalformed
        );
        let inside = text.replacen('.', "\u{feff}.", 1);
        if inside != text {
            assert_eq!(reason(&inside), Reason::LicenseMalformed);
        }
    }
}
