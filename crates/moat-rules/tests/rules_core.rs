//! The workspace, registry, private endpoint, DNS, storage and key vault rules: for each, a
//! minimal deployment that triggers it and a close one that does not, plus the scenarios of
//! the seed documents for these areas.

use moat_engine::Code;
use moat_engine::Engine;
use moat_engine::ops::Status;
use moat_model::Topology;
use moat_rules::check::{Selection, run};
use moat_rules::{Context, Finding, Severity, by_code};

/// The rules of this file.
const CODES: &[&str] = &[
    "WS002", "WS003", "WS004", "WS005", "WS006", "REG003", "REG004", "REG005", "REG006", "REG007",
    "REG008", "REG010", "REG012", "REG013", "PE001", "PE003", "PE004", "PE005", "PE006", "PE007",
    "DNS001", "DNS002", "ST001", "ST002", "ST003", "ST004", "ST005", "KV001",
];

fn topology(yaml: &str) -> Topology {
    match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    }
}

/// The findings of one rule.
fn check(code: &str, yaml: &str) -> Vec<Finding> {
    let t = topology(yaml);
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    by_code(code)
        .unwrap_or_else(|| panic!("{code} is not registered"))
        .check(&cx, &mut v);
    v
}

/// The one finding of a rule, checked for its code, severity and resource.
fn one(code: &str, yaml: &str, severity: Severity, resource: &str) -> Finding {
    let v = check(code, yaml);
    assert_eq!(v.len(), 1, "{code}: expected one finding, got {v:#?}");
    let f = v.into_iter().next().unwrap();
    assert_eq!(f.code, code);
    assert_eq!(f.severity, severity, "{f:#?}");
    assert_eq!(f.resource, resource, "{f:#?}");
    f
}

fn none(code: &str, yaml: &str) {
    let v = check(code, yaml);
    assert!(v.is_empty(), "{code}: expected no finding, got {v:#?}");
}

/// The code of the hop that stopped the finding's trace.
fn blocked(f: &Finding) -> Code {
    let t = f
        .trace
        .as_ref()
        .unwrap_or_else(|| panic!("no trace: {f:#?}"));
    t.blocked_by
        .as_ref()
        .map(|h| h.code)
        .unwrap_or_else(|| panic!("the trace is not blocked: {t:#?}"))
}

fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "`{from}` is not in the topology");
    base.replacen(from, to, 1)
}

/// A secure workspace in one VNet: private endpoints to the workspace, its storage (blob and
/// file), key vault and container registry, privatelink zones linked, a cluster without public
/// IP, and a data scientist on a jump box (seed 002, seed 003).
const BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st, key_vault: kv, container_registry: wsacr, image_build_compute: cpu-cluster }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
storage_accounts:
  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny, resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }
key_vaults:
  - { name: kv, public_network_access: Disabled }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
      - { name: jumpbox, address_prefixes: [10.0.5.0/24] }
virtual_machines:
  - { name: jumpbox, network_interfaces: [jumpbox-nic] }
network_interfaces:
  - { name: jumpbox-nic, subnet: vnet/jumpbox, private_ip_address: 10.0.5.4 }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5, dns_zone_group: [privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: vnet/pe, target: storage/st, group_id: file, ip_address: 10.0.3.6, dns_zone_group: [privatelink.file.core.windows.net] }
  - { name: kv-pe, subnet: vnet/pe, target: keyvault/kv, group_id: vault, ip_address: 10.0.3.7, dns_zone_group: [privatelink.vaultcore.azure.net] }
  - { name: acr-pe, subnet: vnet/pe, target: acr/wsacr, group_id: registry, ip_address: 10.0.3.8, dns_zone_group: [privatelink.azurecr.io] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }
  - { name: privatelink.file.core.windows.net, vnet_links: [vnet] }
  - { name: privatelink.vaultcore.azure.net, vnet_links: [vnet] }
  - { name: privatelink.azurecr.io, vnet_links: [vnet] }
clients:
  - { name: datasci, location: vm/jumpbox, operations: [studio.open, sdk.connect] }
"#;

const ST_LINE: &str = "  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny, resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }";

#[test]
fn base_is_clean_but_for_the_public_control_plane() {
    let t = topology(BASE);
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let sel = Selection {
        select: CODES.iter().map(|c| c.to_string()).collect(),
        ignore: vec![],
    };
    let codes: Vec<&str> = run(&cx, &sel).iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["WS005"]);
}

/// Name, severity and whether the path engine decides, as the catalog (rules.md) states them.
const CATALOG: &[(&str, &str, Severity, bool)] = &[
    (
        "WS002",
        "public-access-with-private-data",
        Severity::Warning,
        false,
    ),
    (
        "WS003",
        "selected-ip-client-not-allowed",
        Severity::Error,
        true,
    ),
    (
        "WS004",
        "removed-endpoints-not-public",
        Severity::Info,
        false,
    ),
    ("WS005", "control-plane-is-public", Severity::Info, false),
    (
        "WS006",
        "workspace-without-compute-cluster",
        Severity::Error,
        false,
    ),
    (
        "REG003",
        "registry-dependencies-still-public",
        Severity::Warning,
        false,
    ),
    (
        "REG004",
        "environment-create-in-private-registry",
        Severity::Error,
        false,
    ),
    (
        "REG005",
        "share-blocked-by-storage-firewall",
        Severity::Error,
        false,
    ),
    (
        "REG006",
        "share-component-unsupported",
        Severity::Error,
        false,
    ),
    (
        "REG007",
        "registry-client-off-network",
        Severity::Error,
        true,
    ),
    ("REG008", "registry-role-missing", Severity::Error, false),
    (
        "REG010",
        "registry-deploy-egress-enabled",
        Severity::Error,
        false,
    ),
    (
        "REG012",
        "registry-per-registry-endpoints",
        Severity::Error,
        false,
    ),
    (
        "REG013",
        "system-registry-exfiltration",
        Severity::Warning,
        false,
    ),
    ("PE001", "endpoint-without-dns", Severity::Error, true),
    (
        "PE003",
        "computes-outside-endpoint-vnet",
        Severity::Error,
        true,
    ),
    (
        "PE004",
        "no-endpoint-beside-dependencies",
        Severity::Error,
        false,
    ),
    (
        "PE005",
        "endpoint-vnet-lacks-dependencies",
        Severity::Error,
        true,
    ),
    ("PE006", "endpoint-region-mismatch", Severity::Error, false),
    (
        "PE007",
        "registry-storage-wrong-subresource",
        Severity::Error,
        false,
    ),
    ("DNS001", "custom-dns-no-forwarder", Severity::Error, true),
    ("DNS002", "onprem-dns-no-forwarder", Severity::Error, true),
    (
        "ST001",
        "studio-storage-service-endpoint-subnet",
        Severity::Error,
        false,
    ),
    (
        "ST002",
        "studio-storage-endpoint-vnet",
        Severity::Error,
        false,
    ),
    (
        "ST003",
        "storage-subresources-missing",
        Severity::Error,
        false,
    ),
    (
        "ST004",
        "storage-workspace-access-missing",
        Severity::Error,
        false,
    ),
    (
        "ST005",
        "storage-smb-through-firewall",
        Severity::Error,
        true,
    ),
    ("KV001", "keyvault-off-network", Severity::Error, true),
];

