//! The engine: a topology with its indexes, name space, address space and compiled filters.

use foldhash::HashMap;
use moat_model::enums::Direction;
use moat_model::{Index, Provenance, Topology};
use moat_net::dns::Dns;
use moat_net::filter::{CompiledNsg, compile_nsg};
use moat_net::routing::{Route, effective_routes, virtual_network_tag};
use moat_net::space::{PrefixContext, Space};
use moat_packets::{AddrSet, LpmTable};
use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

/// A topology prepared for analysis. Filters and routes are compiled on first use and kept.
pub struct Engine<'t> {
    pub t: &'t Topology,
    pub ix: Index,
    pub dns: Dns<'t>,
    pub space: Space,
    /// Strict mode: what a trace would otherwise assume (an undescribed DNS server answering
    /// public names, an internet host accepting) is unknown instead.
    pub strict: bool,
    /// Application security group -> the static addresses of its member NICs. A member whose
    /// address Azure assigns counts only at the end of a flow it is (see [`Engine::nsg_between`]).
    asg_members: HashMap<String, AddrSet>,
    /// Subnet -> the addresses Azure may assign there (see [`Engine::free_set`]).
    free_sets: RefCell<HashMap<String, AddrSet>>,
    /// Subnet prefixes -> the first subnet (vnet index, subnet index) declaring each.
    subnet_prefixes: LpmTable<(usize, usize)>,
    /// Private addresses -> the first private endpoint, network interface and firewall
    /// declared with each: a delivery looks its destination up instead of scanning them.
    endpoint_ips: HashMap<IpAddr, usize>,
    nic_ips: HashMap<IpAddr, usize>,
    firewall_ips: HashMap<IpAddr, usize>,
    nsgs: RefCell<HashMap<NsgKey, Rc<CompiledNsg>>>,
    routes: RefCell<HashMap<String, Rc<Vec<Route>>>>,
    vnet_tags: RefCell<HashMap<String, (AddrSet, AddrSet)>>,
    firewalls: RefCell<HashMap<FirewallKey, Rc<FirewallPolicy>>>,
    /// Traces already run, by question (see [`crate::trace::trace_shared`]).
    pub(crate) traces: RefCell<SharedTraces>,
    /// The words of the hops traced so far, each once (see [`Engine::text`]).
    texts: RefCell<foldhash::HashSet<crate::trace::Text>>,
    /// The places hops cite, each once (see [`Engine::position`]), by line, column, offset
    /// and length.
    places: RefCell<Places>,
    /// The NSG decisions hops carry, each once (see [`Engine::nsg_decision`]).
    nsg_decisions: RefCell<foldhash::HashSet<Arc<crate::trace::NsgDecision>>>,
    /// The host names (public and privatelink, lower case) of the resources private endpoints
    /// connect to without the input declaring them, and those resources.
    pub(crate) external_targets: HashMap<String, moat_model::Address>,
    /// Those resources (without sub-resource), each with the private endpoints that connect
    /// to it, in declaration order.
    pub(crate) external_endpoints: HashMap<moat_model::Address, Vec<&'t str>>,
    /// The storage accounts, key vaults and container registries workspaces name without the
    /// input declaring them (existing ones given by id), each with those workspaces: they
    /// exist, and their settings are unknown.
    pub(crate) external_dependencies: HashMap<moat_model::Address, Vec<&'t str>>,
    /// The values the input leaves open, by the resource they belong to: every trace asks for
    /// those of the resources its hops read.
    unknowns: HashMap<&'t str, Vec<&'t moat_model::Unknown>>,
    /// While [`Engine::recording`]: the keys of what has been read (see [`crate::reads`]).
    read_log: RefCell<Option<Vec<u64>>>,
    /// Full traces recorded, or taken from another deployment's record (see
    /// [`Engine::reuse_traces`]).
    memo: RefCell<crate::reads::Memo>,
}

/// Places by line, column, offset and length, each with those that share them (in other
/// files, at other pointers).
type Places = HashMap<(u32, u32, usize, usize), Vec<Arc<Provenance>>>;

