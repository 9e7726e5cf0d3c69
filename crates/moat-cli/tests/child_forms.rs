//! A child resource declared on its own and the same element written in its parent's
//! properties are one deployment, and moat answers the same for both.
//!
//! ARM template docs, "Set name and type for child resources": "you can specify the child
//! resource either within the parent resource or outside of the parent resource"; and the
//! template reference gives the parent's list (`securityRules`, `routes`, `subnets`,
//! `virtualNetworkPeerings`, `serviceEndpointPolicyDefinitions`, a workspace's
//! `managedNetwork.outboundRules`) the same properties as the child resource type. So a value
//! the input leaves open in such an element is left open alike in both forms: the same
//! findings (code, resource, decided or not), the same unknowns (resource and field) and the
//! same trace verdict. The child form recorded what it left open under the child's own
//! label, which nothing reads: an open port of a deny rule gave a decided "denied", an open
//! next hop a decided "allowed", where the inline form is unknown.
//!
//! A child's existence left open (a condition or copy count from a parameter without value)
//! has no inline counterpart (an `if()` over the list leaves the whole list open), so it is
//! checked against the principle itself: decided only where the deployments with and without
//! the child agree.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;

const LOC: &str = "westeurope";

fn rid(t: &str, names: &[&str]) -> String {
    let args: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!("[resourceId('{t}', {})]", args.join(", "))
}

/// One element that may be written inline or as a child resource.
struct Case {
    /// The parent's index among the base resources.
    parent: usize,
    /// The parent's property holding the list (`securityRules`), or, for a map keyed by the
    /// element's name, the path to it (`managedNetwork.outboundRules`).
    list: &'static str,
    keyed: bool,
    child_type: &'static str,
    leaf: &'static str,
    item: Value,
    /// The fields the model reads, each with the ARM type of a parameter that opens it.
    open: &'static [(&'static str, &'static str)],
    trace: Option<(&'static str, &'static str, &'static str)>,
}

/// The deployment the elements are written into: a workspace whose compute sits in a subnet
/// with an NSG, a route table and a service endpoint policy; its storage behind a private
/// endpoint; a spoke VNet with clients.
fn base() -> Vec<Value> {
    let vnet = "Microsoft.Network/virtualNetworks";
    vec![
        json!({"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
            "name": "nsg", "location": LOC, "properties": {}}),
        json!({"type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01",
            "name": "rt", "location": LOC, "properties": {}}),
        json!({"type": "Microsoft.Network/serviceEndpointPolicies", "apiVersion": "2023-04-01",
            "name": "sep", "location": LOC, "properties": {}}),
        json!({"type": vnet, "apiVersion": "2023-11-01", "name": "vnet", "location": LOC,
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.0.3.0/24"}}],
                "virtualNetworkPeerings": [{"name": "to-spoke", "properties": {
                    "remoteVirtualNetwork": {"id": rid(vnet, &["spoke"])}}}]}}),
        json!({"type": vnet, "apiVersion": "2023-11-01", "name": "spoke", "location": LOC,
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "clients", "properties": {"addressPrefix": "10.1.1.0/24"}}]}}),
        json!({"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
            "name": "wsdata", "location": LOC, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
            "properties": {"publicNetworkAccess": "Disabled"}}),
        json!({"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
            "name": "ws", "location": LOC, "identity": {"type": "SystemAssigned"},
            "properties": {"storageAccount": rid("Microsoft.Storage/storageAccounts", &["wsdata"]),
                "publicNetworkAccess": "Disabled",
                "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "outboundRules": {}}}}),
        json!({"type": "Microsoft.MachineLearningServices/workspaces/computes",
            "apiVersion": "2024-04-01", "name": "ws/cpu", "location": LOC,
            "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_DS3_v2",
                "enableNodePublicIp": false,
                "subnet": {"id": rid("Microsoft.Network/virtualNetworks/subnets", &["vnet", "training"])}}}}),
        json!({"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01",
            "name": "st-blob", "location": LOC,
            "properties": {"subnet": {"id": rid("Microsoft.Network/virtualNetworks/subnets", &["vnet", "pe"])},
                "privateLinkServiceConnections": [{"name": "c", "properties": {
                    "privateLinkServiceId": rid("Microsoft.Storage/storageAccounts", &["wsdata"]),
                    "groupIds": ["blob"]}}]}}),
        json!({"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01",
            "name": "privatelink.blob.core.windows.net", "location": "global"}),
        json!({"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "apiVersion": "2020-06-01", "name": "privatelink.blob.core.windows.net/vnet",
            "location": "global", "properties": {"registrationEnabled": false,
                "virtualNetwork": {"id": rid(vnet, &["vnet"])}}}),
        json!({"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "apiVersion": "2020-06-01", "name": "privatelink.blob.core.windows.net/spoke",
            "location": "global", "properties": {"registrationEnabled": false,
                "virtualNetwork": {"id": rid(vnet, &["spoke"])}}}),
        json!({"type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "apiVersion": "2023-04-01", "name": "st-blob/default",
            "properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {
                "privateDnsZoneId": rid("Microsoft.Network/privateDnsZones", &["privatelink.blob.core.windows.net"])}}]}}),
    ]
}

