//! Fixes that set a resource's settings, read back in every language the input is written in:
//! the edit applied, `moat check` no longer reports the finding.

mod readback;

use readback::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Each form of an example of `tests/data/fixes`, with the input `moat check` reads.
fn forms(example: &str) -> [(&'static str, std::path::PathBuf, &'static str); 3] {
    let dir = root()
        .join("crates/moat-cli/tests/data/fixes")
        .join(example);
    [
        ("native", dir.join("native"), "topology.yaml"),
        ("terraform", dir.join("terraform"), "."),
        ("arm", dir.join("arm"), "."),
    ]
}

#[test]
fn trusted_services_remove_st004_in_every_language() {
    // Secure Azure storage accounts, steps 3-4 and tip: a storage account limited to selected
    // networks admits the workspace by a resource instance rule or, as the fix writes it, by
    // letting trusted Azure services through (there is no exception to keep: bypass None).
    for (form, from, input) in forms("st004") {
        let fixed = read_back(|d: &Path| copy_dir(&from, d), input, &["ST004"]);
        assert_eq!(fixed, BTreeSet::from(["ST004".to_string()]), "{form}");
    }
}

#[test]
fn deployment_egress_removes_ep002_ep005_and_reg010() {
    // Network isolation with managed online endpoints (legacy): a deployment of a secure
    // workspace without managed network reaches the workspace and the registry it takes its
    // model from through private endpoints once egress_public_network_access is disabled. The
    // deployment is written in its endpoint's entry, in block and flow style; the fix disables
    // every deployment with public egress.
    let from = root().join("crates/moat-cli/tests/data/fixes/egress");
    let codes = ["EP002", "EP005", "REG010"];
    let fixed = read_back(|d: &Path| copy_dir(&from, d), "topology.yaml", &codes);
    assert_eq!(fixed, codes.iter().map(|c| c.to_string()).collect());
}

/// The private endpoint example in one form with an outbound rule of the training NSG that
/// denies the VNet at priority 4000: SMB from the compute subnet to the storage's file private
/// endpoint is denied (ST008).
fn smb_denied(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, anchor, rule) = match form {
        "native" => (
            "topology.yaml",
            "  - name: training-nsg\n    rules:\n",
            "      - { name: deny-vnet-out, priority: 4000, direction: Outbound, access: Deny, destination: VirtualNetwork }\n",
        ),
        "terraform" => (
            "terraform/main.tf",
            "  resource_group_name = azurerm_resource_group.rg.name\n\n  security_rule {\n    name                       = \"EntraId\"",
            "",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"securityRules\": [\n",
            "          { \"name\": \"deny-vnet-out\", \"properties\": { \"priority\": 4000, \"direction\": \"Outbound\", \"access\": \"Deny\", \"protocol\": \"*\", \"sourcePortRange\": \"*\", \"destinationPortRange\": \"*\", \"sourceAddressPrefix\": \"*\", \"destinationAddressPrefix\": \"VirtualNetwork\" } },\n",
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let text = std::fs::read_to_string(&src).unwrap();
    let at = text
        .find(anchor)
        .unwrap_or_else(|| panic!("{form}: {anchor}"))
        + anchor.len();
    let text = if form == "terraform" {
        // Before the first inline rule of the training NSG.
        let block = "  security_rule {\n    name                       = \"EntraId\"";
        let i = at - block.len();
        format!(
            "{}  security_rule {{\n    name                       = \"deny-vnet-out\"\n    priority                   = 4000\n    direction                  = \"Outbound\"\n    access                     = \"Deny\"\n    protocol                   = \"*\"\n    source_address_prefix      = \"*\"\n    source_port_range          = \"*\"\n    destination_address_prefix = \"VirtualNetwork\"\n    destination_port_range     = \"*\"\n  }}\n\n{}",
            &text[..i],
            &text[i..]
        )
    } else {
        format!("{}{rule}{}", &text[..at], &text[at..])
    };
    std::fs::write(dir.join(src.file_name().unwrap()), text).unwrap();
}

#[test]
fn smb_rules_remove_st008_in_every_language() {
    // Secure the workspace resources: computes mount the default storage's file share over
    // SMB, TCP 445, through its file private endpoint. The fix admits TCP 445 from the compute
    // subnet to the endpoint's address in the NSG that denies it, in front of the denying rule.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d: &Path| smb_denied(form, d), input, &["ST008"]);
        assert_eq!(fixed, BTreeSet::from(["ST008".to_string()]), "{form}");
    }
}

