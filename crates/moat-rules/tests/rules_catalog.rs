//! Rules added to cover the documented requirements the catalog listed as not yet checked:
//! for each, a deployment that triggers it and the correct deployment it stays silent on. Each
//! test quotes the documentation sentence it checks.

use moat_engine::Code;
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

/// A workspace with a managed network in "allow only approved outbound" mode, its private
/// storage, key vault and registry reached through the managed network's private endpoints.
const MANAGED: &str = r#"
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    storage_account: st
    key_vault: kv
    container_registry: wsacr
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: pypi, type: FQDN, destination: pypi.org }
storage_accounts:
  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny } }
key_vaults:
  - { name: kv, public_network_access: Disabled }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
"#;

const PYPI_RULE: &str = "        - { name: pypi, type: FQDN, destination: pypi.org }";

#[test]
fn mvn008_fqdn_rule_to_storage_in_approved_outbound() {
    // Managed virtual network isolation, limitations: "If your managed network is configured
    // to allow only approved outbound, you can't use an FQDN rule to access Azure Storage
    // Accounts. You must use a private endpoint instead."
    let storage_rule = with(
        MANAGED,
        PYPI_RULE,
        &format!(
            "{PYPI_RULE}\n        - {{ name: data, type: FQDN, destination: contosodata.blob.core.windows.net }}"
        ),
    );
    let f = one("MVN008", &storage_rule, Severity::Error, "workspace/ws");
    assert!(
        f.message.contains("contosodata.blob.core.windows.net"),
        "{}",
        f.message
    );
    none("MVN008", MANAGED);
    // In allow internet outbound the internet is open anyway (MVN005 says the rule is idle).
    none(
        "MVN008",
        &storage_rule.replace("AllowOnlyApprovedOutbound", "AllowInternetOutbound"),
    );
    // The path engine does not let the FQDN rule through either.
    let t = topology(&format!(
        "{storage_rule}computes:\n  - {{ name: cpu, workspace: ws, type: AmlCompute }}\n"
    ));
    let e = Engine::for_topology(&t, None).unwrap();
    let q = moat_engine::Query {
        from: "compute/cpu".parse().unwrap(),
        to: "fqdn:contosodata.blob.core.windows.net".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let tr = moat_engine::trace::trace(&e, &q).unwrap();
    assert!(
        !tr.hops.iter().any(|h| h.code == Code::MvnFqdn),
        "{:#?}",
        tr.hops
    );
}

#[test]
fn mvn009_private_endpoint_and_service_endpoint_on_one_resource() {
    // Managed virtual network isolation, limitations: "Managed virtual network uses private
    // endpoint connection to access your private resources. You can't have a private endpoint
    // and a service endpoint at the same time for your Azure resources, such as a storage
    // account."
    let se = format!(
        "{}virtual_networks:\n  - {{ name: vnet, address_space: [10.0.0.0/16], subnets: [{{ name: clients, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }}] }}\n",
        with(
            MANAGED,
            "network_rules: { default_action: Deny }",
            "network_rules: { default_action: Deny, virtual_network_rules: [vnet/clients] }",
        )
    );
    let f = one("MVN009", &se, Severity::Error, "storage/st");
    assert!(f.message.contains("vnet/clients"), "{}", f.message);
    none("MVN009", MANAGED);
    // Without a managed network, a service endpoint is a documented way to reach storage.
    let custom = with(
        &se,
        "managed_network:\n      isolation_mode: AllowOnlyApprovedOutbound",
        "managed_network:\n      isolation_mode: Disabled",
    );
    none("MVN009", &custom);
}

#[test]
fn mvn010_scope_lock_beside_a_managed_network() {
    // Managed virtual network isolation, limitations: "Make sure there are no scope locks on
    // the Azure Machine Learning resources and resource group. Internal operations related to
    // managed virtual network might be blocked."
    let locked = format!(
        "{MANAGED}unmodelled:\n  - {{ resource_type: Microsoft.Authorization/locks, name: no-delete }}\n"
    );
    let f = one("MVN010", &locked, Severity::Warning, "workspace/ws");
    assert!(
        !f.needs.is_empty(),
        "the lock's scope is not read: the finding is not decided"
    );
    none("MVN010", MANAGED);
    none(
        "MVN010",
        &locked.replace("AllowOnlyApprovedOutbound", "Disabled"),
    );
}

#[test]
fn mvn011_serverless_spark_with_public_access() {
    // Managed virtual network isolation, "Configure for serverless Spark jobs": "If your
    // workspace has public network access enabled, you must disable it before provisioning
    // the managed VNet. If you don't disable public network access when provisioning the
    // managed VNet, the private endpoints for the workspace might not be created
    // automatically in the managed VNet."
    let spark = with(
        MANAGED,
        PYPI_RULE,
        "        - { name: spark-st, type: PrivateEndpoint, destination: { service_resource: storage/st, subresource_target: blob, spark_enabled: true } }",
    );
    let public = with(
        &spark,
        "    public_network_access: Disabled\n    storage_account",
        "    public_network_access: Enabled\n    storage_account",
    );
    one("MVN011", &public, Severity::Warning, "workspace/ws");
    none("MVN011", &spark);
    none(
        "MVN011",
        &with(
            MANAGED,
            "    public_network_access: Disabled\n    storage_account",
            "    public_network_access: Enabled\n    storage_account",
        ),
    );
}

#[test]
fn mvn012_service_tag_rules_are_no_tenant_boundary() {
    // Managed virtual network isolation: "Data exfiltration protection is automatically
    // enabled for the only approved outbound mode. If you add other outbound rules, such as to
    // FQDNs, Microsoft can't guarantee that you're protected from data exfiltration to those
    // outbound destinations." A service tag spans every tenant's resources of the service.
    let tag = with(
        MANAGED,
        PYPI_RULE,
        &format!(
            "{PYPI_RULE}\n        - {{ name: sql, type: ServiceTag, destination: {{ service_tag: Sql, protocol: TCP, port_ranges: [1433] }} }}"
        ),
    );
    let f = one("MVN012", &tag, Severity::Info, "workspace/ws");
    assert!(f.message.contains("sql (Sql)"), "{}", f.message);
    none("MVN012", MANAGED);
}

#[test]
fn ep008_egress_flag_ignored_with_a_managed_network() {
    // Network isolation with managed online endpoints, workspace managed virtual network:
    // egress_public_network_access "does not apply" when the workspace has a managed network.
    let ep = format!(
        "{MANAGED}online_endpoints:\n  - {{ name: scoring, workspace: ws, public_network_access: Disabled, deployments: [{{ name: blue, egress_public_network_access: Disabled }}] }}\n"
    );
    one("EP008", &ep, Severity::Info, "online-endpoint/scoring");
    none(
        "EP008",
        &ep.replace(", egress_public_network_access: Disabled", ""),
    );
    // Without a managed network the flag is the legacy isolation (EP002, EP003).
    none(
        "EP008",
        &ep.replace("AllowOnlyApprovedOutbound", "Disabled"),
    );
}

#[test]
fn exf008_and_cmp011_unmodelled_services_beside_a_workspace() {
    // Configure a private endpoint for an Azure Machine Learning workspace: "Synapse's data
    // exfiltration protection is not supported with Azure Machine Learning." Secure a
    // training environment, Azure Databricks: same subscription and region as the workspace,
    // storage in the Databricks VNet, no private endpoint.
    let synapse = format!(
        "{MANAGED}unmodelled:\n  - {{ resource_type: Microsoft.Synapse/workspaces, name: syn }}\n"
    );
    one("EXF008", &synapse, Severity::Info, "workspace/ws");
    none("EXF008", MANAGED);
    let databricks = format!(
        "{MANAGED}unmodelled:\n  - {{ resource_type: azurerm_databricks_workspace, name: dbw }}\n"
    );
    one("CMP011", &databricks, Severity::Info, "workspace/ws");
    none("CMP011", &synapse);
}

/// A workspace with a private endpoint in one VNet and a client VM there using studio.
const CUSTOM: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny } }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.0.1.0/24], nat_gateway: nat }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
  - name: data
    address_space: [10.1.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.1.3.0/24] }
