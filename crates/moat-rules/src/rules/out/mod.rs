//! OUT: required outbound and inbound for custom VNets.

use crate::rule::Rule;

pub mod out001;
pub mod out002;
pub mod out003;
pub mod out004;
pub mod out005;
pub mod out006;
pub mod out007;

/// The OUT rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &out001::RULE,
        &out002::RULE,
        &out003::RULE,
        &out004::RULE,
        &out005::RULE,
        &out006::RULE,
        &out007::RULE,
    ]
}
