//! Service endpoints added to a subnet, read back in every language the input is written in:
//! the edit applied, `moat check` no longer reports the finding, the subnet keeps the
//! endpoints it had, and no new error appears.

mod readback;

use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The exfiltration-prevention example in one form, its training subnet's Microsoft.Storage
/// service endpoint made a Microsoft.KeyVault one: the storage policy stays on the subnet.
fn keyvault_endpoint(form: &str, dir: &Path) {
    let from = root().join("examples/exfiltration-prevention");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "service_endpoints: [Microsoft.Storage]",
            "service_endpoints: [Microsoft.KeyVault]",
        ),
        "terraform" => (
            "main.tf",
            "service_endpoints           = [\"Microsoft.Storage\"]",
            "service_endpoints           = [\"Microsoft.KeyVault\"]",
        ),
        _ => (
            "azuredeploy.json",
            "{ \"service\": \"Microsoft.Storage\", \"locations\"",
            "{ \"service\": \"Microsoft.KeyVault\", \"locations\"",
        ),
    };
    match form {
        "native" => {
            std::fs::copy(from.join(file), dir.join(file)).unwrap();
        }
        _ => copy_dir(&from.join(form), dir),
    }
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(old).count(), 1, "{form}");
    std::fs::write(&path, text.replace(old, new)).unwrap();
}

