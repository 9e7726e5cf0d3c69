//! OUT004 firewall-bypassed-for-public-ip.

use crate::change::{Change, Setting};
use crate::rules::util::regional;
use crate::rules::util_infra::{ComputeGroup, Origin, compute_groups};
use crate::rules::util_items::{open_list, subnet as subnet_of, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::values::AddressPrefix;
use moat_net::routing::{Lookup, NextHop, RouteSource, lookup};
use moat_net::space::Space;
use std::collections::HashSet;

/// The rule.
pub struct Out004;
/// Its registration.
pub static RULE: Out004 = Out004;

static DOC: RuleDoc = RuleDoc {
    code: "OUT004",
    name: "firewall-bypassed-for-public-ip",
    severity: Severity::Warning,
    what: "Computes with a public IP sit in a subnet whose internet traffic goes through a firewall or appliance (hub-spoke): the inbound management traffic from AzureMachineLearning (and Batch) needs a user-defined route that skips the firewall.",
    why: "Azure ML and Batch connect in to public-IP computes from addresses not known in advance; the replies must leave the way the requests came, straight to the internet. In a hub-spoke design that means a route for the AzureMachineLearning (and BatchNodeManagement) tags with next hop Internet, which opens a path around the firewall; without it the replies go to the firewall and are dropped. Routes written by address must cover both the workspace's region and its paired (secondary) region; a route for one region's addresses leaves the other's through the firewall. The no-public-IP option removes the requirement.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training }]\nroute_tables: [{ name: rt, routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }] }]\nvirtual_networks: [{ name: spoke, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], route_table: rt }] }]",
    fix: "Recreate the computes without public IP; otherwise add routes for AzureMachineLearning and BatchNodeManagement.<region> with next hop Internet.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(
            PLAN,
            "Outbound access (public IP compute needs a UDR to skip the firewall)"
        ),
        doc!(
            FW,
            "Inbound traffic (user-defined routes for the primary and secondary regions)"
        ),
    ],
    covers: &["§6.60"],
    path: false,
};

impl Rule for Out004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for g in compute_groups(cx, |c| c.subnet.is_some() && c.enable_node_public_ip) {
            let Origin::Subnet(subnet) = &g.origin else {
                continue;
            };
            if !seen.insert(subnet.clone()) {
                continue;
            }
            let vnet = subnet.split('/').next().unwrap_or_default();
            let routes = cx.e.routes(subnet);
            // The internet path of the subnet: any third-party host.
            let appliance = match lookup(&routes, &Space::external()) {
                Lookup::Route(r) => match &r.next_hop {
                    NextHop::VirtualAppliance { ip } => Some(*ip),
                    _ => None,
                },
                _ => None,
            };
            // Routes of the subnet's table the input leaves open may send the internet, or
            // the tags, another way than the routes it gives: whatever those decide is open.
            let open = subnet_of(cx, subnet)
                .and_then(|s| s.route_table.as_deref())
                .and_then(|rt| open_list(cx, &format!("route-table/{rt}"), "routes"));
            let Some(appliance) = appliance else {
                if let Some(u) = open {
                    let what = format!(
                        "replies to inbound management traffic of public-IP computes of {subnet} ({}) meet no appliance on their way out",
                        g.names()
                    );
                    out.push(with_fix(
                        undecided(&DOC, g.resource.clone(), &what, u, &g.at),
                        &g,
                    ));
                }
                continue;
            };
            let ctx = cx.e.context(vnet);
            let mut through = Vec::new();
            let mut bypass = Vec::new();
            let mut partly = Vec::new();
            for tag in [
                "AzureMachineLearning".to_string(),
                regional("BatchNodeManagement", g.workspace.region.as_deref()),
            ] {
                let set =
                    cx.e.space
                        .cover(&AddressPrefix::Tag(tag.clone()), &ctx)
                        .sure;
                if set.is_empty() {
                    continue;
                }
                match lookup(&routes, &set) {
                    Lookup::Route(r) => match (&r.next_hop, &r.source) {
                        (NextHop::Internet, RouteSource::User { table, route }) => {
                            bypass.push(format!("{tag} (route {route} of {table})"));
                        }
                        (NextHop::VirtualAppliance { .. }, _) => through.push(tag),
                        _ => {}
                    },
                    // Part of the tag's addresses skip the appliance and part go through it:
                    // routes written by address (or by one region's tag) that leave out the
                    // other region Azure ML manages computes from.
                    Lookup::Unknown { candidates } => {
                        let skipping: Vec<String> = candidates
                            .iter()
                            .filter_map(|r| match (&r.next_hop, &r.source) {
                                (NextHop::Internet, RouteSource::User { table, route }) => {
                                    Some(format!("route {route} of {table}"))
                                }
                                _ => None,
                            })
                            .collect();
                        let via_appliance = candidates
                            .iter()
                            .any(|r| matches!(r.next_hop, NextHop::VirtualAppliance { .. }));
                        if !skipping.is_empty() && via_appliance {
                            partly.push(format!("{tag} ({})", skipping.join(", ")));
                        }
                    }
                    Lookup::NoRoute => {}
                }
            }
            let message = if !through.is_empty() {
                format!(
                    "public-IP computes of {subnet} ({}) route {} through the appliance at {appliance}: replies to inbound management traffic take another path than the requests and are dropped",
                    g.names(),
                    through.join(" and ")
                )
            } else if !partly.is_empty() {
                format!(
                    "public-IP computes of {subnet} ({}) route only part of {} around the appliance at {appliance}: the other addresses of the tag (another region's, such as the paired region's) still go through it, and replies to management traffic from them are dropped",
                    g.names(),
                    partly.join(" and ")
                )
            } else if !bypass.is_empty() {
                format!(
                    "public-IP computes of {subnet} ({}) reach {} around the firewall at {appliance}: the documented bypass for inbound management, which no-public-IP computes do not need",
                    g.names(),
                    bypass.join(" and ")
                )
            } else {
                continue;
            };
            let f = Finding::new(&DOC, g.resource.clone(), message, DOC.fix, &g.at);
            out.push(with_fix(f.needing(open.map(|u| u.need())), &g));
        }
    }
}

/// The first fix: without public IP the computes need no inbound management, and no route
/// around the appliance.
fn with_fix(mut f: Finding, g: &ComputeGroup) -> Finding {
    for c in &g.computes {
        f = f.with_change(Change::set(
            format!("compute/{}", c.name),
            Setting::NodePublicIpDisabled,
        ));
    }
    f
}
