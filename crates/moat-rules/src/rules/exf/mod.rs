//! EXF: data exfiltration.

use crate::rule::Rule;

pub mod exf001;
pub mod exf002;
pub mod exf003;
pub mod exf004;
pub mod exf005;
pub mod exf006;
pub mod exf007;

/// The EXF rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &exf001::RULE,
        &exf002::RULE,
        &exf003::RULE,
        &exf004::RULE,
        &exf005::RULE,
        &exf006::RULE,
        &exf007::RULE,
    ]
}
