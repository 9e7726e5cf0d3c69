//! Inputs the fixes tests share: the rules that carry a change, and examples broken in one
//! place, in each form.

use super::{copy_dir, root};
use std::path::Path;

/// The rules whose findings carry a change.
pub const CODES: &[&str] = &[
    "ACR001", "ACR007", "CMP004", "KV002", "SEC002", "SEC004", "SEC005", "SEC006", "SEC007",
    "SEC008", "SEC009", "SEC010", "SEC011", "SEC012", "SEC015", "SEC016", "SEC017", "SEC018",
    "SEC019", "EP001", "MVN004", "SEC014",
];

/// The exfiltration-prevention example in one form, without the links of its zones to the hub
/// VNet, where a client VM works: DNS006 for the workspace's zones.
pub fn without_hub_links(form: &str, dir: &Path) {
    let from = root().join("examples/exfiltration-prevention");
    let cut = |text: &str, start: &str, end: &str| -> String {
        let i = text.find(start).expect("the hub links are declared");
        let j = i + text[i..].find(end).unwrap() + end.len();
        format!("{}{}", &text[..i], &text[j..])
    };
    match form {
        "native" => {
            let text = std::fs::read_to_string(from.join("topology.yaml")).unwrap();
            std::fs::write(
                dir.join("topology.yaml"),
                text.replace(
                    "vnet_links: [spoke-vnet, hub-vnet]",
                    "vnet_links: [spoke-vnet]",
                ),
            )
            .unwrap();
        }
        "terraform" => {
            copy_dir(&from.join("terraform"), dir);
            let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
            let text = cut(
                &text,
                "resource \"azurerm_private_dns_zone_virtual_network_link\" \"hub\"",
                "}\n",
            );
            std::fs::write(dir.join("main.tf"), text).unwrap();
        }
        _ => {
            copy_dir(&from.join("arm"), dir);
            let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
            let at = text.find("/hub-vnet-link'").unwrap();
            let start = text[..at].rfind("\n    {\n").unwrap() + 1;
            let text = format!(
                "{}{}",
                &text[..start],
                cut(&text[start..], "{", "\n    },\n")
            );
            std::fs::write(dir.join("azuredeploy.json"), text).unwrap();
        }
    }
}

pub const MVN_ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "ws",
      "location": "eastus",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "publicNetworkAccess": "Disabled",
        "imageBuildCompute": "cpu-cluster",
        "managedNetwork": {
          "isolationMode": "AllowOnlyApprovedOutbound"
        }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/computes",
      "apiVersion": "2024-04-01",
      "name": "ws/cpu-cluster",
      "location": "eastus",
      "dependsOn": [
        "[resourceId('Microsoft.MachineLearningServices/workspaces', 'ws')]"
      ],
      "properties": {
        "computeType": "AmlCompute",
        "properties": {
          "vmSize": "Standard_DS3_v2",
          "enableNodePublicIp": false,
          "scaleSettings": { "minNodeCount": 0, "maxNodeCount": 2 }
        }
      }
    }
  ]
}
"#;

/// The private endpoint example in one form with its compute cluster given public IPs: no rule
/// of the training NSG admits BatchNodeManagement and AzureMachineLearning inbound (CMP002).
pub fn public_cluster(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "enable_node_public_ip: false",
            "enable_node_public_ip: true",
        ),
        "terraform" => (
            "terraform/main.tf",
            "node_public_ip_enabled        = false\n\n  scale_settings",
            "node_public_ip_enabled        = true\n\n  scale_settings",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"enableNodePublicIp\": false",
            "\"enableNodePublicIp\": true",
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

/// The private endpoint example in one form with network policies enabled on the endpoints'
/// subnet (PE008). Configure a private endpoint for an Azure Machine Learning workspace: the
/// subnet's private endpoint network policies are disabled before the endpoint is added.
pub fn pe_policies_enabled(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "      - name: pe\n        address_prefixes: [10.0.3.0/24]\n",
            "      - name: pe\n        address_prefixes: [10.0.3.0/24]\n        private_endpoint_network_policies: Enabled\n",
        ),
        "terraform" => (
            "terraform/main.tf",
            "private_endpoint_network_policies = \"Disabled\"",
            "private_endpoint_network_policies = \"Enabled\"",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"privateEndpointNetworkPolicies\": \"Disabled\"",
            "\"privateEndpointNetworkPolicies\": \"Enabled\"",
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
