//! Azure ML CLI v2 YAML: the workspace, registry, online endpoint and online deployment specs
//! `az ml <kind> create --file` takes.
//!
//! These files are written by hand and loosely: booleans as `'true'`, enum values in lower or
//! snake case (`allow_only_approved_outbound`), port lists as `"80, 8080"`, resources named by
//! ARM id. Fields moat does not model (display names, descriptions) are read and ignored;
//! references to resources the file does not contain are kept and listed as unknowns.

use moat_doc::de::{DeError, from_node_all};
use moat_doc::tree::Node;
use moat_doc::{Loaded, SourceFile};
use moat_model::address::Address;
use moat_model::enums::*;
use moat_model::ml::{
    ManagedNetwork, NetworkAcls, OnlineDeployment, OnlineEndpoint, OutboundDestination,
    OutboundRule, PrivateEndpointDestination, Registry, RegistryManagedResource, ServerlessCompute,
    ServiceTagDestination, Workspace,
};
use moat_model::values::{PortRange, comma_list};
use moat_model::{Diagnostic, Topology};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The kind of spec a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecKind {
    Workspace,
    Registry,
    OnlineEndpoint,
    OnlineDeployment,
}

/// The kind an Azure ML `$schema` names (`managedOnlineEndpoint` in
/// `.../managedOnlineEndpoint.schema.json`), when the file has one.
fn schema_kind(root: &Node) -> Option<String> {
    let schema = root.get("$schema").and_then(Node::text)?;
    if !schema.to_ascii_lowercase().contains("azureml") {
        return None;
    }
    let file = schema.rsplit('/').next().unwrap_or(schema);
    Some(file.split('.').next().unwrap_or(file).to_string())
}

/// Recognises an Azure ML CLI spec of a kind moat reads by its `$schema` or, failing that, by
/// its keys.
pub fn spec_kind(root: &Node) -> Option<SpecKind> {
    if let Some(kind) = schema_kind(root).map(|k| k.to_ascii_lowercase()) {
        // A feature store is a workspace of that kind (`az ml feature-store create`).
        return if kind.contains("workspace") || kind == "featurestore" {
            Some(SpecKind::Workspace)
        } else if kind == "registry" {
            Some(SpecKind::Registry)
        // The model's endpoints are managed ones; a Kubernetes online endpoint runs on an
        // attached cluster (`kubernetesOnlineEndpoint`) and is listed as not modelled.
        } else if kind == "managedonlinedeployment" {
            Some(SpecKind::OnlineDeployment)
        } else if kind == "managedonlineendpoint" {
            Some(SpecKind::OnlineEndpoint)
        } else {
            None
        };
    }
    let has = |k: &str| root.get(k).is_some();
    if has("replication_locations") {
        Some(SpecKind::Registry)
    } else if has("endpoint_name")
        && (has("model") || has("egress_public_network_access") || has("instance_type"))
    {
        Some(SpecKind::OnlineDeployment)
    } else if has("auth_mode") {
        Some(SpecKind::OnlineEndpoint)
    } else if has("managed_network")
        || has("hub_id")
        || has("image_build_compute")
        || has("hbi_workspace")
        || (has("public_network_access") && has("name"))
    {
        Some(SpecKind::Workspace)
    } else {
        None
    }
}

/// An Azure ML CLI spec of a kind moat does not read (a compute, a job, an environment, a batch
/// endpoint): its `$schema`'s kind.
pub fn other_spec(root: &Node) -> Option<String> {
    spec_kind(root)
        .is_none()
        .then(|| schema_kind(root))
        .flatten()
}

fn loose_map(v: &Option<BTreeMap<String, serde_json::Value>>) -> BTreeMap<String, String> {
    v.iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            )
        })
        .collect()
}