#[test]
fn every_rule_is_registered_as_the_catalog_states_it() {
    assert_eq!(CATALOG.len(), CODES.len());
    for (code, name, severity, path) in CATALOG {
        assert!(CODES.contains(code));
        let r = by_code(code).unwrap_or_else(|| panic!("{code} is not registered"));
        let d = r.doc();
        assert_eq!(
            (d.code, d.name, d.severity, d.path),
            (*code, *name, *severity, *path)
        );
        assert!(!d.what.is_empty() && !d.why.is_empty());
        assert!(!d.example.is_empty() && !d.fix.is_empty() && !d.sources.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// WS

#[test]
fn ws002_public_workspace_with_private_storage() {
    let yaml = with(
        BASE,
        "name: ws, public_network_access: Disabled",
        "name: ws, public_network_access: Enabled",
    );
    let f = one("WS002", &yaml, Severity::Warning, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    // The same public workspace with storage open to all networks.
    let yaml = with(
        &yaml,
        ST_LINE,
        "  - { name: st, public_network_access: Enabled }",
    );
    none("WS002", &yaml);
}

const SELECTED_IPS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [16.17.18.0/24] } }
clients:
  - { name: laptop, location: internet, public_address: 20.1.2.3, operations: [sdk.connect] }
"#;

#[test]
fn ws003_client_outside_the_ip_allow_list() {
    let f = one("WS003", SELECTED_IPS, Severity::Error, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfIpNotAllowed);
    none(
        "WS003",
        &with(
            SELECTED_IPS,
            "public_address: 20.1.2.3",
            "public_address: 16.17.18.9",
        ),
    );
}

#[test]
fn ws003_undeclared_client_address_is_a_warning() {
    let yaml = with(SELECTED_IPS, "public_address: 20.1.2.3, ", "");
    let f = one("WS003", &yaml, Severity::Warning, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfIpUndecided);
}

#[test]
fn ws004_removing_every_endpoint_does_not_make_a_workspace_public() {
    // Seed 003: "Removing the private endpoints for a workspace doesn't make it publicly
    // accessible."
    let yaml = "region: eastus\nworkspaces: [{ name: ws, public_network_access: Disabled }]\n";
    one("WS004", yaml, Severity::Info, "workspace/ws");
    none("WS004", BASE);
    none(
        "WS004",
        "region: eastus\nworkspaces: [{ name: ws, public_network_access: Enabled }]\n",
    );
}

#[test]
fn ws005_private_workspace_still_uses_the_public_control_plane() {
    one("WS005", BASE, Severity::Info, "workspace/ws");
    none(
        "WS005",
        &with(
            BASE,
            "name: ws, public_network_access: Disabled",
            "name: ws, public_network_access: Enabled",
        ),
    );
}

const NO_CLUSTER: &str = r#"
region: eastus
workspaces:
  - { name: ws, container_registry: wsacr }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance }
"#;

#[test]
fn ws006_registry_behind_vnet_needs_a_compute_cluster() {
    // A compute instance does not count: seed 002 asks for a compute cluster.
    one("WS006", NO_CLUSTER, Severity::Error, "workspace/ws");
    none(
        "WS006",
        &with(NO_CLUSTER, "type: ComputeInstance", "type: AmlCompute"),
    );
    // A public container registry needs no cluster: images build there.
    none(
        "WS006",
        &with(
            NO_CLUSTER,
            "public_network_access: Disabled",
            "public_network_access: Enabled",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// REG

#[test]
fn reg003_private_registry_with_public_storage_and_acr() {
    let yaml = "region: eastus\nregistries: [{ name: contosoreg, public_network_access: Disabled, storage: { public_network_access: Enabled } }]\n";
    let v = check("REG003", yaml);
    assert_eq!(v.len(), 2, "{v:#?}");
    let mut r: Vec<(&str, Severity)> = v
        .iter()
        .map(|f| (f.resource.as_str(), f.severity))
        .collect();
    r.sort();
    assert_eq!(
        r,
        vec![
            ("registry/contosoreg:acr", Severity::Warning),
            ("registry/contosoreg:storage", Severity::Warning)
        ]
    );
    none(
        "REG003",
        "region: eastus\nregistries: [{ name: contosoreg, public_network_access: Disabled, storage: { public_network_access: Disabled }, acr: { public_network_access: Disabled } }]\n",
    );
    // A public registry may keep public dependencies.
    none(
        "REG003",
        "region: eastus\nregistries: [{ name: contosoreg, public_network_access: Enabled }]\n",
    );
}

/// A private registry with its three private endpoints in the workspace VNet, and a data
/// scientist on the jump box who creates assets in it (seed 000, private registry scenario).
fn private_registry() -> String {
    let mut y = BASE.to_string();
    y = with(
        &y,
        "clients:\n  - { name: datasci, location: vm/jumpbox, operations: [studio.open, sdk.connect] }",
        "clients:\n  - { name: datasci, location: vm/jumpbox, operations: [studio.open, sdk.connect, registry.create-from-local] }",
    );
    y = with(
        &y,
        "key_vaults:",
        "registries:\n  - { name: contosoreg, public_network_access: Disabled, storage: { public_network_access: Disabled }, acr: { public_network_access: Disabled, sku: Premium } }\nkey_vaults:",
    );
    y = with(
        &y,
        "private_dns_zones:",
        "  - { name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, ip_address: 10.0.3.9, dns_zone_group: [privatelink.api.azureml.ms] }\n  - { name: reg-st-pe, subnet: vnet/pe, target: \"registry/contosoreg:storage\", group_id: blob, ip_address: 10.0.3.10, dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: reg-acr-pe, subnet: vnet/pe, target: \"registry/contosoreg:acr\", group_id: registry, ip_address: 10.0.3.11, dns_zone_group: [privatelink.azurecr.io] }\nprivate_dns_zones:",
    );
    y.push_str("role_assignments:\n  - { principal: datasci, role: AzureML Registry User, scope: registry/contosoreg }\n");
    y
}

#[test]
fn private_registry_base_is_clean_for_registry_rules() {
    let yaml = private_registry();
    for code in ["REG003", "REG005", "REG006", "REG007", "REG008", "REG012"] {
        none(code, &yaml);
    }
}

#[test]
fn reg004_environments_cannot_be_created_in_a_registry_with_private_acr() {
    let yaml = private_registry();
    // Registries, "Create assets in registry from local files": "Creating an environment
    // asset is not supported in a private registry where associated ACR has public access
    // disabled." Only create-from-local is declared: whether environments are among the
    // assets is a use the input does not show, so the requirement is information, undecided.
    let f = one("REG004", &yaml, Severity::Info, "registry/contosoreg");
    assert!(
        f.message.contains("environments cannot be created"),
        "{f:#?}"
    );
    assert!(
        f.needs
            .iter()
            .any(|n| n.contains("registry.create-environment")),
        "{f:#?}"
    );
    // Declared environment creation: an error.
    let sure = with(
        &yaml,
        "registry.create-from-local]",
        "registry.create-from-local, registry.create-environment]",
    );
    let f = one("REG004", &sure, Severity::Error, "registry/contosoreg");
    assert!(f.needs.is_empty(), "{f:#?}");
    // The registry's container registry open: environments can be created.
    none(
        "REG004",
        &with(
            &sure,
            "acr: { public_network_access: Disabled, sku: Premium }",
            "acr: { public_network_access: Enabled, sku: Premium }",
        ),
    );
}

const SHARE: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st, shares_to: [{ registry: contosoreg, assets: [model] }] }
registries:
  - { name: contosoreg }
storage_accounts:
  - { name: st, public_network_access: Disabled }
"#;

#[test]
fn reg005_sharing_from_storage_with_public_access_disabled_fails() {
    // Seed 000: "it isn't possible to share an asset from secure workspace to a public
    // registry if the storage account containing the asset has public access disabled".
    let f = one("REG005", SHARE, Severity::Error, "storage/st");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    let t = topology(SHARE);
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let op = cx
        .op(moat_engine::OpId::RegistryShareFromWorkspace)
        .next()
        .expect("the share operation");
    assert_eq!(op.status, Status::Fails);
}

#[test]
fn reg005_selected_networks_with_the_registry_instance_allows_sharing() {
    // Seed 000's procedure: Enabled from selected networks + resource instance
    // Microsoft.MachineLearningServices/registries naming the registry.
    let yaml = with(
        SHARE,
        "  - { name: st, public_network_access: Disabled }",
        "  - { name: st, public_network_access: Enabled, network_rules: { default_action: Deny, bypass: [None], resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }] } }",
    );
    none("REG005", &yaml);
    // The instance names another registry: refused.
    let other = with(&yaml, "name: contosoreg }] }", "name: otherreg }] }");
    let f = one("REG005", &other, Severity::Error, "storage/st");
    assert_eq!(blocked(&f), Code::RfServiceDenied);
    // Trusted services are not the documented procedure: still reported, even though the
    // engine lets the trusted service through (so no failing trace is attached).
    let trusted = with(&other, "bypass: [None]", "bypass: [AzureServices]");
    let f = one("REG005", &trusted, Severity::Error, "storage/st");
    assert!(f.trace.is_none());
    // Storage open to all networks: the share works.
    none(
        "REG005",
        &with(
            SHARE,
            "  - { name: st, public_network_access: Disabled }",
            "  - { name: st, public_network_access: Enabled }",
        ),
    );
}

#[test]
fn reg006_sharing_components_is_unsupported() {
    let yaml = with(
        SHARE,
        "  - { name: st, public_network_access: Disabled }",
        "  - { name: st }",
    );
    none("REG006", &yaml);
    let f = one(
        "REG006",
        &with(&yaml, "assets: [model]", "assets: [model, component]"),
        Severity::Error,
        "workspace/ws",
    );
    assert!(f.message.contains("component"), "{f:#?}");
}

#[test]
fn reg007_client_off_the_registry_network() {
    // Seed 000: clients need to be connected to the VNet the registry is connected to.
    let yaml = with(
        &private_registry(),
        "  - { name: datasci, location: vm/jumpbox,",
        "  - { name: home, location: internet, operations: [registry.create-from-local] }\n  - { name: datasci, location: vm/jumpbox,",
    );
    let yaml = format!(
        "{yaml}  - {{ principal: home, role: AzureML Registry User, scope: registry/contosoreg }}\n"
    );
    let f = one("REG007", &yaml, Severity::Error, "registry/contosoreg");
    // The registry has no public name: from the internet the name does not resolve.
    assert_eq!(blocked(&f), Code::DnsNxdomain);
    none("REG007", &private_registry());
}

#[test]
fn reg008_identity_without_registry_role() {
    let yaml = "region: eastus\nregistries: [{ name: contosoreg }]\nclients: [{ name: datasci, location: internet, operations: [registry.create-from-local] }]\n";
    let f = one("REG008", yaml, Severity::Error, "registry/contosoreg");
    assert!(f.message.contains("datasci"), "{f:#?}");
    none(
        "REG008",
        &format!(
            "{yaml}role_assignments: [{{ principal: datasci, role: AzureML Registry User, scope: registry/contosoreg }}]\n"
        ),
    );
    // A role on another scope does not count.
    one(
        "REG008",
        &format!(
            "{yaml}role_assignments: [{{ principal: datasci, role: Owner, scope: workspace/ws }}]\nworkspaces: [{{ name: ws }}]\n"
        ),
        Severity::Error,
        "registry/contosoreg",
    );
}

const DEPLOY: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
registries:
  - { name: contosoreg }
online_endpoints:
  - name: score
    workspace: ws
    deployments:
      - { name: blue, egress_public_network_access: Enabled, model: "azureml://registries/contosoreg/models/m/versions/1" }
"#;

#[test]
fn reg010_registry_model_with_public_egress() {
    one("REG010", DEPLOY, Severity::Error, "online-endpoint/score");
    none(
        "REG010",
        &with(
            DEPLOY,
            "egress_public_network_access: Enabled",
            "egress_public_network_access: Disabled",
        ),
    );
    // A public workspace is not the secure configuration the seed speaks of.
    none(
        "REG010",
        &with(
            DEPLOY,
            "public_network_access: Disabled",
            "public_network_access: Enabled",
        ),
    );
}

#[test]
fn reg012_one_endpoint_set_per_registry() {
    // Seed 000: "If you're trying to connect to multiple registries, create private endpoint
    // for each registry and associated storage and ACRs."
    let two = with(
        &private_registry(),
        "registries:\n",
        "registries:\n  - { name: otherreg, public_network_access: Disabled, storage: { public_network_access: Disabled }, acr: { public_network_access: Disabled } }\n",
    );
    let two = with(
        &two,
        "image_build_compute: cpu-cluster }",
        "image_build_compute: cpu-cluster, uses_registries: [contosoreg, otherreg] }",
    );
    let f = one("REG012", &two, Severity::Error, "vnet/vnet");
    assert!(f.message.contains("otherreg"), "{f:#?}");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    // The second set of endpoints.
    let both = with(
        &two,
        "private_dns_zones:",
        "  - { name: other-pe, subnet: vnet/pe, target: registry/otherreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }\n  - { name: other-st-pe, subnet: vnet/pe, target: \"registry/otherreg:storage\", group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: other-acr-pe, subnet: vnet/pe, target: \"registry/otherreg:acr\", group_id: registry, dns_zone_group: [privatelink.azurecr.io] }\nprivate_dns_zones:",
    );
    none("REG012", &both);
}

#[test]
fn private_registry_without_storage_and_acr_endpoints_fails_registry_assets() {
    // Seed 000: "Create a private endpoint to the registry, storage and ACR from the VNet of
    // the workspace." With the registry endpoint alone, jobs cannot read assets or images.
    let yaml = private_registry();
    let yaml = with(
        &yaml,
        "  - { name: reg-st-pe,",
        "  - { name: reg-st-pe-gone,",
    );
    let yaml: String = yaml
        .lines()
        .filter(|l| !l.contains("reg-st-pe-gone") && !l.contains("reg-acr-pe"))
        .map(|l| format!("{l}\n"))
        .collect();
    let t = topology(&yaml);
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let op = cx
        .op(moat_engine::OpId::JobRegistryAsset)
        .next()
        .expect("the operation");
    assert_eq!(op.status, Status::Fails);
    let sel = Selection {
        select: vec!["REG".into()],
        ignore: vec![],
    };
    let findings = run(&cx, &sel);
    let errors: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.resource.as_str()))
        .collect();
    assert!(
        errors.contains(&("REG001", "registry/contosoreg:storage")),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("REG002", "registry/contosoreg:acr")),
        "{errors:?}"
    );
    // The incomplete endpoint set is REG012's.
    assert!(errors.contains(&("REG012", "vnet/vnet")), "{errors:?}");
}

