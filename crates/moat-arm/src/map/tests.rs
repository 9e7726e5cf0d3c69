use super::*;
use moat_model::Level;
use moat_model::values::PortRange;
use serde_json::json;

const RG: &str = "/subscriptions/s/resourceGroups/rg/providers";

fn res(rtype: &str, name: &str, props: Json) -> ArmResource {
    let mut id = format!("{RG}/{}", rtype.split('/').next().unwrap());
    for (t, n) in rtype.split('/').skip(1).zip(name.split('/')) {
        id.push_str(&format!("/{t}/{n}"));
    }
    ArmResource {
        rtype: rtype.into(),
        name: name.into(),
        id,
        location: Some("westeurope".into()),
        sku: None,
        kind: None,
        identity: None,
        properties: props,
        api_version: None,
        at: Provenance {
            file: "t.json".into(),
            line: 1,
            column: 1,
            pointer: format!("/{name}"),
            offset: 0,
            len: 0,
        },
    }
}

fn map_all(list: &[ArmResource]) -> (Topology, MapContext) {
    let mut t = Topology::default();
    let mut ctx = MapContext::new();
    for r in list {
        map_resource(&mut t, r, &mut ctx);
    }
    finish(&mut t, &mut ctx);
    (t, ctx)
}

fn vnet() -> ArmResource {
    res(
        "Microsoft.Network/virtualNetworks",
        "v",
        json!({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
               "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]}),
    )
}

#[test]
fn unknown_values_take_conservative_values_and_are_recorded() {
    let ws = res(
        "Microsoft.MachineLearningServices/workspaces",
        "ws",
        json!({"publicNetworkAccess": {"$unknown": "parameters('pna')"},
               "hbiWorkspace": {"$unknown": "parameters('hbi')"},
               "managedNetwork": {"$unknown": "parameters('mn')"}}),
    );
    let sa = res(
        "Microsoft.Storage/storageAccounts",
        "sa",
        json!({"networkAcls": {"defaultAction": {"$unknown": "parameters('da')"}, "bypass": {"$unknown": "parameters('b')"}}}),
    );
    let c = res(
        "Microsoft.MachineLearningServices/workspaces/computes",
        "ws/c",
        json!({"computeType": "AmlCompute", "properties": {"enableNodePublicIp": {"$unknown": "parameters('ip')"}}}),
    );
    let (t, _) = map_all(&[ws, sa, c]);
    let w = &t.workspaces[0];
    assert_eq!(w.public_network_access, PublicNetworkAccess::Enabled);
    assert!(!w.hbi_workspace);
    assert_eq!(w.managed_network.isolation_mode, IsolationMode::Disabled);
    assert_eq!(
        t.storage_accounts[0].network_rules.default_action,
        DefaultAction::Allow
    );
    assert!(t.storage_accounts[0].network_rules.trusted_services());
    assert!(t.computes[0].enable_node_public_ip);
    let mut rec: Vec<String> = t
        .unknowns
        .iter()
        .map(|u| format!("{} {} {}", u.resource, u.field, u.reason))
        .collect();
    rec.sort();
    assert_eq!(
        rec,
        vec![
            "compute/c enable_node_public_ip parameters('ip')",
            "storage/sa network_rules.bypass parameters('b')",
            "storage/sa network_rules.default_action parameters('da')",
            "workspace/ws hbi_workspace parameters('hbi')",
            "workspace/ws managed_network parameters('mn')",
            "workspace/ws public_network_access parameters('pna')",
        ]
    );
}

#[test]
fn unknown_prefixes_ports_and_rule_fields() {
    let nsg = res(
        "Microsoft.Network/networkSecurityGroups",
        "n",
        json!({"securityRules": [
            {"name": "tag", "properties": {"priority": 100, "direction": "Outbound", "access": "Allow",
                "destinationAddressPrefix": {"$unknown": "resourceGroup().location", "$partial": "Storage.⟨0123⟩"},
                "destinationPortRange": {"$unknown": "parameters('port')"}}},
            {"name": "any", "properties": {"priority": 110, "direction": "Outbound", "access": "Deny",
                "destinationAddressPrefix": {"$unknown": "parameters('p')"}}},
            {"name": "gone", "properties": {"priority": {"$unknown": "parameters('prio')"}, "direction": "Inbound", "access": "Allow"}}
        ]}),
    );
    let (t, _) = map_all(&[nsg]);
    let rules = &t.network_security_groups[0].rules;
    // The rule whose priority is unknown is kept, its priority open.
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[2].priority, moat_model::Open::Unknown);
    assert_eq!(
        rules[0].destination,
        vec![AddressPrefix::Tag("Storage".into())]
    );
    assert_eq!(rules[0].destination_ports, vec![PortRange::ANY]);
    assert_eq!(rules[1].destination, vec![AddressPrefix::Any]);
    // What is open is marked on the rule, so its evaluation decides flows both ways.
    use moat_model::firewall::RuleValue;
    assert_eq!(
        rules[0].open,
        vec![RuleValue::Ports, RuleValue::Destinations]
    );
    assert_eq!(rules[1].open, vec![RuleValue::Destinations]);
    assert!(rules[2].open.is_empty());
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.field == "rules/gone/priority" && u.reason.contains("prio"))
    );
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.field == "rules/tag" && u.reason.contains("read as Storage"))
    );
}

