use licet_core::{evaluate, Context, LicenseInput, Status, UnixTime, VerifiedLicense};
use seed_testkit::{Seed, Vendor, T0};

pub fn day(n: i64) -> UnixTime {
    T0.plus_days(n)
}

/// Signs a license in the seed manual's format with the seed's test-only key (an independent signer) and
/// verifies it with the product's verifier.
pub fn signed(seed: Seed, claims: &serde_json::Value) -> VerifiedLicense {
    let token = Vendor::new(seed).unwrap().sign(claims).unwrap();
    seed.verifier().unwrap().verify(token.as_bytes()).unwrap()
}

pub fn eval(seed: Seed, ctx: &Context, lic: &VerifiedLicense, now: UnixTime) -> Status {
    evaluate(seed.policy(), ctx, LicenseInput::Verified(lic), now)
}

pub fn eval_none(seed: Seed, ctx: &Context, now: UnixTime) -> Status {
    evaluate(seed.policy(), ctx, LicenseInput::None, now)
}
