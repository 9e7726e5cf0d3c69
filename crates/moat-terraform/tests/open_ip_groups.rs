//! An Azure Firewall IP group one of whose addresses the input leaves open, written in
//! Terraform and in ARM, used as a network rule's source or destination: both importers keep
//! the open address as the widest it may be (`*`) and mark the rules that read the group open,
//! so the same flow gets the same verdict from both, unknown where a value of the open address
//! could change it and definite where none could.
//!
//! Azure behaviour checked ("IP Groups in Azure Firewall", learn.microsoft.com/azure/firewall/
//! ip-groups): an IP group can be used "as a source or destination address in network rules",
//! and holds single addresses, CIDR blocks or ranges; so a rule that names the group matches
//! every address the group holds, the open one included. Rule processing ("Azure Firewall rule
//! processing logic"): collections in priority order, terminating on a match, and "Azure
//! Firewall denies all traffic by default".

use moat_doc::Loaded;
use moat_engine::{Code, Engine, Query, Step, Trace, Verdict};
use moat_model::address::Address;
use moat_model::firewall::RuleValue;
use moat_packets::Protocol;

mod scratch;
use scratch::Scratch;

/// The group's known address: neither subnet a (the flow's source) nor 10.0.2.4 (its
/// destination), so a rule naming the group matches the flow only if the open address does.
const KNOWN: &str = "10.0.3.0/24";

/// One network rule collection of one TCP rule on `port`, from subnet a (or the IP group) to
/// subnet b (or the IP group).
#[derive(Clone, Copy)]
struct C {
    name: &'static str,
    priority: u32,
    action: &'static str,
    port: u16,
    source_group: bool,
    destination_group: bool,
}

const fn coll(name: &'static str, priority: u32, action: &'static str, port: u16) -> C {
    C {
        name,
        priority,
        action,
        port,
        source_group: false,
        destination_group: false,
    }
}

