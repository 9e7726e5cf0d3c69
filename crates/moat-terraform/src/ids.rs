//! ARM resource ids: synthesised for the resources a configuration declares (so that
//! `azurerm_subnet.x.id` names the subnet by identity), and parsed back into the model's names.
//!
//! A synthesised id has the shape Azure gives it:
//! `/subscriptions/<unknown>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>`.
//! The subscription is never known from the configuration, and an unknown resource group reads
//! `<unknown>` too; neither is used to link resources. An unknown name is replaced by the
//! resource's Terraform address, which is also the name the model gives the resource, so links
//! hold even then: a reference to such a name (`virtual_network_name =
//! azurerm_virtual_network.hub.name`) reads as that address too. An id written with unknown
//! parts (a template over the client configuration's subscription) is matched to the declared
//! resource its known parts name, by `moat_arm::idmatch`.

use crate::config::Mode;
use crate::value::{ResObj, Value};
use std::rc::Rc;

/// How a resource type's id is built.
enum Shape {
    /// A resource in a resource group: the ARM type.
    Top(&'static str),
    /// A child named through an attribute holding the parent's name: parent ARM type, the
    /// attribute, and the child segment.
    ChildOfName(&'static str, &'static str, &'static str),
    /// A child of the resource whose id an attribute holds: the attribute and the child segment.
    ChildOfId(&'static str, &'static str),
    /// The id of another resource, as association resources have.
    SameAs(&'static str),
    /// Two ids joined by `|`, as some association resources have.
    Pair(&'static str, &'static str),
}

/// How the id of an azurerm resource type is built: a child's, an association's, or (from
/// the one table of types, `moat_arm::types`) that of a resource of its Azure type in a
/// resource group.
fn shape(rtype: &str) -> Option<Shape> {
    use Shape::*;
    Some(match rtype {
        "azurerm_subnet" => ChildOfName(
            "Microsoft.Network/virtualNetworks",
            "virtual_network_name",
            "subnets",
        ),
        "azurerm_network_security_rule" => ChildOfName(
            "Microsoft.Network/networkSecurityGroups",
            "network_security_group_name",
            "securityRules",
        ),
        "azurerm_route" => ChildOfName(
            "Microsoft.Network/routeTables",
            "route_table_name",
            "routes",
        ),
        "azurerm_virtual_network_peering" => ChildOfName(
            "Microsoft.Network/virtualNetworks",
            "virtual_network_name",
            "virtualNetworkPeerings",
        ),
        "azurerm_private_dns_zone_virtual_network_link" => ChildOfName(
            "Microsoft.Network/privateDnsZones",
            "private_dns_zone_name",
            "virtualNetworkLinks",
        ),
        "azurerm_private_dns_a_record" => {
            ChildOfName("Microsoft.Network/privateDnsZones", "zone_name", "A")
        }
        "azurerm_private_dns_aaaa_record" => {
            ChildOfName("Microsoft.Network/privateDnsZones", "zone_name", "AAAA")
        }
        "azurerm_private_dns_cname_record" => {
            ChildOfName("Microsoft.Network/privateDnsZones", "zone_name", "CNAME")
        }
        "azurerm_firewall_network_rule_collection" => ChildOfName(
            "Microsoft.Network/azureFirewalls",
            "azure_firewall_name",
            "networkRuleCollections",
        ),
        "azurerm_firewall_application_rule_collection" => ChildOfName(
            "Microsoft.Network/azureFirewalls",
            "azure_firewall_name",
            "applicationRuleCollections",
        ),
        "azurerm_monitor_private_link_scoped_service" => ChildOfName(
            "Microsoft.Insights/privateLinkScopes",
            "scope_name",
            "scopedResources",
        ),
        "azurerm_machine_learning_compute_cluster"
        | "azurerm_machine_learning_compute_instance"
        | "azurerm_machine_learning_inference_cluster" => {
            ChildOfId("machine_learning_workspace_id", "computes")
        }
        "azurerm_machine_learning_workspace_network_outbound_rule_fqdn"
        | "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"
        | "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" => {
            ChildOfId("workspace_id", "outboundRules")
        }
        "azurerm_firewall_policy_rule_collection_group" => {
            ChildOfId("firewall_policy_id", "ruleCollectionGroups")
        }
        "azurerm_private_dns_resolver_inbound_endpoint" => {
            ChildOfId("private_dns_resolver_id", "inboundEndpoints")
        }
        "azurerm_private_dns_resolver_outbound_endpoint" => {
            ChildOfId("private_dns_resolver_id", "outboundEndpoints")
        }
        "azurerm_private_dns_resolver_forwarding_rule" => {
            ChildOfId("dns_forwarding_ruleset_id", "forwardingRules")
        }
        "azurerm_private_dns_resolver_virtual_network_link" => {
            ChildOfId("dns_forwarding_ruleset_id", "virtualNetworkLinks")
        }
        "azurerm_subnet_network_security_group_association"
        | "azurerm_subnet_route_table_association"
        | "azurerm_subnet_nat_gateway_association" => SameAs("subnet_id"),
        "azurerm_storage_account_network_rules" => SameAs("storage_account_id"),
        "azurerm_nat_gateway_public_ip_association" => {
            Pair("nat_gateway_id", "public_ip_address_id")
        }
        "azurerm_network_interface_security_group_association" => {
            Pair("network_interface_id", "network_security_group_id")
        }
        "azurerm_network_interface_application_security_group_association" => {
            Pair("network_interface_id", "application_security_group_id")
        }
        _ => return moat_arm::types::of_azurerm(rtype).map(|t| Top(t.azure)),
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::to_tf_string)
}

/// The model name of a resource: its `name`, or its Terraform address when the name is unknown.
pub fn name_or_addr(obj: &ResObj) -> String {
    text(obj.attrs.get("name")).unwrap_or_else(|| fallback_name(&obj.addr))
}

/// A name made of a Terraform address (`/` is not allowed in model names).
pub fn fallback_name(addr: &str) -> String {
    addr.replace('/', "_")
}

/// The resource group segment of a synthesised id. An unknown group reads as the unknown
/// value it is (its marker, `⟨…⟩`, or its known text around markers): two resources given one
/// variable are in one group, and two given different unknown values have different ids, so
/// neither is taken for the other (see `moat_arm::group_names`).
fn rg_segment(obj: &ResObj) -> String {
    let v = obj.attrs.get("resource_group_name");
    text(v)
        .or_else(|| name_ref(v))
        .or_else(|| match v {
            Some(Value::Unknown(u)) => Some(u.marker()).filter(|m| !m.contains('/')),
            _ => None,
        })
        .unwrap_or_else(|| "<unknown>".into())
}

/// The id of an instance, when the provider would report one the configuration determines.
pub fn synth(rtype: &str, obj: &ResObj) -> Option<Value> {
    let name = name_or_addr(obj);
    let unknown = |why: &str| {
        Some(Value::unknown(
            format!("the id of `{}` is unknown: {why}", obj.addr),
            &obj.loc,
        ))
    };
    let attr = |k: &str| obj.attrs.get(k);
    let id = match rtype {
        "azurerm_resource_group" => format!("/subscriptions/<unknown>/resourceGroups/{name}"),
        "azapi_resource" => return azapi_id(obj),
        _ => match shape(rtype)? {
            Shape::Top(t) => format!(
                "/subscriptions/<unknown>/resourceGroups/{}/providers/{t}/{name}",
                rg_segment(obj)
            ),
            Shape::ChildOfName(pt, pattr, seg) => {
                match text(attr(pattr)).or_else(|| name_ref(attr(pattr))) {
                    Some(p) => format!(
                        "/subscriptions/<unknown>/resourceGroups/{}/providers/{pt}/{p}/{seg}/{name}",
                        rg_segment(obj)
                    ),
                    None => return unknown(&format!("`{pattr}` is unknown")),
                }
            }
            Shape::ChildOfId(pattr, seg) => match attr(pattr) {
                Some(Value::String(p)) => format!("{p}/{seg}/{name}"),
                Some(Value::Unknown(_)) | None => return unknown(&format!("`{pattr}` is unknown")),
                Some(_) => return None,
            },
            Shape::SameAs(a) => return attr(a).cloned(),
            Shape::Pair(a, b) => match (attr(a), attr(b)) {
                (Some(Value::String(x)), Some(Value::String(y))) => format!("{x}|{y}"),
                _ => return unknown("a linked id is unknown"),
            },
        },
    };
    Some(Value::String(id))
}

/// The model name a reference to a resource's unknown `name` stands for: the resource's
/// address, as the model names it.
pub fn name_ref(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Unknown(u)) => match &u.origin {
            Some((addr, a)) if a == "name" => Some(fallback_name(addr)),
            _ => None,
        },
        _ => None,
    }
}

/// An id with unknown parts as an identity: an unknown subscription reads `<unknown>` (it
/// links nothing), a resource group keeps its unknown parts marked (as a declared resource's
/// synthesised id writes them: see `rg_segment`), a part that is a resource's unknown name
/// reads as its model name; `None` when another part of the resource's path is unknown.
pub fn identity_of(partial: &str) -> Option<String> {
    let segs: Vec<&str> = partial.trim_end_matches('/').split('/').collect();
    let p = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"));
    let mut out = Vec::with_capacity(segs.len());
    for (i, s) in segs.iter().enumerate() {
        if !s.contains('⟨') {
            out.push(s.to_string());
        } else if let Some(n) = s.strip_prefix("⟨=").and_then(|x| x.strip_suffix('⟩'))
            && !n.contains('⟨')
        {
            out.push(n.to_string());
        } else if p.is_none_or(|p| i < p) && i > 0 && i % 2 == 0 {
            // `/subscriptions/<s>/resourceGroups/<rg>`: a scope segment.
            if segs[i - 1].eq_ignore_ascii_case("resourceGroups") {
                out.push(s.to_string());
            } else {
                out.push("<unknown>".into());
            }
        } else {
            return None;
        }
    }
    Some(out.join("/"))
}

/// The id of an `azapi_resource`: its parent's id and its ARM type.
fn azapi_id(obj: &ResObj) -> Option<Value> {
    let name = name_or_addr(obj);
    let ty = text(obj.attrs.get("type"))?;
    let rtype = ty.split('@').next().unwrap_or(&ty).to_string();
    let mut segs = rtype.split('/');
    let ns = segs.next().unwrap_or("");
    let types: Vec<&str> = segs.collect();
    let last = types.last()?;
    let parent = match obj.attrs.get("parent_id") {
        Some(Value::String(p)) => p.trim_end_matches('/').to_string(),
        other => {
            let partial = match other {
                Some(Value::Unknown(u)) => u.partial.as_deref().and_then(identity_of),
                _ => None,
            };
            match partial {
                Some(p) => p,
                // A resource of a resource group keeps its identity (type and name) whatever
                // group and subscription it is deployed to; the group is the unknown value
                // the parent is (one value, one group).
                None if types.len() == 1 && !ns.eq_ignore_ascii_case("Microsoft.Resources") => {
                    let rg = match other {
                        Some(Value::Unknown(u)) => Some(u.marker()).filter(|m| !m.contains('/')),
                        _ => None,
                    };
                    format!(
                        "/subscriptions/<unknown>/resourceGroups/{}",
                        rg.as_deref().unwrap_or("<unknown>")
                    )
                }
                None => {
                    return Some(Value::unknown(
                        format!(
                            "the id of `{}` is unknown: its parent_id is unknown",
                            obj.addr
                        ),
                        &obj.loc,
                    ));
                }
            }
        }
    };
    // A child type (`workspaces/outboundRules`) continues its parent's id; a top-level type
    // starts a provider segment under a resource group or subscription.
    let id = if types.len() > 1 && parse(&parent).is_some_and(|p| p.types.len() + 1 == types.len())
    {
        format!("{parent}/{last}/{name}")
    } else {
        format!("{parent}/providers/{ns}/{}/{name}", types.join("/"))
    };
    Some(Value::String(id))
}

/// Adds what the provider computes and the configuration determines: the `id`, and the ids of
/// a virtual network's inline subnets.
pub fn add_computed(rtype: &str, mode: Mode, obj: &mut ResObj) {
    // A VNet data source named by an unknown value is named as a subnet data source given the
    // same value names its VNet (see `open_name`), so both read one VNet.
    if mode == Mode::Data
        && rtype == "azurerm_virtual_network"
        && !obj.attrs.contains_key("id")
        && let Some(Value::Unknown(u)) = obj.attrs.get("name")
    {
        let mut named = obj.clone();
        named
            .attrs
            .insert("name".into(), Value::String(open_name(u)));
        if let Some(id) = synth(rtype, &named) {
            obj.attrs.insert("id".into(), id);
        }
    }
    if !obj.attrs.contains_key("id")
        && let Some(id) = synth(rtype, obj)
    {
        // A data source's id it cannot know still says which data source it is: the mapper
        // reads the arguments it was given (a subnet's VNet name) from there.
        let id = match id {
            Value::Unknown(u) if mode == Mode::Data && u.origin.is_none() => {
                Value::Unknown(Rc::new(crate::value::Unk {
                    origin: Some((obj.addr.clone(), "id".into())),
                    ..(*u).clone()
                }))
            }
            other => other,
        };
        obj.attrs.insert("id".into(), id);
    }
    if rtype == "azurerm_virtual_network" {
        let Some(Value::String(vnet_id)) = obj.attrs.get("id").cloned() else {
            return;
        };
        if let Some(Value::List(subnets)) = obj.attrs.get("subnet").cloned() {
            let with_ids: Vec<Value> = subnets
                .iter()
                .map(|s| match s {
                    Value::Res(r) if !r.attrs.contains_key("id") => match text(r.attrs.get("name"))
                    {
                        Some(n) => {
                            let mut r2 = (**r).clone();
                            r2.attrs.insert(
                                "id".into(),
                                Value::String(format!("{vnet_id}/subnets/{n}")),
                            );
                            Value::Res(Rc::new(r2))
                        }
                        None => s.clone(),
                    },
                    other => other.clone(),
                })
                .collect();
            obj.attrs.insert("subnet".into(), Value::list(with_ids));
        }
    }
}

/// The name an existing resource read by a data source goes by when the value naming it is
/// unknown: its known text with unknown parts marked, or the placeholder of the reference
/// (`variable `vnet` has no value` → `<vnet>`), which the same value always gives.
pub fn open_name(u: &crate::value::Unk) -> String {
    match &u.partial {
        Some(p) => p.to_string(),
        None => moat_model::external::placeholder(&u.reason),
    }
}

/// What the user says of where the configuration is applied: the subscription the client
/// configuration reads (and declared ids carry), the resource group and region a resource group
/// data source reads when the configuration leaves them open.
pub fn apply_target(rtype: &str, mode: Mode, target: &moat_arm::Target, obj: &mut ResObj) {
    let set = |obj: &mut ResObj, k: &str, v: &Option<String>| {
        let open = matches!(
            obj.attrs.get(k),
            None | Some(Value::Unknown(_) | Value::Null)
        );
        if let (true, Some(v)) = (open, v) {
            obj.attrs.insert(k.into(), Value::str(v.clone()));
        }
    };
    let sub = &target.subscription;
    match (mode, rtype) {
        (Mode::Data, "azurerm_client_config" | "azapi_client_config") => {
            set(obj, "subscription_id", sub);
            // The tenant the configuration is applied in: the one every resource it declares
            // lives in, named as ARM's `tenant()` names it, so that a rule written for "our
            // tenant" admits the resources declared beside it in either form.
            set(
                obj,
                "tenant_id",
                &Some(moat_arm::engine::PLACEHOLDER_TENANT.to_string()),
            );
            set(
                obj,
                "subscription_resource_id",
                &sub.as_ref().map(|s| format!("/subscriptions/{s}")),
            );
        }
        (Mode::Data, "azurerm_subscription") => {
            set(obj, "subscription_id", sub);
            set(
                obj,
                "id",
                &sub.as_ref().map(|s| format!("/subscriptions/{s}")),
            );
        }
        (Mode::Data, "azurerm_resource_group") => {
            set(obj, "name", &target.resource_group);
            set(obj, "location", &target.location);
            if let (Some(s), Some(Value::String(n))) = (sub, obj.attrs.get("name").cloned()) {
                set(
                    obj,
                    "id",
                    &Some(format!("/subscriptions/{s}/resourceGroups/{n}")),
                );
            }
        }
        _ => {}
    }
    // Declared ids name the subscription the configuration is applied to.
    if let (Mode::Managed, Some(s)) = (mode, sub) {
        let given = |id: &str| {
            id.strip_prefix("/subscriptions/<unknown>/")
                .map(|rest| Value::String(format!("/subscriptions/{s}/{rest}")))
        };
        if let Some(v) = obj.attrs.get("id").and_then(Value::as_str).and_then(given) {
            obj.attrs.insert("id".into(), v);
        }
        if let Some(Value::List(subnets)) = obj.attrs.get("subnet").cloned() {
            let with: Vec<Value> = subnets
                .iter()
                .map(|b| match b {
                    Value::Res(r) => {
                        match r.attrs.get("id").and_then(Value::as_str).and_then(given) {
                            Some(v) => {
                                let mut r2 = (**r).clone();
                                r2.attrs.insert("id".into(), v);
                                Value::Res(Rc::new(r2))
                            }
                            None => b.clone(),
                        }
                    }
                    other => other.clone(),
                })
                .collect();
            obj.attrs.insert("subnet".into(), Value::list(with));
        }
    }
}

/// An ARM id, taken apart.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmId {
    pub resource_group: Option<String>,
    /// Provider namespace (`Microsoft.Network`).
    pub namespace: String,
    /// Type segments (`virtualNetworks`, `subnets`).
    pub types: Vec<String>,
    /// Names, one per type segment.
    pub names: Vec<String>,
}

impl ArmId {
    /// `Microsoft.Network/virtualNetworks/subnets`.
    pub fn full_type(&self) -> String {
        format!("{}/{}", self.namespace, self.types.join("/"))
    }