#[test]
fn a_front_end_rule_removes_ws010() {
    // Use studio in a virtual network: the browser reaches the studio front end, ml.azure.com,
    // through AzureFrontDoor.Frontend on TCP 443. The jump box's NIC gets an NSG that denies
    // the internet outbound; the fix is the outbound rule to the service tag in front of it.
    // (Clients are written in the native format: an ARM or Terraform input takes them from a
    // native side file, where the NSG is not.)
    let text =
        std::fs::read_to_string(root().join("examples/workspace-private-endpoint/topology.yaml"))
            .unwrap();
    let edits = [
        (
            "  - name: jumpbox-nic\n    subnet: vnet/jumpbox\n",
            "  - name: jumpbox-nic\n    subnet: vnet/jumpbox\n    network_security_group: jumpbox-nsg\n",
        ),
        (
            "network_security_groups:\n",
            "network_security_groups:\n  - name: jumpbox-nsg\n    rules:\n      - { name: deny-internet, priority: 300, direction: Outbound, access: Deny, destination: Internet }\n",
        ),
    ];
    let mut broken = text;
    for (old, new) in edits {
        assert!(broken.contains(old), "{old}");
        broken = broken.replacen(old, new, 1);
    }
    let write = |d: &Path| std::fs::write(d.join("topology.yaml"), &broken).unwrap();
    let fixed = read_back(write, "topology.yaml", &["WS010"]);
    assert_eq!(fixed, BTreeSet::from(["WS010".to_string()]));
}

/// The private endpoint example in one form with the workspace's public network access
/// Enabled: its default storage refuses the internet (WS002).
fn public_workspace(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "  - name: ws\n    public_network_access: Disabled\n",
            "  - name: ws\n    public_network_access: Enabled\n",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"publicNetworkAccess\": \"Disabled\",\n        \"imageBuildCompute\"",
            "\"publicNetworkAccess\": \"Enabled\",\n        \"imageBuildCompute\"",
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let text = std::fs::read_to_string(&src).unwrap();
    assert!(text.contains(old), "{form}: {old}");
    std::fs::write(
        dir.join(src.file_name().unwrap()),
        text.replacen(old, new, 1),
    )
    .unwrap();
}

#[test]
fn a_workspace_with_a_private_endpoint_closes_its_public_one_for_ws002() {
    // Use studio in a virtual network: over the public endpoint, studio cannot read data the
    // storage keeps private. The workspace has a private endpoint its clients use: the fix
    // disables public network access (the example's Terraform writes the workspace as an
    // azapi resource, which no renderer edits).
    for (form, input) in [("native", "topology.yaml"), ("arm", ".")] {
        let fixed = read_back(|d: &Path| public_workspace(form, d), input, &["WS002"]);
        assert_eq!(fixed, BTreeSet::from(["WS002".to_string()]), "{form}");
    }
}

