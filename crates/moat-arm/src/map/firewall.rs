//! Azure Firewall: classic rule collections, firewall policies and their rule collection
//! groups, IP groups, and the address Azure gives a firewall in its subnet.

use super::*;
use crate::value::Val;

/// The reason the evaluator gives the private IP Azure gives a firewall the template deploys
/// (`reference(fw).ipConfigurations[0].properties.privateIPAddress`), followed by its id.
const FIREWALL_ADDRESS_PREFIX: &str = "the private IP address Azure gives firewall ";

/// The private IP Azure gives the firewall of id `id`, which the template cannot state: an
/// unknown whose identity is its reason, so that only this value, not one derived from it
/// (`concat(x, '/32')`, `split(x, '.')[0]`), names the firewall ([`firewall_of`]).
pub(crate) fn firewall_address(id: &str) -> Val {
    let reason = format!("{FIREWALL_ADDRESS_PREFIX}{id}");
    let key = crate::hash::key_hash(&reason);
    Val::unknown_nonnull(reason, key)
}

/// The id of the firewall whose address `v` is, as [`firewall_address`] gives it.
pub(super) fn firewall_of(v: &Json) -> Option<&str> {
    let reason = unknown_of(v)?;
    let id = reason.strip_prefix(FIREWALL_ADDRESS_PREFIX)?;
    let mark = v.get("$key").and_then(Json::as_str)?;
    (Val::unknown_from(reason).render().as_deref() == Some(mark)).then_some(id)
}

