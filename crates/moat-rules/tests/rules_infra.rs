//! The infrastructure rules (ACR, CMP, EP, MVN): for each, a minimal topology that triggers
//! it and a close one that does not. Path rules are checked for the trace they carry and the
//! hop that decided it. The egress and address rules are in `rules_egress.rs`.

mod infra_support;

use infra_support::*;

// ---------------------------------------------------------------------------------------------
// Registration and documentation

#[test]
fn every_rule_is_registered_with_its_catalog_entry() {
    use Severity::*;
    let catalog: &[(&str, &str, Severity, bool)] = &[
        ("ACR001", "acr-not-premium", Error, false),
        ("ACR002", "acr-network-mismatch", Error, false),
        ("ACR004", "image-build-compute-gpu", Error, false),
        ("ACR006", "acr-vnet-managed-identity", Error, false),
        ("ACR007", "acr-trusted-services-off", Warning, false),
        ("ACR008", "image-build-unknown-compute", Error, false),
        ("CMP001", "compute-region-mismatch", Error, false),
        ("CMP002", "public-ip-compute-inbound", Error, true),
        ("CMP003", "no-public-ip-inbound", Error, true),
        ("CMP004", "public-ip-compute", Warning, false),
        ("CMP005", "aci-with-private-workspace", Error, false),
        ("CMP006", "aks-outbound-missing", Error, true),
        ("CMP007", "compute-ip-shortage", Error, false),
        ("EP001", "endpoint-public-inbound", Warning, false),
        ("EP002", "deployment-egress-public", Warning, false),
        ("EP003", "legacy-endpoint-isolation", Info, false),
        ("MVN001", "fqdn-rules-cost", Info, false),
        ("MVN002", "managed-network-non-https", Error, false),
        ("MVN003", "approved-outbound-missing-rule", Error, true),
        ("OUT001", "required-outbound-missing", Error, true),
        ("OUT002", "package-index-unreachable", Warning, true),
        ("OUT003", "vscode-hosts-unreachable", Info, true),
        ("OUT004", "firewall-bypassed-for-public-ip", Warning, false),
        ("NET001", "docker-bridge-range", Warning, false),
        ("NET002", "address-overlap", Error, false),
        ("NET003", "peering-not-transitive", Error, true),
        ("NET004", "cross-region-resources", Warning, false),
        ("EXF001", "storage-outbound-open", Warning, true),
        ("EXF002", "frontdoor-outbound-open", Warning, true),
        ("EXF003", "internet-outbound-open", Warning, true),
        ("EXF004", "share-to-public-registry", Info, false),
        ("MON001", "monitor-private-only-mode", Error, false),
    ];
    for (code, name, severity, path) in catalog {
        let r = moat_rules::by_code(code).unwrap_or_else(|| panic!("{code} is not registered"));
        let d = r.doc();
        assert_eq!(d.code, *code);
        assert_eq!(d.name, *name, "{code}");
        assert_eq!(d.severity, *severity, "{code}");
        assert_eq!(d.path, *path, "{code}");
        for (field, text) in [
            ("what", d.what),
            ("why", d.why),
            ("example", d.example),
            ("fix", d.fix),
        ] {
            assert!(text.len() > 20, "{code}: {field} is too short");
        }
        assert!(!d.sources.is_empty(), "{code}: no sources");
        assert_eq!(
            moat_rules::all()
                .iter()
                .filter(|x| x.doc().code == *code)
                .count(),
            1,
            "{code} registered twice"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ACR: container registries and image builds

/// A private workspace whose registry has a private endpoint beside the training subnet.
const ACR_PE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st, container_registry: acr, image_build_compute: cpu }
storage_accounts:
  - { name: st, public_network_access: Disabled }
container_registries:
  - { name: acr, sku: Premium, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
  - name: other
    address_space: [10.9.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.9.3.0/24] }
private_endpoints:
  - { name: st-pe, subnet: vnet/pe, target: storage/st, group_id: blob }
  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }
"#;

#[test]
fn acr001_private_endpoint_needs_premium() {
    // Seed 002: the container registry must be Premium to take a private endpoint.
    let t = edit(ACR_PE, "sku: Premium", "sku: Standard");
    let f = one(&t, "ACR001", Severity::Error);
    assert_eq!(f.resource, "acr/acr");
    assert!(
        f.message.contains("private endpoint acr-pe"),
        "{}",
        f.message
    );
    assert!(f.at.is_some(), "the finding points into the file");
    none(ACR_PE, "ACR001");
}

#[test]
fn acr001_managed_network_endpoint_and_service_endpoint_count_too() {
    // An approved-outbound managed network creates a private endpoint to the registry (facts
    // §5.2); virtual network rules are service endpoints. Both need Premium.
    let managed = r#"
region: eastus
workspaces:
  - { name: ws, container_registry: acr, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }
container_registries:
  - { name: acr, sku: Basic }
"#;
    let f = one(managed, "ACR001", Severity::Error);
    assert!(
        f.message.contains("managed network of workspace ws"),
        "{}",
        f.message
    );
    // In allow-internet-outbound mode the endpoint exists only for a registry with public access
    // disabled; a public Basic registry is then fine.
    none(
        &edit(
            managed,
            "AllowOnlyApprovedOutbound",
            "AllowInternetOutbound",
        ),
        "ACR001",
    );
    let se = edit(
        ACR_PE,
        "sku: Premium, public_network_access: Disabled }",
        "sku: Standard, network_rule_set: { default_action: Deny, virtual_network_rules: [vnet/training] } }",
    );
    let se = edit(
        &se,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let f = one(&se, "ACR001", Severity::Error);
    assert!(f.message.contains("virtual network rules"), "{}", f.message);
}

#[test]
fn acr002_registry_endpoint_outside_the_compute_vnet() {
    // Seed 002: with a private endpoint the registry must be in the VNet of the storage and the
    // compute targets.
    let t = edit(
        ACR_PE,
        "{ name: acr-pe, subnet: vnet/pe,",
        "{ name: acr-pe, subnet: other/pe,",
    );
    let f = one(&t, "ACR002", Severity::Error);
    assert_eq!(f.resource, "acr/acr");
    assert!(
        f.message.contains("compute cpu is in VNet vnet"),
        "{}",
        f.message
    );
    assert!(f.message.contains("storage st"), "{}", f.message);
    none(ACR_PE, "ACR002");
    // Peering the VNets (both sides) brings the endpoint in reach.
    let peered = edit(
        &t,
        "      - { name: training, address_prefixes: [10.0.1.0/24] }\n      - { name: pe, address_prefixes: [10.0.3.0/24] }\n",
        "      - { name: training, address_prefixes: [10.0.1.0/24] }\n      - { name: pe, address_prefixes: [10.0.3.0/24] }\n    peerings: [{ remote_vnet: other }]\n",
    );
    let peered = edit(
        &peered,
        "      - { name: pe, address_prefixes: [10.9.3.0/24] }\n",
        "      - { name: pe, address_prefixes: [10.9.3.0/24] }\n    peerings: [{ remote_vnet: vnet }]\n",
    );
    none(&peered, "ACR002");
}

#[test]
fn acr002_service_endpoint_must_name_the_compute_subnet() {
    // Seed 002: with a service endpoint, the same VNet and subnet.
    let se = edit(
        ACR_PE,
        "sku: Premium, public_network_access: Disabled }",
        "sku: Premium, network_rule_set: { default_action: Deny, virtual_network_rules: [vnet/pe] } }",
    );
    let se = edit(
        &se,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let f = one(&se, "ACR002", Severity::Error);
    assert!(f.message.contains("subnet vnet/training"), "{}", f.message);
    none(
        &edit(
            &se,
            "virtual_network_rules: [vnet/pe]",
            "virtual_network_rules: [vnet/training]",
        ),
        "ACR002",
    );
}

#[test]
fn acr004_gpu_image_build_compute() {
    // Seed 002: only a CPU SKU builds images.
    let t = edit(
        ACR_PE,
        "vm_size: Standard_DS3_v2",
        "vm_size: Standard_NC6s_v3",
    );
    let f = one(&t, "ACR004", Severity::Error);
    assert_eq!(f.resource, "workspace/ws");
    assert!(f.message.contains("GPU"), "{}", f.message);
    none(ACR_PE, "ACR004");
    // A compute instance is not a cluster either.
    let ci = edit(
        ACR_PE,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4",
        "type: ComputeInstance, vm_size: Standard_DS3_v2",
    );
    assert!(
        one(&ci, "ACR004", Severity::Error)
            .message
            .contains("compute instance")
    );
}

#[test]
fn acr004_a_compute_instance_builds_images_in_a_managed_network() {
    // Managed virtual network isolation, "Configure image builds": "When the Azure Container
    // Registry for your workspace is behind a virtual network, it can't be used to directly
    // build Docker images. Instead, configure your workspace to use a compute cluster or compute
    // instance to build images." A CPU compute instance named by image_build_compute is no error
    // there; outside a managed network it still is, and a GPU instance is in both.
    let ci = edit(
        ACR_PE,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false",
        "type: ComputeInstance, vm_size: Standard_DS3_v2",
    );
    let managed = edit(
        &ci,
        "image_build_compute: cpu }",
        "image_build_compute: cpu, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    none(&managed, "ACR004");
    none(&managed, "WS006");
    let q = image_build(&managed, "ws");
    assert!(q.iter().all(|q| q.met != Some(false)), "{q:#?}");
    one(&ci, "ACR004", Severity::Error);
    let gpu = edit(
        &managed,
        "vm_size: Standard_DS3_v2",
        "vm_size: Standard_NC6s_v3",
    );
    assert!(one(&gpu, "ACR004", Severity::Error).message.contains("GPU"));
}

/// The image.build requirements of one workspace of a native topology.
fn image_build(yaml: &str, ws: &str) -> Vec<moat_engine::ops::Requirement> {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let e = moat_engine::Engine::for_topology(&t, None).unwrap();
    let r = moat_engine::ops::evaluate(
        &e,
        &moat_engine::intent::Intent::of(&t),
        &moat_engine::ops::Filter {
            op: Some(moat_engine::OpId::ImageBuild),
            workspace: Some(ws.to_string()),
            ..Default::default()
        },
    );
    r.into_iter().flat_map(|r| r.requirements).collect()
}

const HUB_PROJECT: &str = r#"
region: eastus
workspaces:
  - { name: hub, kind: Hub, public_network_access: Disabled, container_registry: acr, managed_network: { isolation_mode: AllowInternetOutbound } }
  - { name: proj, kind: Project, hub: hub, public_network_access: Disabled }
container_registries:
  - { name: acr, sku: Premium, public_network_access: Disabled }
"#;

#[test]
fn acr003_a_project_builds_into_its_hubs_registry() {
    // Manage, collaborate, and organize with hubs: "Dependent Azure resources are set up once
    // per hub and associated projects". A project names no container registry of its own; its
    // images go to the hub's, and when that one is behind a VNet the serverless build fails for
    // the project as for the hub (seed 002: "When ACR is behind a virtual network, Azure Machine
    // Learning can't use it to directly build Docker images").
    let q = image_build(HUB_PROJECT, "proj");
    assert!(
        q.iter()
            .any(|q| q.rule == Some(moat_engine::RuleCode::Acr003) && q.met == Some(false)),
        "{q:#?}"
    );
    let f = findings(HUB_PROJECT, "ACR003");
    assert!(f.iter().any(|f| f.resource == "workspace/proj"), "{f:#?}");
    // In the (hub's) managed network the fix offers an instance as well as a cluster.
    assert!(
        f.iter().all(|f| f.fix.contains("compute instance")),
        "{f:#?}"
    );
    // A public hub registry builds serverless for both.
    let public = edit(
        HUB_PROJECT,
        "sku: Premium, public_network_access: Disabled",
        "sku: Premium, public_network_access: Enabled",
    );
    assert!(
        image_build(&public, "proj")
            .iter()
            .all(|q| q.met == Some(true))
    );
    // Whether the hub's image_build_compute serves the project is not documented: open.
    let hub_builds = edit(
        HUB_PROJECT,
        "container_registry: acr,",
        "container_registry: acr, image_build_compute: ci,",
    );
    let q = image_build(&hub_builds, "proj");
    assert!(q.iter().all(|q| q.met != Some(true)), "{q:#?}");
    assert!(q.iter().any(|q| q.met.is_none()), "{q:#?}");
}

#[test]
fn acr004_a_project_builds_on_an_instance_in_its_hubs_managed_network() {
    // Manage, collaborate, and organize with hubs: "A managed virtual network is shared between
    // all projects that share the same hub"; in it "configure your workspace to use a compute
    // cluster or compute instance to build images" (Managed virtual network isolation). A project
    // writing no managed network of its own builds on its compute instance.
    let t = edit(
        HUB_PROJECT,
        "hub: hub, public_network_access: Disabled }",
        "hub: hub, public_network_access: Disabled, image_build_compute: ci }\ncomputes:\n  - { name: ci, workspace: proj, type: ComputeInstance, vm_size: Standard_DS3_v2 }",
    );
    none(&t, "ACR004");
    let q = image_build(&t, "proj");
    assert!(q.iter().all(|q| q.met != Some(false)), "{q:#?}");
    // Without the hub's managed network the instance builds nothing.
    let byo = edit(
        &t,
        ", managed_network: { isolation_mode: AllowInternetOutbound }",
        "",
    );
    one(&byo, "ACR004", Severity::Error);
}

#[test]
fn acr003_a_registry_behind_service_endpoints_needs_image_build_compute() {
    // Seed 002, Azure Container Registry: "If it uses a service endpoint, it must be in the same
    // virtual network and subnet" -- a registry admitting subnets through service endpoints is
    // behind the VNet, and "When ACR is behind a virtual network, Azure Machine Learning can't
    // use it to directly build Docker images": without image_build_compute the build fails.
    let se = edit(
        ACR_PE,
        "sku: Premium, public_network_access: Disabled }",
        "sku: Premium, network_rule_set: { default_action: Deny, virtual_network_rules: [vnet/training] } }",
    );
    let se = edit(
        &se,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let se = edit(&se, ", image_build_compute: cpu }", " }");
    let q = image_build(&se, "ws");
    assert!(
        q.iter()
            .any(|q| q.rule == Some(moat_engine::RuleCode::Acr003) && q.met == Some(false)),
        "{q:#?}"
    );
}

#[test]
fn acr006_managed_identity_with_private_registry() {
    // Seed 002: no managed identity on a compute cluster when the registry uses a private or
    // service endpoint.
    let t = edit(
        ACR_PE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, identity: SystemAssigned }",
    );
    let f = one(&t, "ACR006", Severity::Error);
    assert_eq!(f.resource, "compute/cpu");
    none(ACR_PE, "ACR006");
    // A public registry without network rules is not concerned.
    let public = edit(
        &t,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let public = edit(
        &public,
        "sku: Premium, public_network_access: Disabled",
        "sku: Premium",
    );
    none(&public, "ACR006");
}

/// Secure a workspace with virtual networks (current, Limitations, Azure Container Registry):
/// "If your Azure Container Registry uses a private endpoint or service endpoint to communicate
/// with the virtual network, you cannot use a managed identity with an Azure Machine Learning
/// compute cluster." Set up authentication: "When you disable the admin user for ACR, Azure ML
/// uses a managed identity to build and pull Docker images." With the admin user disabled the
/// cluster has nothing else to pull with (an error); enabled, it pulls with the admin
/// credentials (information); left unknown by the input, the error is undecided.
#[test]
fn acr006_turns_on_the_registrys_admin_user() {
    let t = edit(
        ACR_PE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, identity: SystemAssigned }",
    );
    let disabled = edit(
        &t,
        "sku: Premium, public_network_access: Disabled }",
        "sku: Premium, public_network_access: Disabled, admin_user_enabled: false }",
    );
    let f = one(&disabled, "ACR006", Severity::Error);
    assert!(f.decided() && !f.changes.is_empty(), "{f:#?}");
    let enabled = disabled.replace("admin_user_enabled: false", "admin_user_enabled: true");
    let f = one(&enabled, "ACR006", Severity::Info);
    assert!(f.decided() && f.changes.is_empty(), "{f:#?}");
    let open = format!(
        "{t}unknowns:\n  - {{ resource: acr/acr, field: admin_user_enabled, reason: 'parameter `adminUser` has no value' }}\n"
    );
    let f = one(&open, "ACR006", Severity::Error);
    assert!(!f.decided(), "{f:#?}");
    assert!(
        f.needs.iter().any(|n| n.contains("admin_user_enabled")),
        "{f:#?}"
    );
}

/// Seed 002: "If your Azure Container Registry uses a private endpoint or service endpoint to
/// communicate with the virtual network, you cannot use a managed identity with an Azure Machine
/// Learning compute cluster"; ACR006's fix then has the cluster pull with the admin
/// credentials. SEC008 on that registry no longer asks to disable the admin user (which left
/// the cluster no way to pull): information, no change. Elsewhere it still does; and ACR006 on
/// a registry whose admin user is disabled says to enable it.
#[test]
fn sec008_and_acr006_agree_on_a_private_registry() {
    let admin = edit(
        ACR_PE,
        "public_network_access: Disabled }
computes",
        "public_network_access: Disabled, admin_user_enabled: true }
computes",
    );
    let with_identity = edit(
        &admin,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, identity: SystemAssigned }",
    );
    for t in [&admin, &with_identity] {
        let f = one(t, "SEC008", Severity::Info);
        assert!(f.changes.is_empty(), "{f:#?}");
        assert!(
            f.message.contains("compute cluster(s) cpu"),
            "{}",
            f.message
        );
    }
    // With the admin user enabled Azure ML pulls with it: the warning is information, and
    // no change takes the cluster's identity away.
    let f = one(&with_identity, "ACR006", Severity::Info);
    assert!(f.decided() && f.changes.is_empty(), "{f:#?}");
    assert!(!f.fix.contains("admin user disabled"), "{}", f.fix);
    let disabled = edit(
        ACR_PE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, identity: SystemAssigned }",
    );
    let f = one(&disabled, "ACR006", Severity::Error);
    assert!(
        f.fix.contains("admin user disabled: enable it"),
        "{}",
        f.fix
    );
    // Without the private endpoint (public access left Enabled, no network rules), the
    // cluster may use its identity: disabling the admin user is the fix.
    let public = edit(
        &admin,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let public = edit(
        &public,
        "sku: Premium, public_network_access: Disabled",
        "sku: Premium",
    );
    let f = one(&public, "SEC008", Severity::Warning);
    assert!(!f.changes.is_empty(), "{f:#?}");
}

#[test]
fn acr007_trusted_services_off() {
    // Seed 002 step 3: allow access by trusted services.
    let t = edit(
        ACR_PE,
        "sku: Premium, public_network_access: Disabled }",
        "sku: Premium, public_network_access: Disabled, network_rule_set: { default_action: Deny, bypass: None } }",
    );
    let f = one(&t, "ACR007", Severity::Warning);
    assert_eq!(f.resource, "acr/acr");
    none(&edit(&t, "bypass: None", "bypass: AzureServices"), "ACR007");
}

#[test]
fn acr008_unknown_image_build_compute() {
    // Seed 003: the image build compute must exist before images are built.
    let t = edit(
        ACR_PE,
        "image_build_compute: cpu",
        "image_build_compute: cpu-cluster",
    );
    let f = one(&t, "ACR008", Severity::Error);
    assert_eq!(f.resource, "workspace/ws");
    assert!(f.message.contains("cpu-cluster"), "{}", f.message);
    none(ACR_PE, "ACR008");
}

#[test]
fn acr003_registry_behind_a_vnet_without_image_build_compute() {
    // Secure a workspace with virtual networks, "Enable Azure Container Registry (ACR)": when
    // the registry is behind a virtual network, Azure Machine Learning can't use it to build
    // images directly; a compute cluster named by image_build_compute builds them.
    let t = edit(ACR_PE, ", image_build_compute: cpu }", " }");
    let f = one(&t, "ACR003", Severity::Error);
    assert_eq!(f.resource, "workspace/ws");
    none(ACR_PE, "ACR003");
    // A registry open to the internet builds images on serverless compute.
    let public = edit(
        &t,
        "  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }\n",
        "",
    );
    let public = edit(
        &public,
        "sku: Premium, public_network_access: Disabled",
        "sku: Premium, public_network_access: Enabled",
    );
    none(&public, "ACR003");
}

#[test]
fn acr005_image_build_cluster_without_internet() {
    // Secure a workspace with virtual networks, "Azure Container Registry": the cluster that
    // builds images must reach Microsoft Container Registry and the package indexes; without a
    // public IP it has no internet unless a NAT gateway or a firewall route gives it one.
    let closed = edit(
        ACR_PE,
        "{ name: training, address_prefixes: [10.0.1.0/24] }",
        "{ name: training, address_prefixes: [10.0.1.0/24], default_outbound_access: false }",
    );
    let v = findings(&closed, "ACR005");
    assert!(!v.is_empty(), "no internet for the build cluster");
    assert!(
        v.iter()
            .all(|f| f.severity == Severity::Error && f.resource == "workspace/ws"),
        "{v:#?}"
    );
    let nat = edit(
        &closed,
        "default_outbound_access: false }",
        "default_outbound_access: false, nat_gateway: nat }",
    );
    none(
        &format!(
            "{nat}nat_gateways:\n  - {{ name: nat, public_ips: [pip] }}\npublic_ips:\n  - {{ name: pip, ip_address: 20.1.2.3 }}\n"
        ),
        "ACR005",
    );
}

// ---------------------------------------------------------------------------------------------
// CMP: computes

#[test]
fn cmp001_compute_outside_the_private_workspace_region() {
    // Seed 003: computes and AKS must be in the region of a workspace with a private endpoint.
    let t = edit(
        CMP_BASE,
        "max_nodes: 4, subnet: vnet/training,",
        "max_nodes: 4, region: westus,",
    );
    let f = one(&t, "CMP001", Severity::Error);
    assert_eq!(f.resource, "compute/cpu");
    assert!(
        f.message.contains("westus") && f.message.contains("private endpoint"),
        "{}",
        f.message
    );
    none(CMP_BASE, "CMP001");
    // Without a private endpoint (or managed network) the limitation does not apply.
    let public = edit(
        &t,
        "  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }\n",
        "",
    );
    let public = edit(
        &public,
        "public_network_access: Disabled",
        "public_network_access: Enabled",
    );
    none(&public, "CMP001");
    // An attached AKS cluster in another region.
    let aks = format!(
        "{CMP_BASE}aks_clusters:\n  - {{ name: scoring, workspace: ws, region: westeurope }}\n"
    );
    assert_eq!(one(&aks, "CMP001", Severity::Error).resource, "aks/scoring");
}

#[test]
fn cmp002_public_ip_compute_without_inbound_rules() {
    // Seed 002: public-IP computes need inbound from BatchNodeManagement (29876-29877) and
    // AzureMachineLearning (44224); the default NSG rules deny both.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    let v = findings(&t, "CMP002");
    assert_eq!(v.len(), 2, "{v:#?}");
    for f in &v {
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.resource, "subnet/vnet/training");
        assert_eq!(blocked(f), Code::NsgInboundDeny);
    }
    assert!(
        v[0].message
            .contains("BatchNodeManagement.EastUS on TCP 29876, 29877"),
        "{}",
        v[0].message
    );
    assert!(
        v[1].message.contains("AzureMachineLearning on TCP 44224"),
        "{}",
        v[1].message
    );
    let allowed = edit(
        &t,
        "    rules: []",
        "    rules:\n      - { name: batch, priority: 100, direction: Inbound, access: Allow, protocol: Tcp, source: BatchNodeManagement.EastUS, destination_ports: 29876-29877 }\n      - { name: aml, priority: 110, direction: Inbound, access: Allow, protocol: Tcp, source: AzureMachineLearning, destination_ports: 44224 }",
    );
    none(&allowed, "CMP002");
    // Computes without public IP are CMP003's concern.
    none(CMP_BASE, "CMP002");
}

#[test]
fn cmp003_no_public_ip_inbound_denied() {
    // Seed 002: no-public-IP clusters need VirtualNetwork 29876-29877 and AzureLoadBalancer
    // 44224 inbound; Azure's defaults allow them, a user deny rule breaks them.
    none(CMP_BASE, "CMP003");
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: deny-in, priority: 100, direction: Inbound, access: Deny }",
    );
    let v = findings(&t, "CMP003");
    assert_eq!(v.len(), 2, "{v:#?}");
    for f in &v {
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.resource, "subnet/vnet/training");
        assert_eq!(blocked(f), Code::NsgInboundDeny);
        assert!(
            f.trace
                .as_ref()
                .unwrap()
                .blocked_by()
                .unwrap()
                .detail
                .contains("deny-in")
        );
    }
    // Only the Batch ports denied: one finding.
    let batch_only = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: deny-batch, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, destination_ports: 29877 }",
    );
    let f = one(&batch_only, "CMP003", Severity::Error);
    assert!(f.message.contains("TCP 29877"), "{}", f.message);
}

