//! The rules that check documented requirements item by item (limits, settings Azure rejects,
//! configurations that do nothing): for each, a deployment that triggers it and the correct
//! deployment it stays silent on. Each test cites the documented requirement it checks.

use moat_engine::Engine;
use moat_model::Topology;
use moat_rules::{Context, Finding, Severity, by_code};

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

fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "`{from}` is not in the topology");
    base.replacen(from, to, 1)
}

/// A secure workspace in one VNet: private endpoints to the workspace and its storage (blob,
/// file), key vault and container registry, privatelink zones linked, a cluster without public
/// IP (Secure an Azure Machine Learning workspace with virtual networks).
const BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st, key_vault: kv, container_registry: wsacr, image_build_compute: cpu-cluster }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
storage_accounts:
  - { name: st, sku: Standard_LRS, public_network_access: Disabled, network_rules: { default_action: Deny, resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }
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
"#;

const WS_LINE: &str = "  - { name: ws, public_network_access: Disabled, storage_account: st, key_vault: kv, container_registry: wsacr, image_build_compute: cpu-cluster }";
const TRAINING_LINE: &str = "      - { name: training, address_prefixes: [10.0.1.0/24] }";
const PE_SUBNET_LINE: &str = "      - { name: pe, address_prefixes: [10.0.3.0/24] }";
const WS_PE_LINE: &str = "  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }";
const KV_PE_LINE: &str = "  - { name: kv-pe, subnet: vnet/pe, target: keyvault/kv, group_id: vault, ip_address: 10.0.3.7, dns_zone_group: [privatelink.vaultcore.azure.net] }";
const ST_SKU: &str = "sku: Standard_LRS";

/// The workspace in "Enabled from selected IP addresses" mode.
fn selected_ips(ip_rules: &str) -> String {
    with(
        BASE,
        WS_LINE,
        &format!(
            "  - {{ name: ws, public_network_access: Enabled, network_acls: {{ default_action: Deny, ip_rules: [{ip_rules}] }}, storage_account: st, key_vault: kv, container_registry: wsacr, image_build_compute: cpu-cluster }}"
        ),
    )
}

#[test]
fn ws007_private_ipv6_and_oversized_allow_lists() {
    // Configure a private endpoint for an Azure Machine Learning workspace, limitations of IP
    // network rules: IPv4 only, public addresses only (no 10.x, 172.16-172.31, 192.168.x),
    // at most 200 rules.
    let f = one(
        "WS007",
        &selected_ips("20.1.2.0/24, 10.0.0.0/8, 172.20.1.1/32, '2001:db8::/32'"),
        Severity::Error,
        "workspace/ws",
    );
    for part in [
        "10.0.0.0/8 is a private range",
        "172.20.1.1/32 is a private range (in 172.16.0.0/12)",
        "2001:db8::/32 is IPv6",
    ] {
        assert!(f.message.contains(part), "{part}: {}", f.message);
    }
    let many: Vec<String> = (0..201)
        .map(|i| format!("20.1.{}.{}/32", i / 200, i % 200))
        .collect();
    let f = one(
        "WS007",
        &selected_ips(&many.join(", ")),
        Severity::Error,
        "workspace/ws",
    );
    assert!(
        f.message.contains("201 entries (at most 200)"),
        "{}",
        f.message
    );
    none(
        "WS007",
        &selected_ips("20.1.2.0/24, 172.32.0.1/32, 192.169.0.0/16"),
    );
    none("WS007", BASE);
}

#[test]
fn ws008_selected_ips_need_a_private_endpoint_or_managed_network() {
    // Same page, limitations: with selected IPs, managed online deployments fail without a
    // managed network; computes need a private endpoint from their network to the workspace.
    let no_pe = with(&selected_ips("20.1.2.0/24"), WS_PE_LINE, "");
    let f = one("WS008", &no_pe, Severity::Error, "compute/cpu-cluster");
    assert!(f.trace.is_some(), "decided by the path engine");
    let with_endpoint = format!(
        "{}online_endpoints:\n  - {{ name: ep, workspace: ws, deployments: [{{ name: blue }}] }}\n",
        selected_ips("20.1.2.0/24")
    );
    one(
        "WS008",
        &with_endpoint,
        Severity::Error,
        "online-endpoint/ep",
    );
    // The compute reaches the workspace through its private endpoint: silent.
    none("WS008", &selected_ips("20.1.2.0/24"));
    let managed = with(
        &with_endpoint,
        "network_acls:",
        "managed_network: { isolation_mode: AllowInternetOutbound }, network_acls:",
    );
    none("WS008", &managed);
}

#[test]
fn cmp008_no_public_ip_compute_needs_the_workspace_endpoint() {
    // Secure an Azure Machine Learning training environment: no-public-IP compute requires a
    // private endpoint for the workspace.
    let no_pe = with(BASE, WS_PE_LINE, "");
    one("CMP008", &no_pe, Severity::Error, "compute/cpu-cluster");
    none("CMP008", BASE);
    let public_ip = with(
        &no_pe,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    none("CMP008", &public_ip);
}

#[test]
fn cmp009_delegated_compute_subnet() {
    // Same page: the compute subnet must not be delegated to another service.
    let delegated = with(
        BASE,
        TRAINING_LINE,
        "      - { name: training, address_prefixes: [10.0.1.0/24], delegations: [Microsoft.Web/serverFarms] }",
    );
    let f = one("CMP009", &delegated, Severity::Error, "compute/cpu-cluster");
    assert!(
        f.message.contains("Microsoft.Web/serverFarms"),
        "{}",
        f.message
    );
    none("CMP009", BASE);
}

#[test]
fn pe008_network_policies_on_the_workspace_endpoint_subnet() {
    // Configure a private endpoint, prerequisites: disable private endpoint network policies
    // on the endpoint's subnet.
    let enabled = with(
        BASE,
        PE_SUBNET_LINE,
        "      - { name: pe, address_prefixes: [10.0.3.0/24], private_endpoint_network_policies: Enabled }",
    );
    one("PE008", &enabled, Severity::Warning, "subnet/vnet/pe");
    none("PE008", BASE);
}

#[test]
fn pe009_private_endpoint_limits() {
    // Azure Private Link limits: 64 private endpoints per key vault.
    let mut many = BASE.to_string();
    let extra: String = (0..64)
        .map(|i| {
            format!(
                "  - {{ name: kv-pe-{i}, subnet: vnet/pe, target: keyvault/kv, group_id: vault, ip_address: 10.0.3.{} }}\n",
                20 + i
            )
        })
        .collect();
    many = with(
        &many,
        KV_PE_LINE,
        &format!("{KV_PE_LINE}\n{}", extra.trim_end()),
    );
    let f = one("PE009", &many, Severity::Error, "keyvault/kv");
    assert!(f.message.contains("65 private endpoints"), "{}", f.message);
    none("PE009", BASE);
}

/// A workspace-less topology with `n` private endpoints of `group_id` to `target`, spread over
/// a /16 so that no subnet runs out of addresses.
fn endpoints_to(target: &str, group_id: &str, n: usize) -> String {
    let mut y = String::from(
        "region: eastus
storage_accounts: [{ name: st, public_network_access: Disabled }]
container_registries: [{ name: acr, sku: Premium, public_network_access: Disabled }]
virtual_networks:
  - { name: hub, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.0.0/16] }] }
private_endpoints:
",
    );
    for i in 0..n {
        y.push_str(&format!(
            "  - {{ name: pe-{i}, subnet: hub/pe, target: {target}, group_id: {group_id} }}\n"
        ));
    }
    y
}

