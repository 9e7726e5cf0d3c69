//! Configurations written the way the public Azure ML quickstarts and the Azure Verified
//! Modules write them (`tests/data/moderate-quickstart`, `hub-spoke-firewall`,
//! `verified-module`): variables without values, `random_*` suffixes, `for_each` over locals,
//! zone groups built by `for` expressions, a firewall's address used before apply, an azapi
//! workspace chosen by `count` inside a module, data sources for the landing zone. What the
//! files fix is read; what they leave open stays open.

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

fn with_vars(dir: &Path, vars: &[(&str, &str)]) -> Loaded {
    let opts = TfOptions {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TfOptions::default()
    };
    ok(load(dir, &opts))
}

/// The status of `op` for the first workspace, as `moat ops` gives it (every variant of what
/// the input leaves open considered).
fn op_status(t: &Topology, op: &str) -> Status {
    let e = Engine::for_topology(t, None).expect("engine");
    let variants = moat_model::presence::variants(t);
    moat_engine::presence::evaluate(&e, &variants, &Intent::of(t), &Default::default())
        .into_iter()
        .find(|r| r.op.to_string() == op && r.subject.to_string().starts_with("workspace/"))
        .unwrap_or_else(|| panic!("no {op}"))
        .status
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

/// The moderately secure quickstart's shape. A workspace name built from a variable without
/// value stays unknown, while the links to its storage, key vault and registry, its endpoints
/// and its computes' subnet, which the references fix, stay definite.
#[test]
fn quickstart_names_open_structure_definite() {
    let l = ok(load(&data("moderate-quickstart"), &TfOptions::default()));
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1);
    let ws = &t.workspaces[0];
    assert!(
        t.is_unknown(&format!("workspace/{}", ws.name), "name")
            .is_some()
    );
    // Azure's display name of the region is its canonical name in lower case.
    assert_eq!(ws.region.as_deref(), Some("westeurope"));
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Disabled);
    assert!(ws.storage_account.is_some() && ws.key_vault.is_some());
    assert!(ws.container_registry.is_some());
    assert_eq!(ws.image_build_compute.as_deref(), Some("cpu-imgbuild"));
    // One endpoint per entry of the local map, each with the zones its `for` expression picks.
    assert_eq!(t.private_endpoints.len(), 5);
    let wpe = t
        .private_endpoints
        .iter()
        .find(|p| p.target.to_string().starts_with("workspace/"))
        .expect("the workspace endpoint");
    let mut zones = wpe.dns_zone_group.clone();
    zones.sort();
    assert_eq!(
        zones,
        [
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net"
        ]
    );
    // The compute instance's name comes from random_string: unknown; its subnet is not.
    let ci = t
        .computes
        .iter()
        .find(|c| c.compute_type == ComputeType::ComputeInstance)
        .unwrap();
    assert!(
        t.is_unknown(&format!("compute/{}", ci.name), "name")
            .is_some()
    );
    assert!(ci.subnet.as_deref().unwrap().ends_with("/snet-compute"));
    // azurerm creates compute nodes with a public IP unless told otherwise.
    assert!(ci.enable_node_public_ip);
    // Routes written with service tags as prefixes, one per for_each entry.
    let rt = &t.route_tables[0];
    let mut prefixes: Vec<String> = rt
        .routes
        .iter()
        .map(|r| r.address_prefix.to_string())
        .collect();
    prefixes.sort();
    assert_eq!(
        prefixes,
        ["0.0.0.0/0", "AzureMachineLearning", "BatchNodeManagement"]
    );
}

