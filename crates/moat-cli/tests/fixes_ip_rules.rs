//! WS003's fix read back: a client outside a workspace's IP allow list (public access enabled
//! from selected IP addresses) gets the address it shows on the internet added to the list,
//! keeping the entries it has, in a native topology and in a template (either list a template
//! writes); read from Azure, the `az` command that adds it.

mod readback;

use readback::bicep::assert_bicep;
use readback::fixed::{fixed_in, snippets};
use readback::*;
use serde_json::Value;

const CLIENT: &str = "clients:\n  - { name: laptop, location: internet, public_address: 20.1.2.3, operations: [sdk.connect] }\n";

fn text_of(f: &Value, form: &str) -> String {
    snippets(f, form)[0]["text"].as_str().unwrap().to_string()
}

#[test]
fn the_client_address_in_the_allow_list_removes_ws003_in_a_topology() {
    // Inbound access, Enabled from selected IP addresses: the workspace answers only the
    // addresses in its list; what counts is the address the client shows on the internet. The
    // list written as a flow list and as a block list.
    for (name, acls) in [
        (
            "flow",
            "    network_acls: { default_action: Deny, ip_rules: [16.17.18.0/24] }\n",
        ),
        (
            "block",
            "    network_acls:\n      default_action: Deny\n      ip_rules:\n        - 16.17.18.0/24\n",
        ),
    ] {
        let dir = scratch(&format!("ws003-{name}"));
        std::fs::write(
            dir.join("topology.yaml"),
            format!(
                "region: eastus\nworkspaces:\n  - name: ws\n    public_network_access: Enabled\n{acls}{CLIENT}"
            ),
        )
        .unwrap();
        let f = fixed_in(&dir, "topology.yaml", "WS003", "native");
        assert_eq!(
            text_of(&f[0], "native"),
            "workspaces:\n  - name: ws\n    network_acls:\n      ip_rules: [16.17.18.0/24, 20.1.2.3]\n",
            "{name}"
        );
    }
}

/// A template with a workspace enabled from selected IP addresses, its list written as
/// `list` (`networkAcls.ipRules` or `ipAllowlist`), and a side file with the client.
fn template(name: &str, list: &str) -> std::path::PathBuf {
    let dir = scratch(&format!("ws003-arm-{name}"));
    std::fs::write(
        dir.join("azuredeploy.json"),
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-10-01",
      "name": "ws",
      "location": "eastus",
      "identity": {{ "type": "SystemAssigned" }},
      "properties": {{
        "publicNetworkAccess": "Enabled",
        {list}
      }}
    }}
  ]
}}
"#
        ),
    )
    .unwrap();
    std::fs::write(dir.join("intent.yaml"), CLIENT).unwrap();
    dir
}

#[test]
fn the_client_address_in_the_allow_list_removes_ws003_in_a_template() {
    // The address as a rule of `networkAcls.ipRules`, or an entry of `ipAllowlist` where the
    // template writes that list; Bicep beside the JSON.
    for (name, list, expected) in [
        (
            "rules",
            r#""networkAcls": {
          "defaultAction": "Deny",
          "ipRules": [
            { "value": "16.17.18.0/24" }
          ]
        }"#,
            serde_json::json!({ "networkAcls": { "ipRules": [
                { "value": "16.17.18.0/24" }, { "value": "20.1.2.3" }
            ] } }),
        ),
        (
            "allowlist",
            r#""ipAllowlist": [
          "16.17.18.0/24"
        ]"#,
            serde_json::json!({ "ipAllowlist": ["16.17.18.0/24", "20.1.2.3"] }),
        ),
    ] {
        let f = fixed_in(&template(name, list), ".", "WS003", "arm");
        let arm: Value = serde_json::from_str(&text_of(&f[0], "arm")).unwrap();
        assert_eq!(arm["properties"], expected, "{name}");
        let bicep = text_of(&f[0], "bicep");
        assert_bicep(&bicep);
        assert!(bicep.contains("'20.1.2.3'"), "{bicep}");
    }
}

#[test]
fn a_live_export_gets_the_network_rule_command() {
    // Read from Azure: `az ml workspace network-rule add`, which keeps the workspace's rules.
    let dir = scratch("ws003-live");
    copy_dir(&root().join("examples/private-registry/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let ws = v["data"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == "microsoft.machinelearningservices/workspaces")
        .unwrap();
    ws["properties"]["publicNetworkAccess"] = "Enabled".into();
    ws["properties"]["networkAcls"] =
        serde_json::json!({ "defaultAction": "Deny", "ipRules": [{ "value": "16.17.18.0/24" }] });
    std::fs::write(&file, v.to_string()).unwrap();
    let intent = std::fs::read_to_string(dir.join("intent.yaml")).unwrap();
    let clients = "clients:\n";
    assert!(intent.contains(clients));
    std::fs::write(dir.join("intent.yaml"), intent.replacen(clients, CLIENT, 1)).unwrap();
    let v = check(&dir, ".", &["--select", "WS003"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert_eq!(
        text_of(&findings(&v)[0], "az"),
        "az ml workspace network-rule add --resource-group rg-ml --workspace-name ws --ip-address 20.1.2.3\n"
    );
}

#[test]
fn several_clients_write_the_list_once_and_each_address_once() {
    // A list not written yet: the first finding's edit writes it with every address, the
    // others none; two clients behind one address add it once.
    let dir = scratch("ws003-several");
    std::fs::write(
        dir.join("topology.yaml"),
        "region: eastus\nworkspaces:\n  - name: ws\n    public_network_access: Enabled\n    network_acls: { default_action: Deny }\nclients:\n  - { name: laptop, location: internet, public_address: 20.1.2.3, operations: [sdk.connect] }\n  - { name: tablet, location: internet, public_address: 20.1.2.4, operations: [sdk.connect] }\n  - { name: phone, location: internet, public_address: 20.1.2.3, operations: [sdk.connect] }\n",
    )
    .unwrap();
    let before = check(&dir, "topology.yaml", &["--select", "WS003"]);
    assert_eq!(findings(&before).len(), 3, "{before:#}");
    // The phone's address is the laptop's: the laptop's edit adds it, the phone's none.
    assert!(!apply_edits(&dir, &before).is_empty());
    let after = check(&dir, "topology.yaml", &["--select", "WS003"]);
    assert!(findings(&after).is_empty(), "{after:#}");
    let text = std::fs::read_to_string(dir.join("topology.yaml")).unwrap();
    assert!(
        text.contains("network_acls: { default_action: Deny, ip_rules: [20.1.2.3, 20.1.2.4] }"),
        "{text}"
    );
}
