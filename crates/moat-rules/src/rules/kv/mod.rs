//! KV: key vaults.

use crate::rule::Rule;

pub mod kv001;
pub mod kv002;

/// The KV rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&kv001::RULE, &kv002::RULE]
}
