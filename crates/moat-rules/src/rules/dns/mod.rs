//! DNS: name resolution.

use crate::rule::Rule;

pub mod dns001;
pub mod dns002;
pub mod dns003;
pub mod dns004;
pub mod dns005;
pub mod dns006;
pub mod dns007;

/// The DNS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &dns001::RULE,
        &dns002::RULE,
        &dns003::RULE,
        &dns004::RULE,
        &dns005::RULE,
        &dns006::RULE,
        &dns007::RULE,
    ]
}
