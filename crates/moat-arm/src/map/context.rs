//! The state shared by the mapping of every resource of a deployment ([`MapContext`]), how
//! references resolve against it, and how what cannot be resolved is recorded.

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Target {
    pub(super) kind: Kind,
    pub(super) name: String,
}

pub(super) struct Pending {
    pub(super) kind: ChildKind,
    pub(super) res: ArmResource,
    pub(super) payload: Payload,
}

pub(super) enum Payload {
    Subnet(Subnet),
    Peering(Peering),
    Rule(SecurityRule),
    Route(Route),
    Rcg(RuleCollectionGroup, Vec<(usize, usize, String)>),
    ZoneIds(Vec<String>),
    VnetLink(Option<String>, bool),
    Record(DnsRecord),
    Endpoint(ResolverEndpoint),
    ForwardingRule(ForwardingRule),
    RulesetLink(Option<String>),
    OutboundRule(OutboundRule),
    OnlineDeployment(OnlineDeployment),
    Scoped(Option<String>),
    SepDefinition(ServiceEndpointPolicyDefinition),
    /// A child the mapper does not import (a route whose next hop is open): only what it
    /// leaves open joins its parent.
    Open,
    /// A registry asset version read from a workspace: joins that workspace, not a parent.
    Share(super::shares::ShareFrom, ShareIntent),
}

pub(super) struct Cluster {
    pub(super) id: String,
    pub(super) rtype: String,
    pub(super) name: String,
    pub(super) at: Provenance,
    pub(super) node_count: Option<u32>,
    pub(super) subnet: Option<String>,
}

/// A firewall policy's rule collection groups as Azure lists them: (the policy, each group's
/// id or, for a list the input leaves open, the reason, where the policy is).
pub(super) type ListedGroups = (String, Vec<Result<String, String>>, Provenance);

/// A private endpoint a deployed resource lists as connected to it.
pub(super) struct ConnectedEndpoint {
    /// The resource's id.
    pub(super) target: String,
    /// The endpoint's id.
    pub(super) endpoint: String,
    /// The id of the endpoint's subnet.
    pub(super) subnet: String,
    pub(super) status: Option<String>,
    pub(super) at: Provenance,
}

