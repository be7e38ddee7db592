//! The product's licensed modules (Liberty calls them connectors, Sovereign apps): each is loaded only when the
//! license names its product key, and each decision is logged in words an operator can act on.

use std::borrow::Cow;

use licet_core::{Effect, State, Status};

/// One licensed module as the product registers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Shown in logs: `Loaded licensed connector Salesforce`.
    pub name: String,
    /// The name the license's `products` list uses.
    pub product_key: String,
    /// Route prefixes that answer 404 while the module is not loaded (e.g. `/api/connectors/salesforce`).
    pub route_prefixes: Vec<String>,
}

/// Why a module was skipped, in the words the log line uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    NoValidLicense,
    LicenseExpired,
    NotInLicense,
}

impl SkipReason {
    pub fn words(self) -> &'static str {
        match self {
            SkipReason::NoValidLicense => "no valid license",
            SkipReason::LicenseExpired => "license expired",
            SkipReason::NotInLicense => "not in license",
        }
    }
}

/// The decision for one module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleDecision {
    pub name: String,
    pub product_key: String,
    /// `None` is loaded.
    pub skipped: Option<SkipReason>,
    /// The log line, as written.
    pub line: String,
}

/// Registered modules, in registration order, and the noun the product uses for them.
#[derive(Clone, Debug)]
pub struct ModuleRegistry {
    noun: Cow<'static, str>,
    modules: Vec<Module>,
    /// The product's own words for every skip, when its manual uses one phrase for all of them.
    skip_phrase: Option<Cow<'static, str>>,
}

impl Default for ModuleRegistry {
    fn default() -> Self {
        ModuleRegistry::new("module")
    }
}

impl ModuleRegistry {
    /// `noun` is `module`, `connector`, `app`, …
    pub fn new(noun: impl Into<Cow<'static, str>>) -> Self {
        ModuleRegistry {
            noun: noun.into(),
            modules: Vec::new(),
            skip_phrase: None,
        }
    }

    /// Says every skip in one phrase (Liberty's "Skipping licensed connector X — no valid license", whatever
    /// the reason); the reason itself stays in the decision and the log line's `reason` field.
    pub fn skip_phrase(mut self, phrase: impl Into<Cow<'static, str>>) -> Self {
        self.skip_phrase = Some(phrase.into());
        self
    }

    pub fn noun(&self) -> &str {
        &self.noun
    }

    /// Registers a module with no routes of its own.
    pub fn register(&mut self, name: impl Into<String>, product_key: impl Into<String>) -> &mut Self {
        self.register_with_routes(name, product_key, Vec::<String>::new())
    }

    pub fn register_with_routes(
        &mut self,
        name: impl Into<String>,
        product_key: impl Into<String>,
        route_prefixes: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        self.modules.push(Module {
            name: name.into(),
            product_key: product_key.into(),
            route_prefixes: route_prefixes.into_iter().map(Into::into).collect(),
        });
        self
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// Decides every module under `status`, in registration order. Does not log; see [`ModuleRegistry::log`].
    pub fn decide(&self, status: &Status) -> Vec<ModuleDecision> {
        self.modules
            .iter()
            .map(|m| {
                let skipped = skip_reason(status, &m.product_key);
                let line = match skipped {
                    None => format!("Loaded licensed {} {}", self.noun, m.name),
                    Some(r) => format!(
                        "Skipping licensed {} {} — {}",
                        self.noun,
                        m.name,
                        self.skip_phrase.as_deref().unwrap_or(r.words())
                    ),
                };
                ModuleDecision {
                    name: m.name.clone(),
                    product_key: m.product_key.clone(),
                    skipped,
                    line,
                }
            })
            .collect()
    }

    /// Writes one log line per decision (info for loaded, warn for skipped).
    pub fn log(decisions: &[ModuleDecision]) {
        for d in decisions {
            match d.skipped {
                None => tracing::info!(module = %d.name, product = %d.product_key, "{}", d.line),
                Some(r) => tracing::warn!(module = %d.name, product = %d.product_key, reason = r.words(), "{}", d.line),
            }
        }
    }
}

fn skip_reason(status: &Status, product_key: &str) -> Option<SkipReason> {
    let ent = &status.entitlements;
    if ent.allows_module(product_key) {
        return None;
    }
    Some(match (status.state, ent.effect) {
        (State::Expired, _) | (State::Grace, Effect::ModulesUnloaded | Effect::Locked) => SkipReason::LicenseExpired,
        (s, _) if !s.is_licensed() => SkipReason::NoValidLicense,
        (_, Effect::ModulesUnloaded | Effect::Locked) => SkipReason::LicenseExpired,
        _ => SkipReason::NotInLicense,
    })
}

#[cfg(test)]
mod tests;
