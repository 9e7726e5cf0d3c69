//! The Terraform importer on the configurations and the plan under `tests/data`, and on
//! broken and hostile inputs written on the fly.

use moat_doc::{LoadError, Loaded};
use moat_model::Topology;
use moat_model::address::Address;
use moat_model::enums::*;
use moat_terraform::{TfOptions, load, load_plan, load_plan_str, looks_like_plan};
use std::path::{Path, PathBuf};

mod scratch;
use scratch::Scratch;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn ok(r: Result<Loaded, LoadError>) -> Loaded {
    match r {
        Ok(l) => l,
        Err(e) => panic!(
            "load failed:\n{}",
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn secure() -> Loaded {
    ok(load(&data("secure-workspace"), &TfOptions::default()))
}

fn pe<'a>(t: &'a Topology, name: &str) -> &'a moat_model::privatelink::PrivateEndpoint {
    t.private_endpoints
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no private endpoint {name}"))
}

fn codes(e: &LoadError) -> Vec<String> {
    e.diagnostics.iter().map(|d| d.code.clone()).collect()
}

#[test]
fn secure_workspace_counts() {
    let l = secure();
    assert_eq!(l.format, "terraform");
    let t = &l.topology;
    let counts: std::collections::BTreeMap<_, _> = t.counts().into_iter().collect();
    assert_eq!(counts["workspaces"], 1);
    assert_eq!(counts["computes"], 3);
    assert_eq!(counts["storage accounts"], 1);
    assert_eq!(counts["key vaults"], 1);
    assert_eq!(counts["container registries"], 1);
    assert_eq!(counts["application insights"], 1);
    assert_eq!(counts["virtual networks"], 1);
    assert_eq!(counts["subnets"], 3);
    assert_eq!(counts["network security groups"], 2);
    assert_eq!(counts["nsg rules"], 4);
    assert_eq!(counts["route tables"], 1);
    assert_eq!(counts["firewalls"], 1);
    assert_eq!(counts["firewall policies"], 1);
    assert_eq!(counts["public ips"], 1);
    assert_eq!(counts["private endpoints"], 5);
    assert_eq!(counts["private dns zones"], 6);
    assert_eq!(counts["virtual machines"], 1);
    assert_eq!(counts["network interfaces"], 1);
    assert_eq!(counts["role assignments"], 1);
    let unmodelled: Vec<&str> = t
        .unmodelled
        .iter()
        .map(|u| u.resource_type.as_str())
        .collect();
    assert!(unmodelled.contains(&"azurerm_resource_group"));
    assert!(unmodelled.contains(&"azurerm_log_analytics_workspace"));
    assert!(
        unmodelled.contains(&"azurerm_role_assignment"),
        "the resource-group-scoped assignment is kept as unmodelled"
    );
}

#[test]
fn workspace_and_dependencies_link_by_id() {
    let t = secure().topology;
    let ws = &t.workspaces[0];
    // tfvars prefix "Contoso" goes through lower() and format().
    assert_eq!(ws.name, "contoso-ml-ws");
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert!(ws.hbi_workspace);
    assert_eq!(ws.image_build_compute.as_deref(), Some("cpu-cluster-0"));
    assert_eq!(ws.storage_account.as_deref(), Some("contosomlsa"));
    assert_eq!(ws.key_vault.as_deref(), Some("contoso-ml-kv"));
    assert_eq!(ws.container_registry.as_deref(), Some("contosomlacr"));
    assert_eq!(ws.application_insights.as_deref(), Some("contoso-ml-appi"));
    assert_eq!(ws.region.as_deref(), Some("eastus"));
    // try() fell back to Premium.
    assert_eq!(t.container_registries[0].sku, AcrSku::Premium);
    let sa = &t.storage_accounts[0];
    assert_eq!(sa.network_rules.default_action, DefaultAction::Deny);
    assert_eq!(
        sa.network_rules.virtual_network_rules,
        vec!["contoso-ml-vnet/training".to_string()]
    );
    assert_eq!(sa.network_rules.ip_rules[0].to_string(), "203.0.113.0/24");
    assert_eq!(sa.sku.as_deref(), Some("Standard_LRS"));
    assert_eq!(sa.tags.get("owner").map(String::as_str), Some("moat"));
    let ra = &t.role_assignments[0];
    assert_eq!(ra.principal, "workspace/contoso-ml-ws");
    assert_eq!(ra.scope, "acr/contosomlacr".parse::<Address>().unwrap());
}

#[test]
fn module_network_with_for_each_dynamic_blocks_and_associations() {
    let t = secure().topology;
    let v = &t.virtual_networks[0];
    assert_eq!(v.name, "contoso-ml-vnet");
    let sub = |n: &str| v.subnets.iter().find(|s| s.name == n).unwrap();
    assert_eq!(
        sub("training").address_prefixes[0].0.to_string(),
        "10.10.1.0/24"
    );
    assert_eq!(sub("pe").address_prefixes[0].0.to_string(), "10.10.2.0/24");
    assert_eq!(
        sub("AzureFirewallSubnet").address_prefixes[0].0.to_string(),
        "10.10.3.0/26"
    );
    assert_eq!(
        sub("training").service_endpoints,
        vec!["Microsoft.Storage", "Microsoft.KeyVault"]
    );
    // Associations from a module that iterates over another module's instances.
    assert_eq!(
        sub("training").network_security_group.as_deref(),
        Some("contoso-ml-training-nsg")
    );
    assert_eq!(
        sub("pe").network_security_group.as_deref(),
        Some("contoso-ml-pe-nsg")
    );
    assert_eq!(sub("AzureFirewallSubnet").network_security_group, None);
    assert_eq!(
        sub("training").route_table.as_deref(),
        Some("contoso-ml-rt")
    );
    // Dynamic block rules come first, then the static one.
    let nsg = t
        .network_security_groups
        .iter()
        .find(|n| n.name == "contoso-ml-training-nsg")
        .unwrap();
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["AllowAzureML", "AllowBatch", "DenyInternetOutbound"]
    );
    assert_eq!(nsg.rules[1].destination_ports[0].to_string(), "29876-29877");
    assert_eq!(nsg.rules[0].source[0].to_string(), "AzureMachineLearning");
    // Provenance: file and line of the nested module, pointer with the module path.
    let at = &nsg.rules[0].at;
    assert!(at.file.ends_with("modules/nsg/main.tf"), "{}", at.file);
    assert_eq!(at.line, 23);
    assert_eq!(
        at.pointer,
        r#"module.network.module.nsg["training"].azurerm_network_security_group.this.security_rule[0]"#
    );
    assert_eq!(
        sub("pe").at.pointer,
        r#"module.network.azurerm_subnet.this["pe"]"#
    );
    assert!(sub("pe").at.file.ends_with("modules/network/main.tf"));
    assert_eq!(sub("pe").at.line, 39);
}