/// State shared by the mapping of every resource of a deployment, consumed by [`finish`].
#[derive(Default)]
pub struct MapContext {
    /// Declared resources by canonical id; change them through [`MapContext::register`] and
    /// [`MapContext::redeclare`], which keep `namesakes` and `shapes` in step.
    pub(super) ids: HashMap<String, Target>,
    /// The same resources by type and name.
    pub(super) namesakes: crate::idmatch::Namesakes<Target>,
    /// Their ids by shape, for ids with unknown parts to be matched against.
    pub(super) shapes: crate::idmatch::ByShape<String>,
    pub(super) names: HashMap<(Kind, String), String>,
    pub(super) pending: Vec<Pending>,
    pub(super) registry_storage: HashMap<String, String>,
    pub(super) registry_acr: HashMap<String, String>,
    pub(super) clusters: Vec<Cluster>,
    /// Virtual machines attached to a workspace as compute targets: (the VM's id, the
    /// workspace's id, the attachment), resolved once every resource is mapped.
    pub(super) attached_vms: Vec<(String, String, ArmResource)>,
    /// Firewalls whose private IP the template does not give (derived from their subnet).
    pub(super) firewall_ip_from_subnet: HashSet<String>,
    /// What names a firewall by its address as `reference()` gives it (see
    /// [`Rec::firewall_uses`]).
    pub(super) firewall_uses: Vec<FirewallUse>,
    /// The IPv4 addresses the mapped resources write as text (`10.0.1.4`, `10.0.1.4/32`),
    /// when they are the whole input ([`MapContext::whole_input`]): a firewall's derived
    /// address is an assumption only where one of them is it. Otherwise every derived address
    /// is.
    pub(super) written_ips: Option<HashSet<Ipv4Addr>>,
    /// The VNets (NSGs, route tables) whose PUT sets their subnets (security rules, routes):
    /// those that write the list inline, even empty or open, with the names it writes, and the
    /// VNets that leave it out with an API version that still removes the subnets; by kind and
    /// name, when the mapped resources are the whole input. A child joining one under a name
    /// the list does not write is overwritten by it (see `network::beside_inline`).
    pub(super) inline_lists: Option<HashMap<(Kind, String), super::network::ParentList>>,
    /// The order in which the deployment sends the mapped resources to Azure, as far as the
    /// template fixes it, when they are one deployment's ([`MapContext::deploy_order`]).
    pub(super) order: Option<crate::engine::Order>,
    /// VNets whose address space is unknown.
    pub(super) vnet_space_unknown: HashSet<String>,
    /// Ids of resources listed as unmodelled (their children are unmodelled too).
    pub(super) unmodelled_ids: HashSet<String>,
    /// Ids of private DNS zones, by declaration and name (zones of one name may live in
    /// several resource groups).
    pub(super) zones: HashMap<(Provenance, String), String>,
    /// External private DNS zones by lower-cased name and resource group: the subscription
    /// of the first one met (`None` when its id leaves it open), so that a namesake in a
    /// group of the same name in another subscription is kept apart.
    pub(super) external_zones: super::ZoneScopes,
    /// Destination IP groups of firewall network rules: (firewall or policy, path, group ids).
    pub(super) dest_ip_groups: Vec<(Kind, String, Vec<usize>, Vec<String>)>,
    /// Firewall policies that list their rule collection groups by id, as Azure returns a
    /// deployed policy: (policy, group ids, where the policy is).
    /// A list the input leaves open is one `Err` with the reason.
    pub(super) listed_groups: Vec<ListedGroups>,
    /// Network interfaces of private endpoints: (the endpoint's id, the addresses).
    pub(super) endpoint_nics: Vec<(String, Vec<IpAddr>)>,
    /// Private DNS zones that report their number of record sets: (where, how many).
    /// An open count is an `Err` with the reason.
    pub(super) zone_record_sets: Vec<(Provenance, Result<u64, String>)>,
    /// Endpoints deployed workspaces list as connected to them.
    pub(super) connected_endpoints: Vec<ConnectedEndpoint>,
    /// Whether the resources are as Azure reports them once deployed (a live export), not as
    /// a template asks for them: the states they report are then facts.
    pub(super) deployed: bool,
    /// Warnings met while mapping (references to resources the template does not deploy,
    /// values not understood).
    pub warnings: Vec<Diagnostic>,
    /// Registry asset versions read from a workspace, joined after references resolve.
    pub(super) shares: Vec<Pending>,
    /// Subscription and resource group segments that stand for a scope the input leaves
    /// open (the placeholders a template deployed to an unnamed resource group uses),
    /// lower-cased.
    pub(super) open_scope: Vec<String>,
    /// The input the resources come from, as messages name it.
    pub(super) input: super::Input,
}

impl MapContext {
    pub fn new() -> MapContext {
        MapContext::default()
    }

    /// Says that the resources mapped through this context are the whole input (a template),
    /// not part of one that its importer relates to the rest (a Terraform configuration's
    /// azapi resources). What only the whole input decides is then decided here: a firewall's
    /// address the input does not state is an assumption only where the input writes it as
    /// text, not where a route names the firewall by `reference()`; and a child subnet
    /// (security rule, route) of a VNet (NSG, route table) that writes its subnets (rules,
    /// routes) inline may not exist.
    pub fn whole_input(&mut self) {
        self.written_ips.get_or_insert_with(HashSet::new);
        self.inline_lists.get_or_insert_with(HashMap::new);
    }

    /// Says that the resources mapped through this context are sent to Azure by one
    /// deployment, in `order` as far as the template fixes it: a child PUT after its parent's
    /// holds, once the deployment is done, whatever the parent's PUT removed.
    pub(crate) fn deploy_order(&mut self, order: crate::engine::Order) {
        self.order = Some(order);
    }

    /// Says that the resources mapped through this context are as Azure reports them once
    /// deployed (a live export): a state only Azure sets (a manual private endpoint
    /// connection's approval) is read as they report it.
    pub fn deployed(&mut self) {
        self.deployed = true;
        self.input = super::Input::Live;
    }

    /// Says that the resources mapped through this context are the azapi resources of a
    /// Terraform configuration, so that messages name the configuration, not a template.
    pub fn terraform(&mut self) {
        self.input = super::Input::Terraform;
    }

    /// Notes the addresses `v` writes as text, when tracked.
    pub(super) fn note_written(&mut self, v: &Json) {
        if let Some(found) = &mut self.written_ips {
            written_ips(v, found);
        }
    }

