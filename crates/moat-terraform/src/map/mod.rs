//! Mapping evaluated azurerm resources into the model.
//!
//! Resources are linked by resolved identity: a reference is an ARM id (synthesised for the
//! resources of the configuration, given for existing ones), parsed back into the names the
//! model uses. An id the configuration does not declare names a resource outside it: the
//! model keeps the name, the field is recorded as unknown, and a warning says so; validation
//! then does not treat the dangling name as an error. A subnet a resource is placed in (read
//! through a data source, given as a variable) becomes an external subnet of the model
//! ([`moat_model::external`]), as in the other importers. Values that are unknown are recorded in
//! `Topology::unknowns` with the place they arose.
//!
//! Mapping runs in three passes so that containers exist before what attaches to them:
//! (1) networks, groups, tables, zones, services, workspaces; (2) subnets, rules, links,
//! records and what only needs names; (3) associations and resources that refer to subnets.

mod azapi;
mod azapi_actions;
mod azapi_update;
mod azapi_update_children;
mod azapi_update_lists;
mod azapi_update_subnets;
mod external;
mod firewall;
mod ml;
mod nat;
mod net;
mod open_names;
mod posture;
mod services;

use crate::config::Mode;
use crate::eval::{Record, Unexpanded};
use crate::ids::{self, Ref};
use crate::value::{Loc, ResObj, Unk, Value};
use ipnet::IpNet;
use moat_arm::group_names::Group;
use moat_model::presence::{FieldSet, MayExist};
use moat_model::{Diagnostic, Level, Location, Provenance, Topology, Unknown, Unmodelled};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::rc::Rc;

/// The name given to a required reference whose target is unknown.
pub const UNKNOWN: &str = "<unknown>";

/// What mapping produced.
pub struct Mapped {
    pub topology: Topology,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
    /// Names (as the model writes them) of resources outside the configuration.
    pub external: HashSet<String>,
    /// Pointers of elements whose validation problems stem from unknown values (warnings).
    pub soft: HashSet<String>,
}

/// A reference, resolved.
pub enum Link {
    /// A resource the configuration declares.
    Declared(Ref),
    /// A resource outside the configuration.
    External(Ref, String),
    Unknown(Rc<Unk>),
    /// Not an ARM id.
    Invalid(String),
}

pub struct Mapper<'a> {
    pub t: Topology,
    recs: &'a [Record],
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
    pub external: HashSet<String>,
    pub soft: HashSet<String>,
    /// What association resources set, by address (`subnet/vnet/a`, `network_security_group`):
    /// an association that may or may not exist may or may not set it.
    pub sets: HashMap<String, FieldSet>,
    /// Lower-cased ids of declared managed resources (and inline subnets) -> record index.
    declared: HashMap<String, usize>,
    /// The same ids as written, by shape, for ids with unknown parts to be matched against,
    /// each with the id it stands for: a resource whose name is partly known (`st${random}`)
    /// is also written with that name.
    /// The same, by type and name, for private endpoint targets named by an id in another
    /// scope. Both built on first use: most configurations write no id with unknown parts
    /// and no target in another scope, and a large one's indexes are a tenth of its memory.
    id_indexes: std::cell::OnceCell<IdIndexes>,
    /// The addresses, written as `ids::synth` writes them (ASCII lower-cased), of the resource
    /// groups whose name is unknown: an id with such a segment has an unknown resource group.
    open_groups: HashSet<String>,
    /// Addresses of declared managed resources.
    addrs: HashSet<&'a str>,
    /// The same, with the addresses their evaluated objects carry (an instance's own): an
    /// unknown value from one of them stands for a declared resource's attribute.
    origins: HashSet<&'a str>,
    consumed: Vec<bool>,
    /// azurerm provider major version, when pinned.
    pub major: Option<u32>,
    /// Private IPs of firewalls, by record address, and whether each is the assumed one.
    fw_ips: HashMap<String, (IpAddr, bool)>,
    /// Model principal names of resources with identities, by record address.
    principals: HashMap<String, String>,
    seen_unknowns: HashSet<(String, String)>,
    /// Unknown values read so far, repeats included: a rule's reader compares the count
    /// before and after reading a value to know whether the input leaves it open.
    unknown_reads: usize,
    /// Resource groups of the zones, parallel to `t.private_dns_zones`.
    zone_rgs: Vec<services::ZoneGroup>,
    /// The zones by name and resource group, for links and records.
    zones_by_name: services::ZoneIndex,
    /// The ids of each azurerm endpoint's zone group entries as the configuration writes them
    /// (a declared zone's as it declares it), with the endpoint's index in
    /// `t.private_endpoints` (the azapi ones come first).
    pe_zone_ids: Vec<(usize, Vec<Option<String>>)>,
    /// VNets by name (the first of a name), for the subnets, associations and peerings that
    /// name their VNet; see `net::vnet_index`.
    vnets_by_name: std::cell::RefCell<net::VnetIndex>,
    /// NSGs, route tables and VNets that write their rules, routes or subnets inline
    /// (`nsg/<name>`, `route-table/<name>`, `vnet/<name>`), with their addresses and what
    /// writes the list (an argument, or a property of an azapi body): see
    /// `net::overwritten_by_inline`.
    inline_lists: HashMap<String, (String, &'static str)>,
    /// The model names of declared resources that share their type and name with another in
    /// another resource group (`vnet@rg-east`), by id.
    group_names: moat_arm::group_names::GroupNames,
    /// Children those names do not apply to: which of several parents of one name holds them
    /// is open (see `open_parents`).
    open_parents: HashSet<String>,
}

/// The declared ids as written, for ids with unknown parts and targets in another scope to be
/// matched against (see [`Mapper::id_indexes`]).
pub struct IdIndexes {
    by_shape: moat_arm::idmatch::ByShape<Rc<str>>,
    pub namesakes: moat_arm::idmatch::Namesakes<Rc<str>>,
}

