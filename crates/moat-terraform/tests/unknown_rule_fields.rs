//! An NSG rule whose priority, direction or access the input leaves open, written in Terraform
//! and in ARM: both importers keep the rule with the field open, and the same flow gets the
//! same verdict from both.
//!
//! Azure behaviour checked ("Network security groups", learn.microsoft.com/azure/virtual-network/
//! network-security-groups-overview): rules are processed in priority order, lower numbers
//! first, and processing stops at the first rule that matches; user rules take priorities 100
//! to 4096 and no two rules of one direction share a priority; `AllowVnetOutBound` (65000)
//! allows traffic within the virtual network. So a rule that may or may not sit before the
//! deciding rule, or that may allow or deny, makes the decision unknown, unless every value it
//! may take gives the same decision.

use moat_doc::Loaded;
use moat_engine::{Engine, Query, Verdict};
use moat_model::Open;
use moat_model::address::Address;
use moat_packets::Protocol;

mod scratch;
use scratch::Scratch;

/// One security rule: priority, direction and access are either literals or `None` (open).
#[derive(Clone, Copy)]
struct R {
    name: &'static str,
    priority: Option<u32>,
    direction: Option<&'static str>,
    access: Option<&'static str>,
}

fn terraform(rules: &[R]) -> String {
    let mut vars = String::new();
    let mut blocks = String::new();
    for r in rules {
        let mut field = |k: &str, v: Option<String>| match v {
            Some(v) => format!("    {k} = {v}\n"),
            None => {
                vars.push_str(&format!("variable \"{}_{k}\" {{}}\n", r.name));
                format!("    {k} = var.{}_{k}\n", r.name)
            }
        };
        let p = field("priority", r.priority.map(|p| p.to_string()));
        let d = field("direction", r.direction.map(|d| format!("\"{d}\"")));
        let a = field("access", r.access.map(|a| format!("\"{a}\"")));
        blocks.push_str(&format!(
            r#"  security_rule {{
    name                       = "{}"
{p}{d}{a}    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "10.0.2.0/24"
    destination_port_range     = "443"
  }}
"#,
            r.name
        ));
    }
    format!(
        r#"{vars}
resource "azurerm_resource_group" "rg" {{
  name     = "rg"
  location = "eastus"
}}
resource "azurerm_virtual_network" "net" {{
  name                = "net"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "eastus"
  address_space       = ["10.0.0.0/16"]
}}
resource "azurerm_subnet" "a" {{
  name                 = "a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.0.1.0/24"]
}}
resource "azurerm_subnet" "b" {{
  name                 = "b"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.0.2.0/24"]
}}
resource "azurerm_network_security_group" "nsg" {{
  name                = "nsg"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "eastus"
{blocks}}}
resource "azurerm_subnet_network_security_group_association" "a" {{
  subnet_id                 = azurerm_subnet.a.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}}
"#
    )
}

fn arm(rules: &[R]) -> String {
    let mut params = Vec::new();
    let mut out = Vec::new();
    for r in rules {
        let mut field = |k: &str, v: Option<String>| match v {
            Some(v) => v,
            None => {
                params.push(format!(
                    r#""{}_{k}": {{ "type": "{}" }}"#,
                    r.name,
                    if k == "priority" { "int" } else { "string" }
                ));
                format!("\"[parameters('{}_{k}')]\"", r.name)
            }
        };
        let p = field("priority", r.priority.map(|p| p.to_string()));
        let d = field("direction", r.direction.map(|d| format!("\"{d}\"")));
        let a = field("access", r.access.map(|a| format!("\"{a}\"")));
        out.push(format!(
            r#"{{ "name": "{}", "properties": {{ "priority": {p}, "direction": {d}, "access": {a},
              "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
              "destinationAddressPrefix": "10.0.2.0/24", "destinationPortRange": "443" }} }}"#,
            r.name
        ));
    }
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ {} }},
  "resources": [
    {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
       "name": "nsg", "location": "eastus",
       "properties": {{ "securityRules": [ {} ] }} }},
    {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
       "name": "net", "location": "eastus",
       "dependsOn": [ "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]" ],
       "properties": {{
         "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }},
         "subnets": [
           {{ "name": "a", "properties": {{ "addressPrefix": "10.0.1.0/24",
              "networkSecurityGroup": {{ "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]" }} }} }},
           {{ "name": "b", "properties": {{ "addressPrefix": "10.0.2.0/24" }} }}
         ] }} }}
  ]
}}"#,
        params.join(", "),
        out.join(", ")
    )
}

