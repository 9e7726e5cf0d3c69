//! Imports every ARM entry of the shared corpus (`shared/corpus/TARGETS`) and checks what each
//! template deploys, counted by reading the templates.

use moat_arm::{ArmOptions, load};
use moat_doc::Loaded;
use moat_model::Topology;
use moat_model::enums::{ConnectionState, IsolationMode, PublicNetworkAccess, WorkspaceKind};
use std::path::PathBuf;

const E2E: &str = "qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure/";
const WSVNET: &str = "qs-workspace-vnet/quickstarts/microsoft.machinelearningservices/machine-learning-workspace-vnet/";
const RESTRICTED: &str = "qs-network-restricted/quickstarts/microsoft.machinelearningservices/machine-learning-network-restricted/";
const AVM_WS: &str = "avm-bicep-ml-workspace/avm/res/machine-learning-services/workspace/main.json";
const AVM_REG: &str = "avm-bicep-ml-registry/avm/res/machine-learning-services/registry/main.json";
const BASELINE: &str = "avm-bicep-ai-platform-baseline/avm/ptn/ai-platform/baseline/main.json";

fn corpus(p: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/"
    ))
    .join(p)
}

fn import(template: &str, params: &[&str]) -> Loaded {
    let opts = ArmOptions {
        parameter_files: params.iter().map(|p| corpus(p)).collect(),
        ..Default::default()
    };
    match load(&corpus(template), &opts) {
        Ok(l) => l,
        Err(e) => panic!("{template} did not import: {:#?}", e.diagnostics),
    }
}

fn counts(t: &Topology) -> Vec<(&'static str, usize)> {
    t.counts()
}

fn unmodelled(t: &Topology) -> Vec<String> {
    let mut v: Vec<String> = t
        .unmodelled
        .iter()
        .map(|u| u.resource_type.clone())
        .collect();
    v.sort();
    v
}

fn unknown_fields(t: &Topology) -> Vec<String> {
    let mut v: Vec<String> = t.unknowns.iter().map(|u| u.field.clone()).collect();
    v.sort();
    v
}

/// The quickstart's network module lists the VNet's training and scoring subnets inline, and
/// its Bastion module adds `AzureBastionSubnet` to that VNet as a child resource: each
/// deployment of the VNet sets its subnets to the inline list (Azure's virtual network PUT),
/// which removes the Bastion subnet, the one warning. The Bastion module's deployment depends
/// on the network module's, and "If the resources in one linked template must be deployed
/// before resources in a second linked template, set the second template dependent on the
/// first" (Resource Manager, "Using linked and nested templates"): the subnet's PUT comes after
/// the VNet's, so once the deployment is done it is deployed; nothing is left may-exist.
fn bastion_subnet_beside_inline_subnets(l: &Loaded) {
    let w: Vec<(&str, &str)> = l
        .warnings
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "inline-conflict");
    assert!(w[0].1.contains("/AzureBastionSubnet`"), "{w:?}");
    assert!(w[0].1.ends_with("in which it is deployed"), "{w:?}");
    let may: Vec<&str> = l
        .topology
        .may_exist
        .iter()
        .map(|m| m.resource.as_str())
        .collect();
    assert!(may.is_empty(), "{may:?}");
    assert!(
        l.topology
            .virtual_networks
            .iter()
            .flat_map(|v| &v.subnets)
            .any(|s| s.name == "AzureBastionSubnet")
    );
}

fn count(fields: &[String], f: &str) -> usize {
    fields.iter().filter(|x| *x == f).count()
}

#[test]
fn every_arm_target_of_the_corpus_imports() {
    let targets = std::fs::read_to_string(corpus("TARGETS")).expect("TARGETS");
    let arm: Vec<&str> = targets.lines().filter(|l| l.ends_with(".json")).collect();
    assert_eq!(arm.len(), 7);
    for t in arm {
        let l = import(t, &[]);
        assert!(moat_model::validate(&l.topology).is_empty(), "{t}");
        assert_eq!(l.format, "arm");
        // Every resource points back into the template.
        for w in &l.topology.workspaces {
            assert!(
                w.at.line > 0 && w.at.pointer.starts_with("/resources/"),
                "{t}: {:?}",
                w.at
            );
        }
    }
}

