//! The one place every rule is registered.

use crate::rule::Rule;
use crate::rules;

/// Every rule of the catalog, in code order.
pub fn all() -> Vec<&'static dyn Rule> {
    let mut v: Vec<&'static dyn Rule> = Vec::new();
    v.extend(rules::ws::rules());
    v.extend(rules::reg::rules());
    v.extend(rules::sec::rules());
    v.extend(rules::pe::rules());
    v.extend(rules::dns::rules());
    v.extend(rules::st::rules());
    v.extend(rules::kv::rules());
    v.extend(rules::acr::rules());
    v.extend(rules::cmp::rules());
    v.extend(rules::ep::rules());
    v.extend(rules::mvn::rules());
    v.extend(rules::out::rules());
    v.extend(rules::net::rules());
    v.extend(rules::exf::rules());
    v.extend(rules::inv::rules());
    v.extend(rules::mon::rules());
    v.extend(rules::ops::rules());
    v.sort_by_key(|r| r.doc().code);
    v
}

/// The rule with a code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    all()
        .into_iter()
        .find(|r| r.doc().code.eq_ignore_ascii_case(code))
}