nat_gateways: [{ name: nat, public_ips: [pip] }]
public_ips: [{ name: pip, ip_address: 20.1.2.3 }]
virtual_machines:
  - { name: jumpbox, network_interfaces: [nic] }
network_interfaces:
  - { name: nic, subnet: vnet/clients, private_ip_address: 10.0.1.4 }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5, dns_zone_group: [privatelink.blob.core.windows.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }
clients:
  - { name: analyst, location: vm/jumpbox, operations: [studio.open] }
"#;

#[test]
fn ws010_studio_front_end_from_the_vnet() {
    // Use Azure Machine Learning studio in an Azure virtual network: studio used from inside
    // the VNet needs outbound to the AzureFrontDoor.Frontend service tag.
    let closed = with(
        CUSTOM,
        "{ name: clients, address_prefixes: [10.0.1.0/24], nat_gateway: nat }",
        "{ name: clients, address_prefixes: [10.0.1.0/24], default_outbound_access: false }",
    );
    let f = one("WS010", &closed, Severity::Error, "client/analyst");
    assert!(f.trace.is_some(), "decided by the path engine");
    none("WS010", CUSTOM);
}

#[test]
fn st009_workspace_and_default_storage_in_one_vnet() {
    // Secure Azure Machine Learning workspace resources using virtual networks, limitations:
    // "The workspace and default storage account must be in the same virtual network.
    // However, they can be in different subnets within the same virtual network."
    let apart = with(
        CUSTOM,
        "{ name: st-blob, subnet: vnet/pe,",
        "{ name: st-blob, subnet: data/pe,",
    )
    .replace("ip_address: 10.0.3.5", "ip_address: 10.1.3.5");
    let f = one("ST009", &apart, Severity::Error, "storage/st");
    assert!(f.message.contains("VNet data"), "{}", f.message);
    none("ST009", CUSTOM);
}

#[test]
fn exf009_service_endpoint_policy_limits() {
    // Virtual network service endpoint policies for Azure Storage, limitations: at most 100
    // service endpoint policies per subnet, and 200 resources per policy definition.
    let resources = |n: usize| {
        (0..n)
            .map(|i| format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let policy = |n: usize| {
        format!(
            "region: eastus\nservice_endpoint_policies:\n  - {{ name: sep, definitions: [{{ name: accounts, service: Microsoft.Storage, service_resources: [{}] }}] }}\n",
            resources(n)
        )
    };
    let f = one(
        "EXF009",
        &policy(201),
        Severity::Error,
        "service-endpoint-policy/sep",
    );
    assert!(
        f.message.contains("201 resources (at most 200)"),
        "{}",
        f.message
    );
    none("EXF009", &policy(200));
    let subnet = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("sep{i}")).collect();
        let policies: String = names
            .iter()
            .map(|p| format!("  - {{ name: {p}, definitions: [{{ service: Microsoft.Storage, service_resources: [{}] }}] }}\n", resources(1)))
            .collect();
        format!(
            "region: eastus\nservice_endpoint_policies:\n{policies}virtual_networks:\n  - {{ name: vnet, address_space: [10.0.0.0/16], subnets: [{{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [{}] }}] }}\n",
            names.join(", ")
        )
    };
    one(
        "EXF009",
        &subnet(101),
        Severity::Error,
        "subnet/vnet/training",
    );
    none("EXF009", &subnet(100));
}