#[test]
fn end_to_end_secure_with_its_parameters() {
    let l = import(
        &format!("{E2E}azuredeploy.json"),
        &[&format!("{E2E}azuredeploy.parameters.json")],
    );
    let t = &l.topology;
    assert_eq!(
        counts(t),
        vec![
            ("workspaces", 1),
            ("computes", 2),
            ("aks clusters", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("virtual networks", 1),
            ("subnets", 3),
            ("network security groups", 1),
            ("nsg rules", 9),
            ("public ips", 1),
            ("bastion hosts", 1),
            ("virtual machines", 1),
            ("network interfaces", 1),
            ("private endpoints", 5),
            ("private dns zones", 6),
        ]
    );
    assert_eq!(
        unmodelled(t),
        vec![
            "Microsoft.Compute/virtualMachines/extensions",
            "Microsoft.OperationalInsights/workspaces"
        ]
    );
    // The storage and container registry service tags of two NSG rules name the resource
    // group's region, which the template does not know; plus the scope.
    assert_eq!(
        unknown_fields(t),
        vec![
            "region",
            "resource_group",
            "rules/AzureContainerRegistry",
            "rules/AzureStorageAccount"
        ]
    );
    bastion_subnet_beside_inline_subnets(&l);

    // `prefix` = GEN-UNIQUE-6, lower-cased; the suffix is uniqueString(resourceGroup().id).
    let ws = &t.workspaces[0];
    assert!(ws.name.starts_with("mlw-gen-unique-6-"), "{}", ws.name);
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(ws.image_build_compute.as_deref(), Some("cluster001"));
    // The dependencies are linked through the outputs of their nested deployments.
    assert_eq!(
        ws.storage_account.as_deref(),
        Some(t.storage_accounts[0].name.as_str())
    );
    assert_eq!(ws.key_vault.as_deref(), Some(t.key_vaults[0].name.as_str()));
    assert_eq!(
        ws.container_registry.as_deref(),
        Some(t.container_registries[0].name.as_str())
    );
    assert_eq!(
        ws.application_insights.as_deref(),
        Some(t.application_insights[0].name.as_str())
    );
    let vnet = &t.virtual_networks[0];
    let subnets: Vec<&str> = vnet.subnets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        subnets,
        vec!["snet-training", "snet-scoring", "AzureBastionSubnet"]
    );
    assert_eq!(
        vnet.subnets[0].network_security_group.as_deref(),
        Some(t.network_security_groups[0].name.as_str())
    );
    let training = format!("{}/snet-training", vnet.name);
    assert!(
        t.private_endpoints
            .iter()
            .all(|p| p.subnet == training && p.connection_state == ConnectionState::Approved)
    );
    let mut groups: Vec<&str> = t
        .private_endpoints
        .iter()
        .map(|p| p.group_id.as_str())
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        vec!["amlworkspace", "blob", "file", "registry", "vault"]
    );
    let mut zones: Vec<&str> = t
        .private_dns_zones
        .iter()
        .map(|z| z.name.as_str())
        .collect();
    zones.sort();
    assert_eq!(
        zones,
        vec![
            "privatelink.api.azureml.ms",
            "privatelink.azurecr.io",
            "privatelink.blob.core.windows.net",
            "privatelink.file.core.windows.net",
            "privatelink.notebooks.azure.net",
            "privatelink.vault.azure.net"
        ]
    );
    assert!(
        t.private_dns_zones
            .iter()
            .all(|z| z.vnet_links == vec![vnet.name.clone()])
    );
    let ws_pe = t
        .private_endpoints
        .iter()
        .find(|p| p.group_id == "amlworkspace")
        .unwrap();
    assert_eq!(
        ws_pe.dns_zone_group,
        vec![
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net"
        ]
    );
    // The cluster's node public IP follows the amlComputePublicIp default (true).
    let cluster = t.computes.iter().find(|c| c.name == "cluster001").unwrap();
    assert!(cluster.enable_node_public_ip);
    assert_eq!((cluster.min_nodes, cluster.max_nodes), (0, 5));
    assert_eq!(cluster.subnet.as_deref(), Some(training.as_str()));
    // The AKS attachment takes its node count from the cluster it attaches.
    let aks = &t.aks_clusters[0];
    assert_eq!(
        aks.subnet.as_deref(),
        Some(format!("{}/snet-scoring", vnet.name).as_str())
    );
    assert_eq!(aks.node_count, Some(3));
    assert_eq!(t.bastion_hosts[0].vnet, vnet.name);
    assert_eq!(t.network_interfaces[0].subnet, training);
    assert_eq!(
        t.storage_accounts[0].network_rules.default_action,
        moat_model::enums::DefaultAction::Deny
    );
    // The regional service tags widen to their global tag.
    let nsg = &t.network_security_groups[0];
    let storage_rule = nsg
        .rules
        .iter()
        .find(|r| r.name == "AzureStorageAccount")
        .unwrap();
    assert_eq!(storage_rule.destination, vec!["Storage".parse().unwrap()]);
}

