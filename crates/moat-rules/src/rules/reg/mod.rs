//! REG: registries.

use crate::rule::Rule;

pub mod reg001;
pub mod reg002;
pub mod reg009;
pub mod reg011;

/// The REG rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&reg001::RULE, &reg002::RULE, &reg009::RULE, &reg011::RULE]
}