    /// The resource's own name.
    pub fn name(&self) -> &str {
        self.names.last().map_or("", String::as_str)
    }
}

/// Parses `/subscriptions/../resourceGroups/../providers/Ns/type/name[/type/name]*`; extension
/// resources (`.../providers/Microsoft.Authorization/roleAssignments/x` under another resource)
/// parse as the last provider segment.
pub fn parse(id: &str) -> Option<ArmId> {
    let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
    if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let rg = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| segs.get(i + 1))
        .map(|s| s.to_string());
    let p = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    let rest = &segs[p + 1..];
    if rest.len() < 3 || rest.len().is_multiple_of(2) {
        return None;
    }
    let namespace = rest[0].to_string();
    let mut types = Vec::new();
    let mut names = Vec::new();
    for pair in rest[1..].chunks(2) {
        types.push(pair[0].to_string());
        names.push(pair[1].to_string());
    }
    Some(ArmId {
        resource_group: rg,
        namespace,
        types,
        names,
    })
}

/// What a parsed id names in the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ref {
    Vnet(String),
    Subnet(String, String),
    Nsg(String),
    Asg(String),
    RouteTable(String),
    NatGateway(String),
    PublicIp(String),
    Firewall(String),
    FirewallPolicy(String),
    IpGroup(String),
    VnetGateway(String),
    LocalGateway(String),
    Bastion(String),
    Nic(String),
    ServiceEndpointPolicy(String),
    PrivateEndpoint(String),
    DnsZone(String),
    Resolver(String),
    ResolverInbound(String, String),
    ResolverOutbound(String, String),
    Ruleset(String),
    Vm(String),
    Storage(String),
    KeyVault(String),
    Acr(String),
    AppInsights(String),
    Ampls(String),
    LogAnalytics(String),
    Workspace(String),
    Compute(String, String),
    Registry(String),
    Aks(String),
    Other(String),
}

