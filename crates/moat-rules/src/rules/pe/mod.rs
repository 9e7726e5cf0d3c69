//! PE: private endpoints.

use crate::rule::Rule;

pub mod pe002;

/// The PE rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&pe002::RULE]
}
