//! Azure Firewall, classic rule collections and firewall policies.

use crate::enums::*;
use crate::values::{AddressPrefix, PortRange, comma_list};
use crate::{Open, Provenance};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// An Azure Firewall (`Microsoft.Network/azureFirewalls`) in a VNet's `AzureFirewallSubnet`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The VNet holding it.
    pub vnet: String,
    /// Its private IP (the next hop of user-defined routes). An input that does not state it
    /// is read as the first usable address of its `AzureFirewallSubnet`, with
    /// `private_ip_assumed` set; `None` when that subnet's prefixes are unknown (a subnet the
    /// input does not declare), recorded as unknown, never a made-up address.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub private_ip_address: Option<IpAddr>,
    /// Whether `private_ip_address` is the address Azure gives the firewall in practice, not
    /// one the input states, and the input writes it as text elsewhere (a route's next hop).
    /// Azure assigns it (the API marks it read-only) and does not document which free address
    /// of the subnet it takes: a flow that reaches the firewall by this address rests on that
    /// assumption, which `--strict` does not make. A value read from the firewall's own
    /// attribute names the firewall whatever its address, and sets nothing here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private_ip_assumed: bool,
    /// Public IPs (names) it SNATs internet traffic to.
    #[serde(default)]
    pub public_ips: Vec<String>,
    #[serde(default)]
    pub sku: Option<FirewallSku>,
    /// Firewall policy (name); when set, classic collections are not used.
    #[serde(default)]
    pub firewall_policy: Option<String>,
    /// Acts as DNS proxy (clients may use its private IP as DNS server).
    #[serde(default)]
    pub dns_proxy: bool,
    /// DNS servers it forwards to as proxy; empty = Azure DNS.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dns_servers: Vec<IpAddr>,
    #[serde(default)]
    pub network_rule_collections: Vec<NetworkRuleCollection>,
    #[serde(default)]
    pub application_rule_collections: Vec<ApplicationRuleCollection>,
    /// DNAT rule collections: inbound traffic to a public IP of the firewall, translated.
    #[serde(default)]
    pub nat_rule_collections: Vec<NatRuleCollection>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A classic network rule collection (also the network rule collection of a policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRuleCollection {
    pub name: String,
    /// Its place among the collections; `unknown` when the input leaves it open (the
    /// collection may then come anywhere in its group).
    pub priority: Open<u32>,
    /// Allow or Deny; `unknown` when the input leaves it open.
    pub action: Open<Access>,
    pub rules: Vec<NetworkRule>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A firewall network rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRule {
    pub name: String,
    #[serde(default = "any_protocols")]
    pub protocols: Vec<FirewallProtocol>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub source_addresses: Vec<AddressPrefix>,
    /// IP groups (names) as sources.
    #[serde(default)]
    pub source_ip_groups: Vec<String>,
    /// Destination addresses: CIDRs, IPs, service tags, `*`.
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub destination_addresses: Vec<AddressPrefix>,
    /// Destination FQDNs (need DNS proxy on the firewall).
    #[serde(default)]
    pub destination_fqdns: Vec<String>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<PortRange>")]
    pub destination_ports: Vec<PortRange>,
    /// What of the rule the input leaves open (a parameter without value, an attribute known
    /// only after apply): the rule may or may not match on it, whatever it was read as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<RuleValue>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

fn any_protocols() -> Vec<FirewallProtocol> {
    vec![FirewallProtocol::Any]
}

/// A DNAT rule collection (classic `natRuleCollections`, or a policy's NAT rule collection).
/// Its action is always DNAT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatRuleCollection {
    pub name: String,
    /// `unknown` when the input leaves it open.
    pub priority: Open<u32>,
    pub rules: Vec<NatRule>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A DNAT rule: packets to a destination address (a public IP of the firewall) and port are
/// sent on to the translated address and port.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatRule {
    pub name: String,
    #[serde(default = "any_protocols")]
    pub protocols: Vec<FirewallProtocol>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub source_addresses: Vec<AddressPrefix>,
    #[serde(default)]
    pub source_ip_groups: Vec<String>,
    /// The firewall addresses the rule listens on.
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub destination_addresses: Vec<AddressPrefix>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<PortRange>")]
    pub destination_ports: Vec<PortRange>,
    /// Where matching packets go: an address, or a name the firewall resolves. Neither when
    /// the input leaves it open.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub translated_address: Option<IpAddr>,
    #[serde(default)]
    pub translated_fqdn: Option<String>,
    /// The port they go to; `None` when the input leaves it open.
    #[serde(default)]
    pub translated_port: Option<u16>,
    /// What of the rule the input leaves open (a parameter without value, an attribute known
    /// only after apply): the rule may or may not match on it, whatever it was read as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<RuleValue>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A classic application rule collection (also the application rule collection of a policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRuleCollection {
    pub name: String,
    /// Its place among the collections; `unknown` when the input leaves it open (the
    /// collection may then come anywhere in its group).
    pub priority: Open<u32>,
    /// Allow or Deny; `unknown` when the input leaves it open.
    pub action: Open<Access>,
    pub rules: Vec<ApplicationRule>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A firewall application rule: HTTP(S) by host name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRule {
    pub name: String,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub source_addresses: Vec<AddressPrefix>,
    #[serde(default)]
    pub source_ip_groups: Vec<String>,
    /// Protocols and ports (`Https:443`, `Http:80`).
    #[serde(default = "web_protocols")]
    pub protocols: Vec<AppProtocolPort>,
    /// Target FQDNs, wildcards allowed (`*.anaconda.com`).
    #[serde(default)]
    pub target_fqdns: Vec<String>,
    /// FQDN tags (`AzureKubernetesService`, `WindowsUpdate`, ...).
    #[serde(default)]
    pub fqdn_tags: Vec<String>,
    /// What of the rule the input leaves open (a parameter without value, an attribute known
    /// only after apply): the rule may or may not match on it, whatever it was read as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<RuleValue>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// `Https:443` — a protocol and port of an application rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppProtocolPort {
    pub protocol: ApplicationProtocol,
    pub port: u16,
}

fn web_protocols() -> Vec<AppProtocolPort> {
    vec![
        AppProtocolPort {
            protocol: ApplicationProtocol::Http,
            port: 80,
        },
        AppProtocolPort {
            protocol: ApplicationProtocol::Https,
            port: 443,
        },
    ]
}

impl std::str::FromStr for AppProtocolPort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (p, port) = match s.split_once(':') {
            Some((p, port)) => (p, Some(port)),
            None => (s, None),
        };
        let protocol = ApplicationProtocol::parse(p.trim())
            .ok_or_else(|| format!("`{s}`: protocol must be Http, Https or Mssql"))?;
        let port = match port {
            Some(x) => x.trim().parse().map_err(|_| format!("`{s}`: bad port"))?,
            None => match protocol {
                ApplicationProtocol::Http => 80,
                ApplicationProtocol::Https => 443,
                ApplicationProtocol::Mssql => 1433,
            },
        };
        Ok(AppProtocolPort { protocol, port })
    }
}

impl std::fmt::Display for AppProtocolPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.protocol, self.port)
    }
}