#[test]
fn cmp004_public_ip_compute() {
    // Seed 004: prefer no public IP.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    let f = one(&t, "CMP004", Severity::Warning);
    assert_eq!(f.resource, "compute/cpu");
    none(CMP_BASE, "CMP004");
    // A compute without any VNet has no private option: not reported.
    let novnet = edit(&t, "max_nodes: 4, subnet: vnet/training,", "max_nodes: 4,");
    none(&novnet, "CMP004");
}

#[test]
fn cmp005_aci_in_vnet_with_private_workspace() {
    // Seed 002: ACI in a VNet is unsupported when the workspace has a private endpoint.
    let t = format!(
        "{CMP_BASE}aci_deployments:\n  - {{ name: scoring, workspace: ws, subnet: vnet/pe }}\n"
    );
    let f = one(&t, "CMP005", Severity::Error);
    assert_eq!(f.resource, "workspace/ws");
    assert!(f.message.contains("scoring"), "{}", f.message);
    none(
        &edit(
            &t,
            "  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }\n",
            "",
        ),
        "CMP005",
    );
    none(
        &edit(
            &t,
            "{ name: scoring, workspace: ws, subnet: vnet/pe }",
            "{ name: scoring, workspace: ws }",
        ),
        "CMP005",
    );
}

#[test]
fn cmp006_aks_without_internet_path() {
    // Seed 002: AKS needs outbound to mcr.microsoft.com (and the AKS egress requirements).
    let t = format!(
        "{}aks_clusters:\n  - {{ name: scoring, workspace: ws, subnet: vnet/scoring, node_count: 3 }}\n",
        edit(
            CMP_BASE,
            "      - { name: pe, address_prefixes: [10.0.3.0/24] }\n",
            "      - { name: pe, address_prefixes: [10.0.3.0/24] }\n      - { name: scoring, address_prefixes: [10.0.2.0/24], default_outbound_access: false }\n",
        )
    );
    let v = findings(&t, "CMP006");
    assert_eq!(v.len(), 4, "{v:#?}");
    for f in &v {
        assert_eq!(f.resource, "aks/scoring");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(blocked(f), Code::EgressNone);
    }
    assert!(
        v[0].message.contains("mcr.microsoft.com"),
        "{}",
        v[0].message
    );
    none(
        &edit(&t, "default_outbound_access: false }", "nat_gateway: nat }"),
        "CMP006",
    );
}

