//! Identity by reference: a resource named by a Terraform reference, or by an id some of whose
//! segments are unknown (the subscription read from the client configuration, a random
//! suffix), is the resource the configuration declares whenever the known parts determine it.
//!
//! Behaviour checked (the importer's issue "Importers that neither lose nor invent facts",
//! item 2): "A resource referred to by a Terraform reference ... or an id string some of whose
//! segments are unknown, resolves to the declared resource whenever the known parts (type,
//! name, the references it was built from) determine it. Ids inside azapi bodies, `jsonencode`,
//! string templates ... keep that link. An unknown subscription, resource group or random
//! suffix never breaks structure." And Azure's resource id format ("Resource name rules" /
//! `resourceId`, learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource#resourceid):
//! `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`, so type and
//! name, not the subscription or group, tell two resources of one deployment apart.

use moat_doc::{LoadError, Loaded};
use moat_model::Topology;
use moat_model::address::{Address, Kind};
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
    r.unwrap_or_else(|e| {
        panic!(
            "load failed:\n{}",
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn pe_target(t: &Topology, name: &str) -> Address {
    t.private_endpoints
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no private endpoint {name}; unknowns: {:#?}", t.unknowns))
        .target
        .clone()
}

fn random() -> Loaded {
    ok(load(&data("identity-random"), &TfOptions::default()))
}

#[test]
fn endpoints_reach_an_azapi_workspace_whose_parent_id_holds_an_unknown_subscription() {
    // Issue: "azapi resources whose parent_id is built from
    // data.azapi_client_config.current.subscription_id (or a random_string suffix in a name)
    // lose their ids; every private endpoint targeting them is dropped".
    let l = random();
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1, "{:#?}", t.unmodelled);
    let ws = t.workspaces[0].name.clone();
    // Its Azure name carries the random suffix: the model names it by its address and
    // records the name as unknown.
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == format!("workspace/{ws}") && u.field == "name"),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        pe_target(t, "pe-mlw"),
        Address::resource(Kind::Workspace, &ws)
    );
}

#[test]
fn a_target_id_written_as_a_string_template_names_the_declared_resource() {
    // Issue: a string template with unknown pieces keeps the link to the resource it was
    // built from (here the registry's own name, which carries a random suffix).
    let l = random();
    let t = &l.topology;
    let acr = &t.container_registries[0].name;
    assert_eq!(
        pe_target(t, "pe-acr"),
        Address::resource(Kind::Acr, acr.as_str())
    );
    // The same inside an azapi body: the endpoint is an azapi resource.
    let sa = &t.storage_accounts[0].name;
    assert_eq!(
        pe_target(t, "pe-blob"),
        Address::resource(Kind::Storage, sa.as_str())
    );
    let blob = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "pe-blob")
        .unwrap();
    assert_eq!(blob.subnet, "vnet-ml/snet-pe");
}

#[test]
fn ids_inside_azapi_bodies_and_jsonencode_keep_the_subnet() {
    // Issue: "Ids written inside azapi bodies ("${azurerm_subnet.training.id}", jsonencode(...))
    // are not matched to the azurerm resources declared beside them".
    let l = random();
    let t = &l.topology;
    for c in ["cpu-cluster", "ci-dev"] {
        let c = t
            .computes
            .iter()
            .find(|x| x.name == c)
            .unwrap_or_else(|| panic!("no compute {c}: {:#?}", t.unmodelled));
        assert_eq!(
            c.subnet.as_deref(),
            Some("vnet-ml/snet-training"),
            "{}",
            c.name
        );
    }
    assert!(
        !l.warnings
            .iter()
            .any(|w| w.message.contains("this configuration")),
        "{:#?}",
        l.warnings
    );
}
const PROVIDERS: &str = r#"
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}
data "azurerm_client_config" "current" {}
resource "random_pet" "p" {}
resource "random_id" "i" {
  byte_length = 4
}
"#;

