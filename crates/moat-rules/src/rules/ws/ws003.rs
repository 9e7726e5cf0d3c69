//! WS003 selected-ip-client-not-allowed.

use crate::change::Change;
use crate::rules::util::{destination, flow_finding, name_of, workspace_at};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{Code, Hop, OpId, Step, Trace, Verdict};
use moat_model::address::{Address, Kind};
use std::collections::HashSet;

/// The rule.
pub struct Ws003;
/// Its registration.
pub static RULE: Ws003 = Ws003;

static DOC: RuleDoc = RuleDoc {
    code: "WS003",
    name: "selected-ip-client-not-allowed",
    severity: Severity::Error,
    what: "A client that reaches the workspace over its public endpoint leaves for the internet from an address the workspace IP allow list does not contain.",
    why: "With public access 'Enabled from selected IP addresses', the workspace answers only the IPv4 addresses and ranges in its allow list. What counts is the address the client's traffic shows on the internet (its NAT or proxy address), not its private address.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [16.17.18.0/24] } }]\nclients: [{ name: laptop, location: internet, public_address: 20.1.2.3 }]",
    fix: "Add the client's public address (or its range) to the workspace IP allow list, or connect it privately.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PLAN,
        "Inbound access (Enabled from selected IP addresses)"
    )],
    covers: &[],
    path: true,
};

/// The hop of the workspace's IP allow list that refuses the client's address, or may: one
/// that read a value the input leaves open (the list), or one reached past a route, peering,
/// firewall or way out the input leaves open, which may send the flow out from another
/// address than the one the list admits.
fn allow_list_on_the_way(t: &Trace) -> Option<&Hop> {
    let by_list = |h: &Hop| {
        matches!(
            h.code,
            Code::RfIpRule | Code::RfIpNotAllowed | Code::RfIpUndecided
        )
    };
    if let Some(h) = t.may_stop_at(Step::ResourceFirewall).filter(|h| by_list(h)) {
        return Some(h);
    }
    let i = t
        .hops
        .iter()
        .position(|h| h.step == Step::ResourceFirewall && by_list(h))?;
    t.open
        .iter()
        .any(|&o| {
            o < i
                && matches!(
                    t.hops[o].step,
                    Step::Route | Step::Peering | Step::Firewall | Step::Egress
                )
        })
        .then(|| &t.hops[i])
}

impl Rule for Ws003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for op in [OpId::StudioOpen, OpId::SdkConnect] {
            for r in cx.op(op) {
                for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
                    let Some(dst) = destination(f) else { continue };
                    if !matches!(
                        &dst,
                        Address::Resource {
                            kind: Kind::Workspace,
                            ..
                        }
                    ) {
                        continue;
                    }
                    let Some(hop) = allow_list_on_the_way(&f.trace) else {
                        continue;
                    };
                    let ws = name_of(&dst).to_string();
                    if !seen.insert((f.trace.from.clone(), ws.clone())) {
                        continue;
                    }
                    let what = format!(
                        "{} → workspace {ws} over the public endpoint (IP allow list)",
                        f.trace.from
                    );
                    // The address the client shows, when the model knows it: added to the
                    // list, which holds IPv4 addresses only.
                    let change = hop
                        .source_address
                        .filter(|a| a.is_ipv4() && hop.code == Code::RfIpNotAllowed)
                        .map(|a| Change::AddWorkspaceIpRule {
                            workspace: format!("workspace/{ws}"),
                            address: a.to_string(),
                        });
                    out.push(
                        flow_finding(
                            &DOC,
                            format!("workspace/{ws}"),
                            what,
                            f,
                            &workspace_at(cx, &ws),
                        )
                        .with_changes(change),
                    );
                }
            }
        }
    }
}