#[test]
fn cmp006_firewall_allows_some_aks_hosts() {
    // Through a hub firewall that allows the registry but not Entra ID and ARM.
    let t = r#"
region: eastus
workspaces:
  - { name: ws }
aks_clusters:
  - { name: scoring, workspace: ws, subnet: vnet/scoring, node_count: 3 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: scoring, address_prefixes: [10.0.2.0/24], route_table: rt }
      - { name: AzureFirewallSubnet, address_prefixes: [10.0.0.0/26] }
route_tables:
  - name: rt
    routes:
      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.0.0.4 }
firewalls:
  - name: fw
    vnet: vnet
    private_ip_address: 10.0.0.4
    public_ips: [fw-pip]
    application_rule_collections:
      - name: images
        priority: 100
        action: Allow
        rules:
          - { name: mcr, source_addresses: [10.0.2.0/24], protocols: ["Https:443"], target_fqdns: [mcr.microsoft.com, "*.data.mcr.microsoft.com"] }
public_ips:
  - { name: fw-pip, ip_address: 20.1.2.3 }
"#;
    let v = findings(t, "CMP006");
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(v.iter().all(|f| blocked(f) == Code::FwImplicitDeny));
    assert!(
        v[0].message.contains("management.azure.com"),
        "{}",
        v[0].message
    );
    assert!(
        v[1].message.contains("login.microsoftonline.com"),
        "{}",
        v[1].message
    );
}

