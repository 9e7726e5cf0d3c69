//! A list the input leaves open on the way of a flow leaves the path rules undecided.
//!
//! Each template below gives one list as an ARM parameter without value: the firewall's
//! network rules, an NSG's rules, a private endpoint's DNS zone group, a hub's peerings. The
//! flow a rule judges then goes a way the input does not fix, and the rule must say it cannot
//! decide (naming what it needs), not stay silent; given the value, it decides either way.

mod checked;

/// The path of `file` in this test's data (an absolute path is kept).
fn data(file: &str) -> String {
    if std::path::Path::new(file).is_absolute() {
        return file.to_string();
    }
    format!(
        "{}/tests/data/open_paths/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The findings of `rule` from `check --format json` on `file`, as the report gives them.
fn reported(file: &str, rule: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let path = data(file);
    let mut all = vec![path.as_str(), "--select", rule];
    all.extend_from_slice(args);
    checked::findings(all)
}

/// The findings of `rule` from `check --format json` on template `file`: (resource,
/// certainty, needs).
fn findings(file: &str, rule: &str, args: &[&str]) -> Vec<(String, String, Vec<String>)> {
    reported(file, rule, args)
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

/// A copy of native `file` of this test's data with each of `edits` made (each `from` written
/// once), in a temporary file named `name`.
fn edited(file: &str, name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(data(file)).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "`{from}` in {file}");
        text = text.replacen(from, to, 1);
    }
    let dir = std::env::temp_dir().join(format!("moat-open-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Seed 004 (inbound access): "There's an extra setting between public and private: Enabled
/// from selected IP addresses. This setting allows access to your workspace from the IP
/// addresses you specify." The jump box leaves through a NAT gateway whose address the
/// workspace's list admits, but the spoke's routes are left open: they may send its traffic
/// through the hub firewall, which shows another address. WS003 is undecided and names the
/// routes; given a route through the firewall it is decided, given none the NAT gateway's
/// address is the one the workspace sees.
#[test]
fn a_client_whose_routes_are_open_may_leave_from_an_address_the_list_refuses() {
    let file = "client_routes.yaml";
    undecided_on(
        &findings(file, "WS003", &[]),
        "workspace/ws",
        "routes of route-table/rt",
    );
    let open = "unknowns:\n  - { resource: route-table/rt, field: routes, reason: \"variable `routes` has no value\" }\n";
    let through = edited(
        file,
        "through-firewall.yaml",
        &[
            (
                "  - { name: rt, routes: [] }",
                "  - { name: rt, routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }] }",
            ),
            (open, ""),
        ],
    );
    let found = reported(&through, "WS003", &[]);
    decided_on(&findings(&through, "WS003", &[]), "workspace/ws");
    assert!(
        checked::text(&found[0], "message").contains("52.1.1.1 (firewall hub-fw"),
        "{found:?}"
    );
    let none = edited(file, "no-routes.yaml", &[(open, "")]);
    assert!(findings(&none, "WS003", &[]).is_empty());
}

/// Seed 002 (secure Azure storage accounts, step 4): "Select Selected networks, and then under
/// Resource instances, select Microsoft.MachineLearningServices/Workspace as the Resource type.
/// Select your workspace using Instance name", and "Alternatively, you can select Allow Azure
/// services on the trusted services list to access this storage account". With the storage
/// firewall's exceptions and resource instance rules parameters without value, the trace lets
/// the workspace's service through as a trusted service on the importer's reading, yet another
/// value may admit it as neither: ST004 is undecided, not silent, and says it cannot confirm.
/// With no exception and the rules open it is still undecided; with no rule either, decided.
#[test]
fn a_storage_whose_exceptions_are_open_may_refuse_the_workspace() {
    let file = "storage_exceptions.json";
    let open = reported(file, "ST004", &[]);
    undecided_on(&findings(file, "ST004", &[]), "storage/wsdata", "bypass");
    assert!(
        checked::text(&open[0], "message").starts_with("cannot confirm that storage wsdata admits"),
        "{open:?}"
    );
    let none = ["--parameters", "bypass=None"];
    undecided_on(
        &findings(file, "ST004", &none),
        "storage/wsdata",
        "instanceRules",
    );
    let rules = [
        "--parameters",
        "bypass=None",
        "--parameters",
        "instanceRules=[]",
    ];
    decided_on(&findings(file, "ST004", &rules), "storage/wsdata");
    let trusted = [
        "--parameters",
        "bypass=AzureServices",
        "--parameters",
        "instanceRules=[]",
    ];
    assert!(findings(file, "ST004", &trusted).is_empty());
}

/// Seed 004 (managed network isolation): "Allow only approved outbound mode: ... You can
/// control outbound rules using private endpoint, service tag, and FQDN." The image build
/// needs pypi.org; with the workspace's outbound rules a parameter without value, a rule among
/// them may approve it: MVN003 is undecided and names the parameter, never a decided error.
/// Given no rule it is decided; given an FQDN rule for pypi.org, that flow is approved.
#[test]
fn an_approved_outbound_network_whose_rules_are_open_may_approve_the_host() {
    let file = "approved_outbound.json";
    let pypi = |args: &[&str]| {
        reported(file, "MVN003", args)
            .into_iter()
            .filter(|f| checked::text(f, "message").contains("pypi.org "))
            .collect::<Vec<_>>()
    };
    let open = pypi(&[]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        checked::text(&open[0], "certainty"),
        "undecided",
        "{open:?}"
    );
    assert!(
        checked::needs(&open[0])
            .iter()
            .any(|n| n.contains("outboundRules")),
        "{open:?}"
    );
    let none = pypi(&["--parameters", "outboundRules={}"]);
    assert_eq!(none.len(), 1, "{none:?}");
    assert_eq!(checked::text(&none[0], "certainty"), "definite", "{none:?}");
    let rule = r#"outboundRules={"pypi":{"type":"FQDN","destination":"pypi.org","category":"UserDefined"}}"#;
    assert!(pypi(&["--parameters", rule]).is_empty());
}

/// Facts, table of names (the source of REG011, registry FQDN): a registry has "no public
/// resource-specific FQDN that Azure DNS resolves recursively"; its name is answered only in
/// the `privatelink.api.azureml.ms` zone. With the compute
/// VNet's DNS servers a parameter without value, a custom server may not forward the name:
/// REG011 is undecided, names the parameter and says it cannot confirm the name resolves.
/// On Azure DNS with the zone linked to the VNet it resolves; linked elsewhere, it does not.
#[test]
fn a_registry_name_resolved_through_open_dns_servers_is_undecided() {
    let file = "registry_dns.json";
    let used = data("registry_used.yaml");
    let run = |extra: &[&str]| {
        let mut args = vec!["--with", used.as_str()];
        args.extend_from_slice(extra);
        reported(file, "REG011", &args)
    };
    let open = run(&["--parameters", "linkedVnet=vnet"]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        checked::text(&open[0], "certainty"),
        "undecided",
        "{open:?}"
    );
    assert!(
        checked::needs(&open[0])
            .iter()
            .any(|n| n.contains("dnsServers")),
        "{open:?}"
    );
    assert!(
        checked::text(&open[0], "message").starts_with(
            "cannot confirm that the private name of registry reg from compute cpu resolves to the registry's private endpoint: "
        ),
        "{open:?}"
    );
    let azure_dns = "dnsServers=[]";
    assert!(run(&["--parameters", azure_dns, "--parameters", "linkedVnet=vnet"]).is_empty());
    let elsewhere = run(&[
        "--parameters",
        azure_dns,
        "--parameters",
        "linkedVnet=other",
    ]);
    assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
    assert_eq!(checked::text(&elsewhere[0], "certainty"), "definite");
    assert_eq!(
        checked::text(&elsewhere[0], "message"),
        "the private name of registry reg from compute cpu does not resolve to the registry's private endpoint"
    );
}