pub(super) fn map_firewall_policy(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let base_policy = rec.id(p, &["basePolicy", "id"], "base_policy");
    let dns_proxy = rec.bool(
        p,
        &["dnsSettings", "enableProxy"],
        "dns_proxy",
        false,
        false,
    );
    let dns_servers = rec
        .strings(p, &["dnsSettings", "servers"], "dns_servers")
        .into_iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .collect();
    // Azure lists a policy's groups by id (read-only, so only what it returns holds them):
    // each must be found among the groups the input holds.
    // Properties the input leaves open (a resource listed without them) leave its groups open.
    match at(p, &["ruleCollectionGroups"]) {
        F::Known(Json::Array(gs)) => {
            let ids = gs
                .iter()
                .filter_map(|g| get(g, "id").and_then(json_text))
                .map(Ok)
                .collect();
            ctx.listed_groups.push((name.clone(), ids, res.at.clone()));
        }
        F::Unknown(r) => ctx
            .listed_groups
            .push((name.clone(), vec![Err(r)], res.at.clone())),
        _ => {}
    }
    ctx.register(&res.id, Kind::FirewallPolicy, &name);
    t.firewall_policies.push(FirewallPolicy {
        name,
        region,
        base_policy,
        dns_proxy,
        dns_servers,
        rule_collection_groups: Vec::new(),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_ip_group(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let mut ip_addresses = Vec::new();
    // An address the template leaves open (recorded) opens the group: it may be any address.
    let before = rec.unknowns.len();
    for s in rec.strings(p, &["ipAddresses"], "ip_addresses") {
        match IpGroup::entry(&s) {
            Ok(a) => ip_addresses.extend(a),
            Err(e) => rec.warn(format!("{}: {e}", rec.resource)),
        }
    }
    let open = rec.unknowns.len() > before;
    ctx.register(&res.id, Kind::IpGroup, &name);
    t.ip_groups.push(IpGroup::new(
        name,
        region,
        ip_addresses,
        open,
        res.at.clone(),
    ));
    flush(t, ctx, rec);
}

/// A rule collection's action (`action.type`, or `action` itself); `unknown` when the
/// template leaves it open, recorded so. `None` when absent or not Allow/Deny.
pub(super) fn action_of(rec: &mut Rec, v: &Json, field: &str) -> Option<Open<Access>> {
    let read = |x: &Json| {
        json_text(x)
            .as_deref()
            .and_then(Access::parse)
            .map(Open::Known)
    };
    let open = |rec: &mut Rec, r: String| {
        rec.unknown(field, &format!("{r}; the collection's action is open"));
        Some(Open::Unknown)
    };
    match at(v, &["action", "type"]) {
        F::Known(x) => read(x),
        F::Unknown(r) => open(rec, r),
        F::Absent => match at(v, &["action"]) {
            F::Known(x) => read(x),
            F::Unknown(r) => open(rec, r),
            F::Absent => None,
        },
    }
}

/// A priority (of a collection or group); `unknown` when the template leaves it open,
/// recorded so. `None` when absent or not a number.
pub(super) fn priority_of(rec: &mut Rec, v: &Json, field: &str) -> Option<Open<u32>> {
    match at(v, &["priority"]) {
        F::Known(x) => x
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Open::Known),
        F::Unknown(r) => {
            rec.unknown(field, &format!("{r}; the priority is open"));
            Some(Open::Unknown)
        }
        F::Absent => None,
    }
}

/// Whether the template leaves a collection's rule list open as a whole: the collection then
/// holds one rule that may match anything ([`UNKNOWN_RULES`]).
fn rules_open(v: &Json) -> bool {
    matches!(at(v, &["rules"]), F::Unknown(_))
}

pub(super) fn app_protocols(rec: &mut Rec, r: &Json, field: &str) -> Vec<AppProtocolPort> {
    let mut out = Vec::new();
    for pr in rec.list(r, &["protocols"], field) {
        let proto = rec.str(pr, &["protocolType"], field);
        let port = rec.u32(pr, &["port"], field);
        let Some(proto) = proto.and_then(|x| ApplicationProtocol::parse(&x)) else {
            continue;
        };
        let port = port
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(match proto {
                ApplicationProtocol::Http => 80,
                ApplicationProtocol::Https => 443,
                ApplicationProtocol::Mssql => 1433,
            });
        out.push(AppProtocolPort {
            protocol: proto,
            port,
        });
    }
    if out.is_empty() {
        out = vec![
            AppProtocolPort {
                protocol: ApplicationProtocol::Http,
                port: 80,
            },
            AppProtocolPort {
                protocol: ApplicationProtocol::Https,
                port: 443,
            },
        ];
    }
    out
}

/// Reads one value of a rule with `read`, noting in `open` that the input leaves it open when
/// the read records an unknown.
pub(super) fn value<T>(
    rec: &mut Rec,
    open: &mut Vec<RuleValue>,
    which: RuleValue,
    read: impl FnOnce(&mut Rec) -> T,
) -> T {
    let before = rec.unknowns.len();
    let v = read(rec);
    if rec.unknowns.len() > before && !open.contains(&which) {
        open.push(which);
    }
    v
}

/// The name of a rule and the field its open values are recorded under.
fn rule_name(rec: &mut Rec, r: &Json, field: &str) -> (String, String) {
    let name = rec.str(r, &["name"], field).unwrap_or_default();
    let f = open_rule_field(field, &name);
    (name, f)
}

pub(super) fn net_rule(
    rec: &mut Rec,
    r: &Json,
    field: &str,
    protocols_key: &str,
) -> (NetworkRule, Vec<String>) {
    let (name, field) = rule_name(rec, r, field);
    let field = field.as_str();
    let mut open = Vec::new();
    let mut protocols = Vec::new();
    let names = value(rec, &mut open, RuleValue::Ports, |rec| {
        rec.strings(r, &[protocols_key], field)
    });
    for s in names {
        match FirewallProtocol::parse(&s) {
            Some(p) => protocols.push(p),
            None => rec.warn(format!(
                "{}: firewall protocol `{s}` is not understood",
                rec.resource
            )),
        }
    }
    if protocols.is_empty() {
        protocols.push(FirewallProtocol::Any);
    }
    let o = &mut open;
    let dest_groups = value(rec, o, RuleValue::Destinations, |rec| {
        rec.id_strings(r, &["destinationIpGroups"], field)
    });
    let source_addresses = value(rec, o, RuleValue::Sources, |rec| {
        rec.prefixes(r, "sourceAddresses", "sourceAddresses", field)
    });
    let source_ip_groups = value(rec, o, RuleValue::Sources, |rec| {
        rec.id_strings(r, &["sourceIpGroups"], field)
    });
    let destination_addresses = value(rec, o, RuleValue::Destinations, |rec| {
        rec.prefixes(r, "destinationAddresses", "destinationAddresses", field)
    });
    let destination_fqdns = value(rec, o, RuleValue::Destinations, |rec| {
        rec.strings(r, &["destinationFqdns"], field)
    });
    let destination_ports = value(rec, o, RuleValue::Ports, |rec| {
        rec.ports(r, "destinationPorts", "destinationPorts", field)
    });
    let rule = NetworkRule {
        name,
        protocols,
        source_addresses,
        source_ip_groups,
        destination_addresses,
        destination_fqdns,
        destination_ports,
        open,
        at: rec.at.clone(),
    };
    (rule, dest_groups)
}

pub(super) fn app_rule(rec: &mut Rec, r: &Json, field: &str) -> ApplicationRule {
    let (name, field) = rule_name(rec, r, field);
    let field = field.as_str();
    let mut open = Vec::new();
    let o = &mut open;
    let source_addresses = value(rec, o, RuleValue::Sources, |rec| {
        rec.prefixes(r, "sourceAddresses", "sourceAddresses", field)
    });
    let source_ip_groups = value(rec, o, RuleValue::Sources, |rec| {
        rec.id_strings(r, &["sourceIpGroups"], field)
    });
    let protocols = value(rec, o, RuleValue::Ports, |rec| app_protocols(rec, r, field));
    let target_fqdns = value(rec, o, RuleValue::Destinations, |rec| {
        rec.strings(r, &["targetFqdns"], field)
    });
    let fqdn_tags = value(rec, o, RuleValue::Destinations, |rec| {
        rec.strings(r, &["fqdnTags"], field)
    });
    ApplicationRule {
        name,
        source_addresses,
        source_ip_groups,
        protocols,
        target_fqdns,
        fqdn_tags,
        open,
        at: rec.at.clone(),
    }
}

/// A DNAT rule, classic (`protocols`) or of a policy (`ipProtocols`).
pub(super) fn nat_rule(rec: &mut Rec, r: &Json, field: &str, protocols_key: &str) -> NatRule {
    let (net, _) = net_rule(rec, r, field, protocols_key);
    let field = open_rule_field(field, &net.name);
    let field = field.as_str();
    let mut open = net.open;
    let o = &mut open;
    let translated_port = value(rec, o, RuleValue::Translation, |rec| {
        rec.str(r, &["translatedPort"], field)
    })
    .and_then(|p| match p.trim().parse::<u16>() {
        Ok(n) => Some(n),
        Err(_) => {
            rec.warn(format!(
                "{}: DNAT translated port `{p}` is not a port",
                rec.resource
            ));
            None
        }
    });
    let translated_address = value(rec, o, RuleValue::Translation, |rec| {
        rec.ip(r, &["translatedAddress"], field)
    });
    let translated_fqdn = value(rec, o, RuleValue::Translation, |rec| {
        rec.str(r, &["translatedFqdn"], field)
    });
    NatRule {
        name: net.name,
        protocols: net.protocols,
        source_addresses: net.source_addresses,
        source_ip_groups: net.source_ip_groups,
        destination_addresses: net.destination_addresses,
        destination_ports: net.destination_ports,
        translated_address,
        translated_fqdn,
        translated_port,
        open,
        at: rec.at.clone(),
    }
}

/// The classic DNAT rule collections of a firewall.
pub(super) fn nat_collections(rec: &mut Rec, p: &Json, at_: &Provenance) -> Vec<NatRuleCollection> {
    let mut out = Vec::new();
    for c in rec.list(p, &["natRuleCollections"], "nat_rule_collections") {
        if let Some(r) = unknown_of(c) {
            rec.unknown("nat_rule_collections", r);
            out.push(NatRuleCollection::unknown(at_.clone()));
            continue;
        }
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("nat_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(priority) = priority_of(rec, &cp, &field) else {
            continue;
        };
        let mut rules: Vec<NatRule> = rec
            .list(&cp, &["rules"], &field)
            .into_iter()
            .map(|r| nat_rule(rec, r, &field, "protocols"))
            .collect();
        if rules_open(&cp) {
            rules.push(NatRule::unknown_rules(at_.clone()));
        }
        out.push(NatRuleCollection {
            name: cname,
            priority,
            rules,
            at: at_.clone(),
        });
    }
    out
}

pub(super) fn map_firewall(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    firewall_into(t, res, &mut rec, ctx);
    flush(t, ctx, rec);
}

fn firewall_into(t: &mut Topology, res: &ArmResource, rec: &mut Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let cfgs = rec.list(p, &["ipConfigurations"], "vnet");
    let first = cfgs.first().copied().cloned();
    let subnet = first
        .as_ref()
        .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
    let explicit_ip = first
        .as_ref()
        .and_then(|c| rec.ip(c, &["properties", "privateIPAddress"], "private_ip_address"));
    let public_ips: Vec<String> = cfgs
        .iter()
        .filter_map(|c| rec.id(c, &["properties", "publicIPAddress", "id"], "public_ips"))
        .collect();
    let Some(subnet) = subnet else {
        rec.unknown(
            "vnet",
            "the firewall names no subnet; the firewall is not imported",
        );
        rec.warnings.push(warning(
            "not-imported",
            format!("{} is not imported: it names no subnet", rec.resource),
            &res.at,
            None,
        ));
        return;
    };
    let sku = res
        .sku
        .as_ref()
        .and_then(|s| rec.opt_enm(s, &["tier"], "sku", FirewallSku::parse));
    let dns_proxy = rec.bool(
        p,
        &["additionalProperties", "Network.DNS.EnableProxy"],
        "dns_proxy",
        false,
        false,
    );
    let dns_servers = rec
        .strings(
            p,
            &["additionalProperties", "Network.DNS.Servers"],
            "dns_servers",
        )
        .into_iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .collect();
    let mut network_rule_collections = Vec::new();
    for c in rec.list(p, &["networkRuleCollections"], "network_rule_collections") {
        // A collection the template leaves open may hold any rule.
        if let Some(r) = unknown_of(c) {
            rec.unknown("network_rule_collections", r);
            network_rule_collections.push(NetworkRuleCollection::unknown(res.at.clone()));
            continue;
        }
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("network_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(action) = action_of(rec, &cp, &field) else {
            continue;
        };
        let Some(priority) = priority_of(rec, &cp, &field) else {
            continue;
        };
        let mut rules = Vec::new();
        let ci = network_rule_collections.len();
        for r in rec.list(&cp, &["rules"], &field) {
            let (rule, groups) = net_rule(rec, r, &field, "protocols");
            if !groups.is_empty() {
                ctx.dest_ip_groups.push((
                    Kind::Firewall,
                    name.clone(),
                    vec![0, ci, rules.len()],
                    groups,
                ));
            }
            rules.push(rule);
        }
        if rules_open(&cp) {
            rules.push(NetworkRule::unknown_rules(res.at.clone()));
        }
        network_rule_collections.push(NetworkRuleCollection {
            name: cname,
            priority,
            action,
            rules,
            at: res.at.clone(),
        });
    }
    let mut application_rule_collections = Vec::new();
    for c in rec.list(
        p,
        &["applicationRuleCollections"],
        "application_rule_collections",
    ) {
        if let Some(r) = unknown_of(c) {
            rec.unknown("application_rule_collections", r);
            application_rule_collections.push(ApplicationRuleCollection::unknown(res.at.clone()));
            continue;
        }
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("application_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(action) = action_of(rec, &cp, &field) else {
            continue;
        };
        let Some(priority) = priority_of(rec, &cp, &field) else {
            continue;
        };
        let mut rules: Vec<ApplicationRule> = rec
            .list(&cp, &["rules"], &field)
            .into_iter()
            .map(|r| app_rule(rec, r, &field))
            .collect();
        if rules_open(&cp) {
            rules.push(ApplicationRule::unknown_rules(res.at.clone()));
        }
        application_rule_collections.push(ApplicationRuleCollection {
            name: cname,
            priority,
            action,
            rules,
            at: res.at.clone(),
        });
    }
    let mut nat_rule_collections = nat_collections(rec, p, &res.at);
    // Collections the template leaves open may hold any rule.
    if matches!(at(p, &["networkRuleCollections"]), F::Unknown(_)) {
        network_rule_collections.push(NetworkRuleCollection::unknown(res.at.clone()));
    }
    if matches!(at(p, &["applicationRuleCollections"]), F::Unknown(_)) {
        application_rule_collections.push(ApplicationRuleCollection::unknown(res.at.clone()));
    }
    if matches!(at(p, &["natRuleCollections"]), F::Unknown(_)) {
        nat_rule_collections.push(NatRuleCollection::unknown(res.at.clone()));
    }
    if explicit_ip.is_none() {
        ctx.firewall_ip_from_subnet.insert(name.clone());
    }
    ctx.register(&res.id, Kind::Firewall, &name);
    t.firewalls.push(Firewall {
        name,
        region: res.location.clone(),
        vnet: subnet,
        private_ip_address: explicit_ip,
        private_ip_assumed: false,
        public_ips,
        sku,
        firewall_policy: rec.id(p, &["firewallPolicy", "id"], "firewall_policy"),
        dns_proxy,
        dns_servers,
        network_rule_collections,
        application_rule_collections,
        nat_rule_collections,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
}

/// A rule collection group of a firewall policy (its collections' rules typed by `ruleType`).
pub(super) fn rule_collection_group(
    res: &ArmResource,
    leaf: &str,
    rec: &mut Rec,
) -> Option<Payload> {
    let p = &res.properties;
    match priority_of(rec, p, "priority") {
        None => {
            rec.warn(format!(
                "{}: the rule collection group has no priority; not imported",
                rec.resource
            ));
            None
        }
        Some(priority) => {
            let mut g = RuleCollectionGroup {
                name: leaf.to_string(),
                priority,
                network_rule_collections: Vec::new(),
                application_rule_collections: Vec::new(),
                nat_rule_collections: Vec::new(),
                at: res.at.clone(),
            };
            let mut groups = Vec::new();
            for c in rec.list(p, &["ruleCollections"], "rule_collections") {
                let cname = get(c, "name").and_then(json_text).unwrap_or_default();
                let field = format!("rule_collections/{cname}");
                let kind = get(c, "ruleCollectionType").and_then(json_text);
                if kind
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case("FirewallPolicyNatRuleCollection"))
                {
                    let Some(cprio) = priority_of(rec, c, &field) else {
                        continue;
                    };
                    let mut rules: Vec<NatRule> = rec
                        .list(c, &["rules"], &field)
                        .into_iter()
                        .map(|r| nat_rule(rec, r, &field, "ipProtocols"))
                        .collect();
                    if rules_open(c) {
                        rules.push(NatRule::unknown_rules(res.at.clone()));
                    }
                    g.nat_rule_collections.push(NatRuleCollection {
                        name: cname,
                        priority: cprio,
                        rules,
                        at: res.at.clone(),
                    });
                    continue;
                }
                let Some(action) = action_of(rec, c, &field) else {
                    continue;
                };
                let Some(cprio) = priority_of(rec, c, &field) else {
                    continue;
                };
                let mut nrules = Vec::new();
                let mut arules = Vec::new();
                // A rule list the template leaves open may hold rules of either type.
                if rules_open(c) {
                    nrules.push(NetworkRule::unknown_rules(res.at.clone()));
                    arules.push(ApplicationRule::unknown_rules(res.at.clone()));
                }
                for r in rec.list(c, &["rules"], &field) {
                    // A rule, or its type, the template leaves open may be a rule of either
                    // type matching anything.
                    if unknown_of(r).is_some() || matches!(at(r, &["ruleType"]), F::Unknown(_)) {
                        rec.unknown(&field, "a rule of the collection is open");
                        nrules.push(NetworkRule::unknown_rules(res.at.clone()));
                        arules.push(ApplicationRule::unknown_rules(res.at.clone()));
                        continue;
                    }
                    let rt = get(r, "ruleType")
                        .and_then(json_text)
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    match rt.as_str() {
                        "networkrule" => {
                            let (rule, dg) = net_rule(rec, r, &field, "ipProtocols");
                            if !dg.is_empty() {
                                groups.push((
                                    g.network_rule_collections.len(),
                                    nrules.len(),
                                    dg.join(","),
                                ));
                            }
                            nrules.push(rule);
                        }
                        "applicationrule" => arules.push(app_rule(rec, r, &field)),
                        other => rec.warn(format!(
                            "{}: `{other}` rules are not imported",
                            rec.resource
                        )),
                    }
                }
                if !nrules.is_empty() {
                    g.network_rule_collections.push(NetworkRuleCollection {
                        name: cname.clone(),
                        priority: cprio,
                        action,
                        rules: nrules,
                        at: res.at.clone(),
                    });
                }
                if !arules.is_empty() {
                    g.application_rule_collections
                        .push(ApplicationRuleCollection {
                            name: cname,
                            priority: cprio,
                            action,
                            rules: arules,
                            at: res.at.clone(),
                        });
                }
            }
            // Collections the template leaves open may be of any type and hold any rule.
            if matches!(at(p, &["ruleCollections"]), F::Unknown(_)) {
                let a = res.at.clone();
                g.network_rule_collections
                    .push(NetworkRuleCollection::unknown(a.clone()));
                g.application_rule_collections
                    .push(ApplicationRuleCollection::unknown(a.clone()));
                g.nat_rule_collections.push(NatRuleCollection::unknown(a));
            }
            Some(Payload::Rcg(g, groups))
        }
    }
}

/// The group standing for a policy's groups when the input leaves them open.
const UNKNOWN_GROUPS: &str = "(groups unknown)";

/// The rule collection groups a policy lists (`properties.ruleCollectionGroups`, as Azure
/// returns a deployed policy) that the input does not hold: Azure Resource Graph returns a
/// policy but not its groups, so an export of it alone says that the groups exist, not what
/// they hold. Each stands as a group whose priority and collections are open, recorded on
/// the policy: a flow through the firewall is then undecided, never denied for want of an
/// allowing rule the export left out.
pub(super) fn listed_groups(t: &mut Topology, ctx: &mut MapContext) {
    for (policy, ids, at_) in std::mem::take(&mut ctx.listed_groups) {
        let Some(fp) = t.firewall_policies.iter_mut().find(|p| p.name == policy) else {
            continue;
        };
        for id in ids {
            let (leaf, reason) = match id {
                Ok(id) => {
                    let leaf = last_segment(&id);
                    let why = format!(
                        "the policy lists rule collection group `{leaf}`, which the input does not hold (Azure Resource Graph returns no rule collection groups: add `az resource show --ids {id}` to the export)"
                    );
                    (leaf, why)
                }
                Err(r) => (UNKNOWN_GROUPS.to_string(), r),
            };
            if fp
                .rule_collection_groups
                .iter()
                .any(|g| g.name.eq_ignore_ascii_case(&leaf))
            {
                continue;
            }
            fp.rule_collection_groups.push(RuleCollectionGroup {
                name: leaf.clone(),
                priority: Open::Unknown,
                network_rule_collections: vec![NetworkRuleCollection::unknown(at_.clone())],
                application_rule_collections: vec![ApplicationRuleCollection::unknown(at_.clone())],
                nat_rule_collections: vec![NatRuleCollection::unknown(at_.clone())],
                at: at_.clone(),
            });
            t.unknowns.push(Unknown {
                resource: format!("firewall-policy/{policy}"),
                field: format!("rule_collection_groups/{leaf}"),
                reason,
                at: at_.clone(),
            });
        }
    }
}

/// Firewalls' subnets, addresses, public IPs, policies and IP groups; policies' bases.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    let mut fws = std::mem::take(&mut t.firewalls);
    fws.retain_mut(|f| {
        let label = format!("firewall/{}", f.name);
        let subnet = external::subnet(t, ctx, &f.vnet.clone(), &label, &f.at);
        f.vnet = subnet
            .split_once('/')
            .map_or(subnet.clone(), |(v, _)| v.to_string());
        if ctx.firewall_ip_from_subnet.contains(&f.name) {
            // The template cannot state the address: Azure assigns it (the REST API marks
            // `ipConfigurations[].properties.privateIPAddress` read-only, "the Firewall
            // Internal Load Balancer IP to be used as the next hop in User Defined Routes").
            // Azure documents that a dynamic address is "the next available unassigned or
            // unreserved IP address in the subnet's address range", that it reserves the
            // first four addresses of every subnet, and that AzureFirewallSubnet is the
            // firewall's own: the first address it can assign there is the first usable one,
            // `.4`, where firewalls are found in practice. Which free address the firewall
            // itself takes is not documented, so the address is marked assumed: traces that
            // reach the firewall by it say so, and strict mode does not take it. When the
            // subnet's prefixes are unknown, so is the address, and the firewall stays.
            f.private_ip_address = first_usable(t, &subnet);
            // A route that names the firewall by `reference()` goes to it whatever address
            // Azure gives it; the address is assumed only where the input writes it as text.
            f.private_ip_assumed = match (&ctx.written_ips, f.private_ip_address) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(w), Some(ip)) => matches!(ip, IpAddr::V4(v4) if w.contains(&v4)),
            };
            if f.private_ip_address.is_none() {
                t.unknowns.push(Unknown {
                    resource: label.clone(),
                    field: "private_ip_address".into(),
                    reason: format!("Azure gives it the first usable address of subnet `{subnet}`, whose IPv4 prefix is unknown"),
                    at: f.at.clone(),
                });
            }
        }
        list(
            t,
            ctx,
            &mut f.public_ips,
            &[Kind::PublicIp],
            &label,
            "public_ips",
            &f.at,
        );
        opt(
            t,
            ctx,
            &mut f.firewall_policy,
            &[Kind::FirewallPolicy],
            &label,
            "firewall_policy",
            &f.at,
        );
        for c in &mut f.network_rule_collections {
            for r in &mut c.rules {
                source_groups(t, ctx, &label, &mut r.source_ip_groups, &mut r.open, &r.at);
            }
        }
        for c in &mut f.application_rule_collections {
            for r in &mut c.rules {
                source_groups(t, ctx, &label, &mut r.source_ip_groups, &mut r.open, &r.at);
            }
        }
        true
    });
    t.firewalls = fws;
    let mut pols = std::mem::take(&mut t.firewall_policies);
    for p in &mut pols {
        let label = format!("firewall-policy/{}", p.name);
        opt(
            t,
            ctx,
            &mut p.base_policy,
            &[Kind::FirewallPolicy],
            &label,
            "base_policy",
            &p.at,
        );
        for g in &mut p.rule_collection_groups {
            for c in &mut g.network_rule_collections {
                for r in &mut c.rules {
                    source_groups(t, ctx, &label, &mut r.source_ip_groups, &mut r.open, &r.at);
                }
            }
            for c in &mut g.application_rule_collections {
                for r in &mut c.rules {
                    source_groups(t, ctx, &label, &mut r.source_ip_groups, &mut r.open, &r.at);
                }
            }
        }
    }
    t.firewall_policies = pols;
    resolve_dest_ip_groups(t, ctx);
}