#[test]
fn cmp007_subnet_too_small_for_cluster_at_full_scale() {
    // Facts §9 / seed 004: one IP per instance, per cluster node at maximum scale and per
    // private endpoint, plus 5 reserved: a /28 (16 addresses) holds 11.
    let t = r#"
region: eastus
workspaces:
  - { name: ws }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 10, subnet: vnet/training, enable_node_public_ip: false }
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/28] }
"#;
    none(t, "CMP007");
    let f = one(
        &edit(t, "max_nodes: 10", "max_nodes: 11"),
        "CMP007",
        Severity::Error,
    );
    assert_eq!(f.resource, "subnet/vnet/training");
    assert!(
        f.message.contains("11 usable") && f.message.contains("needs 12"),
        "{}",
        f.message
    );
}

// ---------------------------------------------------------------------------------------------
// EP: managed online endpoints

const EP_BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
online_endpoints:
  - name: scoring
    workspace: ws
    public_network_access: disabled
    deployments:
      - { name: blue, egress_public_network_access: disabled }
"#;

#[test]
fn ep001_public_endpoint_in_secure_workspace() {
    // Seed 004: disable public_network_access so scoring goes through the workspace's private
    // endpoint only.
    none(EP_BASE, "EP001");
    let t = edit(EP_BASE, "    public_network_access: disabled\n", "");
    let f = one(&t, "EP001", Severity::Warning);
    assert_eq!(f.resource, "online-endpoint/scoring");
    assert!(f.message.contains("not supported"), "{}", f.message);
    // A public workspace is not "secure": nothing to report.
    none(
        &edit(
            &t,
            "public_network_access: Disabled",
            "public_network_access: Enabled",
        ),
        "EP001",
    );
}