#[test]
fn out005_https_host_names_in_firewall_network_rules() {
    // Azure Firewall, FQDN filtering in network rules: "FQDN filtering in application rules
    // for HTTP/S and MSSQL is based on an application level transparent proxy and the SNI
    // header. As such, it can discern between two FQDNs that are resolved to the same IP
    // address. This isn't the case with FQDN filtering in network rules. Always use
    // application rules when possible." (Configure inbound and outbound network traffic:
    // HTTP/S host names as application rules, other ports as network rules.)
    let fw = |ports: &str| {
        format!(
            "region: eastus\nvirtual_networks:\n  - {{ name: hub, address_space: [10.100.0.0/16], subnets: [{{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }}] }}\nfirewalls:\n  - name: hub-fw\n    vnet: hub\n    private_ip_address: 10.100.0.4\n    dns_proxy: true\n    network_rule_collections:\n      - {{ name: ml, priority: 100, action: Allow, rules: [{{ name: pypi, protocols: [TCP], source_addresses: ['10.0.1.0/24'], destination_fqdns: [pypi.org], destination_ports: [{ports}] }}] }}\n"
        )
    };
    let f = one("OUT005", &fw("443"), Severity::Warning, "firewall/hub-fw");
    assert!(f.message.contains("pypi.org"), "{}", f.message);
    assert!(f.needs.is_empty(), "decided: {f:?}");
    none("OUT005", &fw("22"));
    // A value the input leaves open that could make the rule an HTTP/S FQDN allow: the
    // collection's action (Allow or Deny), or the rule's ports. The finding stands, undecided
    // and naming what is open, never silently decided either way.
    let open_action = fw("443").replace("action: Allow", "action: unknown");
    let f = one("OUT005", &open_action, Severity::Warning, "firewall/hub-fw");
    assert!(!f.needs.is_empty(), "undecided: {f:?}");
    assert!(f.needs[0].contains("action"), "{:?}", f.needs);
    let open_ports = fw("22").replace("[22] }", "[22], open: [ports] }");
    let f = one("OUT005", &open_ports, Severity::Warning, "firewall/hub-fw");
    assert!(f.needs[0].contains("ports"), "{:?}", f.needs);
    // A Deny collection allows nothing, open ports or not.
    none(
        "OUT005",
        &open_ports.replace("action: Allow", "action: Deny"),
    );
}

#[test]
fn ws011_and_ep009_batch_endpoints() {
    // Configure a private endpoint for an Azure Machine Learning workspace, "Scenario: Batch
    // endpoints with access from selected IP addresses": "The selected IP's configuration
    // isn't supported for batch endpoints."
    let batch = "unmodelled:\n  - { resource_type: Microsoft.MachineLearningServices/workspaces/batchEndpoints, name: ws/nightly }\n";
    let selected = format!(
        "{}{batch}",
        with(
            CUSTOM,
            "{ name: ws, public_network_access: Disabled, storage_account: st }",
            "{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [203.0.113.7] }, storage_account: st }",
        )
    );
    let f = one("WS011", &selected, Severity::Error, "workspace/ws");
    assert!(f.message.contains("nightly"), "{}", f.message);
    none("WS011", &format!("{CUSTOM}{batch}"));
    none("WS011", &with(&selected, batch, ""));
    // Network isolation in batch endpoints: "Batch endpoints inherit the networking
    // configuration from the workspace where they're deployed"; "Batch deployments require
    // all the 4 to properly work" (blob, file, queue, table). Authorization on batch
    // endpoints: in a private link-enabled workspace, batch endpoints can't be invoked from
    // the studio UI.
    one(
        "EP009",
        &format!("{CUSTOM}{batch}"),
        Severity::Info,
        "workspace/ws",
    );
    none("EP009", CUSTOM);
    none(
        "EP009",
        &format!(
            "{}{batch}",
            with(
                CUSTOM,
                "  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }\n",
                ""
            )
        ),
    );
}

#[test]
fn pe001_each_storage_sub_resource_resolves() {
    // How to use your workspace with a custom DNS server: each storage sub-resource's private
    // endpoint needs its own name resolution (blob and file have their own privatelink zones).
    let file = with(
        CUSTOM,
        "  - { name: st-blob,",
        "  - { name: st-file, subnet: vnet/pe, target: storage/st, group_id: file, ip_address: 10.0.3.6 }\n  - { name: st-blob,",
    );
    let f = one("PE001", &file, Severity::Error, "private-endpoint/st-file");
    assert!(
        f.message.contains("privatelink.file.core.windows.net"),
        "{}",
        f.message
    );
    let resolved = with(
        &file,
        "group_id: file, ip_address: 10.0.3.6 }",
        "group_id: file, ip_address: 10.0.3.6, dns_zone_group: [privatelink.file.core.windows.net] }",
    )
    .replace(
        "  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }\n",
        "  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }\n  - { name: privatelink.file.core.windows.net, vnet_links: [vnet] }\n",
    );
    none("PE001", &resolved);
}

