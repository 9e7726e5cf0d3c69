//! The workspace and registry rules: for each, a minimal deployment that triggers it and a
//! close one that does not, plus the scenarios of the seed documents for these areas. The
//! private endpoint, DNS, storage and key vault rules are in `rules_endpoints.rs`.

mod core_support;

use core_support::*;

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
    // The fix: the address the client shows added to the list.
    assert_eq!(
        f.changes,
        [moat_rules::change::Change::AddWorkspaceIpRule {
            workspace: "workspace/ws".into(),
            address: "20.1.2.3".into(),
        }]
    );
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
    // No address to add.
    assert!(f.changes.is_empty(), "{:?}", f.changes);
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

#[test]
fn ws006_a_compute_instance_counts_in_a_managed_network() {
    // Managed virtual network isolation, "Configure image builds": "configure your workspace to
    // use a compute cluster or compute instance to build images". In a managed network the
    // workspace's compute instance is somewhere to build images; outside one it is not (above).
    let managed = with(
        NO_CLUSTER,
        "container_registry: wsacr }",
        "container_registry: wsacr, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    none("WS006", &managed);
    // With no compute at all the managed network does not help.
    let f = one(
        "WS006",
        &with(
            &managed,
            "computes:\n  - { name: ci, workspace: ws, type: ComputeInstance }\n",
            "",
        ),
        Severity::Error,
        "workspace/ws",
    );
    assert!(f.message.contains("compute instance"), "{}", f.message);
    assert!(f.fix.contains("compute instance"), "{}", f.fix);
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