#[derive(Deserialize)]
struct MlWorkspace {
    /// Absent from a spec given with `--name` on the command line (an update file).
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    public_network_access: Option<PublicNetworkAccess>,
    #[serde(default)]
    image_build_compute: Option<String>,
    #[serde(default)]
    hbi_workspace: Option<bool>,
    #[serde(default)]
    storage_account: Option<String>,
    #[serde(default)]
    key_vault: Option<String>,
    #[serde(default)]
    container_registry: Option<String>,
    #[serde(default)]
    application_insights: Option<String>,
    #[serde(default)]
    managed_network: Option<MlManagedNetwork>,
    #[serde(default)]
    kind: Option<WorkspaceKind>,
    #[serde(default)]
    tags: Option<BTreeMap<String, serde_json::Value>>,
    /// The SDK v1 switch, written by configurations that carry it over.
    #[serde(default)]
    allow_public_access_when_behind_vnet: Option<bool>,
    #[serde(default)]
    identity: Option<MlIdentity>,
    #[serde(default)]
    primary_user_assigned_identity: Option<String>,
    #[serde(default)]
    serverless_compute: Option<MlServerless>,
    #[serde(default)]
    network_acls: Option<MlNetworkAcls>,
    /// A project's hub workspace, by ARM id (`kind: project`).
    #[serde(default)]
    hub_id: Option<String>,
}

/// YAML `network_acls` (the SDK's `NetworkAcls`): `default_action` and `ip_rules`, each rule
/// a map with its address or range under `value`.
#[derive(Deserialize)]
struct MlNetworkAcls {
    default_action: DefaultAction,
    #[serde(default)]
    ip_rules: Option<Vec<MlIpRule>>,
}

#[derive(Deserialize)]
struct MlIpRule {
    #[serde(deserialize_with = "host_or_prefix")]
    value: ipnet::IpNet,
}

/// An address (read as its host prefix, as Azure reads it) or a CIDR range.
fn host_or_prefix<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ipnet::IpNet, D::Error> {
    let s = String::deserialize(d)?;
    moat_model::values::parse_net(&s).map_err(serde::de::Error::custom)
}

/// YAML `serverless_compute`: `custom_subnet` (a subnet's ARM id) and `no_public_ip`.
#[derive(Deserialize)]
struct MlServerless {
    #[serde(default)]
    custom_subnet: Option<String>,
    #[serde(default)]
    no_public_ip: Option<bool>,
}

#[derive(Deserialize)]
struct MlIdentity {
    #[serde(rename = "type", default)]
    kind: Option<IdentityType>,
}

#[derive(Deserialize)]
struct MlManagedNetwork {
    #[serde(default)]
    isolation_mode: Option<IsolationMode>,
    #[serde(default)]
    outbound_rules: Vec<MlOutboundRule>,
    #[serde(default)]
    firewall_sku: Option<FirewallSku>,
}

#[derive(Deserialize)]
struct MlOutboundRule {
    name: String,
    #[serde(rename = "type")]
    kind: OutboundRuleType,
    destination: MlDestination,
    #[serde(default)]
    category: Option<OutboundRuleCategory>,
    #[serde(default)]
    status: Option<String>,
    #[serde(rename = "$at", default)]
    at: moat_model::Provenance,
}

/// A rule's destination: a host name (FQDN rule) or a map (private endpoint, service tag rule).
enum MlDestination {
    Fqdn(String),
    Map(MlDestinationMap),
}

// Chosen by the value's shape, then read from the document itself rather than from a buffered
// copy (what `#[serde(untagged)]` does): the loose readings of the document reader (`'true'`
// for a boolean, as `spark_enabled: 'true'` is written) hold inside the map, and an error in
// it points at the field at fault.
impl<'de> Deserialize<'de> for MlDestination {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = MlDestination;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a host name or a map of destination fields")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MlDestination, E> {
                Ok(MlDestination::Fqdn(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<MlDestination, A::Error> {
                MlDestinationMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(MlDestination::Map)
            }
        }
        d.deserialize_any(Shape)
    }
}

#[derive(Deserialize)]
struct MlDestinationMap {
    #[serde(default)]
    service_resource_id: Option<String>,
    #[serde(default)]
    subresource_target: Option<String>,
    #[serde(default)]
    spark_enabled: Option<bool>,
    #[serde(default)]
    service_tag: Option<String>,
    #[serde(default)]
    protocol: Option<FirewallProtocol>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    port_ranges: Vec<PortRange>,
}

