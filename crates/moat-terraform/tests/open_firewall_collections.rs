//! Azure Firewall rule collections whose priority or action the input leaves open, written in
//! Terraform and in ARM: both importers keep the collection with the value open, and the same
//! flow gets the same verdict from both.
//!
//! Azure behaviour checked ("Azure Firewall rule processing logic", learn.microsoft.com/azure/
//! firewall/rule-processing): rule collections are processed in priority order, lower numbers
//! first; "the rules are terminating, so rule processing stops on a match"; a collection's
//! action (Allow or Deny) applies to each of its rules; and "Azure Firewall denies all
//! traffic by default, until rules are manually configured to allow traffic". So a
//! collection that may come before or after the deciding rule, or that may allow or deny,
//! leaves the verdict unknown, unless every place and action it may take gives the same one;
//! never a wrong "allowed".

use moat_doc::Loaded;
use moat_engine::{Code, Engine, Query, Step, Trace, Verdict};
use moat_model::Open;
use moat_model::address::Address;
use moat_packets::Protocol;

mod scratch;
use scratch::Scratch;

/// One network rule collection with one rule from subnet a to subnet b on TCP `port`: its
/// priority and action are either literals or `None` (open).
#[derive(Clone, Copy)]
struct C {
    name: &'static str,
    priority: Option<u32>,
    action: Option<&'static str>,
    port: u16,
    /// The rule's ports hold a second element the input leaves open.
    open_port: bool,
}

const fn coll(
    name: &'static str,
    priority: Option<u32>,
    action: Option<&'static str>,
    port: u16,
) -> C {
    C {
        name,
        priority,
        action,
        port,
        open_port: false,
    }
}

fn terraform(collections: &[C]) -> String {
    let mut vars = String::new();
    let mut blocks = String::new();
    for c in collections {
        let mut field = |k: &str, v: Option<String>| match v {
            Some(v) => format!("  {k} = {v}\n"),
            None => {
                vars.push_str(&format!("variable \"{}_{k}\" {{}}\n", c.name));
                format!("  {k} = var.{}_{k}\n", c.name)
            }
        };
        let p = field("priority", c.priority.map(|p| p.to_string()));
        let a = field("action", c.action.map(|a| format!("\"{a}\"")));
        let extra = if c.open_port {
            vars.push_str(&format!("variable \"{}_port\" {{}}\n", c.name));
            format!(", var.{}_port", c.name)
        } else {
            String::new()
        };
        blocks.push_str(&format!(
            r#"resource "azurerm_firewall_network_rule_collection" "{0}" {{
  name                = "{0}"
  azure_firewall_name = azurerm_firewall.fw.name
  resource_group_name = "rg"
{p}{a}  rule {{
    name                  = "r"
    source_addresses      = ["10.0.1.0/24"]
    destination_addresses = ["10.0.2.0/24"]
    destination_ports     = ["{1}"{extra}]
    protocols             = ["TCP"]
  }}
}}
"#,
            c.name, c.port
        ));
    }
    format!(
        r#"{vars}
resource "azurerm_virtual_network" "net" {{
  name                = "net"
  resource_group_name = "rg"
  location            = "eastus"
  address_space       = ["10.0.0.0/16"]
}}
resource "azurerm_subnet" "fw" {{
  name                 = "AzureFirewallSubnet"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.0.0.0/26"]
}}
resource "azurerm_subnet" "a" {{
  name                 = "a"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.0.1.0/24"]
}}
resource "azurerm_subnet" "b" {{
  name                 = "b"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.0.2.0/24"]
}}
resource "azurerm_route_table" "rt" {{
  name                = "rt"
  resource_group_name = "rg"
  location            = "eastus"
  route {{
    name                   = "to-b"
    address_prefix         = "10.0.2.0/24"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.0.0.4"
  }}
}}
resource "azurerm_subnet_route_table_association" "a" {{
  subnet_id      = azurerm_subnet.a.id
  route_table_id = azurerm_route_table.rt.id
}}
resource "azurerm_firewall" "fw" {{
  name                = "fw"
  location            = "eastus"
  resource_group_name = "rg"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  ip_configuration {{
    name      = "cfg"
    subnet_id = azurerm_subnet.fw.id
  }}
}}
{blocks}"#
    )
}