fn verdict(l: &Loaded) -> Verdict {
    let e = Engine::for_topology(&l.topology, None).unwrap();
    let q = Query {
        from: "subnet/net/a".parse::<Address>().unwrap(),
        to: "ip:10.0.2.4".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap().verdict
}

/// The verdict of subnet a → 10.0.2.4:443 from the Terraform form and the ARM form, which
/// must agree; also checks that both importers kept every rule with its open fields.
fn both(name: &str, rules: &[R]) -> Verdict {
    let tf = Scratch::new(name, &[("main.tf", terraform(rules))]);
    let tf = moat_terraform::load(&tf.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let dir = Scratch::new(&format!("{name}-arm"), &[("t.json", arm(rules))]);
    let arm = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    for l in [&tf, &arm] {
        let nsg = &l.topology.network_security_groups[0];
        assert_eq!(
            nsg.rules.len(),
            rules.len(),
            "{}: a rule was dropped",
            l.format
        );
        for (m, r) in nsg.rules.iter().zip(rules) {
            assert_eq!(m.priority, Open::from(r.priority), "{}", l.format);
            assert_eq!(m.direction.is_unknown(), r.direction.is_none());
            assert_eq!(m.access.is_unknown(), r.access.is_none());
        }
    }
    let (a, b) = (verdict(&tf), verdict(&arm));
    assert_eq!(a, b, "Terraform and ARM disagree on {name}");
    a
}

const fn rule(
    name: &'static str,
    priority: Option<u32>,
    direction: Option<&'static str>,
    access: Option<&'static str>,
) -> R {
    R {
        name,
        priority,
        direction,
        access,
    }
}

#[test]
fn all_known_deny_blocks_and_the_default_allows() {
    let deny = rule("deny", Some(200), Some("Outbound"), Some("Deny"));
    assert_eq!(both("known", &[deny]), Verdict::Denied);
    // AllowVnetOutBound lets subnet a reach subnet b when no rule of the user matches.
    let inbound = rule("deny", Some(200), Some("Inbound"), Some("Deny"));
    assert_eq!(both("inbound", &[inbound]), Verdict::Allowed);
}

#[test]
fn an_open_direction_may_filter_outbound() {
    // Was read as Inbound by the Terraform importer: a wrong "allowed".
    let r = rule("deny", Some(200), None, Some("Deny"));
    assert_eq!(both("open-direction", &[r]), Verdict::Unknown);
}

#[test]
fn an_open_priority_may_come_before_the_deciding_rule() {
    // The deny may sit before or after the allow at 300: either verdict is possible.
    let allow = rule("allow", Some(300), Some("Outbound"), Some("Allow"));
    let deny = rule("deny", None, Some("Outbound"), Some("Deny"));
    assert_eq!(both("open-priority", &[allow, deny]), Verdict::Unknown);
}

#[test]
fn an_open_access_may_allow_or_deny() {
    let r = rule("maybe", Some(200), Some("Outbound"), None);
    assert_eq!(both("open-access", &[r]), Verdict::Unknown);
}

#[test]
fn a_decision_no_value_changes_stays_definite() {
    // A known deny at priority 100 comes before any other user rule (100 is the lowest
    // priority Azure accepts, and no two rules share one), whatever the open rule holds.
    let first = rule("first", Some(100), Some("Outbound"), Some("Deny"));
    let open = rule("open", None, None, None);
    assert_eq!(both("first-deny", &[first, open]), Verdict::Denied);
    // A known allow at 150 comes before a rule whose access alone is open at 200.
    let allow = rule("allow", Some(150), Some("Outbound"), Some("Allow"));
    let later = rule("later", Some(200), Some("Outbound"), None);
    assert_eq!(both("earlier-allow", &[allow, later]), Verdict::Allowed);
    // An allow whose priority is open, where the rest of the list allows the flow anyway.
    let anywhere = rule("anywhere", None, Some("Outbound"), Some("Allow"));
    assert_eq!(both("allow-anyway", &[anywhere]), Verdict::Allowed);
}

/// An outbound Deny at priority 100 from subnet a to subnet b whose source prefixes and
/// destination ports each hold one element the input leaves open, in Terraform and in ARM.
fn open_elements() -> (String, String) {
    let tf = terraform(&[]).replace("{blocks}", "");
    let tf = tf.replace(
        "resource \"azurerm_network_security_group\" \"nsg\" {\n  name                = \"nsg\"\n  resource_group_name = azurerm_resource_group.rg.name\n  location            = \"eastus\"\n}",
        r#"variable "more_sources" {}
variable "more_ports" {}
resource "azurerm_network_security_group" "nsg" {
  name                = "nsg"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "eastus"
  security_rule {
    name                       = "deny"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefixes    = ["10.0.1.0/25", var.more_sources]
    source_port_range          = "*"
    destination_address_prefix = "10.0.2.0/24"
    destination_port_ranges    = ["22", var.more_ports]
  }
}"#,
    );
    let arm = arm(&[])
        .replace(
            "\"parameters\": {  }",
            r#""parameters": { "more_sources": { "type": "string" }, "more_ports": { "type": "string" } }"#,
        )
        .replace(
            "\"securityRules\": [  ]",
            r#""securityRules": [ { "name": "deny", "properties": { "priority": 100, "direction": "Outbound", "access": "Deny",
              "protocol": "Tcp", "sourceAddressPrefixes": ["10.0.1.0/25", "[parameters('more_sources')]"], "sourcePortRange": "*",
              "destinationAddressPrefix": "10.0.2.0/24", "destinationPortRanges": ["22", "[parameters('more_ports')]"] } } ]"#,
        );
    (tf, arm)
}

