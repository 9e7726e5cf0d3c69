//! The infrastructure rules (ACR, CMP, EP, MVN, OUT, NET, EXF, MON): for each, a minimal
//! topology that triggers it and a close one that does not. Path rules are checked for the
//! trace they carry and the hop that decided it.

use moat_engine::Code;
use moat_rules::{Finding, Severity};

fn findings(yaml: &str, code: &str) -> Vec<Finding> {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code(code)
        .unwrap_or_else(|| panic!("{code} is not registered"))
        .check(&cx, &mut v);
    v
}

/// The one finding of `code`, with its code and severity checked.
fn one(yaml: &str, code: &str, severity: Severity) -> Finding {
    let v = findings(yaml, code);
    assert_eq!(v.len(), 1, "{code}: expected one finding, got {v:#?}");
    let f = v.into_iter().next().unwrap();
    assert_eq!(f.code, code);
    assert_eq!(f.severity, severity, "{}", f.message);
    f
}

fn none(yaml: &str, code: &str) {
    let v = findings(yaml, code);
    assert!(v.is_empty(), "{code}: expected no finding, got {v:#?}");
}

/// The code of the hop that stopped the finding's flow.
fn blocked(f: &Finding) -> Code {
    let t = f.trace.as_ref().expect("a path finding carries its trace");
    t.blocked_by
        .as_ref()
        .map(|h| h.code)
        .expect("the trace stops at a hop")
}

/// `base` with `from` replaced by `to`; `from` must occur, so a near miss is never the same
/// topology by accident.
fn edit(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "`{from}` is not in the topology");
    base.replacen(from, to, 1)
}

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

/// A workspace with a private endpoint and a compute cluster in a training subnet with an NSG
/// holding only Azure's default rules.
const CMP_BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
nat_gateways:
  - { name: nat }
network_security_groups:
  - name: nsg
    rules: []
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }
"#;

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
                .blocked_by
                .as_ref()
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

// ---------------------------------------------------------------------------------------------
// OUT: required outbound

#[test]
fn out001_nsg_denies_one_required_tag() {
    // Seed 002: Entra ID on TCP 80 and 443 is required outbound.
    none(CMP_BASE, "OUT001");
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: no-entra, priority: 100, direction: Outbound, access: Deny, destination: AzureActiveDirectory }",
    );
    let v = findings(&t, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    for (f, port) in v.iter().zip(["tcp/80", "tcp/443"]) {
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.resource, "subnet/vnet/training");
        assert_eq!(blocked(f), Code::NsgOutboundDeny);
        assert!(
            f.message
                .contains(&format!("tag:AzureActiveDirectory {port}")),
            "{}",
            f.message
        );
        assert!(
            f.fix.contains("service tag AzureActiveDirectory"),
            "{}",
            f.fix
        );
    }
}