#[test]
fn pe009_storage_registry_and_vnet_limits() {
    // Storage limits: 200 private endpoints per storage account. Connect privately to an Azure
    // container registry (2021): 10 private endpoints per registry, an old figure, so a
    // warning. Azure Private Link limits: 1,000 private endpoints per virtual network.
    none("PE009", &endpoints_to("storage/st", "blob", 200));
    let f = one(
        "PE009",
        &endpoints_to("storage/st", "blob", 201),
        Severity::Error,
        "storage/st",
    );
    assert!(f.message.contains("201 private endpoints"), "{}", f.message);
    none("PE009", &endpoints_to("acr/acr", "registry", 10));
    one(
        "PE009",
        &endpoints_to("acr/acr", "registry", 11),
        Severity::Warning,
        "acr/acr",
    );
    // 1,000 endpoints to five storage accounts (200 each) fill the VNet; one more is too many.
    let spread = |n: usize| {
        let mut y = endpoints_to("storage/st", "blob", 0).replace(
            "storage_accounts: [{ name: st, public_network_access: Disabled }]",
            "storage_accounts: [{ name: st0 }, { name: st1 }, { name: st2 }, { name: st3 }, { name: st4 }, { name: st5 }]",
        );
        for i in 0..n {
            y.push_str(&format!(
                "  - {{ name: pe-{i}, subnet: hub/pe, target: storage/st{}, group_id: blob }}\n",
                i / 200
            ));
        }
        y
    };
    none("PE009", &spread(1000));
    one("PE009", &spread(1001), Severity::Error, "vnet/hub");
}