/// An NSG compiled for one direction in a VNet's context, and the NICs whose membership in
/// application security groups it counts at the flow's source and destination.
type NsgKey = (String, bool, String, Option<usize>, Option<usize>);

/// Traces by question (with the strict mode they were run in), or why a question has none.
/// The question is boxed: a check asks tens of thousands, and the table keeps twice as many
/// slots as questions.
type SharedTraces =
    HashMap<Box<crate::trace::Query>, (bool, Result<std::sync::Arc<crate::trace::Trace>, String>)>;

/// A firewall and the destination name its rules were compiled for.
type FirewallKey = (String, Option<String>);

/// A firewall's network rules compiled for one destination name.
pub type FirewallPolicy = moat_net::firewall::CompiledNetwork;

/// Every service tag name a topology writes (rules, routes, outbound rules), each once, in
/// the order first written: a tag is one destination however many rules name it (every NSG
/// of a VNet names `VirtualNetwork`), and a sweep asks each name once.
pub fn tag_names(t: &Topology) -> Vec<String> {
    tags_written(t, true)
}

/// The service tag names a topology sends to: those [`tag_names`] lists from the
/// destination side only (NSG rule and firewall rule destinations, routes, outbound rules), in
/// the same order. A tag written only as a source is no place the deployment sends to.
pub fn destination_tag_names(t: &Topology) -> Vec<String> {
    tags_written(t, false)
}

/// The tags of [`tag_names`], with those written as rule sources or not.
fn tags_written(t: &Topology, sources: bool) -> Vec<String> {
    use moat_model::values::AddressPrefix;
    let mut out: Vec<String> = Vec::new();
    let mut seen: foldhash::HashSet<String> = foldhash::HashSet::default();
    let mut add = |p: &AddressPrefix| {
        if let AddressPrefix::Tag(x) = p
            && seen.insert(x.clone())
        {
            out.push(x.clone());
        }
    };
    let none: &[AddressPrefix] = &[];
    for n in &t.network_security_groups {
        for r in &n.rules {
            let src = if sources { &r.source[..] } else { none };
            src.iter().chain(&r.destination).for_each(&mut add);
        }
    }
    for rt in &t.route_tables {
        rt.routes.iter().for_each(|r| add(&r.address_prefix));
    }
    let fw_collections = t.network_rule_collections();
    for c in fw_collections {
        for r in &c.rules {
            let src = if sources {
                &r.source_addresses[..]
            } else {
                none
            };
            src.iter()
                .chain(&r.destination_addresses)
                .for_each(&mut add);
        }
    }
    for w in &t.workspaces {
        for r in &w.managed_network.outbound_rules {
            if let moat_model::ml::OutboundDestination::ServiceTag(d) = &r.destination {
                add(&AddressPrefix::Tag(d.service_tag.clone()));
            }
        }
    }
    out
}