#[derive(Deserialize)]
struct MlRegistry {
    name: String,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    public_network_access: Option<PublicNetworkAccess>,
    #[serde(default)]
    replication_locations: Vec<MlReplication>,
    #[serde(default)]
    tags: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct MlReplication {
    location: String,
}

#[derive(Deserialize)]
struct MlEndpoint {
    name: String,
    #[serde(default)]
    public_network_access: Option<PublicNetworkAccess>,
    #[serde(default)]
    auth_mode: Option<EndpointAuthMode>,
    #[serde(default)]
    tags: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct MlDeployment {
    name: String,
    endpoint_name: String,
    #[serde(default)]
    model: Option<serde_json::Value>,
    #[serde(default)]
    environment: Option<serde_json::Value>,
    #[serde(default)]
    egress_public_network_access: Option<PublicNetworkAccess>,
}

/// A setting's value unless it is written empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// An ARM id or a name, as the name moat uses.
fn name_of(reference: &str) -> String {
    match Address::from_arm_id(reference) {
        Some(Address::Resource { name, .. }) => name,
        _ => reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string(),
    }
}

fn asset_id(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(o)) => o
            .get("path")
            .or_else(|| o.get("name"))
            .and_then(|x| x.as_str())
            .map(str::to_string),
        _ => None,
    }
}

fn errors(e: Vec<DeError>, node: &Node, file: &SourceFile) -> Vec<Diagnostic> {
    e.into_iter()
        .map(|e| crate::native::to_diag(e, node, file))
        .collect()
}

/// Reads one Azure ML CLI spec into `t`. Returns what could not be read.
pub fn read(root: &Node, file: &SourceFile, t: &mut Topology) -> Result<(), Vec<Diagnostic>> {
    if let Some(kind) = other_spec(root) {
        // Read as what it is, not as a spec of another kind: listed, not modelled.
        t.unmodelled.push(moat_model::Unmodelled {
            resource_type: format!("Azure ML CLI spec ({kind}.schema.json)"),
            name: root
                .get("name")
                .and_then(Node::text)
                .unwrap_or_default()
                .to_string(),
            at: provenance(root, file),
        });
        return Ok(());
    }
    let Some(kind) = spec_kind(root) else {
        return Err(vec![
            Diagnostic::error(
                "unrecognised",
                "not an Azure ML CLI workspace, registry, endpoint or deployment spec",
                file.location(root.span),
            )
            .with_hint(Some(
                "give the file a $schema from azuremlschemas.azureedge.net, or use --input-format"
                    .into(),
            )),
        ]);
    };
    let pointer = "";
    match kind {
        SpecKind::Workspace => {
            let w: MlWorkspace =
                from_node_all(root, file, pointer).map_err(|e| errors(e, root, file))?;
            workspace(w, root, file, t)?;
        }
        SpecKind::Registry => {
            let r: MlRegistry =
                from_node_all(root, file, pointer).map_err(|e| errors(e, root, file))?;
            registry(r, provenance(root, file), t);
        }
        SpecKind::OnlineEndpoint => {
            let e: MlEndpoint =
                from_node_all(root, file, pointer).map_err(|e| errors(e, root, file))?;
            endpoint(e, provenance(root, file), t);
        }
        SpecKind::OnlineDeployment => {
            let d: MlDeployment =
                from_node_all(root, file, pointer).map_err(|e| errors(e, root, file))?;
            deployment(d, provenance(root, file), t);
        }
    }
    Ok(())
}