fn peering<'a>(t: &'a Topology, vnet: &str, name: &str) -> &'a moat_model::network::Peering {
    t.virtual_networks
        .iter()
        .find(|v| v.name == vnet)
        .unwrap_or_else(|| panic!("no vnet {vnet}"))
        .peerings
        .iter()
        .find(|p| p.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no peering {name} in {vnet}: {:#?}", t.unknowns))
}

#[test]
fn peerings_between_groups_named_with_a_random_suffix_know_their_remote() {
    // Issue: "Resource groups named with a random suffix make every VNet peering unknown";
    // a peering's remote is the VNet its id was built from, whatever the group's name.
    let main = r#"
resource "azurerm_resource_group" "hub" {
  name     = "rg-hub-${random_pet.p.id}"
  location = "westeurope"
}
resource "azurerm_resource_group" "spoke" {
  name     = "rg-spoke-${random_pet.p.id}"
  location = "westeurope"
}
resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  resource_group_name = azurerm_resource_group.hub.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke-${random_id.i.hex}"
  resource_group_name = azurerm_resource_group.spoke.name
  location            = "westeurope"
  address_space       = ["10.1.0.0/16"]
}
resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                      = "hub-to-spoke"
  resource_group_name       = azurerm_resource_group.hub.name
  virtual_network_name      = azurerm_virtual_network.hub.name
  remote_virtual_network_id = azurerm_virtual_network.spoke.id
}
resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                      = "spoke-to-hub"
  resource_group_name       = azurerm_resource_group.spoke.name
  virtual_network_name      = azurerm_virtual_network.spoke.name
  remote_virtual_network_id = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${azurerm_resource_group.hub.name}/providers/Microsoft.Network/virtualNetworks/vnet-hub"
}
"#;
    let s = Scratch::new("peer", &[("providers.tf", PROVIDERS), ("main.tf", main)]);
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    // The spoke's name is unknown: the model names it by its address, and references to its
    // name or id name that VNet.
    let spoke = "azurerm_virtual_network.spoke";
    assert_eq!(peering(t, "vnet-hub", "hub-to-spoke").remote_vnet, spoke);
    assert_eq!(peering(t, spoke, "spoke-to-hub").remote_vnet, "vnet-hub");
    assert!(
        !t.unknowns
            .iter()
            .any(|u| u.field == "peerings" || u.field == "vnet"),
        "{:#?}",
        t.unknowns
    );
}

#[test]
fn an_id_two_declared_resources_could_match_stays_unknown() {
    // "resolves ... whenever the known parts determine it": two zones of one name in two
    // groups (isolated networks each with their copy), and a zone id whose group is unknown,
    // name neither; the group given by reference names one.
    let main = r#"
variable "zone_group" {
  type = string
}
resource "azurerm_resource_group" "a" {
  name     = "rg-a-${random_pet.p.id}"
  location = "westeurope"
}
resource "azurerm_resource_group" "b" {
  name     = "rg-b-${random_pet.p.id}"
  location = "westeurope"
}
resource "azurerm_private_dns_zone" "a" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = azurerm_resource_group.a.name
}
resource "azurerm_private_dns_zone" "b" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = azurerm_resource_group.b.name
}
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  resource_group_name = azurerm_resource_group.a.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.a.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_storage_account" "sa" {
  name                     = "stident"
  resource_group_name      = azurerm_resource_group.a.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_private_endpoint" "open" {
  name                = "pe-open"
  resource_group_name = azurerm_resource_group.a.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.sa.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = ["/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${var.zone_group}/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"]
  }
}
resource "azurerm_private_endpoint" "by_ref" {
  name                = "pe-by-ref"
  resource_group_name = azurerm_resource_group.a.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.sa.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = ["/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${azurerm_resource_group.b.name}/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"]
  }
}
"#;
    let s = Scratch::new(
        "ambiguous",
        &[("providers.tf", PROVIDERS), ("main.tf", main)],
    );
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    let pe = |n: &str| t.private_endpoints.iter().find(|p| p.name == n).unwrap();
    assert!(
        pe("pe-open").dns_zone_group.is_empty(),
        "{:#?}",
        pe("pe-open")
    );
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "private-endpoint/pe-open" && u.field == "dns_zone_group"),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        pe("pe-by-ref").dns_zone_group,
        vec!["azurerm_resource_group.b/privatelink.blob.core.windows.net".to_string()]
    );
}

const APPLIED: &str = r#"
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}
variable "resource_group_name" {
  type = string
}
data "azurerm_client_config" "current" {}
data "azurerm_resource_group" "rg" {
  name = var.resource_group_name
}
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = data.azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_storage_account" "sa" {
  name                     = "stapplied"
  resource_group_name      = data.azurerm_resource_group.rg.name
  location                 = data.azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_key_vault" "kv" {
  name                = "kv-applied"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}
