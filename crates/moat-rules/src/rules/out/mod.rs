//! OUT: required outbound and inbound for custom VNets.

use crate::rule::Rule;

/// The OUT rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