impl<'t> Engine<'t> {
    /// Prepares `t`, with service tags from Azure's file when `service_tags` names one, and
    /// symbolic otherwise.
    pub fn for_topology(
        t: &'t Topology,
        service_tags: Option<&std::path::Path>,
    ) -> Result<Engine<'t>, String> {
        let catalog = match service_tags {
            Some(p) => moat_net::tags::Catalog::from_file(p)?,
            None => moat_net::tags::Catalog::symbolic().with_names(tag_names(t)),
        };
        Ok(Engine::new(t, Space::new(catalog)))
    }

    /// Whether the input leaves any value open ([`Engine::unknowns_of`] gives none otherwise).
    pub fn leaves_open(&self) -> bool {
        !self.unknowns.is_empty()
    }

    /// The values the input leaves open of `resource` (`subnet/hub/pe`), in input order.
    pub fn unknowns_of(&self, resource: &str) -> &[&'t moat_model::Unknown] {
        self.unknowns.get(resource).map_or(&[], Vec::as_slice)
    }

    /// What the input leaves open of the list `field` of `resource`: the whole list, a block
    /// holding it, or one of its elements (`managed_network.outbound_rules.<name>`). An element
    /// a decision looks for may be in the part the input does not give.
    pub fn open_list(&self, resource: &str, field: &str) -> Option<&'t moat_model::Unknown> {
        self.unknowns_of(resource)
            .iter()
            .find(|u| {
                u.field != "name"
                    && (moat_model::external::leaves_open(&u.field, field)
                        || u.field
                            .strip_prefix(field)
                            .is_some_and(|rest| rest.starts_with('.')))
            })
            .copied()
    }

    /// [`Topology::is_unknown`] through the index: whether `field` of `resource` (or all of
    /// it) is open.
    pub fn is_unknown(&self, resource: &str, field: &str) -> Option<&'t moat_model::Unknown> {
        self.unknowns_of(resource)
            .iter()
            .find(|u| moat_model::external::leaves_open(&u.field, field))
            .copied()
    }

    /// Whether public network access `pna` of `resource` (`workspace/w`, `registry/r:acr`, ...)
    /// closes it to public networks: `Ok(true)` for Disabled, `Ok(false)` for Enabled. `Err`
    /// says what decides when the input does not: a located unknown, or `SecuredByPerimeter`,
    /// where the access rules of the network security perimeter the resource is associated
    /// with decide ("Enforced: the resource obeys only network security perimeter access
    /// rules", Private Link, "Transition to a network security perimeter"), and the model
    /// describes no perimeter.
    pub fn public_access_closed(
        &self,
        resource: &str,
        pna: moat_model::enums::PublicNetworkAccess,
    ) -> Result<bool, String> {
        use moat_model::enums::PublicNetworkAccess as P;
        if let Some(u) = self.is_unknown(resource, "public_network_access") {
            return Err(format!(
                "public_network_access of {resource}: {} ({})",
                u.reason, u.at
            ));
        }
        match pna {
            P::Disabled => Ok(true),
            P::Enabled => Ok(false),
            P::SecuredByPerimeter => Err(format!(
                "the access rules (and access mode) of the network security perimeter {resource} is associated with: its public_network_access is SecuredByPerimeter"
            )),
        }
    }

    /// Prepares `t`, reading service tags through `space`.
    pub fn new(t: &'t Topology, space: Space) -> Engine<'t> {
        let ix = t.index();
        let dns = Dns::new(t);
        let mut asg_members: HashMap<String, AddrSet> = HashMap::default();
        for nic in &t.network_interfaces {
            let Some(ip) = nic.private_ip_address else {
                continue;
            };
            for a in &nic.application_security_groups {
                let e = asg_members.entry(a.clone()).or_insert_with(AddrSet::none);
                *e = e.union(&AddrSet::host(ip));
            }
        }
        let mut subnet_prefixes = LpmTable::new();
        for (vi, v) in t.virtual_networks.iter().enumerate() {
            for (si, s) in v.subnets.iter().enumerate() {
                for p in s.prefixes() {
                    if subnet_prefixes.get(&p).is_none() {
                        subnet_prefixes.insert(p, (vi, si));
                    }
                }
            }
        }
        let mut endpoint_ips = HashMap::default();
        for (i, p) in t.private_endpoints.iter().enumerate() {
            for ip in p.ip_address.iter().chain(&p.member_addresses) {
                endpoint_ips.entry(*ip).or_insert(i);
            }
        }
        let mut nic_ips = HashMap::default();
        for (i, ip) in t
            .network_interfaces
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, n.private_ip_address?)))
        {
            nic_ips.entry(ip).or_insert(i);
        }
        let mut firewall_ips = HashMap::default();
        for (i, ip) in t
            .firewalls
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.private_ip_address?)))
        {
            firewall_ips.entry(ip).or_insert(i);
        }
        let mut external_targets = HashMap::default();
        let mut external_endpoints: HashMap<_, Vec<&str>> = HashMap::default();
        for pe in &t.private_endpoints {
            let a = match &pe.target {
                moat_model::Address::Resource { kind, name, .. } => {
                    moat_model::Address::resource(*kind, name)
                }
                other => other.clone(),
            };
            if moat_model::external::target_declared(&ix, &a) {
                continue;
            }
            external_endpoints
                .entry(a.clone())
                .or_default()
                .push(pe.name.as_str());
            for n in moat_net::names::endpoint_names(t, &ix, &pe.target, &pe.group_id) {
                external_targets.insert(n.fqdn.to_ascii_lowercase(), a.clone());
                external_targets.insert(n.privatelink.to_ascii_lowercase(), a.clone());
            }
        }
        let mut external_dependencies: HashMap<_, Vec<&str>> = HashMap::default();
        for w in &t.workspaces {
            use moat_model::address::Kind;
            let deps = [
                (Kind::Storage, &w.storage_account),
                (Kind::Keyvault, &w.key_vault),
                (Kind::Acr, &w.container_registry),
            ];
            // A project's hub of another deployment is named the same way (facts §6 item
            // 99: the project is reached through it).
            let hub = (Kind::Workspace, &w.hub);
            for (kind, name) in deps.into_iter().chain([hub]) {
                let Some(name) = name else { continue };
                let a = moat_model::Address::resource(kind, name);
                if !moat_model::external::target_declared(&ix, &a) {
                    external_dependencies
                        .entry(a)
                        .or_default()
                        .push(w.name.as_str());
                }
            }
        }
        let mut unknowns: HashMap<&str, Vec<&moat_model::Unknown>> = HashMap::default();
        for u in &t.unknowns {
            unknowns.entry(u.resource.as_str()).or_default().push(u);
        }
        Engine {
            t,
            ix,
            unknowns,
            dns,
            free_sets: RefCell::default(),
            external_targets,
            external_endpoints,
            external_dependencies,
            space,
            strict: false,
            asg_members,
            subnet_prefixes,
            endpoint_ips,
            nic_ips,
            firewall_ips,
            nsgs: RefCell::new(HashMap::default()),
            routes: RefCell::new(HashMap::default()),
            vnet_tags: RefCell::new(HashMap::default()),
            firewalls: RefCell::new(HashMap::default()),
            traces: RefCell::new(HashMap::default()),
            read_log: RefCell::new(None),
            memo: RefCell::default(),
            texts: RefCell::default(),
            places: RefCell::default(),
            nsg_decisions: RefCell::default(),
        }
    }

    /// Notes a read of `name` as `kind`, when recording.
    pub(crate) fn read(&self, kind: crate::reads::Read, name: &str) {
        if let Some(log) = self.read_log.borrow_mut().as_mut() {
            log.push(crate::reads::key(kind, name));
        }
    }

    /// Runs `f`, recording what it reads of NSGs, route tables, subnets and VNets: the keys,
    /// sorted, without repeats.
    pub fn recording<R>(&self, f: impl FnOnce() -> R) -> (R, Vec<u64>) {
        let outer = self.read_log.replace(Some(Vec::new()));
        let r = f();
        let mut keys = self.read_log.replace(outer).unwrap_or_default();
        keys.sort_unstable();
        keys.dedup();
        if let Some(log) = self.read_log.borrow_mut().as_mut() {
            log.extend_from_slice(&keys);
        }
        (r, keys)
    }

    /// Records every full trace from now on, with what it read, for
    /// [`Engine::recorded_traces`].
    pub fn record_traces(&self) {
        *self.memo.borrow_mut() = crate::reads::Memo::Record(Default::default());
    }

    /// The traces recorded since [`Engine::record_traces`]; recording stops.
    pub fn recorded_traces(&self) -> crate::reads::Traces {
        match self.memo.replace(crate::reads::Memo::Off) {
            crate::reads::Memo::Record(t) => t,
            _ => Default::default(),
        }
    }

    /// Answers a question from `base` (another deployment's recorded traces) when the trace
    /// there read no key of `touched`: everything it read is the same here, so is the trace
    /// but for where its elements are written, which `positions` moves (a trace citing a
    /// position it does not know is walked). Every other question is walked.
    pub fn reuse_traces(
        &self,
        base: std::sync::Arc<crate::reads::Traces>,
        touched: std::sync::Arc<foldhash::HashSet<u64>>,
        positions: std::sync::Arc<crate::reads::Positions>,
    ) {
        *self.memo.borrow_mut() = crate::reads::Memo::Reuse {
            base,
            touched,
            positions,
            taken: Default::default(),
            moved: Default::default(),
        };
    }

    /// How many traces were taken from another deployment's record
    /// ([`Engine::reuse_traces`]).
    pub fn traces_taken(&self) -> u64 {
        self.memo.borrow().taken()
    }

    /// The answer another deployment's record gives to `q` here, if it may be taken.
    pub(crate) fn reused_trace(&self, q: &crate::trace::Query) -> Option<crate::trace::Shared> {
        let (t, keys) = self.memo.borrow().reused(self.strict, q)?;
        // A recording around this trace learns what it read.
        if let Some(log) = self.read_log.borrow_mut().as_mut() {
            log.extend_from_slice(&keys);
        }
        Some(t)
    }

    /// Whether full traces are recorded or taken from a record.
    pub(crate) fn remembers_traces(&self) -> bool {
        !matches!(*self.memo.borrow(), crate::reads::Memo::Off)
    }

    /// Whether full traces are recorded.
    pub(crate) fn records_traces(&self) -> bool {
        self.memo.borrow().records()
    }

    /// Records a full trace and the keys of what it read.
    pub(crate) fn note_trace(
        &self,
        q: &crate::trace::Query,
        t: &crate::trace::Shared,
        keys: Vec<u64>,
    ) {
        self.memo.borrow_mut().note(self.strict, q, t, keys);
    }

    /// Where a subnet (`vnet/subnet`) is, (vnet index, subnet index): every read of a subnet's
    /// settings during a trace finds it here, so that it is recorded.
    pub fn subnet_at(&self, key: &str) -> Option<(usize, usize)> {
        self.read(crate::reads::Read::Subnet, key);
        self.ix.subnets.get(key).copied()
    }

    /// The addresses Azure may assign an endpoint of `subnet` (`vnet/subnet`): its prefixes
    /// without the reserved addresses and the static ones (none for an undeclared subnet).
    pub fn free_set(&self, subnet: &str) -> AddrSet {
        if let Some(s) = self.free_sets.borrow().get(subnet) {
            return s.clone();
        }
        let s = free_set_of(self.t, self.dns.addressing(), subnet);
        self.free_sets
            .borrow_mut()
            .insert(subnet.to_string(), s.clone());
        s
    }

    /// The addresses a private address may be: itself, or the free addresses of the subnet
    /// Azure assigns it from.
    pub fn addresses(&self, ip: &moat_model::PrivateIp) -> AddrSet {
        match ip {
            moat_model::PrivateIp::Static(ip) => AddrSet::host(*ip),
            moat_model::PrivateIp::Dynamic(a) => self.free_set(&a.subnet),
        }
    }

    /// The first private endpoint declared with this address (its index).
    pub fn endpoint_at(&self, ip: IpAddr) -> Option<usize> {
        self.endpoint_ips.get(&ip).copied()
    }

    /// The first network interface declared with this private address (its index).
    pub fn nic_at(&self, ip: IpAddr) -> Option<usize> {
        self.nic_ips.get(&ip).copied()
    }

    /// The first firewall declared with this private address (its index).
    pub fn firewall_at(&self, ip: IpAddr) -> Option<usize> {
        self.firewall_ips.get(&ip).copied()
    }

    /// The endpoints Azure may have given `ip`, a static address none of the topology's
    /// endpoints declares (`nic/x`, `private-endpoint/x`, `dns-resolver/r/e`).
    pub fn may_hold(&self, ip: IpAddr) -> &[String] {
        match self.subnet_of(ip) {
            Some(s) => self.dns.addressing().may_hold(self.t, &s, ip),
            None => &[],
        }
    }

    /// An engine for `t` (a variant of this engine's topology) with the same service tags and
    /// mode.
    pub fn variant<'u>(&self, t: &'u Topology) -> Engine<'u> {
        Engine::new(t, self.space.clone()).with_strict(self.strict)
    }

    /// The same engine in strict mode (every assumption becomes unknown) or not.
    pub fn with_strict(mut self, strict: bool) -> Engine<'t> {
        self.strict = strict;
        self
    }

    /// The `VirtualNetwork` tag as seen from a VNet: what it surely and perhaps holds.
    pub fn vnet_tag(&self, vnet: &str) -> (AddrSet, AddrSet) {
        self.read(crate::reads::Read::Vnet, vnet);
        if let Some(s) = self.vnet_tags.borrow().get(vnet) {
            return s.clone();
        }
        let s = virtual_network_tag(self.t, &self.ix, vnet);
        self.vnet_tags
            .borrow_mut()
            .insert(vnet.to_string(), s.clone());
        s
    }

    /// The prefix context of a VNet.
    pub fn context(&self, vnet: &str) -> PrefixContext {
        let (virtual_network, virtual_network_maybe) = self.vnet_tag(vnet);
        PrefixContext {
            virtual_network,
            virtual_network_maybe,
        }
    }

    /// `s`, shared with every hop that says the same: traces from one subnet repeat their
    /// elements, rules and resources read, and a check keeps tens of thousands of traces.
    pub fn text(&self, s: &str) -> crate::trace::Text {
        if let Some(t) = self.texts.borrow().get(s) {
            return t.clone();
        }
        let t: crate::trace::Text = s.into();
        self.texts.borrow_mut().insert(t.clone());
        t
    }

    /// `p`, shared with every hop that cites the same place: a check keeps hundreds of
    /// thousands of hops, citing a few thousand rules and settings. Compared field by field,
    /// never by [`Provenance`]'s equality, which may be told to ignore positions.
    pub fn position(&self, p: &Provenance) -> Arc<Provenance> {
        let key = (p.line, p.column, p.offset, p.len);
        let mut places = self.places.borrow_mut();
        let same = places.entry(key).or_default();
        if let Some(x) = same
            .iter()
            .find(|x| x.file == p.file && x.pointer == p.pointer)
        {
            return x.clone();
        }
        // Copied only the first time it is cited.
        let x = Arc::new(p.clone());
        same.push(x.clone());
        x
    }

    /// `n`, shared with every hop the same NSG rule decided the same way.
    pub fn nsg_decision(&self, n: crate::trace::NsgDecision) -> Arc<crate::trace::NsgDecision> {
        if let Some(x) = self.nsg_decisions.borrow().get(&n) {
            return x.clone();
        }
        let x = Arc::new(n);
        self.nsg_decisions.borrow_mut().insert(x.clone());
        x
    }

    /// An NSG compiled for one direction, in the context of a VNet.
    pub fn nsg(&self, name: &str, direction: Direction, vnet: &str) -> Option<Rc<CompiledNsg>> {
        self.nsg_between(name, direction, vnet, None, None)
    }

    /// [`Engine::nsg`] for a flow from network interface `src_nic` to `dst_nic` (indexes),
    /// when either is one: a NIC whose address Azure assigns is a member of its application
    /// security groups at its end of the flow. Its address is one of its subnet's free
    /// addresses, as is every other such endpoint's there, so membership by address would
    /// count them all; by the NIC, it counts what Azure counts.
    pub fn nsg_between(
        &self,
        name: &str,
        direction: Direction,
        vnet: &str,
        src_nic: Option<usize>,
        dst_nic: Option<usize>,
    ) -> Option<Rc<CompiledNsg>> {
        // Compiled in the VNet's context: its `VirtualNetwork` tag counts too.
        self.read(crate::reads::Read::Nsg, name);
        self.read(crate::reads::Read::Vnet, vnet);
        let (src_nic, dst_nic) = (self.assigned_member(src_nic), self.assigned_member(dst_nic));
        let key = (
            name.to_string(),
            direction == Direction::Inbound,
            vnet.to_string(),
            src_nic,
            dst_nic,
        );
        if let Some(c) = self.nsgs.borrow().get(&key) {
            return Some(c.clone());
        }
        let nsg = &self.t.network_security_groups[*self.ix.network_security_groups.get(name)?];
        // The static members, and the flow's NIC at its end (copied only then).
        let with = |nic: Option<usize>| {
            let n = &self.t.network_interfaces[nic?];
            let mut m = self.asg_members.clone();
            let set = self.free_set(&n.subnet);
            for a in &n.application_security_groups {
                let e = m.entry(a.clone()).or_insert_with(AddrSet::none);
                *e = e.union(&set);
            }
            Some(m)
        };
        let (source, destination) = (with(src_nic), with(dst_nic));
        let c = Rc::new(compile_nsg(
            nsg,
            direction,
            &self.space,
            &self.context(vnet),
            moat_net::filter::AsgMembers {
                source: source.as_ref().unwrap_or(&self.asg_members),
                destination: destination.as_ref().unwrap_or(&self.asg_members),
            },
        ));
        self.nsgs.borrow_mut().insert(key, c.clone());
        Some(c)
    }

    /// `nic` when it is a NIC in application security groups whose address Azure assigns.
    fn assigned_member(&self, nic: Option<usize>) -> Option<usize> {
        nic.filter(|&i| {
            let n = &self.t.network_interfaces[i];
            n.private_ip_address.is_none()
                && !n.application_security_groups.is_empty()
                && self.dns.addressing().free(self.t, &n.subnet).is_some()
        })
    }

    /// A firewall's network rules, compiled once per destination name: FQDNs in network rules
    /// match by name, so flows to different names may see different rules.
    pub fn firewall_policy(
        &self,
        firewall: &str,
        fqdn: Option<&str>,
        compile: impl FnOnce() -> FirewallPolicy,
    ) -> Rc<FirewallPolicy> {
        let key = (firewall.to_string(), fqdn.map(str::to_string));
        if let Some(p) = self.firewalls.borrow().get(&key) {
            return p.clone();
        }
        let p = Rc::new(compile());
        self.firewalls.borrow_mut().insert(key, p.clone());
        p
    }

    /// The effective routes of a subnet (`vnet/subnet`).
    pub fn routes(&self, subnet: &str) -> Rc<Vec<Route>> {
        // They read the subnet's route table and its VNet (address space, peerings, tag).
        self.read(crate::reads::Read::Subnet, subnet);
        self.read(
            crate::reads::Read::Vnet,
            subnet.split('/').next().unwrap_or(subnet),
        );
        if let Some(r) = self.routes.borrow().get(subnet) {
            return r.clone();
        }
        let r = Rc::new(effective_routes(self.t, &self.ix, &self.space, subnet));
        self.routes
            .borrow_mut()
            .insert(subnet.to_string(), r.clone());
        r
    }

    /// The subnet (`vnet/subnet`) holding a private address: the one Azure assigns it from,
    /// or the one holding a static address.
    pub fn subnet_of_private(&self, ip: &moat_model::PrivateIp) -> Option<String> {
        match ip {
            moat_model::PrivateIp::Static(ip) => self.subnet_of(*ip),
            moat_model::PrivateIp::Dynamic(a) => Some(a.subnet.clone()),
        }
    }

    /// The subnet (`vnet/subnet`) holding an address, if any: the first declared, when
    /// subnets overlap (which validation reports). A lookup in a prefix table, not a scan.
    pub fn subnet_of(&self, ip: std::net::IpAddr) -> Option<String> {
        let (vi, si) = self.subnet_prefixes.matches(ip).map(|(_, &at)| at).min()?;
        let v = &self.t.virtual_networks[vi];
        Some(format!("{}/{}", v.name, v.subnets[si].name))
    }
}

/// The free addresses of `subnet` as an address set (see [`moat_model::addressing`]).
pub fn free_set_of(t: &Topology, a: &moat_model::Addressing, subnet: &str) -> AddrSet {
    let Some(f) = a.free(t, subnet) else {
        return AddrSet::none();
    };
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for (lo, hi) in f.ranges() {
        match (lo, hi) {
            (IpAddr::V4(l), IpAddr::V4(h)) => v4.push((u32::from(l), u32::from(h))),
            (IpAddr::V6(l), IpAddr::V6(h)) => v6.push((u128::from(l), u128::from(h))),
            _ => {}
        }
    }
    let all = AddrSet::from_parts(
        moat_packets::IntervalSet::from_ranges(v4),
        moat_packets::IntervalSet::from_ranges(v6),
    );
    let taken = AddrSet::from_nets(f.taken.iter().map(|&ip| ipnet::IpNet::from(ip)));
    all.difference(&taken)
}
