//! Fixes as the user reads them: in text after the fix in words, in SARIF as fixes with their
//! replacements, and as `az` commands for what was read from Azure.

mod readback;

use readback::*;
use serde_json::Value;
use std::path::Path;

/// In text, the fix in words, then the change in the input's language.
#[test]
fn text_shows_the_change_in_the_input_language() {
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC011",
            "-q",
            "--severity",
            "info",
        ],
    );
    // -q prints errors only: SEC011 is info.
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC011",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text,
        "crates/moat-cli/tests/data/posture/rules-terraform/main.tf:351:1: info[SEC011]
    compute/cpu-sec011-fail: compute cluster cpu-sec011-fail keeps 1 node(s) running when idle
  fix: Set the cluster's minimum node count to 0.
  as terraform:
    resource \"azurerm_machine_learning_compute_cluster\" \"sec011_fail\" {
      scale_settings {
        min_node_count = 0
      }
    }
0 errors, 0 warnings, 1 info; 28 warnings in the input
"
    );
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-arm",
            "--select",
            "SEC008",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "  as arm:
    {
      \"type\": \"Microsoft.ContainerRegistry/registries\",
      \"name\": \"acrsec008fail\",
      \"properties\": {
        \"adminUserEnabled\": false
      }
    }
"
        ),
        "{text}"
    );
}

/// SARIF: the edit as a fix with its replacement, every snippet in the result's properties,
/// and a document valid against the schema.
#[test]
fn sarif_carries_fixes_with_their_replacements() {
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC005",
            "--format",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["resource"] == "storage/stsec005fail")
        .unwrap();
    let change = &r["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        "crates/moat-cli/tests/data/posture/rules-terraform/main.tf"
    );
    // Inserted after the block's opening brace on line 199.
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": { "startLine": 199, "startColumn": 51, "endLine": 199, "endColumn": 51 },
            "insertedContent": { "text": "\n  public_network_access_enabled = false" }
        })
    );
    assert_eq!(r["properties"]["fixCode"][0]["input"], "terraform");
}

/// What was read from Azure is changed with `az`, in the resource group of its id.
#[test]
fn a_live_export_gets_az_commands() {
    let dir = scratch("live");
    std::fs::write(
        dir.join("estate.json"),
        r#"{"count": 2, "data": [
  {"id": "/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stdata", "name": "stdata", "type": "microsoft.storage/storageaccounts", "location": "eastus", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}},
  {"id": "/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/acrml", "name": "acrml", "type": "microsoft.containerregistry/registries", "location": "eastus", "sku": {"name": "Premium"}, "properties": {"adminUserEnabled": true, "publicNetworkAccess": "Disabled"}}
], "skip_token": null, "total_records": 2}"#,
    )
    .unwrap();
    let v = check(&dir, "estate.json", &["--select", "SEC005,SEC008"]);
    let code: Vec<(&str, &str)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["fix_code"][0]["input"].as_str().unwrap(),
                f["fix_code"][0]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        code,
        [
            (
                "az",
                "az storage account update --name stdata --resource-group rg-ml --public-network-access Disabled\n"
            ),
            (
                "az",
                "az acr update --name acrml --resource-group rg-ml --admin-enabled false\n"
            ),
        ]
    );
}

/// The private endpoint example with its compute cluster given public IPs and the training
/// NSG's rules taken out, and before it the same with one inbound rule admitting
/// AzureMachineLearning on TCP 44224: HEAD adds one CMP002 finding to the one both have
/// (BatchNodeManagement on 29876-29877), on an NSG that writes no rules.
fn nsg_emptied(dir: &Path) {
    let text =
        std::fs::read_to_string(root().join("examples/workspace-private-endpoint/topology.yaml"))
            .unwrap()
            .replace(
                "enable_node_public_ip: false",
                "enable_node_public_ip: true",
            );
    let start = text.find("  - name: training-nsg\n    rules:\n").unwrap();
    let rules = start + "  - name: training-nsg\n".len();
    let end = rules + text[rules..].find("\n\n").unwrap() + 1;
    let keep = "    rules:\n      - { name: aml-in, priority: 200, direction: Inbound, access: Allow, protocol: Tcp, source: AzureMachineLearning, destination_ports: 44224 }\n";
    let (before, after) = (&text[..rules], &text[end..]);
    std::fs::write(dir.join("base.yaml"), format!("{before}{keep}{after}")).unwrap();
    std::fs::write(dir.join("head.yaml"), format!("{before}{after}")).unwrap();
}

