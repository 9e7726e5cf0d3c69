//! MVN003 approved-outbound-missing-rule.

use crate::change::Change;
use crate::rules::util::{flow_finding, workspace_at};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_engine::{Code, Step};
use moat_model::address::{Address, Kind};
use moat_model::enums::IsolationMode;
use std::collections::HashSet;

/// The rule.
pub struct Mvn003;
/// Its registration.
pub static RULE: Mvn003 = Mvn003;

static DOC: RuleDoc = RuleDoc {
    code: "MVN003",
    name: "approved-outbound-missing-rule",
    severity: Severity::Error,
    what: "In AllowOnlyApprovedOutbound mode, an operation of the workspace (a job, an image build, a registry asset, an online deployment) needs a destination that neither the required rules nor a user outbound rule allow.",
    why: "Allow only approved outbound blocks everything the managed network was not told about: Azure adds private endpoints to the workspace's own dependencies and the required service tags, and every other destination (a registry, a data store, a package index) needs a private endpoint, service tag or FQDN rule of its own.",
    example: "workspaces: [{ name: ws, image_build_compute: cpu, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute }]   # image builds need pypi.org",
    fix: "Add an outbound rule for the destination: a private endpoint rule for Azure resources, a service tag rule, or an FQDN rule (ports 80/443).",
    fix_form: FixForm::Code,
    sources: &[doc!(PLAN, "Allow only approved outbound mode")],
    covers: &[],
    path: true,
};

/// The workspace a managed flow leaves from.
fn workspace_of(cx: &Context, from: &Address) -> Option<String> {
    let t = cx.t;
    match from.clone() {
        Address::Resource {
            kind: Kind::Compute,
            name,
            ..
        } => t
            .computes
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.workspace.clone()),
        Address::Resource {
            kind: Kind::OnlineEndpoint,
            name,
            ..
        } => t
            .online_endpoints
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.workspace.clone()),
        _ => None,
    }
}

impl Rule for Mvn003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        // One rule per host, whatever the ports and operations that need it.
        let mut ruled = HashSet::new();
        for r in cx.ops() {
            for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
                let t = &f.trace;
                // The managed network refuses the destination, or may: no rule the input gives
                // approves it, and it leaves some open (or a rule's cover is unsure).
                let Some(hop) = t.may_stop_at(Step::ManagedNetwork) else {
                    continue;
                };
                if !matches!(hop.code, Code::MvnNotApproved | Code::MvnUndecided) {
                    continue;
                }
                let Some(ws) = workspace_of(cx, &t.from) else {
                    continue;
                };
                let approved = cx.e.ix.workspaces.get(&ws).is_some_and(|&i| {
                    cx.t.workspaces[i].managed_network.isolation_mode
                        == IsolationMode::AllowOnlyApprovedOutbound
                });
                if !approved || !seen.insert((ws.clone(), t.to.clone(), t.protocol.clone(), t.port))
                {
                    continue;
                }
                let what = format!(
                    "{} ({}: {}) from the managed network of workspace {ws}",
                    t.to, r.op, f.purpose
                );
                let mut finding = flow_finding(
                    &DOC,
                    format!("workspace/{ws}"),
                    what,
                    f,
                    &workspace_at(cx, &ws),
                );
                // A host name the managed network does not approve, or may not (rules left
                // open may or may not cover it): an FQDN rule, which covers ports 80 and 443,
                // approves it either way.
                if matches!(t.port, 80 | 443)
                    && let Address::Fqdn(host) = &t.to
                    && ruled.insert((ws.clone(), host.to_string()))
                {
                    finding =
                        finding.with_change(Change::fqdn_rule(format!("workspace/{ws}"), host));
                }
                out.push(finding);
            }
        }
    }
}