#[test]
fn out001_situational_requirements() {
    // 18881 only with compute instances; Key Vault only with hbi_workspace (facts §3.1-§3.2).
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: aml-443-only, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureMachineLearning, destination_ports: 443 }\n      - { name: no-aml, priority: 110, direction: Outbound, access: Deny, destination: AzureMachineLearning }\n      - { name: no-kv, priority: 120, direction: Outbound, access: Deny, destination: AzureKeyVault.EastUS }",
    );
    // The cluster lacks UDP 5831 only.
    let f = one(&t, "OUT001", Severity::Error);
    assert!(f.message.contains("udp/5831"), "{}", f.message);
    // A compute instance also needs 18881.
    let ci = edit(
        &t,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4",
        "type: ComputeInstance, vm_size: Standard_DS3_v2",
    );
    let v = findings(&ci, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(v[1].message.contains("tcp/18881"), "{}", v[1].message);
    // An hbi workspace needs the Batch key vault.
    let hbi = edit(
        &t,
        "public_network_access: Disabled }",
        "public_network_access: Disabled, hbi_workspace: true }",
    );
    let v = findings(&hbi, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(
        v[1].message.contains("AzureKeyVault.EastUS"),
        "{}",
        v[1].message
    );
}

/// A spoke routed through a hub firewall whose network rules allow the required tags of seed
/// 002, and whose application rules replace Front Door by FQDNs (facts §7).
const OUT_FW: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 4, subnet: spoke/training, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes:
      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    network_rule_collections:
      - name: required
        priority: 100
        action: Allow
        rules:
          - { name: entra, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureActiveDirectory], destination_ports: [80, 443] }
          - { name: aml, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: [443] }
          - { name: aml-udp, protocols: [UDP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: [5831] }
          - { name: batch, protocols: [Any], source_addresses: [10.0.0.0/16], destination_addresses: [BatchNodeManagement.EastUS], destination_ports: [443] }
          - { name: arm, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureResourceManager], destination_ports: [443] }
          - { name: storage, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [Storage.EastUS], destination_ports: [443] }
          - { name: mcr, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [MicrosoftContainerRegistry, AzureFrontDoor.FirstParty], destination_ports: [443] }
    application_rule_collections:
      - name: frontdoor-by-name
        priority: 200
        action: Allow
        rules:
          - { name: studio, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [ml.azure.com, automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net] }
public_ips:
  - { name: fw-pip, ip_address: 20.1.2.3 }
"#;

#[test]
fn out001_front_door_by_fqdn_is_accepted() {
    // Facts §7: the AzureFrontDoor.Frontend tag may be replaced by ml.azure.com and the AutoML
    // host on the firewall. The tag is then not reported as missing: at most the AutoML host is
    // undecided (a warning), because the model does not know which service tag serves it.
    for f in findings(OUT_FW, "OUT001") {
        assert_eq!(f.severity, Severity::Warning, "{}", f.message);
        assert!(f.message.contains("automlresources-prod"), "{}", f.message);
        assert_eq!(
            f.trace.as_ref().unwrap().verdict,
            moat_engine::Verdict::Unknown
        );
    }
    // Without the application rule for the studio host, the tag itself is missing.
    let errors = |t: &str| -> Vec<Finding> {
        findings(t, "OUT001")
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect()
    };
    let t = edit(
        OUT_FW,
        "target_fqdns: [ml.azure.com, automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net]",
        "target_fqdns: [automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net]",
    );
    let v = errors(&t);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].resource, "subnet/spoke/training");
    assert!(
        v[0].message.contains("tag:AzureFrontDoor.Frontend tcp/443"),
        "{}",
        v[0].message
    );
    assert_eq!(blocked(&v[0]), Code::FwImplicitDeny);
    assert!(errors(OUT_FW).is_empty());
    // Without ARM on the firewall.
    let t = edit(
        OUT_FW,
        "          - { name: arm, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureResourceManager], destination_ports: [443] }\n",
        "",
    );
    let v = errors(&t);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(
        v[0].message.contains("AzureResourceManager"),
        "{}",
        v[0].message
    );
    assert_eq!(
        v[0].fix,
        "allow tcp/443 to service tag AzureResourceManager on firewall fw"
    );
}

#[test]
fn out002_package_hosts_unreachable() {
    // Seed 002: pip and conda hosts for computes that install packages.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [install-packages] }",
    );
    none(&t, "OUT002");
    let closed = edit(&t, "nat_gateway: nat }", "default_outbound_access: false }");
    let f = one(&closed, "OUT002", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(blocked(&f), Code::EgressNone);
    assert!(
        f.message.contains("pypi.org") && f.message.contains("*.anaconda.org"),
        "{}",
        f.message
    );
    // Through the firewall without package rules; with the rules, nothing.
    let fw = edit(
        OUT_FW,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [install-packages] }",
    );
    assert_eq!(
        blocked(&one(&fw, "OUT002", Severity::Warning)),
        Code::FwImplicitDeny
    );
    let fw_ok = edit(
        &fw,
        "target_fqdns: [ml.azure.com,",
        "target_fqdns: [pypi.org, \"*.pythonhosted.org\", anaconda.com, \"*.anaconda.com\", \"*.anaconda.org\", ml.azure.com,",
    );
    none(&fw_ok, "OUT002");
    // Computes that declare no package installs are not concerned.
    none(&edit(&closed, ", uses: [install-packages]", ""), "OUT002");
}