#[test]
fn cmp007_a_workspace_endpoint_takes_three_addresses() {
    // How to use your workspace with a custom DNS server: the workspace private endpoint's
    // addresses — the API (and certificate) host, the notebooks host and the inference host
    // each have their own address (10.1.0.5, 10.1.0.6, 10.1.0.7 in the documented example).
    // A /29 has 3 usable addresses.
    let small = "region: eastus\nworkspaces: [{ name: ws, public_network_access: Disabled }]\nvirtual_networks:\n  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/29] }] }\nprivate_endpoints:\n  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }\n";
    none("CMP007", small);
    let more = format!(
        "{small}  - {{ name: ws-pe2, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }}\n"
    );
    let f = one("CMP007", &more, Severity::Error, "subnet/vnet/pe");
    assert!(
        f.message.contains("2 private endpoints (6 addresses)"),
        "{}",
        f.message
    );
}

#[test]
fn dns006_zone_linked_to_every_vnet_with_clients() {
    // Azure Private Endpoint DNS configuration, hub and spoke without a custom DNS server:
    // one private DNS zone, linked to every virtual network whose clients connect to the
    // private endpoint.
    let hub_spoke = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.100.3.0/24] }]
    peerings: [{ remote_vnet: spoke }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }]
    peerings: [{ remote_vnet: hub }]
private_endpoints:
  - { name: ws-pe, subnet: hub/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.100.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [hub] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [hub, spoke] }
"#;
    let f = one(
        "DNS006",
        hub_spoke,
        Severity::Error,
        "private-dns-zone/privatelink.api.azureml.ms",
    );
    assert!(f.message.contains("VNet spoke"), "{}", f.message);
    none(
        "DNS006",
        &hub_spoke.replace(
            "{ name: privatelink.api.azureml.ms, vnet_links: [hub] }",
            "{ name: privatelink.api.azureml.ms, vnet_links: [hub, spoke] }",
        ),
    );
}

#[test]
fn st010_and_st011_studio_with_storage_behind_the_vnet() {
    // Use Azure Machine Learning studio in an Azure virtual network, limitations: with the
    // storage in a virtual network, data preview, designer data visualization and model
    // deployment, AutoML experiment submission and starting a labeling project are disabled
    // until managed identity data access is set up; "Using Azure Storage Account IP firewall
    // rules isn't supported" with studio.
    one("ST010", CUSTOM, Severity::Info, "workspace/ws");
    none(
        "ST010",
        &CUSTOM.replace(
            "{ name: st, public_network_access: Disabled, network_rules: { default_action: Deny } }",
            "{ name: st }",
        ),
    );
    let internet = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st, network_rules: { default_action: Deny, ip_rules: [203.0.113.7] } }
clients:
  - { name: analyst, location: internet, public_address: 203.0.113.7, operations: [studio.open] }
"#;
    let f = one("ST011", internet, Severity::Warning, "storage/st");
    assert!(f.trace.is_some(), "decided by the path engine");
    none(
        "ST011",
        &internet.replace("operations: [studio.open]", "operations: [sdk.connect]"),
    );
}

#[test]
fn cmp012_automl_nlp_and_vision_in_public_regions_only() {
    // Configure inbound and outbound network traffic: the AutoML NLP and Vision hosts are
    // listed for Azure public only (no Azure Government or 21Vianet equivalents).
    let gov = "workspaces: [{ name: ws, region: usgovvirginia }]\n";
    one("CMP012", gov, Severity::Info, "workspace/ws");
    none("CMP012", "workspaces: [{ name: ws, region: eastus }]\n");
}

/// A cluster in a subnet with a service endpoint policy (the exfiltration design).
const SEP: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny } }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
service_endpoint_policies:
  - { name: ml-sep, definitions: [{ service: Global, service_resources: [/services/Azure/MachineLearning] }] }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [ml-sep] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4 }
  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5 }
"#;

#[test]
fn exf010_and_exf011_endpoint_policy_prerequisites() {
    // Azure Machine Learning data exfiltration prevention, prerequisites: the workspace and
    // its default storage account use private endpoints; curated environments must come from
    // mcr.microsoft.com ("viennaglobal.azurecr.io" images cannot be used).
    none("EXF010", SEP);
    let no_storage_pe = with(
        SEP,
        "  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5 }\n",
        "",
    );
    let f = one("EXF010", &no_storage_pe, Severity::Warning, "workspace/ws");
    assert!(f.message.contains("default storage st"), "{}", f.message);
    one("EXF011", SEP, Severity::Info, "subnet/vnet/training");
    none(
        "EXF011",
        &SEP.replace(", service_endpoint_policies: [ml-sep]", ""),
    );
}

#[test]
fn mvn013_private_endpoint_approver_role() {
    // Managed virtual network isolation: the workspace managed identity "must have
    // permissions to approve the Private Endpoint connections on the target resources. After
    // April 30th, 2025, permissions aren't automatically granted to the managed identity and
    // must be assigned manually."
    let with_data = with(
        MANAGED,
        PYPI_RULE,
        "        - { name: data, type: PrivateEndpoint, destination: { service_resource: storage/data, subresource_target: blob } }",
    )
    .replace(
        "storage_accounts:\n",
        "storage_accounts:\n  - { name: data }\n",
    );
    // The input says nothing about the identity's roles: the requirement, as info; nothing
    // in the input is wrong, so nothing fails a run, and nothing is decided either: the
    // finding says what it needs.
    let f = one("MVN013", &with_data, Severity::Info, "workspace/ws");
    assert!(f.message.contains("storage/data"), "{}", f.message);
    assert!(
        f.needs.iter().any(|n| n.contains("role assignments")),
        "{f:#?}"
    );
    // It declares the identity's roles, and none approves on the target: a warning.
    let other_role = format!(
        "{with_data}role_assignments:\n  - {{ principal: workspace/ws, role: Storage Blob Data Reader, scope: storage/data }}\n"
    );
    one("MVN013", &other_role, Severity::Warning, "workspace/ws");
    let granted = format!(
        "{with_data}role_assignments:\n  - {{ principal: workspace/ws, role: Azure AI Enterprise Network Connection Approver, scope: storage/data }}\n"
    );
    none("MVN013", &granted);
    // The workspace's own storage needs no declaration.
    none("MVN013", MANAGED);
}

