//! NET: address planning and topology.

use crate::rule::Rule;

pub mod net001;
pub mod net002;
pub mod net003;
pub mod net004;
pub mod net005;

/// The NET rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &net001::RULE,
        &net002::RULE,
        &net003::RULE,
        &net004::RULE,
        &net005::RULE,
    ]
}