#[test]
fn firewall_ip_is_derived_and_reaches_the_route_through_a_module_input() {
    let t = secure().topology;
    let fw = &t.firewalls[0];
    assert_eq!(fw.private_ip_address, Some("10.10.3.4".parse().unwrap()));
    assert_eq!(fw.vnet, "contoso-ml-vnet");
    assert_eq!(fw.public_ips, vec!["contoso-ml-fw-pip".to_string()]);
    assert_eq!(fw.firewall_policy.as_deref(), Some("contoso-ml-fw-policy"));
    assert!(fw.dns_proxy, "DNS proxy comes from the policy");
    let rt = &t.route_tables[0];
    assert!(rt.disable_bgp_route_propagation);
    assert_eq!(rt.routes[0].next_hop_type, NextHopType::VirtualAppliance);
    assert_eq!(
        rt.routes[0]
            .next_hop_ip_address
            .map(|i| i.to_string())
            .as_deref(),
        Some("10.10.3.4")
    );
    assert_eq!(
        rt.routes[1].address_prefix.to_string(),
        "AzureMachineLearning"
    );
    let g = &t.firewall_policies[0].rule_collection_groups[0];
    assert_eq!(g.priority.get(), Some(200));
    let app = &g.application_rule_collections[0];
    let rule_names: Vec<&str> = app.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rule_names, ["conda", "pypi"]);
    assert_eq!(
        app.rules[1].target_fqdns,
        vec!["pypi.org", "*.pythonhosted.org"]
    );
    assert_eq!(app.rules[1].protocols[0].to_string(), "Https:443");
    let net = &g.network_rule_collections[0].rules[0];
    assert_eq!(net.protocols, vec![FirewallProtocol::Tcp]);
    assert_eq!(net.source_addresses[0].to_string(), "10.10.1.0/24");
    assert_eq!(
        net.destination_ports
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["443", "8787"]
    );
}

#[test]
fn private_endpoints_dns_and_computes() {
    let t = secure().topology;
    let ws = pe(&t, "contoso-ml-ws-pe");
    assert_eq!(ws.subnet, "contoso-ml-vnet/pe");
    assert_eq!(
        ws.target,
        "workspace/contoso-ml-ws".parse::<Address>().unwrap()
    );
    assert_eq!(ws.group_id, "amlworkspace");
    assert_eq!(
        ws.dns_zone_group,
        vec![
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net"
        ]
    );
    assert_eq!(ws.connection_state, ConnectionState::Approved);
    let blob = pe(&t, "contoso-ml-sa-blob-pe");
    assert_eq!(
        blob.target,
        "storage/contosomlsa".parse::<Address>().unwrap()
    );
    assert_eq!(blob.group_id, "blob");
    assert_eq!(
        blob.at.pointer,
        r#"azurerm_private_endpoint.storage["blob"]"#
    );
    assert_eq!(pe(&t, "contoso-ml-sa-file-pe").group_id, "file");
    let kv = pe(&t, "contoso-ml-kv-pe");
    assert_eq!(
        kv.connection_state,
        ConnectionState::Pending,
        "is_manual_connection"
    );
    assert_eq!(
        kv.ip_address.map(|i| i.to_string()).as_deref(),
        Some("10.10.2.10"),
        "cidrhost of a module output"
    );
    // Static addresses are kept; a dynamic one is Azure's to assign at deployment.
    assert!(ws.ip_address.is_none());
    for z in &t.private_dns_zones {
        assert_eq!(
            z.vnet_links,
            vec!["contoso-ml-vnet".to_string()],
            "{}",
            z.name
        );
    }
    let clusters: Vec<_> = t
        .computes
        .iter()
        .filter(|c| c.compute_type == ComputeType::AmlCompute)
        .collect();
    assert_eq!(clusters.len(), 2, "count from ci.auto.tfvars");
    assert_eq!(clusters[1].name, "cpu-cluster-1");
    assert_eq!(clusters[1].max_nodes, 8, "count.index in an expression");
    assert!(!clusters[0].enable_node_public_ip);
    assert_eq!(
        clusters[0].subnet.as_deref(),
        Some("contoso-ml-vnet/training")
    );
    let ci = t
        .computes
        .iter()
        .find(|c| c.compute_type == ComputeType::ComputeInstance)
        .unwrap();
    assert_eq!(ci.name, "ci-contoso");
    assert_eq!(ci.workspace, "contoso-ml-ws");
    assert_eq!(t.network_interfaces[0].subnet, "contoso-ml-vnet/training");
    assert_eq!(
        t.virtual_machines[0].network_interfaces,
        vec!["contoso-ml-jump-nic".to_string()]
    );
}

