//! Consistency of a topology: names, references, addresses. Every problem is reported, each
//! pointing at the resource and field it concerns.

use crate::Provenance;
use crate::address::{Address, Kind};
use crate::enums::OutboundRuleType;
use crate::ml::{OutboundDestination, Workspace};
use crate::suggest::did_you_mean;
use crate::topology::{Index, Topology};
use foldhash::{HashMap, HashSet};
use ipnet::IpNet;
use std::net::IpAddr;

mod network;
use network::network;

/// A consistency problem in a topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Stable kind of problem (`dangling-reference`, `duplicate-name`, ...).
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// The resource concerned.
    pub at: Provenance,
    /// The field inside the resource (`subnets/1/address_prefixes/0`), when one is to blame.
    pub field: Option<String>,
}

struct Ctx<'a> {
    t: &'a Topology,
    ix: Index,
    out: Vec<Problem>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        code: &'static str,
        at: &Provenance,
        field: Option<String>,
        message: String,
        hint: Option<String>,
    ) {
        self.out.push(Problem {
            code,
            message,
            hint,
            at: at.clone(),
            field,
        });
    }

    /// Checks that `name` is a key of `map`; reports a dangling reference otherwise.
    fn reference(
        &mut self,
        what: &str,
        name: &str,
        keys: &HashMap<String, usize>,
        at: &Provenance,
        field: String,
    ) -> bool {
        if keys.contains_key(name) {
            return true;
        }
        let (message, hint) = dangling(what, name, keys);
        self.push("dangling-reference", at, Some(field), message, hint);
        false
    }

    fn subnet_ref(&mut self, name: &str, at: &Provenance, field: String) -> bool {
        if self.ix.subnets.contains_key(name) {
            return true;
        }
        if !name.contains('/') {
            self.push(
                "dangling-reference",
                at,
                Some(field),
                format!("subnet `{name}` must be written <vnet>/<subnet>"),
                Some("for example vnet/training".into()),
            );
            return false;
        }
        let hint = did_you_mean(name, self.ix.subnets.keys().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"));
        self.push(
            "dangling-reference",
            at,
            Some(field),
            format!("subnet `{name}` is not declared"),
            hint,
        );
        false
    }

    fn address_ref(&mut self, a: &Address, at: &Provenance, field: String) {
        match a {
            Address::Resource {
                kind: Kind::Compute,
                name,
                ..
            } => match crate::scope::resolve_compute(self.t, name) {
                crate::scope::ComputeRef::Found(_) => {}
                crate::scope::ComputeRef::Ambiguous(keys) => {
                    let e = crate::scope::ambiguous_compute(name, &keys);
                    self.push("ambiguous-reference", at, Some(field), e.message, e.hint);
                }
                crate::scope::ComputeRef::Missing => {
                    let (message, hint) = dangling("compute", name, &self.ix.computes);
                    self.push("dangling-reference", at, Some(field), message, hint);
                }
            },
            Address::Resource { kind, name, .. } => {
                let (what, keys) = match kind {
                    Kind::Workspace => ("workspace", &self.ix.workspaces),
                    Kind::Registry => ("registry", &self.ix.registries),
                    Kind::Storage => ("storage account", &self.ix.storage_accounts),
                    Kind::Keyvault => ("key vault", &self.ix.key_vaults),
                    Kind::Acr => ("container registry", &self.ix.container_registries),
                    Kind::Compute => ("compute", &self.ix.computes),
                    Kind::Vm => ("virtual machine", &self.ix.virtual_machines),
                    Kind::Aks => ("aks cluster", &self.ix.aks_clusters),
                    Kind::OnlineEndpoint => ("online endpoint", &self.ix.online_endpoints),
                    Kind::Client => ("client", &self.ix.clients),
                    Kind::Ampls => (
                        "monitor private link scope",
                        &self.ix.monitor_private_link_scopes,
                    ),
                    Kind::Firewall => ("firewall", &self.ix.firewalls),
                    Kind::PrivateEndpoint => ("private endpoint", &self.ix.private_endpoints),
                };
                if !keys.contains_key(name.as_str()) {
                    let (message, hint) = dangling(what, name, keys);
                    self.push("dangling-reference", at, Some(field), message, hint);
                }
            }
            Address::Subnet { vnet, subnet } => {
                self.subnet_ref(&format!("{vnet}/{subnet}"), at, field);
            }
            _ => {}
        }
    }
}

