use std::collections::HashMap;
use std::io::Write;

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

fn temp_file(body: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(body.as_bytes()).unwrap();
    f
}

fn sources(cfg: &tempfile::NamedTempFile, file: Option<&tempfile::NamedTempFile>) -> Sources {
    Sources {
        env_var: Some("APP_LICENSE".into()),
        config: Some(ConfigSource {
            path: cfg.path().to_path_buf(),
            key: "license.key".into(),
        }),
        file: file.map(|f| f.path().to_path_buf()),
    }
}

/// Walks `order` over the real sources, answering `Store` with `store`.
fn resolve(s: &Sources, order: &[Source], env: &dyn Fn(&str) -> Option<String>, store: Option<&str>) -> Option<Found> {
    pick(order, |k| match k {
        Source::Store => Ok(store.map(str::to_owned)),
        other => s.read(other, env),
    })
    .unwrap()
}

const ALL: &[Source] = &[Source::Env, Source::ConfigFile, Source::File, Source::Store];

#[test]
fn precedence_follows_the_profile_order() {
    let cfg = temp_file("[license]\nkey = \"from-config\"\n");
    let file = temp_file("from-file\n");
    let s = sources(&cfg, Some(&file));
    let env = env_of(&[("APP_LICENSE", "from-env")]);
    let no_env = env_of(&[]);

    let got = resolve(&s, ALL, &env, Some("from-store")).unwrap();
    assert_eq!((got.kind, got.token.as_str()), (Source::Env, "from-env"));
    let got = resolve(&s, ALL, &no_env, Some("from-store")).unwrap();
    assert_eq!((got.kind, got.token.as_str()), (Source::ConfigFile, "from-config"));

    // Honeyframe: the store (per-org/DB license) first, then the legacy env var, then the file.
    let honeyframe = &[Source::Store, Source::Env, Source::File];
    assert_eq!(resolve(&s, honeyframe, &env, Some("db")).unwrap().kind, Source::Store);
    assert_eq!(resolve(&s, honeyframe, &env, None).unwrap().kind, Source::Env);
    let got = resolve(&s, honeyframe, &no_env, None).unwrap();
    assert_eq!((got.kind, got.token.as_str()), (Source::File, "from-file\n"));
}

#[test]
fn sources_missing_from_the_order_are_never_read() {
    let cfg = temp_file("[license]\nkey = \"from-config\"\n");
    let s = sources(&cfg, None);
    let env = env_of(&[("APP_LICENSE", "from-env")]);
    // nivq-like: no env unlock; the variable is set but does not count.
    assert_eq!(resolve(&s, &[Source::Store], &env, None), None);
    let got = resolve(&s, &[Source::ConfigFile, Source::Store], &env, None).unwrap();
    assert_eq!(got.kind, Source::ConfigFile);
}

#[test]
fn blank_values_fall_through() {
    let cfg = temp_file("[license]\nkey = \"from-config\"\n");
    let s = sources(&cfg, None);
    let got = resolve(&s, ALL, &env_of(&[("APP_LICENSE", "  \n")]), None).unwrap();
    assert_eq!(got.kind, Source::ConfigFile);
}

#[test]
fn config_substitutes_variables() {
    let cfg = temp_file("[license]\nkey = \"${LIBERTY_LICENSE_KEY}\"\n");
    let s = Sources {
        env_var: None,
        ..sources(&cfg, None)
    };
    let got = resolve(&s, ALL, &env_of(&[("LIBERTY_LICENSE_KEY", "tok.en.sig")]), None).unwrap();
    assert_eq!(got.token, "tok.en.sig");
}

#[test]
fn config_with_unset_variable_is_a_clear_error_and_stops_the_walk() {
    let cfg = temp_file("[license]\nkey = \"${LIBERTY_LICENSE_KEY}\"\n");
    let s = sources(&cfg, None);
    let env = env_of(&[]);
    let e = pick(ALL, |k| match k {
        Source::Store => Ok(Some("older-from-store".into())),
        other => s.read(other, &env),
    })
    .unwrap_err();
    assert_eq!(e.code(), "config_error");
    assert!(e.to_string().contains("LIBERTY_LICENSE_KEY"), "{e}");
}

#[test]
fn absent_file_or_key_is_no_value_but_wrong_type_is_an_error() {
    let cfg = temp_file("[other]\nkey = \"x\"\n");
    let env = env_of(&[]);
    assert_eq!(sources(&cfg, None).read(Source::ConfigFile, &env).unwrap(), None);
    let missing = Sources {
        config: Some(ConfigSource {
            path: "/nonexistent/app.toml".into(),
            key: "license.key".into(),
        }),
        file: Some("/nonexistent/license.jwt".into()),
        ..Sources::default()
    };
    assert_eq!(missing.read(Source::ConfigFile, &env).unwrap(), None);
    assert_eq!(missing.read(Source::File, &env).unwrap(), None);
    let wrong = temp_file("[license]\nkey = 42\n");
    assert!(sources(&wrong, None).read(Source::ConfigFile, &env).is_err());
    let broken = temp_file("[license\nkey = ");
    assert!(sources(&broken, None).read(Source::ConfigFile, &env).is_err());
}

#[test]
fn oversized_file_is_refused() {
    let cfg = temp_file("");
    let big = temp_file(&"x".repeat(usize::try_from(MAX_LICENSE_BYTES).unwrap() + 1));
    assert!(sources(&cfg, Some(&big)).read(Source::File, &env_of(&[])).is_err());
}

#[test]
fn from_policy_takes_names_from_the_profile() {
    let p = licet_core::profiles::LIBERTY.sources.clone();
    let s = Sources::from_policy(&p, Some("/etc/liberty/app.toml".into()), &env_of(&[])).unwrap();
    assert_eq!(s.env_var.as_deref(), Some("LIBERTY_LICENSE_KEY"));
    let cfg = s.config.unwrap();
    assert_eq!(cfg.key, "license.key");
    let mut hf = licet_core::profiles::HONEYFRAME.sources.clone();
    hf.file = Some("${DATA_DIR}/license.json".into());
    let s = Sources::from_policy(&hf, None, &env_of(&[("DATA_DIR", "/data")])).unwrap();
    assert_eq!(s.file.as_deref(), Some(std::path::Path::new("/data/license.json")));
    assert!(s.config.is_none());
}