#[test]
fn unknowns_and_external_references_are_located_warnings() {
    let l = secure();
    let t = &l.topology;
    let u = t
        .is_unknown(
            "private-dns-zone/privatelink.api.azureml.ms",
            "records/jumpbox",
        )
        .expect("record value unknown");
    assert!(
        u.reason
            .contains("azurerm_network_interface.jump.private_ip_address"),
        "{}",
        u.reason
    );
    assert!(u.at.file.ends_with("endpoints.tf"));
    assert_eq!(u.at.line, 99);
    let admin = t
        .is_unknown("role-assignment/azurerm_role_assignment.admin", "principal")
        .expect("principal unknown");
    assert!(admin.reason.contains("admin_object_id"));
    assert!(admin.at.file.ends_with("variables.tf"));
    assert_eq!(admin.at.line, 42);
    // An endpoint in a subnet outside the configuration: kept, in an external subnet whose
    // properties are unknown, its address unknown, a warning.
    let hub = pe(t, "contoso-ml-acr-hub-pe");
    assert_eq!(hub.subnet, "hub-vnet/shared-pe");
    assert!(moat_model::external::is_external_subnet(
        t,
        &t.index(),
        "hub-vnet/shared-pe"
    ));
    assert!(t.is_unknown("subnet/hub-vnet/shared-pe", "*").is_some());
    assert!(hub.ip_address.is_none());
    assert!(
        t.is_unknown("private-endpoint/contoso-ml-acr-hub-pe", "ip_address")
            .is_some()
    );
    let w: Vec<String> = l.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        w.iter().any(|d| d.contains("external-reference")
            && d.contains("hub-vnet/shared-pe")
            && d.contains("endpoints.tf:84")),
        "{w:#?}"
    );
    assert!(
        w.iter()
            .any(|d| d.contains("missing-variable") && d.contains("admin_object_id")),
        "{w:#?}"
    );
}

#[test]
fn var_files_and_vars_override_in_terraform_order() {
    let dir = Scratch::new(
        "varfile",
        &[(
            "extra.tfvars",
            "compute_count = 1\nadmin_object_id = \"11111111-2222-3333-4444-555555555555\"\n",
        )],
    );
    let opts = TfOptions {
        var_files: vec![dir.0.join("extra.tfvars")],
        vars: vec![("prefix".into(), "Fabrikam".into())],
        ..Default::default()
    };
    let t = ok(load(&data("secure-workspace"), &opts)).topology;
    assert_eq!(t.workspaces[0].name, "fabrikam-ml-ws");
    assert_eq!(
        t.computes
            .iter()
            .filter(|c| c.compute_type == ComputeType::AmlCompute)
            .count(),
        1
    );
    assert!(
        t.is_unknown("role-assignment/azurerm_role_assignment.admin", "principal")
            .is_none()
    );
    let opts = TfOptions {
        vars: vec![("compute_count".into(), "3".into())],
        ..Default::default()
    };
    let t = ok(load(&data("secure-workspace"), &opts)).topology;
    assert_eq!(
        t.computes
            .iter()
            .filter(|c| c.compute_type == ComputeType::AmlCompute)
            .count(),
        3,
        "-var is parsed for a number"
    );
}