impl Serialize for AppProtocolPort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AppProtocolPort {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for AppProtocolPort {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AppProtocolPort".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": "Protocol and port: Https:443, Http:80"})
    }
}

/// The name of the rule that stands for a collection's rules when the input leaves the whole
/// list open: every value of it is open, so it may match any flow.
pub const UNKNOWN_RULES: &str = "(rules unknown)";

const ALL_OPEN: [RuleValue; 3] = [
    RuleValue::Sources,
    RuleValue::Destinations,
    RuleValue::Ports,
];

impl NetworkRule {
    /// The rule standing for a rule list the input leaves open.
    pub fn unknown_rules(at: Provenance) -> Self {
        NetworkRule {
            name: UNKNOWN_RULES.into(),
            protocols: any_protocols(),
            source_addresses: Vec::new(),
            source_ip_groups: Vec::new(),
            destination_addresses: Vec::new(),
            destination_fqdns: Vec::new(),
            destination_ports: Vec::new(),
            open: ALL_OPEN.to_vec(),
            at,
        }
    }
}

impl ApplicationRule {
    /// The rule standing for a rule list the input leaves open.
    pub fn unknown_rules(at: Provenance) -> Self {
        ApplicationRule {
            name: UNKNOWN_RULES.into(),
            source_addresses: Vec::new(),
            source_ip_groups: Vec::new(),
            protocols: web_protocols(),
            target_fqdns: Vec::new(),
            fqdn_tags: Vec::new(),
            open: ALL_OPEN.to_vec(),
            at,
        }
    }
}