/// The ids a declared managed resource holds: its own, and its VNet's inline subnets'.
fn declared_ids_of(r: &Record) -> impl Iterator<Item = &String> {
    let own = match r.obj.attrs.get("id") {
        Some(Value::String(id)) => Some(id),
        _ => None,
    };
    let subnets = if r.rtype == "azurerm_virtual_network" {
        r.obj
            .attrs
            .get("subnet")
            .and_then(Value::as_list)
            .unwrap_or(&[])
    } else {
        &[]
    };
    own.into_iter().chain(subnets.iter().filter_map(
        |s| match s.as_map().and_then(|m| m.get("id")) {
            Some(Value::String(id)) => Some(id),
            _ => None,
        },
    ))
}

/// Maps evaluated records into a topology.
pub fn map(recs: &[Record], major: Option<u32>, unexpanded: &[Unexpanded]) -> Mapped {
    let mut m = Mapper::new(recs, major);
    m.precompute();
    m.warn_open_groups();
    let stand_ins = m.azapi();
    for pass in 1..=3 {
        for (i, r) in recs.iter().enumerate() {
            if r.mode == Mode::Managed && !m.consumed[i] {
                let done = m.map_one(pass, r);
                if done {
                    m.consumed[i] = true;
                }
            }
        }
    }
    m.merge_stand_ins(stand_ins);
    m.azapi_children_beside_inline();
    m.azapi_updates();
    m.azapi_actions();
    m.inherit_dns_proxy();
    m.disambiguate_zones();
    m.external_zones();
    m.open_data_targets();
    for (i, r) in recs.iter().enumerate() {
        if r.mode == Mode::Managed && !m.consumed[i] {
            m.t.unmodelled.push(Unmodelled {
                resource_type: r.rtype.clone(),
                name: r.addr.clone(),
                at: at(&r.obj),
            });
        }
    }
    for u in unexpanded {
        if u.instance {
            // The one instance standing for the declaration was mapped like any other; it
            // may or may not exist.
            if let Some(r) = recs
                .iter()
                .find(|r| r.mode == Mode::Managed && r.addr == u.addr)
            {
                m.t.may_exist.push(MayExist {
                    resource: u.addr.clone(),
                    // The condition is part of the reason, which groups may-exist
                    // resources: two conditions on one open variable may exclude each other,
                    // and one expression of a module is another condition in each instance
                    // whose caller binds its inputs otherwise.
                    reason: match (&u.expr, &u.condition) {
                        (Some(x), Some(c)) if c != x => format!(
                            "its {} `{x}` is unknown (from the root module, `{c}`): {}",
                            u.field, u.reason
                        ),
                        (Some(x), _) => format!("its {} `{x}` is unknown: {}", u.field, u.reason),
                        (None, _) => format!("its {} is unknown: {}", u.field, u.reason),
                    },
                    at: at(&r.obj),
                    sets: m.sets.get(&r.addr).cloned().into_iter().collect(),
                });
            }
            continue;
        }
        m.t.unknowns.push(Unknown {
            resource: u.addr.clone(),
            field: u.field.clone(),
            reason: u.reason.clone(),
            at: u.at.provenance(&u.addr),
        });
        m.t.unmodelled.push(Unmodelled {
            resource_type: u.kind.clone(),
            name: u.addr.clone(),
            at: u.at.provenance(&u.addr),
        });
    }
    Mapped {
        topology: m.t,
        warnings: m.warnings,
        errors: m.errors,
        external: m.external,
        soft: m.soft,
    }
}

/// The resource group a declared resource is in, as [`moat_arm::group_names`] tells groups
/// apart, read from its id (an azurerm resource's `resource_group_name`, an azapi resource's
/// `parent_id`): its key is the group as the id writes it (a group resource whose name is
/// unknown stands for itself); its label is the group's name, or the address of the group
/// resource whose name is unknown, or for another unknown value the resource's own address.
fn group_of(r: &Record, id: &str, open_groups: &HashSet<String>) -> Option<Group> {
    let rg = ids::parse(id)?.resource_group?;
    Some(if open_groups.contains(&rg.to_ascii_lowercase()) {
        Group {
            key: format!("⟨={rg}⟩"),
            label: rg,
        }
    } else if moat_arm::idmatch::has_unknown(&rg) {
        Group {
            key: rg,
            label: ids::fallback_name(&r.addr),
        }
    } else {
        Group {
            key: rg.clone(),
            label: rg,
        }
    })
}

/// The model names of the declared resources of one type and name in several resource groups
/// ([`moat_arm::group_names`]). Terraform binds each remote object to one resource address
/// ("Terraform expects that each remote object it is managing will be bound to only one
/// resource address", Terraform's import documentation; azurerm refuses to create a resource
/// whose name and resource group exist), so two group resources are two groups even where
/// their names are unknown. Two resources whose groups are unknown values of unknown relation
/// are told apart by their ids, which hold those values; whether the groups are one is open
/// and a warning says so. Two in the very same group are one name declared twice.
fn group_names(
    recs: &[Record],
    open_groups: &HashSet<String>,
) -> moat_arm::group_names::GroupNames {
    let top = recs
        .iter()
        .filter(|r| r.mode == Mode::Managed)
        .filter_map(|r| {
            let Some(Value::String(id)) = r.obj.attrs.get("id") else {
                return None;
            };
            let Some(Value::String(name)) = r.obj.attrs.get("name") else {
                return None;
            };
            let p = ids::parse(id)?;
            if p.types.len() != 1 {
                return None;
            }
            let kind = moat_arm::types::of_azure(&p.full_type())?.kind;
            Some((kind, name.clone(), id.clone(), group_of(r, id, open_groups)))
        });
    moat_arm::group_names::GroupNames::labelled(top)
}