/// The training subnet, which the compute sits in.
fn training() -> Value {
    json!({"addressPrefix": "10.0.1.0/24",
        "networkSecurityGroup": {"id": rid("Microsoft.Network/networkSecurityGroups", &["nsg"])},
        "routeTable": {"id": rid("Microsoft.Network/routeTables", &["rt"])},
        "serviceEndpoints": [{"service": "Microsoft.Storage"}],
        "serviceEndpointPolicies": [{"id": rid("Microsoft.Network/serviceEndpointPolicies", &["sep"])}],
        "privateEndpointNetworkPolicies": "Enabled",
        "defaultOutboundAccess": false})
}

fn cases() -> Vec<(&'static str, Case)> {
    let compute_to_storage = Some(("compute/cpu", "storage/wsdata", "443"));
    vec![
        (
            "security rule",
            Case {
                parent: 0,
                list: "securityRules",
                keyed: false,
                child_type: "Microsoft.Network/networkSecurityGroups/securityRules",
                leaf: "deny-storage",
                item: json!({"priority": 100, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
                "sourceAddressPrefix": "*", "sourcePortRange": "*",
                "destinationAddressPrefix": "10.0.3.0/24", "destinationPortRange": "443"}),
                open: &[
                    ("priority", "int"),
                    ("direction", "string"),
                    ("access", "string"),
                    ("protocol", "string"),
                    ("sourceAddressPrefix", "string"),
                    ("destinationAddressPrefix", "string"),
                    ("destinationPortRange", "string"),
                ],
                trace: compute_to_storage,
            },
        ),
        (
            "route",
            Case {
                parent: 1,
                list: "routes",
                keyed: false,
                child_type: "Microsoft.Network/routeTables/routes",
                leaf: "to-appliance",
                item: json!({"addressPrefix": "10.0.3.0/24", "nextHopType": "VirtualAppliance",
                "nextHopIpAddress": "10.0.9.4"}),
                open: &[
                    ("addressPrefix", "string"),
                    ("nextHopType", "string"),
                    ("nextHopIpAddress", "string"),
                ],
                trace: compute_to_storage,
            },
        ),
        (
            "service endpoint policy definition",
            Case {
                parent: 2,
                list: "serviceEndpointPolicyDefinitions",
                keyed: false,
                child_type: "Microsoft.Network/serviceEndpointPolicies/serviceEndpointPolicyDefinitions",
                leaf: "storage",
                item: json!({"service": "Microsoft.Storage",
                "serviceResources": [rid("Microsoft.Storage/storageAccounts", &["wsdata"])]}),
                open: &[("service", "string"), ("serviceResources", "array")],
                trace: compute_to_storage,
            },
        ),
        (
            "subnet",
            Case {
                parent: 3,
                list: "subnets",
                keyed: false,
                child_type: "Microsoft.Network/virtualNetworks/subnets",
                leaf: "training",
                item: training(),
                open: &[
                    ("addressPrefix", "string"),
                    ("networkSecurityGroup", "object"),
                    ("routeTable", "object"),
                    ("serviceEndpoints", "array"),
                    ("serviceEndpointPolicies", "array"),
                    ("privateEndpointNetworkPolicies", "string"),
                    ("defaultOutboundAccess", "bool"),
                ],
                trace: compute_to_storage,
            },
        ),
        (
            "peering",
            Case {
                parent: 4,
                list: "virtualNetworkPeerings",
                keyed: false,
                child_type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                leaf: "to-hub",
                item: json!({"remoteVirtualNetwork": {"id": rid("Microsoft.Network/virtualNetworks", &["vnet"])},
                "allowVirtualNetworkAccess": true, "allowForwardedTraffic": false}),
                open: &[
                    ("remoteVirtualNetwork", "object"),
                    ("allowVirtualNetworkAccess", "bool"),
                    ("allowForwardedTraffic", "bool"),
                ],
                trace: Some(("subnet/spoke/clients", "storage/wsdata", "443")),
            },
        ),
        (
            "managed network outbound rule",
            Case {
                parent: 6,
                list: "managedNetwork.outboundRules",
                keyed: true,
                child_type: "Microsoft.MachineLearningServices/workspaces/outboundRules",
                leaf: "to-storage",
                item: json!({"type": "PrivateEndpoint", "category": "UserDefined",
                "destination": {"serviceResourceId": rid("Microsoft.Storage/storageAccounts", &["wsdata"]),
                    "subresourceTarget": "blob"}}),
                open: &[("type", "string"), ("destination", "object")],
                trace: None,
            },
        ),
    ]
}