#[test]
fn mon002_one_monitor_private_link_scope_per_dns() {
    // Use Azure Private Link to connect networks to Azure Monitor, planning by network
    // topology: networks that share the same DNS should use a single Azure Monitor private
    // link scope; a virtual network can connect to only one.
    let two = r#"
region: eastus
monitor_private_link_scopes:
  - { name: ampls-a }
  - { name: ampls-b }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }]
  - name: other
    address_space: [10.1.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }]
private_endpoints:
  - { name: ampls-a-pe, subnet: vnet/pe, target: ampls/ampls-a, group_id: azuremonitor }
  - { name: ampls-b-pe, subnet: vnet/pe, target: ampls/ampls-b, group_id: azuremonitor }
"#;
    one("MON002", two, Severity::Error, "ampls/ampls-b");
    none(
        "MON002",
        &two.replace(
            "{ name: ampls-b-pe, subnet: vnet/pe,",
            "{ name: ampls-b-pe, subnet: other/pe,",
        ),
    );
}

#[test]
fn ep010_key_auth_endpoint_needs_the_vault_bypass() {
    // Troubleshooting online endpoints deployment and scoring: online endpoint creation with
    // key-based authentication fails unless the workspace key vault's network rules have
    // "bypass": "AzureServices".
    let locked = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, key_vault: kv }
key_vaults:
  - { name: kv, public_network_access: Disabled, network_acls: { default_action: Deny, bypass: None } }
online_endpoints:
  - { name: scoring, workspace: ws, public_network_access: Disabled }
"#;
    let f = one("EP010", locked, Severity::Error, "online-endpoint/scoring");
    assert!(f.message.contains("key vault kv"), "{}", f.message);
    // Trusted services may bypass the vault's firewall: creation works.
    none(
        "EP010",
        &locked.replace("bypass: None", "bypass: AzureServices"),
    );
    // Token authentication does not store keys in the vault.
    none(
        "EP010",
        &locked.replace(
            "{ name: scoring, workspace: ws, public_network_access: Disabled }",
            "{ name: scoring, workspace: ws, public_network_access: Disabled, auth_mode: aad_token }",
        ),
    );
    // A vault open to every network needs no bypass.
    none(
        "EP010",
        &locked.replace(
            "public_network_access: Disabled, network_acls: { default_action: Deny, bypass: None }",
            "network_acls: { default_action: Allow, bypass: None }",
        ),
    );
}

#[test]
fn cmp013_compute_instance_in_the_workspace_region_and_vnet() {
    // Secure an Azure Machine Learning training environment with virtual networks: a compute
    // instance can't be in a different region or VNet than the workspace; a compute cluster
    // can.
    let elsewhere = r#"
region: eastus
workspaces:
  - { name: ws }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance, region: westus }
  - { name: cc, workspace: ws, type: AmlCompute, region: westus }
"#;
    let f = one("CMP013", elsewhere, Severity::Error, "compute/ci");
    assert!(f.message.contains("westus"), "{}", f.message);
    none(
        "CMP013",
        &elsewhere.replace(
            "type: ComputeInstance, region: westus",
            "type: ComputeInstance",
        ),
    );
    // A VNet that holds none of the workspace's private endpoints.
    let vnets = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - { name: hub, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.1.0/24] }, { name: training, address_prefixes: [10.0.2.0/24] }] }
  - { name: other, address_space: [10.1.0.0/16], subnets: [{ name: training, address_prefixes: [10.1.2.0/24] }] }
private_endpoints:
  - { name: ws-pe, subnet: hub/pe, target: workspace/ws, group_id: amlworkspace }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: other/training, enable_node_public_ip: false }
"#;
    let f = one("CMP013", vnets, Severity::Error, "compute/ci");
    assert!(f.message.contains("VNet other"), "{}", f.message);
    none(
        "CMP013",
        &vnets.replace("subnet: other/training", "subnet: hub/training"),
    );
}

#[test]
fn ep011_workspace_endpoint_older_than_private_online_endpoints() {
    // How to secure managed online endpoints with network isolation, limitations: "If your
    // workspace has a private endpoint that was created before May 24, 2022, you must
    // recreate the workspace's private endpoint before configuring your online endpoints to
    // use a private endpoint."
    let old = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.1.0/24] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, created: 2021-11-02 }
online_endpoints:
  - { name: scoring, workspace: ws, public_network_access: Disabled }
"#;
    let f = one("EP011", old, Severity::Error, "private-endpoint/ws-pe");
    assert!(f.message.contains("2021-11-02"), "{}", f.message);
    none("EP011", &old.replace("2021-11-02", "2022-06-01T10:00:00Z"));
    // Undeclared: a template's endpoint is created when it is deployed.
    none("EP011", &old.replace(", created: 2021-11-02", ""));
    // Endpoints scored over the public endpoint do not use it.
    none(
        "EP011",
        &old.replace(
            "{ name: scoring, workspace: ws, public_network_access: Disabled }",
            "{ name: scoring, workspace: ws, public_network_access: Enabled }",
        ),
    );
    // A declared value that is not a date: not decided.
    let bad = one(
        "EP011",
        &old.replace("2021-11-02", "last spring"),
        Severity::Warning,
        "private-endpoint/ws-pe",
    );
    assert!(!bad.needs.is_empty());
}

