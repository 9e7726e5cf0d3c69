//! DNS: name resolution.

use crate::rule::Rule;

/// The DNS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
