//! KV: key vaults.

use crate::rule::Rule;

/// The KV rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