fn arm(collections: &[C]) -> String {
    let mut params = Vec::new();
    let mut out = Vec::new();
    for c in collections {
        let mut field = |k: &str, v: Option<String>| match v {
            Some(v) => v,
            None => {
                params.push(format!(
                    r#""{}_{k}": {{ "type": "{}" }}"#,
                    c.name,
                    if k == "priority" { "int" } else { "string" }
                ));
                format!("\"[parameters('{}_{k}')]\"", c.name)
            }
        };
        let p = field("priority", c.priority.map(|p| p.to_string()));
        let a = field("action", c.action.map(|a| format!("\"{a}\"")));
        let extra = if c.open_port {
            params.push(format!(r#""{}_port": {{ "type": "string" }}"#, c.name));
            format!(", \"[parameters('{}_port')]\"", c.name)
        } else {
            String::new()
        };
        out.push(format!(
            r#"{{ "name": "{}", "properties": {{ "priority": {p}, "action": {{ "type": {a} }},
              "rules": [ {{ "name": "r", "protocols": ["TCP"], "sourceAddresses": ["10.0.1.0/24"],
                "destinationAddresses": ["10.0.2.0/24"], "destinationPorts": ["{}"{extra}] }} ] }} }}"#,
            c.name, c.port
        ));
    }
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ {} }},
  "resources": [
    {{ "type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01",
       "name": "rt", "location": "eastus",
       "properties": {{ "routes": [ {{ "name": "to-b", "properties": {{
         "addressPrefix": "10.0.2.0/24", "nextHopType": "VirtualAppliance",
         "nextHopIpAddress": "10.0.0.4" }} }} ] }} }},
    {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
       "name": "net", "location": "eastus",
       "dependsOn": [ "[resourceId('Microsoft.Network/routeTables', 'rt')]" ],
       "properties": {{
         "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }},
         "subnets": [
           {{ "name": "AzureFirewallSubnet", "properties": {{ "addressPrefix": "10.0.0.0/26" }} }},
           {{ "name": "a", "properties": {{ "addressPrefix": "10.0.1.0/24",
              "routeTable": {{ "id": "[resourceId('Microsoft.Network/routeTables', 'rt')]" }} }} }},
           {{ "name": "b", "properties": {{ "addressPrefix": "10.0.2.0/24" }} }}
         ] }} }},
    {{ "type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-09-01",
       "name": "fw", "location": "eastus",
       "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', 'net')]" ],
       "properties": {{
         "ipConfigurations": [ {{ "name": "cfg", "properties": {{
           "subnet": {{ "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'net', 'AzureFirewallSubnet')]" }} }} }} ],
         "networkRuleCollections": [ {} ] }} }}
  ]
}}"#,
        params.join(", "),
        out.join(", ")
    )
}

