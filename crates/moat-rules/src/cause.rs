//! One finding per cause: when two rules report the same cause, the one that names it reports
//! and the other refers to it.
//!
//! A rule about a requirement (the outbound a public registry needs) and a rule about a
//! symptom (registry storage unreachable) both fire when one NSG rule blocks the flow; so do a
//! rule about a missing piece (no compute cluster) and a rule about what needs the piece (no
//! image build compute). Both stay in the JSON output, the repeating one with `caused_by`
//! (the fingerprint of the finding that names the cause) and the cause with `related` (the
//! codes that repeat it); the text report shows them as one finding.

use crate::Finding;
use moat_engine::Trace;
use moat_model::address::Address;
use std::collections::HashMap;

/// How two findings are known to report one cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Same {
    /// Their flows leave from the same source and stop at the same hop: the same kind,
    /// code, subject, deciding rule and written rule or setting (see [`block_key`]).
    Block,
    /// They name the same resource.
    Resource,
}

/// `general` repeats `specific` when both concern one cause (`same`). The specific rule is the
/// one whose fix the other's depends on.
struct Repeat {
    specific: &'static str,
    general: &'static str,
    same: Same,
}

const REPEATS: &[Repeat] = &[
    // A public registry's outbound requirement (REG009) names the NSG, route or firewall
    // rule that also keeps a compute from the registry's storage (REG001) and container
    // registry (REG002).
    Repeat {
        specific: "REG009",
        general: "REG001",
        same: Same::Block,
    },
    Repeat {
        specific: "REG009",
        general: "REG002",
        same: Same::Block,
    },
    // No compute cluster at all (WS006): there is none to name as the image build compute
    // (ACR003) until one is created.
    Repeat {
        specific: "WS006",
        general: "ACR003",
        same: Same::Resource,
    },
    // Public access disabled and no private endpoint (WS004) is why no client reaches the
    // workspace (WS001).
    Repeat {
        specific: "WS004",
        general: "WS001",
        same: Same::Resource,
    },
];

/// The hop a flow stopped at, as what identifies the cause: the flow's source and verdict,
/// and the hop as data — its kind and code, the resource or subnet it is about, the address
/// it established, the NSG rule that decided it, the resources it read and where the deciding
/// rule or setting is written. Never its element or detail text, so rewording a message can
/// neither join two causes nor split one.
fn block_key(t: &Trace) -> Option<impl PartialEq + '_> {
    let b = t.blocked_by()?;
    let mut resources: Vec<&str> = b.resources.iter().map(|r| &**r).collect();
    resources.sort_unstable();
    resources.dedup();
    Some((
        (&t.from, t.verdict, b.step, b.code),
        (&b.subject, &b.address, &b.nsg_rule),
        resources,
        b.at.as_ref(),
    ))
}

fn same_cause(a: &Finding, b: &Finding, same: Same) -> bool {
    match same {
        Same::Resource => a.resource == b.resource,
        Same::Block => match (&a.trace, &b.trace) {
            (Some(x), Some(y)) => block_key(x).is_some_and(|k| block_key(y) == Some(k)),
            _ => false,
        },
    }
}

/// Links each finding that repeats another's cause to it. A suppressed finding names no
/// cause (what it would refer to is not shown). The finding that names the cause takes the
/// highest severity among those that repeat it, so the cause is reported as seriously as its
/// worst effect.
pub fn link(findings: &mut [Finding]) {
    // The unsuppressed findings of each rule a general one may repeat, in report order: per
    // resource the first of them, and per flow source those whose flow stopped at a hop.
    // Looking a cause up among them instead of scanning every finding for each general one
    // (findings × findings on a large estate); a cause by hop has the general finding's
    // source, so only the few findings of that source are compared.
    let mut by_source: HashMap<(&str, &Address), Vec<usize>> = HashMap::new();
    let mut by_resource: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.suppressed.is_none() && REPEATS.iter().any(|r| r.specific == f.code) {
            if let Some(t) = f.trace.as_deref().filter(|t| t.blocked_by().is_some()) {
                by_source.entry((f.code, &t.from)).or_default().push(i);
            }
            by_resource
                .entry((f.code, f.resource.as_str()))
                .or_insert(i);
        }
    }
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (g, general) in findings.iter().enumerate() {
        if general.suppressed.is_some() {
            continue;
        }
        let cause = REPEATS
            .iter()
            .filter(|r| r.general == general.code)
            .find_map(|r| match r.same {
                Same::Resource => by_resource
                    .get(&(r.specific, general.resource.as_str()))
                    .copied(),
                Same::Block => by_source
                    .get(&(r.specific, &general.trace.as_deref()?.from))?
                    .iter()
                    .copied()
                    .find(|&s| same_cause(&findings[s], general, Same::Block)),
            });
        if let Some(s) = cause {
            links.push((g, s));
        }
    }
    for (g, s) in links {
        let fingerprint = findings[s].fingerprint();
        let (code, severity) = (findings[g].code, findings[g].severity);
        findings[g].caused_by = Some(fingerprint);
        let cause = &mut findings[s];
        if !cause.related.contains(&code) {
            cause.related.push(code);
        }
        cause.severity = cause.severity.max(severity);
    }
}
