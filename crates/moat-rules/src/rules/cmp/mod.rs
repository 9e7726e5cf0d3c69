//! CMP: compute instances, clusters, AKS, ACI.

use crate::rule::Rule;

/// The CMP rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![]
}