/// The ids (lower-cased) of declared children (subnets, peerings, NSG rules, routes) whose
/// resource group is an unknown value other than their parent's: several resources of the
/// parent's name may hold them, and which one is open.
fn open_parents(
    recs: &[Record],
    names: &moat_arm::group_names::GroupNames,
    declared: &HashMap<String, usize>,
) -> HashSet<String> {
    let unknown_group = |r: &Record| match r.obj.attrs.get("resource_group_name") {
        Some(Value::Unknown(u)) => Some((u.reason.clone(), u.partial.clone())),
        _ => None,
    };
    recs.iter()
        .filter(|r| r.mode == Mode::Managed)
        .filter_map(|r| {
            let Some(Value::String(id)) = r.obj.attrs.get("id") else {
                return None;
            };
            names.top_name(id)?;
            if names.own_name(id).is_some() {
                return None;
            }
            let own = unknown_group(r)?;
            let top = moat_arm::group_names::top_id(id)?;
            let parent = declared.get(&top).map(|&i| &recs[i]);
            (parent.and_then(unknown_group) != Some(own)).then(|| id.to_ascii_lowercase())
        })
        .collect()
}

/// The provenance of an object: its file and line, its address as pointer.
pub fn at(o: &ResObj) -> Provenance {
    o.loc.provenance(&o.addr)
}

fn location(l: &Loc) -> Location {
    Location {
        file: l.file.to_string(),
        line: l.line,
        column: l.column,
        offset: l.offset,
        len: l.len,
    }
}

/// An attribute that is set (absent and null read alike, as Terraform treats them).
pub fn get<'o>(o: &'o ResObj, k: &str) -> Option<&'o Value> {
    o.attrs.get(k).filter(|v| !v.is_null())
}

impl<'a> Mapper<'a> {
    fn new(recs: &'a [Record], major: Option<u32>) -> Self {
        let mut declared = HashMap::new();
        let mut addrs = HashSet::new();
        let mut origins = HashSet::new();
        for (i, r) in recs.iter().enumerate() {
            if r.mode != Mode::Managed {
                continue;
            }
            addrs.insert(r.addr.as_str());
            origins.insert(r.addr.as_str());
            origins.insert(r.obj.addr.as_str());
            for id in declared_ids_of(r) {
                declared.entry(id.to_ascii_lowercase()).or_insert(i);
            }
        }
        // A resource group whose name is unknown is written as its address (`ids::synth`).
        let open_groups = recs
            .iter()
            .filter(|r| {
                r.rtype == "azurerm_resource_group"
                    && !matches!(r.obj.attrs.get("name"), Some(Value::String(_)))
            })
            .map(|r| ids::fallback_name(&r.addr).to_ascii_lowercase())
            .collect::<HashSet<String>>();
        let group_names = group_names(recs, &open_groups);
        let open_parents = open_parents(recs, &group_names, &declared);
        Mapper {
            t: Topology::default(),
            recs,
            warnings: Vec::new(),
            errors: Vec::new(),
            external: HashSet::new(),
            soft: HashSet::new(),
            sets: HashMap::new(),
            declared,
            id_indexes: std::cell::OnceCell::new(),
            open_groups,
            addrs,
            origins,
            consumed: vec![false; recs.len()],
            major,
            fw_ips: HashMap::new(),
            principals: HashMap::new(),
            seen_unknowns: HashSet::new(),
            unknown_reads: 0,
            zone_rgs: Vec::new(),
            zones_by_name: services::ZoneIndex::default(),
            pe_zone_ids: Vec::new(),
            vnets_by_name: Default::default(),
            inline_lists: HashMap::new(),
            group_names,
            open_parents,
        }
    }

