//! A list the input leaves open on the way of a flow leaves the path rules undecided.
//!
//! Each template below gives one list as an ARM parameter without value: the firewall's
//! network rules, an NSG's rules, a private endpoint's DNS zone group, a hub's peerings. The
//! flow a rule judges then goes a way the input does not fix, and the rule must say it cannot
//! decide (naming what it needs), not stay silent; given the value, it decides either way.

mod checked;

/// The findings of `rule` from `check --format json` on template `file`: (resource,
/// certainty, needs).
fn findings(file: &str, rule: &str, args: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let path = format!(
        "{}/tests/data/open_paths/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut all = vec![path.as_str(), "--select", rule];
    all.extend_from_slice(args);
    checked::findings(all)
        .iter()
        .map(|f| {
            (
                checked::text(f, "resource"),
                checked::text(f, "certainty"),
                checked::needs(f),
            )
        })
        .collect()
}

/// Asserts one finding on `resource`, undecided, whose needs name `parameter`.
fn undecided_on(found: &[(String, String, Vec<String>)], resource: &str, parameter: &str) {
    assert_eq!(found.len(), 1, "{found:?}");
    let (r, certainty, needs) = &found[0];
    assert_eq!(r, resource);
    assert_eq!(certainty, "undecided", "{found:?}");
    assert!(
        needs.iter().any(|n| n.contains(parameter)),
        "{parameter} not among {needs:?}"
    );
}

/// Asserts one finding on `resource`, decided.
fn decided_on(found: &[(String, String, Vec<String>)], resource: &str) {
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, resource);
    assert_ne!(found[0].1, "undecided", "{found:?}");
}

/// Seed 002 (required outbound table): "445 is only required if you have a firewall between
/// your virtual network for Azure ML and a private endpoint for your storage accounts." With
/// the firewall's network rule collections a parameter without value, whether HTTPS reaches the
/// storage's endpoint through the firewall (and so SMB is needed), and whether SMB passes, are
/// open: ST005 is undecided. Rules that allow HTTPS alone decide it; 443 and 445 close it.
#[test]
fn smb_through_a_firewall_whose_rules_are_open_is_undecided() {
    let file = "smb_firewall.json";
    let open = findings(file, "ST005", &[]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "storage/wsdata:file");
    assert_eq!(open[0].1, "undecided", "{open:?}");
    let collections = |ports: &str| {
        format!(
            r#"networkRules=[{{"name":"to-pe","properties":{{"priority":100,"action":{{"type":"Allow"}},"rules":[{{"name":"pe","protocols":["TCP"],"sourceAddresses":["10.1.1.0/24"],"destinationAddresses":["10.1.3.0/24"],"destinationPorts":[{ports}]}}]}}}}]"#
        )
    };
    let https = collections(r#""443""#);
    decided_on(
        &findings(file, "ST005", &["--parameters", &https]),
        "storage/wsdata:file",
    );
    let both = collections(r#""443","445""#);
    assert!(findings(file, "ST005", &["--parameters", &both]).is_empty());
}

/// Facts §6.55 (the rule's source, "Compute instance/cluster requirements"): "Port 445 must be
/// open privately between computes and the default storage (even across VNets)." With the
/// compute subnet's NSG rules a parameter without value, a rule among them may deny SMB:
/// ST008 is undecided and names the parameter. A rule denying 445 decides it; no rule
/// leaves Azure's default, which lets it through.
#[test]
fn smb_past_an_nsg_whose_rules_are_open_is_undecided() {
    let file = "smb_nsg.json";
    undecided_on(
        &findings(file, "ST008", &[]),
        "storage/wsdata:file",
        "trainingRules",
    );
    let deny = r#"trainingRules=[{"name":"deny-smb","properties":{"priority":200,"direction":"Outbound","access":"Deny","protocol":"Tcp","sourceAddressPrefix":"*","sourcePortRange":"*","destinationAddressPrefix":"*","destinationPortRange":"445"}}]"#;
    decided_on(
        &findings(file, "ST008", &["--parameters", deny]),
        "storage/wsdata:file",
    );
    assert!(findings(file, "ST008", &["--parameters", "trainingRules=[]"]).is_empty());
}

/// Facts §6.104 (private endpoint DNS, "Virtual network workloads without custom DNS server",
/// hub and spoke): "one zone, linked to all VNets with clients." The zone is linked to the hub
/// only; whether it holds the endpoint's record is the zone group's, a parameter without
/// value: DNS006 is undecided and names it. The group naming the zone decides it; an empty
/// group writes no record there, and the zone has nothing the spoke misses.
#[test]
fn a_zone_an_open_zone_group_may_fill_unlinked_from_a_spoke_is_undecided() {
    let file = "spoke_zone_link.json";
    let zone = "privatelink.api.azureml.ms";
    undecided_on(
        &findings(file, "DNS006", &[]),
        &format!("private-dns-zone/{zone}"),
        "zoneConfigs",
    );
    let given = format!(
        r#"zoneConfigs=[{{"name":"api","properties":{{"privateDnsZoneId":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/privateDnsZones/{zone}"}}}}]"#
    );
    decided_on(
        &findings(file, "DNS006", &["--parameters", &given]),
        &format!("private-dns-zone/{zone}"),
    );
    assert!(findings(file, "DNS006", &["--parameters", "zoneConfigs=[]"]).is_empty());
}

/// The rule's source (planning for network isolation, outbound access in a hub and spoke
/// design) and its text: "VNet peering is not transitive: a spoke reaches only the VNets it is
/// peered with." With the hub's peerings a parameter without value, the two spokes may be
/// spokes of one hub, two peerings apart: NET003 is undecided and names the parameter. Given
/// peerings to both spokes it is decided; given none, the spokes share no hub.
#[test]
fn spokes_of_a_hub_whose_peerings_are_open_are_undecided() {
    let file = "hub_peerings.json";
    undecided_on(
        &findings(file, "NET003", &[]),
        "vnet/spoke-a",
        "hubPeerings",
    );
    let vnet = |n: &str| {
        format!(
            r#"{{"name":"to-{n}","properties":{{"remoteVirtualNetwork":{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/virtualNetworks/{n}"}}}}}}"#
        )
    };
    let both = format!("hubPeerings=[{},{}]", vnet("spoke-a"), vnet("spoke-b"));
    decided_on(
        &findings(file, "NET003", &["--parameters", &both]),
        "vnet/spoke-a",
    );
    assert!(findings(file, "NET003", &["--parameters", "hubPeerings=[]"]).is_empty());
}

/// Facts §6.104, as above. The zone holds the endpoint's record; a second link's VNet is a
/// parameter without value: it may be the spoke where the compute sits. DNS006 is undecided
/// and names the zone's links; the link given to the hub again decides it, to the spoke
/// closes it.
#[test]
fn a_zone_whose_links_are_open_may_reach_the_spoke_and_is_undecided() {
    let file = "zone_links.json";
    let zone = "privatelink.api.azureml.ms";
    undecided_on(
        &findings(file, "DNS006", &[]),
        &format!("private-dns-zone/{zone}"),
        &format!("vnet_links of private-dns-zone/{zone}"),
    );
    decided_on(
        &findings(file, "DNS006", &["--parameters", "linkedVnet=hub"]),
        &format!("private-dns-zone/{zone}"),
    );
    assert!(findings(file, "DNS006", &["--parameters", "linkedVnet=spoke"]).is_empty());
}
