//! DNS007 instance-name-not-workspace-endpoint.

use crate::rules::util_core::{describe_answer, resolve, resolver_of_subnet, vnet_part};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Code;
use moat_model::address::{Address, Kind};
use moat_model::enums::ComputeType;
use moat_net::dns::{Answer, Resolver};
use moat_net::names;

/// The rule.
pub struct Dns007;
/// Its registration.
pub static RULE: Dns007 = Dns007;

static DOC: RuleDoc = RuleDoc {
    code: "DNS007",
    name: "instance-name-not-workspace-endpoint",
    severity: Severity::Error,
    what: "From a place where the workspace's API name resolves to its private endpoint (a VNet holding the endpoint, a declared client), the host name of one of its compute instances (<instance>.<region>.instances.azureml.ms) resolves to something else: another address, no address, or the public endpoint.",
    why: "A compute instance is reached through the workspace's private endpoint, so its host name must resolve to the private address of the workspace's API name, not to the instance's own address. Azure DNS answers it that way inside a VNet; a custom DNS server must forward instances.azureml.ms to Azure DNS (168.63.129.16), or hold a record with the workspace endpoint's API address. Otherwise Jupyter, terminals and VS Code on the instance fail from there.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], dns_servers: [10.0.0.4], subnets: [{ name: dns, address_prefixes: [10.0.0.0/24] }, { name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]\ndns_servers: [{ name: dns, address: 10.0.0.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }, { zone: notebooks.azure.net, to: [168.63.129.16] }] }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }, { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }]",
    fix: "Forward instances.azureml.ms to 168.63.129.16 from the DNS server (as for api.azureml.ms), or give the instance's host name an A record with the workspace private endpoint's API address.",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[doc!(
        DNS,
        "Manual DNS server integration (the compute instance FQDN takes the workspace private endpoint's address)"
    )],
    covers: &["§6.97"],
    path: false,
};

impl Rule for Dns007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in t
            .computes
            .iter()
            .filter(|c| c.compute_type == ComputeType::ComputeInstance)
        {
            let Some(w) = names::network_workspace(t, &cx.e.ix, &c.workspace) else {
                continue;
            };
            let region = names::region_label(w.region.as_deref()).to_string();
            let host = names::compute_instance(c.local_name(), &region);
            let api = names::workspace_api(w.workspace_id.as_deref().unwrap_or_default(), &region);
            for (place, resolver) in places(cx, &w.name) {
                // Only where the workspace itself resolves privately is the instance's name
                // expected to: elsewhere the workspace's own rules report the gap.
                let ip = match resolve(cx, &api.fqdn, &resolver).answer {
                    Answer::Private { ip, .. } => ip,
                    // Whether the workspace resolves privately here is open: so is whether
                    // the instance must, unless its name goes the API name's way whatever
                    // that is.
                    Answer::Unknown { why } => {
                        let r = resolve(cx, &host, &resolver);
                        if r.steps.iter().any(|s| s.code == Code::DnsInstanceWorkspace) {
                            continue;
                        }
                        let mut f = Finding::new(
                            &DOC,
                            format!("compute/{}", c.name),
                            format!(
                                "from {place} ({resolver}), whether workspace {}'s API name resolves to its private endpoint is not known, so neither is whether the host name {host} of compute instance {} must resolve there too",
                                w.name, c.name
                            ),
                            DOC.fix,
                            &c.at,
                        )
                        .needing(Some(why));
                        f.severity = Severity::Info;
                        out.push(f);
                        break;
                    }
                    _ => continue,
                };
                let r = resolve(cx, &host, &resolver);
                let got = match &r.answer {
                    Answer::Private { ip: got, .. } if *got == ip => continue,
                    a => a,
                };
                let mut f = Finding::new(
                    &DOC,
                    format!("compute/{}", c.name),
                    format!(
                        "from {place} ({resolver}), the host name {host} of compute instance {} resolves to {}, not to {ip}, the address of workspace {}'s private endpoint for its API",
                        c.name,
                        describe_answer(got),
                        w.name
                    ),
                    DOC.fix,
                    &c.at,
                );
                if let Answer::Unknown { why } = got {
                    f.severity = Severity::Info;
                    f = f.needing(Some(why.clone()));
                }
                out.push(f);
                // One finding per instance: the first place that fails names the cause.
                break;
            }
        }
    }
}

/// Where the workspace's users resolve names from: the VNets holding its private endpoints
/// (their endpoint subnet's resolver) and the declared clients, each once, in declaration order.
fn places(cx: &Context, workspace: &str) -> Vec<(String, Resolver)> {
    let mut v: Vec<(String, Resolver)> = Vec::new();
    for pe in cx.e.ix.endpoints_of(cx.t, Kind::Workspace, workspace) {
        let what = format!("VNet {}", vnet_part(&pe.subnet));
        if v.iter().any(|(p, _)| *p == what) {
            continue;
        }
        if let Some(r) = resolver_of_subnet(cx, &pe.subnet) {
            v.push((what, r));
        }
    }
    for c in &cx.t.clients {
        let a = Address::resource(Kind::Client, &c.name);
        // A client on a VM whose network interfaces the input leaves open: the VNet whose DNS
        // it uses is unknown, so is every answer it gets (the engine's open place).
        if let Some((label, _, need)) = cx.e.open_place(&a) {
            let what = format!("the DNS of {label}, whose subnet the input leaves open");
            let r = Resolver::Undescribed {
                what,
                open: Some(need),
            };
            v.push((format!("client {}", c.name), r));
        } else if let Ok(place) = cx.e.place(&a) {
            v.push((format!("client {}", c.name), cx.e.resolver_of(&place)));
        }
    }
    v
}
