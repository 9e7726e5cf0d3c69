//! EP: managed online endpoints.

use crate::rule::Rule;

/// The EP rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