    /// Maps one record in its pass; returns whether it was mapped.
    fn map_one(&mut self, pass: u8, r: &Record) -> bool {
        let o = &r.obj;
        match (pass, r.rtype.as_str()) {
            (1, "azurerm_virtual_network") => self.vnet(o),
            (1, "azurerm_network_security_group") => self.nsg(o),
            (1, "azurerm_application_security_group") => self.asg(o),
            (1, "azurerm_route_table") => self.route_table(o),
            (1, "azurerm_nat_gateway") => self.nat_gateway(o),
            (1, "azurerm_public_ip") => self.public_ip(o),
            (1, "azurerm_ip_group") => self.ip_group(o),
            (1, "azurerm_firewall_policy") => self.firewall_policy(o),
            (1, "azurerm_local_network_gateway") => self.local_gateway(o),
            (1, "azurerm_subnet_service_endpoint_storage_policy") => {
                self.service_endpoint_policy(o)
            }
            (1, "azurerm_private_dns_zone") => self.dns_zone(o),
            (1, "azurerm_private_dns_resolver") => self.resolver(o),
            (1, "azurerm_private_dns_resolver_dns_forwarding_ruleset") => self.ruleset(o),
            (1, "azurerm_storage_account") => self.storage(o),
            (1, "azurerm_key_vault") => self.key_vault(o),
            (1, "azurerm_container_registry") => self.acr(o),
            (1, "azurerm_application_insights") => self.app_insights(o),
            (1, "azurerm_monitor_private_link_scope") => self.ampls(o),
            (
                1,
                "azurerm_machine_learning_workspace"
                | "azurerm_ai_foundry"
                | "azurerm_ai_foundry_project",
            ) => self.workspace(&r.rtype, o),
            (2, "azurerm_subnet") => self.subnet(o),
            (2, "azurerm_virtual_network_dns_servers") => self.vnet_dns_servers(o),
            (2, "azurerm_network_security_rule") => self.nsg_rule(o),
            (2, "azurerm_route") => self.route(o),
            (2, "azurerm_virtual_network_peering") => self.peering(o),
            (2, "azurerm_private_dns_zone_virtual_network_link") => self.dns_link(o),
            (
                2,
                "azurerm_private_dns_a_record"
                | "azurerm_private_dns_aaaa_record"
                | "azurerm_private_dns_cname_record",
            ) => self.dns_record(&r.rtype, o),
            (2, "azurerm_firewall_policy_rule_collection_group") => self.rule_collection_group(o),
            (2, "azurerm_nat_gateway_public_ip_association") => self.nat_pip(o),
            (2, "azurerm_monitor_private_link_scoped_service") => self.scoped_service(o),
            (
                2,
                "azurerm_private_dns_resolver_inbound_endpoint"
                | "azurerm_private_dns_resolver_outbound_endpoint",
            ) => self.resolver_endpoint(&r.rtype, o),
            (2, "azurerm_private_dns_resolver_forwarding_rule") => self.forwarding_rule(o),
            (2, "azurerm_private_dns_resolver_virtual_network_link") => self.ruleset_link(o),
            (2, "azurerm_storage_account_network_rules") => self.storage_rules(o),
            (
                2,
                "azurerm_machine_learning_workspace_network_outbound_rule_fqdn"
                | "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"
                | "azurerm_machine_learning_workspace_network_outbound_rule_service_tag",
            ) => self.outbound_rule(&r.rtype, o),
            (2, "azurerm_firewall") => self.firewall(o),
            (2, "azurerm_virtual_network_gateway") => self.vnet_gateway(o),
            (2, "azurerm_bastion_host") => self.bastion(o),
            (2, "azurerm_network_interface") => self.nic(o),
            (
                3,
                "azurerm_subnet_network_security_group_association"
                | "azurerm_subnet_route_table_association"
                | "azurerm_subnet_nat_gateway_association",
            ) => self.subnet_association(&r.rtype, o),
            (
                3,
                "azurerm_network_interface_security_group_association"
                | "azurerm_network_interface_application_security_group_association",
            ) => self.nic_association(&r.rtype, o),
            (
                3,
                "azurerm_firewall_network_rule_collection"
                | "azurerm_firewall_application_rule_collection"
                | "azurerm_firewall_nat_rule_collection",
            ) => self.classic_collection(&r.rtype, o),
            (3, "azurerm_virtual_network_gateway_connection") => self.connection(o),
            (
                3,
                "azurerm_linux_virtual_machine"
                | "azurerm_windows_virtual_machine"
                | "azurerm_virtual_machine",
            ) => self.vm(o),
            (
                3,
                "azurerm_machine_learning_compute_cluster"
                | "azurerm_machine_learning_compute_instance",
            ) => self.compute(&r.rtype, o),
            (3, "azurerm_machine_learning_inference_cluster") => self.inference_cluster(o),
            (3, "azurerm_private_endpoint") => self.private_endpoint(o),
            (3, "azurerm_role_assignment") => self.role_assignment(o),
            _ => false,
        }
    }

    /// A firewall with a policy proxies DNS when the policy says so (where the proxy forwards,
    /// the policy's servers, open or not, is name resolution's to read).
    fn inherit_dns_proxy(&mut self) {
        for f in &mut self.t.firewalls {
            if let Some(p) = f
                .firewall_policy
                .as_ref()
                .and_then(|p| self.t.firewall_policies.iter().find(|x| &x.name == p))
            {
                f.dns_proxy |= p.dns_proxy;
            }
        }
    }

    /// Firewall private IPs and identity owners, which other resources refer to before the
    /// passes reach them.
    /// Warns of each declared resource that has the name of an earlier one whose resource
    /// group may be its own (see [`moat_arm::group_names::GroupNames::may_share`]).
    fn warn_open_groups(&mut self) {
        if self.group_names.is_empty() {
            return;
        }
        for r in self.recs.iter().filter(|r| r.mode == Mode::Managed) {
            let Some(Value::String(id)) = r.obj.attrs.get("id") else {
                continue;
            };
            let (Some(other), Some(own), Some(p)) = (
                self.group_names.may_share(id),
                self.group_names.own_name(id),
                ids::parse(id),
            ) else {
                continue;
            };
            let label = |n: &str| moat_arm::map::resource_label(&p.full_type(), n);
            let msg = moat_arm::group_names::may_share_message(&label(own), &label(other));
            self.warn(
                moat_arm::group_names::MAY_SHARE,
                format!("{msg} (`{}`)", r.addr),
                &r.obj.loc,
                Some(
                    "give the resource groups values (a .tfvars file or -var) to decide it".into(),
                ),
            );
        }
    }

    fn precompute(&mut self) {
        self.firewall_ips();
        for r in self.recs {
            if r.mode != Mode::Managed {
                continue;
            }
            let kind = match r.rtype.as_str() {
                "azurerm_machine_learning_workspace"
                | "azurerm_ai_foundry"
                | "azurerm_ai_foundry_project" => Some("workspace"),
                "azurerm_machine_learning_compute_cluster"
                | "azurerm_machine_learning_compute_instance" => Some("compute"),
                "azurerm_linux_virtual_machine" | "azurerm_windows_virtual_machine" => Some("vm"),
                "azurerm_user_assigned_identity" => Some("identity"),
                "azapi_resource" => match r.obj.attrs.get("type").and_then(Value::as_str) {
                    Some(t)
                        if t.to_ascii_lowercase()
                            .starts_with("microsoft.machinelearningservices/workspaces@") =>
                    {
                        Some("workspace")
                    }
                    Some(t)
                        if t.to_ascii_lowercase()
                            .starts_with("microsoft.machinelearningservices/registries@") =>
                    {
                        Some("registry")
                    }
                    _ => None,
                },
                _ => None,
            };
            if let Some(k) = kind {
                self.principals.insert(
                    r.obj.addr.clone(),
                    format!("{k}/{}", self.model_name(&r.obj)),
                );
            }
        }
    }

