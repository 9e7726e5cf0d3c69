//! WS: workspace inbound, public network access, client connectivity.

use crate::rule::Rule;

pub mod ws001;

/// The WS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&ws001::RULE]
}