#[test]
fn out003_vscode_hosts_unreachable() {
    // Seed 002: VS Code server and extension hosts for compute instances used from VS Code.
    let t = edit(
        CMP_BASE,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false }",
        "type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false, uses: [vscode] }",
    );
    none(&t, "OUT003");
    let closed = edit(&t, "nat_gateway: nat }", "default_outbound_access: false }");
    let f = one(&closed, "OUT003", Severity::Info);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(blocked(&f), Code::EgressNone);
    assert!(
        f.message.contains("update.code.visualstudio.com"),
        "{}",
        f.message
    );
}

#[test]
fn out004_public_ip_compute_behind_hub_firewall() {
    // Seed 004: with public-IP computes in a hub-spoke design, inbound from AzureMachineLearning
    // needs a UDR that skips the firewall.
    none(OUT_FW, "OUT004");
    let public = edit(
        OUT_FW,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    let f = one(&public, "OUT004", Severity::Warning);
    assert_eq!(f.resource, "subnet/spoke/training");
    assert!(
        f.message.contains("through the appliance at 10.100.0.4"),
        "{}",
        f.message
    );
    // The documented UDRs bypass the firewall: still a warning, now about the bypass.
    let bypass = edit(
        &public,
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n",
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n      - { name: aml, address_prefix: AzureMachineLearning, next_hop_type: Internet }\n      - { name: batch, address_prefix: BatchNodeManagement.EastUS, next_hop_type: Internet }\n",
    );
    let f = one(&bypass, "OUT004", Severity::Warning);
    assert!(
        f.message.contains("around the firewall") && f.message.contains("route aml of rt"),
        "{}",
        f.message
    );
    // Configure inbound and outbound network traffic: routes written for one region's
    // addresses leave the paired region's through the firewall; they "must cover the
    // primary and secondary regions" (§6.60).
    let one_region = edit(
        &public,
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n",
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n      - { name: aml-eastus, address_prefix: AzureMachineLearning.EastUS, next_hop_type: Internet }\n      - { name: batch, address_prefix: BatchNodeManagement.EastUS, next_hop_type: Internet }\n",
    );
    let f = one(&one_region, "OUT004", Severity::Warning);
    assert!(
        f.message.contains("only part of AzureMachineLearning")
            && f.message.contains("route aml-eastus of rt"),
        "{}",
        f.message
    );
    // Without a firewall on the way there is nothing to bypass.
    none(
        &edit(
            CMP_BASE,
            "enable_node_public_ip: false",
            "enable_node_public_ip: true",
        ),
        "OUT004",
    );
}

// ---------------------------------------------------------------------------------------------
// NET: address planning and topology

#[test]
fn net001_docker_bridge_range() {
    // Seed 002: do not use 172.17.0.0/16.
    let t = r#"
virtual_networks:
  - name: vnet
    address_space: [172.16.0.0/12]
    subnets:
      - { name: training, address_prefixes: [172.17.1.0/24] }
"#;
    let f = one(t, "NET001", Severity::Warning);
    assert_eq!(f.resource, "vnet/vnet");
    assert!(f.message.contains("training"), "{}", f.message);
    none(
        &edit(t, "[172.17.1.0/24]", "[172.18.1.0/24]").replace("172.16.0.0/12", "172.18.0.0/16"),
        "NET001",
    );
}

#[test]
fn net002_overlapping_peers_and_on_premises() {
    // Seed 002: plan addresses so the VNet does not collide with what it connects to.
    let t = r#"
virtual_networks:
  - name: hub
    address_space: [10.0.0.0/16]
    subnets:
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
    peerings: [{ remote_vnet: spoke }]
  - name: spoke
    address_space: [10.1.0.0/16]
    peerings: [{ remote_vnet: hub }]
virtual_network_gateways:
  - { name: gw, vnet: hub, gateway_type: Vpn }
local_network_gateways:
  - { name: office, address_prefixes: [192.168.0.0/16] }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }
"#;
    none(t, "NET002");
    let f = one(
        &edit(
            t,
            "address_space: [10.1.0.0/16]",
            "address_space: [10.0.128.0/17]",
        ),
        "NET002",
        Severity::Error,
    );
    assert_eq!(f.resource, "vnet/hub");
    assert!(f.message.contains("hub and spoke"), "{}", f.message);
    let onprem = edit(
        t,
        "address_prefixes: [192.168.0.0/16]",
        "address_prefixes: [10.0.0.0/8]",
    );
    let v = findings(&onprem, "NET002");
    // The hub's gateway, and the spoke does not use it: only the hub collides.
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0].message.contains("gateway gw"), "{}", v[0].message);
}

