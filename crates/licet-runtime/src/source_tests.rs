use std::collections::HashMap;
use std::io::Write;

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

fn config_file(body: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(body.as_bytes()).unwrap();
    f
}

fn sources(cfg: &tempfile::NamedTempFile) -> Sources {
    Sources {
        env_var: Some("APP_LICENSE".into()),
        config: Some(ConfigSource {
            path: cfg.path().to_path_buf(),
            key: "license.key".into(),
        }),
        seed_file: None,
    }
}

#[test]
fn env_beats_config() {
    let cfg = config_file("[license]\nkey = \"from-config\"\n");
    let s = sources(&cfg);
    let got = s
        .read_override(AllowedSources::ALL, &env_of(&[("APP_LICENSE", "from-env")]))
        .unwrap();
    assert_eq!(
        got,
        Some(Found {
            kind: SourceKind::Env,
            token: "from-env".into()
        })
    );
}

#[test]
fn config_used_when_env_unset_or_blank() {
    let cfg = config_file("[license]\nkey = \"from-config\"\n");
    let s = sources(&cfg);
    for env in [env_of(&[]), env_of(&[("APP_LICENSE", "  ")])] {
        let got = s.read_override(AllowedSources::ALL, &env).unwrap().unwrap();
        assert_eq!(got.kind, SourceKind::Config);
        assert_eq!(got.token, "from-config");
    }
}

#[test]
fn profile_can_forbid_env() {
    let cfg = config_file("[license]\nkey = \"from-config\"\n");
    let s = sources(&cfg);
    let allowed = AllowedSources {
        env: false,
        ..AllowedSources::ALL
    };
    let got = s
        .read_override(allowed, &env_of(&[("APP_LICENSE", "from-env")]))
        .unwrap()
        .unwrap();
    assert_eq!(got.kind, SourceKind::Config);
    let none = AllowedSources {
        env: false,
        config: false,
        ..AllowedSources::ALL
    };
    assert_eq!(s.read_override(none, &env_of(&[("APP_LICENSE", "x")])).unwrap(), None);
}

#[test]
fn config_substitutes_variables() {
    let cfg = config_file("[license]\nkey = \"${LIBERTY_LICENSE_KEY}\"\n");
    let s = Sources {
        env_var: None,
        ..sources(&cfg)
    };
    let got = s
        .read_override(AllowedSources::ALL, &env_of(&[("LIBERTY_LICENSE_KEY", "tok.en.sig")]))
        .unwrap()
        .unwrap();
    assert_eq!(got.token, "tok.en.sig");
}

#[test]
fn config_with_unset_variable_is_a_clear_error() {
    let cfg = config_file("[license]\nkey = \"${LIBERTY_LICENSE_KEY}\"\n");
    let s = sources(&cfg);
    let e = s.read_override(AllowedSources::ALL, &env_of(&[])).unwrap_err();
    assert_eq!(e.code(), "config_error");
    assert!(e.to_string().contains("LIBERTY_LICENSE_KEY"));
}

#[test]
fn absent_file_or_key_is_no_value_but_wrong_type_is_an_error() {
    let cfg = config_file("[other]\nkey = \"x\"\n");
    let s = sources(&cfg);
    assert_eq!(s.read_override(AllowedSources::ALL, &env_of(&[])).unwrap(), None);
    let missing = Sources {
        config: Some(ConfigSource {
            path: "/nonexistent/app.toml".into(),
            key: "license.key".into(),
        }),
        ..Sources::default()
    };
    assert_eq!(missing.read_override(AllowedSources::ALL, &env_of(&[])).unwrap(), None);
    let wrong = config_file("[license]\nkey = 42\n");
    assert!(sources(&wrong)
        .read_override(AllowedSources::ALL, &env_of(&[]))
        .is_err());
    let broken = config_file("[license\nkey = ");
    assert!(sources(&broken)
        .read_override(AllowedSources::ALL, &env_of(&[]))
        .is_err());
}

#[test]
fn seed_file_respects_profile_and_size() {
    let f = config_file("header.payload.sig\n");
    let s = Sources {
        seed_file: Some(f.path().to_path_buf()),
        ..Sources::default()
    };
    assert_eq!(
        s.read_seed_file(AllowedSources::ALL).unwrap().as_deref(),
        Some("header.payload.sig\n")
    );
    let no_file = AllowedSources {
        file: false,
        ..AllowedSources::ALL
    };
    assert_eq!(s.read_seed_file(no_file).unwrap(), None);
    let big = config_file(&"x".repeat(usize::try_from(MAX_LICENSE_BYTES).unwrap() + 1));
    let s = Sources {
        seed_file: Some(big.path().to_path_buf()),
        ..Sources::default()
    };
    assert!(s.read_seed_file(AllowedSources::ALL).is_err());
}
