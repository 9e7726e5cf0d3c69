//! OPS: operations of the catalog (rules.md, "Operations") that fail for a reason no more
//! specific rule reports, so that `check` never says less than `ops`.

use crate::rule::Rule;

pub mod ops001;

/// The OPS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&ops001::RULE]
}
