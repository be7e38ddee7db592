use licet_core::lifecycle::LicenseInput;
use licet_core::{evaluate, profiles, Context, UnixTime};

use super::*;
use crate::testkit::TestVendor;

const T0: UnixTime = UnixTime(1_750_000_000);

fn registry() -> ModuleRegistry {
    let mut r = ModuleRegistry::new("connector");
    r.register("Salesforce", "salesforce").register("SAP", "sap");
    r
}

fn lines(status: &Status) -> Vec<String> {
    registry().decide(status).into_iter().map(|d| d.line).collect()
}

#[test]
fn lines_say_why_in_words() {
    let p = &profiles::LIBERTY;
    let none = evaluate(p, &Context::default(), LicenseInput::None, T0);
    assert_eq!(
        lines(&none),
        [
            "Skipping licensed connector Salesforce — no valid license",
            "Skipping licensed connector SAP — no valid license"
        ]
    );
    let v = TestVendor::new().unwrap();
    let claims = v.claims_granting(T0, Some(T0.plus_days(10)), &["salesforce"], &[], &[]);
    let verified = v.verifier().verify(v.issue(&claims).unwrap().as_bytes()).unwrap();
    let active = evaluate(p, &Context::default(), LicenseInput::Verified(&verified), T0);
    assert_eq!(
        lines(&active),
        [
            "Loaded licensed connector Salesforce",
            "Skipping licensed connector SAP — not in license"
        ]
    );
    let expired = evaluate(
        p,
        &Context::default(),
        LicenseInput::Verified(&verified),
        T0.plus_days(11),
    );
    assert_eq!(
        lines(&expired)[0],
        "Skipping licensed connector Salesforce — license expired"
    );
}

#[test]
fn noun_is_the_products() {
    let mut r = ModuleRegistry::new("app");
    r.register("Billing", "billing");
    let none = evaluate(&profiles::SOVEREIGN, &Context::default(), LicenseInput::None, T0);
    assert_eq!(
        r.decide(&none)[0].line,
        "Skipping licensed app Billing — no valid license"
    );
    assert_eq!(ModuleRegistry::default().noun(), "module");
}
