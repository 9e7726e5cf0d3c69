//! WS: workspace inbound, public network access, client connectivity.

use crate::rule::Rule;

pub mod ws001;
pub mod ws002;
pub mod ws003;
pub mod ws004;
pub mod ws005;
pub mod ws006;
pub mod ws007;
pub mod ws008;
pub mod ws009;
pub mod ws010;
pub mod ws011;
pub mod ws012;
pub mod ws013;

/// The WS rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &ws001::RULE,
        &ws002::RULE,
        &ws003::RULE,
        &ws004::RULE,
        &ws005::RULE,
        &ws006::RULE,
        &ws007::RULE,
        &ws008::RULE,
        &ws009::RULE,
        &ws010::RULE,
        &ws011::RULE,
        &ws012::RULE,
        &ws013::RULE,
    ]
}