# The target written as the literal id of the account in the subscription it is applied to.
resource "azurerm_private_endpoint" "literal" {
  name                = "pe-literal"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-applied/providers/Microsoft.Storage/storageAccounts/stapplied"
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}
# The target built from the client configuration's subscription.
resource "azurerm_private_endpoint" "built" {
  name                = "pe-built"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${data.azurerm_resource_group.rg.name}/providers/Microsoft.KeyVault/vaults/kv-applied"
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
"#;

#[test]
fn subscription_group_and_location_options_apply_to_terraform() {
    // Issue, item 3: "--subscription, --resource-group and --location apply to Terraform as to
    // ARM": they are what `data.azurerm_client_config` and `data.azurerm_resource_group` read,
    // as `az deployment group create --subscription S --resource-group RG` does for ARM.
    let s = Scratch::new("applied", &[("main.tf", APPLIED)]);
    let open = ok(load(&s.0, &TfOptions::default()));
    let t = &open.topology;
    // Left open, the tenant is an unknown, not an error; the region is unknown; the literal id
    // names the account the configuration declares (identity by reference: the known parts, type and
    // name, determine it; the resource group that could tell them apart is unknown), and a
    // warning says it was read so.
    assert_eq!(
        pe_target(t, "pe-literal"),
        Address::resource(Kind::Storage, "stapplied")
    );
    assert!(
        !t.unknowns
            .iter()
            .any(|u| u.resource == "private-endpoint/pe-literal" && u.field == "target"),
        "{:#?}",
        t.unknowns
    );
    assert!(
        open.warnings.iter().any(|w| w.code == "target-by-name"),
        "{:#?}",
        open.warnings
    );
    assert_eq!(t.virtual_networks[0].region, None);
    // The built id names the vault whatever the subscription and group are.
    assert_eq!(
        pe_target(t, "pe-built"),
        Address::resource(Kind::Keyvault, "kv-applied")
    );

    let opts = TfOptions {
        target: moat_arm::Target {
            subscription: Some("0b1f6471-1bf0-4dda-aec3-111122223333".into()),
            resource_group: Some("rg-applied".into()),
            location: Some("swedencentral".into()),
        },
        ..Default::default()
    };
    let given = ok(load(&s.0, &opts));
    let t = &given.topology;
    assert_eq!(
        pe_target(t, "pe-literal"),
        Address::resource(Kind::Storage, "stapplied")
    );
    assert_eq!(
        pe_target(t, "pe-built"),
        Address::resource(Kind::Keyvault, "kv-applied")
    );
    assert!(
        !t.unknowns
            .iter()
            .any(|u| u.resource.starts_with("private-endpoint/")),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        t.virtual_networks[0].region.as_deref(),
        Some("swedencentral")
    );
}

const SUFFIXED: &str = r#"
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
    azapi = {
      source = "Azure/azapi"
    }
  }
}
data "azurerm_client_config" "current" {}
resource "random_string" "s" {
  length  = 4
  special = false
}
resource "azurerm_resource_group" "rg" {
  name     = "rg-${random_string.s.result}"
  location = "westeurope"
}
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_key_vault" "kv" {
  name                = "kv-ml-${random_string.s.result}"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}
resource "azurerm_storage_account" "a" {
  name                     = "stdata${random_string.s.result}"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_account" "b" {
  name                     = "stdata${random_string.s.result}b"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
locals {
  rg_id = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${azurerm_resource_group.rg.name}"
}
# The vault's name rebuilt from its pieces, in a body written with jsonencode().
resource "azapi_resource" "pe_kv" {
  type      = "Microsoft.Network/privateEndpoints@2023-11-01"
  name      = "pe-kv"
  parent_id = local.rg_id
  location  = "westeurope"
  body = jsonencode({
    properties = {
      subnet = { id = azurerm_subnet.pe.id }
      privateLinkServiceConnections = [{
        name = "vault"
        properties = {
          privateLinkServiceId = "${local.rg_id}/providers/Microsoft.KeyVault/vaults/kv-ml-${random_string.s.result}"
          groupIds             = ["vault"]
        }
      }]
    }
  })
}
# Either account may bear this name: the target stays unknown.
resource "azurerm_private_endpoint" "st" {
  name                = "pe-st"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = "${local.rg_id}/providers/Microsoft.Storage/storageAccounts/stdata${random_string.s.result}"
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}
"#;

#[test]
fn a_name_rebuilt_with_its_random_suffix_names_the_resource_when_only_one_may_bear_it() {
    // Issue: "a random_string suffix in a name" must not lose the link, and a body written
    // with jsonencode() keeps the ids it holds even when some of its values are unknown.
    let s = Scratch::new("suffixed", &[("main.tf", SUFFIXED)]);
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    assert_eq!(
        pe_target(t, "pe-kv"),
        Address::resource(Kind::Keyvault, "azurerm_key_vault.kv")
    );
    assert_eq!(
        t.private_endpoints
            .iter()
            .find(|p| p.name == "pe-kv")
            .unwrap()
            .subnet,
        "vnet/pe"
    );
    // `stdata<s>` may be account a, and account b's `stdata<s>b` may be it too (the suffix is
    // unknown): never a guess.
    assert!(!t.private_endpoints.iter().any(|p| p.name == "pe-st"
        && matches!(&p.target, Address::Resource { name, .. } if name.starts_with("azurerm_storage_account"))));
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "private-endpoint/pe-st" && u.field == "target"),
        "{:#?}",
        t.unknowns
    );
}

