//! `azapi_update_resource` bodies that write an NSG's security rules or a route table's routes.
//!
//! Semantics checked (azapi provider): `azapi_update_resource` "can manage a subset of any
//! existing Azure resource manager resource's properties": the provider reads the resource,
//! merges `body` into it and writes the result back. The provider's merge ("merge object old
//! and new, if overlaps, use new value") takes the new list whole when the lengths of the two
//! lists differ, and merges lists of one length element by element. Azure's PUT of an NSG
//! (route table) sets its rules (routes) to the list it is given.

use moat_engine::Verdict;
use moat_model::Topology;
use moat_model::enums::{Access, Direction, NextHopType};
use moat_terraform::TfOptions;

fn load(config: &str) -> Topology {
    moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology
}

fn verdict(t: &Topology, from: &str, to: &str, port: u16) -> Verdict {
    let e = moat_engine::Engine::for_topology(t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port,
    };
    moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q)
        .expect("trace")
        .verdict
}

/// A VNet, a subnet, and NSG `nsg-mod` on it with two inline rules, one allowing HTTPS out to
/// the internet, as a module would make it; then `extra`.
fn with_nsg(extra: &str) -> String {
    format!(
        r#"
variable "open_access" {{
  type = string
}}

variable "rules" {{
  type = any
}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-lists"
  location = "westeurope"
}}

resource "azurerm_virtual_network" "v" {{
  name                = "vnet-lists"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.8.0.0/16"]
}}

resource "azurerm_subnet" "a" {{
  name                 = "snet-a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.8.1.0/24"]
}}

resource "azurerm_network_security_group" "n" {{
  name                = "nsg-mod"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  security_rule {{
    name                       = "allow-https-out"
    priority                   = 200
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "*"
    destination_address_prefix = "Internet"
  }}
  security_rule {{
    name                       = "allow-ssh-in"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }}
}}

resource "azurerm_subnet_network_security_group_association" "a" {{
  subnet_id                 = azurerm_subnet.a.id
  network_security_group_id = azurerm_network_security_group.n.id
}}
{extra}
"#
    )
}

/// A body rule `name` with the given priority, direction and access, any address and port.
fn rule(name: &str, priority: &str, direction: &str, access: &str) -> String {
    format!(
        r#"{{
          name = "{name}"
          properties = {{
            priority                 = {priority}
            direction                = "{direction}"
            access                   = {access}
            protocol                 = "*"
            sourcePortRange          = "*"
            destinationPortRange     = "*"
            sourceAddressPrefix      = "*"
            destinationAddressPrefix = "*"
          }}
        }}"#
    )
}

fn update(rules: &[String]) -> String {
    format!(
        r#"
resource "azapi_update_resource" "nsg_rules" {{
  type        = "Microsoft.Network/networkSecurityGroups@2023-11-01"
  resource_id = azurerm_network_security_group.n.id
  body = {{
    properties = {{
      securityRules = [{}]
    }}
  }}
}}
"#,
        rules.join(", ")
    )
}