impl Ref {
    /// The same reference with the top-level resource it names or belongs to (a VNet, of a
    /// subnet) named `name`.
    pub fn with_top_name(self, name: &str) -> Ref {
        let n = name.to_string();
        match self {
            Ref::Vnet(_) => Ref::Vnet(n),
            Ref::Subnet(_, s) => Ref::Subnet(n, s),
            Ref::Nsg(_) => Ref::Nsg(n),
            Ref::Asg(_) => Ref::Asg(n),
            Ref::RouteTable(_) => Ref::RouteTable(n),
            Ref::NatGateway(_) => Ref::NatGateway(n),
            Ref::PublicIp(_) => Ref::PublicIp(n),
            Ref::Firewall(_) => Ref::Firewall(n),
            Ref::FirewallPolicy(_) => Ref::FirewallPolicy(n),
            Ref::IpGroup(_) => Ref::IpGroup(n),
            Ref::VnetGateway(_) => Ref::VnetGateway(n),
            Ref::LocalGateway(_) => Ref::LocalGateway(n),
            Ref::Bastion(_) => Ref::Bastion(n),
            Ref::Nic(_) => Ref::Nic(n),
            Ref::ServiceEndpointPolicy(_) => Ref::ServiceEndpointPolicy(n),
            Ref::PrivateEndpoint(_) => Ref::PrivateEndpoint(n),
            Ref::Resolver(_) => Ref::Resolver(n),
            Ref::ResolverInbound(_, e) => Ref::ResolverInbound(n, e),
            Ref::ResolverOutbound(_, e) => Ref::ResolverOutbound(n, e),
            Ref::Ruleset(_) => Ref::Ruleset(n),
            Ref::Vm(_) => Ref::Vm(n),
            // Names Azure does not scope to a resource group, or kinds told apart otherwise.
            other => other,
        }
    }
}

