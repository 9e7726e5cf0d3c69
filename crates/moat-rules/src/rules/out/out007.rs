//! OUT007 vscode-server-ports.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::ComputeType;

/// The rule.
pub struct Out007;
/// Its registration.
pub static RULE: Out007 = Out007;

static DOC: RuleDoc = RuleDoc {
    code: "OUT007",
    name: "vscode-server-ports",
    severity: Severity::Info,
    what: "A compute instance declared to be used from Visual Studio Code (uses: vscode) is in a network the deployment restricts (a subnet of a customer VNet, or its workspace's managed network): network traffic to ports 8704-8710 must be allowed (not decided).",
    why: "The VS Code server on a compute instance takes the first free port of 8704-8710, and the documentation asks that network traffic to these ports be allowed. It names neither the source nor the destination of that traffic, so no flow of the deployment can be traced for it: the rule states the requirement once per compute instance where the network is restricted, and does not decide it. An instance outside any VNet or managed network has nothing that could block the ports.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, uses: [vscode] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Allow network traffic to TCP ports 8704-8710 of the compute instance where its network is restricted (the NSG of its subnet, the firewall its routes lead to).",
    fix_form: FixForm::Prose(prose::VALUE),
    sources: &[doc!(
        FW,
        "Visual Studio Code hosts and ports (ports 8704 to 8710)"
    )],
    covers: &["§6.112"],
    path: false,
};

/// What the finding leaves open.
const ENDS: &str =
    "the ends of the VS Code server's traffic on ports 8704-8710: the documentation names neither";

impl Rule for Out007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in t.computes.iter().filter(|c| {
            c.compute_type == ComputeType::ComputeInstance
                && c.uses.iter().any(|u| u.eq_ignore_ascii_case("vscode"))
        }) {
            let managed = t
                .workspaces
                .iter()
                .find(|w| w.name == c.workspace)
                .is_some_and(|w| w.managed_network.enabled());
            let place = match (&c.subnet, managed) {
                (Some(s), _) => format!("subnet {s}"),
                (None, true) => format!("the managed network of workspace {}", c.workspace),
                (None, false) => continue,
            };
            out.push(
                Finding::new(
                    &DOC,
                    format!("compute/{}", c.name),
                    format!(
                        "compute instance {} is used from VS Code and is in {place}: network traffic to ports 8704-8710 (the VS Code server's) must be allowed",
                        c.name
                    ),
                    DOC.fix,
                    &c.at,
                )
                .needing(Some(ENDS.to_string())),
            );
        }
    }
}
