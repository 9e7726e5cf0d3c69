//! Fixes of NSG rules, public IPs and subnet settings, read back in every language: the rule
//! in front of the one that denies, in the NSG as it is written.

mod readback;

use readback::inputs::*;
use readback::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The hub and spoke example in one form, with the Batch rule of the training NSG turned into
/// a deny at priority 300 (CMP003) and the compute cluster given public IPs (CMP002: no rule
/// admits BatchNodeManagement and AzureMachineLearning inbound; OUT004: the spoke's route
/// sends their replies through the firewall).
fn hub_spoke_broken(form: &str, dir: &Path) {
    let from = root().join("examples/hub-spoke-firewall");
    let (file, edits): (&str, [(&str, &str); 2]) = match form {
        "native" => (
            "topology.yaml",
            [
                (
                    "{ name: BatchNodeInbound, priority: 100, direction: Inbound, access: Allow,",
                    "{ name: BatchNodeInbound, priority: 300, direction: Inbound, access: Deny,",
                ),
                (
                    "subnet: spoke-vnet/training, enable_node_public_ip: false }",
                    "subnet: spoke-vnet/training, enable_node_public_ip: true }",
                ),
            ],
        ),
        "terraform" => (
            "terraform/main.tf",
            [
                (
                    "\"BatchNodeInbound\"\n    priority                   = 100\n    direction                  = \"Inbound\"\n    access                     = \"Allow\"",
                    "\"BatchNodeInbound\"\n    priority                   = 300\n    direction                  = \"Inbound\"\n    access                     = \"Deny\"",
                ),
                (
                    "node_public_ip_enabled        = false\n\n  scale_settings",
                    "node_public_ip_enabled        = true\n\n  scale_settings",
                ),
            ],
        ),
        _ => (
            "arm/azuredeploy.json",
            [
                (
                    "\"BatchNodeInbound\",\n            \"properties\": {\n              \"priority\": 100,\n              \"direction\": \"Inbound\",\n              \"access\": \"Allow\"",
                    "\"BatchNodeInbound\",\n            \"properties\": {\n              \"priority\": 300,\n              \"direction\": \"Inbound\",\n              \"access\": \"Deny\"",
                ),
                (
                    "\"enableNodePublicIp\": false,\n          \"remoteLoginPortPublicAccess\"",
                    "\"enableNodePublicIp\": true,\n          \"remoteLoginPortPublicAccess\"",
                ),
            ],
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let mut text = std::fs::read_to_string(&src).unwrap();
    for (old, new) in edits {
        assert!(text.contains(old), "{form}: {old}");
        text = text.replacen(old, new, 1);
    }
    std::fs::write(dir.join(src.file_name().unwrap()), text).unwrap();
}

#[test]
fn nsg_rules_and_public_ips_remove_their_findings_in_every_language() {
    // Required public internet access: no-public-IP computes need VirtualNetwork inbound on
    // TCP 29876-29877 and AzureLoadBalancer on 44224; public-IP computes need
    // BatchNodeManagement.<region> on 29876-29877 and AzureMachineLearning on 44224. The fix
    // is an allow rule in front of the one that denies; for a public-IP compute behind a
    // firewall, recreating it without public IP (OUT004's first fix).
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(
            |d| hub_spoke_broken(form, d),
            input,
            &["CMP002", "CMP003", "OUT004"],
        );
        assert_eq!(
            fixed,
            BTreeSet::from(["CMP003".into(), "OUT004".into()]),
            "{form}"
        );
    }
}

#[test]
fn inbound_rules_for_public_ip_computes_remove_cmp002_in_every_language() {
    // Required public internet access, inbound rows: BatchNodeManagement.<region> on TCP
    // 29876-29877 and AzureMachineLearning on TCP 44224 to public-IP computes. The rules go in
    // the NSG as it is written: a native rule, an inline security_rule block, an element of
    // the template's securityRules.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| public_cluster(form, d), input, &["CMP002"]);
        assert_eq!(fixed, BTreeSet::from(["CMP002".into()]), "{form}");
    }
}

