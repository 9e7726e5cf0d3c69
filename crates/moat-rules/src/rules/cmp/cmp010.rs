//! CMP010 default-outbound-reliance.

use crate::rules::util::compute_at;
use crate::rules::util_items::{external_subnet, subnet, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Step;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct Cmp010;
/// Its registration.
pub static RULE: Cmp010 = Cmp010;

static DOC: RuleDoc = RuleDoc {
    code: "CMP010",
    name: "default-outbound-reliance",
    severity: Severity::Warning,
    what: "A compute without public IP reaches the internet only through Azure's default outbound access: no NAT gateway on its subnet, no route through a firewall (path).",
    why: "No-public-IP computes get no internet access of their own. Default outbound access is an implicit address Azure picks and is being retired (new VNets get private subnets): the documentation says not to rely on it and to give the subnet a NAT gateway or a route through a firewall, or package installs and image pulls stop working.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Attach a NAT gateway to the compute subnet, or route 0.0.0.0/0 through a firewall, and turn default outbound access off.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(TRV, "Compute instance/cluster with no public IP"),
        doc!(FW, "Outbound traffic (default outbound access)"),
    ],
    covers: &["§6.58"],
    path: true,
};

impl Rule for Cmp010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in cx.t.computes.iter().filter(|c| !c.enable_node_public_ip) {
            let Some(key) = &c.subnet else { continue };
            let Some(s) = subnet(cx, key) else { continue };
            // A subnet the input does not declare: its default outbound access, NAT gateway
            // and routes are unknown, never Azure's defaults.
            if let Some(u) = external_subnet(cx, key) {
                let what = format!(
                    "compute {} has a way to the internet other than default outbound access of subnet {key}",
                    c.name
                );
                out.push(undecided(
                    &DOC,
                    format!("compute/{}", c.name),
                    &what,
                    u,
                    &compute_at(cx, &c.name),
                ));
                continue;
            }
            if !s.default_outbound_access || s.nat_gateway.is_some() {
                continue;
            }
            let from = Address::Resource {
                kind: Kind::Compute,
                name: c.name.clone(),
                sub: None,
            };
            let Some(t) = cx.trace(from, Address::Internet, Protocol::TCP, 443) else {
                continue;
            };
            // The path leaves for the internet from the compute's own subnet (not through a
            // firewall or appliance elsewhere): default outbound access is what carries it.
            let own = moat_engine::trace::subnet_address(key);
            if !t
                .hops
                .iter()
                .any(|h| h.step == Step::Egress && h.subject.as_deref() == Some(&own))
            {
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    format!("compute/{}", c.name),
                    format!(
                        "compute {} has no public IP and reaches the internet only through default outbound access of subnet {key}",
                        c.name
                    ),
                    DOC.fix,
                    &compute_at(cx, &c.name),
                )
                .with_trace(t),
            );
        }
    }
}
