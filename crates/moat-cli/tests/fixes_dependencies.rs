//! Fixes of a workspace's endpoints and its dependencies', read back. PE004: a workspace
//! endpoint added in the VNet that holds the dependencies' endpoints. PE005: the workspace's
//! storage endpoint added in a client VNet that holds a workspace endpoint but not the
//! storage's, with its zone group naming the client VNet's own copy of the zone.

mod readback;

use readback::fixed::{fixed_in, snippets};
use readback::*;

#[test]
fn a_storage_endpoint_in_the_client_vnet_removes_pe005() {
    // Isolated clients: every VNet that holds a workspace private endpoint also needs private
    // endpoints to the workspace's storage. Without the client VNet's blob endpoint, the fix
    // adds one there, beside the workspace's, writing into the zone linked to that VNet.
    let dir = scratch("pe005-native");
    let text =
        std::fs::read_to_string(root().join("examples/isolated-clients/topology.yaml")).unwrap();
    let cut = "  - { name: client-wsstorage-blob-pe, subnet: client-vnet/pe, target: storage/wsstorage, group_id: blob,\n      dns_zone_group: [clients/privatelink.blob.core.windows.net] }\n";
    assert!(text.contains(cut));
    std::fs::write(dir.join("topology.yaml"), text.replacen(cut, "", 1)).unwrap();
    let f = fixed_in(&dir, "topology.yaml", "PE005", "native");
    assert_eq!(f.len(), 1);
    assert_eq!(
        snippets(&f[0], "native")[0]["text"],
        "private_endpoints:\n  - { name: wsstorage-blob-pe-2, subnet: client-vnet/pe, target: storage/wsstorage, group_id: blob, dns_zone_group: [clients/privatelink.blob.core.windows.net] }\n"
    );
}

/// The private endpoint example in `form` with its workspace endpoint moved to a client VNet
/// `cvnet`, beside a second one there, both without a zone group: the workspace has two
/// endpoints and none in `vnet`, which holds its storage, key vault and registry endpoints.
fn workspace_endpoints_elsewhere(form: &str) -> std::path::PathBuf {
    let from = root().join("examples/workspace-private-endpoint");
    let dir = scratch(&format!("pe004-{form}"));
    let edit = |file: &str, cuts: &[(&str, &str)], tail: Option<(&str, &str)>| {
        let path = if form == "native" {
            from.join(file)
        } else {
            copy_dir(&from.join(form), &dir);
            dir.join(file)
        };
        let mut text = std::fs::read_to_string(path).unwrap();
        for (old, new) in cuts {
            assert!(text.contains(old), "{form}: {old}");
            text = text.replacen(old, new, 1);
        }
        if let Some((at, added)) = tail {
            let i = text.rfind(at).unwrap();
            text.insert_str(i, added);
        }
        std::fs::write(dir.join(file), text).unwrap();
    };
    match form {
        "native" => edit(
            "topology.yaml",
            &[
                (
                    "  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace,\n      dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }\n",
                    "  - { name: ws-pe, subnet: cvnet/pe, target: workspace/ws, group_id: amlworkspace }\n  - { name: ws-pe-b, subnet: cvnet/pe, target: workspace/ws, group_id: amlworkspace }\n",
                ),
                (
                    "virtual_networks:\n",
                    "virtual_networks:\n  - name: cvnet\n    address_space: [10.9.0.0/16]\n    subnets:\n      - { name: pe, address_prefixes: [10.9.3.0/24] }\n",
                ),
            ],
            None,
        ),
        "terraform" => edit(
            "main.tf",
            &[
                (
                    "  subnet_id           = azurerm_subnet.pe.id\n\n  private_service_connection {\n    name                           = \"ws-pe\"\n",
                    "  subnet_id           = azurerm_subnet.cpe.id\n\n  private_service_connection {\n    name                           = \"ws-pe\"\n",
                ),
                (
                    "    is_manual_connection           = false\n  }\n\n  private_dns_zone_group {\n    name = \"default\"\n    private_dns_zone_ids = [\n      azurerm_private_dns_zone.zone[\"api\"].id,\n      azurerm_private_dns_zone.zone[\"notebooks\"].id,\n    ]\n  }\n",
                    "    is_manual_connection           = false\n  }\n",
                ),
            ],
            Some((
                "resource \"azurerm_public_ip\" \"bastion\"",
                r#"resource "azurerm_virtual_network" "cvnet" {
  name                = "cvnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.9.0.0/16"]
}

resource "azurerm_subnet" "cpe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.cvnet.name
  address_prefixes     = ["10.9.3.0/24"]
}

resource "azurerm_private_endpoint" "ws_b" {
  name                = "ws-pe-b"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.cpe.id

  private_service_connection {
    name                           = "ws-pe-b"
    private_connection_resource_id = azapi_resource.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}

"#,
            )),
        ),
        _ => edit(
            "azuredeploy.json",
            &[
                (
                    "\"subnet\": { \"id\": \"[variables('peSubnetId')]\" },\n        \"privateLinkServiceConnections\": [\n          {\n            \"name\": \"ws-pe\",",
                    "\"subnet\": { \"id\": \"[resourceId('Microsoft.Network/virtualNetworks/subnets', 'cvnet', 'pe')]\" },\n        \"privateLinkServiceConnections\": [\n          {\n            \"name\": \"ws-pe\",",
                ),
                (
                    r#"    {
      "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
      "apiVersion": "2023-09-01",
      "name": "ws-pe/default",
      "dependsOn": ["[resourceId('Microsoft.Network/privateEndpoints', 'ws-pe')]", "zones"],
      "properties": {
        "privateDnsZoneConfigs": [
          {
            "name": "api",
            "properties": { "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[0])]" }
          },
          {
            "name": "notebooks",
            "properties": { "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[1])]" }
          }
        ]
      }
    },
"#,
                    r#"    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "cvnet",
      "location": "[parameters('location')]",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.9.0.0/16"] },
        "subnets": [{ "name": "pe", "properties": { "addressPrefix": "10.9.3.0/24" } }]
      }
    },
    {
      "type": "Microsoft.Network/privateEndpoints",
      "apiVersion": "2023-09-01",
      "name": "ws-pe-b",
      "location": "[parameters('location')]",
      "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'cvnet', 'pe')]" },
        "privateLinkServiceConnections": [
          {
            "name": "ws-pe-b",
            "properties": {
              "privateLinkServiceId": "[resourceId('Microsoft.MachineLearningServices/workspaces', parameters('workspaceName'))]",
              "groupIds": ["amlworkspace"]
            }
          }
        ]
      }
    },