/// A workspace spec (or feature store): the workspace, with what the spec leaves open.
fn workspace(
    w: MlWorkspace,
    root: &Node,
    file: &SourceFile,
    t: &mut Topology,
) -> Result<(), Vec<Diagnostic>> {
    let at = provenance(root, file);
    let open = settings_left_open(&w);
    let name = match w.name {
        Some(n) => n,
        None => {
            let name = unnamed_workspace(t);
            t.unknowns.push(moat_model::Unknown {
                resource: format!("workspace/{name}"),
                field: "name".into(),
                reason: format!(
                    "the spec names no workspace (`az ml workspace update` and `az ml feature-store update` take it with --name); imported as `{name}`"
                ),
                at: at.clone(),
            });
            name
        }
    };
    let mut errs = Vec::new();
    let managed_network = match w.managed_network {
        None => ManagedNetwork::default(),
        Some(m) => ManagedNetwork {
            // The SDK's ManagedNetwork defaults its mode to disabled, and create and
            // update both send it.
            isolation_mode: m.isolation_mode.unwrap_or(IsolationMode::Disabled),
            firewall_sku: m.firewall_sku,
            provisioned: None,
            outbound_rules: m
                .outbound_rules
                .into_iter()
                .filter_map(|r| outbound_rule(r, &name, t, &mut errs))
                .collect(),
        },
    };
    let public_network_access = match moat_model::ml::public_access_of(
        w.public_network_access,
        w.allow_public_access_when_behind_vnet,
    ) {
        Some(v) => v,
        None => {
            t.unknowns.push(moat_model::Unknown {
                resource: format!("workspace/{name}"),
                field: "public_network_access".into(),
                reason: moat_model::ml::PUBLIC_ACCESS_CONFLICT.into(),
                at: at.clone(),
            });
            // A workspace that may be public is never shown as private.
            PublicNetworkAccess::Enabled
        }
    };
    t.workspaces.push(Workspace {
        name: name.clone(),
        region: w.location.filter(|l| !is_placeholder(l)),
        kind: w.kind.or_else(|| {
            schema_kind(root)
                .is_some_and(|k| k.eq_ignore_ascii_case("featureStore"))
                .then_some(WorkspaceKind::FeatureStore)
        }),
        workspace_id: None,
        // The CLI's YAML reference documents `disabled` as the default, but a workspace
        // created without private link is public in practice (facts C11).
        public_network_access,
        network_acls: w.network_acls.map(|a| NetworkAcls {
            default_action: a.default_action,
            ip_rules: a.ip_rules.into_iter().flatten().map(|r| r.value).collect(),
        }),
        allow_public_access_when_behind_vnet: w.allow_public_access_when_behind_vnet,
        identity: w.identity.and_then(|i| i.kind),
        primary_user_assigned_identity: w.primary_user_assigned_identity,
        // Not read from this format: a fix that needs the list is left in words.
        user_assigned_identities: Vec::new(),
        hbi_workspace: w.hbi_workspace.unwrap_or(false),
        // `''` names none: image builds revert to serverless compute (facts, "Image
        // build compute"), and an update erases the dependency it is written for.
        image_build_compute: w.image_build_compute.filter(|c| !c.is_empty()),
        storage_account: given(&w.storage_account).map(name_of),
        key_vault: given(&w.key_vault).map(name_of),
        container_registry: given(&w.container_registry).map(name_of),
        application_insights: given(&w.application_insights).map(name_of),
        managed_network,
        serverless_compute: w.serverless_compute.map(|s| ServerlessCompute {
            subnet: s.custom_subnet.filter(|id| !id.is_empty()).map(|id| {
                match moat_model::external::subnet_of_id(&id) {
                    Some((vnet, subnet)) => format!("{vnet}/{subnet}"),
                    None => id,
                }
            }),
            no_public_ip: s.no_public_ip.unwrap_or(false),
        }),
        container_registry_connections: Vec::new(),
        hub: w.hub_id.as_deref().map(name_of),
        v1_legacy_mode: false,
        uses_registries: Vec::new(),
        exfiltration_protection: false,
        shares_to: Vec::new(),
        tags: loose_map(&w.tags),
        at: at.clone(),
    });
    if !errs.is_empty() {
        return Err(errs);
    }
    let resource = format!("workspace/{name}");
    for (field, reason) in open {
        t.unknowns.push(moat_model::Unknown {
            resource: resource.clone(),
            field: field.into(),
            reason,
            at: at.clone(),
        });
    }
    Ok(())
}