#[test]
fn net005_subnet_smaller_than_slash_29() {
    // Azure Virtual Network FAQ: the smallest supported IPv4 subnet is /29.
    let tiny = with(
        BASE,
        TRAINING_LINE,
        "      - { name: training, address_prefixes: [10.0.1.0/30] }",
    );
    one("NET005", &tiny, Severity::Error, "subnet/vnet/training");
    let smallest = with(
        BASE,
        TRAINING_LINE,
        "      - { name: training, address_prefixes: [10.0.1.0/29] }",
    );
    none("NET005", &smallest);
}

#[test]
fn st006_default_storage_premium_or_hierarchical_namespace() {
    // CLI (v2) workspace YAML schema, storage_account: the default storage cannot be Premium
    // or have a hierarchical namespace.
    one(
        "ST006",
        &with(BASE, ST_SKU, "sku: Premium_LRS"),
        Severity::Error,
        "storage/st",
    );
    one(
        "ST006",
        &with(BASE, ST_SKU, "sku: Standard_LRS, is_hns_enabled: true"),
        Severity::Error,
        "storage/st",
    );
    none("ST006", BASE);
}

#[test]
fn mvn004_managed_network_firewall_premium() {
    // Managed virtual network isolation, limitations: Azure Firewall Premium is not supported.
    let premium = with(
        BASE,
        "image_build_compute: cpu-cluster }",
        "image_build_compute: cpu-cluster, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, firewall_sku: Premium } }",
    );
    one("MVN004", &premium, Severity::Error, "workspace/ws");
    let standard = premium.replace("firewall_sku: Premium", "firewall_sku: Standard");
    none("MVN004", &standard);
}

#[test]
fn mvn005_tag_and_fqdn_rules_in_allow_internet_outbound() {
    // Managed virtual network isolation: service tag and FQDN outbound rules only exist in
    // AllowOnlyApprovedOutbound mode.
    let rules = "outbound_rules: [{ name: pypi, type: FQDN, destination: pypi.org }]";
    let aio = with(
        BASE,
        "image_build_compute: cpu-cluster }",
        &format!(
            "image_build_compute: cpu-cluster, managed_network: {{ isolation_mode: AllowInternetOutbound, {rules} }} }}"
        ),
    );
    let f = one("MVN005", &aio, Severity::Warning, "workspace/ws");
    assert!(f.message.contains("pypi"), "{}", f.message);
    let aoao = aio.replace("AllowInternetOutbound", "AllowOnlyApprovedOutbound");
    none("MVN005", &aoao);
}

#[test]
fn dns003_and_dns004_zone_groups_name_the_recommended_zone() {
    // Azure Private Endpoint DNS configuration: one zone per service, and automatic DNS
    // configuration only with the recommended zone names.
    let other = with(
        BASE,
        "dns_zone_group: [privatelink.vaultcore.azure.net]",
        "dns_zone_group: [privatelink.blob.core.windows.net]",
    );
    one(
        "DNS003",
        &other,
        Severity::Warning,
        "private-endpoint/kv-pe",
    );
    none("DNS004", &other);
    let custom = with(
        BASE,
        "dns_zone_group: [privatelink.vaultcore.azure.net]",
        "dns_zone_group: [vault.contoso.internal]",
    ) + "  - { name: vault.contoso.internal, vnet_links: [vnet] }\n";
    one(
        "DNS004",
        &custom,
        Severity::Warning,
        "private-endpoint/kv-pe",
    );
    none("DNS003", &custom);
    none("DNS003", BASE);
    none("DNS004", BASE);
}