/// The message and hint for a reference to an undeclared `name` among `keys`.
fn dangling(what: &str, name: &str, keys: &HashMap<String, usize>) -> (String, Option<String>) {
    let hint = did_you_mean(name, keys.keys().map(String::as_str))
        .map(|s| format!("did you mean `{s}`?"))
        .or_else(|| {
            keys.is_empty()
                .then(|| format!("the topology declares no {what}"))
        });
    (format!("{what} `{name}` is not declared"), hint)
}

fn duplicates<'a>(
    ctx: &mut Ctx,
    what: &str,
    items: impl Iterator<Item = (&'a str, &'a Provenance)>,
) {
    let mut seen: HashMap<String, &Provenance> = HashMap::default();
    for (name, at) in items {
        if let Some(first) = seen.get(&name.to_ascii_lowercase()) {
            let hint = Some(format!(
                "first declared at {first}; names are unique per kind (Azure compares them case-insensitively)"
            ));
            ctx.push(
                "duplicate-name",
                at,
                Some("name".into()),
                format!("{what} `{name}` is declared twice"),
                hint,
            );
        } else {
            seen.insert(name.to_ascii_lowercase(), at);
        }
    }
}

fn check_prefix(ctx: &mut Ctx, net: &IpNet, at: &Provenance, field: String) {
    if net.trunc() != *net {
        ctx.push(
            "invalid-prefix",
            at,
            Some(field),
            format!("`{net}` has host bits set; Azure accepts only the network address"),
            Some(format!("write {}", net.trunc())),
        );
    }
}

/// Group ids (private endpoint sub-resources) each target accepts.
pub fn valid_group_ids(target: &Address) -> &'static [&'static str] {
    match target {
        Address::Resource {
            kind: Kind::Workspace,
            ..
        } => &["amlworkspace"],
        Address::Resource {
            kind: Kind::Registry,
            sub: None,
            ..
        } => &["amlregistry"],
        Address::Resource {
            kind: Kind::Registry,
            sub: Some(s),
            ..
        } if s == "acr" => &["registry"],
        Address::Resource {
            kind: Kind::Registry,
            sub: Some(_),
            ..
        }
        | Address::Resource {
            kind: Kind::Storage,
            ..
        } => &[
            "blob",
            "blob_secondary",
            "file",
            "queue",
            "queue_secondary",
            "table",
            "table_secondary",
            "dfs",
            "dfs_secondary",
            "web",
            "web_secondary",
        ],
        Address::Resource {
            kind: Kind::Keyvault,
            ..
        } => &["vault"],
        Address::Resource {
            kind: Kind::Acr, ..
        } => &["registry"],
        Address::Resource {
            kind: Kind::Ampls, ..
        } => &["azuremonitor"],
        _ => &[],
    }
}

/// Checks a topology and returns every problem found, in input order.
pub fn validate(t: &Topology) -> Vec<Problem> {
    let mut c = Ctx {
        t,
        ix: t.index(),
        out: Vec::new(),
    };
    names(&mut c);
    ml_refs(&mut c);
    dep_refs(&mut c);
    network(&mut c);
    private_link(&mut c);
    c.out
}