#[test]
fn secure_workspace_with_public_registry_raises_no_endpoint_finding() {
    // Seed 000, public registry scenario: the registry is used over its public endpoints.
    let yaml = with(
        BASE,
        "key_vaults:",
        "registries:\n  - { name: contosoreg }\nkey_vaults:",
    );
    let yaml = with(
        &yaml,
        "image_build_compute: cpu-cluster }",
        "image_build_compute: cpu-cluster, uses_registries: [contosoreg] }",
    );
    for code in ["REG003", "REG012", "REG007"] {
        none(code, &yaml);
    }
}

const SYSTEM_REGISTRY: &str = r#"
region: eastus
workspaces:
  - { name: ws, uses_registries: [azureml] }
registries:
  - { name: azureml }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
"#;

#[test]
fn reg013_system_registry_with_open_storage_outbound() {
    let f = one(
        "REG013",
        SYSTEM_REGISTRY,
        Severity::Warning,
        "subnet/vnet/training",
    );
    let t = f.trace.expect("the open Storage path");
    assert_eq!(t.verdict, moat_engine::Verdict::Allowed);
    // Seed 000: a service endpoint policy with the Azure ML alias.
    let sep = with(
        SYSTEM_REGISTRY,
        "{ name: training, address_prefixes: [10.0.1.0/24] }",
        "{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [aml] }",
    );
    let sep = format!(
        "{sep}service_endpoint_policies:\n  - {{ name: aml, definitions: [{{ service: Global, service_resources: [/services/Azure/MachineLearning] }}] }}\n"
    );
    none("REG013", &sep);
    // Storage outbound closed by the NSG: nothing to exfiltrate through.
    let closed = with(
        SYSTEM_REGISTRY,
        "{ name: training, address_prefixes: [10.0.1.0/24] }",
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg }",
    );
    let closed = format!(
        "{closed}network_security_groups:\n  - {{ name: nsg, rules: [{{ name: no-storage, priority: 100, direction: Outbound, access: Deny, protocol: \"*\", destination: Storage }}] }}\n"
    );
    none("REG013", &closed);
    // A user registry is not a system registry.
    none("REG013", &SYSTEM_REGISTRY.replace("azureml", "contosoreg"));
}

