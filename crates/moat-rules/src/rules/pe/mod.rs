//! PE: private endpoints.

use crate::rule::Rule;

pub mod pe001;
pub mod pe002;
pub mod pe003;
pub mod pe004;
pub mod pe005;
pub mod pe006;
pub mod pe007;
pub mod pe008;
pub mod pe009;

/// The PE rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &pe001::RULE,
        &pe002::RULE,
        &pe003::RULE,
        &pe004::RULE,
        &pe005::RULE,
        &pe006::RULE,
        &pe007::RULE,
        &pe008::RULE,
        &pe009::RULE,
    ]
}