#[test]
fn ep002_deployment_with_public_egress() {
    // Seeds 004/000: egress_public_network_access enabled sends outbound to public networks.
    none(EP_BASE, "EP002");
    let t = edit(
        EP_BASE,
        "{ name: blue, egress_public_network_access: disabled }",
        "{ name: blue }",
    );
    let f = one(&t, "EP002", Severity::Warning);
    assert_eq!(f.resource, "online-endpoint/scoring");
    assert!(f.message.contains("deployment blue"), "{}", f.message);
    // With a managed network the flag is ignored.
    let managed = edit(
        &t,
        "public_network_access: Disabled }",
        "public_network_access: Disabled, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    none(&managed, "EP002");
}

#[test]
fn ep003_legacy_isolation_in_custom_vnet() {
    // Seed 004: the legacy per-deployment managed VNet is not recommended.
    let f = one(EP_BASE, "EP003", Severity::Info);
    assert_eq!(f.resource, "online-endpoint/scoring");
    let managed = edit(
        EP_BASE,
        "public_network_access: Disabled }",
        "public_network_access: Disabled, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }",
    );
    none(&managed, "EP003");
}

// ---------------------------------------------------------------------------------------------
// MVN: managed network

/// An approved-outbound managed network whose cluster builds images (pypi.org, MCR).
const MVN_BASE: &str = r#"
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    image_build_compute: cpu
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: anaconda, type: FQDN, destination: "*.anaconda.com" }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, enable_node_public_ip: false }
"#;

