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
