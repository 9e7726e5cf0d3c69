//! CMP009 compute-subnet-delegated.

use crate::rules::util_items::{external_subnet, subnet, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Cmp009;
/// Its registration.
pub static RULE: Cmp009 = Cmp009;

static DOC: RuleDoc = RuleDoc {
    code: "CMP009",
    name: "compute-subnet-delegated",
    severity: Severity::Error,
    what: "A compute instance or cluster is placed in a subnet delegated to a service.",
    why: "A subnet delegated to a service (Microsoft.Web/serverFarms, Microsoft.ContainerInstance/containerGroups, ...) is reserved for that service's resources. Azure Machine Learning computes need a subnet that is not delegated to any other service; creating the compute there fails.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], delegations: [Microsoft.Web/serverFarms] }] }]",
    fix: "Remove the delegation from the subnet, or put the compute in a subnet without delegation.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(TRV, "Compute instance/cluster requirements (subnet)")],
    covers: &["§6.53"],
    path: false,
};

impl Rule for Cmp009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in &cx.t.computes {
            let Some(key) = &c.subnet else { continue };
            let Some(s) = subnet(cx, key) else { continue };
            // A subnet the input does not declare: its delegations are unknown, not none.
            if let Some(u) = external_subnet(cx, key) {
                let what = format!("subnet {key} of compute {} is not delegated", c.name);
                let at = if c.at.is_unknown() { &s.at } else { &c.at };
                out.push(undecided(&DOC, format!("compute/{}", c.name), &what, u, at));
                continue;
            }
            if s.delegations.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("compute/{}", c.name),
                format!(
                    "compute {} is in subnet {key}, delegated to {}",
                    c.name,
                    s.delegations.join(", ")
                ),
                DOC.fix,
                if c.at.is_unknown() { &s.at } else { &c.at },
            ));
        }
    }
}