fn names(c: &mut Ctx) {
    let t = c.t;
    macro_rules! dup {
        ($what:literal, $list:expr) => {
            duplicates(c, $what, $list.iter().map(|x| (x.name.as_str(), &x.at)));
        };
    }
    dup!("workspace", t.workspaces);
    dup!("registry", t.registries);
    dup!("compute", t.computes);
    dup!("aks cluster", t.aks_clusters);
    dup!("aci deployment", t.aci_deployments);
    dup!("online endpoint", t.online_endpoints);
    dup!("storage account", t.storage_accounts);
    dup!("key vault", t.key_vaults);
    dup!("container registry", t.container_registries);
    dup!("application insights", t.application_insights);
    dup!("monitor private link scope", t.monitor_private_link_scopes);
    dup!("virtual network", t.virtual_networks);
    dup!("network security group", t.network_security_groups);
    dup!("application security group", t.application_security_groups);
    dup!("route table", t.route_tables);
    dup!("nat gateway", t.nat_gateways);
    dup!("public ip", t.public_ips);
    dup!("firewall", t.firewalls);
    dup!("firewall policy", t.firewall_policies);
    dup!("ip group", t.ip_groups);
    dup!("virtual network gateway", t.virtual_network_gateways);
    dup!("local network gateway", t.local_network_gateways);
    dup!("connection", t.connections);
    dup!("bastion host", t.bastion_hosts);
    dup!("virtual machine", t.virtual_machines);
    dup!("network interface", t.network_interfaces);
    dup!("service endpoint policy", t.service_endpoint_policies);
    dup!("private endpoint", t.private_endpoints);
    duplicates(
        c,
        "private dns zone",
        t.private_dns_zones
            .iter()
            .map(|z| (z.key(), &z.at))
            .collect::<Vec<_>>()
            .iter()
            .map(|(k, a)| (k.as_str(), *a)),
    );
    dup!("dns server", t.dns_servers);
    dup!("dns resolver", t.dns_resolvers);
    dup!("dns forwarding ruleset", t.dns_forwarding_rulesets);
    dup!("client", t.clients);
    for v in &t.virtual_networks {
        duplicates(
            c,
            "subnet",
            v.subnets.iter().map(|s| (s.name.as_str(), &s.at)),
        );
    }
    for w in &t.workspaces {
        duplicates(
            c,
            "outbound rule",
            w.managed_network
                .outbound_rules
                .iter()
                .map(|r| (r.name.as_str(), &r.at)),
        );
    }
    for e in &t.online_endpoints {
        duplicates(
            c,
            "deployment",
            e.deployments.iter().map(|d| (d.name.as_str(), &d.at)),
        );
    }
    for n in &t.network_security_groups {
        duplicates(
            c,
            "security rule",
            n.rules.iter().map(|r| (r.name.as_str(), &r.at)),
        );
        let mut seen: HashMap<(String, u32), &str> = HashMap::default();
        for r in &n.rules {
            // A priority or direction the input leaves open cannot be checked here.
            let (Some(priority), Some(direction)) = (r.priority.get(), r.direction.get()) else {
                continue;
            };
            if !(100..=4096).contains(&priority) {
                c.push(
                    "invalid-value",
                    &r.at,
                    Some("priority".into()),
                    format!(
                        "priority {} of rule `{}` is outside 100-4096",
                        priority, r.name
                    ),
                    Some("user rules take priorities 100 to 4096".into()),
                );
            }
            if let Some(other) = seen.insert((direction.to_string(), priority), &r.name) {
                c.push(
                    "duplicate-priority",
                    &r.at,
                    Some("priority".into()),
                    format!(
                        "rules `{other}` and `{}` share priority {} {}",
                        r.name, priority, direction
                    ),
                    Some("Azure rejects two rules with the same priority and direction".into()),
                );
            }
        }
    }
}

/// References of the ML resources: workspaces' dependencies, computes' workspaces and
/// subnets, clients' places.
fn ml_refs(c: &mut Ctx) {
    let ix = c.ix.clone_names();
    workspace_refs(c, &ix);
    compute_refs(c, &ix);
    client_refs(c, &ix);
}