impl NatRule {
    /// The rule standing for a rule list the input leaves open.
    pub fn unknown_rules(at: Provenance) -> Self {
        NatRule {
            name: UNKNOWN_RULES.into(),
            protocols: any_protocols(),
            source_addresses: Vec::new(),
            source_ip_groups: Vec::new(),
            destination_addresses: Vec::new(),
            destination_ports: Vec::new(),
            translated_address: None,
            translated_fqdn: None,
            translated_port: None,
            open: vec![
                RuleValue::Sources,
                RuleValue::Destinations,
                RuleValue::Ports,
                RuleValue::Translation,
            ],
            at,
        }
    }
}

/// The name of the collection that stands for a list of collections the input leaves open:
/// its priority, action and rules are all open.
pub const UNKNOWN_COLLECTIONS: &str = "(collections unknown)";

impl NetworkRuleCollection {
    /// The collection standing for a collection list the input leaves open.
    pub fn unknown(at: Provenance) -> Self {
        NetworkRuleCollection {
            name: UNKNOWN_COLLECTIONS.into(),
            priority: Open::Unknown,
            action: Open::Unknown,
            rules: vec![NetworkRule::unknown_rules(at.clone())],
            at,
        }
    }
}

impl ApplicationRuleCollection {
    /// The collection standing for a collection list the input leaves open.
    pub fn unknown(at: Provenance) -> Self {
        ApplicationRuleCollection {
            name: UNKNOWN_COLLECTIONS.into(),
            priority: Open::Unknown,
            action: Open::Unknown,
            rules: vec![ApplicationRule::unknown_rules(at.clone())],
            at,
        }
    }
}

impl NatRuleCollection {
    /// The collection standing for a collection list the input leaves open.
    pub fn unknown(at: Provenance) -> Self {
        NatRuleCollection {
            name: UNKNOWN_COLLECTIONS.into(),
            priority: Open::Unknown,
            rules: vec![NatRule::unknown_rules(at.clone())],
            at,
        }
    }
}

/// A value of a firewall rule that the input may leave open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleValue {
    /// Source addresses or IP groups.
    Sources,
    /// Destination addresses, IP groups or FQDNs (an application rule's target names or tags).
    Destinations,
    /// Protocols or destination ports.
    Ports,
    /// A DNAT rule's translated address or port.
    Translation,
}

impl RuleValue {
    /// How a rule's description names it (`sources unknown`).
    pub fn name(self) -> &'static str {
        match self {
            RuleValue::Sources => "sources",
            RuleValue::Destinations => "destinations",
            RuleValue::Ports => "protocols or ports",
            RuleValue::Translation => "translation",
        }
    }

    /// Whether the rule may match on this value whatever the input says (the translation
    /// decides where a match goes, not what matches).
    pub fn is_match(self) -> bool {
        !matches!(self, RuleValue::Translation)
    }
}

