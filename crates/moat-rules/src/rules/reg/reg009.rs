//! REG009 public-registry-outbound-missing.

use crate::rules::util::{compute_at, flow_finding, regional};
use crate::rules::util_fix::allow_to_tag;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_engine::ops::FlowResult;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;

/// The rule.
pub struct Reg009;
/// Its registration.
pub static RULE: Reg009 = Reg009;

static DOC: RuleDoc = RuleDoc {
    code: "REG009",
    name: "public-registry-outbound-missing",
    severity: Severity::Error,
    what: "Computes of a workspace that uses a public registry lack outbound to AzureMachineLearning (TCP 443, 18881; UDP 5831), Storage.<region>, MicrosoftContainerRegistry.<region> or AzureContainerRegistry.<region> on 443.",
    why: "A secure workspace using a public registry reaches the registry, its storage and its container registry over their public endpoints; the compute's NSG, routes and firewall must let that traffic out. The registry page prints port 877 beside 443 and 18881: a misprint of 8787, which the firewall page lists as situational (RStudio on a compute instance), so it is not required here.",
    example: "workspaces: [{ name: ws, uses_registries: [contosoreg] }]\nregistries: [{ name: contosoreg }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nnetwork_security_groups: [{ name: nsg, rules: [{ name: deny, priority: 200, direction: Outbound, access: Deny }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg }] }]",
    fix: "Allow the four service tags on the compute subnet's NSG and on the firewall.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(
            REG,
            "Outbound network configuration to access any Azure Machine Learning registry"
        ),
        doc!(SWV),
    ],
    covers: &[],
    path: true,
};

impl Rule for Reg009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let public: Vec<&String> = cx
                .intent
                .registries_of(&w.name)
                .iter()
                .filter(|r| cx.e.ix.registries.get(*r).is_some_and(|&i| cx.t.registries[i].public_network_access != PublicNetworkAccess::Disabled))
                .filter(|r| !cx.t.private_endpoints.iter().any(|p| matches!(&p.target, Address::Resource { kind: Kind::Registry, name, sub: None } if name == *r)))
                .collect();
            if public.is_empty() {
                continue;
            }
            let region = w.region.as_deref();
            let needs = [
                (
                    regional("AzureMachineLearning", None),
                    Protocol::TCP,
                    443u16,
                ),
                (regional("AzureMachineLearning", None), Protocol::TCP, 18881),
                (regional("AzureMachineLearning", None), Protocol::UDP, 5831),
                (regional("Storage", region), Protocol::TCP, 443),
                (
                    regional("MicrosoftContainerRegistry", region),
                    Protocol::TCP,
                    443,
                ),
                (
                    regional("AzureContainerRegistry", region),
                    Protocol::TCP,
                    443,
                ),
            ];
            // One verdict per subnet: every node of a subnet meets the same rules.
            let mut seen = std::collections::HashSet::new();
            for c in cx.e.ix.computes_of(cx.t, &w.name) {
                let key = c
                    .subnet
                    .clone()
                    .unwrap_or_else(|| format!("managed:{}", w.name));
                if !seen.insert(key) {
                    continue;
                }
                for (tag, proto, port) in &needs {
                    let Some(t) = cx.trace(
                        Address::resource(Kind::Compute, &c.name),
                        Address::Tag(tag.clone()),
                        *proto,
                        *port,
                    ) else {
                        continue;
                    };
                    if t.verdict == Verdict::Allowed {
                        continue;
                    }
                    let what = format!(
                        "outbound from compute {} to {tag} {proto}/{port} (public registry {})",
                        c.name,
                        public
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let allow = allow_to_tag(cx, &t, c.subnet.as_deref(), tag);
                    let f = FlowResult {
                        purpose: String::new(),
                        verdict: t.verdict,
                        trace: t.into(),
                    };
                    let mut finding = flow_finding(
                        &DOC,
                        format!("compute/{}", c.name),
                        what,
                        &f,
                        &compute_at(cx, &c.name),
                    );
                    if let Some(change) = allow {
                        finding = finding.with_change(change);
                    }
                    out.push(finding);
                }
            }
        }
    }
}