/// Each workspace's dependencies, hub, registries, IP rules and managed outbound rules.
fn workspace_refs(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    // A dependency the importer kept although the input does not declare it (an existing
    // storage account given by its id) is recorded as unknown, and is not dangling.
    let kept: foldhash::HashSet<(&str, &str)> = t
        .unknowns
        .iter()
        .filter(|u| u.resource.starts_with("workspace/"))
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .collect();
    for w in &t.workspaces {
        let label = format!("workspace/{}", w.name);
        let kept = |field: &str| kept.contains(&(label.as_str(), field));
        if let Some(s) = w
            .storage_account
            .as_ref()
            .filter(|_| !kept("storage_account"))
        {
            c.reference(
                "storage account",
                s,
                &ix.storage_accounts,
                &w.at,
                "storage_account".into(),
            );
        }
        if let Some(s) = w.key_vault.as_ref().filter(|_| !kept("key_vault")) {
            c.reference("key vault", s, &ix.key_vaults, &w.at, "key_vault".into());
        }
        if let Some(s) = w
            .container_registry
            .as_ref()
            .filter(|_| !kept("container_registry"))
        {
            c.reference(
                "container registry",
                s,
                &ix.container_registries,
                &w.at,
                "container_registry".into(),
            );
        }
        if let Some(s) = w
            .application_insights
            .as_ref()
            .filter(|_| !kept("application_insights"))
        {
            c.reference(
                "application insights",
                s,
                &ix.application_insights,
                &w.at,
                "application_insights".into(),
            );
        }
        if let Some(h) = w.hub.as_ref().filter(|_| !kept("hub")) {
            c.reference("workspace", h, &ix.workspaces, &w.at, "hub".into());
        }
        for (i, r) in w.uses_registries.iter().enumerate() {
            c.reference(
                "registry",
                r,
                &ix.registries,
                &w.at,
                format!("uses_registries/{i}"),
            );
        }
        for (i, s) in w.shares_to.iter().enumerate() {
            c.reference(
                "registry",
                &s.registry,
                &ix.registries,
                &w.at,
                format!("shares_to/{i}/registry"),
            );
        }
        if let Some(ip) = &w.network_acls {
            for (i, n) in ip.ip_rules.iter().enumerate() {
                check_prefix(c, n, &w.at, format!("network_acls/ip_rules/{i}"));
            }
        }
        outbound_rules(c, w);
    }
}

/// A workspace's managed outbound rules: each destination is of the rule's type, and a
/// private endpoint rule names what it reaches.
fn outbound_rules(c: &mut Ctx, w: &Workspace) {
    for (i, r) in w.managed_network.outbound_rules.iter().enumerate() {
        let field = format!("managed_network/outbound_rules/{i}/destination");
        let ok = matches!(
            (r.kind, &r.destination),
            (OutboundRuleType::Fqdn, OutboundDestination::Fqdn(_))
                | (
                    OutboundRuleType::PrivateEndpoint,
                    OutboundDestination::PrivateEndpoint(_)
                )
                | (
                    OutboundRuleType::ServiceTag,
                    OutboundDestination::ServiceTag(_)
                )
        );
        if !ok {
            let want = match r.kind {
                OutboundRuleType::Fqdn => "a host name such as pypi.org",
                OutboundRuleType::PrivateEndpoint => "{service_resource, subresource_target}",
                OutboundRuleType::ServiceTag => "{service_tag, protocol, port_ranges}",
            };
            c.push(
                "invalid-value",
                &r.at,
                Some(field),
                format!(
                    "outbound rule `{}` of type {} has a destination of another type",
                    r.name, r.kind
                ),
                Some(format!("a {} rule's destination is {want}", r.kind)),
            );
        } else if let OutboundDestination::PrivateEndpoint(d) = &r.destination {
            // A destination the importer recorded as open is a placeholder.
            let open =
                c.t.is_unknown(
                    &format!("workspace/{}", w.name),
                    &format!("managed_network/outbound_rules/{}", r.name),
                )
                .is_some();
            if open {
            } else if let Some(a) = d
                .service_resource
                .parse::<Address>()
                .ok()
                .or_else(|| Address::from_arm_id(&d.service_resource))
            {
                c.address_ref(
                    &a,
                    &r.at,
                    format!("managed_network/outbound_rules/{i}/destination/service_resource"),
                );
            } else if !d.service_resource.starts_with("/subscriptions/") {
                c.push(
                    "invalid-value",
                    &r.at,
                    Some(format!(
                        "managed_network/outbound_rules/{i}/destination/service_resource"
                    )),
                    format!(
                        "`{}` is neither an address nor an ARM resource id",
                        d.service_resource
                    ),
                    Some("write storage/<name>, registry/<name>, keyvault/<name> ...".into()),
                );
            }
        }
    }
}