#[test]
fn dns005_at_most_five_zones_per_group() {
    // Azure Private Link limits: 5 DNS zones per zone group.
    let six = with(
        BASE,
        "dns_zone_group: [privatelink.vaultcore.azure.net]",
        "dns_zone_group: [privatelink.vaultcore.azure.net, a.example, b.example, c.example, d.example, e.example]",
    ) + &["a", "b", "c", "d", "e"]
        .iter()
        .map(|z| format!("  - {{ name: {z}.example }}\n"))
        .collect::<String>();
    one("DNS005", &six, Severity::Error, "private-endpoint/kv-pe");
    none("DNS005", BASE);
}

#[test]
fn cmp010_no_public_ip_compute_on_default_outbound_access() {
    // Secure an Azure Machine Learning training environment: no-public-IP computes have no
    // internet by default; don't rely on default outbound access, use a NAT gateway or firewall.
    let f = one("CMP010", BASE, Severity::Warning, "compute/cpu-cluster");
    assert!(f.trace.is_some(), "decided by the path engine");
    let nat = with(
        BASE,
        TRAINING_LINE,
        "      - { name: training, address_prefixes: [10.0.1.0/24], nat_gateway: nat }",
    ) + "nat_gateways:\n  - { name: nat, public_ips: [nat-ip] }\npublic_ips:\n  - { name: nat-ip, ip_address: 20.30.40.50 }\n";
    none("CMP010", &nat);
    let private = with(
        BASE,
        TRAINING_LINE,
        "      - { name: training, address_prefixes: [10.0.1.0/24], default_outbound_access: false }",
    );
    none("CMP010", &private);
}

#[test]
fn ep004_to_ep007_online_endpoints_in_secure_workspaces() {
    let endpoint = |ws_extra: &str, ep: &str| {
        with(
            BASE,
            "image_build_compute: cpu-cluster }",
            &format!("image_build_compute: cpu-cluster{ws_extra} }}"),
        ) + "online_endpoints:\n"
            + ep
            + "\n"
    };
    let private_ep = "  - { name: ep, workspace: ws, public_network_access: Disabled, deployments: [{ name: blue, egress_public_network_access: Disabled }] }";
    // EP004, online endpoint troubleshooting: v1_legacy_mode must be false.
    one(
        "EP004",
        &endpoint(", v1_legacy_mode: true", private_ep),
        Severity::Error,
        "workspace/ws",
    );
    none("EP004", &endpoint("", private_ep));
    // EP005, Network isolation with managed online endpoints: legacy public egress needs a
    // workspace that allows public access; the deployment → workspace flow is traced.
    let public_egress = private_ep.replace(
        "egress_public_network_access: Disabled",
        "egress_public_network_access: Enabled",
    );
    let f = one(
        "EP005",
        &endpoint("", &public_egress),
        Severity::Error,
        "online-endpoint/ep",
    );
    assert!(f.trace.is_some(), "decided by the path engine");
    none("EP005", &endpoint("", private_ep));
    // EP006, private link page: workspace public access Disabled with endpoint public access
    // Enabled is not supported.
    let public_ep = private_ep.replace(
        "public_network_access: Disabled, deployments",
        "public_network_access: Enabled, deployments",
    );
    one(
        "EP006",
        &endpoint("", &public_ep),
        Severity::Warning,
        "online-endpoint/ep",
    );
    none("EP006", &endpoint("", private_ep));
    // EP007, How to secure managed online endpoints: management goes through public ARM.
    one(
        "EP007",
        &endpoint("", private_ep),
        Severity::Info,
        "online-endpoint/ep",
    );
    none("EP007", BASE);
    // MVN006, Managed virtual network isolation: provision the managed network before
    // deploying.
    let managed = |p: &str| {
        endpoint(
            &format!(", managed_network: {{ isolation_mode: AllowOnlyApprovedOutbound{p} }}"),
            private_ep,
        )
    };
    one(
        "MVN006",
        &managed(", provisioned: false"),
        Severity::Error,
        "workspace/ws",
    );
    one("MVN006", &managed(""), Severity::Warning, "workspace/ws");
    none("MVN006", &managed(", provisioned: true"));
}

