//! EP: managed online endpoints.

use crate::rule::Rule;

pub mod ep001;
pub mod ep002;
pub mod ep003;

/// The EP rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&ep001::RULE, &ep002::RULE, &ep003::RULE]
}
