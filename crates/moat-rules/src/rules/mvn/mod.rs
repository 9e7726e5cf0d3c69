//! MVN: the workspace managed virtual network.

use crate::rule::Rule;

pub mod mvn001;
pub mod mvn002;
pub mod mvn003;
pub mod mvn004;
pub mod mvn005;
pub mod mvn006;
pub mod mvn007;
pub mod mvn008;
pub mod mvn009;
pub mod mvn010;
pub mod mvn011;
pub mod mvn012;
pub mod mvn013;
pub mod mvn014;

/// The MVN rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &mvn001::RULE,
        &mvn002::RULE,
        &mvn003::RULE,
        &mvn004::RULE,
        &mvn005::RULE,
        &mvn006::RULE,
        &mvn007::RULE,
        &mvn008::RULE,
        &mvn009::RULE,
        &mvn010::RULE,
        &mvn011::RULE,
        &mvn012::RULE,
        &mvn013::RULE,
        &mvn014::RULE,
    ]
}