#[test]
fn mvn007_managed_network_with_customer_vnet_compute_or_aks() {
    // Managed virtual network isolation, limitations: computes cannot be in a customer VNet;
    // Kubernetes is not supported.
    let managed = with(
        BASE,
        "image_build_compute: cpu-cluster }",
        "image_build_compute: cpu-cluster, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    one("MVN007", &managed, Severity::Error, "compute/cpu-cluster");
    let in_managed = with(&managed, CLUSTER_SUBNET, "");
    none("MVN007", &in_managed);
    none("MVN007", BASE);
}

const CLUSTER_SUBNET: &str = ", subnet: vnet/training";

#[test]
fn kv002_service_endpoint_vault_without_trusted_services() {
    // Secure an Azure Machine Learning workspace with virtual networks, key vault with a
    // service endpoint: keep "Allow trusted Microsoft services to bypass this firewall".
    let se = |bypass: &str| {
        with(
            BASE,
            "  - { name: kv, public_network_access: Disabled }",
            &format!(
                "  - {{ name: kv, network_acls: {{ default_action: Deny, bypass: {bypass}, virtual_network_rules: [vnet/training] }} }}"
            ),
        )
    };
    one("KV002", &se("None"), Severity::Error, "keyvault/kv");
    none("KV002", &se("AzureServices"));
    none("KV002", BASE);
}

#[test]
fn ws009_and_reg014_facts_to_know() {
    // Secure a workspace with virtual networks: the workspace creates its container registry
    // on first use, outside the VNet.
    let no_acr = with(BASE, ", container_registry: wsacr", "");
    one("WS009", &no_acr, Severity::Info, "workspace/ws");
    none("WS009", BASE);
    // Network isolation with registries: studio shows only models of an isolated registry.
    let reg =
        format!("{BASE}registries:\n  - {{ name: contosoreg, public_network_access: Disabled }}\n");
    one("REG014", &reg, Severity::Info, "registry/contosoreg");
    none(
        "REG014",
        &reg.replace(
            "public_network_access: Disabled }",
            "public_network_access: Enabled }",
        ),
    );
}

/// A private registry the workspace uses, and a second subnet beside the endpoint subnet.
fn registry_in() -> String {
    let base = with(
        BASE,
        PE_SUBNET_LINE,
        &format!("{PE_SUBNET_LINE}\n      - {{ name: other, address_prefixes: [10.0.4.0/24] }}"),
    );
    let base = with(
        &base,
        "image_build_compute: cpu-cluster }",
        "image_build_compute: cpu-cluster, uses_registries: [contosoreg] }",
    );
    format!(
        "{base}registries:\n  - {{ name: contosoreg, public_network_access: Disabled, managed_resource_group: azureml-rg-contosoreg_0c2d }}\n"
    )
}

#[test]
fn reg015_and_reg016_registry_placement_and_managed_group() {
    // Network isolation with registries: the registry's private endpoints go in the subnet of
    // the workspace private endpoint; the managed resource group is azureml-rg-<name>_<GUID>.
    let endpoints = |subnet: &str| {
        with(
            &registry_in(),
            KV_PE_LINE,
            &format!(
                "{KV_PE_LINE}\n  - {{ name: reg-pe, subnet: {subnet}, target: registry/contosoreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }}\n  - {{ name: reg-st, subnet: {subnet}, target: \"registry/contosoreg:storage\", group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }}\n  - {{ name: reg-acr, subnet: {subnet}, target: \"registry/contosoreg:acr\", group_id: registry, dns_zone_group: [privatelink.azurecr.io] }}"
            ),
        )
    };
    let v = check("REG015", &endpoints("vnet/other"));
    assert_eq!(v.len(), 3, "{v:#?}");
    assert!(v.iter().all(|f| f.severity == Severity::Warning));
    none("REG015", &endpoints("vnet/pe"));
    none("REG016", &endpoints("vnet/pe"));
    let renamed = endpoints("vnet/pe").replace("azureml-rg-contosoreg_0c2d", "contoso-ml-rg");
    one("REG016", &renamed, Severity::Warning, "registry/contosoreg");
}

#[test]
fn exf005_to_exf007_service_endpoint_policies() {
    // Azure Machine Learning data exfiltration prevention and Virtual network service
    // endpoint policies for Azure Storage: a policy needs the Microsoft.Storage endpoint on the
    // subnet, must list the workspace's default storage unless it is reached privately, and
    // must be in the VNet's region.
    let sep = |endpoints: &str, resources: &str, region: &str| {
        let b = with(
            BASE,
            TRAINING_LINE,
            &format!(
                "      - {{ name: training, address_prefixes: [10.0.1.0/24]{endpoints}, service_endpoint_policies: [ml-sep] }}"
            ),
        );
        format!(
            "{b}service_endpoint_policies:\n  - {{ name: ml-sep, region: {region}, definitions: [{{ service: Microsoft.Storage, service_resources: [{resources}] }}] }}\n"
        )
    };
    let good = sep(
        ", service_endpoints: [Microsoft.Storage]",
        "st, /services/Azure/MachineLearning",
        "eastus",
    );
    one(
        "EXF005",
        &sep("", "st", "eastus"),
        Severity::Warning,
        "subnet/vnet/training",
    );
    none("EXF005", &good);
    one(
        "EXF007",
        &sep(", service_endpoints: [Microsoft.Storage]", "st", "westus"),
        Severity::Error,
        "subnet/vnet/training",
    );
    none("EXF007", &good);
    // The storage reached through a service endpoint (no private endpoint) and not listed.
    let public_st = |g: &str| {
        with(
            &with(
                g,
                "  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5, dns_zone_group: [privatelink.blob.core.windows.net] }\n",
                "",
            ),
            "  - { name: st, sku: Standard_LRS, public_network_access: Disabled, network_rules: { default_action: Deny,",
            "  - { name: st, sku: Standard_LRS, network_rules: { default_action: Deny, virtual_network_rules: [vnet/training],",
        )
    };
    let unlisted = public_st(&sep(
        ", service_endpoints: [Microsoft.Storage]",
        "/services/Azure/MachineLearning",
        "eastus",
    ));
    let f = one("EXF006", &unlisted, Severity::Error, "compute/cpu-cluster");
    assert!(f.trace.is_some());
    none("EXF006", &public_st(&good));
    // Reached through its private endpoint, the account needs no place in the policy.
    none(
        "EXF006",
        &sep(
            ", service_endpoints: [Microsoft.Storage]",
            "/services/Azure/MachineLearning",
            "eastus",
        ),
    );
    // ST007, secure workspace page: the storage must admit the compute subnet.
    let other_rule = public_st(&good).replace(
        "virtual_network_rules: [vnet/training]",
        "virtual_network_rules: [vnet/pe]",
    );
    let f = one("ST007", &other_rule, Severity::Error, "compute/cpu-cluster");
    assert!(f.trace.is_some());
    none("ST007", &public_st(&good));
}

#[test]
fn st008_smb_to_the_default_storage_blocked_by_an_nsg() {
    // Secure an Azure Machine Learning training environment: port 445 must be open privately
    // between the computes and the default storage.
    let nsg = |access: &str| {
        with(
            BASE,
            TRAINING_LINE,
            "      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }",
        ) + &format!(
            "network_security_groups:\n  - name: training-nsg\n    rules:\n      - {{ name: smb, priority: 100, direction: Outbound, access: {access}, protocol: Tcp, source: VirtualNetwork, destination: '*', destination_ports: '445' }}\n"
        )
    };
    let f = one("ST008", &nsg("Deny"), Severity::Error, "storage/st:file");
    assert!(f.trace.is_some(), "decided by the path engine");
    none("ST008", &nsg("Allow"));
    none("ST008", BASE);
}

#[test]
fn reg011_registry_private_name_unresolved() {
    // Network isolation with registries, "How to find the registry's fully qualified domain
    // name": the private name <registry-guid>.registry.<region>.privatelink.api.azureml.ms is
    // answered only by the privatelink.api.azureml.ms zone, which must hold the registry's
    // record for the VNet that uses it.
    let endpoint = |zones: &str| {
        with(
            &registry_in(),
            KV_PE_LINE,
            &format!(
                "{KV_PE_LINE}\n  - {{ name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry{zones} }}"
            ),
        )
    };
    let f = one(
        "REG011",
        &endpoint(""),
        Severity::Error,
        "registry/contosoreg",
    );
    assert!(f.message.contains("does not resolve"), "{}", f.message);
    none(
        "REG011",
        &endpoint(", dns_zone_group: [privatelink.api.azureml.ms]"),
    );
    // Without a private endpoint to the registry, no private name is in use.
    none("REG011", &registry_in());
}