#[test]
fn mvn001_fqdn_rules_bring_a_firewall() {
    // Seed 004: FQDN rules cost an Azure Firewall.
    let f = one(MVN_BASE, "MVN001", Severity::Info);
    assert_eq!(f.resource, "workspace/ws");
    assert!(f.message.contains("Standard"), "{}", f.message);
    let basic = edit(
        MVN_BASE,
        "      isolation_mode: AllowOnlyApprovedOutbound\n",
        "      isolation_mode: AllowOnlyApprovedOutbound\n      firewall_sku: Basic\n",
    );
    assert!(
        one(&basic, "MVN001", Severity::Info)
            .message
            .contains("Basic")
    );
    none(
        &edit(
            MVN_BASE,
            "        - { name: anaconda, type: FQDN, destination: \"*.anaconda.com\" }\n",
            "        - { name: st, type: PrivateEndpoint, destination: { service_resource: storage/st, subresource_target: blob } }\nstorage_accounts:\n  - { name: st }\n",
        ),
        "MVN001",
    );
}

#[test]
fn mvn002_non_https_destinations() {
    // Seed 004: a managed network does not reach non-HTTPS endpoints.
    none(MVN_BASE, "MVN002");
    let sftp = edit(
        MVN_BASE,
        "destination: \"*.anaconda.com\"",
        "destination: \"sftp.contoso.com:22\"",
    );
    let f = one(&sftp, "MVN002", Severity::Error);
    assert_eq!(f.resource, "workspace/ws");
    assert!(f.message.contains("port 22"), "{}", f.message);
    let https_port = edit(
        MVN_BASE,
        "destination: \"*.anaconda.com\"",
        "destination: \"https://files.contoso.com:443\"",
    );
    none(&https_port, "MVN002");
    let pls = edit(
        MVN_BASE,
        "        - { name: anaconda, type: FQDN, destination: \"*.anaconda.com\" }\n",
        "        - { name: onprem-db, type: PrivateEndpoint, destination: { service_resource: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/onprem-db, subresource_target: default } }\n",
    );
    let f = one(&pls, "MVN002", Severity::Error);
    assert!(
        f.message.contains("microsoft.network/privatelinkservices"),
        "{}",
        f.message
    );
    let sql = edit(
        &pls,
        "Microsoft.Network/privateLinkServices/onprem-db",
        "Microsoft.Sql/servers/db",
    );
    none(&sql, "MVN002");
}