/// Two spokes peered only with a hub: computes in one, the workspace's private endpoint in the
/// other (seed 004, hub-spoke).
const NET_SPOKES: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 2, subnet: spoke-a/training, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    peerings: [{ remote_vnet: spoke-a }, { remote_vnet: spoke-b }]
  - name: spoke-a
    address_space: [10.1.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.1.1.0/24], nat_gateway: nat }
    peerings: [{ remote_vnet: hub }]
  - name: spoke-b
    address_space: [10.2.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.2.3.0/24] }
    peerings: [{ remote_vnet: hub }]
nat_gateways:
  - { name: nat }
private_endpoints:
  - { name: ws-pe, subnet: spoke-b/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [spoke-a, spoke-b] }
"#;

#[test]
fn net003_spoke_to_spoke_needs_the_hub() {
    // Peering is not transitive: spoke-a reaches spoke-b's endpoint only through the hub.
    let f = one(NET_SPOKES, "NET003", Severity::Error);
    assert_eq!(f.resource, "vnet/spoke-a");
    assert_eq!(blocked(&f), Code::PeeringNotTransitive);
    assert!(
        f.message
            .contains("two peerings away from VNet spoke-a, across hub"),
        "{}",
        f.message
    );
    // Peering the spokes directly.
    let direct = edit(
        NET_SPOKES,
        "    peerings: [{ remote_vnet: hub }]\n  - name: spoke-b",
        "    peerings: [{ remote_vnet: hub }, { remote_vnet: spoke-b }]\n  - name: spoke-b",
    );
    let direct = edit(
        &direct,
        "      - { name: pe, address_prefixes: [10.2.3.0/24] }\n    peerings: [{ remote_vnet: hub }]",
        "      - { name: pe, address_prefixes: [10.2.3.0/24] }\n    peerings: [{ remote_vnet: hub }, { remote_vnet: spoke-a }]",
    );
    none(&direct, "NET003");
    // Without a hub between them the failure is not a transitivity problem.
    let no_hub = edit(
        NET_SPOKES,
        "    peerings: [{ remote_vnet: spoke-a }, { remote_vnet: spoke-b }]\n",
        "",
    );
    none(&no_hub, "NET003");
}

/// On premises behind the hub's VPN gateway; the workspace's private endpoint in a spoke.
const NET_ONPREM: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: dns, address_prefixes: [10.100.1.0/24] }
      - { name: GatewaySubnet, address_prefixes: [10.100.255.0/27] }
    peerings: [{ remote_vnet: spoke, allow_gateway_transit: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.3.0/24] }
    peerings: [{ remote_vnet: hub }]
virtual_network_gateways:
  - { name: gw, vnet: hub, gateway_type: Vpn }
local_network_gateways:
  - { name: office, address_prefixes: [192.168.0.0/16] }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }
