//! Secure Azure ML workspaces in the shapes templates take in practice: private endpoints
//! made in a copy loop into a subnet of a VNet in another resource group, DNS zones from a
//! nested deployment whose output the endpoints read with `reference()`; and a spoke that
//! deploys its VNet with the subnets as child resources, one module per endpoint, and links
//! its VNet to a central zone it does not deploy. What each template states is kept, and what
//! it leaves to Azure or to other templates stays open.

use moat_arm::{ArmOptions, load};
use moat_doc::Loaded;
use moat_model::Topology;
use std::path::PathBuf;

fn data(p: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/")).join(p)
}

fn import(template: &str, params: &[&str]) -> Loaded {
    let opts = ArmOptions {
        parameter_files: params.iter().map(|p| data(p)).collect(),
        ..Default::default()
    };
    load(&data(template), &opts).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

/// Each private endpoint as (name, target, group id, subnet, zones of its zone group).
fn endpoints(t: &Topology) -> Vec<(String, String, String, String, Vec<String>)> {
    let mut v: Vec<_> = t
        .private_endpoints
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.target.to_string(),
                p.group_id.clone(),
                p.subnet.clone(),
                p.dns_zone_group.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn codes(l: &Loaded) -> Vec<&str> {
    l.warnings.iter().map(|w| w.code.as_str()).collect()
}

/// Facts §2.1 (group ids and zone names): a workspace's `amlworkspace` endpoint goes with
/// `privatelink.api.azureml.ms` and `privatelink.notebooks.azure.net`, storage `blob` and
/// `file` with `privatelink.blob.core.windows.net` and `privatelink.file.core.windows.net`, a
/// vault with `privatelink.vaultcore.azure.net`, a registry with `privatelink.azurecr.io`. The
/// template makes the five endpoints in one copy loop and takes each zone group's zones from
/// the `dns` deployment's output by `reference()`: each endpoint keeps its target, its group
/// and its zones, in the subnet the parameter names, of a VNet in another resource group that
/// the template does not deploy (so external, its properties unknown). The zones link that VNet.
#[test]
fn endpoints_from_a_copy_loop_read_their_zones_from_a_nested_deployment_output() {
    let l = import(
        "secure-ml-pe-loop.json",
        &["secure-ml-pe-loop.parameters.json"],
    );
    let t = &l.topology;
    let pe = |n: &str, target: &str, group: &str, zones: &[&str]| {
        (
            format!("mlsec-pe-{n}"),
            target.to_string(),
            group.to_string(),
            "vnet-hub/snet-pe".to_string(),
            zones.iter().map(|z| z.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        endpoints(t),
        [
            pe(
                "acr",
                "acr/mlsecacr",
                "registry",
                &["privatelink.azurecr.io"]
            ),
            pe(
                "blob",
                "storage/mlsecst",
                "blob",
                &["privatelink.blob.core.windows.net"]
            ),
            pe(
                "file",
                "storage/mlsecst",
                "file",
                &["privatelink.file.core.windows.net"]
            ),
            pe(
                "vault",
                "keyvault/mlsec-kv",
                "vault",
                &["privatelink.vaultcore.azure.net"]
            ),
            pe(
                "ws",
                "workspace/mlsec-ws",
                "amlworkspace",
                &[
                    "privatelink.api.azureml.ms",
                    "privatelink.notebooks.azure.net"
                ]
            ),
        ]
    );
    assert_eq!(t.private_dns_zones.len(), 6);
    for z in &t.private_dns_zones {
        assert!(!z.external, "{}", z.name);
        assert_eq!(z.vnet_links, ["vnet-hub"], "{}", z.name);
    }
    let hub: Vec<_> = t
        .virtual_networks
        .iter()
        .map(|v| (v.name.as_str(), v.external))
        .collect();
    assert_eq!(hub, [("vnet-hub", true)]);
    let cluster = &t.computes[0];
    assert_eq!(cluster.subnet.as_deref(), Some("vnet-hub/snet-train"));
    assert!(!cluster.enable_node_public_ip);
    // Nothing is left out: no reference dangles.
    assert!(
        !codes(&l).contains(&"dangling-reference"),
        "{:?}",
        codes(&l)
    );
}

/// "This capability is now available with API version 2023-09-01" (Azure Networking Blog,
/// "Azure Virtual Network now supports updates without subnet property"); before it, "If a
/// subnet property isn't included, the subnets are deleted". The spoke's VNet leaves its
/// subnets out at API version 2022-09-01 and declares them as child resources in a copy loop:
/// each deployment of the VNet removes them until their own PUTs add them back. The loop
/// depends on the VNet by its symbolic name, and Resource Manager "deploys them in their
/// dependent order" ("Define the order for deploying resources in ARM templates"): once the
/// deployment is done the subnets are back, so they are deployed, and each keeps its warning.
/// Without that dependency (the loop depending on the NSG alone) nothing orders them after
/// the VNet: each may or may not exist, and the endpoints and the compute instance in them
/// with them.
#[test]
fn a_spoke_vnet_before_2023_09_01_removes_its_child_subnets_until_their_puts() {
    let l = import("secure-ml-spoke-modules.json", &[]);
    let t = &l.topology;
    assert!(t.may_exist.is_empty(), "{:?}", t.may_exist);
    let conflicts = codes(&l)
        .iter()
        .filter(|c| **c == "inline-conflict")
        .count();
    assert_eq!(conflicts, 2);

    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("secure-ml-spoke-modules.json")).unwrap(),
    )
    .unwrap();
    v["resources"]["subnet"]["dependsOn"] = serde_json::json!(["nsg"]);
    let dir = std::env::temp_dir().join(format!("moat-spoke-unordered-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("azuredeploy.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let unordered =
        load(&file, &ArmOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let _ = std::fs::remove_dir_all(&dir);
    let mut may: Vec<&str> = unordered
        .topology
        .may_exist
        .iter()
        .map(|m| m.resource.as_str())
        .collect();
    may.sort();
    assert_eq!(
        may,
        [
            "subnet/mlspk-vnet/snet-pe",
            "subnet/mlspk-vnet/snet-training"
        ]
    );
    // The subnets are still the VNet's, with the prefixes and NSG the loop gives them.
    let vnet = &t.virtual_networks[0];
    let subnets: Vec<(&str, String, Option<&str>)> = vnet
        .subnets
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.address_prefixes
                    .iter()
                    .map(|p| p.0.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                s.network_security_group.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        subnets,
        [
            (
                "snet-training",
                "10.40.1.0/24".to_string(),
                Some("mlspk-nsg")
            ),
            ("snet-pe", "10.40.2.0/24".to_string(), Some("mlspk-nsg"))
        ]
    );
}

/// The spoke makes one endpoint per target with a module in a copy loop, each with a zone
/// group naming zones in the hub's DNS resource group (facts §2.1 pairs each group id with
/// its zones), and links its VNet to one of them, `privatelink.api.azureml.ms`, with a
/// deployment into that group. The zones are not deployed by the template: each is external,
/// with unknown other links and records; the link the template declares is kept on the
/// external zone, never dropped as dangling, and names the spoke VNet.
#[test]
fn a_link_to_a_central_zone_the_template_does_not_deploy_is_kept() {
    let l = import("secure-ml-spoke-modules.json", &[]);
    let t = &l.topology;
    let pe = |n: &str, target: &str, group: &str, zones: &[&str]| {
        (
            format!("mlspk-pe-{n}"),
            target.to_string(),
            group.to_string(),
            "mlspk-vnet/snet-pe".to_string(),
            zones.iter().map(|z| z.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        endpoints(t),
        [
            pe(
                "blob",
                "storage/mlspkst",
                "blob",
                &["privatelink.blob.core.windows.net"]
            ),
            pe(
                "file",
                "storage/mlspkst",
                "file",
                &["privatelink.file.core.windows.net"]
            ),
            pe(
                "vault",
                "keyvault/mlspk-kv",
                "vault",
                &["privatelink.vaultcore.azure.net"]
            ),
            pe(
                "ws",
                "workspace/mlspk-ws",
                "amlworkspace",
                &[
                    "privatelink.api.azureml.ms",
                    "privatelink.notebooks.azure.net"
                ]
            ),
        ]
    );
    let mut zones: Vec<(&str, bool, Vec<String>)> = t
        .private_dns_zones
        .iter()
        .map(|z| (z.name.as_str(), z.external, z.vnet_links.clone()))
        .collect();
    zones.sort();
    let none: Vec<String> = Vec::new();
    assert_eq!(
        zones,
        [
            (
                "privatelink.api.azureml.ms",
                true,
                vec!["mlspk-vnet".to_string()]
            ),
            ("privatelink.blob.core.windows.net", true, none.clone()),
            ("privatelink.file.core.windows.net", true, none.clone()),
            ("privatelink.notebooks.azure.net", true, none.clone()),
            ("privatelink.vaultcore.azure.net", true, none.clone()),
        ]
    );
    assert!(
        !codes(&l).contains(&"dangling-reference"),
        "{:?}",
        codes(&l)
    );
    // What the external zones hold besides is unknown.
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "private-dns-zone/privatelink.api.azureml.ms"),
        "{:#?}",
        t.unknowns
    );
}

/// A subnet a module adds to an existing hub VNet in another resource group is the
/// template's own (its prefix, NSG and route table as written), in a VNet that is external
/// (its address space, DNS servers and peerings unknown); the cluster and the workspace's
/// endpoint take its id from the module's output and sit in it. The default route's next hop
/// is the address of the hub's existing firewall, which `reference()` cannot give from the
/// template: the route is left open, never read as absent or as another address.
#[test]
fn a_subnet_added_to_an_existing_hub_keeps_what_the_template_writes() {
    let l = import("secure-ml-existing-hub.json", &[]);
    let t = &l.topology;
    let hub = &t.virtual_networks[0];
    assert_eq!((hub.name.as_str(), hub.external), ("vnet-hub", true));
    let s = &hub.subnets[0];
    assert_eq!(s.name, "snet-ml");
    assert_eq!(
        s.address_prefixes
            .iter()
            .map(|p| p.0.to_string())
            .collect::<Vec<_>>(),
        ["10.0.8.0/24"]
    );
    assert_eq!(s.network_security_group.as_deref(), Some("mlhub-nsg"));
    assert_eq!(s.route_table.as_deref(), Some("mlhub-rt"));
    assert_eq!(t.computes[0].subnet.as_deref(), Some("vnet-hub/snet-ml"));
    assert_eq!(t.private_endpoints[0].subnet, "vnet-hub/snet-ml");
    assert!(t.route_tables[0].routes.is_empty());
    let open: Vec<(&str, &str)> = t
        .unknowns
        .iter()
        .filter(|u| u.resource.starts_with("route-table/"))
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .collect();
    assert_eq!(open, [("route-table/mlhub-rt", "routes/default")]);
}