/// Hub and spoke with the zones linked to the hub alone. Azure Firewall's DNS proxy forwards
/// to Azure DNS from the hub ("If you have your own DNS server hosted in Azure or on-premises,
/// you need to create a conditional forwarder in your DNS server. The conditional forwarder
/// sends DNS requests to the Azure DNS", seed 004): the spoke's DNS server is the firewall,
/// whose address Terraform knows only after apply and Azure gives as the fourth address of
/// `AzureFirewallSubnet`.
#[test]
fn spoke_dns_goes_to_the_firewall_address_the_subnet_fixes() {
    let l = ok(load(&data("hub-spoke-firewall"), &TfOptions::default()));
    let t = &l.topology;
    let spoke = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "vnet-spoke-fraud")
        .unwrap();
    let servers: Vec<String> = spoke.dns_servers.iter().map(|s| s.to_string()).collect();
    assert_eq!(servers, ["10.100.0.4"]);
    let fw = &t.firewalls[0];
    assert!(fw.dns_proxy, "the policy's dns block turns the proxy on");
    // The route to the firewall takes the same derived address.
    let rt = &t.route_tables[0];
    assert_eq!(
        rt.routes[0].next_hop_ip_address.map(|a| a.to_string()),
        Some("10.100.0.4".to_string())
    );
    // Subnets from cidrsubnet() over a variable's default.
    let sub = |n: &str| {
        spoke
            .subnets
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .address_prefixes[0]
            .0
            .to_string()
    };
    assert_eq!(sub("snet-training"), "10.110.0.0/24");
    assert_eq!(sub("snet-endpoints"), "10.110.1.0/24");
    // azurerm 3.x enables private endpoint network policies unless told otherwise; facts §1
    // "Disable private endpoint network policies on the subnet before adding the WS PE".
    let pe_subnet = spoke
        .subnets
        .iter()
        .find(|s| s.name == "snet-endpoints")
        .unwrap();
    assert_eq!(
        pe_subnet.private_endpoint_network_policies,
        PrivateEndpointNetworkPolicies::Enabled
    );
    // Jobs reach the workspace through the proxy; without it the spoke asks Azure DNS from a
    // VNet no zone is linked to, gets the public address, and the workspace refuses.
    assert_eq!(op_status(t, "job.run"), Status::Works);
    let off = with_vars(
        &data("hub-spoke-firewall"),
        &[("spoke_dns_through_firewall", "false")],
    );
    assert_eq!(op_status(&off.topology, "job.run"), Status::Fails);
}