#[test]
fn ws012_proxy_bypasses_private_endpoint_host_names() {
    // Troubleshoot connection to a workspace with a private endpoint: with a proxy, allow
    // direct access (a PAC file) to the private endpoint FQDNs and the compute instance FQDNs,
    // or have the proxy forward DNS to Azure DNS.
    let proxy = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.1.0/24] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }
clients:
  - { name: office, location: onprem, proxy: { bypass: ["*.contoso.com"] } }
"#;
    let f = one("WS012", proxy, Severity::Warning, "client/office");
    assert!(
        f.message.contains("*.instances.azureml.ms"),
        "{}",
        f.message
    );
    none(
        "WS012",
        &proxy.replace(
            "[\"*.contoso.com\"]",
            "[\"*.contoso.com\", \".azureml.ms\", \"*.notebooks.azure.net\"]",
        ),
    );
    // No proxy declared: nothing to check.
    none(
        "WS012",
        &proxy.replace(", proxy: { bypass: [\"*.contoso.com\"] }", ""),
    );
}

#[test]
fn ws013_serverless_without_public_ip_and_an_allow_list() {
    // Secure an Azure Machine Learning training environment with virtual networks: with
    // serverless compute without public IP and a workspace IP allow list, add an outbound
    // private endpoint to the workspace (the default outbound address is dynamic).
    let serverless = r#"
region: eastus
workspaces:
  - name: ws
    network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] }
    serverless_compute: { subnet: vnet/training, no_public_ip: true }
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.2.0/24] }, { name: pe, address_prefixes: [10.0.1.0/24] }] }
"#;
    one("WS013", serverless, Severity::Error, "workspace/ws");
    let with_pe = format!(
        "{serverless}private_endpoints:\n  - {{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }}\n"
    );
    none("WS013", &with_pe);
    none(
        "WS013",
        &serverless.replace("no_public_ip: true", "no_public_ip: false"),
    );
    none(
        "WS013",
        &serverless.replace(
            "network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] }",
            "public_network_access: Enabled",
        ),
    );
}

/// A data science VM attached to a workspace, in a subnet whose NSG keeps Azure's defaults.
const ATTACHED_VM: &str = r#"
region: eastus
workspaces:
  - { name: ws }
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg }] }
network_security_groups:
  - name: nsg
public_ips: [{ name: dsvm-ip, ip_address: 20.1.2.3 }]
network_interfaces:
  - { name: dsvm-nic, subnet: vnet/training, public_ip: dsvm-ip }
virtual_machines:
  - { name: dsvm, network_interfaces: [dsvm-nic], attached_to: ws }
"#;

#[test]
fn cmp014_attached_vm_takes_ssh_from_azure_machine_learning() {
    // Secure an Azure Machine Learning training environment with virtual networks, virtual
    // machine or HDInsight cluster: an NSG rule that allows inbound traffic from the
    // AzureMachineLearning service tag, source ports any, destination port 22.
    let f = one("CMP014", ATTACHED_VM, Severity::Error, "vm/dsvm");
    assert!(f.trace.is_some(), "a path finding carries its trace");
    let allowed = ATTACHED_VM.replace(
        "  - name: nsg\n",
        "  - name: nsg\n    rules:\n      - { name: aml-ssh, priority: 100, direction: Inbound, access: Allow, protocol: '*', source: AzureMachineLearning, destination_ports: 22 }\n",
    );
    none("CMP014", &allowed);
    // Not attached: nothing to check.
    none("CMP014", &ATTACHED_VM.replace(", attached_to: ws", ""));
}

#[test]
fn acr009_private_registry_through_a_workspace_connection() {
    // Secure an Azure Machine Learning workspace with virtual networks, Azure Container
    // Registry: a private container registry used through a workspace connection for image
    // pulls is not supported in a customer VNet; make it the workspace's default registry.
    let conn = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, container_registry: wsacr, container_registry_connections: [teamacr] }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
  - { name: teamacr, sku: Premium, public_network_access: Disabled }
"#;
    let f = one("ACR009", conn, Severity::Error, "workspace/ws");
    assert!(f.message.contains("teamacr"), "{}", f.message);
    // A registry open to the internet is pulled over its public endpoint.
    none(
        "ACR009",
        &conn.replace(
            "{ name: teamacr, sku: Premium, public_network_access: Disabled }",
            "{ name: teamacr, sku: Premium }",
        ),
    );
    // The default registry itself, named in a connection too.
    none(
        "ACR009",
        &conn.replace(
            "container_registry_connections: [teamacr]",
            "container_registry_connections: [wsacr]",
        ),
    );
}

/// A compute instance without public IP whose subnet sends everything to a firewall that
/// allows only the Python package index.
const CI_FW: &str = r#"
region: eastus
workspaces:
  - { name: ws }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
      - { name: AzureFirewallSubnet, address_prefixes: [10.0.9.0/26] }
route_tables:
  - name: rt
    routes:
      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.0.9.4 }
public_ips: [{ name: fw-ip, ip_address: 20.1.2.4 }]
firewalls:
  - name: fw
    vnet: vnet
    private_ip_address: 10.0.9.4
    public_ips: [fw-ip]
    application_rule_collections:
      - name: allow
        priority: 100
        action: Allow
        rules:
          - { name: pypi, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [pypi.org] }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false }
"#;