"#,
                ),
            ],
            None,
        ),
    }
    dir
}

#[test]
fn a_workspace_endpoint_beside_the_dependencies_removes_pe004() {
    // Limitations: with several workspace private endpoints, one of them must be in the VNet
    // that holds the endpoints of the workspace's storage, key vault and container registry.
    // The workspace endpoint goes in vnet/pe, beside them, in the zones linked to vnet.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let dir = workspace_endpoints_elsewhere(form);
        let f = fixed_in(&dir, input, "PE004", form);
        assert_eq!(f.len(), 1, "{form}");
        assert_eq!(
            f[0]["changes"][0],
            serde_json::json!({
                "kind": "add-private-endpoint",
                "name": "ws-amlworkspace-pe",
                "target": "workspace/ws",
                "group_id": "amlworkspace",
                "subnet": "vnet/pe",
                "zones": [
                    { "name": "privatelink.api.azureml.ms", "resource_group": null, "create": false, "link": false },
                    { "name": "privatelink.notebooks.azure.net", "resource_group": null, "create": false, "link": false }
                ]
            }),
            "{form}"
        );
        if form == "native" {
            assert_eq!(
                snippets(&f[0], "native")[0]["text"],
                "private_endpoints:\n  - { name: ws-amlworkspace-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }\n"
            );
        }
        if form == "arm" {
            let bicep = snippets(&f[0], "bicep");
            assert!(!bicep.is_empty(), "{:#}", f[0]);
        }
    }
}

#[test]
fn a_storage_endpoint_in_the_client_vnet_removes_pe005_in_terraform_and_a_template() {
    // The same fix where each VNet's endpoints are written in a loop over one list: the client
    // VNet's loop leaves the blob endpoint out, and the endpoint is added as a resource of its
    // own in client-vnet/pe, its zone group naming the client VNet's copy of the zone.
    let from = root().join("examples/isolated-clients");
    for form in ["terraform", "arm"] {
        let dir = scratch(&format!("pe005-{form}"));
        copy_dir(&from.join(form), &dir);
        let file = if form == "terraform" {
            "main.tf"
        } else {
            "azuredeploy.json"
        };
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let text = if form == "terraform" {
            let old = "resource \"azurerm_private_endpoint\" \"client\" {\n  for_each            = local.endpoints\n";
            assert!(text.contains(old));
            text.replacen(
                old,
                "resource \"azurerm_private_endpoint\" \"client\" {\n  for_each            = { for k, v in local.endpoints : k => v if k != \"wsstorage-blob-pe\" }\n",
                1,
            )
        } else {
            // The client loops over the targets without the blob one (the second).
            let at = text
                .find("\"[format('client-{0}', variables('targets')[copyIndex()].suffix)]\"")
                .unwrap();
            let (head, tail) = text.split_at(at);
            let start = head.rfind("\n    {\n").unwrap();
            let (head, loops) = head.split_at(start);
            let vars = "  \"variables\": {\n";
            assert!(head.contains(vars));
            format!(
                "{}{loops}{}",
                head.replacen(
                    vars,
                    &format!("{vars}    \"clientTargets\": \"[concat(take(variables('targets'), 1), skip(variables('targets'), 2))]\",\n"),
                    1
                ),
                tail.replace("variables('targets')", "variables('clientTargets')")
            )
        };
        std::fs::write(dir.join(file), text).unwrap();
        let f = fixed_in(&dir, ".", "PE005", form);
        assert_eq!(f.len(), 1, "{form}");
        let text = snippets(&f[0], form)[0]["text"].as_str().unwrap();
        if form == "terraform" {
            for line in [
                "  subnet_id           = azurerm_subnet.client_pe.id\n",
                "    private_dns_zone_ids = [azurerm_private_dns_zone.client[\"blob\"].id]\n",
            ] {
                assert!(text.contains(line), "{text}");
            }
        } else {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                v[0]["properties"]["subnet"]["id"],
                "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'client-vnet', 'pe')]"
            );
            assert_eq!(
                v[1]["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
                "[resourceId('clients', 'Microsoft.Network/privateDnsZones', 'privatelink.blob.core.windows.net')]"
            );
            // The zone is deployed by a nested deployment: the zone group waits for it, as
            // `dependsOn` names resources of the template only.
            assert_eq!(
                v[1]["dependsOn"],
                serde_json::json!([
                    "[resourceId('Microsoft.Network/privateEndpoints', 'wsstorage-blob-pe-2')]",
                    "[resourceId('Microsoft.Resources/deployments', 'client-dns')]"
                ])
            );
        }
    }
}