pub(super) fn first_usable(t: &Topology, subnet: &str) -> Option<IpAddr> {
    let (vnet, sn) = subnet.split_once('/')?;
    let v = t
        .virtual_networks
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case(vnet))?;
    let s = v.subnets.iter().find(|s| s.name.eq_ignore_ascii_case(sn))?;
    s.prefixes().find_map(|p| match p {
        IpNet::V4(p4) => u32::from(p4.network())
            .checked_add(4)
            .map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        IpNet::V6(_) => None,
    })
}

/// Gives what names a firewall by `reference()` (a route's next hop, a VNet's DNS server) that
/// firewall's address, once firewalls' addresses are known: it is the firewall whatever address
/// Azure gives it. A firewall the template does not deploy, or whose address is unknown (its
/// subnet is not declared), leaves it open, recorded as any unknown value there: a route whose
/// next hop is unknown is not imported, and the VNet's DNS servers are open.
pub(super) fn named_uses(t: &mut Topology, ctx: &mut MapContext) {
    for u in std::mem::take(&mut ctx.firewall_uses) {
        let what = match &u.by {
            UsedBy::Route(_) => "the next hop",
            UsedBy::DnsServer { .. } => "the DNS server",
        };
        let found = match ctx.resolve(&u.id, &[Kind::Firewall]) {
            Err(e) => Err(format!("{what} is the address of a firewall: {e}")),
            Ok(tg) => t
                .firewalls
                .iter()
                .find(|f| f.name == tg.name)
                .and_then(|f| f.private_ip_address)
                .ok_or_else(|| {
                    format!("{what} is firewall `{}`, whose address is unknown", tg.name)
                }),
        };
        match u.by {
            UsedBy::Route(route) => route_to(t, &u.at, &route, found),
            UsedBy::DnsServer { vnet, index } => {
                let Some(v) = t
                    .virtual_networks
                    .iter_mut()
                    .find(|v| v.name == vnet && v.at == u.at)
                else {
                    continue;
                };
                match found {
                    // Earlier servers that stay open leave fewer before it: the order is lost
                    // with them, and the open field says so.
                    Ok(ip) => v.dns_servers.insert(index.min(v.dns_servers.len()), ip),
                    Err(e) => t.unknowns.push(Unknown {
                        resource: format!("{}/{vnet}", Kind::Vnet.label()),
                        field: "dns_servers".into(),
                        reason: e,
                        at: u.at.clone(),
                    }),
                }
            }
        }
    }
}