/// Whether the element is deployed: yes, no, or left open in the child form by a condition
/// or a copy count from a parameter without value.
#[derive(Clone, Copy)]
enum Exists {
    Yes,
    No,
    Condition,
    Count,
}

/// The template with the case's element written inline (`inline`) or as a child resource,
/// `item` as its properties and `params` declared without value.
fn template(
    c: &Case,
    item: &Value,
    params: &[(&str, &str)],
    inline: bool,
    exists: Exists,
) -> Value {
    let mut resources = base();
    // The training subnet is in every deployment; as the case's element it is the case's.
    if !c.child_type.ends_with("/subnets") {
        resources[3]["properties"]["subnets"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "training", "properties": training()}));
    }
    match exists {
        Exists::No => {}
        Exists::Yes if inline => {
            let mut slot = &mut resources[c.parent]["properties"];
            for k in c.list.split('.') {
                slot = &mut slot[k];
            }
            if c.keyed {
                slot[c.leaf] = item.clone();
            } else {
                if !slot.is_array() {
                    *slot = json!([]);
                }
                let e = json!({"name": c.leaf, "properties": item});
                slot.as_array_mut().unwrap().push(e);
            }
        }
        _ => {
            let parent = resources[c.parent]["name"].as_str().unwrap().to_string();
            // A VNet that lists subnets inline removes its child subnets on each deployment
            // (the virtual network PUT sets its subnets to the list): the same deployment
            // with a child subnet declares every subnet of the VNet as a child. The VNets are
            // sent with an API version from 2023-09-01, whose PUT keeps the subnets a body
            // without `subnets` leaves out (before it, "If a subnet property isn't included,
            // the subnets are deleted").
            if c.child_type.ends_with("/subnets") {
                let inline = resources[c.parent]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("subnets");
                for s in inline
                    .into_iter()
                    .flat_map(|l| l.as_array().cloned().unwrap())
                {
                    let name = format!("{parent}/{}", s["name"].as_str().unwrap());
                    resources.push(json!({"type": c.child_type, "apiVersion": "2024-04-01",
                        "name": name, "properties": s["properties"]}));
                }
            }
            let mut child = json!({"type": c.child_type, "apiVersion": "2024-04-01",
                "name": format!("{parent}/{}", c.leaf), "properties": item});
            match exists {
                Exists::Condition => child["condition"] = json!("[parameters('on')]"),
                Exists::Count => {
                    child["copy"] = json!({"name": "one", "count": "[parameters('on')]"})
                }
                _ => {}
            }
            resources.push(child);
        }
    }
    let mut parameters = serde_json::Map::new();
    for (name, ty) in params {
        parameters.insert(name.to_string(), json!({"type": ty}));
    }
    json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": parameters, "resources": resources})
}