fn terraform(collections: &[C]) -> String {
    let mut blocks = String::new();
    for c in collections {
        let src = if c.source_group {
            "source_ip_groups      = [azurerm_ip_group.g.id]"
        } else {
            "source_addresses      = [\"10.0.1.0/24\"]"
        };
        let dst = if c.destination_group {
            "destination_ip_groups = [azurerm_ip_group.g.id]"
        } else {
            "destination_addresses = [\"10.0.2.0/24\"]"
        };
        blocks.push_str(&format!(
            r#"resource "azurerm_firewall_network_rule_collection" "{0}" {{
  name                = "{0}"
  azure_firewall_name = azurerm_firewall.fw.name
  resource_group_name = "rg"
  priority            = {1}
  action              = "{2}"
  rule {{
    name                  = "r"
    {src}
    {dst}
    destination_ports     = ["{3}"]
    protocols             = ["TCP"]
  }}
}}
"#,
            c.name, c.priority, c.action, c.port
        ));
    }
    format!(
        r#"variable "extra" {{}}
resource "azurerm_ip_group" "g" {{
  name                = "g"
  location            = "eastus"
  resource_group_name = "rg"
  cidrs               = ["{KNOWN}", var.extra]
}}
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
    let group = "[\"[resourceId('Microsoft.Network/ipGroups', 'g')]\"]";
    let mut out = Vec::new();
    for c in collections {
        let src = if c.source_group {
            format!("\"sourceIpGroups\": {group}")
        } else {
            "\"sourceAddresses\": [\"10.0.1.0/24\"]".to_string()
        };
        let dst = if c.destination_group {
            format!("\"destinationIpGroups\": {group}")
        } else {
            "\"destinationAddresses\": [\"10.0.2.0/24\"]".to_string()
        };
        out.push(format!(
            r#"{{ "name": "{}", "properties": {{ "priority": {}, "action": {{ "type": "{}" }},
              "rules": [ {{ "name": "r", "protocols": ["TCP"], {src}, {dst},
                "destinationPorts": ["{}"] }} ] }} }}"#,
            c.name, c.priority, c.action, c.port
        ));
    }
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "extra": {{ "type": "string" }} }},
  "resources": [
    {{ "type": "Microsoft.Network/ipGroups", "apiVersion": "2023-09-01",
       "name": "g", "location": "eastus",
       "properties": {{ "ipAddresses": ["{KNOWN}", "[parameters('extra')]"] }} }},
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

/// The code of the firewall hop, the one that decides every flow of these tests.
fn firewall_code(t: &Trace) -> Code {
    t.hops
        .iter()
        .find(|h| h.step == Step::Firewall)
        .map(|h| h.code)
        .unwrap_or_else(|| panic!("no firewall hop: {t:#?}"))
}

/// The trace of subnet a → 10.0.2.4:443 (through the firewall) from the Terraform form and
/// the ARM form, which must agree on the verdict and the firewall hop; also checks that both
/// importers kept the group's open address as `*` and marked open the rules that read it.
fn both(name: &str, collections: &[C]) -> Trace {
    both_with(name, collections, false)
}

/// As [`both`]; with `external`, the rules name by its id a group the input does not declare
/// (an existing one, in another resource group), whose addresses are therefore all unknown.
fn both_with(name: &str, collections: &[C], external: bool) -> Trace {
    let (mut tf_text, mut arm_text) = (terraform(collections), arm(collections));
    if external {
        let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shared\
                  /providers/Microsoft.Network/ipGroups/shared";
        tf_text = tf_text.replace("[azurerm_ip_group.g.id]", &format!("[\"{id}\"]"));
        arm_text = arm_text.replace("[resourceId('Microsoft.Network/ipGroups', 'g')]", id);
    }
    let tf = Scratch::new(name, &[("main.tf", tf_text)]);
    let tf = moat_terraform::load(&tf.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let dir = Scratch::new(&format!("{name}-arm"), &[("t.json", arm_text)]);
    let arm = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    for l in [&tf, &arm] {
        let g = &l.topology.ip_groups;
        assert_eq!(g.len(), 1, "{}", l.format);
        let addrs: Vec<String> = g[0].ip_addresses.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            addrs,
            [KNOWN, "*"],
            "{}: the open address is kept",
            l.format
        );
        assert!(g[0].open, "{}", l.format);
        let fw = &l.topology.firewalls[0];
        for c in collections {
            let m = fw
                .network_rule_collections
                .iter()
                .find(|m| m.name == c.name)
                .unwrap_or_else(|| panic!("{}: {} dropped", l.format, c.name));
            let r = &m.rules[0];
            let open = |v| r.open.contains(&v);
            assert_eq!(open(RuleValue::Sources), c.source_group, "{}", l.format);
            assert_eq!(
                open(RuleValue::Destinations),
                c.destination_group,
                "{}",
                l.format
            );
        }
    }
    let (a, b) = (trace(&tf), trace(&arm));
    assert_eq!(a.verdict, b.verdict, "Terraform and ARM disagree on {name}");
    assert_eq!(firewall_code(&a), firewall_code(&b), "{name}");
    a
}

#[test]
fn an_allow_from_a_group_whose_address_is_open_may_allow_the_flow() {
    // Was decided on the known address alone: the rule did not match subnet a, and the
    // implicit deny gave a definite "denied" that the open address, were it 10.0.1.0/24,
    // would turn into "allowed".
    let allow = C {
        source_group: true,
        ..coll("from-group", 100, "Allow", 443)
    };
    let t = both("source", &[allow]);
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
}

#[test]
fn a_deny_to_a_group_whose_address_is_open_may_come_before_the_allow() {
    // Was decided on the known address alone: the Deny did not match 10.0.2.4, and the
    // Allow gave a definite "allowed" that the open address, were it 10.0.2.4, would deny.
    let deny = C {
        destination_group: true,
        ..coll("to-group", 100, "Deny", 443)
    };
    let allow = coll("allow", 200, "Allow", 443);
    let t = both("destination", &[deny, allow]);
    assert_eq!(t.verdict, Verdict::Unknown, "never a wrong allowed: {t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
}

#[test]
fn a_group_whose_address_is_open_changes_no_verdict_it_cannot_reach() {
    // The group's rules are on port 22: whatever the open address is, TCP 443 is decided by
    // the Allow, and definitely.
    let deny = C {
        source_group: true,
        destination_group: true,
        ..coll("group-ssh", 100, "Deny", 22)
    };
    let allow = coll("allow", 200, "Allow", 443);
    let t = both("other-port", &[deny, allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwNetworkAllow);
    // An Allow from the group before another Allow of the same flow: allowed whether or not
    // the open address makes it match.
    let maybe = C {
        source_group: true,
        ..coll("from-group", 100, "Allow", 443)
    };
    let t = both("allow-either-way", &[maybe, allow]);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert_eq!(firewall_code(&t), Code::FwNetworkAllow);
}

#[test]
fn a_group_the_input_does_not_declare_opens_the_rules_that_name_it() {
    // A group given by id (an existing one, declared elsewhere) may hold any address: the
    // ARM importer left it out of the rule, which was then decided on its other values.
    let allow = C {
        source_group: true,
        ..coll("from-group", 100, "Allow", 443)
    };
    let t = both_with("external-source", &[allow], true);
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    // The ARM importer's warning says what it did with the group: not "left out".
    let dir = Scratch::new("external-warning", &[("t.json", arm(&[allow]).replace(
        "[resourceId('Microsoft.Network/ipGroups', 'g')]",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shared/providers/Microsoft.Network/ipGroups/shared",
    ))]);
    let l = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let said = format!("{:?}", l.warnings);
    assert!(
        said.contains("source_ip_groups") && said.contains("sources are open"),
        "{said}"
    );
    assert!(!said.contains("left out"), "{said}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
    let deny = C {
        destination_group: true,
        ..coll("to-group", 100, "Deny", 443)
    };
    let allow = coll("allow", 200, "Allow", 443);
    let t = both_with("external-destination", &[deny, allow], true);
    assert_eq!(t.verdict, Verdict::Unknown, "never a wrong allowed: {t:#?}");
    assert_eq!(firewall_code(&t), Code::FwUndecided);
}

/// "IP Groups in Azure Firewall": a group holds single addresses, CIDR blocks "or a range of
/// IP addresses". A group of one range that covers subnet a admits an Allow from the group,
/// in both importers; the range was left out with a warning, the group was empty and the
/// flow got a definite "denied".
#[test]
fn a_group_of_an_address_range_matches_every_address_of_the_range() {
    let allow = C {
        source_group: true,
        ..coll("from-range", 100, "Allow", 443)
    };
    let range = "10.0.0.255-10.0.1.255";
    let tf_text = terraform(&[allow]).replace(
        &format!("[\"{KNOWN}\", var.extra]"),
        &format!("[\"{range}\"]"),
    );
    let arm_text = arm(&[allow]).replace(
        &format!("[\"{KNOWN}\", \"[parameters('extra')]\"]"),
        &format!("[\"{range}\"]"),
    );
    assert!(tf_text.contains(range) && arm_text.contains(range));
    let tf = Scratch::new("range", &[("main.tf", tf_text)]);
    let tf = moat_terraform::load(&tf.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let dir = Scratch::new("range-arm", &[("t.json", arm_text)]);
    let arm = moat_arm::load(&dir.0.join("t.json"), &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    for l in [&tf, &arm] {
        let g = &l.topology.ip_groups[0];
        let addrs: Vec<String> = g.ip_addresses.iter().map(|a| a.to_string()).collect();
        assert_eq!(addrs, ["10.0.0.255", "10.0.1.0/24"], "{}", l.format);
        assert!(!g.open, "{}", l.format);
        let t = trace(l);
        assert_eq!(t.verdict, Verdict::Allowed, "{}: {t:#?}", l.format);
        assert_eq!(firewall_code(&t), Code::FwNetworkAllow, "{}", l.format);
    }
}