/// The private endpoint example in one form without image_build_compute (ACR003); the native
/// form declares a GPU cluster before the CPU one.
fn no_build_compute(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, edits): (&str, &[(&str, &str)]) = match form {
        "native" => (
            "topology.yaml",
            &[
                ("    image_build_compute: cpu-cluster\n", ""),
                (
                    "computes:\n",
                    "computes:\n  - { name: gpu-cluster, workspace: ws, type: AmlCompute, vm_size: Standard_NC6s_v3, max_nodes: 2, subnet: vnet/training, enable_node_public_ip: false }\n",
                ),
            ],
        ),
        _ => (
            "arm/azuredeploy.json",
            &[(
                "\"publicNetworkAccess\": \"Disabled\",\n        \"imageBuildCompute\": \"cpu-cluster\"\n",
                "\"publicNetworkAccess\": \"Disabled\"\n",
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

/// The errors of a check, by code and resource.
fn errors(v: &serde_json::Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

#[test]
fn a_cpu_cluster_in_the_vnet_removes_acr003_in_every_language() {
    // Secure the workspace resources, "Enable Azure Container Registry (ACR)": when the
    // registry is behind a VNet, images are built on the compute cluster image_build_compute
    // names, a CPU cluster (not GPU). The fix names the first CPU cluster of the workspace in a
    // VNet; the GPU cluster declared before it is passed over.
    let tf = root().join("crates/moat-cli/tests/data/fixes/acr003/terraform");
    for (form, input, shown) in [
        (
            "native",
            "topology.yaml",
            "workspaces:\n  - name: ws\n    image_build_compute: cpu-cluster\n",
        ),
        (
            "terraform",
            ".",
            "resource \"azurerm_machine_learning_workspace\" \"ws\" {\n  image_build_compute_name = \"cpu-cluster\"\n}\n",
        ),
        (
            "arm",
            ".",
            "{\n  \"type\": \"Microsoft.MachineLearningServices/workspaces\",\n  \"name\": \"[parameters('workspaceName')]\",\n  \"properties\": {\n    \"imageBuildCompute\": \"cpu-cluster\"\n  }\n}\n",
        ),
    ] {
        let dir = scratch(&format!("acr003-{form}"));
        if form == "terraform" {
            copy_dir(&tf, &dir);
        } else {
            no_build_compute(form, &dir);
        }
        let before = check(&dir, input, &[]);
        let acr003: Vec<&serde_json::Value> = findings(&before)
            .iter()
            .filter(|f| f["code"] == "ACR003")
            .collect();
        assert_eq!(acr003.len(), 1, "{form}: {before:#}");
        assert_eq!(
            acr003[0]["fix"],
            "Set image_build_compute to cpu-cluster, the first CPU compute cluster of the workspace in a VNet (any such cluster builds images).",
            "{form}"
        );
        assert_eq!(acr003[0]["fix_code"][0]["input"], form, "{form}");
        assert_eq!(acr003[0]["fix_code"][0]["text"], shown, "{form}");
        let only = check(&dir, input, &["--select", "ACR003"]);
        assert_eq!(apply_edits(&dir, &only).len(), 1, "{form}");
        let after = check(&dir, input, &[]);
        assert!(
            findings(&after).iter().all(|f| f["code"] != "ACR003"),
            "{form}: {after:#}"
        );
        let mut was = errors(&before);
        was.remove(&("ACR003".to_string(), "workspace/ws".to_string()));
        assert!(errors(&after).is_subset(&was), "{form}: {after:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn no_cpu_cluster_no_typed_fix_for_acr003() {
    // Only a CPU compute cluster builds images: a workspace whose only cluster runs on GPU
    // nodes gets the advice in words, and no change names a compute.
    let dir = scratch("acr003-gpu-only");
    no_build_compute("native", &dir);
    let path = dir.join("topology.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cpu = "  - name: cpu-cluster\n    workspace: ws\n    type: AmlCompute\n    vm_size: Standard_DS3_v2\n";
    assert!(text.contains(cpu));
    std::fs::write(
        &path,
        text.replacen(cpu, &cpu.replace("Standard_DS3_v2", "Standard_NC6s_v3"), 1),
    )
    .unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "ACR003"]);
    let f = &findings(&v)[0];
    assert_eq!(f["code"], "ACR003");
    assert_eq!(
        f["fix"],
        "Set image_build_compute to a CPU compute cluster in the VNet (az ml workspace update --image-build-compute <cluster>)."
    );
    assert!(
        f.get("changes").is_none() && f.get("fix_code").is_none(),
        "{f:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_access_modes_remove_mon001_in_every_language() {
    // Secure the workspace resources, "Azure Monitor": Azure Machine Learning supports Azure
    // Monitor private link in the Open mode only. The fix opens the modes the scope keeps
    // Private Only (both in native, ingestion in Terraform, queries in ARM) and no other.
    let shown = [
        "monitor_private_link_scopes:\n  - name: ampls\n    ingestion_access_mode: Open\n    query_access_mode: Open\n",
        "resource \"azurerm_monitor_private_link_scope\" \"ampls\" {\n  ingestion_access_mode = \"Open\"\n}\n",
        "{\n  \"type\": \"Microsoft.Insights/privateLinkScopes\",\n  \"name\": \"ampls\",\n  \"properties\": {\n    \"accessModeSettings\": {\n      \"queryAccessMode\": \"Open\"\n    }\n  }\n}\n",
    ];
    for ((form, from, input), shown) in forms("mon001").into_iter().zip(shown) {
        let dir = scratch(&format!("mon001-{form}"));
        copy_dir(&from, &dir);
        let v = check(&dir, input, &[]);
        let f = &findings(&v)[0];
        assert_eq!(
            (f["code"].as_str(), findings(&v).len()),
            (Some("MON001"), 1),
            "{form}"
        );
        assert_eq!(f["fix_code"][0]["input"], form, "{form}");
        assert_eq!(f["fix_code"][0]["text"], shown, "{form}");
        let _ = std::fs::remove_dir_all(&dir);
        let fixed = read_back(|d: &Path| copy_dir(&from, d), input, &["MON001"]);
        assert_eq!(fixed, BTreeSet::from(["MON001".to_string()]), "{form}");
        // Nothing else appears once the scope is Open.
        let dir = scratch(&format!("mon001-after-{form}"));
        copy_dir(&from, &dir);
        apply_edits(&dir, &check(&dir, input, &[]));
        assert!(findings(&check(&dir, input, &[])).is_empty(), "{form}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
