//! Azure ML projects written with the azapi provider as teams write them
//! (`tests/data/azapi-v1-outbound`, `azapi-v2-endpoints`): azapi 1.x JSON string bodies and
//! 2.x object bodies, managed network outbound rules as resources of their own, updates that
//! patch what azurerm created, private endpoints and their DNS zone groups as azapi resources,
//! `random_*` suffixes, data sources for the platform's hub network and DNS zones, a network
//! module with dynamic NSG rules and a `moved` block. Names the files leave to apply stay
//! unknown; the structure they write stays definite.

use moat_doc::{LoadError, Loaded};
use moat_engine::intent::Intent;
use moat_engine::ops::Status;
use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_model::enums::*;
use moat_model::ml::OutboundDestination;
use moat_packets::Protocol;
use moat_terraform::{TfOptions, load};
use std::path::Path;

fn project(name: &str, vars: &[(&str, &str)]) -> Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let opts = TfOptions {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TfOptions::default()
    };
    match load(&dir, &opts) {
        Ok(l) => l,
        Err(LoadError { diagnostics, .. }) => panic!(
            "load failed:\n{}",
            diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn verdict(t: &Topology, from: &str, to: &str, port: u16) -> Verdict {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port,
    };
    moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q)
        .expect("trace")
        .verdict
}

fn op_status(t: &Topology, op: &str) -> Status {
    let e = Engine::for_topology(t, None).expect("engine");
    let variants = moat_model::presence::variants(t);
    moat_engine::presence::evaluate(&e, &variants, &Intent::of(t), &Default::default())
        .into_iter()
        .find(|r| r.op.to_string() == op && r.subject.to_string().starts_with("workspace/"))
        .unwrap_or_else(|| panic!("no {op}"))
        .status
}

/// The azapi 1.x workspace: its name holds a `random_string` result, so it stays unknown and
/// the workspace is named by its address, while the outbound rules written as
/// `workspaces/outboundRules` children (one per feed by `for_each`, a service tag rule, a
/// private endpoint rule) all belong to it. The data lake rule targets a storage account of
/// another resource group read by a data source. Facts §5.4: private endpoint targets "may be
/// in another subscription but must be in the same tenant"; the rule is kept with the id that
/// names it, not refused as a dangling reference.
#[test]
fn v1_outbound_rules_as_children_and_an_external_target() {
    let l = project("azapi-v1-outbound", &[]);
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1);
    let ws = &t.workspaces[0];
    assert_eq!(ws.name, "azapi_resource.workspace");
    assert!(
        t.is_unknown("workspace/azapi_resource.workspace", "name")
            .is_some()
    );
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(
        ws.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let mut fqdns = Vec::new();
    let mut tags = Vec::new();
    let mut endpoints = Vec::new();
    for r in &ws.managed_network.outbound_rules {
        match &r.destination {
            OutboundDestination::Fqdn(f) => fqdns.push((r.name.as_str(), f.as_str())),
            OutboundDestination::ServiceTag(s) => tags.push(s.service_tag.as_str()),
            OutboundDestination::PrivateEndpoint(p) => endpoints.push((
                r.name.as_str(),
                p.service_resource.as_str(),
                p.subresource_target.as_str(),
            )),
        }
    }
    fqdns.sort();
    assert_eq!(
        fqdns,
        [
            ("allow-anaconda-com", "*.anaconda.com"),
            ("allow-files-pythonhosted-org", "files.pythonhosted.org"),
            ("allow-pypi-org", "pypi.org"),
        ]
    );
    assert_eq!(tags, ["AzureFrontDoor.FirstParty"]);
    assert_eq!(endpoints.len(), 1, "{endpoints:?}");
    let (name, target, sub) = endpoints[0];
    assert_eq!((name, sub), ("lake-dfs", "dfs"));
    assert!(
        target.ends_with("/resourceGroups/rg-dataplatform/providers/Microsoft.Storage/storageAccounts/stdatalakeprodsdc"),
        "{target}"
    );
    assert!(
        l.warnings
            .iter()
            .any(|w| w.message.contains("storage/stdatalakeprodsdc")),
        "{:#?}",
        l.warnings
    );
    // The rules decide what the managed network reaches (facts §5.1: in allow only approved
    // outbound, egress only to the rules configured).
    assert_eq!(
        verdict(t, "compute/cpu-cluster", "fqdn:files.pythonhosted.org", 443),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(t, "compute/cpu-cluster", "fqdn:github.com", 443),
        Verdict::Denied
    );
    // The endpoints sit in the hub's subnet, read by a data source: external, kept.
    assert_eq!(t.private_endpoints.len(), 4);
    assert!(
        t.private_endpoints
            .iter()
            .all(|p| p.subnet == "vnet-hub-sdc/snet-private-endpoints"),
        "{:#?}",
        t.private_endpoints
    );
}