fn errors(v: &Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

#[test]
fn a_storage_endpoint_removes_exf005_in_every_language() {
    // Service endpoint policies, Configuration: a policy applies to the traffic of the
    // subnet's service endpoint; data exfiltration prevention enables the storage endpoint for
    // the subnet. The fix adds Microsoft.Storage beside the Key Vault endpoint the subnet has.
    for (form, input, file) in [
        ("native", "topology.yaml", "topology.yaml"),
        ("terraform", ".", "main.tf"),
        ("arm", ".", "azuredeploy.json"),
    ] {
        let fixed = read_back(|d| keyvault_endpoint(form, d), input, &["EXF005"]);
        assert_eq!(fixed, BTreeSet::from(["EXF005".into()]), "{form}");

        let dir = scratch(&format!("exf005-{form}"));
        keyvault_endpoint(form, &dir);
        let before = check(&dir, input, &[]);
        let exf: Vec<&Value> = findings(&before)
            .iter()
            .filter(|f| f["code"] == "EXF005")
            .collect();
        assert_eq!(exf.len(), 1, "{form}: {before:#}");
        assert_eq!(exf[0]["resource"], "subnet/spoke-vnet/training");
        let snippets = exf[0]["fix_code"].as_array().unwrap();
        let shown = &snippets[0]["text"].as_str().unwrap();
        assert!(
            shown.contains("Microsoft.KeyVault") && shown.contains("Microsoft.Storage"),
            "{form}: {shown}"
        );
        apply_edits(&dir, &before);
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let after = check(&dir, input, &[]);
        assert!(
            errors(&after).is_subset(&errors(&before)),
            "{form}: {after:#}"
        );
        assert!(
            findings(&after).iter().all(|f| f["code"] != "EXF005"),
            "{form}: {text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        match form {
            "native" => assert!(
                text.contains("service_endpoints: [Microsoft.KeyVault, Microsoft.Storage]"),
                "{text}"
            ),
            "terraform" => assert!(
                text.contains(
                    "service_endpoints           = [\"Microsoft.KeyVault\", \"Microsoft.Storage\"]"
                ),
                "{text}"
            ),
            _ => {
                let v: Value = serde_json::from_str(&text).unwrap();
                let vnet = v["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["name"] == "spoke-vnet")
                    .unwrap();
                let endpoints = &vnet["properties"]["subnets"][0]["properties"]["serviceEndpoints"];
                assert_eq!(endpoints[0]["service"], "Microsoft.KeyVault", "{text}");
                assert_eq!(endpoints[0]["locations"][0], "[parameters('location')]");
                assert_eq!(
                    endpoints[1],
                    serde_json::json!({ "service": "Microsoft.Storage" })
                );
            }
        }
    }
}

#[test]
fn a_live_export_gets_the_subnet_update_with_every_endpoint() {
    // Read from Azure, the endpoint is added with az, whose --service-endpoints sets the
    // subnet's whole list: the Key Vault endpoint the subnet has is named again.
    let dir = scratch("live-exf005");
    copy_dir(&root().join("examples/exfiltration-prevention/live"), &dir);
    let file = dir.join("resources.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let old = "\"service\": \"Microsoft.Storage\"";
    // The subnet's, and its copy in the VNet's `subnets`.
    assert_eq!(text.matches(old).count(), 2);
    std::fs::write(
        &file,
        text.replace(old, "\"service\": \"Microsoft.KeyVault\""),
    )
    .unwrap();
    let v = check(&dir, ".", &["--select", "EXF005"]);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["fix_code"].as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(f[0]["fix_code"][0]["input"], "az");
    assert_eq!(
        f[0]["fix_code"][0]["text"],
        "az network vnet subnet update --resource-group rg-ml --vnet-name spoke-vnet --name training --service-endpoints Microsoft.Storage Microsoft.KeyVault\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The exfiltration-prevention example in one form, its storage account reached through the
/// training subnet's service endpoint: no private endpoints to it, public network access left
/// to the firewall, which admits only the pe subnet.
fn storage_by_service_endpoint(form: &str, dir: &Path) {
    let from = root().join("examples/exfiltration-prevention");
    if form == "native" {
        let text = std::fs::read_to_string(from.join("topology.yaml")).unwrap();
        let pes = "  - { name: wsstorage-blob-pe, subnet: spoke-vnet/pe, target: storage/wsstorage, group_id: blob,\n      dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: wsstorage-file-pe, subnet: spoke-vnet/pe, target: storage/wsstorage, group_id: file,\n      dns_zone_group: [privatelink.file.core.windows.net] }\n";
        let acl =
            "    public_network_access: Disabled\n    network_rules:\n      default_action: Deny\n";
        assert!(text.contains(pes) && text.contains(acl));
        let text = text.replace(pes, "").replace(
            acl,
            "    network_rules:\n      default_action: Deny\n      virtual_network_rules: [spoke-vnet/pe]\n",
        );
        std::fs::write(dir.join("topology.yaml"), text).unwrap();
        return;
    }
    if form == "terraform" {
        copy_dir(&from.join("terraform"), dir);
        let path = dir.join("main.tf");
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (a, b) in [
            (
                "    \"wsstorage-blob-pe\" = { target = azurerm_storage_account.ws.id, group = \"blob\", zones = [\"blob\"] }\n",
                "",
            ),
            (
                "    \"wsstorage-file-pe\" = { target = azurerm_storage_account.ws.id, group = \"file\", zones = [\"file\"] }\n",
                "",
            ),
            ("  public_network_access_enabled   = false\n}", "}"),
            (
                "  bypass             = [\"AzureServices\"]\n",
                "  bypass             = [\"AzureServices\"]\n  virtual_network_subnet_ids = [azurerm_subnet.pe.id]\n",
            ),
        ] {
            assert!(text.contains(a), "{a}");
            text = text.replacen(a, b, 1);
        }
        std::fs::write(&path, text).unwrap();
        return;
    }
    copy_dir(&from.join("arm"), dir);
    let path = dir.join("azuredeploy.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let pes = v["variables"]["privateEndpoints"].as_array_mut().unwrap();
    let before = pes.len();
    pes.retain(|p| !p["name"].as_str().unwrap().starts_with("wsstorage-"));
    assert_eq!(pes.len(), before - 2);
    let st = v["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == "Microsoft.Storage/storageAccounts")
        .unwrap();
    let props = st["properties"].as_object_mut().unwrap();
    props
        .remove("publicNetworkAccess")
        .expect("the account writes its public network access");
    props["networkAcls"]["virtualNetworkRules"] = serde_json::json!([{
        "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'spoke-vnet', 'pe')]",
        "action": "Allow"
    }]);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_virtual_network_rule_removes_st007_in_native_and_arm() {
    // Secure Azure storage accounts (service endpoint): the account admits the compute's
    // subnet by a virtual network rule. The rule is added beside those the account has.
    for (form, input, file) in [
        ("native", "topology.yaml", "topology.yaml"),
        ("arm", ".", "azuredeploy.json"),
    ] {
        let fixed = read_back(|d| storage_by_service_endpoint(form, d), input, &["ST007"]);
        assert_eq!(fixed, BTreeSet::from(["ST007".into()]), "{form}");

        let dir = scratch(&format!("st007-{form}"));
        storage_by_service_endpoint(form, &dir);
        let before = check(&dir, input, &[]);
        let st: Vec<&Value> = findings(&before)
            .iter()
            .filter(|f| f["code"] == "ST007")
            .collect();
        assert_eq!(st.len(), 1, "{form}: {before:#}");
        assert_eq!(st[0]["resource"], "compute/cpu-cluster");
        apply_edits(&dir, &before);
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let after = check(&dir, input, &[]);
        assert!(
            errors(&after).is_subset(&errors(&before)),
            "{form}: {after:#}"
        );
        assert!(
            findings(&after).iter().all(|f| f["code"] != "ST007"),
            "{form}: {text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let shown = st[0]["fix_code"][0]["text"].as_str().unwrap();
        if form == "native" {
            assert_eq!(
                shown,
                "storage_accounts:\n  - name: wsstorage\n    network_rules:\n      virtual_network_rules: [spoke-vnet/pe, spoke-vnet/training]\n"
            );
            assert!(
                text.contains("virtual_network_rules: [spoke-vnet/pe, spoke-vnet/training]"),
                "{text}"
            );
        } else {
            let v: Value = serde_json::from_str(&text).unwrap();
            let account = v["resources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["type"] == "Microsoft.Storage/storageAccounts")
                .unwrap();
            assert_eq!(
                account["properties"]["networkAcls"]["virtualNetworkRules"],
                serde_json::json!([{
                    "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'spoke-vnet', 'pe')]",
                    "action": "Allow"
                }, {
                    "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'spoke-vnet', 'training')]",
                    "action": "Allow"
                }]),
                "{text}"
            );
            // Beside the JSON, the Bicep declaration of the same rule.
            let bicep = st[0]["fix_code"][1]["text"].as_str().unwrap_or_default();
            assert!(
                bicep.contains("id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'spoke-vnet', 'training')"),
                "{bicep}"
            );
        }
    }
}

#[test]
fn a_virtual_network_rule_removes_st007_in_terraform() {
    // The same in Terraform: the account's rules are an azurerm_storage_account_network_rules
    // resource, whose virtual_network_subnet_ids gets the training subnet's id by reference.
    let fixed = read_back(
        |d| storage_by_service_endpoint("terraform", d),
        ".",
        &["ST007"],
    );
    assert_eq!(fixed, BTreeSet::from(["ST007".into()]));
    let dir = scratch("st007-terraform");
    storage_by_service_endpoint("terraform", &dir);
    let before = check(&dir, ".", &[]);
    let st: Vec<&Value> = findings(&before)
        .iter()
        .filter(|f| f["code"] == "ST007")
        .collect();
    assert_eq!(st.len(), 1, "{before:#}");
    assert_eq!(
        st[0]["fix_code"][0]["text"],
        "# azurerm_storage_account_network_rules.ws\nvirtual_network_subnet_ids = [azurerm_subnet.pe.id, azurerm_subnet.training.id]\n"
    );
    apply_edits(&dir, &before);
    let after = check(&dir, ".", &[]);
    assert!(errors(&after).is_subset(&errors(&before)), "{after:#}");
    assert!(findings(&after).iter().all(|f| f["code"] != "ST007"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_live_export_gets_the_network_rule_command() {
    // Read from Azure, the rule is added with az, the subnet named by its id (its VNet may sit
    // in another resource group than the account).
    let dir = scratch("live-st007");
    copy_dir(&root().join("examples/exfiltration-prevention/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let items = v["data"].as_array_mut().unwrap();
    let before = items.len();
    items.retain(|r| {
        !r["id"]
            .as_str()
            .unwrap()
            .contains("/privateEndpoints/wsstorage-")
    });
    assert_eq!(items.len(), before - 4);
    let st = items
        .iter_mut()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .ends_with("/storageAccounts/wsstorage")
        })
        .unwrap();
    let props = st["properties"].as_object_mut().unwrap();
    props.remove("publicNetworkAccess").unwrap();
    props.remove("privateEndpointConnections");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = check(&dir, ".", &["--select", "ST007"]);
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{out:#}");
    assert_eq!(
        f[0]["fix_code"][0]["text"],
        "az storage account network-rule add --resource-group rg-ml --account-name wsstorage --subnet /subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/spoke-vnet/subnets/training\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The exfiltration-prevention example in one form, its storage policy's definition of the
/// workspace's storage naming another account, and the storage's blob endpoint made a queue
/// one: the compute reaches blob through the service endpoint, which the policy denies.
fn policy_without_storage(form: &str, dir: &Path) {
    let from = root().join("examples/exfiltration-prevention");
    let other =
        "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/other";
    let (file, edits) = match form {
        "native" => (
            "topology.yaml",
            [
                (
                    "service_resources: [wsstorage]",
                    format!("service_resources: [{other}]"),
                ),
                ("group_id: blob,", "group_id: queue,".to_string()),
            ],
        ),
        "terraform" => (
            "main.tf",
            [
                (
                    "service_resources = [azurerm_storage_account.ws.id]",
                    format!("service_resources = [\"{other}\"]"),
                ),
                ("group = \"blob\"", "group = \"queue\"".to_string()),
            ],
        ),
        _ => (
            "azuredeploy.json",
            [
                (
                    "\"serviceResources\": [\"[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]\"]",
                    format!("\"serviceResources\": [\"{other}\"]"),
                ),
                (
                    "\"groupId\": \"blob\",",
                    "\"groupId\": \"queue\",".to_string(),
                ),
            ],
        ),
    };
    match form {
        "native" => {
            std::fs::copy(from.join(file), dir.join(file)).unwrap();
        }
        _ => copy_dir(&from.join(form), dir),
    }
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (old, new) in edits {
        assert_eq!(text.matches(old).count(), 1, "{form}: {old}");
        text = text.replace(old, &new);
    }
    std::fs::write(&path, text).unwrap();
}

#[test]
fn a_policy_definition_for_the_default_storage_removes_exf006_in_every_language() {
    // Data exfiltration prevention, "Enable storage endpoint for the subnet": the service
    // endpoint policy must list the workspace's default storage account. The fix adds a
    // definition naming it, beside the definitions the policy has (the alias stays).
    for (form, input, file) in [
        ("native", "topology.yaml", "topology.yaml"),
        ("terraform", ".", "main.tf"),
        ("arm", ".", "azuredeploy.json"),
    ] {
        let fixed = read_back(|d| policy_without_storage(form, d), input, &["EXF006"]);
        assert_eq!(fixed, BTreeSet::from(["EXF006".into()]), "{form}");

        let dir = scratch(&format!("exf006-{form}"));
        policy_without_storage(form, &dir);
        let before = check(&dir, input, &[]);
        assert!(
            findings(&before).iter().any(|f| f["code"] == "EXF006"),
            "{form}: {before:#}"
        );
        apply_edits(&dir, &check(&dir, input, &["--select", "EXF006"]));
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let after = check(&dir, input, &[]);
        assert!(
            errors(&after).is_subset(&errors(&before)),
            "{form}: {after:#}"
        );
        assert!(text.contains("/services/Azure/MachineLearning"), "{text}");
        assert!(text.contains("allow-wsstorage"), "{form}: {text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn exf006s_native_side_file_keeps_the_policys_unnamed_definitions() {
    // Data exfiltration prevention: the policy keeps its `/services/Azure/MachineLearning`
    // alias beside the storage accounts it admits. A side file completes a resource by name,
    // and a list whose entries are not all named is replaced, so the snippet restates them.
    let dir = scratch("exf006-side");
    std::fs::write(
        dir.join("t.yaml"),
        "workspaces: [{ name: ws, storage_account: st }]\n\
         storage_accounts: [{ name: st }]\n\
         computes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\n\
         service_endpoint_policies: [{ name: ml-sep, definitions: [{ service: Global, service_resources: [/services/Azure/MachineLearning] }] }]\n\
         virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [ml-sep] }] }]\n",
    )
    .unwrap();
    let before = check(&dir, "t.yaml", &[]);
    let exf006 = findings(&before)
        .iter()
        .find(|f| f["code"] == "EXF006")
        .expect("EXF006 fires");
    let side = exf006["fix_code"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["input"] == "native")
        .expect("a native snippet");
    let text = side["text"].as_str().unwrap();
    assert!(text.contains("/services/Azure/MachineLearning"), "{text}");
    std::fs::write(dir.join("side.yaml"), text).unwrap();
    let after = check(&dir, "t.yaml", &["--with", "side.yaml"]);
    let keys = |v: &Value| findings(v).iter().map(key).collect::<BTreeSet<_>>();
    let (b, a) = (keys(&before), keys(&after));
    assert!(!a.iter().any(|(c, _)| c == "EXF006"), "{after:#}");
    let new: Vec<_> = a.difference(&b).collect();
    assert!(new.is_empty(), "the side file adds {new:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