#[test]
fn children_link_to_parents_by_id_in_any_order() {
    let sub = res(
        "Microsoft.Network/virtualNetworks/subnets",
        "v/extra",
        json!({"addressPrefix": "10.0.1.0/24"}),
    );
    let rule = res(
        "Microsoft.Network/networkSecurityGroups/securityRules",
        "n/r",
        json!({"priority": 200, "direction": "Inbound", "access": "Deny", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}),
    );
    let nsg = res("Microsoft.Network/networkSecurityGroups", "n", json!({}));
    // The private endpoint's subnet and target are partly known ids: they still link.
    let pe = res(
        "Microsoft.Network/privateEndpoints",
        "pe",
        json!({"subnet": {"id": {"$unknown": "x", "$partial": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/extra")}},
               "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": format!("{RG}/Microsoft.KeyVault/vaults/kv"), "groupIds": ["vault"]}}]}),
    );
    let kv = res("Microsoft.KeyVault/vaults", "kv", json!({}));
    let zg = res(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "pe/default",
        json!({"privateDnsZoneConfigs": [{"properties": {"privateDnsZoneId": format!("{RG}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net")}}]}),
    );
    let zone = res(
        "Microsoft.Network/privateDnsZones",
        "privatelink.vaultcore.azure.net",
        json!({}),
    );
    let (t, ctx) = map_all(&[sub, rule, zg, pe, nsg, kv, zone, vnet()]);
    assert!(ctx.warnings.is_empty(), "{:?}", ctx.warnings);
    assert_eq!(t.virtual_networks[0].subnets.len(), 2);
    assert_eq!(t.network_security_groups[0].rules.len(), 1);
    let pe = &t.private_endpoints[0];
    assert_eq!(
        (pe.subnet.as_str(), pe.target.to_string()),
        ("v/extra", "keyvault/kv".to_string())
    );
    assert_eq!(pe.dns_zone_group, vec!["privatelink.vaultcore.azure.net"]);
    assert!(moat_model::validate(&t).is_empty());
}

