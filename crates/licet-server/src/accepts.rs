//! Which ways in the vendor's profile opens. Everything this API writes goes to the install's store, so the
//! store must be one of the profile's sources (a license stored where the profile never reads would be accepted
//! and ignored); and each way in (upload, offline import, connected renewal) must be one the profile names, or
//! a route would undo the vendor's choice (Sovereign's audited imports, nivq's owner-only uploads).

use licet_core::policy::{Policy, Source};

use crate::service::ServiceError;

/// A change asked of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Way {
    /// `POST /v1/license`, `PUT /v1/license/orgs/{id}`.
    Upload,
    /// `POST /v1/license/import`.
    Import,
    /// `POST /v1/license/refresh`.
    Renewal,
    /// An operator with shell access seeding the store (`licet serve --license-file`), or a clear
    /// (`DELETE`): only needs the store to be a source.
    Store,
}

impl Way {
    /// The way an install with this `source` (as `LicenseService::install` names it) comes in.
    pub(crate) fn of_source(source: &str) -> Way {
        match source {
            "upload" => Way::Upload,
            "import" => Way::Import,
            "renewal" => Way::Renewal,
            _ => Way::Store,
        }
    }
}

/// `Ok` when `policy` lets `way` change the store; otherwise why not and where the license goes instead.
pub(crate) fn check(policy: &Policy, way: Way) -> Result<(), ServiceError> {
    let sources = &policy.sources;
    let name = &policy.name;
    if !sources.order.contains(&Source::Store) {
        return Err(ServiceError::NotAllowed(format!(
            "The {name} profile reads its license only from {}, never from what is uploaded here; set it there \
             and reload or restart the product",
            where_read(policy)
        )));
    }
    let (open, what) = match way {
        Way::Upload => (sources.upload, "uploaded or pasted licenses"),
        Way::Import => (sources.offline_import, "offline imports"),
        Way::Renewal => (sources.renewal, "connected renewal"),
        Way::Store => (true, ""),
    };
    if open {
        return Ok(());
    }
    let instead = match (sources.upload, sources.offline_import) {
        (true, _) => "upload the license file instead (POST /v1/license)",
        (false, true) => "import the vendor's license file with a reason instead (POST /v1/license/import)",
        (false, false) => "install the license as the product's documentation says",
    };
    Err(ServiceError::NotAllowed(format!(
        "The {name} profile does not accept {what}; {instead}"
    )))
}

/// The profile's sources other than the store, in words: `the environment variable X or the configuration key y`.
fn where_read(policy: &Policy) -> String {
    let s = &policy.sources;
    let named = |what: &str, name: &Option<std::borrow::Cow<'static, str>>| match name {
        Some(n) => format!("{what} {n}"),
        None => what.to_owned(),
    };
    let places: Vec<String> = s
        .order
        .iter()
        .filter_map(|source| match source {
            Source::Env => Some(named("the environment variable", &s.env_var)),
            Source::ConfigFile => Some(named("the configuration key", &s.config_key)),
            Source::File => Some(named("the license file", &s.file)),
            Source::Store => None,
        })
        .collect();
    if places.is_empty() {
        "nowhere this server can write".to_owned()
    } else {
        places.join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use licet_core::profiles;

    use super::*;

    fn allowed(policy: &Policy, way: Way) -> bool {
        check(policy, way).is_ok()
    }

    #[test]
    fn liberty_takes_nothing_through_the_api_and_says_where_the_license_goes() {
        for way in [Way::Upload, Way::Import, Way::Renewal, Way::Store] {
            let Err(ServiceError::NotAllowed(why)) = check(&profiles::LIBERTY, way) else {
                panic!("liberty allowed {way:?}");
            };
            assert!(
                why.contains("LIBERTY_LICENSE_KEY") && why.contains("license.key"),
                "{why}"
            );
        }
    }

    #[test]
    fn each_way_follows_its_flag() {
        let table = [
            (&profiles::HONEYFRAME, [true, false, false, true]),
            (&profiles::SOVEREIGN, [false, true, true, true]),
            (&profiles::NIVQ, [true, false, false, true]),
            (&profiles::JUSTIAM, [true, false, true, true]),
        ];
        for (policy, expected) in table {
            let got = [Way::Upload, Way::Import, Way::Renewal, Way::Store].map(|w| allowed(policy, w));
            assert_eq!(got, expected, "{}", policy.name);
        }
    }

    #[test]
    fn a_refusal_points_to_the_way_that_is_open() {
        let Err(ServiceError::NotAllowed(why)) = check(&profiles::SOVEREIGN, Way::Upload) else {
            panic!("sovereign allowed an upload");
        };
        assert!(why.contains("/v1/license/import"), "{why}");
        let Err(ServiceError::NotAllowed(why)) = check(&profiles::NIVQ, Way::Import) else {
            panic!("nivq allowed an import");
        };
        assert!(why.contains("POST /v1/license)"), "{why}");
    }

    #[test]
    fn sources_map_to_ways() {
        assert_eq!(Way::of_source("upload"), Way::Upload);
        assert_eq!(Way::of_source("import"), Way::Import);
        assert_eq!(Way::of_source("renewal"), Way::Renewal);
        assert_eq!(Way::of_source("file"), Way::Store);
    }
}
