//! ACR: container registries and image builds.

use crate::rule::Rule;

pub mod acr001;
pub mod acr002;
pub mod acr003;
pub mod acr004;
pub mod acr005;
pub mod acr006;
pub mod acr007;
pub mod acr008;
pub mod acr009;

/// The ACR rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &acr001::RULE,
        &acr002::RULE,
        &acr003::RULE,
        &acr004::RULE,
        &acr005::RULE,
        &acr006::RULE,
        &acr007::RULE,
        &acr008::RULE,
        &acr009::RULE,
    ]
}