/// Flows that NSGs deny in the native format: the inbound management of computes with and
/// without public IP (CMP002, CMP003), SSH to an attached VM (CMP014), outbound service tags
/// (OUT001), and public-IP computes behind an appliance (OUT004).
#[test]
fn native_nsg_rules_remove_their_findings() {
    let from = root().join("crates/moat-cli/tests/data/fixes/nsg");
    let codes = ["CMP002", "CMP003", "CMP014", "OUT001", "OUT004"];
    let fixed = read_back(|d| copy_dir(&from, d), "nsg.yaml", &codes);
    assert_eq!(fixed, codes.iter().map(|c| c.to_string()).collect());
}

#[test]
fn endpoint_subnet_policies_remove_pe008_in_every_language() {
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| pe_policies_enabled(form, d), input, &["PE008"]);
        assert_eq!(fixed, BTreeSet::from(["PE008".into()]), "{form}");
    }
}

/// The private endpoint example in one form, its compute cluster given public IPs and its
/// training NSG stripped of every rule it writes: Azure's default rules deny BatchNodeManagement
/// and AzureMachineLearning inbound, two CMP002 findings on one NSG that has no list of rules.
fn bare_nsg(form: &str, dir: &Path) {
    public_cluster(form, dir);
    match form {
        "native" => {
            let path = dir.join("topology.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            let start = text.find("  - name: training-nsg\n    rules:\n").unwrap();
            let rules = start + "  - name: training-nsg\n".len();
            let end = rules + text[rules..].find("\n\n").unwrap();
            std::fs::write(&path, format!("{}{}", &text[..rules], &text[end + 1..])).unwrap();
        }
        _ => {
            let path = dir.join("azuredeploy.json");
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let nsg = v["resources"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|r| r["name"] == "training-nsg")
                .unwrap();
            nsg["properties"]
                .as_object_mut()
                .unwrap()
                .remove("securityRules")
                .expect("the NSG writes its rules");
            std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        }
    }
}

#[test]
fn rules_added_to_an_nsg_without_rules_write_one_list() {
    // Two fixes on one NSG that writes no rules: each edit writing the list would give the
    // key twice. The first writes the list with both rules, the second none; applied, both
    // findings are gone and the input still reads.
    for (form, input, file) in [
        ("native", "topology.yaml", "topology.yaml"),
        ("arm", ".", "azuredeploy.json"),
    ] {
        let dir = scratch(&format!("bare-nsg-{form}"));
        bare_nsg(form, &dir);
        let before = check(&dir, input, &["--select", "CMP002"]);
        assert_eq!(findings(&before).len(), 2, "{form}: {before:#}");
        let with_edits = findings(&before)
            .iter()
            .filter(|f| f["fix_code"][0]["edits"].is_array())
            .count();
        assert_eq!(with_edits, 1, "{form}: {before:#}");
        let key = if form == "native" {
            "    rules:"
        } else {
            "\"securityRules\""
        };
        let lists = |dir: &Path| {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            (text.matches(key).count(), text)
        };
        let (stripped, _) = lists(&dir);
        apply_edits(&dir, &before);
        let (written, text) = lists(&dir);
        assert_eq!(written, stripped + 1, "{form}: {text}");
        let after = check(&dir, input, &["--select", "CMP002"]);
        assert!(findings(&after).is_empty(), "{form}: {after:#}\n{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_fix_in_words_names_every_port_of_the_flow() {
    // Required public internet access: Batch node management arrives on TCP 29876-29877, both
    // ports; the fix names the two, not the port of the trace shown.
    let dir = root().join("crates/moat-cli/tests/data/fixes/nsg");
    let out = check(&dir, "nsg.yaml", &["--select", "CMP002,CMP003"]);
    let fixes: BTreeMap<String, String> = findings(&out)
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["fix"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let batch: Vec<&String> = fixes
        .iter()
        .filter(|(m, _)| m.contains("TCP 29876, 29877"))
        .map(|(_, f)| f)
        .collect();
    assert_eq!(batch.len(), 2, "{fixes:#?}");
    for fix in batch {
        assert!(fix.contains("allow inbound tcp/29876-29877 to "), "{fix}");
    }
    let probe = fixes
        .iter()
        .find(|(m, _)| m.contains("TCP 44224") && m.contains("no-public-IP"))
        .unwrap();
    assert!(
        probe.1.contains("allow inbound tcp/44224 to "),
        "{}",
        probe.1
    );
}

/// README, fixes as code: "A flow that a network security group denies gets the rule that
/// allows it, in that NSG, in the direction of the denying rule and at the highest free
/// priority below it", for a decided denial only: "An NSG allow rule for a finding the input
/// leaves undecided ... is not written as code". The rule denying SMB (facts §6.55, "Port 445
/// must be open privately between computes and the default storage") is deployed on a
/// condition given by a parameter without value: the NSG may not deny, and ST008's fix says
/// the allow rule is needed only if it does, in words. Deployed, the rule is the fix as code.
#[test]
fn an_nsg_that_may_not_deny_gets_its_allow_rule_in_words_only() {
    let dir = root().join("crates/moat-cli/tests/data/may_exist/arm");
    let input = "conditional-smb-rule.json";
    let smb = |extra: &[&str]| {
        let mut args = vec!["--select", "ST008"];
        args.extend_from_slice(extra);
        let v = check(&dir, input, &args);
        assert_eq!(findings(&v).len(), 1, "{v:#}");
        findings(&v)[0].clone()
    };
    let open = smb(&[]);
    assert_eq!(open["certainty"], "undecided", "{open:#}");
    assert!(open.get("changes").is_none(), "{open:#}");
    assert!(open.get("fix_code").is_none(), "{open:#}");
    // The file endpoint has no static address: the rule admits its subnet, whichever of its
    // addresses Azure gives the endpoint.
    assert_eq!(
        open["fix"],
        "needed only if NSG training-nsg denies the flow, which the input leaves open: in NSG training-nsg, allow outbound tcp/445 to 10.0.3.0/24 at a priority below 200",
        "{open:#}"
    );
    let deployed = smb(&["--parameters", "denySmb=true"]);
    assert_eq!(deployed["certainty"], "definite", "{deployed:#}");
    let change = &deployed["changes"][0];
    assert_eq!(
        (
            change["kind"].as_str(),
            change["nsg"].as_str(),
            change["priority"].as_u64()
        ),
        (Some("allow-in-nsg"), Some("training-nsg"), Some(199)),
        "{deployed:#}"
    );
    assert!(
        !deployed["fix_code"].as_array().unwrap().is_empty(),
        "{deployed:#}"
    );
}

/// README, fixes as code: a flow an Azure Firewall denies by default gets the rule that allows
/// it, and "as for NSGs, a finding the input leaves undecided … gets the firewall rule in words
/// only". Seed 002 (required outbound table): "445 is only required if you have a firewall
/// between your virtual network for Azure ML and a private endpoint for your storage accounts."
/// The firewall's policy allows HTTPS to the storage's endpoints; the collection group that
/// allows SMB is deployed on a condition given by a parameter without value: ST005 is
/// undecided and its network rule is in words; without the group it is decided and the rule is
/// code; with it there is no finding.
#[test]
fn a_firewall_that_may_not_deny_gets_its_allow_rule_in_words_only() {
    let dir = root().join("crates/moat-cli/tests/data/may_exist/arm");
    let input = "conditional-firewall-rule.json";
    let smb = |extra: &[&str]| {
        let mut args = vec!["--select", "ST005"];
        args.extend_from_slice(extra);
        let v = check(&dir, input, &args);
        findings(&v).to_vec()
    };
    let open = smb(&[]);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["certainty"], "undecided", "{open:#?}");
    assert!(open[0].get("changes").is_none(), "{open:#?}");
    assert!(open[0].get("fix_code").is_none(), "{open:#?}");
    let fix = open[0]["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(
            "needed only if firewall hub-fw denies the flow, which the input leaves open: add a network rule for tcp/445 to "
        ),
        "{fix}"
    );
    let absent = smb(&["--parameters", "allowSmb=false"]);
    assert_eq!(absent.len(), 1, "{absent:#?}");
    assert_eq!(absent[0]["certainty"], "definite", "{absent:#?}");
    let change = &absent[0]["changes"][0];
    assert_eq!(
        (change["kind"].as_str(), change["firewall"].as_str()),
        (Some("allow-in-firewall"), Some("hub-fw")),
        "{absent:#?}"
    );
    assert!(smb(&["--parameters", "allowSmb=true"]).is_empty());
}