// ---------------------------------------------------------------------------------------------
// PE

#[test]
fn pe001_endpoint_without_zone_group_or_zone() {
    let yaml = with(
        BASE,
        "ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        "ip_address: 10.0.3.4 }",
    );
    // The zones are still linked, but without the zone group they hold no record.
    let f = one("PE001", &yaml, Severity::Error, "private-endpoint/ws-pe");
    assert_eq!(blocked(&f), Code::DnsNxdomain);
    // Without the zones at all, the name leads to the public endpoint, which is closed.
    let no_zones: String = yaml
        .lines()
        .filter(|l| {
            !l.contains("name: privatelink.api.azureml.ms")
                && !l.contains("name: privatelink.notebooks.azure.net")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one(
        "PE001",
        &no_zones,
        Severity::Error,
        "private-endpoint/ws-pe",
    );
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("PE001", BASE);
}

#[test]
fn pe001_records_written_by_hand_resolve_the_endpoint() {
    // "nor custom DNS resolving it": records written into the linked zones do the zone
    // group's work.
    let yaml = with(
        BASE,
        "ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        "ip_address: 10.0.3.4 }",
    );
    let t = topology(BASE);
    let guid = t.workspaces[0].workspace_id.clone().unwrap();
    let nb = moat_net::names::workspace_notebooks("ws", &guid, "eastus").record;
    let yaml = with(
        &yaml,
        "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }",
        &format!(
            "  - {{ name: privatelink.api.azureml.ms, vnet_links: [vnet], records: [{{ name: {guid}.workspace.eastus, values: [10.0.3.4] }}] }}\n  - {{ name: privatelink.notebooks.azure.net, vnet_links: [vnet], records: [{{ name: {nb}, values: [10.0.3.4] }}] }}"
        ),
    );
    none("PE001", &yaml);
}

