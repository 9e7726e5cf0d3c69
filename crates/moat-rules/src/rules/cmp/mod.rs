//! CMP: compute instances, clusters, AKS, ACI.

use crate::rule::Rule;

pub mod cmp001;
pub mod cmp002;
pub mod cmp003;
pub mod cmp004;
pub mod cmp005;
pub mod cmp006;
pub mod cmp007;
pub mod cmp008;
pub mod cmp009;
pub mod cmp010;
pub mod cmp011;
pub mod cmp012;
pub mod cmp013;
pub mod cmp014;
pub mod cmp015;

/// The CMP rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &cmp001::RULE,
        &cmp002::RULE,
        &cmp003::RULE,
        &cmp004::RULE,
        &cmp005::RULE,
        &cmp006::RULE,
        &cmp007::RULE,
        &cmp008::RULE,
        &cmp009::RULE,
        &cmp010::RULE,
        &cmp011::RULE,
        &cmp012::RULE,
        &cmp013::RULE,
        &cmp014::RULE,
        &cmp015::RULE,
    ]
}
