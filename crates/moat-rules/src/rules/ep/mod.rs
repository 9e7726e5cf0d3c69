//! EP: managed online endpoints.

use crate::rule::Rule;

pub mod ep001;
pub mod ep002;
pub mod ep003;
pub mod ep004;
pub mod ep005;
pub mod ep006;
pub mod ep007;
pub mod ep008;
pub mod ep009;
pub mod ep010;
pub mod ep011;
pub mod ep012;

/// The EP rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &ep001::RULE,
        &ep002::RULE,
        &ep003::RULE,
        &ep004::RULE,
        &ep005::RULE,
        &ep006::RULE,
        &ep007::RULE,
        &ep008::RULE,
        &ep009::RULE,
        &ep010::RULE,
        &ep011::RULE,
        &ep012::RULE,
    ]
}