/// Gives the route `route` written at `at`, whose next hop names a firewall, its address, or
/// drops it and records why when `found` has none.
fn route_to(t: &mut Topology, at_: &Provenance, route: &str, found: Result<IpAddr, String>) {
    for rt in &mut t.route_tables {
        let Some(i) = rt
            .routes
            .iter()
            .position(|r| &r.at == at_ && r.name == route && r.next_hop_ip_address.is_none())
        else {
            continue;
        };
        match found {
            Ok(ip) => rt.routes[i].next_hop_ip_address = Some(ip),
            Err(e) => {
                rt.routes.remove(i);
                t.unknowns.push(Unknown {
                    resource: format!("route-table/{}", rt.name),
                    field: format!("routes/{route}"),
                    reason: format!("{e}; the route is not imported"),
                    at: at_.clone(),
                });
            }
        }
        return;
    }
}

/// A rule's source IP groups, resolved to names. A group the template does not declare (one
/// passed as a parameter, or declared elsewhere) holds addresses unknown here: it is left out
/// of the names (recorded) and the rule's sources are open, never read as its other sources.
fn source_groups(
    t: &mut Topology,
    ctx: &mut MapContext,
    label: &str,
    groups: &mut Vec<String>,
    open: &mut Vec<RuleValue>,
    at: &Provenance,
) {
    let before = t.unknowns.len();
    list_then(
        t,
        ctx,
        groups,
        &[Kind::IpGroup],
        label,
        "source_ip_groups",
        at,
        "its addresses are unknown, so the rule's sources are open (it may match any source)",
    );
    if t.unknowns.len() > before && !open.contains(&RuleValue::Sources) {
        open.push(RuleValue::Sources);
    }
}