#[test]
fn mvn003_image_build_needs_an_fqdn_rule() {
    // Seed 004: in approved-outbound mode every destination needs a rule; image builds install
    // packages from the hosts of facts §4.5 (pypi.org, *.pythonhosted.org, anaconda.com,
    // *.anaconda.com, *.anaconda.org): one finding per host without a rule.
    let v = findings(MVN_BASE, "MVN003");
    assert!(!v.is_empty());
    for f in &v {
        assert_eq!(f.resource, "workspace/ws");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(blocked(f), Code::MvnNotApproved);
    }
    assert!(v.iter().any(|f| f.message.contains("pypi.org")), "{v:#?}");
    assert!(
        !v.iter().any(|f| f.message.contains("repo.anaconda.com")),
        "{v:#?}"
    );
    let with_rule = edit(
        MVN_BASE,
        "        - { name: anaconda, type: FQDN, destination: \"*.anaconda.com\" }\n",
        "        - { name: anaconda, type: FQDN, destination: \"*.anaconda.com\" }\n        - { name: pypi, type: FQDN, destination: pypi.org }\n        - { name: pythonhosted, type: FQDN, destination: \"*.pythonhosted.org\" }\n        - { name: anaconda-apex, type: FQDN, destination: anaconda.com }\n        - { name: anaconda-org, type: FQDN, destination: \"*.anaconda.org\" }\n",
    );
    none(&with_rule, "MVN003");
    // Allow internet outbound needs no rules.
    none(
        &edit(
            MVN_BASE,
            "isolation_mode: AllowOnlyApprovedOutbound",
            "isolation_mode: AllowInternetOutbound",
        ),
        "MVN003",
    );
}

/// Manage, collaborate, and organize with hubs: "A managed virtual network is shared between all
/// projects that share the same hub." A project's compute outside any subnet runs in its hub's
/// managed network when the hub has one, so SEC013 (in no network the deployment controls) does
/// not hold there; with a hub without managed network it does.
#[test]
fn sec013_reads_a_projects_hub() {
    let yaml = "workspaces:
  - { name: hub, region: eastus, kind: hub, managed_network: { isolation_mode: AllowInternetOutbound } }
  - { name: proj, region: eastus, kind: project, hub: hub }
computes:
  - { name: cpu, workspace: proj, type: AmlCompute, enable_node_public_ip: false }
";
    none(yaml, "SEC013");
    let unmanaged = edit(
        yaml,
        ", managed_network: { isolation_mode: AllowInternetOutbound }",
        "",
    );
    let f = one(&unmanaged, "SEC013", Severity::Warning);
    assert!(f.decided(), "{f:#?}");
}