#[test]
fn azapi_managed_network_workspace_and_registry() {
    let l = ok(load(&data("azapi-managed"), &TfOptions::default()));
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1);
    let ws = &t.workspaces[0];
    assert_eq!(ws.name, "mlops-ws");
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(
        ws.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    assert_eq!(
        ws.storage_account.as_deref(),
        Some("mlopssa"),
        "an azurerm storage account, by id"
    );
    assert_eq!(ws.container_registry.as_deref(), Some("mlopsacr"));
    assert!(ws.at.file.ends_with("azapi-managed/main.tf"));
    assert_eq!(ws.at.pointer, "azapi_resource.ws");
    let rules: Vec<&str> = ws
        .managed_network
        .outbound_rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(rules.len(), 4, "{rules:?}");
    for n in ["pypi", "conda", "github", "lake-blob"] {
        assert!(rules.contains(&n), "{rules:?}");
    }
    let lake = ws
        .managed_network
        .outbound_rules
        .iter()
        .find(|r| r.name == "lake-blob")
        .unwrap();
    assert_eq!(lake.kind, OutboundRuleType::PrivateEndpoint);
    match &lake.destination {
        moat_model::ml::OutboundDestination::PrivateEndpoint(d) => {
            assert_eq!(d.service_resource, "storage/mlopslake");
            assert_eq!(d.subresource_target, "blob");
        }
        other => panic!("unexpected destination {other:?}"),
    }
    assert_eq!(lake.at.pointer, "azapi_resource.lake_rule");
    assert_eq!(t.registries.len(), 1);
    assert_eq!(t.registries[0].name, "mlops-registry");
    assert_eq!(
        t.registries[0].public_network_access,
        PublicNetworkAccess::Disabled
    );
    // azurerm endpoints reach the azapi resources by id, through inline subnets.
    assert_eq!(
        pe(t, "mlops-ws-pe").target,
        "workspace/mlops-ws".parse::<Address>().unwrap()
    );
    assert_eq!(
        pe(t, "mlops-registry-pe").target,
        "registry/mlops-registry".parse::<Address>().unwrap()
    );
    assert_eq!(pe(t, "mlops-registry-pe").subnet, "mlops-vnet/pe");
    assert_eq!(pe(t, "mlops-ws-pe").subnet, "mlops-vnet/pe");
    assert_eq!(t.role_assignments[0].principal, "workspace/mlops-ws");
    assert!(
        !l.warnings
            .iter()
            .any(|w| w.message.contains("this configuration")),
        "{:#?}",
        l.warnings
    );
}