#[test]
fn references_outside_the_template_are_neutralised() {
    let nic = res(
        "Microsoft.Network/networkInterfaces",
        "nic",
        json!({"ipConfigurations": [{"properties": {"subnet": {"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/corp/subnets/s"}}}]}),
    );
    let ws = res(
        "Microsoft.MachineLearningServices/workspaces",
        "ws",
        json!({"storageAccount": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/ext"}),
    );
    let link = res(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "z/l",
        json!({"virtualNetwork": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v")}}),
    );
    let (t, ctx) = map_all(&[nic, ws, link, vnet()]);
    // A link to a zone the template does not deploy (a central zone) is kept, on the
    // external zone of that name, whose other links and records are unknown.
    let z = &t.private_dns_zones[0];
    assert_eq!((z.name.as_str(), z.external), ("z", true));
    assert_eq!(z.vnet_links, ["v"]);
    // The workspace's storage account exists (a workspace has one): kept by its name, with
    // its settings unknown, never read as not set.
    assert_eq!(t.workspaces[0].storage_account.as_deref(), Some("ext"));
    // A NIC in a subnet the template does not deploy is kept, in an external subnet
    // named by its id, whose properties are unknown.
    assert_eq!(t.network_interfaces[0].subnet, "corp/s");
    let corp = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "corp")
        .unwrap();
    assert!(corp.external && corp.subnets[0].external);
    let fields: Vec<(&str, &str)> = t
        .unknowns
        .iter()
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("private-dns-zone/z", "*"),
            ("workspace/ws", "storage_account"),
            ("vnet/corp", "*"),
            ("subnet/corp/s", "*")
        ]
    );
    let codes: Vec<&str> = ctx.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(
        codes,
        vec!["external-zone", "dangling-reference", "external-subnet"]
    );
    assert!(ctx.warnings.iter().all(|w| w.level == Level::Warning));
    assert!(moat_model::validate(&t).is_empty());
}

#[test]
fn zones_of_one_name_in_two_resource_groups() {
    let mut a = res(
        "Microsoft.Network/privateDnsZones",
        "privatelink.api.azureml.ms",
        json!({}),
    );
    let mut b = a.clone();
    a.id = "/subscriptions/s/resourceGroups/one/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms".into();
    b.id = "/subscriptions/s/resourceGroups/two/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms".into();
    b.at.pointer = "/other".into();
    let mut link = res(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "privatelink.api.azureml.ms/l",
        json!({"virtualNetwork": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v")}}),
    );
    link.id = format!("{}/virtualNetworkLinks/l", b.id);
    let same = a.clone();
    let (t, ctx) = map_all(&[a, b, same, link, vnet()]);
    let keys: Vec<String> = t
        .private_dns_zones
        .iter()
        .map(PrivateDnsZone::key)
        .collect();
    assert_eq!(
        keys,
        vec![
            "one/privatelink.api.azureml.ms",
            "two/privatelink.api.azureml.ms"
        ]
    );
    assert!(t.private_dns_zones[0].vnet_links.is_empty());
    assert_eq!(t.private_dns_zones[1].vnet_links, vec!["v"]);
    assert_eq!(
        ctx.warnings
            .iter()
            .filter(|w| w.code == "duplicate-resource")
            .count(),
        1
    );
}

#[test]
fn registry_managed_resources_clusters_and_roles() {
    let reg = res(
        "Microsoft.MachineLearningServices/registries",
        "r",
        json!({"publicNetworkAccess": "Disabled", "regionDetails": [{"location": "westeurope",
            "acrDetails": [{"systemCreatedAcrAccount": {"acrAccountName": "racr", "acrAccountSku": "Premium"}}]}]}),
    );
    let pe = res(
        "Microsoft.Network/privateEndpoints",
        "pe-acr",
        json!({"subnet": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/s")},
               "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": "/subscriptions/m/resourceGroups/azureml-rg-r/providers/Microsoft.ContainerRegistry/registries/racr", "groupIds": ["registry"]}}]}),
    );
    let ws = res(
        "Microsoft.MachineLearningServices/workspaces",
        "ws",
        json!({}),
    );
    let cluster = res(
        "Microsoft.ContainerService/managedClusters",
        "k",
        json!({"agentPoolProfiles": [{"count": 2, "vnetSubnetID": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/s")}, {"count": 3}]}),
    );
    let aks = res(
        "Microsoft.MachineLearningServices/workspaces/computes",
        "ws/k",
        json!({"computeType": "AKS", "resourceId": format!("{RG}/Microsoft.ContainerService/managedClusters/k")}),
    );
    let lonely = res(
        "Microsoft.ContainerService/managedClusters",
        "other",
        json!({}),
    );
    let mut role = res(
        "Microsoft.Authorization/roleAssignments",
        "g",
        json!({"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
               "principalId": {"$unknown": format!("{MANAGED_IDENTITY_PREFIX}{RG}/Microsoft.MachineLearningServices/workspaces/ws")}}),
    );
    role.id = format!(
        "{RG}/Microsoft.MachineLearningServices/registries/r/providers/Microsoft.Authorization/roleAssignments/g"
    );
    let (t, _) = map_all(&[reg, pe, ws, cluster, aks, lonely, role, vnet()]);
    assert_eq!(t.private_endpoints[0].target.to_string(), "registry/r:acr");
    let a = &t.aks_clusters[0];
    assert_eq!(
        (a.workspace.as_str(), a.subnet.as_deref(), a.node_count),
        ("ws", Some("v/s"), Some(5))
    );
    assert_eq!(t.unmodelled.len(), 1);
    assert_eq!(t.unmodelled[0].name, "other");
    let ra = &t.role_assignments[0];
    assert_eq!(
        (
            ra.principal.as_str(),
            ra.role.as_str(),
            ra.scope.to_string()
        ),
        ("workspace/ws", "Contributor", "registry/r".to_string())
    );
    assert!(moat_model::validate(&t).is_empty());
}

#[test]
fn every_uncovered_type_is_listed() {
    let (t, _) = map_all(&[
        res("Microsoft.Web/sites", "app", json!({})),
        res(
            "Microsoft.Storage/storageAccounts/blobServices",
            "sa/default",
            json!({}),
        ),
    ]);
    let names: Vec<(&str, &str)> = t
        .unmodelled
        .iter()
        .map(|u| (u.resource_type.as_str(), u.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Microsoft.Web/sites", "app"),
            (
                "Microsoft.Storage/storageAccounts/blobServices",
                "sa/default"
            )
        ]
    );
    assert_eq!(
        resource_label("Microsoft.Network/virtualNetworks/subnets", "v/s"),
        "subnet/v/s"
    );
    assert_eq!(
        type_of_id(&format!(
            "{RG}/Microsoft.Network/virtualNetworks/v/subnets/s"
        ))
        .as_deref(),
        Some("Microsoft.Network/virtualNetworks/subnets")
    );
}

#[test]
fn an_attached_virtual_machine_joins_its_workspace() {
    // A compute of type VirtualMachine attaches the VM its resourceId names (Secure an Azure
    // Machine Learning training environment: a virtual machine attached as a compute target).
    let ws = res(
        "Microsoft.MachineLearningServices/workspaces",
        "ws",
        json!({}),
    );
    let vm = res(
        "Microsoft.Compute/virtualMachines",
        "dsvm",
        json!({"networkProfile": {"networkInterfaces": []}}),
    );
    let attach = |target: &str| {
        res(
            "Microsoft.MachineLearningServices/workspaces/computes",
            "ws/dsvm",
            json!({"computeType": "VirtualMachine",
                   "resourceId": format!("{RG}/Microsoft.Compute/virtualMachines/{target}")}),
        )
    };
    // Declared before the VM: the link waits until every resource is mapped.
    let (t, _) = map_all(&[ws.clone(), attach("dsvm"), vm.clone()]);
    assert_eq!(t.virtual_machines[0].attached_to.as_deref(), Some("ws"));
    assert!(t.computes.is_empty());
    // A VM the template does not declare: the attachment stays outside the model.
    let (t, _) = map_all(&[ws, attach("other"), vm]);
    assert_eq!(t.virtual_machines[0].attached_to, None);
    assert!(
        t.unmodelled
            .iter()
            .any(|u| u.resource_type.ends_with("/computes") && u.name == "ws/dsvm"),
        "{:?}",
        t.unmodelled
    );
}