#[test]
fn module_outputs_keep_identity_by_reference() {
    // Issue, item 2: "Ids inside azapi bodies, jsonencode, string templates and module outputs
    // keep that link": a VNet with a random-suffixed name in a module, peered from the root by
    // its output name and id.
    let net = r#"
resource "random_id" "i" {
  byte_length = 2
}
variable "rg" {
  type = string
}
resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke-${random_id.i.hex}"
  resource_group_name = var.rg
  location            = "westeurope"
  address_space       = ["10.1.0.0/16"]
}
output "name" {
  value = azurerm_virtual_network.spoke.name
}
output "id" {
  value = azurerm_virtual_network.spoke.id
}
"#;
    let main = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-${random_pet.p.id}"
  location = "westeurope"
}
module "net" {
  source = "./net"
  rg     = azurerm_resource_group.rg.name
}
resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                      = "hub-to-spoke"
  resource_group_name       = azurerm_resource_group.rg.name
  virtual_network_name      = azurerm_virtual_network.hub.name
  remote_virtual_network_id = module.net.id
}
resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                      = "spoke-to-hub"
  resource_group_name       = azurerm_resource_group.rg.name
  virtual_network_name      = module.net.name
  remote_virtual_network_id = azurerm_virtual_network.hub.id
}
"#;
    let s = Scratch::new(
        "module",
        &[
            ("providers.tf", PROVIDERS),
            ("main.tf", main),
            ("net/main.tf", net),
        ],
    );
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    let spoke = "module.net.azurerm_virtual_network.spoke";
    assert!(t.virtual_networks.iter().any(|v| v.name == spoke));
    assert_eq!(peering(t, "vnet-hub", "hub-to-spoke").remote_vnet, spoke);
    assert_eq!(peering(t, spoke, "spoke-to-hub").remote_vnet, "vnet-hub");
}

#[test]
fn ids_built_with_format_and_join_keep_their_known_parts() {
    // As string templates do: `format()` and `join()` over an unknown subscription keep the
    // type and name that determine the target.
    let main = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-fmt"
  location = "westeurope"
}
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_storage_account" "sa" {
  name                     = "stfmt"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_private_endpoint" "fmt" {
  name                = "pe-fmt"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = format("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s", data.azurerm_client_config.current.subscription_id, azurerm_resource_group.rg.name, "stfmt")
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}
resource "azurerm_private_endpoint" "join" {
  name                = "pe-join"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  subnet_id           = join("/", [azurerm_virtual_network.v.id, "subnets", "pe"])
  private_service_connection {
    name                           = "file"
    private_connection_resource_id = join("/", ["", "subscriptions", data.azurerm_client_config.current.subscription_id, "resourceGroups", "rg-fmt", "providers", "Microsoft.Storage", "storageAccounts", "stfmt"])
    subresource_names              = ["file"]
    is_manual_connection           = false
  }
}
"#;
    let s = Scratch::new("format", &[("providers.tf", PROVIDERS), ("main.tf", main)]);
    let l = ok(load(&s.0, &TfOptions::default()));
    let t = &l.topology;
    for pe in ["pe-fmt", "pe-join"] {
        assert_eq!(
            pe_target(t, pe),
            Address::resource(Kind::Storage, "stfmt"),
            "{pe}"
        );
    }
}