#[test]
fn out006_compute_instance_websocket_hosts() {
    // Secure an Azure Machine Learning training environment with virtual networks: allow
    // WebSocket communication to *.instances.azureml.net and *.instances.azureml.ms.
    let f = one("OUT006", CI_FW, Severity::Error, "subnet/vnet/training");
    assert!(
        f.message.contains("*.instances.azureml.ms"),
        "{}",
        f.message
    );
    let allowed = CI_FW.replace(
        "target_fqdns: [pypi.org] }",
        "target_fqdns: [pypi.org] }\n          - { name: ci, source_addresses: [10.0.0.0/16], protocols: [\"Https:443\"], target_fqdns: [\"*.instances.azureml.ms\", \"*.instances.azureml.net\"] }",
    );
    none("OUT006", &allowed);
}

const SUB_A: &str = "00000000-0000-0000-0000-00000000000a";
const SUB_B: &str = "00000000-0000-0000-0000-00000000000b";

/// A workspace with a compute cluster in a declared VNet.
const CLUSTER: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st, key_vault: kv, container_registry: acr }
storage_accounts: [{ name: st }]
key_vaults: [{ name: kv }]
container_registries: [{ name: acr, sku: Premium }]
virtual_networks:
  - { name: spoke, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training }
"#;

#[test]
fn cmp015_compute_vnet_in_the_workspace_subscription() {
    // Secure an Azure Machine Learning training environment with virtual networks: "The
    // virtual network must be in the same subscription and region as the Azure Machine
    // Learning workspace."
    // Everything declared in one input is deployed into one subscription.
    none("CMP015", CLUSTER);
    // The VNet declared in another subscription than the deployment's: an error.
    let other = format!(
        "subscription: {SUB_A}\n{CLUSTER}placements:\n  - {{ resource: vnet/spoke, subscription: {SUB_B} }}\n"
    );
    let f = one("CMP015", &other, Severity::Error, "compute/cpu");
    assert!(f.needs.is_empty(), "{f:#?}");
    // Declared in the deployment's own subscription: silent.
    none(
        "CMP015",
        &format!(
            "subscription: {SUB_A}\n{CLUSTER}placements:\n  - {{ resource: vnet/spoke, subscription: {SUB_A} }}\n"
        ),
    );
    // Another subscription by id while the deployment's is not given: open, so information
    // that says what it needs.
    let open =
        format!("{CLUSTER}placements:\n  - {{ resource: vnet/spoke, subscription: {SUB_B} }}\n");
    let f = one("CMP015", &open, Severity::Info, "compute/cpu");
    assert!(
        f.needs
            .iter()
            .any(|n| n.contains("deployment's subscription")),
        "{f:#?}"
    );
}

#[test]
fn cmp015_an_external_vnet_carries_the_subscription_of_its_id() {
    // The same sentence, for a VNet the input refers to by id without declaring it.
    let mut t = topology(CLUSTER);
    t.subscription = Some(SUB_A.into());
    let at = moat_model::Provenance::default();
    let key = moat_model::external::subnet_for(
        &mut t,
        &format!(
            "/subscriptions/{SUB_B}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/training"
        ),
        "compute cpu is placed in it",
        &at,
    );
    t.computes[0].subnet = Some(key);
    assert_eq!(
        moat_model::placement::same_subscription(&t, "workspace/ws", "vnet/hub"),
        Ok(false)
    );
    // Through a parameter without a value, the subscription is unknown.
    let mut t = topology(CLUSTER);
    let key = moat_model::external::subnet_for(
        &mut t,
        "parameters('subnetId'): the parameter has no value",
        "compute cpu is placed in it",
        &at,
    );
    t.computes[0].subnet = Some(key.clone());
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    by_code("CMP015").unwrap().check(&cx, &mut v);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].severity, Severity::Info);
    assert!(v[0].needs.iter().any(|n| n.contains("subnetId")), "{v:#?}");
}

#[test]
fn mvn014_private_endpoint_targets_in_the_workspace_tenant() {
    // Managed virtual network isolation (facts §6.74): private endpoint targets "must be in
    // the workspace tenant (subscription may differ)".
    let rule = |sub: &str| {
        with(
            MANAGED,
            PYPI_RULE,
            &format!("        - {{ name: data, type: PrivateEndpoint, destination: {{ service_resource: /subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/data, subresource_target: blob }} }}"),
        )
        .replace("storage_accounts:\n", "storage_accounts:\n  - { name: data }\n")
    };
    let head = format!("subscription: {SUB_A}\ntenant: tenant-1\n");
    // Same subscription: same tenant.
    none("MVN014", &format!("{head}{}", rule(SUB_A)));
    // Another subscription of the same tenant: allowed.
    let same_tenant = format!(
        "{head}{}placements:\n  - {{ resource: storage/data, subscription: {SUB_B}, tenant: tenant-1 }}\n",
        rule(SUB_B)
    );
    none("MVN014", &same_tenant);
    // Another tenant: an error.
    let f = one(
        "MVN014",
        &same_tenant.replace("tenant: tenant-1 }", "tenant: tenant-2 }"),
        Severity::Error,
        "workspace/ws",
    );
    assert!(f.message.contains("storage/data"), "{}", f.message);
    // Another subscription whose tenant the input does not give: undecided information.
    let f = one(
        "MVN014",
        &format!("{head}{}", rule(SUB_B)),
        Severity::Info,
        "workspace/ws",
    );
    assert!(
        f.needs.iter().any(|n| n.contains("tenant of storage/data")),
        "{f:#?}"
    );
    // Targets named by address are in the deployment.
    none("MVN014", MANAGED);
}