fn moat(path: &std::path::Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .arg(path)
        .args(["--format", "json"])
        .output()
        .expect("moat runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// What the two forms must agree on: findings (code, resource, certainty), unknowns
/// (resource, field) and the trace verdict.
#[derive(Debug, PartialEq)]
struct Answers {
    findings: BTreeSet<(String, String, String)>,
    unknowns: BTreeSet<(String, String)>,
    verdict: Option<String>,
}

/// The answers on `tpl`, written as `form/file` (the file's name names the deployment).
fn answers(c: &Case, tpl: &Value, form: &str, file: &str) -> Answers {
    let dir = std::env::temp_dir()
        .join(format!("moat-child-forms-{}", std::process::id()))
        .join(form);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, serde_json::to_string_pretty(tpl).unwrap()).unwrap();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let findings = moat(&path, &["check"])["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(&f["code"]), s(&f["resource"]), s(&f["certainty"])))
        .collect();
    let unknowns = moat(&path, &["show"])["unknowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (s(&u["resource"]), s(&u["field"])))
        .collect();
    let verdict = c.trace.map(|(from, to, port)| {
        s(&moat(
            &path,
            &["trace", "--from", from, "--to", to, "--port", port],
        )["verdict"])
    });
    Answers {
        findings,
        unknowns,
        verdict,
    }
}

/// Where the two forms of `c` disagree with `item` and `params`: a sentence, or `None`.
fn differ(
    name: &str,
    what: &str,
    c: &Case,
    item: &Value,
    params: &[(&str, &str)],
) -> Option<String> {
    let slug: String = format!("{name}-{what}")
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
        .collect();
    let file = format!("{slug}.json");
    let inline = answers(
        c,
        &template(c, item, params, true, Exists::Yes),
        "inline",
        &file,
    );
    let child = answers(
        c,
        &template(c, item, params, false, Exists::Yes),
        "child",
        &file,
    );
    (inline != child).then(|| format!("{name}, {what}:\n  inline {inline:?}\n  child  {child:?}"))
}

#[test]
fn a_field_left_open_is_left_open_alike_inline_and_as_a_child() {
    let mut differences = Vec::new();
    for (name, c) in cases() {
        differences.extend(differ(name, "as written", &c, &c.item, &[]));
        for (field, ty) in c.open {
            let mut item = c.item.clone();
            item[*field] = json!("[parameters('open')]");
            differences.extend(differ(name, field, &c, &item, &[("open", ty)]));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// A decided answer holds whatever the open value is (the presence principle: analyses run
/// with and without a resource whose deployment the input leaves open). So with the child's
/// existence open, a decided finding is one both deployments, with and without the child,
/// give; one both give is reported; and the verdict is theirs when they agree, else unknown.
#[test]
fn an_element_that_may_not_exist_is_decided_only_where_both_ways_agree() {
    let decided = |a: &Answers| -> BTreeSet<(String, String)> {
        a.findings
            .iter()
            .filter(|f| f.2 != "undecided")
            .map(|f| (f.0.clone(), f.1.clone()))
            .collect()
    };
    let reported = |a: &Answers| -> BTreeSet<(String, String)> {
        a.findings
            .iter()
            .map(|f| (f.0.clone(), f.1.clone()))
            .collect()
    };
    let mut problems = Vec::new();
    for (name, c) in cases() {
        // The compute sits in the training subnet by id: without the subnet Azure rejects
        // the deployment (the id names nothing), which is not a deployment without it.
        if c.child_type.ends_with("/subnets") {
            continue;
        }
        let slug: String = name
            .chars()
            .map(|ch| if ch == ' ' { '-' } else { ch })
            .collect();
        let with = answers(
            &c,
            &template(&c, &c.item, &[], false, Exists::Yes),
            "with",
            &format!("{slug}.json"),
        );
        let without = answers(
            &c,
            &template(&c, &c.item, &[], false, Exists::No),
            "without",
            &format!("{slug}.json"),
        );
        let both: BTreeSet<_> = decided(&with)
            .intersection(&decided(&without))
            .cloned()
            .collect();
        for (how, exists, ty) in [
            ("condition", Exists::Condition, "bool"),
            ("count", Exists::Count, "int"),
        ] {
            let open = answers(
                &c,
                &template(&c, &c.item, &[("on", ty)], false, exists),
                how,
                &format!("{slug}.json"),
            );
            for f in decided(&open).difference(&both) {
                problems.push(format!(
                    "{name}, {how}: {f:?} decided, but not given both ways"
                ));
            }
            for f in both.difference(&reported(&open)) {
                problems.push(format!(
                    "{name}, {how}: {f:?} given both ways, not reported"
                ));
            }
            let verdict = match (&with.verdict, &without.verdict) {
                (Some(a), Some(b)) if a != b => Some("unknown".to_string()),
                (a, _) => a.clone(),
            };
            if open.verdict != verdict {
                problems.push(format!(
                    "{name}, {how}: verdict {:?}, expected {verdict:?}",
                    open.verdict
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