/// A registry spec: the registry, its placeholder locations left open.
fn registry(r: MlRegistry, at: moat_model::Provenance, t: &mut Topology) {
    let resource = format!("registry/{}", r.name);
    let mut regions = Vec::new();
    for l in r.replication_locations {
        if is_placeholder(&l.location) {
            t.unknowns.push(moat_model::Unknown {
                resource: resource.clone(),
                field: "regions".into(),
                reason: format!(
                    "a replication location, `{}`, is a placeholder to fill in",
                    l.location
                ),
                at: at.clone(),
            });
        } else {
            regions.push(l.location);
        }
    }
    let region = match r.location {
        Some(l) if !is_placeholder(&l) => Some(l),
        other => {
            t.unknowns.push(moat_model::Unknown {
                resource,
                field: "region".into(),
                reason: match other {
                    Some(l) => {
                        format!("the spec's location `{l}` is a placeholder to fill in")
                    }
                    None => "the spec names no location".into(),
                },
                at: at.clone(),
            });
            None
        }
    };
    // The registry YAML has no field for private endpoints (name, tags, location,
    // replication_locations, public_network_access): they are made apart from the registry,
    // as a workspace's are, so which ones it has is open.
    t.unknowns.push(moat_model::Unknown {
        resource: format!("registry/{}", r.name),
        field: "private_endpoints".into(),
        reason: PRIVATE_ENDPOINTS_APART_REGISTRY.into(),
        at: at.clone(),
    });
    t.registries.push(Registry {
        name: r.name,
        region,
        regions,
        registry_id: None,
        // "public_network_access ... Default value: enabled" (registry YAML reference).
        public_network_access: r
            .public_network_access
            .unwrap_or(PublicNetworkAccess::Enabled),
        storage: RegistryManagedResource::default(),
        acr: RegistryManagedResource::default(),
        managed_resource_group: None,
        tags: loose_map(&r.tags),
        at,
    });
}

/// Why an endpoint known only from a deployment spec has settings moat cannot read: its own
/// spec (`az ml online-endpoint create --file`) is not in the input.
const ENDPOINT_SPEC_MISSING: &str =
    "the input holds a deployment spec of the endpoint, not the endpoint's own spec";

/// The fields of an endpoint that only its own spec sets.
const ENDPOINT_FIELDS: [&str; 2] = ["public_network_access", "auth_mode"];

/// An endpoint spec: a new endpoint, or the one its deployments' specs stood for.
fn endpoint(e: MlEndpoint, at: moat_model::Provenance, t: &mut Topology) {
    // Online endpoint YAML reference: `auth_mode` defaults to `key`, `public_network_access`
    // to `enabled`.
    let public_network_access = e
        .public_network_access
        .unwrap_or(PublicNetworkAccess::Enabled);
    let auth_mode = e.auth_mode.unwrap_or(EndpointAuthMode::Key);
    let resource = format!("online-endpoint/{}", e.name);
    let stood_for = |u: &moat_model::Unknown| {
        u.resource.eq_ignore_ascii_case(&resource) && u.reason == ENDPOINT_SPEC_MISSING
    };
    if t.unknowns.iter().any(stood_for)
        && let Some(x) = t
            .online_endpoints
            .iter_mut()
            .find(|x| x.name.eq_ignore_ascii_case(&e.name))
    {
        t.unknowns.retain(|u| !stood_for(u));
        x.public_network_access = public_network_access;
        x.auth_mode = auth_mode;
        x.tags = loose_map(&e.tags);
        x.at = at;
        return;
    }
    t.online_endpoints.push(OnlineEndpoint {
        name: e.name,
        workspace: String::new(),
        region: None,
        public_network_access,
        auth_mode,
        deployments: Vec::new(),
        tags: loose_map(&e.tags),
        at,
    });
}

