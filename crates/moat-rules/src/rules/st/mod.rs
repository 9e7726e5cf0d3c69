//! ST: storage accounts.

use crate::rule::Rule;

/// The ST rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