virtual_machines:
  - { name: dns-vm, network_interfaces: [dns-nic] }
network_interfaces:
  - { name: dns-nic, subnet: hub/dns, private_ip_address: 10.100.1.4 }
dns_servers:
  - { name: hub-dns, address: 10.100.1.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }] }
  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.100.1.4] }] }
private_endpoints:
  - { name: ws-pe, subnet: spoke/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [hub] }
clients:
  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [sdk.connect] }
"#;

#[test]
fn net003_on_premises_needs_gateway_transit() {
    // On-premises traffic enters the hub; a spoke is reached only if it uses the hub's gateway.
    let f = one(NET_ONPREM, "NET003", Severity::Error);
    assert_eq!(f.resource, "vnet/spoke");
    assert_eq!(blocked(&f), Code::OnpremNoTransit);
    assert!(
        f.message.contains("does not use the gateway"),
        "{}",
        f.message
    );
    let transit = edit(
        NET_ONPREM,
        "    peerings: [{ remote_vnet: hub }]",
        "    peerings: [{ remote_vnet: hub, use_remote_gateways: true }]",
    );
    none(&transit, "NET003");
}

#[test]
fn net004_resources_in_another_region() {
    // Seed 004: put all resources in the same region.
    let t = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st, region: westeurope }
"#;
    let f = one(t, "NET004", Severity::Warning);
    assert_eq!(f.resource, "workspace/ws");
    assert!(
        f.message.contains("storage st (westeurope)"),
        "{}",
        f.message
    );
    none(&edit(t, "region: westeurope", "region: eastus"), "NET004");
}

// ---------------------------------------------------------------------------------------------
// EXF: data exfiltration

#[test]
fn exf001_storage_open_without_service_endpoint_policy() {
    // Seed 004: Storage outbound is read/write; without a service endpoint policy any account
    // of the region is reachable.
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: storage, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: Storage.EastUS, destination_ports: 443 }\n      - { name: no-internet, priority: 200, direction: Outbound, access: Deny, destination: Internet }",
    );
    let f = one(&t, "EXF001", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    let tr = f.trace.as_ref().expect("trace");
    assert_eq!(tr.verdict, moat_engine::Verdict::Allowed);
    assert!(
        tr.hops
            .iter()
            .any(|h| h.code == Code::NsgOutboundAllow && h.detail.contains("storage"))
    );
    // The exfiltration-prevention design: a Microsoft.Storage service endpoint with a policy
    // listing the workspace's account and the Azure ML alias stops foreign accounts.
    let sep = edit(
        &t,
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }",
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat, service_endpoints: [Microsoft.Storage], service_endpoint_policies: [sep] }",
    );
    let sep = format!(
        "{sep}service_endpoint_policies:\n  - name: sep\n    definitions:\n      - {{ name: ws, service_resources: [st] }}\n      - {{ name: aml, service: Global, service_resources: [/services/Azure/MachineLearning] }}\nstorage_accounts:\n  - {{ name: st }}\n"
    );
    none(&sep, "EXF001");
    // A subnet that cannot reach Storage at all.
    none(
        &edit(
            &t,
            "access: Allow, protocol: Tcp, destination: Storage.EastUS",
            "access: Deny, protocol: Tcp, destination: Storage.EastUS",
        ),
        "EXF001",
    );
}

#[test]
fn exf002_front_door_tag_open() {
    // Seed 004: AzureFrontDoor.Frontend is read/write outbound.
    let f = one(CMP_BASE, "EXF002", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(
        f.trace.as_ref().unwrap().verdict,
        moat_engine::Verdict::Allowed
    );
    let closed = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: no-frontdoor, priority: 100, direction: Outbound, access: Deny, destination: AzureFrontDoor.Frontend }",
    );
    none(&closed, "EXF002");
    // The firewall of OUT_FW allows ml.azure.com by name only: the tag is closed.
    none(OUT_FW, "EXF002");
}

