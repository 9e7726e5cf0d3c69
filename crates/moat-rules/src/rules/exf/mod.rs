//! EXF: data exfiltration.

use crate::rule::Rule;

/// The EXF rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
