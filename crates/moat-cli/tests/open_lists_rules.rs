//! Lists an importer leaves open (an ARM parameter without value, a list the input marks
//! unknown) leave the rules that read them undecided, naming the input — never silent, never
//! decided from the part the importer could resolve. Given the value, the rule decides.

mod checked;

use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/open_lists/");
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

fn moat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .current_dir(DIR)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

/// The findings of rule `code` on `file`: (certainty, message, needs).
fn findings(code: &str, file: &str, extra: &[&str]) -> Vec<(String, String, String)> {
    let mut args = vec![file, "--select", code];
    args.extend_from_slice(extra);
    checked::findings_in(DIR, args)
        .iter()
        .map(|f| {
            (
                checked::text(f, "certainty"),
                checked::text(f, "message"),
                f["needs"].to_string(),
            )
        })
        .collect()
}

/// An id of the template's deployment (`--subscription`, `--resource-group rg`).
fn id(rest: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/{rest}")
}

fn deployed_to() -> [&'static str; 4] {
    ["--subscription", SUBSCRIPTION, "--resource-group", "rg"]
}

#[test]
fn routes_left_open_leave_the_firewall_bypass_undecided() {
    // Seed 004: "If you instead use a compute instance or cluster with public IP, you need to
    // allow inbound from the Azure Machine Learning service tag using a Network Security Group
    // (NSG) and user defined routing to skip your firewall." Routes given by a parameter
    // without value may send the internet through a firewall: OUT004 is undecided.
    let open = findings("OUT004", "routes.json", &[]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "undecided", "{open:?}");
    assert!(
        open[0].2.contains("routes of route-table/rt") && open[0].2.contains("routes"),
        "{open:?}"
    );
    let through = r#"routes=[{"name":"default","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.100.0.4"}}]"#;
    let given = findings("OUT004", "routes.json", &["--parameters", through]);
    assert_eq!(given.len(), 1, "{given:?}");
    assert_eq!(given[0].0, "definite", "{given:?}");
    assert!(
        findings("OUT004", "routes.json", &["--parameters", "routes=[]"]).is_empty(),
        "no route through an appliance: nothing to skip"
    );
}