/// The workspaces and subnets of computes, AKS clusters, ACI deployments and online endpoints.
fn compute_refs(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    // image_build_compute names a compute of the same workspace; existence is a rule (ACR008),
    // not an input error, because Azure accepts the name before the compute exists.
    for cmp in &t.computes {
        // A workspace the input names but does not contain (a compute exported without it) is
        // recorded as unknown, with a warning, where the reference was read: not an error.
        let external = t
            .is_unknown(&format!("compute/{}", cmp.name), "workspace")
            .is_some();
        if !external {
            c.reference(
                "workspace",
                &cmp.workspace,
                &ix.workspaces,
                &cmp.at,
                "workspace".into(),
            );
        }
        if let Some(s) = &cmp.subnet {
            c.subnet_ref(s, &cmp.at, "subnet".into());
        }
        if cmp.min_nodes > cmp.max_nodes {
            c.push(
                "invalid-value",
                &cmp.at,
                Some("min_nodes".into()),
                format!(
                    "min_nodes {} exceeds max_nodes {}",
                    cmp.min_nodes, cmp.max_nodes
                ),
                None,
            );
        }
    }
    for a in &t.aks_clusters {
        c.reference(
            "workspace",
            &a.workspace,
            &ix.workspaces,
            &a.at,
            "workspace".into(),
        );
        if let Some(s) = &a.subnet {
            c.subnet_ref(s, &a.at, "subnet".into());
        }
    }
    for a in &t.aci_deployments {
        c.reference(
            "workspace",
            &a.workspace,
            &ix.workspaces,
            &a.at,
            "workspace".into(),
        );
        if let Some(s) = &a.subnet {
            c.subnet_ref(s, &a.at, "subnet".into());
        }
    }
    for e in &t.online_endpoints {
        c.reference(
            "workspace",
            &e.workspace,
            &ix.workspaces,
            &e.at,
            "workspace".into(),
        );
        // A deployment's egress takes Enabled or Disabled only (EgressPublicNetworkAccessType);
        // a network security perimeter governs public access to resources, not this.
        for d in e.deployments.iter().filter(|d| {
            d.egress_public_network_access == crate::enums::PublicNetworkAccess::SecuredByPerimeter
        }) {
            c.push(
                "invalid-value",
                &d.at,
                Some("egress_public_network_access".into()),
                format!(
                    "deployment `{}` of online endpoint `{}` has egress_public_network_access SecuredByPerimeter, which Azure does not accept for a deployment",
                    d.name, e.name
                ),
                Some("a deployment's egress_public_network_access is Enabled or Disabled".into()),
            );
        }
    }
}

/// Role assignments' scopes and clients' places.
fn client_refs(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for r in &t.role_assignments {
        c.address_ref(&r.scope, &r.at, "scope".into());
    }
    for cl in &t.clients {
        match &cl.location {
            crate::clients::ClientPlace::Vm(v) => {
                c.reference(
                    "virtual machine",
                    v,
                    &ix.virtual_machines,
                    &cl.at,
                    "location".into(),
                );
            }
            crate::clients::ClientPlace::PointToSite(g) => {
                c.reference(
                    "virtual network gateway",
                    g,
                    &ix.virtual_network_gateways,
                    &cl.at,
                    "location".into(),
                );
            }
            _ => {}
        }
    }
}

fn dep_refs(c: &mut Ctx) {
    let t = c.t;
    for s in &t.storage_accounts {
        for (i, sn) in s.network_rules.virtual_network_rules.iter().enumerate() {
            c.subnet_ref(
                sn,
                &s.at,
                format!("network_rules/virtual_network_rules/{i}"),
            );
        }
    }
    for k in &t.key_vaults {
        for (i, sn) in k.network_acls.virtual_network_rules.iter().enumerate() {
            c.subnet_ref(sn, &k.at, format!("network_acls/virtual_network_rules/{i}"));
        }
    }
    for a in &t.container_registries {
        for (i, sn) in a.network_rule_set.virtual_network_rules.iter().enumerate() {
            c.subnet_ref(
                sn,
                &a.at,
                format!("network_rule_set/virtual_network_rules/{i}"),
            );
        }
    }
}

