//! OPS001 operation-flow-blocked.

use crate::rules::util::{failing_flows, flow_finding};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::ops::{FlowResult, OPERATIONS, OpResult};
use moat_engine::trace::NsgDecision;
use moat_engine::{Code, Step, Trace, Verdict};
use moat_model::Provenance;
use moat_model::address::{Address, Kind};
use std::collections::HashSet;

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
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Follow the trace to the hop that blocks and apply its fix (a private endpoint, a DNS zone link, an NSG or firewall rule).",
    fix_form: FixForm::Prose(prose::TRACE),
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
                out.push(finding(cx, r, f));
            }
        }
    }
}

/// The finding of a failing flow `f` of operation result `r`.
fn finding(cx: &Context, r: &OpResult, f: &FlowResult) -> Finding {
    let at = r
        .subject
        .name_of(Kind::Workspace)
        .and_then(|n| cx.e.ix.workspaces.get(n))
        .map(|&i| cx.t.workspaces[i].at.clone())
        .unwrap_or_default();
    let what = format!("{} ({}: {})", f.trace.to, r.op, f.purpose);
    flow_finding(&DOC, r.subject.to_string(), what, f, &at)
}

/// The findings of [`Ops001`] for the flows no finding `covered` records covers, in the
/// rule's order, each recorded in turn (a later flow stopped by the same cause is covered by
/// it). Only those are built: in a large estate nearly every failing flow repeats a cause a
/// more specific rule reports, and building them all held tens of MiB at the check's peak.
pub fn uncovered<'c>(cx: &'c Context, covered: &mut Covered<'c>) -> Vec<Finding> {
    let mut kept = Vec::new();
    for op in OPERATIONS {
        for (r, f) in failing_flows(cx, op.id) {
            if !covered.covers(&f.trace) {
                covered.add_trace(&f.trace);
                kept.push(finding(cx, r, f));
            }
        }
    }
    kept
}

/// Whether finding `f` reports the flow of trace `flow`: its trace is the same flow, or stops
/// for the same cause (see [`cause_key`]; one finding per cause).
pub fn covers(f: &Finding, flow: &Trace) -> bool {
    let Some(t) = &f.trace else { return false };
    flow_key(t) == flow_key(flow) || cause_key(t).is_some_and(|c| Some(c) == cause_key(flow))
}

/// What makes two traces the same flow: source, destination, protocol and port.
pub type FlowKey<'t> = (&'t Address, &'t Address, &'t str, u16);

/// What makes two traces the same flow.
pub fn flow_key(t: &Trace) -> FlowKey<'_> {
    (&t.from, &t.to, &t.protocol, t.port)
}

/// What two traces that stop for one cause share, read from the typed hop: the verdict, the
/// hop's kind and code, the element it is about, the address it established, the NSG rule
/// that decided it (with where the NSG applies and which sources it denies), the resources it
/// read and where the deciding rule or setting is written — and, unless the cause is a rule
/// or setting that refuses alike whatever the flow, the flow itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CauseKey<'t> {
    verdict: Verdict,
    step: Step,
    code: Code,
    subject: Option<&'t Address>,
    address: Option<&'t moat_model::PrivateIp>,
    nsg_rule: Option<&'t NsgDecision>,
    resources: Vec<&'t str>,
    at: Option<&'t Provenance>,
    scope: Scope<'t>,
}

/// How much of the flow a cause depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Scope<'t> {
    /// Nothing of it: the rule or setting refuses every flow it decides, from any source, to
    /// any destination and port (an NSG rule; a resource's public network access).
    Element,
    /// The source: a resource's setting that refuses a service principal by its identity.
    Source(&'t Address),
    /// All of it: a cause whose fix names the flow (the rule a firewall lacks for a host, an
    /// address an IP rule lacks, a route for a destination, ...).
    Flow(FlowKey<'t>),
}

/// What makes two traces stop for the same cause (see [`CauseKey`]). The verdict and the hop
/// as data, never its element or detail text, so rewording a message can neither join two
/// causes nor split one; and never fewer distinctions than those texts make: an NSG hop's text
/// names the NSG, direction, scope, rule, priority and the sources denied, all in its
/// `nsg_rule`; a resource firewall's names the resource (its `subject`, a registry's managed
/// storage or container registry apart) and, for a service principal, the principal.
pub fn cause_key(t: &Trace) -> Option<CauseKey<'_>> {
    let b = t.blocked_by()?;
    let mut resources: Vec<&str> = b.resources.iter().map(|r| &**r).collect();
    resources.sort_unstable();
    resources.dedup();
    let scope = match b.code {
        Code::NsgOutboundDeny | Code::NsgInboundDeny | Code::NsgUndecided
            if b.nsg_rule.is_some() =>
        {
            Scope::Element
        }
        Code::RfPublicDisabled | Code::RfWorkspacePrivate | Code::RfSameRegion
            if b.subject.is_some() =>
        {
            // A workspace or registry source is a service acting with its identity: the
            // setting refuses that principal, whom the fix names.
            match &t.from {
                Address::Resource {
                    kind: Kind::Workspace | Kind::Registry,
                    ..
                } => Scope::Source(&t.from),
                _ => Scope::Element,
            }
        }
        _ => Scope::Flow(flow_key(t)),
    };
    Some(CauseKey {
        verdict: t.verdict,
        step: b.step,
        code: b.code,
        subject: b.subject.as_deref(),
        address: b.address.as_deref(),
        nsg_rule: b.nsg_rule.as_deref(),
        resources,
        at: b.at.as_deref(),
        scope,
    })
}

/// The flows and causes a set of findings already reports, for asking [`covers`] of many
/// traces at once without rescanning the findings for each.
#[derive(Default)]
pub struct Covered<'f> {
    flows: HashSet<FlowKey<'f>>,
    causes: HashSet<CauseKey<'f>>,
}

impl<'f> Covered<'f> {
    /// Records what `f` reports.
    pub fn add(&mut self, f: &'f Finding) {
        if let Some(t) = &f.trace {
            self.add_trace(t);
        }
    }

    /// Records what a finding with trace `t` reports.
    pub fn add_trace(&mut self, t: &'f Trace) {
        self.flows.insert(flow_key(t));
        self.causes.extend(cause_key(t));
    }

    /// Whether a recorded finding [`covers`] `flow`.
    pub fn covers(&self, flow: &Trace) -> bool {
        self.flows.contains(&flow_key(flow))
            || cause_key(flow).is_some_and(|c| self.causes.contains(&c))
    }
}