#[test]
fn pe003_adding_an_endpoint_breaks_computes_outside_its_vnet() {
    // Seed 003: "If you have any existing compute targets associated with this workspace, and
    // they are not behind the same virtual network tha the private endpoint is created in,
    // they will not work."
    let yaml = with(
        BASE,
        "virtual_machines:",
        "  - name: other\n    address_space: [10.9.0.0/16]\n    subnets:\n      - { name: training, address_prefixes: [10.9.1.0/24] }\nvirtual_machines:",
    );
    let yaml = with(
        &yaml,
        "subnet: vnet/training, enable",
        "subnet: other/training, enable",
    );
    let f = one("PE003", &yaml, Severity::Error, "compute/cpu-cluster");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("PE003", BASE);
    // A compute outside any VNet cannot reach a private workspace either.
    let novnet = with(BASE, "subnet: vnet/training, enable", "enable");
    let f = one("PE003", &novnet, Severity::Error, "compute/cpu-cluster");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
}

const MULTI_PE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Disabled }
virtual_networks:
  - { name: vnet-a, address_space: [10.1.0.0/16], subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }] }
  - { name: vnet-b, address_space: [10.2.0.0/16], subnets: [{ name: pe, address_prefixes: [10.2.3.0/24] }] }
  - { name: services, address_space: [10.3.0.0/16], subnets: [{ name: pe, address_prefixes: [10.3.3.0/24] }] }
private_endpoints:
  - { name: ws-pe-a, subnet: vnet-a/pe, target: workspace/ws, group_id: amlworkspace }
  - { name: ws-pe-b, subnet: vnet-b/pe, target: workspace/ws, group_id: amlworkspace }
  - { name: st-pe, subnet: services/pe, target: storage/st, group_id: blob }
"#;

#[test]
fn pe004_one_workspace_endpoint_must_sit_beside_the_dependencies() {
    // Seed 003: with several endpoints, one must be in the VNet of the dependency services.
    one("PE004", MULTI_PE, Severity::Error, "workspace/ws");
    none(
        "PE004",
        &with(
            MULTI_PE,
            "subnet: vnet-b/pe, target: workspace/ws",
            "subnet: services/pe, target: workspace/ws",
        ),
    );
    // One endpoint only: the rule is about several.
    let single: String = MULTI_PE
        .lines()
        .filter(|l| !l.contains("ws-pe-b"))
        .map(|l| format!("{l}\n"))
        .collect();
    none("PE004", &single);
}

/// Seed 003, "Scenario: Isolated clients", before step 2: the client VNet holds only a
/// workspace endpoint; the dependencies' endpoints are in the workload VNet.
const ISOLATED: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st, container_registry: wsacr }
storage_accounts:
  - { name: st, public_network_access: Disabled }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
virtual_networks:
  - name: workload
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.3.0/24] }
  - name: client-vnet
    address_space: [10.1.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.1.1.0/24] }
      - { name: pe, address_prefixes: [10.1.3.0/24] }
virtual_machines:
  - { name: jumpbox, network_interfaces: [jumpbox-nic] }
network_interfaces:
  - { name: jumpbox-nic, subnet: client-vnet/clients }
