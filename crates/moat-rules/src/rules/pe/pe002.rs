//! PE002 endpoint-not-approved.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::ConnectionState;

/// The rule.
pub struct Pe002;
/// Its registration.
pub static RULE: Pe002 = Pe002;

static DOC: RuleDoc = RuleDoc {
    code: "PE002",
    name: "endpoint-not-approved",
    severity: Severity::Error,
    what: "A private endpoint connection is Pending, Rejected or Disconnected.",
    why: "Only an approved connection carries traffic. An endpoint created with manual approval stays Pending until the owner of the target approves it, and every flow through it fails meanwhile.",
    example: "workspaces: [{ name: ws }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, connection_state: Pending }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Approve the private endpoint connection on the target resource (or create it with auto-approval).",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(PL, "Create a workspace that uses a private endpoint")],
    covers: &[],
    path: false,
};

impl Rule for Pe002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for pe in
            cx.t.private_endpoints
                .iter()
                .filter(|p| p.connection_state != ConnectionState::Approved)
        {
            out.push(Finding::new(
                &DOC,
                format!("private-endpoint/{}", pe.name),
                format!(
                    "the connection of private endpoint {} to {} is {}: no traffic passes",
                    pe.name, pe.target, pe.connection_state
                ),
                format!("approve the connection on {}", pe.target),
                &pe.at,
            ));
        }
    }
}