/// Maps an id to the model element it names, by the kind the one table of types
/// (`moat_arm::types`) gives its type.
pub fn model_ref(id: &ArmId) -> Ref {
    use moat_arm::map::Kind;
    let n = |i: usize| id.names.get(i).cloned().unwrap_or_default();
    let Some(t) = moat_arm::types::of_azure(&id.full_type()) else {
        return Ref::Other(id.full_type());
    };
    match t.kind {
        Kind::Vnet => Ref::Vnet(n(0)),
        Kind::Subnet => Ref::Subnet(n(0), n(1)),
        Kind::Nsg => Ref::Nsg(n(0)),
        Kind::Asg => Ref::Asg(n(0)),
        Kind::RouteTable => Ref::RouteTable(n(0)),
        Kind::NatGateway => Ref::NatGateway(n(0)),
        Kind::PublicIp => Ref::PublicIp(n(0)),
        Kind::Firewall => Ref::Firewall(n(0)),
        Kind::FirewallPolicy => Ref::FirewallPolicy(n(0)),
        Kind::IpGroup => Ref::IpGroup(n(0)),
        Kind::VnetGateway => Ref::VnetGateway(n(0)),
        Kind::LocalGateway => Ref::LocalGateway(n(0)),
        Kind::Bastion => Ref::Bastion(n(0)),
        Kind::Nic => Ref::Nic(n(0)),
        Kind::ServiceEndpointPolicy => Ref::ServiceEndpointPolicy(n(0)),
        Kind::PrivateEndpoint => Ref::PrivateEndpoint(n(0)),
        Kind::DnsZone => Ref::DnsZone(n(0)),
        Kind::DnsResolver => Ref::Resolver(n(0)),
        Kind::ResolverInbound => Ref::ResolverInbound(n(0), n(1)),
        Kind::ResolverOutbound => Ref::ResolverOutbound(n(0), n(1)),
        Kind::Ruleset => Ref::Ruleset(n(0)),
        Kind::Vm => Ref::Vm(n(0)),
        Kind::Storage => Ref::Storage(n(0)),
        Kind::KeyVault => Ref::KeyVault(n(0)),
        Kind::Acr => Ref::Acr(n(0)),
        Kind::AppInsights => Ref::AppInsights(n(0)),
        Kind::Ampls => Ref::Ampls(n(0)),
        Kind::LogAnalytics => Ref::LogAnalytics(n(0)),
        Kind::Workspace => Ref::Workspace(n(0)),
        Kind::Compute => Ref::Compute(n(0), n(1)),
        Kind::Registry => Ref::Registry(n(0)),
        Kind::Aks => Ref::Aks(n(0)),
        // Not referred to by id in a configuration the importer reads.
        Kind::Connection | Kind::OnlineEndpoint | Kind::Identity => Ref::Other(id.full_type()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Loc;
    use std::collections::BTreeMap;

    fn obj(addr: &str, attrs: &[(&str, &str)]) -> ResObj {
        ResObj {
            addr: addr.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect::<BTreeMap<_, _>>(),
            loc: Loc::default(),
            attr_locs: Default::default(),
        }
    }

    #[test]
    fn subnet_ids_round_trip() {
        let o = obj(
            "azurerm_subnet.pe",
            &[
                ("name", "pe"),
                ("resource_group_name", "rg"),
                ("virtual_network_name", "hub"),
            ],
        );
        let Some(Value::String(id)) = synth("azurerm_subnet", &o) else {
            panic!("no id")
        };
        assert_eq!(
            id,
            "/subscriptions/<unknown>/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/pe"
        );
        let p = parse(&id).unwrap();
        assert_eq!(model_ref(&p), Ref::Subnet("hub".into(), "pe".into()));
    }

    #[test]
    fn azapi_children_continue_the_parent_id() {
        let ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
        let o = obj(
            "azapi_resource.rule",
            &[
                ("name", "pypi"),
                (
                    "type",
                    "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01",
                ),
                ("parent_id", ws),
            ],
        );
        let Some(Value::String(id)) = synth("azapi_resource", &o) else {
            panic!("no id")
        };
        assert_eq!(id, format!("{ws}/outboundRules/pypi"));
        let rg = obj(
            "azapi_resource.reg",
            &[
                ("name", "reg"),
                (
                    "type",
                    "Microsoft.MachineLearningServices/registries@2024-04-01",
                ),
                ("parent_id", "/subscriptions/s/resourceGroups/rg"),
            ],
        );
        let Some(Value::String(id)) = synth("azapi_resource", &rg) else {
            panic!("no id")
        };
        assert_eq!(model_ref(&parse(&id).unwrap()), Ref::Registry("reg".into()));
    }
}
