//! Findings matched across two deployments by fingerprint.

use foldhash::HashMap;
use moat_rules::Finding;
use serde::Serialize;

/// Findings new in HEAD, fixed (in BASE only) and unchanged (in both; HEAD's copy, with its
/// current location).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingChanges {
    pub new: Vec<Finding>,
    pub fixed: Vec<Finding>,
    pub unchanged: Vec<Finding>,
}

/// Matches `head` against `base` by fingerprint, counting: two identical findings in HEAD and
/// one in BASE make one unchanged and one new.
pub fn compare(base: &[Finding], head: &[Finding]) -> FindingChanges {
    let mut out = FindingChanges::default();
    // How many of BASE's findings of each fingerprint HEAD still has.
    let mut kept: HashMap<String, usize> = HashMap::default();
    for (f, new) in head.iter().zip(new_in_head(base, head)) {
        if new {
            out.new.push(f.clone());
        } else {
            *kept.entry(f.fingerprint()).or_default() += 1;
            out.unchanged.push(f.clone());
        }
    }
    // The first `kept` of each fingerprint in BASE are the ones still there; the rest are fixed.
    for f in base {
        match kept.get_mut(&f.fingerprint()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.fixed.push(f.clone()),
        }
    }
    out
}

/// For each of HEAD's findings, whether it is new: BASE has no finding of its fingerprint
/// left once the HEAD findings before it took theirs.
pub fn new_in_head(base: &[Finding], head: &[Finding]) -> Vec<bool> {
    let mut in_base: HashMap<String, usize> = HashMap::default();
    for f in base {
        *in_base.entry(f.fingerprint()).or_default() += 1;
    }
    head.iter()
        .map(
            |f| match in_base.get_mut(&f.fingerprint()).filter(|n| **n > 0) {
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => true,
            },
        )
        .collect()
}
