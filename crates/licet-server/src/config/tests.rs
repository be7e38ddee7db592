use std::collections::HashMap;

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

#[test]
fn substitution_forms() {
    let env = env_of(&[("A", "x\"y"), ("EMPTY", "")]);
    assert_eq!(substitute("pre-${A}-post", &env).unwrap(), "pre-x\"y-post");
    assert_eq!(substitute("${MISSING:-fallback}", &env).unwrap(), "fallback");
    assert_eq!(substitute("${EMPTY:-fallback}", &env).unwrap(), "");
    assert_eq!(
        substitute("cost $5 and $${LITERAL}", &env).unwrap(),
        "cost $5 and ${LITERAL}"
    );
    assert!(substitute("${MISSING}", &env)
        .unwrap_err()
        .to_string()
        .contains("MISSING"));
    assert!(substitute("${A", &env).is_err());
    assert!(substitute("${not a name}", &env).is_err());
}

#[test]
fn file_then_env_with_substitution_inside_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("licet.toml");
    std::fs::write(
        &path,
        r#"
listen = "127.0.0.1:9100"
data_dir = "${STATE}/licet"
profile = "nivq"
trust = ["${KEYS}/vendor.pub", "/etc/licet/jwks.json"]
database_url = "postgres://u:${PW}@db/licet"
"#,
    )
    .unwrap();
    let env = env_of(&[
        ("STATE", "/var/lib"),
        ("KEYS", "/k"),
        ("PW", "p\"w"),
        ("LICET_PROFILE", "justiam"),
    ]);
    let c = ServeConfig::load(Some(&path), &env).unwrap();
    assert_eq!(c.listen, "127.0.0.1:9100".parse().unwrap());
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/licet"));
    assert_eq!(
        c.trust,
        vec![PathBuf::from("/k/vendor.pub"), PathBuf::from("/etc/licet/jwks.json")]
    );
    assert_eq!(c.database_url.as_deref(), Some("postgres://u:p\"w@db/licet"));
    assert_eq!(c.profile, "justiam", "env beats file");
    assert!(c.open_reads);
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("licet.toml");
    std::fs::write(&path, "data_dir = \"${NOPE}\"\n").unwrap();
    let err = ServeConfig::load(Some(&path), &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("NOPE"), "{err}");

    std::fs::write(&path, "colour = \"blue\"\n").unwrap();
    let err = ServeConfig::load(Some(&path), &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("colour"), "{err}");

    let err = ServeConfig::load(None, &env_of(&[("LICET_LISTEN", "localhost")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("LICET_LISTEN"), "{err}");
    let err = ServeConfig::load(None, &env_of(&[("LICET_OPEN_READS", "maybe")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("LICET_OPEN_READS"), "{err}");

    let missing = dir.path().join("absent.toml");
    assert!(matches!(
        ServeConfig::load(Some(&missing), &env_of(&[])),
        Err(ConfigError::Read { .. })
    ));
}

#[test]
fn env_list_and_flags() {
    let c = ServeConfig::load(
        None,
        &env_of(&[
            ("LICET_TRUST", "a.pem, b.json,"),
            ("LICET_OPEN_READS", "false"),
            ("LICET_BODY_LIMIT", "1024"),
        ]),
    )
    .unwrap();
    assert_eq!(c.trust, vec![PathBuf::from("a.pem"), PathBuf::from("b.json")]);
    assert!(!c.server_options().open_reads);
    assert_eq!(c.server_options().body_limit, 1024);
}

#[test]
fn store_timeout_from_file_or_env_and_zero_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("licet.toml");
    std::fs::write(&path, "store_timeout_secs = 2\n").unwrap();
    let c = ServeConfig::load(Some(&path), &env_of(&[])).unwrap();
    let opts = c.store_options().unwrap();
    assert_eq!(opts.acquire_timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(ServeConfig::default().store_options().unwrap().acquire_timeout, None);
    let c = ServeConfig::load(Some(&path), &env_of(&[("LICET_STORE_TIMEOUT_SECS", "9")])).unwrap();
    assert_eq!(c.store_timeout_secs, Some(9), "env beats file");
    let zero = ServeConfig::load(None, &env_of(&[("LICET_STORE_TIMEOUT_SECS", "0")])).unwrap();
    assert!(zero.store_options().unwrap_err().contains("at least 1"));
    let err = ServeConfig::load(None, &env_of(&[("LICET_STORE_TIMEOUT_SECS", "soon")])).unwrap_err();
    assert!(err.to_string().contains("LICET_STORE_TIMEOUT_SECS"), "{err}");
}

/// Issue #14: the default used to be a profile named "default" that no table had.
#[test]
fn the_default_profile_is_one_that_exists() {
    let c = ServeConfig::default();
    assert_eq!(c.profile, "standard");
    assert_eq!(
        licet_core::profiles::by_name(&c.profile),
        Some(&licet_core::profiles::STANDARD)
    );
}
