//! MON: Azure Monitor and Application Insights.

use crate::rule::Rule;

pub mod mon001;
pub mod mon002;

/// The MON rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&mon001::RULE, &mon002::RULE]
}
