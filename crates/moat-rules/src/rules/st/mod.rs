//! ST: storage accounts.

use crate::rule::Rule;

pub mod st001;
pub mod st002;
pub mod st003;
pub mod st004;
pub mod st005;
pub mod st006;
pub mod st007;
pub mod st008;
pub mod st009;
pub mod st010;
pub mod st011;

/// The ST rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &st001::RULE,
        &st002::RULE,
        &st003::RULE,
        &st004::RULE,
        &st005::RULE,
        &st006::RULE,
        &st007::RULE,
        &st008::RULE,
        &st009::RULE,
        &st010::RULE,
        &st011::RULE,
    ]
}
