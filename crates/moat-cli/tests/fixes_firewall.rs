//! Fixes that add a rule to an Azure Firewall, read back: the hub and spoke example with a
//! rule of its policy taken out, the rule the fix writes put in the policy's collection that
//! allows, and `moat check` no longer reports the flow.

mod readback;

use readback::*;
use std::collections::BTreeSet;
use std::path::Path;

/// The hub and spoke example in one form, the policy's network rule for Microsoft Entra ID
/// (AzureActiveDirectory, TCP 80 and 443) taken out, and in the native form pypi.org taken out
/// of the application rule for package hosts, with a compute cluster that installs packages.
fn firewall_gaps(form: &str, dir: &Path) {
    let from = root().join("examples/hub-spoke-firewall");
    let (file, edits): (&str, Vec<(&str, &str)>) = match form {
        "native" => (
            "topology.yaml",
            vec![
                (
                    "              - { name: entra, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureActiveDirectory], destination_ports: [80, 443] }\n",
                    "",
                ),
                ("target_fqdns: [pypi.org, ", "target_fqdns: ["),
                (
                    "subnet: spoke-vnet/training, enable_node_public_ip: false }",
                    "subnet: spoke-vnet/training, enable_node_public_ip: false, uses: [install-packages] }",
                ),
            ],
        ),
        "terraform" => (
            "terraform/main.tf",
            vec![(
                "    { name = \"entra\", protocols = [\"TCP\"], destinations = [\"AzureActiveDirectory\"], ports = [\"80\", \"443\"] },\n",
                "",
            )],
        ),
        _ => (
            "arm/azuredeploy.json",
            vec![(
                "              {
                \"ruleType\": \"NetworkRule\",
                \"name\": \"entra\",
                \"ipProtocols\": [\"TCP\"],
                \"sourceAddresses\": [\"[variables('spokeAddressSpace')]\"],
                \"destinationAddresses\": [\"AzureActiveDirectory\"],
                \"destinationPorts\": [\"80\", \"443\"]
              },
",
                "",
            )],
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
fn firewall_rules_remove_out001_and_out002() {
    // Configure inbound and outbound network traffic: with a firewall, computes need
    // AzureActiveDirectory outbound (network rule) and the package hosts they install from
    // (application rules). Azure Firewall denies what no rule allows; the fix adds the rule to
    // the policy's collection that allows, from the compute subnet.
    let fixed = read_back(
        |d: &Path| firewall_gaps("native", d),
        "topology.yaml",
        &["OUT001", "OUT002"],
    );
    assert_eq!(
        fixed,
        BTreeSet::from(["OUT001".to_string(), "OUT002".to_string()])
    );
    // A `rule` block beside the collection's dynamic ones in Terraform, an element of the
    // collection's rules in the template.
    for form in ["terraform", "arm"] {
        let fixed = read_back(|d: &Path| firewall_gaps(form, d), ".", &["OUT001"]);
        assert_eq!(fixed, BTreeSet::from(["OUT001".to_string()]), "{form}");
    }
}

#[test]
fn a_firewall_rule_in_arm_json_and_bicep() {
    let dir = scratch("firewall-arm");
    firewall_gaps("arm", &dir);
    let out = check(&dir, ".", &["--select", "OUT001"]);
    let snippets: Vec<(String, String)> = findings(&out)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().cloned().unwrap_or_default())
        .map(|s| {
            (
                s["input"].as_str().unwrap().to_string(),
                s["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let arm = snippets
        .iter()
        .find(|(i, t)| i == "arm" && t.contains("allow-azureactivedirectory-443"))
        .unwrap_or_else(|| panic!("{out:#}"));
    assert_eq!(
        arm.1,
        r#"{
  "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
  "name": "fw-policy/azureml",
  "properties": {
    "ruleCollections": [
      {
        "name": "aml-service-tags",
        "rules": [
          {
            "ruleType": "NetworkRule",
            "name": "allow-azureactivedirectory-443",
            "ipProtocols": [
              "TCP"
            ],
            "sourceAddresses": [
              "10.0.1.0/24"
            ],
            "destinationAddresses": [
              "AzureActiveDirectory"
            ],
            "destinationPorts": [
              "443"
            ]
          }
        ]
      }
    ]
  }
}
"#
    );
    let bicep = snippets
        .iter()
        .find(|(i, t)| i == "bicep" && t.contains("allow-azureactivedirectory-443"))
        .unwrap_or_else(|| panic!("{out:#}"));
    assert!(
        bicep.1.starts_with(
            "resource fwPolicy 'Microsoft.Network/firewallPolicies/ruleCollectionGroups@"
        ) && bicep.1.contains("  name: 'fw-policy/azureml'\n")
            && bicep
                .1
                .contains("            ipProtocols: [\n              'TCP'\n            ]\n"),
        "{}",
        bicep.1
    );
}

#[test]
fn an_smb_rule_removes_st005() {
    // Secure the workspace resources, required outbound: SMB (TCP 445) to the storage's file
    // private endpoint is needed when a firewall sits between the computes and the endpoint.
    // The spoke routes the endpoints' subnet through the hub firewall, whose policy admits
    // HTTPS to it and no SMB; the fix is the network rule from the compute subnet.
    let text =
        std::fs::read_to_string(root().join("examples/hub-spoke-firewall/topology.yaml")).unwrap();
    let route = "      - { name: to-firewall, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n";
    let monitor = "              - { name: monitor,";
    let edits = [
        (
            route,
            format!(
                "{route}      - {{ name: pe-via-fw, address_prefix: 10.0.3.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }}\n"
            ),
        ),
        (
            monitor,
            format!(
                "              - {{ name: pe-https, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [10.0.3.0/24], destination_ports: [443] }}\n{monitor}"
            ),
        ),
    ];
    let mut broken = text;
    for (old, new) in edits {
        assert!(broken.contains(old), "{old}");
        broken = broken.replacen(old, &new, 1);
    }
    let write = |d: &Path| std::fs::write(d.join("topology.yaml"), &broken).unwrap();
    let fixed = read_back(write, "topology.yaml", &["ST005"]);
    assert_eq!(fixed, BTreeSet::from(["ST005".to_string()]));
}

#[test]
fn a_live_export_gets_the_firewall_rule_command() {
    // Read from Azure, the rule is added with the az command, in the policy's rule collection
    // group and collection that allows, in the resource group of the group's id.
    let dir = scratch("firewall-live");
    copy_dir(&root().join("examples/hub-spoke-firewall/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut removed = 0;
    for r in v["data"].as_array_mut().unwrap() {
        let ty = r["type"].as_str().unwrap().to_ascii_lowercase();
        if ty != "microsoft.network/firewallpolicies/rulecollectiongroups" {
            continue;
        }
        for c in r["properties"]["ruleCollections"].as_array_mut().unwrap() {
            if let Some(rules) = c["rules"].as_array_mut() {
                let before = rules.len();
                rules.retain(|x| x["name"] != "entra");
                removed += before - rules.len();
            }
        }
    }
    assert_eq!(removed, 1, "the export has the Entra ID rule");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = check(&dir, ".", &["--select", "OUT001"]);
    let az: Vec<&str> = findings(&out)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().into_iter().flatten())
        .filter(|s| s["input"] == "az")
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert_eq!(
        az,
        [
            "az network firewall policy rule-collection-group collection rule add --resource-group rg-ml --policy-name fw-policy --rcg-name azureml --collection-name aml-service-tags --name allow-azureactivedirectory-80 --rule-type NetworkRule --ip-protocols TCP --source-addresses 10.0.1.0/24 --destination-addresses AzureActiveDirectory --destination-ports 80\n",
            "az network firewall policy rule-collection-group collection rule add --resource-group rg-ml --policy-name fw-policy --rcg-name azureml --collection-name aml-service-tags --name allow-azureactivedirectory-443 --rule-type NetworkRule --ip-protocols TCP --source-addresses 10.0.1.0/24 --destination-addresses AzureActiveDirectory --destination-ports 443\n",
        ],
        "{out:#}"
    );
}

/// An example whose workspace uses a public registry, with `extra` applied to its text.
fn public_registry(example: &str, extra: Option<(&str, &str)>) -> String {
    let text = std::fs::read_to_string(root().join("examples").join(example).join("topology.yaml"))
        .unwrap();
    let mut edits = vec![
        (
            "workspaces:\n  - name: ws\n",
            "workspaces:\n  - name: ws\n    uses_registries: [contosoreg]\n".to_string(),
        ),
        (
            "\nworkspaces:\n",
            "\nregistries:\n  - { name: contosoreg }\n\nworkspaces:\n".to_string(),
        ),
    ];
    if let Some((old, new)) = extra {
        edits.push((old, format!("{old}{new}")));
    }
    let mut out = text;
    for (old, new) in edits {
        assert!(out.contains(old), "{example}: {old}");
        out = out.replacen(old, &new, 1);
    }
    out
}

#[test]
fn service_tag_rules_remove_reg009_in_an_nsg_and_a_firewall() {
    // Network isolation with registries: computes of a workspace that uses a public registry
    // reach AzureContainerRegistry.<region> (among others) on TCP 443. Denied by the compute
    // subnet's NSG, the fix is its outbound rule; denied by a hub firewall that no rule of
    // matches, a network rule in its policy.
    for (example, extra) in [
        (
            "workspace-private-endpoint",
            Some((
                "  - name: training-nsg\n    rules:\n",
                "      - { name: deny-internet-out, priority: 4000, direction: Outbound, access: Deny, destination: Internet }\n",
            )),
        ),
        ("hub-spoke-firewall", None),
    ] {
        let text = public_registry(example, extra);
        let write = |d: &Path| std::fs::write(d.join("topology.yaml"), &text).unwrap();
        let fixed = read_back(write, "topology.yaml", &["REG009"]);
        assert_eq!(fixed, BTreeSet::from(["REG009".to_string()]), "{example}");
    }
}
