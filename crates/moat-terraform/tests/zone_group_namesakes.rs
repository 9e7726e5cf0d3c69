//! Private endpoint zone groups that name private DNS zones by id.
//!
//! "Naming rules and restrictions for Azure resources": a private DNS zone's name is unique
//! within its resource group, so `privatelink.blob.core.windows.net` in two resource groups is
//! two zones, as the ids that name them (`.../resourceGroups/<group>/providers/
//! Microsoft.Network/privateDnsZones/<zone>`) say. "Azure Private Endpoint DNS configuration":
//! a VNet resolves a name through the private DNS zones linked to it, and only those; a zone
//! group writes the endpoint's records into the zones it names.

use moat_engine::trace::trace;
use moat_engine::{Code, Engine, Query, Verdict};
use moat_model::{Address, Topology};
use moat_packets::Protocol;
use moat_terraform::TfOptions;

const ZONE: &str = "privatelink.blob.core.windows.net";
const SUB: &str = "/subscriptions/9a4e1c7b-3d2f-4b68-8e05-c1f7a2d9b346";

/// The id of the zone in resource group `group`, written as a string.
fn zone_id(group: &str) -> String {
    format!("\"{SUB}/resourceGroups/{group}/providers/Microsoft.Network/privateDnsZones/{ZONE}\"")
}

/// A spoke VNet with a storage account whose blob endpoint's zone group writes into the zone
/// of id `written` (an expression), then `extra`.
fn spoke(written: &str, extra: &str) -> String {
    format!(
        r#"
resource "azurerm_resource_group" "spoke" {{
  name     = "rg-spoke"
  location = "westeurope"
}}

resource "azurerm_virtual_network" "spoke" {{
  name                = "spoke"
  resource_group_name = azurerm_resource_group.spoke.name
  location            = "westeurope"
  address_space       = ["10.40.0.0/16"]
}}

resource "azurerm_subnet" "pe" {{
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.40.1.0/24"]
}}

resource "azurerm_subnet" "work" {{
  name                 = "work"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.40.2.0/24"]
}}

resource "azurerm_storage_account" "st" {{
  name                          = "stblob"
  resource_group_name           = azurerm_resource_group.spoke.name
  location                      = "westeurope"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}}

resource "azurerm_private_endpoint" "blob" {{
  name                = "stblob-pe"
  resource_group_name = azurerm_resource_group.spoke.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {{
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.st.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }}
  private_dns_zone_group {{
    name                 = "default"
    private_dns_zone_ids = [{written}]
  }}
}}
{extra}
"#
    )
}

/// The zone of one name declared in resource group `group` and linked to the spoke.
fn linked_zone(group: &str) -> String {
    format!(
        r#"
resource "azurerm_private_dns_zone" "blob" {{
  name                = "{ZONE}"
  resource_group_name = "{group}"
}}

resource "azurerm_private_dns_zone_virtual_network_link" "spoke" {{
  name                  = "spoke-link"
  resource_group_name   = "{group}"
  private_dns_zone_name = azurerm_private_dns_zone.blob.name
  virtual_network_id    = azurerm_virtual_network.spoke.id
}}
"#
    )
}

fn load(config: &str) -> Topology {
    moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology
}

/// HTTPS from the spoke's work subnet to the account's blob endpoint.
fn blob_from_work(t: &Topology) -> (Verdict, Vec<Code>) {
    let e = Engine::for_topology(t, None).unwrap();
    let q = Query {
        from: "subnet/spoke/work".parse::<Address>().unwrap(),
        to: "storage/stblob:blob".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let tr = trace(&e, &q).unwrap();
    (tr.verdict, tr.hops.iter().map(|h| h.code).collect())
}

/// The spoke is linked to the zone declared in `rg-dns-a`; the endpoint's zone group writes
/// into the zone of that name in `rg-dns-b`, which the configuration does not declare. The
/// linked zone does not get the endpoint's record: the spoke never resolves the account to
/// the endpoint through it. With the group naming the declared zone, it does.
#[test]
fn a_zone_group_naming_a_namesake_in_another_group_writes_nothing_into_the_declared_zone() {
    let t = load(&spoke(&zone_id("rg-dns-b"), &linked_zone("rg-dns-a")));
    let (verdict, codes) = blob_from_work(&t);
    assert!(!codes.contains(&Code::PeApproved), "{codes:?}");
    assert_ne!(verdict, Verdict::Allowed, "{codes:?}");
    let pe = &t.private_endpoints[0];
    assert!(
        !pe.dns_zone_group.iter().any(|z| z == ZONE),
        "{:?}",
        pe.dns_zone_group
    );
    // The zone it writes into is not in the configuration: what its zone group holds is open.
    assert!(
        t.is_unknown("private-endpoint/stblob-pe", "dns_zone_group")
            .is_some(),
        "{:#?}",
        t.unknowns
    );
    // The declared zone: the linked zone holds the endpoint's record.
    let t = load(&spoke(
        "azurerm_private_dns_zone.blob.id",
        &linked_zone("rg-dns-a"),
    ));
    let (verdict, codes) = blob_from_work(&t);
    assert!(codes.contains(&Code::PeApproved), "{codes:?}");
    assert_eq!(verdict, Verdict::Allowed, "{codes:?}");
}

/// Two endpoints write into zones of one name in two resource groups, neither declared: they
/// are two external zones, each holding the records of the endpoint that names it.
#[test]
fn zone_groups_naming_undeclared_namesakes_in_two_groups_name_two_zones() {
    let other = r#"
resource "azurerm_storage_account" "other" {
  name                          = "stother"
  resource_group_name           = azurerm_resource_group.spoke.name
  location                      = "westeurope"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "other" {
  name                = "stother-pe"
  resource_group_name = azurerm_resource_group.spoke.name
  location            = "westeurope"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.other.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [ZONE_B]
  }
}
"#
    .replace("ZONE_B", &zone_id("rg-dns-b"));
    let t = load(&spoke(&zone_id("rg-dns-a"), &other));
    let mut keys: Vec<String> = t.private_dns_zones.iter().map(|z| z.key()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [format!("rg-dns-a/{ZONE}"), format!("rg-dns-b/{ZONE}")]
    );
    let groups: Vec<(&str, &[String])> = t
        .private_endpoints
        .iter()
        .map(|p| (p.name.as_str(), p.dns_zone_group.as_slice()))
        .collect();
    assert!(
        groups.contains(&("stblob-pe", &[format!("rg-dns-a/{ZONE}")][..])),
        "{groups:?}"
    );
    assert!(
        groups.contains(&("stother-pe", &[format!("rg-dns-b/{ZONE}")][..])),
        "{groups:?}"
    );
    // One endpoint alone names its zone by its name, as a declared zone is named.
    let t = load(&spoke(&zone_id("rg-dns-a"), ""));
    let keys: Vec<String> = t.private_dns_zones.iter().map(|z| z.key()).collect();
    assert_eq!(keys, [ZONE]);
}