/// `azapi_update_resource` merges its body into the resource it reads (the provider's merge:
/// "if overlaps, use new value"), whatever the value is. The key vault azurerm declared with
/// public access disabled is opened by the update (`publicNetworkAccess = "Enabled"`, which is
/// also what an empty body would give) to the build agent's address, a variable without
/// value: whether the internet reaches the vault depends on that address, so it is unknown,
/// not denied as the declaration alone would say.
#[test]
fn v1_update_opens_the_vault_the_declaration_closed() {
    let l = project("azapi-v1-outbound", &[]);
    let t = &l.topology;
    let kv = &t.key_vaults[0];
    assert_eq!(kv.public_network_access, PublicNetworkAccess::Enabled);
    assert_eq!(kv.network_acls.default_action, DefaultAction::Deny);
    assert!(
        t.is_unknown("keyvault/azurerm_key_vault.ml", "network_acls.ip_rules")
            .is_some_and(|u| u.reason.contains("build_agent_ip"))
    );
    assert_eq!(
        verdict(t, "internet", "keyvault/azurerm_key_vault.ml", 443),
        Verdict::Unknown
    );
    // Given, the address is the vault's one IP rule.
    let given = project("azapi-v1-outbound", &[("build_agent_ip", "198.51.100.20")]);
    let kv = &given.topology.key_vaults[0];
    assert_eq!(
        kv.network_acls
            .ip_rules
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["198.51.100.20"]
    );
    // The storage account's update closes it; what the body leaves out (its TLS version)
    // stays as azurerm declared it.
    let st = &t.storage_accounts[0];
    assert_eq!(st.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(st.network_rules.default_action, DefaultAction::Deny);
    assert_eq!(st.minimum_tls_version.as_deref(), Some("TLS1_2"));
}

/// The azapi 2.x project: private endpoints written as `Microsoft.Network/privateEndpoints`
/// resources by `for_each`, their zones as `privateEndpoints/privateDnsZoneGroups` children,
/// in subnets a module outputs. Facts §6 item 104: "Hub-and-spoke: one zone, linked to all
/// VNets with clients"; here the zones are linked to the one VNet, so the jump box resolves
/// each target to its endpoint and reaches it privately, though every name holds a
/// `random_id` suffix.
#[test]
fn v2_endpoints_and_zone_groups_as_azapi_resources() {
    let l = project("azapi-v2-endpoints", &[]);
    let t = &l.topology;
    let vnet = "module.network.azurerm_virtual_network.this";
    assert_eq!(t.private_endpoints.len(), 5);
    for pe in &t.private_endpoints {
        assert_eq!(pe.subnet, format!("{vnet}/snet-pe"), "{}", pe.name);
        assert!(
            !pe.dns_zone_group.is_empty(),
            "{} has its zone group",
            pe.name
        );
    }
    for to in [
        "workspace/azapi_resource.workspace",
        "storage/azurerm_storage_account.this:blob",
        "storage/azurerm_storage_account.this:file",
        "keyvault/azurerm_key_vault.this",
        "acr/azurerm_container_registry.this",
    ] {
        assert_eq!(verdict(t, "vm/vm-jump", to, 443), Verdict::Allowed, "{to}");
    }
    // The cluster is in the module's training subnet, by the id the module outputs.
    assert_eq!(t.computes.len(), 1);
    assert_eq!(
        t.computes[0].subnet.as_deref(),
        Some(format!("{vnet}/snet-training").as_str())
    );
}

/// The update closes the registry azurerm created public (`public_network_access_enabled`
/// defaults to true); the NSG rules come from a dynamic block over a module variable, and the
/// `moved` block changes nothing of what is deployed. The training subnet's NSG denies
/// outbound to the internet at priority 4000 with nothing above it for the build's sources:
/// facts §6 item 46, the image build compute "if no public IP, give it an internet path ...
/// for MCR, PyPI, Conda"; so image builds fail, decided.
#[test]
fn v2_registry_closed_by_update_and_dynamic_nsg_rules() {
    let l = project("azapi-v2-endpoints", &[]);
    let t = &l.topology;
    let acr = &t.container_registries[0];
    assert_eq!(acr.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(t.network_security_groups.len(), 1);
    let nsg = &t.network_security_groups[0];
    assert_eq!(
        nsg.name,
        "module.network.azurerm_network_security_group.training"
    );
    let mut rules: Vec<(&str, Option<u32>)> = nsg
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.priority.known().copied()))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("AllowAzureMLInbound", Some(100)),
            ("DenyInternetOutbound", Some(4000))
        ]
    );
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
    assert_eq!(op_status(t, "image.build"), Status::Fails);
}

/// The same rule written with azurerm's own resource: the target read by a data source of
/// another resource group is kept, with a warning, not refused as a dangling reference.
#[test]
fn azurerm_rule_to_a_storage_account_read_by_a_data_source_is_kept() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-ml"
  location = "westeurope"
}

data "azurerm_storage_account" "lake" {
  name                = "stlakeshared"
  resource_group_name = "rg-data"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "mlw-lake"
  location                = "westeurope"
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Insights/components/appi"
  key_vault_id            = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kvmllake"
  storage_account_id      = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stmllake"
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "lake" {
  name                = "lake"
  workspace_id        = azurerm_machine_learning_workspace.ws.id
  service_resource_id = data.azurerm_storage_account.lake.id
  sub_resource_target = "dfs"
}
"#;
    let l = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let rules = &l.topology.workspaces[0].managed_network.outbound_rules;
    assert_eq!(rules.len(), 1);
    let OutboundDestination::PrivateEndpoint(d) = &rules[0].destination else {
        panic!("{rules:#?}")
    };
    assert!(
        d.service_resource.ends_with(
            "/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stlakeshared"
        ),
        "{}",
        d.service_resource
    );
    assert!(
        l.warnings
            .iter()
            .any(|w| w.code == "external-reference" && w.message.contains("storage/stlakeshared")),
        "{:#?}",
        l.warnings
    );
}
