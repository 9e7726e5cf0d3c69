//! DNS: name resolution.

use crate::rule::Rule;

pub mod dns001;
pub mod dns002;

/// The DNS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&dns001::RULE, &dns002::RULE]
}