    /// Says that ids written with `segment` as their subscription or resource group name a
    /// scope the input leaves open (a placeholder for the deployment's own).
    pub fn open_scope(&mut self, segment: &str) {
        self.open_scope.push(segment.to_ascii_lowercase());
    }

    /// Whether the subscription and resource group of ids `a` and `b` may be the same
    /// ([`crate::idmatch::same_scope_possible`], the placeholders counted as unknown).
    pub(super) fn same_scope_possible(&self, a: &str, b: &str) -> bool {
        let open = |s: &str| self.open_scope.contains(&s.to_ascii_lowercase());
        crate::idmatch::same_scope_possible(a, b, &open)
    }

    pub(super) fn register(&mut self, id: &str, kind: Kind, name: &str) {
        if !id.is_empty() {
            let key = canonical_id(id);
            if let std::collections::hash_map::Entry::Vacant(v) = self.ids.entry(key.clone()) {
                let tg = Target {
                    kind,
                    name: name.to_string(),
                };
                v.insert(tg.clone());
                self.shapes.push(key.clone(), key.clone());
                self.namesakes.push(key, tg);
            }
        }
        self.names
            .entry((kind, name.to_ascii_lowercase()))
            .or_insert_with(|| name.to_string());
    }

    /// Declares that id `id` now stands for `tg` (a zone renamed once several of its name are
    /// known).
    pub(super) fn redeclare(&mut self, id: &str, tg: Target) {
        let key = canonical_id(id);
        if self.ids.insert(key.clone(), tg.clone()).is_none() {
            self.shapes.push(key.clone(), key.clone());
        }
        self.namesakes.set(key, tg);
    }

    /// Whether `raw`, an id, names a resource the template declares (of any kind).
    pub(super) fn declares(&self, raw: &str) -> bool {
        let raw = raw.trim();
        raw.starts_with('/') && self.ids.contains_key(&canonical_id(raw))
    }

    /// The model name of the resource `raw` (an id, or a plain name) refers to.
    pub(super) fn resolve(&self, raw: &str, kinds: &[Kind]) -> Result<Target, String> {
        let raw = raw.trim();
        if raw.starts_with('/') {
            // An id with unknown parts names the one declared resource it may name.
            let found = self.ids.get(&canonical_id(raw)).or_else(|| {
                crate::idmatch::has_unknown(raw)
                    .then(|| self.shapes.unique(raw))
                    .flatten()
                    .and_then(|k| self.ids.get(k))
            });
            return match found {
                Some(t) if kinds.contains(&t.kind) => Ok(t.clone()),
                Some(t) => Err(format!(
                    "`{raw}` names a {}, not a {}",
                    t.kind.what(),
                    kinds[0].what()
                )),
                None => Err(format!("`{raw}` is not {}", self.input.deployed_by())),
            };
        }
        for k in kinds {
            if let Some(n) = self.names.get(&(*k, raw.to_ascii_lowercase())) {
                return Ok(Target {
                    kind: *k,
                    name: n.clone(),
                });
            }
        }
        Err(format!(
            "{} `{raw}` is not {}",
            kinds[0].what(),
            self.input.deployed_by()
        ))
    }
}

pub(super) fn flush(t: &mut Topology, ctx: &mut MapContext, rec: Rec) {
    t.unknowns.extend(rec.unknowns);
    ctx.warnings.extend(rec.warnings);
    ctx.firewall_uses.extend(rec.firewall_uses);
}

pub(super) fn unmodelled(t: &mut Topology, ctx: &mut MapContext, res: &ArmResource) {
    ctx.unmodelled_ids.insert(canonical_id(&res.id));
    t.unmodelled.push(Unmodelled {
        resource_type: res.rtype.clone(),
        name: res.name.clone(),
        at: res.at.clone(),
    });
}

/// Records that a resource cannot be placed in the model and is left out.
pub(super) fn drop_resource(
    t: &mut Topology,
    ctx: &mut MapContext,
    mut rec: Rec,
    res: &ArmResource,
    field: &str,
    why: &str,
) {
    rec.unknown(field, &format!("{why}; the resource is not imported"));
    rec.warnings.push(warning(
        "not-imported",
        format!("{} is not imported: {why}", rec.resource),
        &res.at,
        None,
    ));
    flush(t, ctx, rec);
}