/// The field an importer records, in the topology's unknowns, for a value of rule `rule` of
/// collection `collection` that the rule carries as open (`collections/web/rules/any443`); an
/// importer may put its own path to the collection before it.
pub fn open_rule_field(collection: &str, rule: &str) -> String {
    format!("{collection}/rules/{rule}")
}

/// A rule collection as [`carries`] sees it: its name, whether its priority or action is
/// open, and its rules' names and open values.
type CollectionView<'a> = (&'a str, bool, Vec<(&'a str, &'a [RuleValue])>);

/// Whether `field` (as recorded in the topology's unknowns) is a value that the collections
/// carry as open, so that evaluating the rules already considers every value: a value of a
/// rule (`.../<collection>/rules/<rule>`) that the rule carries as open, or the priority,
/// action or rule list of a collection (`.../<collection>`) that the collection carries as
/// open.
fn carries<'a>(field: &str, collections: impl Iterator<Item = CollectionView<'a>>) -> bool {
    let collections: Vec<CollectionView<'a>> = collections.collect();
    // Collections the input leaves open may hold anything: every flow through them is
    // already decided both ways.
    if collections.iter().any(|(c, ..)| *c == UNKNOWN_COLLECTIONS) {
        return true;
    }
    let mut collections = collections.into_iter();
    let Some((path, rule)) = field.rsplit_once("/rules/") else {
        let collection = field.rsplit('/').next().unwrap_or(field);
        return collections.any(|(c, open, _)| open && c == collection);
    };
    let collection = path.rsplit('/').next().unwrap_or(path);
    collections.any(|(c, _, rules)| {
        c == collection && rules.iter().any(|(r, open)| *r == rule && !open.is_empty())
    })
}

fn collections_of<'a>(
    network: &'a [NetworkRuleCollection],
    application: &'a [ApplicationRuleCollection],
    nat: &'a [NatRuleCollection],
) -> impl Iterator<Item = CollectionView<'a>> {
    let n = network.iter().map(|c| {
        let r = c.rules.iter().map(|r| (r.name.as_str(), r.open.as_slice()));
        let open = c.priority.is_unknown()
            || c.action.is_unknown()
            || c.rules.iter().any(|r| r.name == UNKNOWN_RULES);
        (c.name.as_str(), open, r.collect())
    });
    let a = application.iter().map(|c| {
        let r = c.rules.iter().map(|r| (r.name.as_str(), r.open.as_slice()));
        let open = c.priority.is_unknown()
            || c.action.is_unknown()
            || c.rules.iter().any(|r| r.name == UNKNOWN_RULES);
        (c.name.as_str(), open, r.collect())
    });
    let d = nat.iter().map(|c| {
        let r = c.rules.iter().map(|r| (r.name.as_str(), r.open.as_slice()));
        let open = c.priority.is_unknown() || c.rules.iter().any(|r| r.name == UNKNOWN_RULES);
        (c.name.as_str(), open, r.collect())
    });
    n.chain(a).chain(d)
}

impl Firewall {
    /// What a flow that reaches the firewall by its address takes for granted when that
    /// address is assumed (see `private_ip_assumed`); `None` when the input states it.
    pub fn address_assumption(&self) -> Option<String> {
        let ip = self
            .private_ip_address
            .filter(|_| self.private_ip_assumed)?;
        Some(format!(
            "Azure gives firewall {} the address {ip}, the first usable address of its AzureFirewallSubnet",
            self.name
        ))
    }

    /// Whether `field` of this firewall's unknowns is an open value one of its collections or
    /// rules carries.
    pub fn carries(&self, field: &str) -> bool {
        carries(
            field,
            collections_of(
                &self.network_rule_collections,
                &self.application_rule_collections,
                &self.nat_rule_collections,
            ),
        )
    }
}