#[test]
fn exf003_internet_open() {
    // Seed 004: a NAT gateway without a firewall lets computes reach any host.
    let f = one(CMP_BASE, "EXF003", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert!(
        f.trace
            .as_ref()
            .unwrap()
            .hops
            .iter()
            .any(|h| h.code == Code::EgressSnat)
    );
    none(
        &edit(
            CMP_BASE,
            "nat_gateway: nat }",
            "default_outbound_access: false }",
        ),
        "EXF003",
    );
    none(OUT_FW, "EXF003");
    // An allow-internet-outbound managed network is open by design.
    let managed = r#"
region: eastus
workspaces:
  - { name: ws, managed_network: { isolation_mode: AllowInternetOutbound } }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, enable_node_public_ip: false }
"#;
    assert_eq!(
        one(managed, "EXF003", Severity::Warning).resource,
        "workspace/ws"
    );
    none(
        &edit(
            managed,
            "AllowInternetOutbound",
            "AllowOnlyApprovedOutbound",
        ),
        "EXF003",
    );
}

#[test]
fn exf001_to_exf003_give_way_to_the_built_in_invariants_where_protection_is_declared() {
    // Issue 14 / seed 004, "Data exfiltration prevention": "a service endpoint and service
    // endpoint policy are in place to prevent data exfiltration" on the training subnet
    // declares the intent. There the built-in invariants prove storage outside the deployment,
    // Front Door and the internet over every packet (INV001); the single-probe rules, which
    // would report the same flows again, stay silent. A NAT gateway leaves Front Door and the
    // internet open: one finding per cause, each from INV001.
    let declared = edit(
        CMP_BASE,
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }",
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat, service_endpoints: [Microsoft.Storage], service_endpoint_policies: [sep] }",
    );
    let declared = format!(
        "{declared}service_endpoint_policies:\n  - name: sep\n    definitions:\n      - {{ name: aml, service: Global, service_resources: [/services/Azure/MachineLearning] }}\n"
    );
    for code in ["EXF001", "EXF002", "EXF003"] {
        none(&declared, code);
    }
    let inv = findings(&declared, "INV001");
    let names: Vec<&str> = inv
        .iter()
        .filter(|f| f.resource == "subnet/vnet/training")
        .map(|f| f.message.split('`').nth(1).expect("the invariant's name"))
        .collect();
    assert_eq!(
        names,
        [
            "exfiltration-protection/frontdoor",
            "exfiltration-protection/internet"
        ],
        "{inv:#?}"
    );
    assert!(inv.iter().all(|f| f.trace.is_some()));
    // Without the declared intent, the single-probe rules report the same subnet, and no
    // built-in invariant runs.
    one(CMP_BASE, "EXF002", Severity::Warning);
    one(CMP_BASE, "EXF003", Severity::Warning);
    none(CMP_BASE, "INV001");
}

#[test]
fn exf004_registry_resource_instance_on_workspace_storage() {
    // Seed 000: sharing to a registry needs the registry as a resource instance of the storage.
    let t = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
registries:
  - { name: contosoreg }
storage_accounts:
  - name: st
    network_rules:
      default_action: Deny
      resource_access_rules:
        - { resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }
        - { resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }
"#;
    let f = one(t, "EXF004", Severity::Info);
    assert_eq!(f.resource, "storage/st");
    assert!(
        f.message.contains("registry contosoreg (public)"),
        "{}",
        f.message
    );
    none(
        &edit(
            t,
            "        - { resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }\n",
            "",
        ),
        "EXF004",
    );
}

// ---------------------------------------------------------------------------------------------
// MON: Azure Monitor

#[test]
fn mon001_private_only_scope() {
    // Seed 002: Azure Monitor private link must use the Open mode.
    let t = r#"
monitor_private_link_scopes:
  - { name: ampls, ingestion_access_mode: PrivateOnly, query_access_mode: Open }
"#;
    let f = one(t, "MON001", Severity::Error);
    assert_eq!(f.resource, "ampls/ampls");
    assert!(f.message.contains("ingestion"), "{}", f.message);
    none(
        &edit(
            t,
            "ingestion_access_mode: PrivateOnly",
            "ingestion_access_mode: Open",
        ),
        "MON001",
    );
}