private_endpoints:
  - { name: ws-pe, subnet: workload/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [work/privatelink.api.azureml.ms, work/privatelink.notebooks.azure.net] }
  - { name: st-blob, subnet: workload/pe, target: storage/st, group_id: blob, dns_zone_group: [work/privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: workload/pe, target: storage/st, group_id: file, dns_zone_group: [work/privatelink.file.core.windows.net] }
  - { name: acr-pe, subnet: workload/pe, target: acr/wsacr, group_id: registry, dns_zone_group: [work/privatelink.azurecr.io] }
  - { name: client-ws-pe, subnet: client-vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [cli/privatelink.api.azureml.ms, cli/privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.notebooks.azure.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.blob.core.windows.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.file.core.windows.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.azurecr.io, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.api.azureml.ms, resource_group: cli, vnet_links: [client-vnet] }
  - { name: privatelink.notebooks.azure.net, resource_group: cli, vnet_links: [client-vnet] }
clients:
  - { name: datasci, location: vm/jumpbox, operations: [studio.open, studio.data] }
"#;

/// Step 2 of the scenario: the dependencies' endpoints in the client VNet as well.
fn isolated_complete() -> String {
    let y = with(
        ISOLATED,
        "private_dns_zones:",
        "  - { name: client-st-blob, subnet: client-vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [cli/privatelink.blob.core.windows.net] }\n  - { name: client-st-file, subnet: client-vnet/pe, target: storage/st, group_id: file, dns_zone_group: [cli/privatelink.file.core.windows.net] }\n  - { name: client-acr-pe, subnet: client-vnet/pe, target: acr/wsacr, group_id: registry, dns_zone_group: [cli/privatelink.azurecr.io] }\nprivate_dns_zones:",
    );
    with(
        &y,
        "clients:",
        "  - { name: privatelink.blob.core.windows.net, resource_group: cli, vnet_links: [client-vnet] }\n  - { name: privatelink.file.core.windows.net, resource_group: cli, vnet_links: [client-vnet] }\n  - { name: privatelink.azurecr.io, resource_group: cli, vnet_links: [client-vnet] }\nclients:",
    )
}

#[test]
fn pe005_client_vnet_must_reach_the_dependencies() {
    // Seed 003: "Each VNet that contains a private endpoint for the workspace must also be able
    // to access the Azure Storage Account, Azure Key Vault, and Azure Container Registry."
    let v = check("PE005", ISOLATED);
    let mut what: Vec<(&str, Severity, String, Code)> = v
        .iter()
        .map(|f| {
            let to = f
                .trace
                .as_ref()
                .map(|t| t.to.to_string())
                .unwrap_or_default();
            (f.resource.as_str(), f.severity, to, blocked(f))
        })
        .collect();
    what.sort();
    let what: Vec<(&str, Severity, &str, Code)> = what
        .iter()
        .map(|(r, s, t, c)| (*r, *s, t.as_str(), *c))
        .collect();
    assert_eq!(
        what,
        vec![
            (
                "vnet/client-vnet",
                Severity::Error,
                "acr/wsacr",
                Code::RfPublicDisabled
            ),
            (
                "vnet/client-vnet",
                Severity::Error,
                "storage/st:blob",
                Code::RfPublicDisabled
            ),
            (
                "vnet/client-vnet",
                Severity::Error,
                "storage/st:file",
                Code::RfPublicDisabled
            ),
        ]
    );
    none("PE005", &isolated_complete());
}

#[test]
fn pe005_managed_network_client_vnet_needs_the_storage_only() {
    // Facts §5.8: with a managed network the computes reach the dependencies from the managed
    // network; studio clients need the storage in their VNet.
    let managed = with(
        &isolated_complete(),
        "container_registry: wsacr }",
        "container_registry: wsacr, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    let no_acr: String = managed
        .lines()
        .filter(|l| !l.contains("client-acr-pe"))
        .map(|l| format!("{l}\n"))
        .collect();
    none("PE005", &no_acr);
    let no_blob: String = managed
        .lines()
        .filter(|l| !l.contains("client-st-blob"))
        .map(|l| format!("{l}\n"))
        .collect();
    // The blob zone is still linked to the client VNet, now without a record.
    let f = one("PE005", &no_blob, Severity::Error, "vnet/client-vnet");
    assert_eq!(blocked(&f), Code::DnsNxdomain);
}

#[test]
fn pe006_endpoint_in_another_region_than_its_vnet() {
    let yaml = with(
        BASE,
        "{ name: kv-pe, subnet: vnet/pe,",
        "{ name: kv-pe, region: westeurope, subnet: vnet/pe,",
    );
    one("PE006", &yaml, Severity::Error, "private-endpoint/kv-pe");
    none("PE006", BASE);
}

#[test]
fn pe007_registry_storage_endpoint_must_be_blob() {
    let yaml = with(
        &private_registry(),
        "target: \"registry/contosoreg:storage\", group_id: blob",
        "target: \"registry/contosoreg:storage\", group_id: file",
    );
    one(
        "PE007",
        &yaml,
        Severity::Error,
        "private-endpoint/reg-st-pe",
    );
    none("PE007", &private_registry());
    // The same in a managed network's outbound rule.
    let managed = r#"
region: eastus
registries: [{ name: contosoreg }]
workspaces:
  - name: ws
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: reg-st, type: PrivateEndpoint, destination: { service_resource: "registry/contosoreg:storage", subresource_target: dfs } }
"#;
    one("PE007", managed, Severity::Error, "workspace/ws");
    none(
        "PE007",
        &managed.replace("subresource_target: dfs", "subresource_target: blob"),
    );
}

// ---------------------------------------------------------------------------------------------
// DNS

const CUSTOM_DNS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    dns_servers: [10.0.0.4]
    subnets:
      - { name: dns, address_prefixes: [10.0.0.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
dns_servers:
  - name: dns
    address: 10.0.0.4
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
"#;

#[test]
fn dns001_custom_dns_server_without_conditional_forwarders() {
    // Seed 004 / facts §2.3: the custom DNS server must forward the zones to 168.63.129.16.
    let v = check("DNS001", CUSTOM_DNS);
    assert_eq!(v.len(), 2, "{v:#?}");
    for f in &v {
        assert_eq!((f.code, f.severity), ("DNS001", Severity::Error));
        assert_eq!(f.resource, "vnet/vnet");
        assert_eq!(blocked(f), Code::RfPublicDisabled);
    }
    let forwarded = with(
        CUSTOM_DNS,
        "    address: 10.0.0.4\n",
        "    address: 10.0.0.4\n    forwarders:\n      - { zone: api.azureml.ms, to: [168.63.129.16] }\n      - { zone: notebooks.azure.net, to: [168.63.129.16] }\n",
    );
    none("DNS001", &forwarded);
    // One zone forwarded, the other not.
    let half = with(
        CUSTOM_DNS,
        "    address: 10.0.0.4\n",
        "    address: 10.0.0.4\n    forwarders:\n      - { zone: api.azureml.ms, to: [168.63.129.16] }\n",
    );
    let f = one("DNS001", &half, Severity::Error, "vnet/vnet");
    assert!(f.message.contains("notebooks.azure.net"), "{f:#?}");
}

#[test]
fn dns001_undescribed_dns_server_is_a_warning() {
    let yaml = with(
        CUSTOM_DNS,
        "dns_servers:\n  - name: dns\n    address: 10.0.0.4\n",
        "",
    );
    let v = check("DNS001", &yaml);
    assert!(!v.is_empty());
    assert!(v.iter().all(|f| f.severity == Severity::Warning), "{v:#?}");
}

const ONPREM: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: dns-inbound, address_prefixes: [10.0.2.0/28], delegations: [Microsoft.Network/dnsResolvers] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
virtual_network_gateways:
  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn }
local_network_gateways:
  - { name: onprem, address_prefixes: [192.168.0.0/16], gateway_ip_address: 203.0.113.1 }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: vpn-gw, local_network_gateway: onprem }
dns_resolvers:
  - { name: resolver, vnet: vnet, inbound_endpoints: [{ name: in, subnet: vnet/dns-inbound, ip_address: 10.0.2.4 }] }
dns_servers:
  - name: onprem-dns
    address: 192.168.0.53
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
clients:
  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [studio.open] }
"#;

#[test]
fn dns002_onprem_dns_without_forwarder_to_the_vnet() {
    // Seed 002: with a VPN gateway or ExpressRoute, plan name resolution between on-premises
    // and the VNet.
    let f = one("DNS002", ONPREM, Severity::Error, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    let forwarded = with(
        ONPREM,
        "    address: 192.168.0.53\n",
        "    address: 192.168.0.53\n    forwarders:\n      - { zone: api.azureml.ms, to: [10.0.2.4] }\n      - { zone: notebooks.azure.net, to: [10.0.2.4] }\n",
    );
    none("DNS002", &forwarded);
}

#[test]
fn dns002_private_registry_name_from_onprem() {
    // Seed 000: DNS must resolve the registry's privatelink name; a client that only creates
    // registry assets is checked for the registry, not for the workspace.
    let yaml = with(
        ONPREM,
        "virtual_networks:",
        "registries:\n  - { name: contosoreg, public_network_access: Disabled }\nvirtual_networks:",
    );
    let yaml = with(
        &yaml,
        "private_dns_zones:",
        "  - { name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }\nprivate_dns_zones:",
    );
    let yaml = with(
        &yaml,
        "operations: [studio.open]",
        "operations: [registry.create-from-local]",
    );
    let f = one("DNS002", &yaml, Severity::Error, "registry/contosoreg");
    // The registry has no public name: the on-premises resolver finds nothing.
    assert_eq!(blocked(&f), Code::DnsNxdomain);
    let forwarded = with(
        &yaml,
        "    address: 192.168.0.53\n",
        "    address: 192.168.0.53\n    forwarders:\n      - { zone: api.azureml.ms, to: [10.0.2.4] }\n",
    );
    none("DNS002", &forwarded);
}

#[test]
fn dns002_point_to_site_client_without_dns() {
    // Point-to-site clients cannot reach 168.63.129.16: without a DNS server of their own they
    // resolve publicly.
    let p2s = with(
        ONPREM,
        "  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn }",
        "  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn, vpn_client_address_pool: [172.20.0.0/24] }",
    );
    let p2s = with(
        &p2s,
        "  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [studio.open] }",
        "  - { name: laptop, location: p2s/vpn-gw, address: 172.20.0.10, operations: [studio.open] }",
    );
    let f = one("DNS002", &p2s, Severity::Error, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    // With the private resolver as its DNS server, the name resolves privately.
    none(
        "DNS002",
        &with(
            &p2s,
            "address: 172.20.0.10,",
            "address: 172.20.0.10, dns_servers: [10.0.2.4],",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// ST

/// Storage behind the VNet through a service endpoint on the training subnet.
fn service_endpoint_storage() -> String {
    let y = with(
        BASE,
        ST_LINE,
        "  - { name: st, public_network_access: Enabled, network_rules: { default_action: Deny, virtual_network_rules: [vnet/training], resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }",
    );
    let y = with(
        &y,
        "{ name: training, address_prefixes: [10.0.1.0/24] }",
        "{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }",
    );
    y.lines()
        .filter(|l| !l.contains("st-blob") && !l.contains("st-file"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn st001_studio_with_service_endpoint_storage_needs_the_same_subnet() {
    // Seed 002: "If the storage account uses a service endpoint, the workspace private endpoint
    // and storage service endpoint must be in the same subnet of the VNet."
    let yaml = service_endpoint_storage();
    let f = one("ST001", &yaml, Severity::Error, "storage/st");
    assert!(f.message.contains("vnet/pe"), "{f:#?}");
    none(
        "ST001",
        &with(
            &yaml,
            "{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,",
            "{ name: ws-pe, subnet: vnet/training, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.1.200,",
        ),
    );
}

#[test]
fn st001_needs_studio_users() {
    let yaml = with(
        &service_endpoint_storage(),
        "operations: [studio.open, sdk.connect]",
        "operations: [sdk.connect]",
    );
    none("ST001", &yaml);
}

#[test]
fn st002_studio_endpoint_and_storage_endpoint_in_different_vnets() {
    // Seed 002: "the workspace private endpoint and storage private endpoint must be in the
    // same VNet. In this case, they can be in different subnets."
    let f = one("ST002", ISOLATED, Severity::Error, "storage/st");
    assert!(f.message.contains("client-ws-pe"), "{f:#?}");
    none("ST002", &isolated_complete());
    none("ST002", BASE);
}

#[test]
fn st003_storage_endpoints_need_blob_and_file() {
    let no_file: String = BASE
        .lines()
        .filter(|l| !l.contains("st-file"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one("ST003", &no_file, Severity::Error, "storage/st");
    assert!(f.message.contains("file"), "{f:#?}");
    none("ST003", BASE);
    // Storage open to all networks is not "behind private endpoints".
    none(
        "ST003",
        &with(
            &no_file,
            ST_LINE,
            "  - { name: st, public_network_access: Enabled }",
        ),
    );
}

#[test]
fn st003_parallel_run_step_wants_queue_and_table() {
    let yaml = with(
        BASE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [parallel-run-step] }",
    );
    let f = one("ST003", &yaml, Severity::Warning, "storage/st");
    assert!(f.message.contains("queue or table"), "{f:#?}");
    let with_both = with(
        &yaml,
        "private_dns_zones:",
        "  - { name: st-queue, subnet: vnet/pe, target: storage/st, group_id: queue }\n  - { name: st-table, subnet: vnet/pe, target: storage/st, group_id: table }\nprivate_dns_zones:",
    );
    none("ST003", &with_both);
}

const SELECTED_STORAGE: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Enabled, network_rules: { default_action: Deny, bypass: [None] } }
"#;

#[test]
fn st004_selected_networks_without_workspace_access() {
    let f = one("ST004", SELECTED_STORAGE, Severity::Error, "storage/st");
    assert_eq!(blocked(&f), Code::RfServiceDenied);
    // Seed 002: a resource instance rule for the workspace...
    none(
        "ST004",
        &with(
            SELECTED_STORAGE,
            "bypass: [None] }",
            "bypass: [None], resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/Workspace, name: ws }] }",
        ),
    );
    // ... or the trusted services exception.
    none(
        "ST004",
        &with(
            SELECTED_STORAGE,
            "bypass: [None]",
            "bypass: [AzureServices]",
        ),
    );
}

/// A hub firewall between the training subnet and the storage private endpoints.
const FIREWALL_445: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: spoke/training, enable_node_public_ip: false }
storage_accounts:
  - { name: st, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
    peerings:
      - { remote_vnet: spoke, allow_forwarded_traffic: true }
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
    peerings:
      - { remote_vnet: hub, allow_forwarded_traffic: true }
route_tables:
  - name: rt
    routes:
      - { name: pe-via-fw, address_prefix: 10.0.3.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    firewall_policy: pol
firewall_policies:
  - name: pol
    rule_collection_groups:
      - name: g
        priority: 100
        network_rule_collections:
          - name: to-pe
            priority: 100
            action: Allow
            rules:
              - { name: https, protocols: [TCP], source_addresses: [10.0.1.0/24], destination_addresses: [10.0.3.0/24], destination_ports: [443] }
private_endpoints:
  - { name: st-blob, subnet: spoke/pe, target: storage/st, group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: spoke/pe, target: storage/st, group_id: file, dns_zone_group: [privatelink.file.core.windows.net] }
private_dns_zones:
  - { name: privatelink.blob.core.windows.net, vnet_links: [spoke] }
  - { name: privatelink.file.core.windows.net, vnet_links: [spoke] }
"#;

#[test]
fn st005_firewall_between_compute_and_storage_endpoint_blocks_smb() {
    // Seed 002: 445 "is only required if you have a firewall between your virtual network for
    // Azure ML and a private endpoint for your storage accounts".
    let f = one("ST005", FIREWALL_445, Severity::Error, "storage/st:file");
    assert_eq!(blocked(&f), Code::FwImplicitDeny);
    none(
        "ST005",
        &with(
            FIREWALL_445,
            "destination_ports: [443] }",
            "destination_ports: [443, 445] }",
        ),
    );
    // Without the route through the firewall, no firewall is in the way.
    none(
        "ST005",
        &with(
            FIREWALL_445,
            "{ name: training, address_prefixes: [10.0.1.0/24], route_table: rt }",
            "{ name: training, address_prefixes: [10.0.1.0/24] }",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// KV

#[test]
fn kv001_key_vault_outside_the_workspace_endpoint_network() {
    // Seed 002: "the key vault must be in the same network as the private endpoint of the
    // workspace".
    let no_kv: String = BASE
        .lines()
        .filter(|l| !l.contains("kv-pe"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one("KV001", &no_kv, Severity::Error, "keyvault/kv");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("KV001", BASE);
    // A service endpoint admitted by the vault is the documented alternative.
    let se = with(
        &no_kv,
        "  - { name: kv, public_network_access: Disabled }",
        "  - { name: kv, network_acls: { default_action: Deny, virtual_network_rules: [vnet/pe] } }",
    );
    let se = with(
        &se,
        "{ name: pe, address_prefixes: [10.0.3.0/24] }",
        "{ name: pe, address_prefixes: [10.0.3.0/24], service_endpoints: [Microsoft.KeyVault] }",
    );
    none("KV001", &se);
    // With a managed network, the computes reach the vault from the managed network.
    none(
        "KV001",
        &with(
            &no_kv,
            "image_build_compute: cpu-cluster }",
            "image_build_compute: cpu-cluster, managed_network: { isolation_mode: AllowInternetOutbound } }",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// The examples: working architectures, so none of these rules reports an error on them.

#[test]
fn examples_have_no_errors_from_these_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("topology.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        seen += 1;
        let t = topology(&text);
        let e = Engine::for_topology(&t, None).unwrap();
        let cx = Context::new(&e);
        let sel = Selection {
            select: CODES.iter().map(|c| c.to_string()).collect(),
            ignore: vec![],
        };
        let errors: Vec<Finding> = run(&cx, &sel)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    assert!(seen > 0, "no example found in {}", dir.display());
}

#[test]
fn self_contained_documentation_examples_trigger_their_rule() {
    // The examples of rules about a few resources are complete topologies; those of rules
    // about network layouts are fragments and are exercised by the tests above instead.
    for code in [
        "WS002", "WS003", "WS004", "WS005", "WS006", "REG003", "REG004", "REG005", "REG006",
        "REG007", "REG008", "REG010", "REG012", "REG013", "PE001", "PE006", "PE007", "DNS001",
        "ST003", "ST004", "KV001", "CMP015", "MVN014", "EP012", "DNS007", "OUT007",
    ] {
        let doc = by_code(code).unwrap().doc();
        let v = check(code, &format!("region: eastus\n{}\n", doc.example));
        assert!(!v.is_empty(), "{code}: its example does not trigger it");
        assert!(v.iter().all(|f| f.code == code));
    }
}