fn trace(l: &Loaded) -> Trace {
    let e = Engine::for_topology(&l.topology, None).unwrap();
    let q = Query {
        from: "subnet/net/a".parse::<Address>().unwrap(),
        to: "ip:10.0.2.4".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

/// The trace of subnet a → 10.0.2.4:443 (through the firewall) from the Terraform form and
/// the ARM form, which must agree on the verdict and on the hop that decides it; also checks
/// that both importers kept every collection with its open values.
fn both(name: &str, collections: &[C]) -> Trace {
    let tf = Scratch::new(name, &[("main.tf", terraform(collections))]);
    let tf = moat_terraform::load(&tf.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let dir = Scratch::new(&format!("{name}-arm"), &[("t.json", arm(collections))]);
    let arm = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    for l in [&tf, &arm] {
        let fw = &l.topology.firewalls[0];
        assert_eq!(
            fw.network_rule_collections.len(),
            collections.len(),
            "{}: a collection was dropped",
            l.format
        );
        for c in collections {
            let m = fw
                .network_rule_collections
                .iter()
                .find(|m| m.name == c.name)
                .unwrap_or_else(|| panic!("{}: {} dropped", l.format, c.name));
            assert_eq!(m.priority, Open::from(c.priority), "{}", l.format);
            assert_eq!(m.action.is_unknown(), c.action.is_none(), "{}", l.format);
            assert_eq!(m.rules.len(), 1, "{}", l.format);
            // An open element of the port list is kept as the widest it may be, and marked.
            let r = &m.rules[0];
            let ports: Vec<String> = r.destination_ports.iter().map(|p| p.to_string()).collect();
            let mut want = vec![c.port.to_string()];
            if c.open_port {
                want.push("*".into());
            }
            assert_eq!(ports, want, "{}", l.format);
            assert_eq!(
                r.open.contains(&moat_model::firewall::RuleValue::Ports),
                c.open_port,
                "{}",
                l.format
            );
        }
    }
    let (a, b) = (trace(&tf), trace(&arm));
    assert_eq!(a.verdict, b.verdict, "Terraform and ARM disagree on {name}");
    let hop = |t: &Trace| {
        t.hops
            .iter()
            .find(|h| h.step == Step::Firewall)
            .map(|h| h.code)
            .unwrap_or_else(|| panic!("no firewall hop: {t:#?}"))
    };
    assert_eq!(hop(&a), hop(&b), "{name}");
    a
}

fn firewall_code(t: &Trace) -> Code {
    t.hops
        .iter()
        .find(|h| h.step == Step::Firewall)
        .map(|h| h.code)
        .unwrap()
}

#[test]
fn known_collections_decide_by_priority() {
    // Lower numbers first; terminating: the Deny at 100 decides before the Allow at 200.
    let deny = coll("deny", Some(100), Some("Deny"), 443);
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("known", &[deny, allow]);
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwNetworkDeny);
    let t = both("known-allow", &[allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwNetworkAllow);
}

#[test]
fn an_open_action_on_a_matching_collection_is_unknown() {
    // Was dropped by both importers: the flow then met the implicit deny, or an allow the
    // open collection may have denied before.
    let open = coll("open", Some(100), None, 443);
    let t = both("open-action", &[open]);
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("open-action-before-allow", &[open, allow]);
    assert_eq!(t.verdict, Verdict::Unknown, "never a wrong allowed: {t:#?}");
}

#[test]
fn an_open_action_on_a_collection_the_flow_does_not_match_changes_nothing() {
    // The open collection allows or denies port 22 only: TCP 443 is decided by the Allow.
    let open = coll("open", Some(100), None, 22);
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("open-action-other-port", &[open, allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwNetworkAllow);
}

#[test]
fn an_open_priority_deny_may_come_before_the_allow() {
    let deny = coll("deny", None, Some("Deny"), 443);
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("open-priority-deny", &[deny, allow]);
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
    let h = t.hops.iter().find(|h| h.step == Step::Firewall).unwrap();
    assert!(h.detail.contains("collection priority"), "{h:?}");
}

#[test]
fn an_open_priority_that_agrees_with_every_order_is_decided() {
    // An Allow wherever it sits, before or after another Allow of the same flow: allowed.
    let anywhere = coll("anywhere", None, Some("Allow"), 443);
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("open-priority-allow", &[anywhere, allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    // A Deny wherever it sits, with nothing else allowing the flow: denied by it or, should
    // it not apply, by the implicit deny; nothing allows the flow.
    let deny = coll("deny", None, Some("Deny"), 443);
    let t = both("open-priority-alone", &[deny]);
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwImplicitDeny);
}

#[test]
fn a_rule_port_list_with_an_open_element_gives_the_same_verdict_from_both() {
    // Was left out by the Terraform importer and read as `*` by the ARM importer. A Deny
    // collection whose rule names port 22 and one port the input leaves open may deny TCP 443
    // before the Allow: unknown from both, decided by the same firewall hop.
    let deny = C {
        open_port: true,
        ..coll("deny", Some(100), Some("Deny"), 22)
    };
    let allow = coll("allow", Some(200), Some("Allow"), 443);
    let t = both("open-port", &[deny, allow]);
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
    // In an Allow collection before another Allow, the open port changes nothing.
    let maybe = C {
        open_port: true,
        ..coll("maybe", Some(100), Some("Allow"), 22)
    };
    let t = both("open-port-allow", &[maybe, allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}
