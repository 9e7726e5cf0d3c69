//! MVN: the workspace managed virtual network.

use crate::rule::Rule;

/// The MVN rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
