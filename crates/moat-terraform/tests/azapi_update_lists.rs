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

/// One rule updated by its own id (`Microsoft.Network/networkSecurityGroups/securityRules`,
/// named by its NSG and its name): the provider merges the body's properties into the rule it
/// reads, so the access the body writes replaces the declared one and the rest of the rule
/// stays. The inline rule that allowed HTTPS out now denies it.
#[test]
fn an_update_of_one_rule_writes_what_its_body_sets_and_keeps_the_rest() {
    let extra = r#"
resource "azapi_update_resource" "deny_https" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azurerm_network_security_group.n.id
  name      = "allow-https-out"
  body = {
    properties = {
      access = "Deny"
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    let nsg = &t.network_security_groups[0];
    assert_eq!(nsg.rules.len(), 2);
    let r = nsg
        .rules
        .iter()
        .find(|r| r.name == "allow-https-out")
        .expect("the rule");
    assert_eq!(r.access.get(), Some(Access::Deny));
    assert_eq!(r.priority.get(), Some(200));
    assert_eq!(r.direction.get(), Some(Direction::Outbound));
    assert_eq!(r.destination_ports.len(), 1);
    assert_eq!(r.destination_ports[0].to_string(), "443");
    assert!(r.open.is_empty(), "{r:?}");
    assert!(
        t.unknowns.iter().all(|u| u.resource != "nsg/nsg-mod"),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// A rule written as a resource of its own, updated by its id: the priority the body writes
/// puts the rule's deny above the declared allow. The rule sits beside the NSG's inline rules,
/// so whether it is deployed stays open (azurerm: the two "cannot be used together"): the
/// HTTPS the inline rule allows is undecided, not allowed.
#[test]
fn an_update_of_a_separate_rule_by_its_id_applies() {
    let extra = r#"
resource "azurerm_network_security_rule" "deny" {
  name                        = "deny-out-late"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.n.name
  priority                    = 4000
  direction                   = "Outbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
}

resource "azapi_update_resource" "first" {
  type        = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  resource_id = azurerm_network_security_rule.deny.id
  body = {
    properties = {
      priority = 150
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    let r = t.network_security_groups[0]
        .rules
        .iter()
        .find(|r| r.name == "deny-out-late")
        .expect("the rule");
    assert_eq!(r.priority.get(), Some(150));
    assert_eq!(r.access.get(), Some(Access::Deny));
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// The body makes the rule a deny rule and writes a list of destination prefixes where the
/// declared rule writes a single one: the provider's merge keeps the single prefix beside the
/// list, and what Azure makes of both is open, so the rule's destinations are open and whether
/// it denies HTTPS to the internet is undecided.
#[test]
fn a_rule_property_written_in_the_other_form_leaves_that_value_open() {
    let extra = r#"
resource "azapi_update_resource" "narrow" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azurerm_network_security_group.n.id
  name      = "allow-https-out"
  body = {
    properties = {
      access                     = "Deny"
      destinationAddressPrefixes = ["203.0.113.0/24"]
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    let r = t.network_security_groups[0]
        .rules
        .iter()
        .find(|r| r.name == "allow-https-out")
        .expect("the rule");
    assert_eq!(r.open, [moat_model::firewall::RuleValue::Destinations]);
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "nsg/nsg-mod" && u.field == "rules/allow-https-out"),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// An update of a rule the NSG does not hold, or of one whose name the configuration leaves
/// open: which rule it writes is open, and so are the NSG's rules.
#[test]
fn an_update_of_a_rule_the_nsg_may_hold_under_an_open_name_leaves_the_rules_open() {
    let extra = r#"
variable "rule_name" {
  type = string
}

resource "azapi_update_resource" "some_rule" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azurerm_network_security_group.n.id
  name      = var.rule_name
  body = {
    properties = {
      access = "Allow"
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
}

/// One route updated by its own id: the next hop the body writes replaces the declared one.
/// The default route to the appliance now drops the subnet's traffic (`None`).
#[test]
fn an_update_of_one_route_writes_its_next_hop() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-route-child"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-route-child"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.6.0.0/16"]
}

resource "azurerm_subnet" "a" {
  name                 = "snet-a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.6.1.0/24"]
}

resource "azurerm_route_table" "rt" {
  name                = "rt-child"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  route {
    name           = "default"
    address_prefix = "0.0.0.0/0"
    next_hop_type  = "Internet"
  }
}

resource "azurerm_subnet_route_table_association" "a" {
  subnet_id      = azurerm_subnet.a.id
  route_table_id = azurerm_route_table.rt.id
}

resource "azapi_update_resource" "drop" {
  type      = "Microsoft.Network/routeTables/routes@2023-11-01"
  parent_id = azurerm_route_table.rt.id
  name      = "default"
  body = {
    properties = {
      nextHopType = "None"
    }
  }
}
"#;
    let t = load(config);
    let rt = &t.route_tables[0];
    assert_eq!(rt.routes.len(), 1, "{:?}", rt.routes);
    assert_eq!(rt.routes[0].address_prefix.to_string(), "0.0.0.0/0");
    assert_eq!(rt.routes[0].next_hop_type, NextHopType::None);
    assert_eq!(
        verdict(&t, "subnet/vnet-route-child/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// A rule written as an azapi resource (`networkSecurityGroups/securityRules`) beside an NSG
/// that writes its rules inline is the case azurerm documents for its own separate rules: each
/// apply of the NSG sets its rules to the inline ones, so whether the rule is deployed is open.
/// Its deny, first by priority, may or may not stop the HTTPS the inline rule allows.
#[test]
fn an_azapi_rule_beside_inline_rules_may_or_may_not_be_there() {
    let extra = r#"
resource "azapi_resource" "deny" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azurerm_network_security_group.n.id
  name      = "deny-https-out"
  body = {
    properties = {
      priority                 = 100
      direction                = "Outbound"
      access                   = "Deny"
      protocol                 = "Tcp"
      sourcePortRange          = "*"
      destinationPortRange     = "443"
      sourceAddressPrefix      = "*"
      destinationAddressPrefix = "*"
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    let r = t.network_security_groups[0]
        .rules
        .iter()
        .find(|r| r.name == "deny-https-out")
        .expect("the rule");
    assert_eq!(r.access.get(), Some(Access::Deny));
    assert!(
        t.may_exist
            .iter()
            .any(|m| m.resource == "azapi_resource.deny"),
        "{:#?}",
        t.may_exist
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// An NSG written as an azapi resource whose body lists its rules: Azure's PUT of the NSG sets
/// its rules to that list, so a rule added beside it, as an azurerm resource or as an azapi
/// one, may or may not be deployed.
#[test]
fn rules_beside_an_azapi_nsg_that_lists_its_rules_may_or_may_not_be_there() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-azapi-nsg"
  location = "westeurope"
}

resource "azapi_resource" "nsg" {
  type      = "Microsoft.Network/networkSecurityGroups@2023-11-01"
  parent_id = azurerm_resource_group.rg.id
  name      = "nsg-azapi"
  location  = "westeurope"
  body = {
    properties = {
      securityRules = []
    }
  }
}

resource "azurerm_network_security_rule" "a" {
  name                        = "deny-a"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azapi_resource.nsg.name
  priority                    = 100
  direction                   = "Outbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
}

resource "azapi_resource" "b" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azapi_resource.nsg.id
  name      = "deny-b"
  body = {
    properties = {
      priority                 = 110
      direction                = "Outbound"
      access                   = "Deny"
      protocol                 = "*"
      sourcePortRange          = "*"
      destinationPortRange     = "*"
      sourceAddressPrefix      = "*"
      destinationAddressPrefix = "*"
    }
  }
}
"#;
    let t = load(config);
    let mut names: Vec<&str> = t.network_security_groups[0]
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["deny-a", "deny-b"]);
    for addr in ["azurerm_network_security_rule.a", "azapi_resource.b"] {
        assert!(
            t.may_exist.iter().any(|m| m.resource == addr),
            "{addr}: {:#?}",
            t.may_exist
        );
    }
}

/// The body writes the destination in the form the declared rule writes it (one prefix): the
/// provider's merge replaces it, and the rule denies exactly what the body says.
#[test]
fn a_rule_property_written_in_the_same_form_replaces_it() {
    let extra = r#"
resource "azapi_update_resource" "narrow" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2023-11-01"
  parent_id = azurerm_network_security_group.n.id
  name      = "allow-https-out"
  body = {
    properties = {
      access                   = "Deny"
      destinationAddressPrefix = "Internet"
      destinationPortRange     = "*"
    }
  }
}
"#;
    let t = load(&with_nsg(extra));
    let r = t.network_security_groups[0]
        .rules
        .iter()
        .find(|r| r.name == "allow-https-out")
        .expect("the rule");
    assert!(r.open.is_empty(), "{r:?}");
    assert_eq!(r.destination_ports[0].to_string(), "*");
    assert_eq!(
        verdict(&t, "subnet/vnet-lists/snet-a", "internet", 8080),
        Verdict::Denied
    );
}

/// A VNet holding one subnet, with an NSG that denies outbound traffic, and an update of the
/// VNet whose body writes that one subnet with service endpoints but no NSG: lists of one
/// length are merged element by element, so the subnet keeps the NSG Azure returned for it
/// and gains the endpoints. Read as the body's subnet alone, it lost its NSG and the internet
/// was reached.
#[test]
fn a_subnet_written_through_its_vnet_keeps_what_the_body_leaves_out() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-vnet-merge"
  location = "westeurope"
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-deny"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  security_rule {
    name                       = "deny-out"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-merge"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.5.0.0/16"]
  subnet {
    name             = "snet-a"
    address_prefixes = ["10.5.1.0/24"]
    security_group   = azurerm_network_security_group.n.id
  }
}

resource "azapi_update_resource" "endpoints" {
  type        = "Microsoft.Network/virtualNetworks@2023-11-01"
  resource_id = azurerm_virtual_network.v.id
  body = {
    properties = {
      subnets = [{
        name = "snet-a"
        properties = {
          addressPrefix    = "10.5.1.0/24"
          serviceEndpoints = [{ service = "Microsoft.Storage" }]
        }
      }]
    }
  }
}
"#;
    let t = load(config);
    let s = &t.virtual_networks[0].subnets[0];
    assert_eq!(s.network_security_group.as_deref(), Some("nsg-deny"));
    assert_eq!(s.service_endpoints, ["Microsoft.Storage"]);
    assert_eq!(
        verdict(&t, "subnet/vnet-merge/snet-a", "internet", 443),
        Verdict::Denied
    );
}

/// Two subnets and a body writing two: each merges into the one Azure returns at its place, in
/// an order Azure does not document, so what the body leaves out of a subnet (its NSG) is open
/// where the two subnets differ.
#[test]
fn subnets_written_through_their_vnet_in_an_open_order_leave_what_differs_open() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-vnet-order"
  location = "westeurope"
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-deny"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  security_rule {
    name                       = "deny-out"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-order"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.4.0.0/16"]
  subnet {
    name             = "snet-a"
    address_prefixes = ["10.4.1.0/24"]
    security_group   = azurerm_network_security_group.n.id
  }
  subnet {
    name             = "snet-b"
    address_prefixes = ["10.4.2.0/24"]
  }
}

resource "azapi_update_resource" "endpoints" {
  type        = "Microsoft.Network/virtualNetworks@2023-11-01"
  resource_id = azurerm_virtual_network.v.id
  body = {
    properties = {
      subnets = [
        { name = "snet-a", properties = { addressPrefix = "10.4.1.0/24" } },
        { name = "snet-b", properties = { addressPrefix = "10.4.2.0/24" } },
      ]
    }
  }
}
"#;
    let t = load(config);
    assert!(
        t.is_unknown("subnet/vnet-order/snet-a", "network_security_group")
            .is_some(),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-order/snet-a", "internet", 443),
        Verdict::Unknown
    );
}

/// Two NSGs of one name in two resource groups (the model tells them apart by their groups):
/// an update of one writes that one's rules, not the other's. Read under the bare name, the
/// update found neither and the deny rule it adds was lost.
#[test]
fn an_update_of_one_of_two_namesakes_writes_that_one() {
    let nsg = |key: &str, rg: &str| {
        format!(
            r#"
resource "azurerm_resource_group" "{key}" {{
  name     = "{rg}"
  location = "westeurope"
}}

resource "azurerm_network_security_group" "{key}" {{
  name                = "nsg-app"
  resource_group_name = azurerm_resource_group.{key}.name
  location            = "westeurope"
}}

resource "azurerm_virtual_network" "{key}" {{
  name                = "vnet-{key}"
  resource_group_name = azurerm_resource_group.{key}.name
  location            = "westeurope"
  address_space       = ["10.{n}.0.0/16"]
}}

resource "azurerm_subnet" "{key}" {{
  name                 = "snet"
  resource_group_name  = azurerm_resource_group.{key}.name
  virtual_network_name = azurerm_virtual_network.{key}.name
  address_prefixes     = ["10.{n}.1.0/24"]
}}

resource "azurerm_subnet_network_security_group_association" "{key}" {{
  subnet_id                 = azurerm_subnet.{key}.id
  network_security_group_id = azurerm_network_security_group.{key}.id
}}
"#,
            n = if key == "a" { 11 } else { 12 }
        )
    };
    let config = format!(
        "{}{}{}",
        nsg("a", "rg-a"),
        nsg("b", "rg-b"),
        update(&[rule("deny-all-out", "100", "Outbound", "\"Deny\"")]).replace(
            "azurerm_network_security_group.n.id",
            "azurerm_network_security_group.b.id"
        )
    );
    let t = load(&config);
    assert_eq!(
        verdict(&t, "subnet/vnet-b/snet", "internet", 443),
        Verdict::Denied
    );
    assert_eq!(
        verdict(&t, "subnet/vnet-a/snet", "internet", 443),
        Verdict::Allowed
    );
}

/// A VNet of two subnets written as `subnets` (inline blocks, or resources of their own after
/// the VNet), a VM's NIC in `snet-b`, and an update of the VNet whose body writes `snet-a`
/// alone.
fn vnet_update_leaving_out(subnets: &str) -> String {
    format!(
        r#"
resource "azurerm_resource_group" "rg" {{
  name     = "rg-vnet-left-out"
  location = "westeurope"
}}

resource "azurerm_virtual_network" "v" {{
  name                = "vnet-left-out"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.6.0.0/16"]
{subnets}

resource "azurerm_network_interface" "trainer" {{
  name                = "nic-trainer"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  ip_configuration {{
    name                          = "ipconfig"
    subnet_id                     = "${{azurerm_virtual_network.v.id}}/subnets/snet-b"
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.6.2.4"
  }}
}}

resource "azapi_update_resource" "endpoints" {{
  type        = "Microsoft.Network/virtualNetworks@2023-11-01"
  resource_id = azurerm_virtual_network.v.id
  body = {{
    properties = {{
      subnets = [{{
        name = "snet-a"
        properties = {{
          addressPrefix    = "10.6.1.0/24"
          serviceEndpoints = [{{ service = "Microsoft.Storage" }}]
        }}
      }}]
    }}
  }}
}}
"#
    )
}

/// Azure Networking Blog, "Azure Virtual Network now supports updates without subnet
/// property": "If any of the existing resources are omitted from the JSON for the PUT
/// operation, those resources are removed from the Azure deployment". The provider takes a
/// list of another length than the one it reads whole, so the update PUTs the VNet with
/// `snet-a` alone: `snet-b`, which its declaration writes inline, is removed (or, as the NIC is
/// in it, Azure refuses and the apply fails). Whether it is deployed is open, and so is SSH
/// from `snet-a` to the NIC in it; read as the VNet's and the body's subnets joined, it was
/// allowed.
#[test]
fn a_subnet_an_update_of_its_vnet_leaves_out_may_not_be_deployed() {
    let inline = r#"  subnet {
    name             = "snet-a"
    address_prefixes = ["10.6.1.0/24"]
  }
  subnet {
    name             = "snet-b"
    address_prefixes = ["10.6.2.0/24"]
  }
}"#;
    let t = load(&vnet_update_leaving_out(inline));
    let open: Vec<&str> = t.may_exist.iter().map(|m| m.resource.as_str()).collect();
    assert_eq!(
        open,
        ["azurerm_virtual_network.v.subnet[1]"],
        "{:#?}",
        t.may_exist
    );
    let a = &t.virtual_networks[0].subnets[0];
    assert_eq!(a.name, "snet-a");
    assert_eq!(a.service_endpoints, ["Microsoft.Storage"]);
    assert_eq!(
        verdict(&t, "subnet/vnet-left-out/snet-a", "ip:10.6.2.4", 22),
        Verdict::Unknown
    );
}

/// The same with the subnets written as `azurerm_subnet` resources beside a VNet that writes
/// none inline: whichever of `snet-b`'s PUT and the update's comes last decides whether it is
/// there, in no order the configuration fixes, and each apply of it adds it back until the
/// next update removes it. `snet-a`, which the body writes, stays.
#[test]
fn a_separate_subnet_an_update_of_its_vnet_leaves_out_may_not_be_deployed() {
    let separate = r#"}

resource "azurerm_subnet" "a" {
  name                 = "snet-a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.6.1.0/24"]
}

resource "azurerm_subnet" "b" {
  name                 = "snet-b"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.6.2.0/24"]
}"#;
    let config = vnet_update_leaving_out(separate);
    let t = load(&config);
    let open: Vec<&str> = t.may_exist.iter().map(|m| m.resource.as_str()).collect();
    assert_eq!(open, ["azurerm_subnet.b"], "{:#?}", t.may_exist);
    assert_eq!(
        verdict(&t, "subnet/vnet-left-out/snet-a", "ip:10.6.2.4", 22),
        Verdict::Unknown
    );
    let w = moat_terraform::load_str("main.tf", &config, &TfOptions::default())
        .unwrap()
        .warnings;
    assert!(
        w.iter().any(|d| d.code == "inline-conflict"
            && d.message
                .starts_with("`azurerm_subnet.b` adds to vnet/vnet-left-out")),
        "{w:#?}"
    );
}

/// The same over a VNet written as an `azapi_resource` whose body lists both subnets: the
/// subnet the update leaves out may be missing, never the VNet or the subnet it writes.
#[test]
fn a_subnet_an_update_leaves_out_of_an_azapi_vnet_may_be_missing_alone() {
    let azapi_vnet = r#"resource "azapi_resource" "v" {
  type      = "Microsoft.Network/virtualNetworks@2023-11-01"
  name      = "vnet-left-out"
  parent_id = azurerm_resource_group.rg.id
  location  = "westeurope"
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.6.0.0/16"] }
      subnets = [
        { name = "snet-a", properties = { addressPrefix = "10.6.1.0/24" } },
        { name = "snet-b", properties = { addressPrefix = "10.6.2.0/24" } },
      ]
    }
  }
}"#;
    let config = vnet_update_leaving_out("}")
        .replace(
            r#"resource "azurerm_virtual_network" "v" {
  name                = "vnet-left-out"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.6.0.0/16"]
}"#,
            azapi_vnet,
        )
        .replace("azurerm_virtual_network.v.id", "azapi_resource.v.id");
    assert!(config.contains("azapi_resource\" \"v\""), "{config}");
    let t = load(&config);
    let [m] = t.may_exist.as_slice() else {
        panic!("{:#?}", t.may_exist);
    };
    let (without, _) = moat_model::presence::without(&t, &[&m.at]);
    let subnets: Vec<&str> = without
        .virtual_networks
        .iter()
        .flat_map(|v| v.subnets.iter().map(|s| s.name.as_str()))
        .collect();
    assert_eq!(subnets, ["snet-a"]);
    assert_eq!(
        verdict(&t, "subnet/vnet-left-out/snet-a", "ip:10.6.2.4", 22),
        Verdict::Unknown
    );
}
