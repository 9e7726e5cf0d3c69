//! EXF: data exfiltration.

use crate::rule::Rule;

pub mod exf001;
pub mod exf002;
pub mod exf003;
pub mod exf004;

/// The EXF rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&exf001::RULE, &exf002::RULE, &exf003::RULE, &exf004::RULE]
}
