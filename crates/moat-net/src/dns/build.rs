//! Building the name space, once per topology: which public and privatelink names belong to
//! which resource, the records each private DNS zone holds (written by hand or by a private
//! endpoint's zone group), the zones linked to each VNet, and what the input leaves open about
//! them. Resolution, in the parent module, only reads what is built here.

use super::{Dns, Record, connection_key, lower};
use crate::names::{self, ResourceName};
use foldhash::{HashMap, HashSet};
use moat_model::Kind;
use moat_model::address::Address;
use moat_model::enums::RecordType;
use moat_model::{Index, PrivateIp, Topology};

impl<'t> Dns<'t> {
    /// Indexes the names, records and links of a topology.
    pub fn new(t: &'t Topology) -> Dns<'t> {
        let ix = t.index();
        let (names, mut owners) = resource_names(t, &ix);
        let instances = compute_instances(t, &ix, &mut owners);
        let addressing = moat_model::Addressing::new(t, &ix);
        let mut records = zone_records(t, &ix, &addressing);
        let open = OpenFields::of(t);
        let open_records = open_records(t, &ix, &open);
        let open_upstreams = open_upstreams(t, &open);
        let (open_links, open_zone_records) = open_zones(t, &open);
        endpoint_records(t, &ix, &addressing, &mut records);
        let (links, unnamed_links) = zone_links(t);
        let connected = connections(t, &ix);
        Dns {
            t,
            ix,
            names,
            owners,
            records,
            links,
            unnamed_links,
            connected,
            instances,
            external_zones: t
                .private_dns_zones
                .iter()
                .filter(|z| z.external)
                .map(|z| lower(&z.name))
                .collect(),
            open_links,
            open_records,
            open_zone_records,
            open_upstreams,
            addressing,
        }
    }
}

/// Every public and privatelink name of a resource, and the resource (with sub-resource) each
/// belongs to.
fn resource_names(
    t: &Topology,
    ix: &Index,
) -> (HashMap<String, ResourceName>, HashMap<String, Address>) {
    let mut names = HashMap::default();
    let mut owners = HashMap::default();
    let mut add = |n: ResourceName, owner: Address| {
        owners.insert(lower(&n.privatelink), owner.clone());
        owners.insert(lower(&n.fqdn), owner);
        names.insert(lower(&n.privatelink), n.clone());
        names.insert(lower(&n.fqdn), n);
    };
    for w in &t.workspaces {
        let a = Address::resource(Kind::Workspace, &w.name);
        for n in names::endpoint_names(t, ix, &a, "amlworkspace") {
            let owner = if n.zone.contains("notebooks") {
                a.clone().with_sub("notebooks")
            } else {
                a.clone()
            };
            add(n, owner);
        }
    }
    for r in &t.registries {
        let a = Address::resource(Kind::Registry, &r.name);
        for n in names::endpoint_names(t, ix, &a, "amlregistry") {
            add(n, a.clone());
        }
        for n in names::endpoint_names(t, ix, &a.clone().with_sub("storage"), "blob") {
            add(n, a.clone().with_sub("storage"));
        }
        for n in names::endpoint_names(t, ix, &a.clone().with_sub("acr"), "registry") {
            add(n, a.clone().with_sub("acr"));
        }
    }
    for s in &t.storage_accounts {
        for sub in ["blob", "file", "queue", "table", "dfs", "web"] {
            add(
                names::storage(&s.name, sub),
                Address::resource(Kind::Storage, &s.name).with_sub(sub),
            );
        }
    }
    for k in &t.key_vaults {
        add(
            names::key_vault(&k.name),
            Address::resource(Kind::Keyvault, &k.name),
        );
    }
    for a in &t.container_registries {
        let addr = Address::resource(Kind::Acr, &a.name);
        for n in names::endpoint_names(t, ix, &addr, "registry") {
            add(n, addr.clone());
        }
    }
    for e in &t.online_endpoints {
        if let Some(n) = names::endpoint_scoring(t, ix, e) {
            add(n, Address::resource(Kind::OnlineEndpoint, &e.name));
        }
    }
    (names, owners)
}

/// Compute instance host names, each with its instance and the API host of the workspace whose
/// network serves it; their owners go into `owners`.
fn compute_instances(
    t: &Topology,
    ix: &Index,
    owners: &mut HashMap<String, Address>,
) -> HashMap<String, (String, String)> {
    // A compute instance is reached through its workspace's private endpoint: its host
    // name must resolve to the address of the workspace's API name (custom DNS article,
    // "the IP address for this FQDN is not the IP of the compute instance"). It is no
    // privatelink name of its own, so it is kept apart from `names`; public DNS answers it
    // with the workspace's public address.
    let mut instances = HashMap::default();
    for c in t
        .computes
        .iter()
        .filter(|c| c.compute_type == moat_model::enums::ComputeType::ComputeInstance)
    {
        let Some(w) = names::network_workspace(t, ix, &c.workspace) else {
            continue;
        };
        let region = names::region_label(w.region.as_deref()).to_string();
        let api = names::workspace_api(w.workspace_id.as_deref().unwrap_or_default(), &region);
        let host = names::compute_instance(c.local_name(), &region);
        owners.insert(host.clone(), Address::resource(Kind::Workspace, &w.name));
        instances.insert(host, (c.name.clone(), lower(&api.fqdn)));
    }
    instances
}

/// The records written by hand in each private DNS zone, by zone index.
fn zone_records(t: &Topology, ix: &Index, addressing: &moat_model::Addressing) -> Vec<Vec<Record>> {
    t.private_dns_zones
        .iter()
        .map(|z| {
            z.records
                .iter()
                .map(|r| {
                    let source = format!("record {} of zone {}", r.name, z.name);
                    let mut rec = Record {
                        name: lower(&r.name),
                        kind: r.record_type,
                        values: r.values.clone(),
                        assigned: None,
                        source,
                    };
                    // An address written as the endpoint that holds it: whichever one
                    // Azure gives the endpoint.
                    let endpoint = r
                        .values
                        .first()
                        .and_then(|v| v.strip_prefix("private-endpoint/"))
                        .and_then(|n| ix.private_endpoints.get(n))
                        .map(|&i| &t.private_endpoints[i]);
                    if let (RecordType::A, Some(pe)) = (r.record_type, endpoint) {
                        match t.endpoint_address(addressing, pe) {
                            Some(PrivateIp::Static(ip)) => rec.values = vec![ip.to_string()],
                            Some(PrivateIp::Dynamic(a)) => {
                                rec.values = Vec::new();
                                rec.assigned = Some(a);
                            }
                            None => rec.values = Vec::new(),
                        }
                    }
                    rec
                })
                .collect()
        })
        .collect()
}

/// What the input leaves open, by resource: read once, not scanned per endpoint.
struct OpenFields<'a>(HashMap<&'a str, Vec<&'a moat_model::Unknown>>);

impl<'a> OpenFields<'a> {
    fn of(t: &'a Topology) -> OpenFields<'a> {
        let mut open: HashMap<&str, Vec<&moat_model::Unknown>> = HashMap::default();
        for u in &t.unknowns {
            open.entry(u.resource.as_str()).or_default().push(u);
        }
        OpenFields(open)
    }

    /// What it needs to know `field` of `resource`, when the input leaves it open.
    fn field(&self, resource: &str, field: &str) -> Option<String> {
        self.0
            .get(resource)?
            .iter()
            .find(|u| u.field != "name" && moat_model::external::leaves_open(&u.field, field))
            .map(|u| u.need())
    }
}

/// Records a private endpoint may write through a zone group the input leaves open, with what
/// that needs.
fn open_records(t: &Topology, ix: &Index, open: &OpenFields) -> HashMap<(String, String), String> {
    let mut open_records = HashMap::default();
    for pe in &t.private_endpoints {
        // A zone group left open may write the endpoint's records in any zone of its
        // names: a linked zone without them does not decide the answer.
        let Some(need) = open.field(&format!("private-endpoint/{}", pe.name), "dns_zone_group")
        else {
            continue;
        };
        for n in names::endpoint_names(t, ix, &pe.target, &pe.group_id) {
            open_records
                .entry((lower(n.zone), lower(&n.record)))
                .or_insert_with(|| need.clone());
        }
    }
    open_records
}

/// Firewalls whose proxy forwards to servers the input leaves open, with what that needs.
fn open_upstreams(t: &Topology, open: &OpenFields) -> HashMap<String, String> {
    // A firewall with a policy forwards to the policy's servers: either left open leaves
    // open where its proxy sends queries (Azure DNS, or a server that may not forward).
    t.firewalls
        .iter()
        .filter_map(|f| {
            let need = open
                .field(&format!("firewall/{}", f.name), "dns_servers")
                .or_else(|| {
                    f.firewall_policy
                        .as_ref()
                        .and_then(|p| open.field(&format!("firewall-policy/{p}"), "dns_servers"))
                })?;
            Some((f.name.clone(), need))
        })
        .collect()
}

/// Declared zones whose VNet links the input leaves open (by name), and those holding record
/// sets it does not give (by index), each with what that needs.
fn open_zones(
    t: &Topology,
    open: &OpenFields,
) -> (HashMap<String, String>, HashMap<usize, String>) {
    let mut open_links = HashMap::default();
    let mut open_zone_records = HashMap::default();
    for (i, z) in t.private_dns_zones.iter().enumerate() {
        // Whether an external zone is linked is judged apart (`external_zone`); the
        // records of one that is linked, but for those zone groups write, are unknown
        // all the same: a name it does not show may be there.
        if !z.external
            && let Some(need) = open.field(&format!("private-dns-zone/{}", z.name), "vnet_links")
        {
            open_links.entry(lower(&z.name)).or_insert(need);
        }
        if let Some(need) = open.field(&format!("private-dns-zone/{}", z.name), "records") {
            open_zone_records.insert(i, need);
        }
    }
    (open_links, open_zone_records)
}

/// The records private endpoints write through their zone groups, added to `records`.
fn endpoint_records(
    t: &Topology,
    ix: &Index,
    addressing: &moat_model::Addressing,
    records: &mut [Vec<Record>],
) {
    for pe in &t.private_endpoints {
        // An endpoint whose address is unknown (it sits in an external subnet) still
        // writes its records: the name exists, its address is unknown. One Azure assigns
        // writes the address it gets, whichever that is.
        let (values, assigned, source) = match t.endpoint_address(addressing, pe) {
            Some(PrivateIp::Static(ip)) => (
                vec![ip.to_string()],
                None,
                format!("zone group of private endpoint {}", pe.name),
            ),
            Some(PrivateIp::Dynamic(a)) => (
                Vec::new(),
                Some(a),
                format!("zone group of private endpoint {}", pe.name),
            ),
            None => (
                Vec::new(),
                None,
                format!(
                    "zone group of private endpoint {}, whose address is unknown: its subnet {} is not declared by the input",
                    pe.name, pe.subnet
                ),
            ),
        };
        for zref in &pe.dns_zone_group {
            let Some(&zi) = ix.private_dns_zones.get(zref) else {
                continue;
            };
            let zone = lower(&t.private_dns_zones[zi].name);
            for n in names::endpoint_names(t, ix, &pe.target, &pe.group_id) {
                if lower(n.zone) == zone {
                    records[zi].push(Record {
                        name: lower(&n.record),
                        kind: RecordType::A,
                        values: values.clone(),
                        assigned: assigned.clone(),
                        source: source.clone(),
                    });
                }
            }
        }
    }
}

/// The zones linked to each VNet, and for each VNet a linked zone whose name the input leaves
/// unknown.
fn zone_links(t: &Topology) -> (HashMap<String, Vec<usize>>, HashMap<String, String>) {
    let mut links: HashMap<String, Vec<usize>> = HashMap::default();
    let unnamed: foldhash::HashSet<&str> = t
        .unknowns
        .iter()
        .filter(|u| u.field == "name")
        .filter_map(|u| u.resource.strip_prefix("private-dns-zone/"))
        .collect();
    let mut unnamed_links: HashMap<String, String> = HashMap::default();
    for (i, z) in t.private_dns_zones.iter().enumerate() {
        for v in &z.vnet_links {
            links.entry(v.clone()).or_default().push(i);
            if unnamed.contains(z.name.as_str()) {
                unnamed_links
                    .entry(v.clone())
                    .or_insert_with(|| z.name.clone());
            }
        }
    }
    (links, unnamed_links)
}

/// The (resource, group id) pairs with a private endpoint connection, customer or managed.
fn connections(t: &Topology, ix: &Index) -> HashSet<(String, String)> {
    let mut connected = foldhash::HashSet::default();
    for pe in &t.private_endpoints {
        connected.insert((
            connection_key(t, ix, &pe.target),
            pe.group_id.to_ascii_lowercase(),
        ));
    }
    for w in &t.workspaces {
        for r in crate::managed::effective_rules(t, w) {
            if let crate::managed::ManagedRuleKind::PrivateEndpoint { target, group_id } = r.kind {
                connected.insert((
                    connection_key(t, ix, &target),
                    group_id.to_ascii_lowercase(),
                ));
            }
        }
    }
    connected
}
