//! OPS001 operation-flow-blocked.

use crate::rules::util::{failing_flows, flow_finding};
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_engine::ops::OPERATIONS;

/// The rule.
pub struct Ops001;
/// Its registration.
pub static RULE: Ops001 = Ops001;

static DOC: RuleDoc = RuleDoc {
    code: "OPS001",
    name: "operation-flow-blocked",
    severity: Severity::Error,
    what: "A flow that an Azure ML operation needs (rules.md, \"Operations\": studio, jobs, compute creation, image builds, registries, endpoints) is blocked or cannot be decided, and no more specific rule reports that cause.",
    why: "`moat ops` evaluates each operation as the flows it needs; a flow that does not get through makes the operation fail for its users. `moat check` reports it here when no rule that owns the requirement (OUT001, REG001, DNS001, ...) already reports the same flow or the same blocking element, so CI never sees less than `moat ops`.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]",
    fix: "Follow the trace to the hop that blocks and apply its fix (a private endpoint, a DNS zone link, an NSG or firewall rule).",
    sources: &[
        doc!(FW, "Required public internet access"),
        doc!(TRV),
        doc!(PLAN),
    ],
    covers: &[],
    path: true,
};

impl Rule for Ops001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    /// Every failing flow of every operation. The runner keeps those no other finding covers
    /// (the same flow, or the same blocking element for the same reason).
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for op in OPERATIONS {
            for (r, f) in failing_flows(cx, op.id) {
                let at =
                    cx.t.workspaces
                        .iter()
                        .find(|w| format!("workspace/{}", w.name) == r.subject)
                        .map(|w| w.at.clone())
                        .unwrap_or_default();
                let what = format!("{} ({}: {})", f.trace.to, r.op, f.purpose);
                out.push(flow_finding(&DOC, r.subject.clone(), what, f, &at));
            }
        }
    }
}

/// Whether finding `f` reports the flow of trace `flow`: its trace is the same flow, or stops
/// at the same element for the same reason (one finding per cause).
pub fn covers(f: &Finding, flow: &moat_engine::Trace) -> bool {
    let Some(t) = &f.trace else { return false };
    let same_flow = t.from == flow.from
        && t.to == flow.to
        && t.protocol == flow.protocol
        && t.port == flow.port;
    let same_cause = match (&t.blocked_by, &flow.blocked_by) {
        (Some(a), Some(b)) => {
            t.verdict == flow.verdict
                && a.element == b.element
                && a.code == b.code
                && a.detail == b.detail
        }
        _ => false,
    };
    same_flow || same_cause
}
