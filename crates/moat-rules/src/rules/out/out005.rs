//! OUT005 https-fqdns-in-network-rules.

use crate::rules::util_items::{open_list, open_list_finding};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::{Access, FirewallProtocol};
use moat_model::firewall::{RuleValue, UNKNOWN_COLLECTIONS, UNKNOWN_RULES, open_rule_field};

/// The rule.
pub struct Out005;
/// Its registration.
pub static RULE: Out005 = Out005;

static DOC: RuleDoc = RuleDoc {
    code: "OUT005",
    name: "https-fqdns-in-network-rules",
    severity: Severity::Warning,
    what: "An Azure Firewall network rule allows destination FQDNs on HTTP or HTTPS ports (TCP 80 or 443).",
    why: "The documentation configures Azure Firewall with application rules for HTTP/S host names and network rules only for other protocols and ports. An application rule matches the host the client asks for (SNI, Host header); a network rule with FQDNs matches addresses the firewall resolved itself, which works only with its DNS proxy and lets through anything else served at those addresses (CDN and shared front ends serve many hosts).",
    example: "firewalls: [{ name: hub-fw, vnet: hub, private_ip_address: 10.100.0.4, network_rule_collections: [{ name: ml, priority: 100, action: Allow, rules: [{ name: pypi, protocols: [TCP], source_addresses: ['10.0.1.0/24'], destination_fqdns: [pypi.org], destination_ports: [443] }] }] }]\nvirtual_networks: [{ name: hub, address_space: [10.100.0.0/16], subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }] }]",
    fix: "Move the HTTP/S host names to an application rule (protocols Http:80, Https:443); keep network rules for service tags, addresses and non-HTTP ports.",
    // Whether the rule's traffic is HTTP/S an application rule admits (SNI, Host header), and
    // where a new application collection goes, are the user's to say.
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(FW, "Azure Firewall (application and network rules)"),
        doc!(AZFWFQDN),
    ],
    covers: &["§6.113"],
    path: false,
};

impl Rule for Out005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let classic = t.firewalls.iter().map(|f| {
            (
                format!("firewall/{}", f.name),
                &f.network_rule_collections,
                &f.at,
            )
        });
        let policies = t.firewall_policies.iter().flat_map(|p| {
            p.rule_collection_groups.iter().map(move |g| {
                (
                    format!("firewall-policy/{}", p.name),
                    &g.network_rule_collections,
                    &p.at,
                )
            })
        });
        let before = out.len();
        for (resource, collections, at) in classic.chain(policies) {
            for c in collections
                .iter()
                .filter(|c| c.action.may_be(&Access::Allow))
            {
                for r in &c.rules {
                    // A value the input leaves open may be one that makes the rule an HTTP/S
                    // FQDN allow: the finding then stands undecided, naming what is open.
                    let ports_open = r.open.contains(&RuleValue::Ports);
                    let names_open = r.open.contains(&RuleValue::Destinations);
                    let tcp = ports_open
                        || r.protocols
                            .iter()
                            .any(|p| matches!(p, FirewallProtocol::Tcp | FirewallProtocol::Any));
                    let web = ports_open
                        || r.destination_ports
                            .iter()
                            .any(|p| p.contains(80) || p.contains(443));
                    let fqdns = names_open || !r.destination_fqdns.is_empty();
                    if !fqdns || !tcp || !web {
                        continue;
                    }
                    let mut open: Vec<&str> = Vec::new();
                    if c.action.is_unknown() {
                        open.push("the collection's action");
                    }
                    if ports_open {
                        open.push("the rule's protocols or ports");
                    }
                    if names_open {
                        open.push("the rule's destinations");
                    }
                    let needs = (!open.is_empty()).then(|| {
                        let field = open_rule_field(&c.name, &r.name);
                        // A collection or rule standing for a list the input leaves open: the
                        // list's own unknown names the input.
                        let whole = format!("/{}", c.name);
                        let located: Vec<String> = t
                            .unknowns
                            .iter()
                            .filter(|u| {
                                u.resource == resource
                                    && (u.field.ends_with(&field)
                                        || (r.name == UNKNOWN_RULES && u.field.ends_with(&whole)))
                            })
                            .map(|u| u.need())
                            .chain(
                                (c.name == UNKNOWN_COLLECTIONS)
                                    .then(|| {
                                        open_list(cx, &resource, "network_rule_collections")
                                            .or_else(|| {
                                                open_list(cx, &resource, "rule_collection_groups")
                                            })
                                    })
                                    .flatten()
                                    .map(|u| u.need()),
                            )
                            .collect();
                        if located.is_empty() {
                            format!(
                                "{} of network rule {} of collection {} ({resource})",
                                open.join(", "),
                                r.name,
                                c.name
                            )
                        } else {
                            located.join("; ")
                        }
                    });
                    let names = if r.destination_fqdns.is_empty() {
                        "destination FQDNs the input leaves open".to_string()
                    } else {
                        r.destination_fqdns.join(", ")
                    };
                    out.push(
                        Finding::new(
                            &DOC,
                            resource.clone(),
                            format!(
                                "network rule {} of collection {} {} {names} on HTTP/S ports: host names for HTTP/S belong in application rules",
                                r.name,
                                c.name,
                                if needs.is_some() { "may allow" } else { "allows" },
                            ),
                            DOC.fix,
                            if r.at.is_unknown() { at } else { &r.at },
                        )
                        .needing(needs),
                    );
                }
            }
        }
        // A collection list the input leaves open (where no collection stands for its open
        // part) may hold such a rule: a firewall or policy reported for none is undecided.
        let lists = t
            .firewalls
            .iter()
            .map(|f| {
                (
                    format!("firewall/{}", f.name),
                    "network_rule_collections",
                    &f.at,
                )
            })
            .chain(t.firewall_policies.iter().map(|p| {
                (
                    format!("firewall-policy/{}", p.name),
                    "rule_collection_groups",
                    &p.at,
                )
            }));
        for (resource, field, at) in lists {
            if out[before..].iter().any(|f| f.resource == resource) {
                continue;
            }
            out.extend(open_list_finding(
                cx,
                &DOC,
                resource,
                field,
                "no network rule of its collections allows destination FQDNs on HTTP/S ports",
                at,
            ));
        }
    }
}
