//! ACR: container registries and image builds.

use crate::rule::Rule;

pub mod acr003;
pub mod acr005;

/// The ACR rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&acr003::RULE, &acr005::RULE]
}
