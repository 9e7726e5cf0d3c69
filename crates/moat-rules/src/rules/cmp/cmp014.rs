//! CMP014 attached-vm-ssh-inbound.

use crate::rules::util_fix::{Allow, allow_in_nsg};
use crate::rules::util_infra::{blocked_finding, trace};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct Cmp014;
/// Its registration.
pub static RULE: Cmp014 = Cmp014;

static DOC: RuleDoc = RuleDoc {
    code: "CMP014",
    name: "attached-vm-ssh-inbound",
    severity: Severity::Error,
    what: "A virtual machine attached to a workspace as a compute target does not receive SSH (TCP 22) from the AzureMachineLearning service tag (path).",
    why: "Azure Machine Learning runs jobs on an attached virtual machine over SSH: its network security group must allow inbound traffic from the AzureMachineLearning service tag, any source port, to destination port 22. An ARM template attaches the VM as a compute of type VirtualMachine whose resourceId names it; the native format declares the attachment on the virtual machine (attached_to: <workspace>).",
    example: "workspaces: [{ name: ws }]\nvirtual_machines: [{ name: dsvm, network_interfaces: [dsvm-nic], attached_to: ws }]\nnetwork_interfaces: [{ name: dsvm-nic, subnet: vnet/training, network_security_group: nsg }]\nnetwork_security_groups: [{ name: nsg }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Add an inbound NSG rule: source service tag AzureMachineLearning, source ports *, destination port 22, protocol Any, on the VM's subnet or network interface.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        TRV,
        "Virtual machine or HDInsight cluster (NSG inbound from AzureMachineLearning to port 22)"
    )],
    covers: &["§6.64"],
    path: true,
};

impl Rule for Cmp014 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for vm in &cx.t.virtual_machines {
            let Some(ws) = &vm.attached_to else { continue };
            let to = Address::resource(Kind::Vm, &vm.name);
            let Some(t) = trace(
                cx,
                &Address::Tag("AzureMachineLearning".into()),
                to,
                Protocol::TCP,
                22,
            ) else {
                continue;
            };
            if t.verdict == Verdict::Allowed {
                continue;
            }
            // The documented rule: source AzureMachineLearning, any source port, port 22,
            // protocol Any.
            let allow = allow_in_nsg(
                cx,
                &[&t],
                &Allow {
                    name: &["allow", "AzureMachineLearning", "ssh"],
                    protocol: "*",
                    source: "AzureMachineLearning",
                    destination: "*",
                    ports: "22",
                },
            );
            let mut f = blocked_finding(
                &DOC,
                format!("vm/{}", vm.name),
                format!(
                    "SSH from AzureMachineLearning to virtual machine {} attached to workspace {ws}",
                    vm.name
                ),
                t,
                &vm.at,
            );
            if let Some(c) = allow {
                f = f.with_change(c);
            }
            out.push(f);
        }
    }
}