    /// The firewalls' private IPs. A derived one is an assumption only where the configuration
    /// writes that address as text (a route's next hop `10.0.1.4`, a DNS server): a value read
    /// from the firewall's own `private_ip_address` names the firewall whatever address Azure
    /// gives it, so a configuration that reaches the firewall only so assumes nothing.
    fn firewall_ips(&mut self) {
        for r in self.recs {
            if r.mode == Mode::Managed
                && r.rtype == "azurerm_firewall"
                && let Some(ip) = self.firewall_ip(&r.obj)
            {
                self.fw_ips.insert(r.obj.addr.clone(), ip);
            }
        }
        let derived: HashSet<IpAddr> = self
            .fw_ips
            .values()
            .filter(|(_, assumed)| *assumed)
            .map(|(ip, _)| *ip)
            .collect();
        if derived.is_empty() {
            return;
        }
        let (mut written, mut seen) = (HashSet::new(), HashSet::new());
        for r in self.recs {
            for v in r.obj.attrs.values() {
                written_ips(v, &derived, &mut written, &mut seen);
            }
        }
        for (ip, assumed) in self.fw_ips.values_mut() {
            *assumed &= written.contains(ip);
        }
    }

    /// A firewall's private IP: as planned, or the one Azure gives it in practice (the first
    /// usable address, `.4`, of its `AzureFirewallSubnet`; see `moat_arm`'s firewall mapper
    /// for why that is an assumption), with whether it is that assumed one.
    fn firewall_ip(&self, o: &ResObj) -> Option<(IpAddr, bool)> {
        let ipc = blocks_of(o, "ip_configuration").into_iter().next()?;
        if let Some(Value::String(s)) = get(&ipc, "private_ip_address") {
            return s.parse().ok().map(|ip| (ip, false));
        }
        let Some(Value::String(subnet_id)) = get(&ipc, "subnet_id") else {
            return None;
        };
        let prefix = self.subnet_prefixes(subnet_id).into_iter().next()?;
        match prefix {
            IpNet::V4(p) => Some((
                IpAddr::V4(std::net::Ipv4Addr::from(
                    u32::from(p.network()).checked_add(4)?,
                )),
                true,
            )),
            IpNet::V6(_) => None,
        }
    }

    /// The prefixes of a declared subnet, from its record (standalone or inline).
    fn subnet_prefixes(&self, subnet_id: &str) -> Vec<IpNet> {
        let key = subnet_id.to_ascii_lowercase();
        let Some(&i) = self.declared.get(&key) else {
            return Vec::new();
        };
        let r = &self.recs[i];
        let read = |o: &ResObj| -> Vec<IpNet> {
            let mut v: Vec<IpNet> = strings_of(o, "address_prefixes")
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect();
            if v.is_empty() {
                v.extend(
                    strings_of(o, "address_prefix")
                        .iter()
                        .filter_map(|s| s.parse::<IpNet>().ok()),
                );
            }
            v
        };
        if r.rtype == "azurerm_subnet" {
            return read(&r.obj);
        }
        for s in blocks_of(&r.obj, "subnet") {
            if matches!(s.attrs.get("id"), Some(Value::String(id)) if id.eq_ignore_ascii_case(subnet_id))
            {
                return read(&s);
            }
        }
        Vec::new()
    }

    /// Replaces an unknown that stands for an attribute moat can derive (a firewall's private
    /// IP, the unknown name of a declared resource, which the model names by its address) by
    /// its value.
    pub fn resolve(&self, v: &Value) -> Value {
        if let Value::Unknown(u) = v
            && let Some((addr, attr)) = &u.origin
            && attr == "name"
            && self.addrs.contains(addr.as_str())
        {
            return Value::String(ids::fallback_name(addr));
        }
        if let Value::Unknown(u) = v
            && let Some((addr, attr)) = &u.origin
            && attr == "private_ip_address"
        {
            let fw = addr
                .rsplit_once(".ip_configuration[")
                .map_or(addr.as_str(), |(a, _)| a);
            if let Some((ip, _)) = self.fw_ips.get(fw) {
                return Value::String(ip.to_string());
            }
        }
        v.clone()
    }

    // ---- recording ---------------------------------------------------------------------------

    pub fn unknown(&mut self, res: &str, field: &str, u: &Unk) {
        self.unknown_reads += 1;
        if self
            .seen_unknowns
            .insert((res.to_string(), field.to_string()))
        {
            self.t.unknowns.push(Unknown {
                resource: res.to_string(),
                field: field.to_string(),
                reason: u.reason.clone(),
                at: u.at.provenance(""),
            });
        }
    }

    pub fn unknown_at(&mut self, res: &str, field: &str, reason: String, at: &Loc) {
        let u = Unk {
            reason,
            at: at.clone(),
            origin: None,
            partial: None,
            instance: None,
        };
        self.unknown(res, field, &u);
    }

    pub fn warn(&mut self, code: &str, msg: String, at: &Loc, hint: Option<String>) {
        self.warnings.push(Diagnostic {
            level: Level::Warning,
            code: code.into(),
            message: msg,
            location: location(at),
            hint,
        });
    }

    /// An invalid value of an attribute: an error at the attribute.
    pub fn invalid(&mut self, o: &ResObj, k: &str, msg: String, hint: Option<String>) {
        let l = o.attr_locs.get(k).unwrap_or(&o.loc).clone();
        self.errors.push(Diagnostic {
            level: Level::Error,
            code: "invalid-value".into(),
            message: format!("`{}`: {msg}", o.addr),
            location: location(&l),
            hint,
        });
    }

