//! A template whose subnets are parameters (`parameters('endpointSubnetId')`,
//! `parameters('computeSubnetId')`), the way shared-network deployments are written: until the
//! parameters have values, the two subnets may sit in one VNet or in two, so a rule that asks
//! whether the computes share a VNet with the private endpoints is undecided, never a false
//! error.

use moat_engine::Engine;
use moat_ingest::{Options, load_opts};
use moat_rules::check::{Selection, run};
use moat_rules::{Context, Finding};
use std::path::{Path, PathBuf};

fn template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../moat-arm/tests/data/subnet-parameters.json")
}

/// The findings of `check` with these parameter values.
fn check(values: &[(&str, &str)]) -> Vec<Finding> {
    let opts = Options {
        parameter_values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Options::default()
    };
    let loaded = load_opts(&template(), &opts).unwrap_or_else(|e| panic!("{e:?}"));
    let e = Engine::for_topology(&loaded.topology, None).unwrap();
    run(&Context::new(&e), &Selection::default())
}

fn with<'a>(fs: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.code == code).collect()
}

fn subnet(vnet: &str, name: &str) -> String {
    format!(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}"
    )
}

#[test]
fn acr002_a_registry_endpoint_in_a_parameter_subnet_may_share_the_computes_vnet() {
    // "If your Azure Container Registry uses a private endpoint, it must be in the same virtual
    // network as the storage account and compute targets used for training or inference."
    // With both subnets given as parameters without values, whether that holds is open.
    let open = check(&[]);
    let f = with(&open, "ACR002");
    assert_eq!(f.len(), 1, "{open:#?}");
    assert!(!f[0].needs.is_empty(), "{:#?}", f[0]);
    assert!(f[0].message.contains("may not be"), "{}", f[0].message);

    // The same VNet: the registry is where its users are.
    let same = check(&[
        ("endpointSubnetId", &subnet("spoke", "pe")),
        ("computeSubnetId", &subnet("spoke", "train")),
    ]);
    assert!(with(&same, "ACR002").is_empty(), "{same:#?}");

    // Two VNets the template does not declare: whether they are peered is unknown.
    let two = check(&[
        ("endpointSubnetId", &subnet("hub", "pe")),
        ("computeSubnetId", &subnet("spoke", "train")),
    ]);
    let f = with(&two, "ACR002");
    assert_eq!(f.len(), 1, "{two:#?}");
    assert_eq!(
        f[0].needs,
        ["the properties of vnet/hub (give the input that declares it, or a live export)"]
    );
}

#[test]
fn cmp013_a_compute_instance_in_a_parameter_subnet_may_be_in_the_workspace_vnet() {
    // "A compute instance cannot be in a different region or VNet than its workspace" (the
    // workspace's private endpoint VNet): with both subnets parameters, the VNets may be one.
    let open = check(&[]);
    let f = with(&open, "CMP013");
    assert_eq!(f.len(), 1, "{open:#?}");
    assert!(!f[0].needs.is_empty(), "{:#?}", f[0]);

    let same = check(&[
        ("endpointSubnetId", &subnet("spoke", "pe")),
        ("computeSubnetId", &subnet("spoke", "train")),
    ]);
    assert!(with(&same, "CMP013").is_empty(), "{same:#?}");

    // Two VNets the ids name: decided, whatever else is unknown about them.
    let two = check(&[
        ("endpointSubnetId", &subnet("hub", "pe")),
        ("computeSubnetId", &subnet("spoke", "train")),
    ]);
    let f = with(&two, "CMP013");
    assert_eq!(f.len(), 1, "{two:#?}");
    assert!(f[0].needs.is_empty(), "{:#?}", f[0]);
}

/// The findings of `check` on a file or directory of the importers' test data.
fn check_path(rel: &str) -> Vec<Finding> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let loaded = moat_ingest::load(&path, None).unwrap_or_else(|e| panic!("{e:?}"));
    let e = Engine::for_topology(&loaded.topology, None).unwrap();
    run(&Context::new(&e), &Selection::default())
}

#[test]
fn acr002_subnet_ids_built_from_one_vnet_name_parameter_share_the_vnet() {
    // `resourceId(rg, 'Microsoft.Network/virtualNetworks/subnets', vnet, subnet)` names the
    // subnet of VNet `vnet`: two ids built from the same unknown VNet name are in one VNet
    // (ws-shared's cluster and its registry's endpoint), two built from two parameters may be
    // in two (ws-apart's).
    let fs = check_path("moat-arm/tests/data/subnet-vnet-names.json");
    let f = with(&fs, "ACR002");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].resource, "acr/acrapart");
    assert!(!f[0].needs.is_empty(), "{:#?}", f[0]);
}

#[test]
fn acr002_subnet_data_sources_given_one_vnet_name_share_the_vnet() {
    // Terraform: `data "azurerm_subnet"` reads subnet `name` of VNet `virtual_network_name`.
    // The shared registry's endpoint and the training cluster are in subnets read with the same
    // VNet variable: one VNet, nothing to report. The batch cluster's VNet is another variable:
    // open.
    let fs = check_path("moat-terraform/tests/data/data-subnets");
    let f = with(&fs, "ACR002");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].resource, "acr/azurerm_container_registry.batch");
    assert!(!f[0].needs.is_empty(), "{:#?}", f[0]);
}

#[test]
fn two_members_of_one_object_parameter_are_two_subnets() {
    // ARM: `parameters('network').endpointSubnetId` and `parameters('network').computeSubnetId`
    // are two properties of the object the parameter holds: without a value they may name two
    // subnets of two VNets, so the computes are not placed beside the endpoints.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../moat-arm/tests/data/subnet-object-parameter.json");
    let loaded = moat_ingest::load(&path, None).unwrap_or_else(|e| panic!("{e:?}"));
    let t = &loaded.topology;
    let pe = &t.private_endpoints[0].subnet;
    let compute = t
        .computes
        .iter()
        .find(|c| c.name == "train")
        .and_then(|c| c.subnet.clone())
        .expect("the cluster's subnet");
    assert_eq!(pe, "<network.endpointSubnetId>/<network.endpointSubnetId>");
    assert_eq!(
        compute,
        "<network.computeSubnetId>/<network.computeSubnetId>"
    );

    let fs = check_path("moat-arm/tests/data/subnet-object-parameter.json");
    for code in ["ACR002", "CMP013"] {
        let f = with(&fs, code);
        assert_eq!(f.len(), 1, "{code}: {fs:#?}");
        assert!(!f[0].needs.is_empty(), "{:#?}", f[0]);
    }
}