#[test]
fn network_interfaces_left_open_leave_ssh_to_an_attached_vm_undecided() {
    // CMP014's source (how to secure training, "Virtual machine or HDInsight cluster"): the
    // NSG of an attached VM must allow inbound SSH from the AzureMachineLearning service tag.
    // With its network interfaces a parameter without value, where it receives is unknown.
    let open = findings("CMP014", "attached_vm.json", &[]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "undecided", "{open:?}");
    assert!(
        open[0].2.contains("network_interfaces of vm/dsvm"),
        "{open:?}"
    );
    assert!(open[0].2.contains("nics"), "{open:?}");
    let out = moat(&[
        "trace",
        "attached_vm.json",
        "--from",
        "tag:AzureMachineLearning",
        "--to",
        "vm/dsvm",
        "--port",
        "22",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("UNKNOWN"), "{text}");
    assert!(text.contains("[DEST_OPEN]"), "{text}");
    let nics = format!(
        r#"nics=[{{"id":"{}"}}]"#,
        id("Microsoft.Network/networkInterfaces/dsvm-nic")
    );
    let mut args = vec!["--parameters", nics.as_str()];
    args.extend(deployed_to());
    let given = findings("CMP014", "attached_vm.json", &args);
    assert_eq!(given.len(), 1, "{given:?}");
    assert_eq!(given[0].0, "definite", "{given:?}");
    assert!(given[0].1.contains("blocked"), "{given:?}");
}

#[test]
fn storage_subnets_left_open_leave_studio_colocation_undecided() {
    // Seed 002 ("Limitations"): "If the storage account uses a service endpoint, the
    // workspace private endpoint and storage service endpoint must be in the same subnet of
    // the VNet." The subnets the storage admits come from a parameter without value: the
    // endpoint's subnet may be among them, or not.
    let with = ["--with", "studio_client.yaml"];
    let open = findings("ST001", "storage_subnets.json", &with);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "undecided", "{open:?}");
    assert!(
        open[0]
            .2
            .contains("network_rules.virtual_network_rules of storage/wsdata")
            && open[0].2.contains("storageSubnets"),
        "{open:?}"
    );
    // ops says no less: studio's data access is unknown, not met.
    let ops = moat(&[
        "ops",
        "storage_subnets.json",
        "--with",
        "studio_client.yaml",
    ]);
    let text = String::from_utf8_lossy(&ops.stdout);
    let studio = text
        .lines()
        .find(|l| l.contains("studio.data"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(studio.contains("unknown"), "{text}");
    let training = format!(
        r#"storageSubnets=[{{"id":"{}"}}]"#,
        id("Microsoft.Network/virtualNetworks/vnet/subnets/training")
    );
    let mut args = vec!["--parameters", training.as_str()];
    args.extend(with);
    args.extend(deployed_to());
    let given = findings("ST001", "storage_subnets.json", &args);
    assert_eq!(given.len(), 1, "{given:?}");
    assert_eq!(given[0].0, "definite", "{given:?}");
}

#[test]
fn firewall_collections_left_open_leave_http_fqdn_network_rules_undecided() {
    // OUT005's sources (Azure Firewall in the training guide; FQDN filtering in network
    // rules): host names for HTTP/S belong in application rules; a network rule with FQDNs
    // matches only addresses the firewall resolved. Collections the input leaves open may hold
    // such a rule: undecided, naming the parameter.
    let open = findings("OUT005", "firewall_collections.json", &[]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].0, "undecided", "{open:?}");
    assert!(
        open[0]
            .2
            .contains("network_rule_collections of firewall/hub-fw")
            && open[0].2.contains("networkCollections"),
        "{open:?}"
    );
    let pypi = r#"networkCollections=[{"name":"ml","properties":{"priority":100,"action":{"type":"Allow"},"rules":[{"name":"pypi","protocols":["TCP"],"sourceAddresses":["10.0.1.0/24"],"destinationFqdns":["pypi.org"],"destinationPorts":["443"]}]}}]"#;
    let given = findings(
        "OUT005",
        "firewall_collections.json",
        &["--parameters", pypi],
    );
    assert_eq!(given.len(), 1, "{given:?}");
    assert_eq!(given[0].0, "definite", "{given:?}");
    // The native format marks the list open without a collection standing for the rest: the
    // given collection allows no FQDN, and the rest may.
    let native = findings("OUT005", "firewall_collections_native.yaml", &[]);
    assert_eq!(native.len(), 1, "{native:?}");
    assert_eq!(native[0].0, "undecided", "{native:?}");
    assert!(
        native[0].2.contains("module output `collections`"),
        "{native:?}"
    );
}

#[test]
fn an_address_space_left_open_does_not_hide_a_registry_without_endpoints() {
    // Seed 000 (registry network isolation): with a secure workspace, "you can create a
    // private endpoint from the existing virtual network to Azure Machine Learning registry
    // and it's associated resources (storage and ACR)" — one set per registry. An ARM VNet's
    // address space from a parameter without value still holds its subnets (the importer
    // reads it as their union): the registry without endpoints is reported, as with the value.
    let with = ["--with", "registries_used.yaml"];
    for extra in [
        &[][..],
        &["--parameters", r#"addressSpace=["10.0.0.0/16"]"#][..],
    ] {
        let mut args = with.to_vec();
        args.extend_from_slice(extra);
        let f = findings("REG012", "registries.json", &args);
        assert_eq!(f.len(), 1, "{extra:?}: {f:?}");
        assert!(f[0].1.contains("registry regb's"), "{f:?}");
    }
    // Left open with none of it given, whether the compute reaches the endpoints at all is
    // open: REG012 is undecided, naming the input, not silent.
    let native = findings("REG012", "registries_native.yaml", &[]);
    assert!(
        native.iter().any(|f| f.1.contains("registry regb's")),
        "{native:?}"
    );
    for f in &native {
        assert_eq!(f.0, "undecided", "{native:?}");
        assert!(f.2.contains("address_space of vnet/vnet"), "{native:?}");
    }
}