/// A deployment spec: a deployment of the endpoint it names, which stands, until its own spec
/// is read, with the settings only that spec gives unknown.
fn deployment(d: MlDeployment, at: moat_model::Provenance, t: &mut Topology) {
    let dep = OnlineDeployment {
        name: d.name,
        egress_public_network_access: d
            .egress_public_network_access
            .unwrap_or(PublicNetworkAccess::Enabled),
        model: asset_id(&d.model),
        environment: asset_id(&d.environment),
        at: at.clone(),
    };
    if let Some(e) = t
        .online_endpoints
        .iter_mut()
        .find(|e| e.name.eq_ignore_ascii_case(&d.endpoint_name))
    {
        e.deployments.push(dep);
        return;
    }
    for field in ENDPOINT_FIELDS {
        t.unknowns.push(moat_model::Unknown {
            resource: format!("online-endpoint/{}", d.endpoint_name),
            field: field.into(),
            reason: ENDPOINT_SPEC_MISSING.into(),
            at: at.clone(),
        });
    }
    t.online_endpoints.push(OnlineEndpoint {
        name: d.endpoint_name,
        workspace: String::new(),
        region: None,
        // A placeholder that may be public is never shown as private.
        public_network_access: PublicNetworkAccess::Enabled,
        auth_mode: EndpointAuthMode::Key,
        deployments: vec![dep],
        tags: BTreeMap::new(),
        at,
    });
}

/// A value written as a placeholder for the reader to fill in (`<LOCATION>`), as the samples
/// write them: it names nothing yet.
fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    v.len() > 2 && v.starts_with('<') && v.ends_with('>')
}

/// Why a workspace spec that may be for `az ml workspace update` leaves a setting it does not
/// name open, and what settles it: a create spec names its location (or another setting only
/// a create takes).
const UPDATE_SPEC: &str = "the spec may be for `az ml workspace update`, which keeps what the spec does not set; add `location` to mark it as a create spec";

/// Why a workspace spec leaves its private endpoints open.
const PRIVATE_ENDPOINTS_APART: &str = "a workspace spec does not declare private endpoints: `az network private-endpoint create` makes them apart from the workspace";

/// Why a registry spec leaves its private endpoints open.
const PRIVATE_ENDPOINTS_APART_REGISTRY: &str = "a registry spec does not declare private endpoints: `az network private-endpoint create` makes them apart from the registry";

/// The settings of a workspace spec that the spec does not determine, each with why.
///
/// The region: "If omitted, defaults to the resource group location" (workspace YAML
/// reference), which the file does not give.
///
/// The rest only for a spec that may be an update. `az ml workspace update --file` sends the
/// settings the file names and leaves the others as the workspace has them (the update request,
/// REST "Workspaces - Update", is a PATCH); the docs' update sample is a spec of a name and a
/// `managed_network` alone. The update request carries no location, hbi_workspace,
/// storage_account or key_vault, settings fixed at creation: a spec naming one of them is
/// written for `az ml workspace create`, where what it leaves out takes the create defaults.
fn settings_left_open(w: &MlWorkspace) -> Vec<(&'static str, String)> {
    let mut open = Vec::new();
    match w.location.as_deref() {
        None => open.push((
            "region",
            "the spec names no location; the workspace takes its resource group's".to_string(),
        )),
        Some(l) if is_placeholder(l) => open.push((
            "region",
            format!("the spec's location `{l}` is a placeholder to fill in"),
        )),
        Some(_) => {}
    }
    // A spec has no field for private endpoints, create or update: they are made apart from
    // the workspace (Configure a private endpoint, CLI: "After creating the workspace, use the
    // Azure networking CLI commands to create a private link endpoint for the workspace").
    open.push(("private_endpoints", PRIVATE_ENDPOINTS_APART.to_string()));
    let create_only = w.location.is_some()
        || w.hbi_workspace.is_some()
        || w.storage_account.is_some()
        || w.key_vault.is_some();
    if create_only {
        return open;
    }
    // Each such setting's need names it already: the reason says why, and how to settle it.
    let mut fields = Vec::new();
    if w.public_network_access.is_none() && w.allow_public_access_when_behind_vnet.is_none() {
        fields.push("public_network_access");
    }
    fields.push(match &w.managed_network {
        None => "managed_network",
        // The rules an update names are set on the workspace; those it does not name are
        // the workspace's own (`az ml workspace outbound-rule remove` removes one).
        Some(_) => "managed_network.outbound_rules",
    });
    for (field, set) in [
        ("image_build_compute", w.image_build_compute.is_some()),
        ("container_registry", w.container_registry.is_some()),
        ("identity", w.identity.is_some()),
        ("serverless_compute", w.serverless_compute.is_some()),
        ("network_acls", w.network_acls.is_some()),
        ("hbi_workspace", false),
        ("v1_legacy_mode", false),
    ] {
        if !set {
            fields.push(field);
        }
    }
    open.extend(fields.into_iter().map(|f| (f, UPDATE_SPEC.to_string())));
    open
}