/// A deny rule written by an update over an NSG holding two rules: a list of another length,
/// which the provider's merge takes whole, so the NSG's rules are exactly the body's. The
/// subnet's HTTPS to the internet, which the declared rule allowed, is denied.
#[test]
fn a_list_of_another_length_replaces_the_rules() {
    let t = load(&with_nsg(&update(&[rule(
        "deny-all-out",
        "100",
        "Outbound",
        "\"Deny\"",
    )])));
    let nsg = &t.network_security_groups[0];
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["deny-all-out"]);
    let r = &nsg.rules[0];
    assert_eq!(r.priority.get(), Some(100));
    assert_eq!(r.direction.get(), Some(Direction::Outbound));
    assert_eq!(r.access.get(), Some(Access::Deny));
    assert!(r.open.is_empty(), "{r:?}");
    assert!(
        t.unknowns.iter().all(|u| u.resource != "nsg/nsg-mod"),
        "{:#?}",
        t.unknowns
    );
    assert!(
        t.unmodelled
            .iter()
            .all(|u| u.resource_type != "azapi_update_resource"),
        "{:#?}",
        t.unmodelled
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// The declared rules repeated in the body with a deny rule added: three rules over two, taken
/// whole. The deny rule, first by priority, decides the subnet's traffic to the internet.
#[test]
fn rules_repeated_with_a_deny_rule_added_deny() {
    let t = load(&with_nsg(&update(&[
        rule("allow-https-out", "200", "Outbound", "\"Allow\""),
        rule("allow-ssh-in", "300", "Inbound", "\"Allow\""),
        rule("deny-all-out", "100", "Outbound", "\"Deny\""),
    ])));
    let nsg = &t.network_security_groups[0];
    let mut names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["allow-https-out", "allow-ssh-in", "deny-all-out"]);
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// As many rules as the NSG holds: the provider merges each into the rule Azure returns at its
/// place, an order Azure does not document, so each rule mixes the body's values with one of
/// the old rules' and the list is open.
#[test]
fn a_list_as_long_as_the_declared_one_leaves_the_rules_open() {
    let t = load(&with_nsg(&update(&[
        rule("deny-all-out", "100", "Outbound", "\"Deny\""),
        rule("deny-all-in", "110", "Inbound", "\"Deny\""),
    ])));
    let u = t
        .is_unknown("nsg/nsg-mod", "rules")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(
        u.reason.contains("azapi_update_resource.nsg_rules"),
        "{}",
        u.reason
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// A value the body leaves open stays open: a deny-or-allow rule, whatever the NSG held.
#[test]
fn an_open_value_in_the_body_stays_open() {
    let t = load(&with_nsg(&update(&[rule(
        "out",
        "100",
        "Outbound",
        "var.open_access",
    )])));
    let r = &t.network_security_groups[0].rules[0];
    assert_eq!(r.name, "out");
    assert!(r.access.is_unknown(), "{r:?}");
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// A list the configuration leaves open (a variable without value) leaves the rules open.
#[test]
fn an_open_list_leaves_the_rules_open() {
    let extra = r#"
resource "azapi_update_resource" "nsg_rules" {
  type        = "Microsoft.Network/networkSecurityGroups@2023-11-01"
  resource_id = azurerm_network_security_group.n.id
  body = {
    properties = {
      securityRules = var.rules
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    assert!(
        t.is_unknown("nsg/nsg-mod", "rules").is_some(),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// A rule written as a resource of its own is added by its own PUT, before or after the
/// update's, in no order the configuration fixes: the update removes it when it comes first.
/// Its allow rule, above the update's deny, may or may not be there: the traffic it allows is
/// undecided, neither allowed as the declarations alone say nor denied as the update alone.
#[test]
fn a_separate_rule_beside_an_update_may_or_may_not_be_there() {
    let extra = format!(
        r#"
resource "azurerm_network_security_rule" "https" {{
  name                        = "allow-https-early"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.n.name
  priority                    = 100
  direction                   = "Outbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "*"
  destination_address_prefix  = "Internet"
}}
{}"#,
        update(&[rule("deny-all-out", "110", "Outbound", "\"Deny\"")])
    );
    let t = load(&with_nsg(&extra));
    assert!(
        t.may_exist
            .iter()
            .any(|m| m.resource == "azurerm_network_security_rule.https"),
        "{:#?}",
        t.may_exist
    );
    let mut names: Vec<&str> = t.network_security_groups[0]
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["allow-https-early", "deny-all-out"]);
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
    // The port the separate rule does not allow is denied either way.
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 80),
        Verdict::Denied
    );
}

/// A route written by an update onto a route table with none: a list of another length, taken
/// whole. The route sends the subnet's internet traffic to nowhere (next hop `None`).
#[test]
fn a_route_written_by_an_update_routes_the_subnet() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-routes"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-routes"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.7.0.0/16"]
}

resource "azurerm_subnet" "a" {
  name                 = "snet-a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.7.1.0/24"]
}

resource "azurerm_route_table" "rt" {
  name                = "rt-mod"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
}

resource "azurerm_subnet_route_table_association" "a" {
  subnet_id      = azurerm_subnet.a.id
  route_table_id = azurerm_route_table.rt.id
}

resource "azapi_update_resource" "routes" {
  type        = "Microsoft.Network/routeTables@2023-11-01"
  resource_id = azurerm_route_table.rt.id
  body = {
    properties = {
      disableBgpRoutePropagation = true
      routes = [{
        name = "drop-internet"
        properties = {
          addressPrefix = "0.0.0.0/0"
          nextHopType   = "None"
        }
      }]
    }
  }
}
"#;
    let t = load(config);
    let rt = &t.route_tables[0];
    assert!(rt.disable_bgp_route_propagation);
    assert_eq!(rt.routes.len(), 1, "{:?}", rt.routes);
    assert_eq!(rt.routes[0].name, "drop-internet");
    assert_eq!(rt.routes[0].address_prefix.to_string(), "0.0.0.0/0");
    assert_eq!(rt.routes[0].next_hop_type, NextHopType::None);
    assert_eq!(
        verdict(&t, "subnet/vnet-routes/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// An update whose target the configuration leaves open (a variable without value) may write
/// the rules of the declared NSG: they are open, not the declared ones.
#[test]
fn an_update_of_an_open_target_leaves_the_rules_it_may_write_open() {
    let extra = format!(
        r#"
variable "nsg_id" {{
  type = string
}}
{}"#,
        update(&[rule("deny-all-out", "100", "Outbound", "\"Deny\"")])
            .replace("azurerm_network_security_group.n.id", "var.nsg_id")
    );
    let t = load(&with_nsg(&extra));
    let u = t
        .is_unknown("nsg/nsg-mod", "rules")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(
        u.reason.contains("which network security group"),
        "{}",
        u.reason
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// A body the configuration leaves open (a variable without value) may write any rules: the
/// NSG's rules are open, not the declared ones.
#[test]
fn an_open_body_leaves_the_rules_open() {
    let extra = r#"
variable "body" {
  type = any
}

resource "azapi_update_resource" "nsg_rules" {
  type        = "Microsoft.Network/networkSecurityGroups@2023-11-01"
  resource_id = azurerm_network_security_group.n.id
  body        = var.body
}
"#;
    let t = load(&with_nsg(extra));
    assert!(
        t.is_unknown("nsg/nsg-mod", "rules").is_some(),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}