/// The firewall policy's `dns { servers }`: its proxy forwards to them, not to Azure DNS.
/// Seed 004: "If you have your own DNS server hosted in Azure or on-premises, you need to
/// create a conditional forwarder in your DNS server. The conditional forwarder sends DNS
/// requests to the Azure DNS for all private link enabled PaaS services." Nothing says
/// whether the server named here does, so jobs that resolve through it are undecided, never
/// decided on Azure DNS's answer; left open, the servers leave the answer open too.
#[test]
fn the_policys_dns_servers_are_where_the_proxy_forwards() {
    let dir = data("hub-spoke-firewall");
    let named = with_vars(&dir, &[("upstream_dns", "[\"10.100.2.10\"]")]);
    let policy = &named.topology.firewall_policies[0];
    let servers: Vec<String> = policy.dns_servers.iter().map(|s| s.to_string()).collect();
    assert_eq!(servers, ["10.100.2.10"]);
    assert_eq!(op_status(&named.topology, "job.run"), Status::Unknown);
    let s = Scratch::new(
        "policy-dns-open",
        &std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let text = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("  default     = []\n", "");
                (p.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect::<Vec<_>>()
            .iter()
            .map(|(n, t)| (n.as_str(), t.clone()))
            .collect::<Vec<_>>(),
    );
    let open = ok(load(&s.0, &TfOptions::default()));
    assert!(
        open.topology
            .is_unknown("firewall-policy/afwp-fraud", "dns_servers")
            .is_some()
    );
    assert_eq!(op_status(&open.topology, "job.run"), Status::Unknown);
}

/// The Verified Module shape: the workspace is `azapi_resource.this[0]` of a module, picked by
/// `count` on its kind; its managed network rules are merged from an object variable's
/// optional attributes; the endpoints go to a landing zone VNet read by data sources without
/// values, which stays external with unknown properties.
#[test]
fn verified_module_workspace_rules_and_landing_zone() {
    let l = ok(load(&data("verified-module"), &TfOptions::default()));
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1, "count picks one of the two kinds");
    let ws = &t.workspaces[0];
    assert_eq!(ws.name, "module.aml.azapi_resource.this[0]");
    assert_eq!(ws.public_network_access, PublicNetworkAccess::Enabled);
    assert_eq!(
        ws.network_acls.as_ref().map(|a| a
            .ip_rules
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()),
        Some(vec!["203.0.113.0/24".to_string()])
    );
    assert_eq!(
        ws.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let mut fqdns = Vec::new();
    let mut tags = Vec::new();
    let mut endpoints = Vec::new();
    for r in &ws.managed_network.outbound_rules {
        match &r.destination {
            OutboundDestination::Fqdn(f) => fqdns.push(f.clone()),
            OutboundDestination::ServiceTag(s) => tags.push(s.service_tag.clone()),
            OutboundDestination::PrivateEndpoint(p) => {
                endpoints.push((r.name.clone(), p.subresource_target.clone()))
            }
        }
    }
    fqdns.sort();
    assert_eq!(
        fqdns,
        ["*.anaconda.com", "files.pythonhosted.org", "pypi.org"]
    );
    assert_eq!(tags, ["AzureFrontDoor.FrontEnd"]);
    assert_eq!(
        endpoints,
        [("feature-store-dfs".to_string(), "dfs".to_string())]
    );
    // The landing zone's subnet: external, its prefixes unknown, the endpoints kept in it.
    let pe = t
        .private_endpoints
        .iter()
        .find(|p| p.target.to_string().starts_with("workspace/"))
        .unwrap();
    let (vnet, _) = pe.subnet.split_once('/').unwrap();
    assert!(
        t.is_unknown(&format!("vnet/{vnet}"), "address_space")
            .is_some()
    );
    assert_eq!(t.computes.len(), 1);
    assert_eq!(t.computes[0].subnet, None, "in the managed network");
}

/// A workspace whose managed network mode is a variable without value. Seed 004: "Using a
/// Managed virtual network ... automatically secures your workspace and managed compute
/// resources in a managed virtual network. ... Outbound traffic required by the Azure Machine
/// Learning service is automatically enabled for the managed virtual network." A cluster with
/// no subnet reaches the private storage through the managed network, but not without one: the
/// mode decides, so while it is open the job's status is unknown.
#[test]
fn open_isolation_mode_leaves_jobs_undecided() {
    let s = Scratch::new("open-isolation", &[("main.tf", MANAGED.to_string())]);
    let open = with_vars(&s.0, &[]);
    let t = &open.topology;
    assert!(
        t.is_unknown("workspace/wsmodes", "managed_network.isolation_mode")
            .is_some()
    );
    assert_eq!(op_status(t, "job.run"), Status::Unknown);
    let approved = with_vars(&s.0, &[("mode", "AllowOnlyApprovedOutbound")]);
    assert_eq!(op_status(&approved.topology, "job.run"), Status::Works);
    let none = with_vars(&s.0, &[("mode", "Disabled")]);
    assert_eq!(op_status(&none.topology, "job.run"), Status::Fails);
}

/// An FQDN outbound rule whose destination is a variable without value. Facts §1: an FQDN
/// rule allows its destination on ports 80 and 443, in allow only approved outbound mode
/// only. Whether the managed network reaches pypi.org depends on the value, so it is unknown
/// (not denied as if the rule did not exist).
#[test]
fn open_fqdn_rule_leaves_the_host_undecided() {
    let s = Scratch::new(
        "open-fqdn-rule",
        &[("main.tf", format!("{MANAGED}{FQDN_RULE}"))],
    );
    let vars = [("mode", "AllowOnlyApprovedOutbound")];
    let open = with_vars(&s.0, &vars);
    let t = &open.topology;
    assert!(
        t.is_unknown("workspace/wsmodes", "managed_network.outbound_rules")
            .is_none(),
        "the other rules are known"
    );
    assert!(
        t.unknowns.iter().any(|u| u.resource == "workspace/wsmodes"
            && u.field == "managed_network.outbound_rules.pypi")
    );
    assert_eq!(
        verdict(t, "compute/cc", "fqdn:pypi.org", 443),
        Verdict::Unknown
    );
    let given = with_vars(
        &s.0,
        &[("mode", "AllowOnlyApprovedOutbound"), ("fqdn", "pypi.org")],
    );
    assert_eq!(
        verdict(&given.topology, "compute/cc", "fqdn:pypi.org", 443),
        Verdict::Allowed
    );
    let other = with_vars(
        &s.0,
        &[
            ("mode", "AllowOnlyApprovedOutbound"),
            ("fqdn", "example.org"),
        ],
    );
    assert_eq!(
        verdict(&other.topology, "compute/cc", "fqdn:pypi.org", 443),
        Verdict::Denied
    );
}

/// A compute instance whose local authentication is a variable without value. What a compute
/// needs to work in a custom VNet is network: facts §3.1 and §3.5 list service tags, ports and
/// protocols for its subnet, and nothing about how people sign in to it. So the setting stays
/// open where it is read (its own posture) and jobs and compute creation stay decided.
#[test]
fn open_sign_in_setting_decides_no_flow() {
    let s = quickstart_with("open-sign-in", |name, text| {
        if name == "compute.tf" {
            *text = text.replacen(
                "  virtual_machine_size          = \"Standard_DS3_v2\"\n",
                "  virtual_machine_size          = \"Standard_DS3_v2\"\n  local_auth_enabled            = var.local_auth\n",
                1,
            );
            text.push_str("\nvariable \"local_auth\" {\n  type = bool\n}\n");
        }
    });
    let l = with_vars(&s.0, &[("project", "abc")]);
    let t = &l.topology;
    let ci = t
        .computes
        .iter()
        .find(|c| c.compute_type == ComputeType::ComputeInstance)
        .unwrap();
    assert!(
        t.is_unknown(&format!("compute/{}", ci.name), "disable_local_auth")
            .is_some()
    );
    assert_eq!(op_status(t, "job.run"), Status::Works);
    assert_eq!(op_status(t, "compute.create"), Status::Works);
}

/// A constraint with a lower bound alone (`>= 3.60`) lets `terraform init` pick any later
/// major; the dependency lock file beside the configuration records the one it installed
/// (Terraform: "the dependency lock file ... tracks the provider versions selected"). azurerm
/// 3.x documents `private_endpoint_network_policies_enabled` as "Defaults to true", 4.x sends
/// Disabled; facts §1: "Disable private endpoint network policies on the subnet before adding
/// the WS PE". A subnet that does not write the setting follows the locked major.
#[test]
fn the_lock_file_fixes_the_provider_major() {
    let main = r#"
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.60"
    }
  }
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-lock"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.9.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "snet-pe"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.9.1.0/24"]
}
"#;
    let lock = "provider \"registry.terraform.io/hashicorp/azurerm\" {\n  version     = \"3.116.0\"\n  constraints = \">= 3.60.0\"\n}\n";
    let policies = |files: &[(&str, &str)]| {
        let s = Scratch::new("lock-major", files);
        let l = ok(load(&s.0, &TfOptions::default()));
        l.topology.virtual_networks[0].subnets[0].private_endpoint_network_policies
    };
    assert_eq!(
        policies(&[("main.tf", main), (".terraform.lock.hcl", lock)]),
        PrivateEndpointNetworkPolicies::Enabled
    );
    // Without the lock file the newest provider is what init installs.
    assert_eq!(
        policies(&[("main.tf", main)]),
        PrivateEndpointNetworkPolicies::Disabled
    );
    // The quickstart-shaped fixture keeps its lock file: its subnets that do not write the
    // setting follow 3.x, the endpoints' subnet writes Disabled.
    let l = ok(load(&data("moderate-quickstart"), &TfOptions::default()));
    let v = &l.topology.virtual_networks[0];
    let of = |n: &str| {
        v.subnets
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .private_endpoint_network_policies
    };
    assert_eq!(of("snet-compute"), PrivateEndpointNetworkPolicies::Enabled);
    assert_eq!(
        of("snet-endpoints"),
        PrivateEndpointNetworkPolicies::Disabled
    );
}