#[test]
fn a_new_finding_carries_the_edit_it_shares_with_one_the_diff_does_not_show() {
    // Two rules added to an NSG that writes none are written by one edit, the first finding's.
    // The diff shows the new finding only: the edit goes with it, not with the unchanged one
    // before it. Applied, the new finding is gone.
    let dir = scratch("diff-shared-edit");
    nsg_emptied(&dir);
    let o = moat_in(
        &dir,
        &[
            "diff",
            "base.yaml",
            "head.yaml",
            "--select",
            "CMP002",
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let new = v["findings"]["new"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{v:#}");
    assert!(
        new[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("inbound from AzureMachineLearning on TCP 44224"),
        "{v:#}"
    );
    let edits = &new[0]["fix_code"][0]["edits"];
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(edits[0]["file"], "head.yaml");
    assert!(
        edits[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("\n    rules: [{ name: allow-azuremachinelearning-44224, "),
        "{edits:#}"
    );
    apply_edits(&dir, &serde_json::json!({ "findings": new }));
    let after = check(&dir, "head.yaml", &["--select", "CMP002"]);
    let left: Vec<&str> = findings(&after)
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(left.len(), 1, "{after:#}");
    assert!(
        left[0].starts_with("inbound from BatchNodeManagement"),
        "{left:?}"
    );
}

#[test]
fn a_rule_a_new_finding_shares_with_an_unchanged_one_is_shown_with_the_new_one() {
    // The image builds of a managed network's workspace need pypi.org (MVN003) before the
    // change; after it, the jobs of the build compute install packages too (OUT002), needing
    // the same rule. The diff shows OUT002 only, with every rule it needs, pypi.org's included.
    let dir = scratch("diff-shared-rule");
    let head = "name: fqdn
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    image_build_compute: cpu
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: allow-example, type: FQDN, destination: example.com }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 2, enable_node_public_ip: false, uses: [install-packages] }
";
    let base = head.replace(", uses: [install-packages] }", " }");
    std::fs::write(dir.join("base.yaml"), base).unwrap();
    std::fs::write(dir.join("head.yaml"), head).unwrap();
    let o = moat_in(
        &dir,
        &[
            "diff",
            "base.yaml",
            "head.yaml",
            "--select",
            "MVN003,OUT002",
        ],
    );
    let rule = |name: &str, destination: &str| {
        format!(
            "  as native:
    workspaces:
      - name: ws
        managed_network:
          outbound_rules:
            - {{ name: {name}, type: FQDN, destination: \"{destination}\" }}
"
        )
    };
    let expected = format!(
        "New findings
head.yaml:4:5: warning[OUT002] workspace/ws: outbound from the managed network of workspace ws (cpu)
    to the package hosts pypi.org, *.pythonhosted.org, anaconda.com, *.anaconda.com, *.anaconda.org (TCP
    443) is blocked (managed network of ws: AllowOnlyApprovedOutbound: no outbound rule allows pypi.org)
  fix: add an FQDN outbound rule for pypi.org (ports 80/443) or a service tag rule
{}{}{}{}{}
findings: 1 new, 0 fixed, 5 unchanged; 0 operations changed; flows: 0 opened, 0 closed, 0 may have opened, 0 may have closed
",
        rule("allow-pypi-org", "pypi.org"),
        rule("allow-any-pythonhosted-org", "*.pythonhosted.org"),
        rule("allow-anaconda-com", "anaconda.com"),
        rule("allow-any-anaconda-com", "*.anaconda.com"),
        rule("allow-any-anaconda-org", "*.anaconda.org"),
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), expected);
}

#[test]
fn text_shows_a_rule_with_a_decided_finding_when_the_first_that_needs_it_is_undecided() {
    // The text lists undecided findings apart, without their fixes: a rule that an undecided
    // finding and a decided one both need goes with the decided one, which the text shows.
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/fixes/shown",
            "--select",
            "CMP002",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    let rule = |label: &str, name: &str, priority: u32, ports: &str, source: &str| {
        format!(
            "  as terraform:
    resource \"azurerm_network_security_rule\" \"{label}\" {{
      name                        = \"{name}\"
      priority                    = {priority}
      direction                   = \"Inbound\"
      access                      = \"Allow\"
      protocol                    = \"Tcp\"
      source_port_range           = \"*\"
      destination_port_range      = \"{ports}\"
      source_address_prefix       = \"{source}\"
      destination_address_prefix  = \"VirtualNetwork\"
      resource_group_name         = azurerm_network_security_group.nsg.resource_group_name
      network_security_group_name = azurerm_network_security_group.nsg.name
    }}
"
        )
    };
    // Each decided finding, of subnet b, with the rule it needs (the fix in words between).
    let findings: Vec<&str> = text
        .split("crates/moat-cli/tests/data/fixes/shown/main.tf:")
        .skip(1)
        .collect();
    assert_eq!(findings.len(), 2, "{text}");
    for (f, rule) in findings.iter().zip([
        rule(
            "allow_batchnodemanagement_eastus_29876_29877",
            "allow-batchnodemanagement.eastus-29876-29877",
            4094,
            "29876-29877",
            "BatchNodeManagement.EastUS",
        ),
        rule(
            "allow_azuremachinelearning_44224",
            "allow-azuremachinelearning-44224",
            4093,
            "44224",
            "AzureMachineLearning",
        ),
    ]) {
        assert!(
            f.starts_with("28:1: error[CMP002] subnet/vnet/b: inbound from"),
            "{text}"
        );
        let (_, snippet) = f.split_once("\n  fix: ").unwrap();
        let (_, snippet) = snippet.split_once('\n').unwrap();
        let snippet = snippet.split("Undecided").next().unwrap();
        assert_eq!(snippet, rule, "{text}");
    }
    assert!(
        text.ends_with(
            "Undecided for lack of input (2 findings; --format json lists each with what it needs):
  - whether `azurerm_machine_learning_compute_cluster.a` is deployed (its count
    `var.enable_cluster ? 1 : 0` is unknown: variable `enable_cluster` has no value)
    leaves 2 findings undecided:
      CMP002 subnet/vnet/a (2)
4 errors, 0 warnings, 0 info (2 undecided); 5 warnings in the input
"
        ),
        "{text}"
    );
}