impl FirewallPolicy {
    /// Whether `field` of this policy's unknowns is an open value one of its groups,
    /// collections or rules carries (a group's open priority is recorded as
    /// `rule_collection_groups/<group>/priority`).
    pub fn carries(&self, field: &str) -> bool {
        self.rule_collection_groups.iter().any(|g| {
            field
                .strip_suffix("/priority")
                .and_then(|f| f.rsplit('/').next())
                .is_some_and(|n| n == g.name && g.priority.is_unknown())
                || carries(
                    field,
                    collections_of(
                        &g.network_rule_collections,
                        &g.application_rule_collections,
                        &g.nat_rule_collections,
                    ),
                )
        })
    }
}

/// A firewall policy (`Microsoft.Network/firewallPolicies`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirewallPolicy {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Parent policy whose rules are processed first.
    #[serde(default)]
    pub base_policy: Option<String>,
    /// DNS proxy enabled in the policy's DNS settings.
    #[serde(default)]
    pub dns_proxy: bool,
    /// DNS servers its firewalls' proxy forwards to (`dnsSettings.servers`); empty = Azure DNS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub dns_servers: Vec<IpAddr>,
    #[serde(default)]
    pub rule_collection_groups: Vec<RuleCollectionGroup>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A rule collection group of a firewall policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleCollectionGroup {
    pub name: String,
    /// `unknown` when the input leaves it open (the group may then come anywhere among its
    /// policy's groups).
    pub priority: Open<u32>,
    #[serde(default)]
    pub network_rule_collections: Vec<NetworkRuleCollection>,
    #[serde(default)]
    pub application_rule_collections: Vec<ApplicationRuleCollection>,
    #[serde(default)]
    pub nat_rule_collections: Vec<NatRuleCollection>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// An IP group (`Microsoft.Network/ipGroups`), usable as firewall rule source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpGroup {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub ip_addresses: Vec<AddressPrefix>,
    /// The input leaves one of its addresses open (a parameter without value, a variable): that
    /// one may be any address, so the group holds `*` besides the known ones, and every rule
    /// that reads the group is open on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open: bool,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

impl IpGroup {
    /// A group of its known addresses and, when `open`, one address the input leaves open,
    /// kept as the widest it may be (`*`: a group holds addresses and ranges, never tags).
    pub fn new(
        name: String,
        region: Option<String>,
        mut ip_addresses: Vec<AddressPrefix>,
        open: bool,
        at: Provenance,
    ) -> Self {
        if open && !ip_addresses.contains(&AddressPrefix::Any) {
            ip_addresses.push(AddressPrefix::Any);
        }
        IpGroup {
            name,
            region,
            ip_addresses,
            open,
            at,
        }
    }

    /// One entry of a group's address list as the prefixes it covers: a single address, a
    /// CIDR block, or a range (`10.2.0.0-10.2.0.31`) given as the fewest CIDR blocks that cover
    /// exactly its addresses, so a rule naming the group matches every address the range holds
    /// and no other.
    pub fn entry(s: &str) -> Result<Vec<AddressPrefix>, String> {
        let t = s.trim();
        let Some((a, b)) = t.split_once('-') else {
            return Ok(vec![t.parse::<AddressPrefix>()?]);
        };
        let bad = || format!("{t:?} is not an address range (two IPv4 addresses, low-high)");
        let lo: std::net::Ipv4Addr = a.trim().parse().map_err(|_| bad())?;
        let hi: std::net::Ipv4Addr = b.trim().parse().map_err(|_| bad())?;
        if lo > hi {
            return Err(format!(
                "{t:?} is not an address range: its first address is above its last"
            ));
        }
        Ok(ipnet::Ipv4Subnets::new(lo, hi, 0)
            .map(|n| AddressPrefix::Net(ipnet::IpNet::V4(n)))
            .collect())
    }

    /// Adds the group's addresses to a rule's `addrs`, noting in the rule's `open` that the
    /// value `which` is open when the group is: a rule never decides on known addresses alone.
    pub fn read_into(
        &self,
        addrs: &mut Vec<AddressPrefix>,
        open: &mut Vec<RuleValue>,
        which: RuleValue,
    ) {
        addrs.extend(self.ip_addresses.iter().cloned());
        if self.open && !open.contains(&which) {
            open.push(which);
        }
    }
}

impl crate::Topology {
    /// Marks open the sources of every firewall rule whose source IP groups include an open
    /// group (by name, as rules name them), whatever input the rule came from.
    pub fn open_rules_of_open_ip_groups(&mut self) {
        let open: Vec<String> = self
            .ip_groups
            .iter()
            .filter(|g| g.open)
            .map(|g| g.name.clone())
            .collect();
        if open.is_empty() {
            return;
        }
        let mark = |groups: &[String], o: &mut Vec<RuleValue>| {
            if groups.iter().any(|g| open.contains(g)) && !o.contains(&RuleValue::Sources) {
                o.push(RuleValue::Sources);
            }
        };
        // The rules of the three kinds of collection, on a firewall and in a policy's group.
        macro_rules! mark_rules {
            ($owner:expr) => {
                for c in &mut $owner.network_rule_collections {
                    c.rules
                        .iter_mut()
                        .for_each(|r| mark(&r.source_ip_groups, &mut r.open));
                }
                for c in &mut $owner.application_rule_collections {
                    c.rules
                        .iter_mut()
                        .for_each(|r| mark(&r.source_ip_groups, &mut r.open));
                }
                for c in &mut $owner.nat_rule_collections {
                    c.rules
                        .iter_mut()
                        .for_each(|r| mark(&r.source_ip_groups, &mut r.open));
                }
            };
        }
        for f in &mut self.firewalls {
            mark_rules!(f);
        }
        for p in &mut self.firewall_policies {
            for g in &mut p.rule_collection_groups {
                mark_rules!(g);
            }
        }
    }
}

impl crate::Topology {
    /// Every network rule collection: the firewalls' own (classic rules) and those of every
    /// firewall policy's rule collection groups.
    pub fn network_rule_collections(&self) -> impl Iterator<Item = &NetworkRuleCollection> {
        self.firewalls
            .iter()
            .flat_map(|f| f.network_rule_collections.iter())
            .chain(self.firewall_policies.iter().flat_map(|p| {
                p.rule_collection_groups
                    .iter()
                    .flat_map(|g| g.network_rule_collections.iter())
            }))
    }

    /// Every application rule collection: the firewalls' own (classic rules) and those of
    /// every firewall policy's rule collection groups.
    pub fn application_rule_collections(&self) -> impl Iterator<Item = &ApplicationRuleCollection> {
        self.firewalls
            .iter()
            .flat_map(|f| f.application_rule_collections.iter())
            .chain(self.firewall_policies.iter().flat_map(|p| {
                p.rule_collection_groups
                    .iter()
                    .flat_map(|g| g.application_rule_collections.iter())
            }))
    }
}

#[cfg(test)]
mod ip_group_tests {
    use super::IpGroup;

    #[test]
    fn a_range_is_the_fewest_blocks_that_hold_exactly_its_addresses() {
        let text = |s: &str| -> Vec<String> {
            IpGroup::entry(s)
                .unwrap()
                .iter()
                .map(|a| a.to_string())
                .collect()
        };
        assert_eq!(text("10.2.0.0-10.2.0.31"), ["10.2.0.0/27"]);
        assert_eq!(text("10.0.0.255 - 10.0.1.1"), ["10.0.0.255", "10.0.1.0/31"]);
        assert_eq!(text("10.1.0.0/16"), ["10.1.0.0/16"]);
        assert_eq!(text("10.1.0.7"), ["10.1.0.7"]);
        assert!(IpGroup::entry("10.0.0.9-10.0.0.1").is_err());
        assert!(IpGroup::entry("10.0.0.1-x").is_err());
    }
}