/// An AI Foundry hub and project as azurerm 4.x writes them (`azurerm_ai_foundry`,
/// `azurerm_ai_foundry_project`): both are Azure ML workspaces, of kind Hub and Project. Facts
/// §6 item 99: "Hub/project workspaces: projects inherit the hub FQDNs." So the jump box beside
/// the hub's private endpoint reaches the project through it, and the hub's public access and
/// managed network are read as written.
#[test]
fn foundry_hub_and_project_are_workspaces() {
    let s = Scratch::new("foundry", &[("main.tf", FOUNDRY)]);
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    let hub = t.workspaces.iter().find(|w| w.name == "hub-risk").unwrap();
    assert_eq!(hub.kind, Some(WorkspaceKind::Hub));
    assert_eq!(hub.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(
        hub.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    assert_eq!(hub.storage_account.as_deref(), Some("strisk01"));
    assert!(hub.hbi_workspace);
    let project = t.workspaces.iter().find(|w| w.name == "proj-risk").unwrap();
    assert_eq!(project.kind, Some(WorkspaceKind::Project));
    assert_eq!(project.hub.as_deref(), Some("hub-risk"));
    assert_eq!(
        t.private_endpoints[0].target.to_string(),
        "workspace/hub-risk"
    );
    assert_eq!(
        verdict(t, "vm/vm-jump", "workspace/proj-risk", 443),
        Verdict::Allowed
    );
}

const FOUNDRY: &str = r#"
resource "azurerm_virtual_network" "v" {
  name                = "vnet-risk"
  location            = "swedencentral"
  resource_group_name = "rg-risk"
  address_space       = ["10.60.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                              = "snet-pe"
  resource_group_name               = "rg-risk"
  virtual_network_name              = azurerm_virtual_network.v.name
  address_prefixes                  = ["10.60.1.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_storage_account" "st" {
  name                          = "strisk01"
  location                      = "swedencentral"
  resource_group_name           = "rg-risk"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv" {
  name                          = "kvrisk01"
  location                      = "swedencentral"
  resource_group_name           = "rg-risk"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_ai_foundry" "hub" {
  name                         = "hub-risk"
  location                     = "swedencentral"
  resource_group_name          = "rg-risk"
  storage_account_id           = azurerm_storage_account.st.id
  key_vault_id                 = azurerm_key_vault.kv.id
  public_network_access        = "Disabled"
  high_business_impact_enabled = true

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_ai_foundry_project" "p" {
  name               = "proj-risk"
  location           = azurerm_ai_foundry.hub.location
  ai_services_hub_id = azurerm_ai_foundry.hub.id

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_dns_zone" "z" {
  for_each            = toset(["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"])
  name                = each.key
  resource_group_name = "rg-risk"
}

resource "azurerm_private_dns_zone_virtual_network_link" "z" {
  for_each              = azurerm_private_dns_zone.z
  name                  = "link"
  resource_group_name   = "rg-risk"
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.v.id
}

resource "azurerm_private_endpoint" "hub" {
  name                = "pe-hub"
  location            = "swedencentral"
  resource_group_name = "rg-risk"
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "hub"
    private_connection_resource_id = azurerm_ai_foundry.hub.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "zones"
    private_dns_zone_ids = [for z in azurerm_private_dns_zone.z : z.id]
  }
}

resource "azurerm_network_interface" "jump" {
  name                = "nic-jump"
  location            = "swedencentral"
  resource_group_name = "rg-risk"

  ip_configuration {
    name                          = "ip"
    subnet_id                     = azurerm_subnet.pe.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "jump" {
  name                  = "vm-jump"
  location              = "swedencentral"
  resource_group_name   = "rg-risk"
  size                  = "Standard_B2s"
  admin_username        = "ops"
  network_interface_ids = [azurerm_network_interface.jump.id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}
"#;

/// The `.tf` files of `moderate-quickstart`, each passed to `edit`, in a scratch directory.
fn quickstart_with(name: &str, edit: impl Fn(&str, &mut String)) -> Scratch {
    let files: Vec<(String, String)> = std::fs::read_dir(data("moderate-quickstart"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .map(|p| {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let mut text = std::fs::read_to_string(&p).unwrap();
            edit(&file, &mut text);
            (file, text)
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    Scratch::new(name, &files)
}

/// The quickstart with the blob endpoint's record written by hand, as configurations that
/// manage DNS themselves do: an A record whose address is the endpoint's
/// `private_service_connection[0].private_ip_address`, which Terraform knows only after
/// apply. Facts §6 item 102: a VNet using a privatelink zone resolves names of resources with
/// private endpoint connections through the zone's records, "a manual A record" among them.
/// The record holds the endpoint's address whichever Azure assigns, so jobs reach the storage
/// through it.
#[test]
fn a_record_written_from_the_endpoint_holds_its_address() {
    let s = quickstart_with("manual-record", |name, text| {
        if name == "endpoints.tf" {
            *text = text.replacen(
                "  private_dns_zone_group {\n    name                 = \"default\"\n    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]\n  }\n",
                "  dynamic \"private_dns_zone_group\" {\n    for_each = each.key == \"blob\" ? [] : [\"default\"]\n    content {\n      name                 = \"default\"\n      private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]\n    }\n  }\n",
                1,
            );
            text.push_str(MANUAL_RECORD);
        }
    });
    let l = with_vars(&s.0, &[("project", "abc")]);
    let t = &l.topology;
    let blob = t
        .private_endpoints
        .iter()
        .find(|p| p.group_id == "blob")
        .unwrap();
    assert!(blob.dns_zone_group.is_empty());
    let zone = t
        .private_dns_zones
        .iter()
        .find(|z| z.name == "privatelink.blob.core.windows.net")
        .unwrap();
    assert_eq!(
        zone.records[0].values,
        [format!("private-endpoint/{}", blob.name)]
    );
    assert!(t.unknowns.iter().all(|u| !u.field.starts_with("records/")));
    assert_eq!(
        verdict(t, "compute/cpu-imgbuild", "storage/stabctest:blob", 443),
        Verdict::Allowed
    );
    assert_eq!(op_status(t, "job.run"), Status::Works);
}

/// The quickstart with the blob endpoint's record written by hand from `records`.
fn manual_record_with(name: &str, records: &str) -> Loaded {
    let s = quickstart_with(name, |file, text| {
        if file == "endpoints.tf" {
            *text = text.replacen(
                "  private_dns_zone_group {\n    name                 = \"default\"\n    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]\n  }\n",
                "  dynamic \"private_dns_zone_group\" {\n    for_each = each.key == \"blob\" ? [] : [\"default\"]\n    content {\n      name                 = \"default\"\n      private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]\n    }\n  }\n",
                1,
            );
            text.push_str(&MANUAL_RECORD.replace(
                "[azurerm_private_endpoint.pe[\"blob\"].private_service_connection[0].private_ip_address]",
                records,
            ));
            text.push_str("\nvariable \"fqdn_index\" {\n  type = number\n}\n");
        }
    });
    with_vars(&s.0, &[("project", "abc")])
}

/// The endpoint's address as the provider reports it for its names: the azurerm provider's
/// `custom_dns_configs` block of a private endpoint, "`ip_addresses` - A list of all IP
/// Addresses that map to the private endpoint FQDN". Indexed by numbers the configuration
/// writes, the value is still the endpoint's: the record holds its address (Facts §6 item
/// 102, "a manual A record"), and jobs reach the storage through it. An index a variable
/// without value gives may pick any entry, which the evaluator cannot tell: the record stays
/// open, never taken for the endpoint's.
#[test]
fn a_record_from_the_endpoints_dns_configs_holds_its_address() {
    for (case, records) in [
        (
            "dns-configs-list",
            "azurerm_private_endpoint.pe[\"blob\"].custom_dns_configs[0].ip_addresses",
        ),
        (
            "dns-configs-one",
            "[azurerm_private_endpoint.pe[\"blob\"].custom_dns_configs[0].ip_addresses[0]]",
        ),
        (
            "dns-configs-legacy",
            "[azurerm_private_endpoint.pe[\"blob\"].custom_dns_configs.0.ip_addresses.0]",
        ),
    ] {
        let l = manual_record_with(case, records);
        let t = &l.topology;
        let blob = t
            .private_endpoints
            .iter()
            .find(|p| p.group_id == "blob")
            .unwrap();
        let zone = t
            .private_dns_zones
            .iter()
            .find(|z| z.name == "privatelink.blob.core.windows.net")
            .unwrap();
        assert_eq!(
            zone.records[0].values,
            [format!("private-endpoint/{}", blob.name)],
            "{case}"
        );
        assert_eq!(
            verdict(t, "compute/cpu-imgbuild", "storage/stabctest:blob", 443),
            Verdict::Allowed,
            "{case}"
        );
    }
    let open = manual_record_with(
        "dns-configs-open-index",
        "azurerm_private_endpoint.pe[\"blob\"].custom_dns_configs[var.fqdn_index].ip_addresses",
    );
    let t = &open.topology;
    let zone = t
        .private_dns_zones
        .iter()
        .find(|z| z.name == "privatelink.blob.core.windows.net")
        .unwrap();
    assert!(zone.records[0].values.is_empty());
    assert!(t.unknowns.iter().any(|u| u.field.starts_with("records/")));
    assert_eq!(
        verdict(t, "compute/cpu-imgbuild", "storage/stabctest:blob", 443),
        Verdict::Unknown
    );
}

const MANUAL_RECORD: &str = r#"
resource "azurerm_private_dns_a_record" "blob" {
  name                = azurerm_storage_account.this.name
  zone_name           = azurerm_private_dns_zone.zone["blob"].name
  resource_group_name = local.common.resource_group_name
  ttl                 = 300
  records             = [azurerm_private_endpoint.pe["blob"].private_service_connection[0].private_ip_address]
}
"#;

const MANAGED: &str = r#"
variable "mode" {
  type = string
}

resource "azurerm_storage_account" "st" {
  name                          = "stmodes"
  location                      = "eastus"
  resource_group_name           = "rg"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv" {
  name                          = "kvmodes"
  location                      = "eastus"
  resource_group_name           = "rg"
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "ai" {
  name                = "aimodes"
  location            = "eastus"
  resource_group_name = "rg"
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "wsmodes"
  location                      = "eastus"
  resource_group_name           = "rg"
  application_insights_id       = azurerm_application_insights.ai.id
  key_vault_id                  = azurerm_key_vault.kv.id
  storage_account_id            = azurerm_storage_account.st.id
  public_network_access_enabled = true

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = var.mode
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc" {
  name                          = "cc"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT15M"
  }
}
"#;

const FQDN_RULE: &str = r#"
variable "fqdn" {
  type = string
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "pypi" {
  name             = "pypi"
  workspace_id     = azurerm_machine_learning_workspace.ws.id
  destination_fqdn = var.fqdn
}
"#;