#[test]
fn end_to_end_secure_without_parameters() {
    // `prefix` is required: every name built from it is unknown, but ids built from the same
    // unknown still link the resources.
    let l = import(&format!("{E2E}azuredeploy.json"), &[]);
    let t = &l.topology;
    assert_eq!(t.private_endpoints.len(), 5);
    assert_eq!(t.virtual_networks[0].subnets.len(), 3);
    assert_eq!(t.private_dns_zones.len(), 6);
    let f = unknown_fields(t);
    assert_eq!(count(&f, "name"), 25);
    assert_eq!(f.len(), 29);
    assert!(t.workspaces[0].name.starts_with("unresolved-"));
    assert_eq!(
        t.workspaces[0].storage_account.as_deref(),
        Some(t.storage_accounts[0].name.as_str())
    );
    assert!(
        t.private_endpoints
            .iter()
            .all(|p| p.subnet.ends_with("/snet-training"))
    );
    bastion_subnet_beside_inline_subnets(&l);
}

#[test]
fn workspace_vnet_with_both_parameter_files() {
    for params in [
        "azuredeploy.parameters.json",
        "azuredeploy.parameters.us.json",
    ] {
        // The parameters file spells `storageAccountBehindVnet`; the template `...VNet`.
        let l = import(
            &format!("{WSVNET}azuredeploy.json"),
            &[&format!("{WSVNET}{params}")],
        );
        let t = &l.topology;
        assert_eq!(
            counts(t),
            vec![
                ("workspaces", 1),
                ("storage accounts", 1),
                ("key vaults", 1),
                ("container registries", 1),
                ("application insights", 1),
                ("virtual networks", 1),
                ("subnets", 1),
                ("private endpoints", 1),
                ("private dns zones", 2),
            ],
            "{params}"
        );
        assert!(t.unmodelled.is_empty());
        assert_eq!(unknown_fields(t), vec!["resource_group"]);
        let ws = &t.workspaces[0];
        assert_eq!(ws.name, "GEN-UNIQUE-10");
        assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
        let subnet = format!(
            "{}/{}",
            t.virtual_networks[0].name, t.virtual_networks[0].subnets[0].name
        );
        // storageAccountBehindVNet = 'true' puts the storage account and the vault behind
        // the VNet; the container registry stays open (containerRegistryBehindVNet = false).
        assert_eq!(
            t.storage_accounts[0].network_rules.virtual_network_rules,
            vec![subnet.clone()]
        );
        assert_eq!(
            t.key_vaults[0].network_acls.virtual_network_rules,
            vec![subnet.clone()]
        );
        assert!(
            t.container_registries[0]
                .network_rule_set
                .virtual_network_rules
                .is_empty()
        );
        assert_eq!(
            t.container_registries[0].sku,
            moat_model::enums::AcrSku::Premium
        );
        let pe = &t.private_endpoints[0];
        assert_eq!(pe.name, "GEN-UNIQUE-10-PrivateEndpoint");
        assert_eq!(pe.target.to_string(), "workspace/GEN-UNIQUE-10");
        assert_eq!(pe.subnet, subnet);
        assert_eq!(pe.connection_state, ConnectionState::Approved);
        // environment() is the public cloud: its zones, even for a US Government location.
        assert_eq!(
            pe.dns_zone_group,
            vec![
                "privatelink.api.azureml.ms",
                "privatelink.notebooks.azure.net"
            ]
        );
        assert!(
            t.private_dns_zones
                .iter()
                .all(|z| z.vnet_links == vec![t.virtual_networks[0].name.clone()])
        );
        // appInsightsLocation moves westcentralus to southcentralus.
        if params == "azuredeploy.parameters.json" {
            assert_eq!(
                t.application_insights[0].region.as_deref(),
                Some("southcentralus")
            );
            assert_eq!(ws.region.as_deref(), Some("westcentralus"));
        } else {
            assert_eq!(ws.region.as_deref(), Some("usgovarizona"));
        }
    }
}

