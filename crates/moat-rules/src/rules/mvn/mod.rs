//! MVN: the workspace managed virtual network.

use crate::rule::Rule;

pub mod mvn001;
pub mod mvn002;
pub mod mvn003;

/// The MVN rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&mvn001::RULE, &mvn002::RULE, &mvn003::RULE]
}