/// One outbound rule of a workspace spec. A rule whose destination leaves the resource, the
/// sub-resource or the service tag unset is left out and the workspace's rule list recorded
/// as open, as the other importers do: what it allows is not determined by the file, and an
/// empty target would be a resource of its own.
fn outbound_rule(
    r: MlOutboundRule,
    workspace: &str,
    t: &mut Topology,
    errs: &mut Vec<Diagnostic>,
) -> Option<OutboundRule> {
    let open = |t: &mut Topology, what: &str| {
        t.unknowns.push(moat_model::Unknown {
            resource: format!("workspace/{workspace}"),
            field: format!("managed_network.outbound_rules.{}", r.name),
            reason: format!(
                "outbound rule `{}` names no {what}; the rule is not imported",
                r.name
            ),
            at: r.at.clone(),
        });
        None
    };
    let destination = match (r.kind, r.destination) {
        // A host name under another type is reported by the model's validation.
        (_, MlDestination::Fqdn(f)) => OutboundDestination::Fqdn(f),
        (OutboundRuleType::Fqdn, MlDestination::Map(_)) => {
            let at = &r.at;
            errs.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "outbound rule `{}` of type fqdn has a map as its destination",
                        r.name
                    ),
                    moat_model::Location {
                        file: at.file.clone(),
                        line: at.line,
                        column: at.column,
                        offset: at.offset,
                        len: at.len,
                    },
                )
                .with_hint(Some(
                    "an fqdn rule's destination is a host name, as in `destination: pypi.org`"
                        .into(),
                )),
            );
            return None;
        }
        (OutboundRuleType::ServiceTag, MlDestination::Map(d)) => {
            let Some(service_tag) = d.service_tag else {
                return open(t, "service tag (`destination.service_tag`)");
            };
            OutboundDestination::ServiceTag(ServiceTagDestination::read(
                service_tag,
                d.protocol,
                d.port_ranges,
                Vec::new(),
            ))
        }
        (_, MlDestination::Map(d)) => {
            let Some(service_resource) = d.service_resource_id else {
                return open(t, "target resource (`destination.service_resource_id`)");
            };
            let Some(subresource_target) = d.subresource_target else {
                return open(t, "sub-resource (`destination.subresource_target`)");
            };
            let target = Address::from_arm_id(&service_resource);
            // A sample's `.../storageAccounts/<STORAGE_ACCOUNT_NAME>`: a resource of that kind,
            // not yet named; recorded as the open target the model's choices try in turn.
            if let Some(Address::Resource { name, .. }) = &target
                && is_placeholder(name)
            {
                t.unknowns.push(moat_model::Unknown {
                    resource: format!("workspace/{workspace}"),
                    field: format!("managed_network/outbound_rules/{}", r.name),
                    reason: format!("the target's name, `{name}`, is a placeholder to fill in"),
                    at: r.at.clone(),
                });
            }
            OutboundDestination::PrivateEndpoint(PrivateEndpointDestination {
                // The target as the model names it (`storage/lake`), as the other importers
                // write it: the id of a kind the model has links to that resource.
                service_resource: target.map(|a| a.to_string()).unwrap_or(service_resource),
                subresource_target,
                // The CLI's and SDK's default for the flag.
                spark_enabled: d.spark_enabled.unwrap_or(false),
            })
        }
    };
    Some(OutboundRule {
        destination,
        name: r.name,
        kind: r.kind,
        category: r.category,
        active: !r.status.is_some_and(|s| s.eq_ignore_ascii_case("inactive")),
        at: r.at,
    })
}