#[test]
fn workspace_vnet_without_parameters() {
    // privateEndpointType defaults to none: no VNet, subnet, endpoint or zones; the container
    // registry option defaults to none.
    let l = import(&format!("{WSVNET}azuredeploy.json"), &[]);
    let t = &l.topology;
    assert_eq!(
        counts(t),
        vec![
            ("workspaces", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("application insights", 1)
        ]
    );
    let f = unknown_fields(t);
    assert_eq!((count(&f, "name"), count(&f, "region"), f.len()), (4, 4, 9));
    // Names built from the unknown workspaceName are placeholders, still linked by id.
    assert_eq!(
        t.workspaces[0].storage_account.as_deref(),
        Some(t.storage_accounts[0].name.as_str())
    );
    assert!(t.workspaces[0].container_registry.is_none());
}

#[test]
fn network_restricted_with_its_parameters() {
    let l = import(
        &format!("{RESTRICTED}azuredeploy.json"),
        &[&format!("{RESTRICTED}azuredeploy.parameters.json")],
    );
    let t = &l.topology;
    assert_eq!(
        counts(t),
        vec![
            ("workspaces", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("external virtual networks", 1),
            ("external subnets", 1),
            ("private endpoints", 5),
            ("private dns zones", 8),
        ]
    );
    assert_eq!(
        unmodelled(t),
        vec![
            "Microsoft.CognitiveServices/accounts",
            "Microsoft.MachineLearningServices/workspaces/connections",
            "Microsoft.Network/privateEndpoints",
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "Microsoft.OperationalInsights/workspaces",
        ]
    );
    // The five endpoints (vault, registry, blob, file, workspace) sit in a subnet of the
    // prerequisite VNet, which this template does not deploy (its id is built from the
    // `vnetName` and `subnetName` parameters): they are kept, in that subnet, external, their
    // addresses unknown; the eight zones link to its VNet.
    let mut pes: Vec<(&str, &str)> = t
        .private_endpoints
        .iter()
        .map(|p| (p.subnet.as_str(), p.group_id.as_str()))
        .collect();
    pes.sort();
    let subnet = "GET-PREREQ-vnetName/GET-PREREQ-subnetName";
    assert_eq!(
        pes,
        vec![
            (subnet, "amlworkspace"),
            (subnet, "blob"),
            (subnet, "file"),
            (subnet, "registry"),
            (subnet, "vault")
        ]
    );
    assert_eq!(
        moat_model::external::list(t),
        vec![
            "vnet/GET-PREREQ-vnetName",
            "subnet/GET-PREREQ-vnetName/GET-PREREQ-subnetName"
        ]
    );
    let f = unknown_fields(t);
    assert_eq!(
        (
            count(&f, "subnet"),
            count(&f, "*"),
            count(&f, "ip_address"),
            count(&f, "vnet_links"),
            f.len()
        ),
        (0, 2, 5, 0, 9)
    );
    assert_eq!(l.warnings.len(), 14);
    assert!(
        l.warnings
            .iter()
            .all(|w| w.level == moat_model::Level::Warning)
    );
    let ws = &t.workspaces[0];
    // Written 'AllowInternetOutBound' in the template.
    assert_eq!(
        ws.managed_network.isolation_mode,
        IsolationMode::AllowInternetOutbound
    );
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(ws.kind, Some(WorkspaceKind::Default));
    // The links name the prerequisite VNet by id: kept, to that external VNet.
    assert!(
        t.private_dns_zones
            .iter()
            .all(|z| z.vnet_links == vec!["GET-PREREQ-vnetName"])
    );
}

#[test]
fn network_restricted_without_parameters_and_its_prerequisites() {
    let l = import(&format!("{RESTRICTED}azuredeploy.json"), &[]);
    assert_eq!(l.topology.private_dns_zones.len(), 8);
    assert_eq!(l.topology.workspaces.len(), 1);
    // The endpoints' subnet id is built from parameters without values: its VNet and subnet
    // names are unknown parts, and the endpoints sit in that one external subnet, their
    // addresses unknown.
    let f = unknown_fields(&l.topology);
    assert_eq!(
        (
            count(&f, "name"),
            count(&f, "*"),
            count(&f, "ip_address"),
            f.len()
        ),
        (19, 2, 5, 28)
    );
    assert_eq!(l.topology.virtual_networks.len(), 1);
    assert!(l.topology.virtual_networks[0].external);
    // The zones' links name that VNet through the same parameter (the same unknown value):
    // kept, to it.
    let vnet = l.topology.virtual_networks[0].name.clone();
    assert!(
        l.topology
            .private_dns_zones
            .iter()
            .all(|z| z.vnet_links == vec![vnet.clone()])
    );

    let l = import(
        &format!("{RESTRICTED}prereqs/prereq.azuredeploy.json"),
        &[&format!(
            "{RESTRICTED}prereqs/prereq.azuredeploy.parameters.json"
        )],
    );
    let t = &l.topology;
    assert_eq!(
        counts(t),
        vec![
            ("virtual networks", 1),
            ("subnets", 1),
            ("public ips", 1),
            ("virtual machines", 1),
            ("network interfaces", 1)
        ]
    );
    assert_eq!(t.virtual_networks[0].name, "CoreVnet");
    assert_eq!(t.network_interfaces[0].subnet, "CoreVnet/default");
    assert_eq!(
        t.network_interfaces[0].public_ip.as_deref(),
        Some("windows-bastion-ip")
    );
    assert_eq!(
        t.virtual_machines[0].network_interfaces,
        vec!["windows-bastion-nic"]
    );
    assert_eq!(unknown_fields(t), vec!["region", "resource_group"]);
}

#[test]
fn avm_workspace_and_registry_modules_with_default_parameters() {
    let l = import(AVM_WS, &[]);
    let t = &l.topology;
    assert_eq!(counts(t), vec![("workspaces", 1)]);
    assert!(t.unmodelled.is_empty());
    assert_eq!(unknown_fields(t), vec!["name", "region", "resource_group"]);
    let ws = &t.workspaces[0];
    assert_eq!(ws.name, "unresolved-workspace");
    // publicNetworkAccess defaults to Disabled in the module; managedNetworkSettings to null.
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(ws.managed_network.isolation_mode, IsolationMode::Disabled);
    assert_eq!(ws.kind, Some(WorkspaceKind::Default));

    let l = import(AVM_REG, &[]);
    let t = &l.topology;
    assert_eq!(counts(t), vec![("registries", 1)]);
    assert_eq!(
        unknown_fields(t),
        vec![
            "acr.name",
            "name",
            "region",
            "regions",
            "resource_group",
            "storage.name"
        ]
    );
    let r = &t.registries[0];
    assert_eq!(r.name, "unresolved-registry");
    assert_eq!(r.acr.sku, Some(moat_model::enums::AcrSku::Premium));
}

#[test]
fn ai_platform_baseline_with_default_parameters() {
    let t0 = std::time::Instant::now();
    let l = import(BASELINE, &[]);
    // The release build takes well under a second; this bound only catches pathologies.
    assert!(t0.elapsed().as_secs() < 60, "{:?}", t0.elapsed());
    let t = &l.topology;
    assert_eq!(
        counts(t),
        vec![
            ("workspaces", 2),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("virtual networks", 1),
            ("subnets", 2),
            ("network security groups", 1),
            ("nsg rules", 1),
            ("public ips", 1),
            ("bastion hosts", 1),
            ("virtual machines", 1),
            ("network interfaces", 1),
            ("private endpoints", 3),
            ("private dns zones", 4),
        ]
    );
    assert_eq!(
        unmodelled(t),
        vec![
            "Microsoft.Insights/diagnosticSettings",
            "Microsoft.OperationalInsights/workspaces",
            "Microsoft.Storage/storageAccounts/blobServices"
        ]
    );
    let f = unknown_fields(t);
    assert_eq!((count(&f, "name"), f.len()), (21, 23));
    assert!(l.warnings.is_empty());
    // The required `name` has no value, yet everything links through the unknown's identity.
    let hub = t
        .workspaces
        .iter()
        .find(|w| w.kind == Some(WorkspaceKind::Hub))
        .unwrap();
    let project = t
        .workspaces
        .iter()
        .find(|w| w.kind == Some(WorkspaceKind::Project))
        .unwrap();
    assert_eq!(project.hub.as_deref(), Some(hub.name.as_str()));
    assert_eq!(
        hub.managed_network.isolation_mode,
        IsolationMode::AllowInternetOutbound
    );
    assert_eq!(hub.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(
        hub.storage_account.as_deref(),
        Some(t.storage_accounts[0].name.as_str())
    );
    let vnet = &t.virtual_networks[0];
    let default_subnet = format!("{}/default", vnet.name);
    assert_eq!(
        vnet.subnets[0].network_security_group.as_deref(),
        Some(t.network_security_groups[0].name.as_str())
    );
    assert!(
        t.private_endpoints
            .iter()
            .all(|p| p.subnet == default_subnet)
    );
    let mut targets: Vec<String> = t
        .private_endpoints
        .iter()
        .map(|p| format!("{}:{}", p.target, p.group_id))
        .collect();
    targets.sort();
    let storage = &t.storage_accounts[0].name;
    assert_eq!(
        targets,
        vec![
            format!("storage/{storage}:blob"),
            format!("storage/{storage}:file"),
            format!("workspace/{}:amlworkspace", hub.name)
        ]
    );
    assert!(
        t.private_dns_zones
            .iter()
            .all(|z| z.vnet_links == vec![vnet.name.clone()])
    );
    assert_eq!(t.bastion_hosts[0].vnet, vnet.name);
    assert_eq!(t.network_interfaces[0].subnet, default_subnet);
}
