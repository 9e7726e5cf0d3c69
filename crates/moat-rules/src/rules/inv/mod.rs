//! INV: reachability invariants the user writes (`[[invariant]]` in moat.toml, or `--policy`)
//! and those a deployment's declared exfiltration protection implies.

use crate::Context;
use crate::finding::Finding;
use crate::rule::{Rule, RuleDoc};
use moat_exfil::invariant::{Expect, Outcome, Proof};

pub mod inv001;
pub mod inv002;

/// The INV rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![&inv001::RULE, &inv002::RULE]
}

/// The findings of the proofs expecting `expect`: a violation with its witness, or an
/// undecided proof with what it needs.
pub fn findings(cx: &Context, doc: &'static RuleDoc, expect: Expect, out: &mut Vec<Finding>) {
    for p in cx.proofs().iter().filter(|p| p.invariant.expect == expect) {
        if p.outcome == Outcome::Holds {
            continue;
        }
        out.push(finding(doc, p));
    }
}

fn finding(doc: &'static RuleDoc, p: &Proof) -> Finding {
    let inv = &p.invariant;
    let expected = match inv.expect {
        Expect::Denied => "denied",
        Expect::Allowed => "allowed",
    };
    let resource = p.place.clone().unwrap_or_else(|| inv.from.clone());
    let dest = p.destination.clone().unwrap_or_else(|| inv.to.clone());
    let flow = p
        .witness
        .as_ref()
        .map(|w| {
            let src = w
                .source_ip
                .map(|ip| format!(" (source {ip})"))
                .unwrap_or_default();
            format!(
                "; witness: {}{src} -> {} {}/{}",
                w.from, w.to, w.protocol, w.port
            )
        })
        .unwrap_or_default();
    let message = match p.outcome {
        Outcome::Violated => match inv.expect {
            Expect::Denied => format!(
                "invariant `{}` ({} -> {}, expect {expected}) is violated: {dest} is reachable{flow}",
                inv.name, inv.from, inv.to
            ),
            Expect::Allowed => format!(
                "invariant `{}` ({} -> {}, expect {expected}) is violated: {dest} is unreachable{flow}",
                inv.name, inv.from, inv.to
            ),
        },
        _ => format!(
            "invariant `{}` ({} -> {}, expect {expected}) cannot be decided: {dest}{flow}",
            inv.name, inv.from, inv.to
        ),
    };
    let (message, fix_beyond) = if p.beyond_network {
        (
            format!(
                "{message} (Azure ML acting with its identity: the deployment's network does not carry this flow)"
            ),
            true,
        )
    } else {
        (message, false)
    };
    let fix = match (inv.expect, &p.witness) {
        // No NSG, firewall or endpoint policy carries it (seed 004, "Outbound from service to
        // other Azure PaaS resources"): what bounds it is what the identity is granted.
        (Expect::Denied, Some(_)) if fix_beyond => "No network change closes this: the service reaches the destination as a trusted service with its managed identity, admitted by the destination's own firewall. Limit what the identity is granted (role assignments, datastore credentials), or narrow the invariant's `from` to the places the network carries.".to_string(),
        (Expect::Denied, Some(w)) => {
            let permit: Vec<String> = w
                .trace
                .hops
                .iter()
                .filter(|h| h.decision == moat_engine::HopDecision::Pass)
                .filter(|h| {
                    matches!(
                        h.step,
                        moat_engine::Step::Nsg
                            | moat_engine::Step::Firewall
                            | moat_engine::Step::ManagedNetwork
                            | moat_engine::Step::ServiceEndpointPolicy
                    )
                })
                .map(|h| format!("{} ({})", h.element, h.detail))
                .collect();
            if permit.is_empty() {
                doc.fix.to_string()
            } else {
                format!(
                    "{} Elements that let it through: {}.",
                    doc.fix,
                    permit.join("; ")
                )
            }
        }
        (Expect::Allowed, Some(w)) => w.trace.fix.clone().unwrap_or_else(|| doc.fix.to_string()),
        _ => doc.fix.to_string(),
    };
    let at = at_of(&inv.at);
    let mut f = Finding::new(doc, resource, message, fix, &at);
    if let Some(w) = &p.witness {
        f = f.with_trace(w.trace.clone());
    }
    if p.outcome == Outcome::Undecided {
        f.needs = p.needs.clone();
    }
    f
}

/// `moat.toml:3:1` as a provenance.
fn at_of(s: &str) -> moat_model::Provenance {
    let mut parts = s.rsplitn(3, ':');
    let column = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let line = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let file = parts.next().unwrap_or_default().to_string();
    moat_model::Provenance {
        file,
        line,
        column,
        ..Default::default()
    }
}