#[test]
fn a_plan_given_as_text_reads_as_its_file() {
    let path = data("plan/plan.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let name = path.display().to_string();
    let from_text = ok(load_plan_str(&name, &text, &TfOptions::default()));
    let from_file = ok(load_plan(&path, &TfOptions::default()));
    assert_eq!(from_text.topology, from_file.topology);
    assert_eq!(from_text.warnings, from_file.warnings);
    assert_eq!(from_text.format, "terraform-plan");
    let Err(e) = load_plan_str("plan.json", r#"{"resources": []}"#, &TfOptions::default()) else {
        panic!("not a plan");
    };
    assert_eq!(e.diagnostics[0].code, "not-a-plan");
    assert_eq!(e.diagnostics[0].location.file, "plan.json");
}

#[test]
fn plan_json_values_unknowns_and_references() {
    let path = data("plan/plan.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(looks_like_plan(&json));
    assert!(!looks_like_plan(&serde_json::json!({"resources": []})));
    let l = ok(load_plan(&path, &TfOptions::default()));
    assert_eq!(l.format, "terraform-plan");
    let t = &l.topology;
    assert_eq!(t.virtual_networks[0].subnets.len(), 2);
    assert_eq!(
        t.storage_accounts[0].public_network_access,
        PublicNetworkAccess::Disabled
    );
    // The storage account is created in the same run: its id is synthesised and the endpoint's
    // unknown target is resolved through the configuration's references.
    let blob = pe(t, "plansa-blob-pe");
    assert_eq!(blob.target, "storage/plansa".parse::<Address>().unwrap());
    assert_eq!(blob.group_id, "blob");
    let kv = pe(t, "plan-kv-pe");
    assert_eq!(kv.target, "keyvault/plan-kv".parse::<Address>().unwrap());
    assert_eq!(kv.connection_state, ConnectionState::Pending);
    assert_eq!(
        kv.ip_address.map(|i| i.to_string()).as_deref(),
        Some("10.30.1.20")
    );
    assert_eq!(t.key_vaults[0].network_acls.bypass, Bypass::None);
    // Resolved inside a module through a dynamic key (`azurerm_subnet.this[each.key].id`).
    let vm = t.virtual_networks[0]
        .subnets
        .iter()
        .find(|s| s.name == "vm")
        .unwrap();
    assert_eq!(vm.network_security_group.as_deref(), Some("plan-nsg"));
    assert_eq!(vm.at.pointer, r#"module.net.azurerm_subnet.this["vm"]"#);
    assert!(vm.at.file.ends_with("plan.json") && vm.at.line > 1);
    // After-apply values stay unknown, located at the resource in the plan.
    let u = t
        .is_unknown("private-endpoint/plansa-blob-pe", "subnet")
        .expect("subnet unknown");
    assert!(u.reason.contains("known only after apply"));
    assert_eq!(u.at.line, 67);
    assert!(t.is_unknown("nic/plan-nic", "subnet").is_some());
    assert_eq!(blob.subnet, "<unknown>/<unknown>");
}

#[test]
fn single_file_and_external_data_sources() {
    let dir = Scratch::new(
        "single",
        &[(
            "main.tf",
            r#"
data "azurerm_virtual_network" "hub" {
  name                = "hub-vnet"
  resource_group_name = "hub-rg"
}

resource "azurerm_subnet" "ml" {
  name                 = "ml"
  resource_group_name  = data.azurerm_virtual_network.hub.resource_group_name
  virtual_network_name = data.azurerm_virtual_network.hub.name
  address_prefixes     = [cidrsubnet(data.azurerm_virtual_network.hub.address_space[0], 8, 4)]
}

resource "azurerm_subnet" "pe" {
  name                                      = "pe"
  resource_group_name                       = "hub-rg"
  virtual_network_name                      = "hub-vnet"
  address_prefixes                          = ["10.0.5.0/24"]
  private_endpoint_network_policies_enabled = true
}
"#,
        )],
    );
    let l = ok(load(&dir.0.join("main.tf"), &TfOptions::default()));
    let t = &l.topology;
    // The VNet is not declared: it is kept with an unknown address space.
    assert_eq!(t.virtual_networks.len(), 1);
    assert!(t.virtual_networks[0].address_space.is_empty());
    assert!(t.is_unknown("vnet/hub-vnet", "address_space").is_some());
    let pe_subnet = t.virtual_networks[0]
        .subnets
        .iter()
        .find(|s| s.name == "pe")
        .unwrap();
    assert_eq!(
        pe_subnet.private_endpoint_network_policies,
        PrivateEndpointNetworkPolicies::Enabled
    );
    // The prefix comes from a data source: unknown, and the reason says so.
    let ml = t.virtual_networks[0]
        .subnets
        .iter()
        .find(|s| s.name == "ml")
        .unwrap();
    assert!(ml.address_prefixes.is_empty());
    let u = t
        .is_unknown("subnet/hub-vnet/ml", "address_prefixes")
        .expect("prefix unknown");
    assert!(u.reason.contains("read from Azure"), "{}", u.reason);
}

#[test]
fn unknown_for_each_imports_one_may_exist_instance() {
    let dir = Scratch::new(
        "unknown-foreach",
        &[(
            "main.tf",
            r#"
variable "zones" {
  type = set(string)
}

resource "azurerm_private_dns_zone" "z" {
  for_each            = var.zones
  name                = each.value
  resource_group_name = "rg"
}

module "remote" {
  source = "Azure/avm-res-network-virtualnetwork/azurerm"
  name   = "x"
}
"#,
        )],
    );
    let l = ok(load(&dir.0, &TfOptions::default()));
    let t = &l.topology;
    // One instance stands for the zones, may-exist, its name (each.value) unknown.
    assert_eq!(t.private_dns_zones.len(), 1);
    assert!(
        t.may_exist
            .iter()
            .any(|m| m.resource == "azurerm_private_dns_zone.z" && m.reason.contains("for_each"))
    );
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource.starts_with("private-dns-zone/") && u.field == "name")
    );
    assert!(
        t.unmodelled
            .iter()
            .any(|u| u.name == "module.remote" && u.resource_type == "module")
    );
    assert!(l.warnings.iter().any(|w| w.code == "unknown-instances"));
    assert!(l.warnings.iter().any(|w| w.code == "missing-modules"));
}

#[test]
fn syntax_errors_are_located() {
    let dir = Scratch::new(
        "syntax",
        &[(
            "main.tf",
            "resource \"azurerm_subnet\" \"x\" {\n  name = \"a\"\n  address_prefixes = [\n}\n",
        )],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["syntax"]);
    let d = &e.diagnostics[0];
    assert!(d.location.file.ends_with("main.tf"));
    assert_eq!(d.location.line, 4);
    assert!(d.hint.is_some());
}

#[test]
fn missing_module_and_bad_tfvars_are_errors() {
    let dir = Scratch::new(
        "missing-module",
        &[(
            "main.tf",
            "module \"net\" {\n  source = \"./modules/nowhere\"\n}\n",
        )],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["missing-module"]);
    assert_eq!(e.diagnostics[0].location.line, 2);
    assert!(
        e.diagnostics[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("source")
    );

    let dir = Scratch::new(
        "bad-tfvars",
        &[
            ("main.tf", "variable \"x\" {}\n"),
            ("terraform.tfvars", "x = var.y\n"),
        ],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["invalid-tfvars"]);
    assert!(e.diagnostics[0].location.file.ends_with("terraform.tfvars"));
    assert_eq!(e.diagnostics[0].location.line, 1);

    let dir = Scratch::new(
        "bad-tfvars-syntax",
        &[
            ("main.tf", "variable \"x\" {}\n"),
            ("terraform.tfvars", "x = = 1\n"),
        ],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["syntax"]);
}

#[test]
fn invalid_values_are_errors_at_the_attribute() {
    let dir = Scratch::new(
        "invalid",
        &[(
            "main.tf",
            "resource \"azurerm_virtual_network\" \"v\" {\n  name          = \"v\"\n  address_space = [\"10.0.0.300/16\"]\n}\n",
        )],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["invalid-value"]);
    assert_eq!(e.diagnostics[0].location.line, 3);
}

#[test]
fn validation_problems_remain_errors() {
    let dir = Scratch::new(
        "overlap",
        &[(
            "main.tf",
            r#"
resource "azurerm_virtual_network" "v" {
  name          = "v"
  address_space = ["10.0.0.0/16"]
  subnet {
    name             = "a"
    address_prefixes = ["10.0.1.0/24"]
  }
  subnet {
    name             = "b"
    address_prefixes = ["10.0.1.128/25"]
  }
}
"#,
        )],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["overlapping-subnets"]);
    assert_eq!(e.diagnostics[0].location.line, 2);
}

#[test]
fn hostile_count_is_bounded() {
    let dir = Scratch::new(
        "count",
        &[(
            "main.tf",
            "resource \"azurerm_public_ip\" \"p\" {\n  count = 100000000\n  name  = \"p${count.index}\"\n}\n",
        )],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["too-many-instances"]);
    assert_eq!(e.diagnostics[0].location.line, 2);
}

#[test]
fn hostile_recursion_is_bounded() {
    // Locals that refer to each other: a warning and unknowns, not a hang.
    let dir = Scratch::new(
        "cycle",
        &[(
            "main.tf",
            "locals {\n  a = local.b\n  b = local.a\n}\nresource \"azurerm_public_ip\" \"p\" {\n  name = local.a\n}\n",
        )],
    );
    let l = ok(load(&dir.0, &TfOptions::default()));
    assert!(l.warnings.iter().any(|w| w.code == "cycle"));
    assert_eq!(
        l.topology.public_ips[0].name, "azurerm_public_ip.p",
        "the unknown name falls back to the address"
    );
    assert!(
        l.topology
            .is_unknown("public-ip/azurerm_public_ip.p", "name")
            .is_some()
    );

    // A module that calls itself.
    let dir = Scratch::new(
        "self-module",
        &[("main.tf", "module \"again\" {\n  source = \"./\"\n}\n")],
    );
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["module-recursion"]);

    // A long chain of locals stays within the resolution bound or fails cleanly.
    let mut text = String::from("locals {\n  l0 = 1\n");
    for i in 1..5000 {
        text.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    text.push_str("}\nresource \"azurerm_public_ip\" \"p\" {\n  name = \"p${local.l4999}\"\n}\n");
    let dir = Scratch::new("chain", &[("main.tf", &text)]);
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["too-deep"]);

    // Deeply nested expressions are refused by the parser.
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(500),
        "]".repeat(500)
    );
    let dir = Scratch::new("deep", &[("main.tf", &deep)]);
    let e = load(&dir.0, &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["syntax"]);

    // An evaluation that explodes in size runs out of budget.
    let dir = Scratch::new(
        "budget",
        &[(
            "main.tf",
            "locals {\n  a = [for i in range(5000) : [for j in range(5000) : i * j]]\n}\nresource \"azurerm_public_ip\" \"p\" {\n  name = \"p${length(local.a)}\"\n}\n",
        )],
    );
    let opts = TfOptions {
        limits: moat_doc::Limits {
            max_nodes: 200_000,
            ..Default::default()
        },
        ..Default::default()
    };
    let e = load(&dir.0, &opts).unwrap_err();
    assert_eq!(codes(&e), ["too-complex"]);
}

