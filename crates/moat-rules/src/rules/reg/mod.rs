//! REG: registries.

use crate::rule::Rule;

pub mod reg001;
pub mod reg002;
pub mod reg003;
pub mod reg004;
pub mod reg005;
pub mod reg006;
pub mod reg007;
pub mod reg008;
pub mod reg009;
pub mod reg010;
pub mod reg011;
pub mod reg012;
pub mod reg013;
pub mod reg014;
pub mod reg015;
pub mod reg016;

/// The REG rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &reg001::RULE,
        &reg002::RULE,
        &reg003::RULE,
        &reg004::RULE,
        &reg005::RULE,
        &reg006::RULE,
        &reg007::RULE,
        &reg008::RULE,
        &reg009::RULE,
        &reg010::RULE,
        &reg011::RULE,
        &reg012::RULE,
        &reg013::RULE,
        &reg014::RULE,
        &reg015::RULE,
        &reg016::RULE,
    ]
}