#[test]
fn an_open_element_of_a_prefix_or_port_list_is_read_alike() {
    // Was left out by the Terraform importer and read as `*` by the ARM importer. The deny may
    // hold 10.0.1.128/25 and port 443 among its open elements, or not: subnet a to 10.0.2.4:443
    // is unknown from both, and both read the rule as the same widest rule.
    let (tf, arm_text) = open_elements();
    assert!(tf.contains("var.more_ports") && arm_text.contains("more_ports"));
    let dir = Scratch::new("open-elements", &[("main.tf", tf)]);
    let tf = moat_terraform::load(&dir.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let dir = Scratch::new("open-elements-arm", &[("t.json", arm_text)]);
    let arm = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let read = |l: &Loaded| {
        let r = &l.topology.network_security_groups[0].rules[0];
        let src: Vec<String> = r.source.iter().map(|p| p.to_string()).collect();
        let ports: Vec<String> = r.destination_ports.iter().map(|p| p.to_string()).collect();
        (src, ports)
    };
    let want = (
        vec!["10.0.1.0/25".to_string(), "*".to_string()],
        vec!["22".to_string(), "*".to_string()],
    );
    assert_eq!(read(&tf), want, "Terraform");
    assert_eq!(read(&arm), want, "ARM");
    assert_eq!(verdict(&tf), Verdict::Unknown);
    assert_eq!(verdict(&arm), Verdict::Unknown);
}
