//! MON: Azure Monitor and Application Insights.

use crate::rule::Rule;

/// The MON rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