#[test]
fn ep012_endpoint_resources_in_the_workspace_subscription() {
    // How to secure managed online endpoints with network isolation, limitations: "you can
    // use workspace-associated resources (Azure Container Registry (ACR), Storage account, Key
    // Vault, and Application Insights) from a different resource group than that of your
    // workspace. However, these resources must belong to the same subscription and tenant as
    // your workspace."
    let endpoint = format!("{CLUSTER}online_endpoints:\n  - {{ name: ep, workspace: ws }}\n");
    none("EP012", &endpoint);
    let other = format!(
        "subscription: {SUB_A}\n{endpoint}placements:\n  - {{ resource: keyvault/kv, subscription: {SUB_B} }}\n"
    );
    let f = one("EP012", &other, Severity::Error, "workspace/ws");
    assert!(f.message.contains("keyvault/kv"), "{}", f.message);
    // Without online endpoints the limitation does not apply.
    none(
        "EP012",
        &format!(
            "subscription: {SUB_A}\n{CLUSTER}placements:\n  - {{ resource: keyvault/kv, subscription: {SUB_B} }}\n"
        ),
    );
    // The deployment's subscription not given: undecided information.
    let open =
        format!("{endpoint}placements:\n  - {{ resource: keyvault/kv, subscription: {SUB_B} }}\n");
    let f = one("EP012", &open, Severity::Info, "workspace/ws");
    assert!(!f.needs.is_empty(), "{f:#?}");
}

/// A private workspace with a compute instance, a custom DNS server in the VNet that forwards
/// the workspace zones to Azure DNS, and the privatelink zones linked to the VNet.
const INSTANCE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    dns_servers: [10.0.0.4]
    subnets:
      - { name: dns, address_prefixes: [10.0.0.0/24] }
      - { name: training, address_prefixes: [10.0.1.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
dns_servers:
  - name: dns
    address: 10.0.0.4
    forwarders:
      - { zone: api.azureml.ms, to: [168.63.129.16] }
      - { zone: notebooks.azure.net, to: [168.63.129.16] }
      - { zone: instances.azureml.ms, to: [168.63.129.16] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
"#;

const INSTANCES_FORWARDER: &str = "      - { zone: instances.azureml.ms, to: [168.63.129.16] }\n";

#[test]
fn dns007_instance_name_resolves_to_the_workspace_endpoint() {
    // How to use your workspace with a custom DNS server, "Manual DNS server integration":
    // for `<instance-name>.<region>.instances...`, "The IP address for this FQDN is not the IP
    // of the compute instance. Instead, use the private IP address of the workspace private
    // endpoint (the IP of the *.api.azureml.ms entries.)"; the automated integration forwards
    // instances.azureml.ms to Azure DNS like api.azureml.ms.
    none("DNS007", INSTANCE);
    // Azure DNS in the VNet answers it as well.
    none(
        "DNS007",
        &INSTANCE.replace("    dns_servers: [10.0.0.4]\n", ""),
    );
    // The server forwards the workspace zones but not instances.azureml.ms: the instance's
    // name gets the public answer.
    let f = one(
        "DNS007",
        &with(INSTANCE, INSTANCES_FORWARDER, ""),
        Severity::Error,
        "compute/ci",
    );
    assert!(
        f.message.contains("ci.eastus.instances.azureml.ms"),
        "{}",
        f.message
    );
    assert!(f.message.contains("10.0.3.4"), "{}", f.message);
    // The server hosts the zone with the instance's own address: wrong, as the page warns.
    let own = with(
        INSTANCE,
        INSTANCES_FORWARDER,
        "    zones:\n      - { zone: instances.azureml.ms, records: [{ name: ci.eastus, type: A, values: [10.0.1.5] }] }\n",
    );
    let f = one("DNS007", &own, Severity::Error, "compute/ci");
    assert!(f.message.contains("10.0.1.5"), "{}", f.message);
    // The same zone with the endpoint's API address is right.
    none(
        "DNS007",
        &own.replace("values: [10.0.1.5]", "values: [10.0.3.4]"),
    );
    // A client on a VM whose network interfaces the input leaves open: which DNS it asks is
    // unknown, so whether the instance's name resolves there as the page requires is not
    // decided. Before, the client was passed over and nothing was said.
    let open_client = format!(
        "{INSTANCE}virtual_machines: [{{ name: jump, network_interfaces: [] }}]\nclients: [{{ name: analyst, location: vm/jump, operations: [studio.open] }}]\nunknowns:\n  - {{ resource: vm/jump, field: network_interfaces, reason: \"parameter `nics` has no value\" }}\n"
    );
    let f = one("DNS007", &open_client, Severity::Info, "compute/ci");
    assert!(f.message.contains("client analyst"), "{}", f.message);
    assert!(
        f.needs.iter().any(|n| n.contains("vm/jump")),
        "{:?}",
        f.needs
    );
}

#[test]
fn out007_vscode_server_ports_stated_where_the_network_is_restricted() {
    // Configure inbound and outbound network traffic, Visual Studio Code: "You must allow
    // network traffic to ports 8704 to 8710. The VS Code server dynamically selects the first
    // available port within this range." The page names no source or destination for that
    // traffic, so the finding states the requirement and is not decided.
    let vnet = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false, uses: [vscode] }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
"#;
    let f = one("OUT007", vnet, Severity::Info, "compute/ci");
    assert!(f.message.contains("8704-8710"), "{}", f.message);
    assert!(
        !f.needs.is_empty(),
        "the ends of the traffic are not documented: not decided"
    );
    // An instance nobody declares to use from VS Code.
    none("OUT007", &with(vnet, ", uses: [vscode]", ""));
    // An instance outside any VNet or managed network: nothing restricts its ports.
    let open = "region: eastus\nworkspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, uses: [vscode] }]\n";
    none("OUT007", open);
    // In a managed network, the workspace's network decides.
    let managed = with(
        open,
        "workspaces: [{ name: ws }]",
        "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]",
    );
    one("OUT007", &managed, Severity::Info, "compute/ci");
}