    /// Where an attribute is written (the object when it is not written).
    pub fn attr_loc(o: &ResObj, k: &str) -> Loc {
        o.attr_locs.get(k).unwrap_or(&o.loc).clone()
    }

    // ---- reading -------------------------------------------------------------------------------

    /// The model name of a resource; an unknown name is recorded and the address stands in.
    /// One of several resources of its type and name, in other resource groups, is named
    /// `<name>@<resource group>`.
    pub fn name(&mut self, o: &ResObj, kind: &str) -> String {
        let n = self.model_name(o);
        if let Some(Value::Unknown(u)) = o.attrs.get("name") {
            let u = u.clone();
            self.unknown(&format!("{kind}/{n}"), "name", &u);
        }
        n
    }

    fn value(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<Value> {
        let v = self.resolve(get(o, k)?);
        if let Value::Unknown(u) = &v {
            self.unknown(res, field, u);
            return None;
        }
        Some(v)
    }

    pub fn s(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<String> {
        match self.value(o, k, res, field)? {
            Value::String(s) => Some(s),
            other => match other.to_tf_string() {
                Some(s) => Some(s),
                None => {
                    self.invalid(
                        o,
                        k,
                        format!("`{k}` must be a string, not {}", other.type_name()),
                        None,
                    );
                    None
                }
            },
        }
    }

    pub fn b(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<bool> {
        let v = self.value(o, k, res, field)?;
        match v.to_bool() {
            Some(b) => Some(b),
            None => {
                self.invalid(
                    o,
                    k,
                    format!("`{k}` must be a bool, not {}", v.brief()),
                    None,
                );
                None
            }
        }
    }

    pub fn num(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<f64> {
        let v = self.value(o, k, res, field)?;
        match v.to_number() {
            Some(n) => Some(n),
            None => {
                self.invalid(
                    o,
                    k,
                    format!("`{k}` must be a number, not {}", v.brief()),
                    None,
                );
                None
            }
        }
    }

    pub fn u32_of(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<u32> {
        let n = self.num(o, k, res, field)?;
        if n < 0.0 || n.fract() != 0.0 || n > f64::from(u32::MAX) {
            self.invalid(o, k, format!("`{k}` must be a whole number, not {n}"), None);
            return None;
        }
        Some(n as u32)
    }

    /// A list of strings (a single string reads as one element); unknown elements are recorded.
    pub fn strs(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Vec<String> {
        self.str_items(o, k, res, field)
            .into_iter()
            .filter_map(Result::ok)
            .collect()
    }

    /// The elements of a list of strings (a single string reads as one element): each known
    /// one as `Ok`, each unknown one (recorded) as `Err` with its known text, the open parts
    /// marked `⟨…⟩`, when it has any. A list unknown as a whole is one unknown element.
    pub fn str_items(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
    ) -> Vec<Result<String, Option<Rc<str>>>> {
        let Some(v) = get(o, k) else {
            return Vec::new();
        };
        let items: Vec<Value> = match self.resolve(v) {
            Value::List(l) => l.to_vec(),
            other => vec![other],
        };
        let mut out = Vec::new();
        for x in items {
            match self.resolve(&x) {
                Value::Unknown(u) => {
                    self.unknown(res, field, &u);
                    out.push(Err(u.partial.clone()));
                }
                Value::Null => {}
                other => match other.to_tf_string() {
                    Some(s) => out.push(Ok(s)),
                    None => self.invalid(
                        o,
                        k,
                        format!("`{k}` must hold strings, not {}", other.type_name()),
                        None,
                    ),
                },
            }
        }
        out
    }

    /// Nested blocks (or objects of a list attribute); an unknown list is recorded.
    pub fn blocks(&mut self, o: &ResObj, k: &str, res: &str) -> Vec<Rc<ResObj>> {
        if let Some(Value::Unknown(u)) = get(o, k) {
            let u = u.clone();
            self.unknown(res, k, &u);
            return Vec::new();
        }
        blocks_of(o, k)
    }

    /// The first nested block.
    pub fn block(&mut self, o: &ResObj, k: &str, res: &str) -> Option<Rc<ResObj>> {
        self.blocks(o, k, res).into_iter().next()
    }

    pub fn tags(&mut self, o: &ResObj) -> BTreeMap<String, String> {
        get(o, "tags")
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.to_tf_string().map(|s| (k.clone(), s)))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn region(&mut self, o: &ResObj, res: &str) -> Option<String> {
        self.s(o, "location", res, "region")
    }

    /// An enumeration value; a value Azure does not accept is an error.
    pub fn enum_of<T>(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
        parse: fn(&str) -> Option<T>,
        names: &[&str],
    ) -> Option<T> {
        let s = self.s(o, k, res, field)?;
        match parse(&s) {
            Some(x) => Some(x),
            None => {
                self.invalid(
                    o,
                    k,
                    format!("`{s}` is not a valid {k}"),
                    Some(format!("expected one of: {}", names.join(", "))),
                );
                None
            }
        }
    }

    // ---- links ----------------------------------------------------------------------------------

    /// The name the model gives a resource, unknowns aside (see [`Mapper::name`]).
    fn model_name(&self, o: &ResObj) -> String {
        match o.attrs.get("id") {
            Some(Value::String(id)) => self.group_names.own_name(id).map(str::to_string),
            _ => None,
        }
        .unwrap_or_else(|| ids::name_or_addr(o))
    }

    /// The model name of the top-level resource a declared child (a subnet, a peering, an NSG
    /// rule, a route) belongs to, read from the child's id: its parent's name as written, or
    /// the name the model gives it among several of its name (see [`Mapper::name`]).
    pub fn parent_name(&self, o: &ResObj, written: String) -> String {
        match o.attrs.get("id") {
            Some(Value::String(id)) => self.top_name(id).map_or(written, str::to_string),
            _ => written,
        }
    }

    /// Whether which of several resources of its parent's name holds declared child `o` is
    /// open (see `open_parents`).
    pub fn parent_open(&self, o: &ResObj) -> bool {
        matches!(o.attrs.get("id"), Some(Value::String(id)) if self.open_parents.contains(&id.to_ascii_lowercase()))
    }

    /// The model name of the top-level resource an id names or starts with, when it is one of
    /// several of its name and the id says which. A child whose parent is open keeps the
    /// parent's name as written, which no declared resource has: it reads as a resource
    /// outside the configuration, whose properties are unknown.
    fn top_name(&self, id: &str) -> Option<&str> {
        if self.open_parents.contains(&id.to_ascii_lowercase()) {
            return None;
        }
        self.group_names.top_name(id)
    }

    /// The ARM name (`vnet` or `vnet/subnet`) of the declared resource id `id` names, as the
    /// model names it among several of its name (see [`Mapper::name`]).
    pub(super) fn arm_name(&self, id: &str, name: String) -> String {
        if self.open_parents.contains(&id.to_ascii_lowercase()) {
            return name;
        }
        self.group_names.rename(id, &name).unwrap_or(name)
    }

    /// What a parsed id names, as the model names it (see [`Mapper::name`]).
    fn model_ref(&self, id: &str, p: &ids::ArmId) -> Ref {
        let r = ids::model_ref(p);
        match self.top_name(id) {
            Some(n) => r.with_top_name(n),
            None => r,
        }
    }

    /// Resolves a value that should be an ARM id.
    pub fn link(&mut self, v: &Value) -> Link {
        match self.resolve(v) {
            Value::Unknown(u) => match u.partial.as_deref().and_then(|p| self.declared_id(p)) {
                Some(id) => match ids::parse(&id) {
                    Some(p) => Link::Declared(self.model_ref(&id, &p)),
                    None => Link::Unknown(u),
                },
                // A subnet data source names its subnet whatever its id: the same VNet name
                // and subnet name are the same subnet, wherever the id is used.
                None => match self.data_subnet_names(&u) {
                    Some((v, s, addr)) => {
                        Link::External(Ref::Subnet(v, s), format!("read by `{addr}`"))
                    }
                    None => Link::Unknown(u),
                },
            },
            Value::String(id) => {
                let id = self.declared_id(&id).unwrap_or(id);
                match ids::parse(&id) {
                    Some(p) => {
                        let r = self.model_ref(&id, &p);
                        if self.declared.contains_key(&id.to_ascii_lowercase()) {
                            Link::Declared(r)
                        } else {
                            Link::External(r, id)
                        }
                    }
                    None => Link::Invalid(id),
                }
            }
            other => Link::Invalid(other.brief()),
        }
    }

    /// The id of the declared resource an id (perhaps with unknown parts) names, when the
    /// configuration determines it: the resource's own id, or the one declared id its known
    /// parts may name.
    pub fn declared_id(&self, id: &str) -> Option<String> {
        if self.declared.contains_key(&id.to_ascii_lowercase()) {
            return Some(id.to_string());
        }
        let named = ids::identity_of(id);
        if let Some(n) = &named
            && self.declared.contains_key(&n.to_ascii_lowercase())
        {
            return Some(n.clone());
        }
        let query = named.as_deref().unwrap_or(id);
        if !moat_arm::idmatch::has_unknown(query) {
            return None;
        }
        self.id_indexes()
            .by_shape
            .unique(query)
            .map(|d| d.to_string())
    }

    /// The indexes of declared ids, built on first use.
    pub fn id_indexes(&self) -> &IdIndexes {
        self.id_indexes.get_or_init(|| {
            let mut declared_ids = Vec::new();
            for r in self.recs.iter().filter(|r| r.mode == Mode::Managed) {
                for id in declared_ids_of(r) {
                    // One copy of the declared id, shared by every shape it is indexed under.
                    let declared_id: Rc<str> = Rc::from(id.as_str());
                    declared_ids.push((id.clone(), declared_id.clone()));
                    // Only the resource's own id is written with its partly known name.
                    if let Some(Value::String(own)) = r.obj.attrs.get("id")
                        && own == id
                        && let Some(Value::Unknown(u)) = r.obj.attrs.get("name")
                        && let Some(p) = &u.partial
                        && let Some((head, _)) = id.rsplit_once('/')
                        && !p.contains('/')
                    {
                        declared_ids.push((format!("{head}/{p}"), declared_id));
                    }
                }
            }
            IdIndexes {
                namesakes: moat_arm::idmatch::Namesakes::new(declared_ids.iter().cloned()),
                by_shape: moat_arm::idmatch::ByShape::new(declared_ids),
            }
        })
    }

    /// Resolves an id attribute to the model name `pick` extracts. Unknown and external
    /// targets are recorded; a target of another kind is an error.
    pub fn link_name(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
        what: &str,
        pick: fn(&Ref) -> Option<String>,
    ) -> Option<String> {
        let v = get(o, k)?.clone();
        self.link_value(o, k, &v, res, field, what, pick)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn link_value(
        &mut self,
        o: &ResObj,
        k: &str,
        v: &Value,
        res: &str,
        field: &str,
        what: &str,
        pick: fn(&Ref) -> Option<String>,
    ) -> Option<String> {
        match self.link(v) {
            Link::Unknown(u) => {
                self.unknown(res, field, &u);
                None
            }
            Link::Declared(r) => match pick(&r) {
                Some(n) => Some(n),
                None => {
                    self.invalid(o, k, format!("`{k}` should name a {what}, not {r:?}"), None);
                    None
                }
            },
            Link::External(r, id) => match pick(&r) {
                Some(n) => {
                    let loc = Self::attr_loc(o, k);
                    self.external_ref(res, field, &n, what, &id, &loc);
                    // The id says which subscription the resource is in.
                    if let Some(a) = ml::address_of(&r) {
                        moat_model::placement::record_reference(
                            &mut self.t,
                            &a.to_string(),
                            &id,
                            &loc.provenance(&o.addr),
                        );
                    }
                    Some(n)
                }
                None => {
                    self.invalid(
                        o,
                        k,
                        format!("`{k}` should name a {what}, not `{id}`"),
                        None,
                    );
                    None
                }
            },
            Link::Invalid(s) => {
                // Placeholders (`"id1"`) are how test fixtures and drafts fill ids: the
                // reference is unknown, not the file invalid.
                let l = Self::attr_loc(o, k);
                let reason = format!("`{s}` is not an Azure resource id");
                self.warn(
                    "not-an-id",
                    format!("`{}`: {reason}; read as an unknown {what}", o.addr),
                    &l,
                    Some(format!("give the id of a {what}, or a reference to one")),
                );
                self.unknown_at(res, field, reason, &l);
                None
            }
        }
    }

    /// Records a reference to a resource outside the configuration.
    pub fn external_ref(
        &mut self,
        res: &str,
        field: &str,
        name: &str,
        what: &str,
        id: &str,
        at: &Loc,
    ) {
        self.external.insert(name.to_string());
        if self.open_reference(res, field, name, at) {
            return;
        }
        let reason =
            format!("refers to {what} `{name}` ({id}), which the configuration does not declare");
        self.unknown_at(res, field, reason.clone(), at);
        self.warn(
            "external-reference",
            format!("`{res}` {reason}; what moat knows of it is unknown"),
            at,
            Some(
                "include the resource in the configuration (or a plan) to have it analysed".into(),
            ),
        );
    }

    /// A required reference whose target is unknown: the placeholder name, kept out of errors.
    pub fn placeholder(&mut self, name: &str) -> String {
        self.external.insert(name.to_string());
        name.to_string()
    }

    /// The subnet (`vnet/subnet`) an id attribute names.
    pub fn subnet_ref(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<String> {
        self.link_name(o, k, res, field, "subnet", |r| match r {
            Ref::Subnet(v, s) => Some(format!("{v}/{s}")),
            _ => None,
        })
    }

    /// Names of a list of id attributes.
    pub fn link_names(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
        what: &str,
        pick: fn(&Ref) -> Option<String>,
    ) -> Vec<String> {
        self.id_items(o, k, res, field)
            .iter()
            .filter_map(|v| self.link_value(o, k, v, res, field, what, pick))
            .collect()
    }

    /// The ids a list attribute (or a single id) holds; a wholly unknown list is recorded.
    pub fn id_items(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Vec<Value> {
        match get(o, k) {
            Some(Value::List(l)) => l.to_vec(),
            Some(Value::Unknown(u)) => {
                let u = u.clone();
                self.unknown(res, field, &u);
                Vec::new()
            }
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        }
    }
}

/// Nested blocks of an object, as objects.
pub fn blocks_of(o: &ResObj, k: &str) -> Vec<Rc<ResObj>> {
    let to_obj = |i: usize, v: &Value| -> Option<Rc<ResObj>> {
        match v {
            Value::Res(r) => Some(r.clone()),
            Value::Map(m) => Some(Rc::new(ResObj {
                addr: format!("{}.{k}[{i}]", o.addr),
                attrs: (**m).clone(),
                loc: o.attr_locs.get(k).unwrap_or(&o.loc).clone(),
                attr_locs: Default::default(),
            })),
            _ => None,
        }
    };
    match get(o, k) {
        Some(Value::List(l)) => l
            .iter()
            .enumerate()
            .filter_map(|(i, v)| to_obj(i, v))
            .collect(),
        Some(v @ (Value::Res(_) | Value::Map(_))) => to_obj(0, v).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether blocks `k` of `o` are open in part or whole: the list itself, or one of its
/// elements, is unknown (a `dynamic` block over a value known only after apply).
pub fn blocks_open(o: &ResObj, k: &str) -> bool {
    match get(o, k) {
        Some(Value::Unknown(_)) => true,
        Some(Value::List(l)) => l.iter().any(|v| matches!(v, Value::Unknown(_))),
        _ => false,
    }
}

/// Known strings of an attribute (a list or a single string).
pub fn strings_of(o: &ResObj, k: &str) -> Vec<String> {
    match get(o, k) {
        Some(Value::List(l)) => l.iter().filter_map(Value::to_tf_string).collect(),
        Some(v) => v.to_tf_string().into_iter().collect(),
        None => Vec::new(),
    }
}

/// The addresses of `among` that `v` writes as text, a bare address or a one-address prefix,
/// into `found`. Each nested object is read once (`seen`), however many values hold it.
fn written_ips(
    v: &Value,
    among: &HashSet<IpAddr>,
    found: &mut HashSet<IpAddr>,
    seen: &mut HashSet<*const ResObj>,
) {
    match v {
        Value::String(s) => {
            let s = s.trim();
            let ip = s
                .strip_suffix("/32")
                .unwrap_or(s)
                .parse::<IpAddr>()
                .ok()
                .filter(|ip| among.contains(ip));
            found.extend(ip);
        }
        Value::List(items) => items
            .iter()
            .for_each(|x| written_ips(x, among, found, seen)),
        Value::Map(m) => m.values().for_each(|x| written_ips(x, among, found, seen)),
        Value::Res(o) => {
            if seen.insert(Rc::as_ptr(o)) {
                o.attrs
                    .values()
                    .for_each(|x| written_ips(x, among, found, seen));
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Unknown(_) => {}
    }
}