#[test]
fn a_missing_path_is_an_error() {
    let e = load(Path::new("no/such/dir"), &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["io"]);
    let e = load_plan(Path::new("no/such/plan.json"), &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["io"]);
    let dir = Scratch::new("not-plan", &[("x.json", "{\"resources\": []}")]);
    let e = load_plan(&dir.0.join("x.json"), &TfOptions::default()).unwrap_err();
    assert_eq!(codes(&e), ["not-a-plan"]);
}

#[test]
fn hub_and_spoke_network_resources() {
    let l = ok(load(&data("hub-spoke"), &TfOptions::default()));
    let t = &l.topology;
    assert!(t.unmodelled.is_empty(), "{:?}", t.unmodelled);
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
    let hub = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "hub-vnet")
        .unwrap();
    let spoke = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "spoke-vnet")
        .unwrap();
    // The firewall's derived IP reaches a separate DNS servers resource and a standalone route.
    assert_eq!(
        hub.dns_servers
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>(),
        ["10.0.0.4"]
    );
    assert_eq!(
        t.route_tables[0].routes[0]
            .next_hop_ip_address
            .map(|i| i.to_string())
            .as_deref(),
        Some("10.0.0.4")
    );
    assert_eq!(hub.subnets.len(), 5);
    let dns_in = hub.subnets.iter().find(|s| s.name == "dns-in").unwrap();
    assert_eq!(
        dns_in.delegations,
        vec!["Microsoft.Network/dnsResolvers"],
        "a dynamic block driven by a condition"
    );
    assert!(
        hub.subnets
            .iter()
            .find(|s| s.name == "GatewaySubnet")
            .unwrap()
            .delegations
            .is_empty()
    );
    assert_eq!(hub.peerings[0].remote_vnet, "spoke-vnet");
    assert!(hub.peerings[0].allow_gateway_transit);
    assert!(spoke.peerings[0].use_remote_gateways && spoke.peerings[0].allow_forwarded_traffic);
    let ml = spoke.subnets.iter().find(|s| s.name == "ml").unwrap();
    assert_eq!(ml.network_security_group.as_deref(), Some("ml-nsg"));
    assert_eq!(ml.route_table.as_deref(), Some("spoke-rt"));
    assert_eq!(ml.service_endpoint_policies, vec!["ml-sep"]);
    let aks = spoke.subnets.iter().find(|s| s.name == "aks").unwrap();
    assert_eq!(aks.nat_gateway.as_deref(), Some("spoke-nat"));
    assert!(!aks.default_outbound_access);
    assert_eq!(
        aks.private_endpoint_network_policies,
        PrivateEndpointNetworkPolicies::Disabled
    );
    // Standalone rules attach to their NSG; ASGs by id.
    let nsg = &t.network_security_groups[0];
    assert_eq!(nsg.rules.len(), 2);
    assert_eq!(nsg.rules[0].destination_asgs, vec!["ml-nodes"]);
    assert_eq!(nsg.rules[0].destination_ports.len(), 2);
    assert_eq!(nsg.rules[1].source.len(), 2);
    assert_eq!(t.nat_gateways[0].public_ips, vec!["nat-pip"]);
    assert_eq!(t.public_ips.len(), 4);
    assert_eq!(t.ip_groups[0].ip_addresses[0].to_string(), "10.1.0.0/16");
    // Classic firewall rule collections.
    let fw = &t.firewalls[0];
    assert_eq!(fw.sku, Some(FirewallSku::Premium));
    assert!(fw.dns_proxy);
    assert_eq!(
        fw.network_rule_collections[0].rules[0].source_ip_groups,
        vec!["spoke-ranges"]
    );
    assert_eq!(
        fw.network_rule_collections[0].rules[1].protocols,
        vec![FirewallProtocol::Udp]
    );
    assert_eq!(
        fw.application_rule_collections[0].rules[1].fqdn_tags,
        vec!["WindowsUpdate"]
    );
    // Gateways, Bastion, VM and NIC.
    assert_eq!(t.virtual_network_gateways[0].vnet, "hub-vnet");
    assert_eq!(
        t.virtual_network_gateways[0].vpn_client_address_pool[0].to_string(),
        "172.16.0.0/24"
    );
    assert_eq!(
        t.local_network_gateways[0]
            .gateway_ip_address
            .map(|i| i.to_string())
            .as_deref(),
        Some("203.0.113.10")
    );
    assert_eq!(t.connections[0].connection_type, ConnectionType::IPsec);
    assert_eq!(
        t.connections[0].local_network_gateway.as_deref(),
        Some("onprem")
    );
    assert_eq!(t.bastion_hosts[0].public_ip.as_deref(), Some("bastion-pip"));
    let nic = &t.network_interfaces[0];
    assert_eq!(
        nic.private_ip_address.map(|i| i.to_string()).as_deref(),
        Some("10.1.0.10")
    );
    assert_eq!(nic.network_security_group.as_deref(), Some("ml-nsg"));
    assert_eq!(nic.application_security_groups, vec!["ml-nodes"]);
    assert_eq!(t.virtual_machines[0].network_interfaces, vec!["dsvm-nic"]);
    // Services, their firewalls, and the workspace's managed network rules as resources.
    let sa = &t.storage_accounts[0];
    assert_eq!(sa.network_rules.default_action, DefaultAction::Deny);
    assert_eq!(sa.network_rules.bypass, vec!["AzureServices", "Logging"]);
    assert_eq!(
        sa.network_rules.resource_access_rules[0].resource_type,
        "Microsoft.MachineLearningServices/workspaces"
    );
    assert_eq!(sa.network_rules.resource_access_rules[0].name, "spoke-ws");
    let sep = &t.service_endpoint_policies[0];
    assert_eq!(sep.definitions[0].service_resources, vec!["spokedata"]);
    assert_eq!(sep.definitions[1].service, "Global");
    assert_eq!(
        t.key_vaults[0].network_acls.virtual_network_rules,
        vec!["spoke-vnet/ml"]
    );
    assert_eq!(
        t.application_insights[0].public_network_access_for_ingestion,
        PublicNetworkAccess::Disabled
    );
    assert_eq!(
        t.monitor_private_link_scopes[0].ingestion_access_mode,
        AmplsAccessMode::PrivateOnly
    );
    assert_eq!(
        t.monitor_private_link_scopes[0].scoped_resources,
        vec!["spoke-appi"]
    );
    assert_eq!(
        t.private_endpoints[0].target,
        "ampls/spoke-ampls".parse::<Address>().unwrap()
    );
    let ws = &t.workspaces[0];
    assert_eq!(
        ws.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let kinds: Vec<OutboundRuleType> = ws
        .managed_network
        .outbound_rules
        .iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            OutboundRuleType::Fqdn,
            OutboundRuleType::ServiceTag,
            OutboundRuleType::PrivateEndpoint
        ]
    );
    assert_eq!(t.aks_clusters[0].subnet.as_deref(), Some("spoke-vnet/aks"));
    assert_eq!(t.aks_clusters[0].node_count, Some(3));
    // Private DNS and the resolver.
    let z = &t.private_dns_zones[0];
    assert!(z.fallback_to_internet);
    assert_eq!(z.records[0].record_type, RecordType::Cname);
    let r = &t.dns_resolvers[0];
    assert_eq!(
        r.inbound_endpoints[0]
            .ip_address
            .map(|i| i.to_string())
            .as_deref(),
        Some("10.0.3.4")
    );
    assert_eq!(r.outbound_endpoints[0].subnet, "hub-vnet/dns-out");
    let rs = &t.dns_forwarding_rulesets[0];
    assert_eq!(rs.outbound_endpoints, vec!["hub-resolver/outbound"]);
    assert_eq!(rs.vnet_links, vec!["spoke-vnet"]);
    assert_eq!(
        rs.rules[0].target_dns_servers[0].to_string(),
        "192.168.1.10"
    );
}