/// Destination IP groups of network rules become the groups' addresses; a group the template
/// does not declare leaves the rule's destinations open.
pub(super) fn resolve_dest_ip_groups(t: &mut Topology, ctx: &mut MapContext) {
    let groups = std::mem::take(&mut ctx.dest_ip_groups);
    if groups.is_empty() {
        return;
    }
    // Looked up per rule: by name, the first declaration winning as in the model's index.
    let ix = t.index();
    for (kind, owner, path, ids) in groups {
        let mut addrs = Vec::new();
        let mut open = Vec::new();
        let mut missing = Vec::new();
        for id in &ids {
            match ctx.resolve(id, &[Kind::IpGroup]) {
                Ok(tg) => {
                    if let Some(&gi) = ix.ip_groups.get(&tg.name) {
                        t.ip_groups[gi].read_into(&mut addrs, &mut open, RuleValue::Destinations);
                    }
                }
                Err(e) => missing.push(e),
            }
        }
        let rule: Option<&mut NetworkRule> = match kind {
            Kind::Firewall => ix
                .firewalls
                .get(&owner)
                .and_then(|&fi| t.firewalls[fi].network_rule_collections.get_mut(path[1]))
                .and_then(|c| c.rules.get_mut(path[2])),
            _ => ix
                .firewall_policies
                .get(&owner)
                .and_then(|&pi| {
                    t.firewall_policies[pi]
                        .rule_collection_groups
                        .get_mut(path[0])
                })
                .and_then(|g| g.network_rule_collections.get_mut(path[1]))
                .and_then(|c| c.rules.get_mut(path[2])),
        };
        let Some(rule) = rule else { continue };
        rule.destination_addresses.extend(addrs);
        if !missing.is_empty() {
            open.push(RuleValue::Destinations);
        }
        for v in open {
            if !rule.open.contains(&v) {
                rule.open.push(v);
            }
        }
        let at = rule.at.clone();
        let rname = rule.name.clone();
        for e in missing {
            dangling(
                t,
                ctx,
                format!("{}/{owner}", kind.label()),
                &format!("rules/{rname}/destination_ip_groups"),
                e,
                &at,
                "the group's addresses are unknown: the rule's destinations are open",
            );
        }
    }
}