#[test]
fn exf003_public_ip_compute_in_a_private_subnet() {
    // A private subnet (no NAT, default outbound access off) closes the cluster's way out, but a
    // compute instance with a node public IP in the same subnet still leaves directly: one
    // finding for the subnet.
    let t = edit(
        CMP_BASE,
        "nat_gateway: nat }",
        "default_outbound_access: false }",
    );
    none(&t, "EXF003");
    let mixed = edit(
        &t,
        "computes:\n",
        "computes:\n  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }\n",
    );
    let f = one(&mixed, "EXF003", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert!(f.message.contains("(ci)"), "{}", f.message);
}

#[test]
fn path_findings_point_into_the_file() {
    // Every finding of these rules names where its subject is written.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    for code in ["CMP002", "CMP004", "EXF001", "EXF002", "EXF003"] {
        for f in findings(&t, code) {
            let at =
                f.at.as_ref()
                    .unwrap_or_else(|| panic!("{code}: no location"));
            assert_eq!(at.file, "t.yaml");
            assert!(at.line > 0, "{code}");
        }
    }
}

#[test]
fn seed_scenario_secure_workspace_with_public_registry_outbound() {
    // Seeds 000/002: a secure workspace whose computes use a public registry opens the required
    // service tags and the registry's four tags on the NSG and denies the rest of the internet.
    // The required outbound is complete; Storage.<region> and Front Door stay open (the seeds
    // flag both as read/write outbound); arbitrary hosts are closed.
    let nsg = r#"    rules:
      - { name: entra, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureActiveDirectory, destination_ports: [80, 443] }
      - { name: aml, priority: 110, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureMachineLearning, destination_ports: [443, 18881] }
      - { name: aml-udp, priority: 120, direction: Outbound, access: Allow, protocol: Udp, destination: AzureMachineLearning, destination_ports: 5831 }
      - { name: batch, priority: 130, direction: Outbound, access: Allow, destination: BatchNodeManagement.EastUS, destination_ports: 443 }
      - { name: arm, priority: 140, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureResourceManager, destination_ports: 443 }
      - { name: storage, priority: 150, direction: Outbound, access: Allow, protocol: Tcp, destination: Storage.EastUS, destination_ports: 443 }
      - { name: frontdoor, priority: 160, direction: Outbound, access: Allow, protocol: Tcp, destination: [AzureFrontDoor.Frontend, AzureFrontDoor.FirstParty], destination_ports: 443 }
      - { name: mcr, priority: 170, direction: Outbound, access: Allow, protocol: Tcp, destination: MicrosoftContainerRegistry.EastUS, destination_ports: 443 }
      - { name: acr, priority: 180, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureContainerRegistry.EastUS, destination_ports: 443 }
      - { name: no-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }"#;
    let t = edit(CMP_BASE, "    rules: []", nsg);
    none(&t, "OUT001");
    let f = one(&t, "EXF001", Severity::Warning);
    assert!(
        f.trace
            .as_ref()
            .unwrap()
            .hops
            .iter()
            .any(|h| h.detail.contains("rule storage"))
    );
    one(&t, "EXF002", Severity::Warning);
    none(&t, "EXF003");
    // Dropping the Storage tag closes the exfiltration path and breaks the requirement.
    let no_storage = edit(
        &t,
        "access: Allow, protocol: Tcp, destination: Storage.EastUS",
        "access: Deny, protocol: Tcp, destination: Storage.EastUS",
    );
    none(&no_storage, "EXF001");
    let f = one(&no_storage, "OUT001", Severity::Error);
    assert!(f.message.contains("Storage.EastUS"), "{}", f.message);
    assert_eq!(blocked(&f), Code::NsgOutboundDeny);
}