#[test]
fn endpoints_and_rules_to_a_registrys_own_storage_and_acr_address_the_registry() {
    // The registry names the storage account and container registry Azure creates for it in
    // its managed resource group; endpoints and outbound rules reach them through data sources.
    let dir = Scratch::new(
        "registry-managed",
        &[(
            "main.tf",
            r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
  subnet {
    name             = "pe"
    address_prefixes = ["10.0.1.0/24"]
  }
}

resource "azapi_resource" "reg" {
  type      = "Microsoft.MachineLearningServices/registries@2024-04-01"
  name      = "reg"
  parent_id = azurerm_resource_group.rg.id
  location  = "westeurope"
  body = {
    properties = {
      publicNetworkAccess = "Disabled"
      regionDetails = [{
        location              = "westeurope"
        storageAccountDetails = [{ systemCreatedStorageAccount = { storageAccountName = "regsa" } }]
        acrDetails            = [{ systemCreatedAcrAccount = { acrAccountName = "regacr", acrAccountSku = "Premium" } }]
      }]
    }
  }
}

data "azurerm_storage_account" "reg" {
  name                = "regsa"
  resource_group_name = "azureml-rg-reg_0d9c1e6a"
}

data "azurerm_container_registry" "reg" {
  name                = "regacr"
  resource_group_name = "azureml-rg-reg_0d9c1e6a"
}

data "azurerm_storage_account" "other" {
  name                = "othersa"
  resource_group_name = "elsewhere"
}

resource "azurerm_private_endpoint" "sa" {
  name                = "reg-sa-pe"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_virtual_network.v.subnet[0].id
  private_service_connection {
    name                           = "sa"
    private_connection_resource_id = data.azurerm_storage_account.reg.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "acr" {
  name                = "reg-acr-pe"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_virtual_network.v.subnet[0].id
  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = data.azurerm_container_registry.reg.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "other" {
  name                = "other-pe"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_virtual_network.v.subnet[0].id
  private_service_connection {
    name                           = "other"
    private_connection_resource_id = data.azurerm_storage_account.other.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}

resource "azurerm_storage_account" "ws" {
  name                     = "wssa"
  location                 = "westeurope"
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_key_vault" "ws" {
  name                = "wskv"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "ws" {
  name                = "wsappi"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "ws"
  location                = "westeurope"
  resource_group_name     = azurerm_resource_group.rg.name
  storage_account_id      = azurerm_storage_account.ws.id
  key_vault_id            = azurerm_key_vault.ws.id
  application_insights_id = azurerm_application_insights.ws.id
  identity {
    type = "SystemAssigned"
  }
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "reg_sa" {
  name                = "reg-sa"
  workspace_id        = azurerm_machine_learning_workspace.ws.id
  service_resource_id = data.azurerm_storage_account.reg.id
  sub_resource_target = "blob"
}
"#,
        )],
    );
    let l = ok(load(&dir.0, &TfOptions::default()));
    let t = &l.topology;
    assert_eq!(
        pe(t, "reg-sa-pe").target.to_string(),
        "registry/reg:storage"
    );
    assert_eq!(pe(t, "reg-acr-pe").target.to_string(), "registry/reg:acr");
    // A storage account of no registry stays a storage account outside the configuration.
    assert_eq!(pe(t, "other-pe").target.to_string(), "storage/othersa");
    assert!(
        l.warnings
            .iter()
            .any(|w| w.code == "external-reference" && w.message.contains("othersa"))
    );
    assert!(
        !l.warnings
            .iter()
            .any(|w| w.message.contains("regsa") || w.message.contains("regacr")),
        "{:?}",
        l.warnings
    );
    let rule = &t.workspaces[0].managed_network.outbound_rules[0];
    match &rule.destination {
        moat_model::ml::OutboundDestination::PrivateEndpoint(d) => {
            assert_eq!(d.service_resource, "registry/reg:storage")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn workspace_serverless_compute_block() {
    // azurerm_machine_learning_workspace, `serverless_compute`: `subnet_id`, the subnet the
    // serverless nodes are deployed to; `public_ip_enabled`, defaults to false.
    let config = |extra: &str| {
        format!(
            r#"
resource "azurerm_virtual_network" "vnet" {{
  name                = "vnet"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}}
resource "azurerm_subnet" "training" {{
  name                 = "training"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}}
resource "azurerm_machine_learning_workspace" "ws" {{
  name                    = "ws"
  location                = "eastus"
  resource_group_name     = "rg"
  application_insights_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/ai"
  key_vault_id            = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
  identity {{
    type = "SystemAssigned"
  }}
  {extra}
}}
"#
        )
    };
    let load = |extra: &str| {
        ok(moat_terraform::load_str(
            "main.tf",
            &config(extra),
            &TfOptions::default(),
        ))
        .topology
    };
    let t = load("serverless_compute {\n    subnet_id = azurerm_subnet.training.id\n  }");
    let sc = t.workspaces[0]
        .serverless_compute
        .as_ref()
        .expect("serverless_compute");
    assert_eq!(sc.subnet.as_deref(), Some("vnet/training"));
    assert!(sc.no_public_ip, "public_ip_enabled defaults to false");
    // The storage account the workspace names by id is in that id's subscription.
    assert_eq!(
        moat_model::placement::subscription(&t, "storage/st"),
        moat_model::placement::Subscription::Id("s".into())
    );
    let t = load(
        "serverless_compute {\n    subnet_id = azurerm_subnet.training.id\n    public_ip_enabled = true\n  }",
    );
    assert!(
        !t.workspaces[0]
            .serverless_compute
            .as_ref()
            .unwrap()
            .no_public_ip
    );
    // Without the block, serverless compute runs in Azure's network.
    assert!(load("").workspaces[0].serverless_compute.is_none());
}