/// Reports a reference the template makes to something it does not deploy.
pub(super) fn dangling(
    t: &mut Topology,
    ctx: &mut MapContext,
    resource: String,
    field: &str,
    reason: String,
    at: &Provenance,
    consequence: &str,
) {
    t.unknowns.push(Unknown {
        resource: resource.clone(),
        field: field.into(),
        reason: format!("{reason}; {consequence}"),
        at: at.clone(),
    });
    ctx.warnings.push(warning(
        "dangling-reference",
        format!("{resource}: {field}: {reason}"),
        at,
        Some(format!(
            "{consequence}; {} refers to a resource declared elsewhere, which the importer cannot check",
            ctx.input.referrer(at)
        )),
    ));
}

/// Resolves a required reference; `Err` carries the reason when it dangles.
pub(super) fn req(ctx: &MapContext, raw: &str, kinds: &[Kind]) -> Result<String, String> {
    ctx.resolve(raw, kinds).map(|t| t.name)
}

pub(super) fn opt(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Option<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    let Some(raw) = v.clone() else { return };
    match ctx.resolve(&raw, kinds) {
        Ok(tg) => *v = Some(tg.name),
        Err(e) => {
            *v = None;
            dangling(
                t,
                ctx,
                resource.to_string(),
                field,
                e,
                at,
                "read as not set",
            );
        }
    }
}

/// As [`opt`], for a reference to a resource that exists whether or not the template declares
/// it (a workspace's storage account, key vault, container registry, Application Insights: an
/// existing one given by its id, as modules take them). One the template does not declare is
/// kept by its name, as Terraform keeps it: an element whose settings are unknown, never read
/// as not set (a workspace without storage would have no storage flows to decide).
pub(super) fn opt_kept(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Option<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    let Some(raw) = v.clone() else { return };
    match ctx.resolve(&raw, kinds) {
        Ok(tg) => *v = Some(tg.name),
        // An id of a declared resource of another kind is the template's error: not kept.
        Err(e) if ctx.declares(&raw) => {
            *v = None;
            dangling(
                t,
                ctx,
                resource.to_string(),
                field,
                e,
                at,
                "read as not set",
            );
        }
        Err(e) => {
            let leaf = raw.trim().trim_end_matches('/');
            *v = Some(leaf.rsplit('/').next().unwrap_or(leaf).to_string());
            dangling(
                t,
                ctx,
                resource.to_string(),
                field,
                e,
                at,
                "kept by its name: its settings are unknown",
            );
        }
    }
}

/// A list of references resolved to names; an entry the template does not declare is left
/// out, with a warning that says so.
pub(super) fn list(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Vec<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    list_then(
        t,
        ctx,
        v,
        kinds,
        resource,
        field,
        at,
        "the entry is left out",
    );
}

/// As [`list`], where the caller does more than leave an undeclared entry out: `then` says
/// what, in the warning.
#[allow(clippy::too_many_arguments)]
pub(super) fn list_then(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Vec<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
    then: &str,
) {
    let raw = std::mem::take(v);
    for r in raw {
        match ctx.resolve(&r, kinds) {
            Ok(tg) => {
                if !v.contains(&tg.name) {
                    v.push(tg.name);
                }
            }
            Err(e) => dangling(t, ctx, resource.to_string(), field, e, at, then),
        }
    }
}

/// A compute's or cluster's subnet: absent is no VNet; one the template does not deploy is
/// external, never read as absent.
pub(super) fn opt_subnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Option<String>,
    resource: &str,
    at: &Provenance,
) {
    if let Some(raw) = v.take() {
        *v = Some(external::subnet(t, ctx, &raw, resource, at));
    }
}

/// The IPv4 addresses `v` writes as text, a bare address or a one-address prefix, into `found`.
fn written_ips(v: &Json, found: &mut HashSet<Ipv4Addr>) {
    match v {
        Json::String(s) => {
            let s = s.trim();
            // Most strings are not addresses: only those that may be are parsed.
            if s.len() <= 18 && s.starts_with(|c: char| c.is_ascii_digit()) {
                found.extend(s.strip_suffix("/32").unwrap_or(s).parse::<Ipv4Addr>().ok());
            }
        }
        Json::Array(a) => a.iter().for_each(|x| written_ips(x, found)),
        Json::Object(o) => o.values().for_each(|x| written_ips(x, found)),
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}