fn ip_in_subnet(
    c: &mut Ctx,
    ip: IpAddr,
    subnet: &str,
    at: &Provenance,
    field: &str,
    what: &str,
    name: &str,
) {
    let Some(&(vi, si)) = c.ix.subnets.get(subnet) else {
        return;
    };
    let s = &c.t.virtual_networks[vi].subnets[si];
    if s.external {
        // Its prefixes are unknown: any address may be inside.
        return;
    }
    if !s.contains(ip) {
        let prefixes: Vec<String> = s.prefixes().map(|p| p.to_string()).collect();
        c.push(
            "ip-outside-subnet",
            at,
            Some(field.into()),
            format!(
                "{what} `{name}` address {ip} is outside its subnet `{subnet}` ({})",
                prefixes.join(", ")
            ),
            Some(
                "pick an address inside the subnet, or leave it out to let Azure allocate one"
                    .into(),
            ),
        );
        return;
    }
    if let Some(p) = s.prefixes().find(|p| p.contains(&ip))
        && let (IpNet::V4(p4), IpAddr::V4(ip4)) = (p, ip)
    {
        let off = u32::from(ip4) - u32::from(p4.network());
        let last = u32::from(p4.broadcast()) - u32::from(p4.network());
        if off < 4 || off == last {
            c.push(
                    "reserved-address",
                    at,
                    Some(field.into()),
                    format!("{what} `{name}` address {ip} is one of the 5 addresses Azure reserves in `{subnet}`"),
                    Some("Azure reserves the first four addresses and the last one of every subnet".into()),
                );
        }
    }
}

