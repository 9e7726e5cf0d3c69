//! What the workspace, registry, endpoint, DNS, storage and key vault rule tests share: the
//! secure deployment they edit, and a topology checked by one rule. Each test binary uses part
//! of it.
#![allow(dead_code, unused_imports)]

pub use moat_engine::Code;
pub use moat_engine::Engine;
pub use moat_engine::ops::Status;
pub use moat_model::Topology;
pub use moat_rules::check::{Selection, run};
pub use moat_rules::{Context, Finding, Severity, by_code};

/// The rules of this file.
pub const CODES: &[&str] = &[
    "WS002", "WS003", "WS004", "WS005", "WS006", "REG003", "REG004", "REG005", "REG006", "REG007",
    "REG008", "REG010", "REG012", "REG013", "PE001", "PE003", "PE004", "PE005", "PE006", "PE007",
    "DNS001", "DNS002", "ST001", "ST002", "ST003", "ST004", "ST005", "KV001",
];

pub fn topology(yaml: &str) -> Topology {
    match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    }
}

/// The findings of one rule.
pub fn check(code: &str, yaml: &str) -> Vec<Finding> {
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
pub fn one(code: &str, yaml: &str, severity: Severity, resource: &str) -> Finding {
    let v = check(code, yaml);
    assert_eq!(v.len(), 1, "{code}: expected one finding, got {v:#?}");
    let f = v.into_iter().next().unwrap();
    assert_eq!(f.code, code);
    assert_eq!(f.severity, severity, "{f:#?}");
    assert_eq!(f.resource, resource, "{f:#?}");
    f
}

pub fn none(code: &str, yaml: &str) {
    let v = check(code, yaml);
    assert!(v.is_empty(), "{code}: expected no finding, got {v:#?}");
}

/// The code of the hop that stopped the finding's trace.
pub fn blocked(f: &Finding) -> Code {
    let t = f
        .trace
        .as_ref()
        .unwrap_or_else(|| panic!("no trace: {f:#?}"));
    t.blocked_by()
        .map(|h| h.code)
        .unwrap_or_else(|| panic!("the trace is not blocked: {t:#?}"))
}

pub fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "`{from}` is not in the topology");
    base.replacen(from, to, 1)
}

/// A secure workspace in one VNet: private endpoints to the workspace, its storage (blob and
/// file), key vault and container registry, privatelink zones linked, a cluster without public
/// IP, and a data scientist on a jump box (seed 002, seed 003).
pub const BASE: &str = r#"
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

pub const ST_LINE: &str = "  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny, resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }";

/// A private registry with its three private endpoints in the workspace VNet, and a data
/// scientist on the jump box who creates assets in it (seed 000, private registry scenario).
pub fn private_registry() -> String {
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
