//! NET: address planning and topology.

use crate::rule::Rule;

/// The NET rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