fn private_link(c: &mut Ctx) {
    let t = c.t;
    let ix = c.ix.clone_names();
    let mut ips: HashMap<IpAddr, &str> = HashMap::default();
    let mut zones_named: HashMap<&str, usize> = HashMap::default();
    for z in &t.private_dns_zones {
        *zones_named.entry(z.name.as_str()).or_default() += 1;
    }
    for pe in &t.private_endpoints {
        let subnet_ok = c.subnet_ref(&pe.subnet, &pe.at, "subnet".into());
        // A target the importer recorded as open is a placeholder, not a dangling reference.
        let open = t
            .is_unknown(&format!("private-endpoint/{}", pe.name), "target")
            .is_some();
        if !open {
            c.address_ref(&pe.target, &pe.at, "target".into());
        }
        let valid = valid_group_ids(&pe.target);
        if valid.is_empty() {
            c.push(
                "invalid-value",
                &pe.at,
                Some("target".into()),
                format!("`{}` cannot be the target of a private endpoint", pe.target),
                Some("targets: workspace, registry (and :storage, :acr), storage, keyvault, acr, ampls".into()),
            );
        } else if !valid.iter().any(|g| g.eq_ignore_ascii_case(&pe.group_id)) {
            let hint = did_you_mean(&pe.group_id, valid.iter().copied())
                .map(|g| format!("did you mean `{g}`?"))
                .unwrap_or_else(|| format!("{} accepts: {}", pe.target, valid.join(", ")));
            c.push(
                "invalid-value",
                &pe.at,
                Some("group_id".into()),
                format!(
                    "group id `{}` does not fit target {}",
                    pe.group_id, pe.target
                ),
                Some(hint),
            );
        }
        if let Some(ip) = pe.ip_address {
            if subnet_ok {
                ip_in_subnet(
                    c,
                    ip,
                    &pe.subnet,
                    &pe.at,
                    "ip_address",
                    "private endpoint",
                    &pe.name,
                );
            }
            if let Some(other) = ips.insert(ip, &pe.name) {
                c.push(
                    "duplicate-address",
                    &pe.at,
                    Some("ip_address".into()),
                    format!(
                        "private endpoints `{other}` and `{}` both use {ip}",
                        pe.name
                    ),
                    None,
                );
            }
        }
        for (i, z) in pe.dns_zone_group.iter().enumerate() {
            let ambiguous = !z.contains('/') && zones_named.get(z.as_str()).is_some_and(|&n| n > 1);
            if ambiguous {
                c.push(
                    "ambiguous-reference",
                    &pe.at,
                    Some(format!("dns_zone_group/{i}")),
                    format!("several zones are named `{z}`"),
                    Some("write <resource_group>/<zone>".into()),
                );
            } else {
                c.reference(
                    "private dns zone",
                    z,
                    &ix.private_dns_zones,
                    &pe.at,
                    format!("dns_zone_group/{i}"),
                );
            }
        }
    }
    let mut linked_names: HashMap<(String, String), String> = HashMap::default();
    for z in &t.private_dns_zones {
        for (i, v) in z.vnet_links.iter().enumerate() {
            if let Some(other) =
                linked_names.insert((v.clone(), z.name.to_ascii_lowercase()), z.key())
                && other != z.key()
            {
                c.push(
                    "duplicate-link",
                    &z.at,
                    Some(format!("vnet_links/{i}")),
                    format!(
                        "VNet `{v}` is linked to two zones named `{}` ({other} and {})",
                        z.name,
                        z.key()
                    ),
                    Some(
                        "Azure links a VNet to at most one private DNS zone of a given name".into(),
                    ),
                );
            }
        }
        for (i, v) in z.vnet_links.iter().enumerate() {
            c.reference(
                "virtual network",
                v,
                &ix.virtual_networks,
                &z.at,
                format!("vnet_links/{i}"),
            );
        }
        let mut linked = HashSet::default();
        for (i, v) in z.vnet_links.iter().enumerate() {
            if !linked.insert(v) {
                c.push(
                    "duplicate-name",
                    &z.at,
                    Some(format!("vnet_links/{i}")),
                    format!("VNet `{v}` is linked twice to zone `{}`", z.name),
                    None,
                );
            }
        }
    }
    for r in &t.dns_resolvers {
        c.reference(
            "virtual network",
            &r.vnet,
            &ix.virtual_networks,
            &r.at,
            "vnet".into(),
        );
        for (i, e) in r.inbound_endpoints.iter().enumerate() {
            if c.subnet_ref(&e.subnet, &r.at, format!("inbound_endpoints/{i}/subnet"))
                && let Some(ip) = e.ip_address
            {
                ip_in_subnet(
                    c,
                    ip,
                    &e.subnet,
                    &r.at,
                    &format!("inbound_endpoints/{i}/ip_address"),
                    "resolver endpoint",
                    &e.name,
                );
            }
        }
        for (i, e) in r.outbound_endpoints.iter().enumerate() {
            c.subnet_ref(&e.subnet, &r.at, format!("outbound_endpoints/{i}/subnet"));
        }
    }
    for rs in &t.dns_forwarding_rulesets {
        for (i, v) in rs.vnet_links.iter().enumerate() {
            c.reference(
                "virtual network",
                v,
                &ix.virtual_networks,
                &rs.at,
                format!("vnet_links/{i}"),
            );
        }
        for (i, oe) in rs.outbound_endpoints.iter().enumerate() {
            let known = oe.split_once('/').is_some_and(|(r, e)| {
                ix.dns_resolvers.get(r).is_some_and(|&ri| {
                    t.dns_resolvers[ri]
                        .outbound_endpoints
                        .iter()
                        .any(|x| x.name == e)
                })
            });
            if !known {
                c.push(
                    "dangling-reference",
                    &rs.at,
                    Some(format!("outbound_endpoints/{i}")),
                    format!("resolver outbound endpoint `{oe}` is not declared"),
                    Some("write <resolver>/<outbound endpoint>".into()),
                );
            }
        }
    }
}

impl Index {
    /// A copy of the name maps, so checks can borrow the index while reporting.
    fn clone_names(&self) -> Index {
        self.clone()
    }
}