/// A placeholder name for a workspace whose spec names none, distinct from the names taken.
fn unnamed_workspace(t: &Topology) -> String {
    let taken = |n: &str| t.workspaces.iter().any(|w| w.name.eq_ignore_ascii_case(n));
    let mut name = "unresolved-workspace".to_string();
    let mut i = 2;
    while taken(&name) {
        name = format!("unresolved-workspace-{i}");
        i += 1;
    }
    name
}

fn provenance(root: &Node, file: &SourceFile) -> moat_model::Provenance {
    let (line, column) = file.line_col(root.span.offset);
    moat_model::Provenance {
        file: file.name.clone(),
        line,
        column,
        pointer: String::new(),
        offset: root.span.offset,
        len: root.span.len,
    }
}

/// Turns the parts a set of specs leaves open into unknowns and warnings: references to
/// resources the files do not contain, endpoints whose workspace is given on the command line.
pub fn settle(t: &mut Topology, loaded_warnings: &mut Vec<Diagnostic>) {
    let ws_name = (t.workspaces.len() == 1).then(|| t.workspaces[0].name.clone());
    for e in &mut t.online_endpoints {
        if e.workspace.is_empty() {
            match &ws_name {
                Some(w) => e.workspace = w.clone(),
                None => t.unknowns.push(moat_model::Unknown {
                    resource: format!("online-endpoint/{}", e.name),
                    field: "workspace".into(),
                    reason: "the endpoint spec names no workspace (az ml passes it with --workspace-name)".into(),
                    at: e.at.clone(),
                }),
            }
        }
    }
    let _ = loaded_warnings;
}

/// Loads one or more spec files.
pub fn load(
    files: &[std::path::PathBuf],
    limits: moat_doc::Limits,
) -> Result<Loaded, moat_doc::LoadError> {
    let sources = files
        .iter()
        .map(|f| moat_doc::read_source(f, limits))
        .collect::<Result<Vec<_>, _>>()?;
    load_sources(sources, limits)
}

/// Reads spec files already in memory, as [`load`] reads them from disk.
pub fn load_sources(
    files: Vec<SourceFile>,
    limits: moat_doc::Limits,
) -> Result<Loaded, moat_doc::LoadError> {
    let mut sources = Vec::new();
    let mut trees = Vec::new();
    let mut diagnostics = Vec::new();
    let mut t = Topology::default();
    for src in files {
        match moat_doc::tree::parse(&src, limits) {
            Ok(root) => {
                if let Err(mut d) = read(&root, &src, &mut t) {
                    diagnostics.append(&mut d);
                }
                trees.push(root);
            }
            Err(d) => {
                diagnostics.push(d);
                trees.push(Node {
                    value: moat_doc::tree::Value::Seq(vec![]),
                    span: Default::default(),
                });
            }
        }
        sources.push(src);
    }
    if !diagnostics.is_empty() {
        return Err(moat_doc::LoadError {
            diagnostics,
            sources,
        });
    }
    let mut warnings = Vec::new();
    settle(&mut t, &mut warnings);
    moat_model::scope::qualify_computes(&mut t);
    let (errors, warns) = crate::split_problems(&t, &sources, &trees);
    if !errors.is_empty() {
        return Err(moat_doc::LoadError {
            diagnostics: errors,
            sources,
        });
    }
    warnings.extend(warns);
    let problems = moat_model::finalize::finalize(&mut t);
    warnings.extend(
        problems
            .iter()
            .map(|p| moat_doc::locate(p, &sources, &trees)),
    );
    Ok(Loaded {
        topology: t,
        format: "azureml",
        sources,
        warnings,
    })
}
