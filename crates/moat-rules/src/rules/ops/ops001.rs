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
    what: "A flow that an Azure ML operation needs (one of the operations `moat ops` lists: studio, jobs, compute creation, image builds, registries, endpoints) is blocked or cannot be decided, and no more specific rule reports that cause.",
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
                let at = r
                    .subject
                    .name_of(moat_model::address::Kind::Workspace)
                    .and_then(|n| cx.e.ix.workspaces.get(n))
                    .map(|&i| cx.t.workspaces[i].at.clone())
                    .unwrap_or_default();
                let what = format!("{} ({}: {})", f.trace.to, r.op, f.purpose);
                out.push(flow_finding(&DOC, r.subject.to_string(), what, f, &at));
            }
        }
    }
}

/// Whether finding `f` reports the flow of trace `flow`: its trace is the same flow, or stops
/// at the same element for the same reason (one finding per cause).
pub fn covers(f: &Finding, flow: &moat_engine::Trace) -> bool {
    let Some(t) = &f.trace else { return false };
    flow_key(t) == flow_key(flow) || cause_key(t).is_some_and(|c| Some(c) == cause_key(flow))
}

/// What makes two traces the same flow: source, destination, protocol and port.
pub fn flow_key(t: &moat_engine::Trace) -> (&moat_model::Address, &moat_model::Address, &str, u16) {
    (&t.from, &t.to, &t.protocol, t.port)
}

/// What makes two traces stop for the same cause: the verdict and the hop that decided it.
pub fn cause_key(
    t: &moat_engine::Trace,
) -> Option<(moat_engine::Verdict, &str, moat_engine::Code, &str)> {
    let b = t.blocked_by.as_ref()?;
    Some((t.verdict, &b.element, b.code, &b.detail))
}

/// The flows and causes a set of findings already reports, for asking [`covers`] of many
/// traces at once without rescanning the findings for each.
#[derive(Default)]
pub struct Covered<'f> {
    flows: std::collections::HashSet<(
        &'f moat_model::Address,
        &'f moat_model::Address,
        &'f str,
        u16,
    )>,
    causes: std::collections::HashSet<(moat_engine::Verdict, &'f str, moat_engine::Code, &'f str)>,
}

impl<'f> Covered<'f> {
    /// Records what `f` reports.
    pub fn add(&mut self, f: &'f Finding) {
        if let Some(t) = &f.trace {
            self.flows.insert(flow_key(t));
            self.causes.extend(cause_key(t));
        }
    }

    /// Whether a recorded finding [`covers`] `flow`.
    pub fn covers(&self, flow: &moat_engine::Trace) -> bool {
        self.flows.contains(&flow_key(flow))
            || cause_key(flow).is_some_and(|c| self.causes.contains(&c))
    }
}
