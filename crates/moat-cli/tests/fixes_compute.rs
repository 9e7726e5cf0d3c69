//! Fixes of the compute, image build, online endpoint and managed network rules, read back: each
//! snippet's edit applied to an example broken in one place, `moat check` run again, and the
//! finding it fixes is gone.

mod readback;

use readback::bicep::assert_bicep;
use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn errors(v: &Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

/// [`read_back`], and for each rule on a fresh copy: its edits applied raise no error that the
/// input did not have (every rule run, before and after).
fn read_back_clean(copy: impl Fn(&Path), input: &str, codes: &[&str]) -> BTreeSet<String> {
    let fixed = read_back(&copy, input, codes);
    for code in codes {
        let dir = scratch(&format!("clean-{code}"));
        copy(&dir);
        let before = check(&dir, input, &[]);
        apply_edits(&dir, &check(&dir, input, &["--select", code]));
        let after = check(&dir, input, &[]);
        let new: Vec<_> = errors(&after)
            .difference(&errors(&before))
            .cloned()
            .collect();
        assert!(new.is_empty(), "{input} {code}: new errors {new:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
    fixed
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// An example in one form (`native`, `terraform`, `arm`) with each `(old, new)` replaced once
/// in the file of that form that `moat check` reads.
fn edited(example: &str, form: &str, dir: &Path, edits: &[(&str, &str)]) {
    let from = root().join("examples").join(example);
    let file = match form {
        "native" => from.join("topology.yaml"),
        "terraform" => from.join("terraform/main.tf"),
        _ => from.join("arm/azuredeploy.json"),
    };
    if form != "native" {
        copy_dir(file.parent().unwrap(), dir);
    }
    let mut text = std::fs::read_to_string(&file).unwrap();
    for (old, new) in edits {
        assert!(text.contains(old), "{example} {form}: {old}");
        text = text.replacen(old, new, 1);
    }
    std::fs::write(dir.join(file.file_name().unwrap()), text).unwrap();
}

fn input(form: &str) -> &'static str {
    if form == "native" {
        "topology.yaml"
    } else {
        "."
    }
}

#[test]
fn a_cpu_cluster_replaces_a_missing_or_gpu_build_compute() {
    // Secure the workspace resources, "Enable Azure Container Registry (ACR)": images are built
    // on the compute cluster image_build_compute names, which must be a CPU cluster. Named
    // after a compute that does not exist (ACR008) or the compute instance (ACR004), the fix
    // names the workspace's CPU cluster in the VNet.
    for form in ["native", "arm"] {
        let (gone, instance) = match form {
            "native" => (
                [(
                    "image_build_compute: cpu-cluster",
                    "image_build_compute: gone-cluster",
                )],
                [(
                    "image_build_compute: cpu-cluster",
                    "image_build_compute: ci-alice",
                )],
            ),
            _ => (
                [(
                    "\"imageBuildCompute\": \"cpu-cluster\"",
                    "\"imageBuildCompute\": \"gone-cluster\"",
                )],
                [(
                    "\"imageBuildCompute\": \"cpu-cluster\"",
                    "\"imageBuildCompute\": \"ci-alice\"",
                )],
            ),
        };
        let fixed = read_back_clean(
            |d: &Path| edited("workspace-private-endpoint", form, d, &gone),
            input(form),
            &["ACR008"],
        );
        assert_eq!(fixed, set(&["ACR008"]), "{form}");
        let fixed = read_back_clean(
            |d: &Path| edited("workspace-private-endpoint", form, d, &instance),
            input(form),
            &["ACR004"],
        );
        assert_eq!(fixed, set(&["ACR004"]), "{form}");
    }
    // azurerm: a GPU cluster, then a name no compute has.
    let tf = root().join("crates/moat-cli/tests/data/fixes/acr003/terraform");
    for (name, code) in [("gpu-cluster", "ACR004"), ("gone-cluster", "ACR008")] {
        let write = |d: &Path| {
            copy_dir(&tf, d);
            let text = std::fs::read_to_string(d.join("main.tf")).unwrap();
            let anchor = "  container_registry_id   = azurerm_container_registry.acr.id\n";
            assert!(text.contains(anchor));
            let text = text.replacen(
                anchor,
                &format!("{anchor}  image_build_compute_name = \"{name}\"\n"),
                1,
            );
            std::fs::write(d.join("main.tf"), text).unwrap();
        };
        assert_eq!(
            read_back_clean(write, ".", &[code]),
            set(&[code]),
            "terraform"
        );
    }
}

#[test]
fn a_compute_instance_only_gets_no_build_compute() {
    // Only a CPU compute cluster builds images: with none in the workspace, the fix stays in
    // words and no change names a compute.
    let dir = scratch("acr008-no-cluster");
    edited(
        "workspace-private-endpoint",
        "native",
        &dir,
        &[
            (
                "image_build_compute: cpu-cluster",
                "image_build_compute: gone-cluster",
            ),
            ("    type: AmlCompute\n", "    type: ComputeInstance\n"),
        ],
    );
    let v = check(&dir, "topology.yaml", &["--select", "ACR008"]);
    let f = &findings(&v)[0];
    assert_eq!(f["code"], "ACR008");
    assert!(f["fix_code"].is_null(), "{f:#}");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .starts_with("Create the CPU compute cluster")
    );
}

/// A workspace with a managed network whose provisioning nothing records, and a managed online
/// deployment that sets the legacy egress flag.
const MANAGED_NATIVE: &str = "name: egress-moot
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    managed_network: { isolation_mode: AllowOnlyApprovedOutbound, provisioned: false }
online_endpoints:
  - name: score
    workspace: ws
    public_network_access: disabled
    deployments:
      - name: blue
        egress_public_network_access: Disabled
      - { name: green, egress_public_network_access: Disabled }
";

const MANAGED_ARM: &str = r#"{
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
        "managedNetwork": { "isolationMode": "AllowOnlyApprovedOutbound" }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      "apiVersion": "2024-04-01",
      "name": "ws/score",
      "location": "eastus",
      "properties": { "authMode": "Key", "publicNetworkAccess": "Disabled" }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
      "apiVersion": "2024-04-01",
      "name": "ws/score/blue",
      "location": "eastus",
      "sku": { "name": "Default", "capacity": 1 },
      "properties": {
        "endpointComputeType": "Managed",
        "instanceType": "Standard_DS3_v2",
        "egressPublicNetworkAccess": "Disabled"
      }
    }
  ]
}
"#;

#[test]
fn provisioning_and_the_default_egress_remove_mvn006_and_ep008() {
    // Manually provision a managed VNet: deployments need the managed network to exist first
    // (provision_network_now in a template). Secure outbound access with a workspace managed
    // network: egress_public_network_access does not apply there; the fix writes its default.
    for (file, text) in [
        ("topology.yaml", MANAGED_NATIVE),
        ("azuredeploy.json", MANAGED_ARM),
    ] {
        let write = |d: &Path| std::fs::write(d.join(file), text).unwrap();
        let input = if file.ends_with(".json") { "." } else { file };
        let fixed = read_back_clean(write, input, &["MVN006", "EP008"]);
        assert_eq!(fixed, set(&["MVN006", "EP008"]), "{file}");
    }
    // Beside the template's JSON, the same properties in Bicep.
    let dir = scratch("managed-bicep");
    std::fs::write(dir.join("azuredeploy.json"), MANAGED_ARM).unwrap();
    let v = check(&dir, ".", &["--select", "MVN006,EP008"]);
    let bicep: Vec<&str> = findings(&v)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().unwrap())
        .filter(|s| s["input"] == "bicep")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(bicep.len(), 2, "{v:#}");
    bicep.iter().for_each(|b| assert_bicep(b));
}

#[test]
fn a_workspace_read_from_azure_is_provisioned_by_command() {
    // From Azure, provisioning is an action: `az ml workspace provision-network`. The export
    // holds the workspace; its side file declares a deployment.
    let dir = scratch("mvn006-live");
    copy_dir(
        &root().join("examples/managed-network-approved-outbound/live"),
        &dir,
    );
    let intent = dir.join("intent.yaml");
    let mut text = std::fs::read_to_string(&intent).unwrap();
    text +=
        "\nonline_endpoints:\n  - { name: score, workspace: ws, deployments: [{ name: blue }] }\n";
    std::fs::write(&intent, text).unwrap();
    let v = check(&dir, ".", &["--select", "MVN006"]);
    let f = &findings(&v)[0];
    assert_eq!(f["code"], "MVN006");
    assert_eq!(
        f["fix_code"],
        serde_json::json!([{
            "input": "az",
            "language": "sh",
            "text": "az ml workspace provision-network --name ws --resource-group rg-ml\n",
        }])
    );
}

#[test]
fn application_rules_for_the_instance_hosts_remove_out006_in_every_language() {
    // Configure inbound and outbound network traffic, compute instance hosts: compute
    // instances reach *.instances.azureml.ms and *.instances.azureml.net on TCP 443 (WebSocket).
    // The hub's firewall without its AzureMachineLearning network rule denies them; the fix is
    // an application rule from the compute subnet.
    for form in ["native", "terraform", "arm"] {
        let cut = match form {
            "native" => {
                "              - { name: azureml, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: [443, 8787, 18881] }\n"
            }
            "terraform" => {
                "    { name = \"azureml\", protocols = [\"TCP\"], destinations = [\"AzureMachineLearning\"], ports = [\"443\", \"8787\", \"18881\"] },\n"
            }
            _ => {
                "              {
                \"ruleType\": \"NetworkRule\",
                \"name\": \"azureml\",
                \"ipProtocols\": [\"TCP\"],
                \"sourceAddresses\": [\"[variables('spokeAddressSpace')]\"],
                \"destinationAddresses\": [\"AzureMachineLearning\"],
                \"destinationPorts\": [\"443\", \"8787\", \"18881\"]
              },
"
            }
        };
        let fixed = read_back_clean(
            |d: &Path| edited("hub-spoke-firewall", form, d, &[(cut, "")]),
            input(form),
            &["OUT006"],
        );
        assert_eq!(fixed, set(&["OUT006"]), "{form}");
    }
}

#[test]
fn rules_for_the_build_hosts_remove_acr005() {
    // Secure the workspace resources, "Azure Container Registry": the compute cluster that
    // builds images pulls base images from mcr.microsoft.com and packages from the Python
    // indexes. Without the firewall's rules for them, the fix admits the registry's service
    // tag by a network rule and pypi.org by an application rule, from the build cluster's
    // subnet.
    let edits = [
        (
            "              - { name: mcr, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [MicrosoftContainerRegistry], destination_ports: [443] }\n",
            "",
        ),
        (
            "target_fqdns: [pypi.org, \"*.pythonhosted.org\"",
            "target_fqdns: [\"*.pythonhosted.org\"",
        ),
        (
            "target_fqdns: [mcr.microsoft.com, \"*.data.mcr.microsoft.com\"]",
            "target_fqdns: [\"*.data.mcr.microsoft.com\"]",
        ),
    ];
    let write = |d: &Path| edited("hub-spoke-firewall", "native", d, &edits);
    let dir = scratch("acr005-changes");
    write(&dir);
    let v = check(&dir, "topology.yaml", &["--select", "ACR005"]);
    let kinds: BTreeSet<String> = findings(&v)
        .iter()
        .flat_map(|f| f["changes"].as_array().cloned().unwrap_or_default())
        .map(|c| c["rule"]["type"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(kinds, set(&["application", "network"]), "{v:#}");
    assert_eq!(
        read_back_clean(write, "topology.yaml", &["ACR005"]),
        set(&["ACR005"])
    );
}

#[test]
fn service_tag_rules_remove_cmp006() {
    // Using AKS with Azure Machine Learning: the AKS subnet reaches mcr.microsoft.com, its data
    // endpoints, Azure Resource Manager and Microsoft Entra ID on TCP 443. An NSG on the AKS
    // subnet that denies the internet outbound blocks them; the fix allows each host's service
    // tag in front of the denying rule (the NAT gateway stays the internet path).
    let edits = [
        (
            "{ name: aks, address_prefixes: [10.2.0.0/22], nat_gateway: aks-nat }",
            "{ name: aks, address_prefixes: [10.2.0.0/22], nat_gateway: aks-nat, network_security_group: aks-nsg }",
        ),
        (
            "nat_gateways:\n",
            "network_security_groups:\n  - name: aks-nsg\n    rules:\n      - { name: deny-internet-out, priority: 4000, direction: Outbound, access: Deny, destination: Internet }\n\nnat_gateways:\n",
        ),
    ];
    let fixed = read_back_clean(
        |d: &Path| edited("isolated-aks", "native", d, &edits),
        "topology.yaml",
        &["CMP006"],
    );
    assert_eq!(fixed, set(&["CMP006"]));
}

/// A workspace whose managed network has private endpoint rules to a storage account and a key
/// vault the deployment declares beside its own resources, and `roles` after them.
fn approver_native(roles: &str) -> String {
    format!(
        "region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    storage_account: st
    key_vault: kv
    container_registry: wsacr
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - {{ name: data, type: PrivateEndpoint, destination: {{ service_resource: storage/data, subresource_target: blob }} }}
        - {{ name: vault, type: PrivateEndpoint, destination: {{ service_resource: keyvault/partnerkv, subresource_target: vault }} }}
storage_accounts:
  - {{ name: st, public_network_access: Disabled, network_rules: {{ default_action: Deny }} }}
  - {{ name: data }}
key_vaults:
  - {{ name: kv, public_network_access: Disabled }}
  - {{ name: partnerkv }}
container_registries:
  - {{ name: wsacr, sku: Premium, public_network_access: Disabled }}
{roles}"
    )
}

const APPROVER_TF: &str = r#"resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "eastus"
}

resource "azurerm_storage_account" "data" {
  name                     = "partnerdata"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "data" {
  name                = "data"
  workspace_id        = azurerm_machine_learning_workspace.ws.id
  service_resource_id = azurerm_storage_account.data.id
  sub_resource_target = "blob"
}
"#;

#[test]
fn approver_roles_remove_mvn013() {
    // Managed virtual network isolation, prerequisites: the workspace's managed identity needs
    // the Azure AI Enterprise Network Connection Approver role on the targets of its private
    // endpoint rules, assigned manually since 30 April 2025. Without role assignments (one
    // edit writes the list with both) and with one that grants another role (each appended).
    for roles in [
        String::new(),
        "role_assignments:\n  - { principal: workspace/ws, role: Storage Blob Data Reader, scope: storage/data }\n"
            .to_string(),
    ] {
        let text = approver_native(&roles);
        let write = |d: &Path| std::fs::write(d.join("topology.yaml"), &text).unwrap();
        let dir = scratch("mvn013-native");
        write(&dir);
        let v = check(&dir, "topology.yaml", &["--select", "MVN013"]);
        assert_eq!(findings(&v).len(), 2, "{v:#}");
        let fixed = read_back(write, "topology.yaml", &["MVN013"]);
        assert_eq!(fixed, set(&["MVN013"]), "{roles}");
    }
    let write = |d: &Path| std::fs::write(d.join("main.tf"), APPROVER_TF).unwrap();
    assert_eq!(read_back_clean(write, ".", &["MVN013"]), set(&["MVN013"]));
}

#[test]
fn an_approver_role_on_a_resource_read_from_azure_is_one_command() {
    // From Azure: the identity's principal id read from the workspace, the scope by its id.
    let dir = scratch("mvn013-live");
    copy_dir(
        &root().join("examples/managed-network-approved-outbound/live"),
        &dir,
    );
    let v = check(&dir, ".", &["--select", "MVN013"]);
    let f = &findings(&v)[0];
    assert_eq!(
        f["fix_code"][0]["text"],
        "az role assignment create --assignee-object-id \"$(az ml workspace show --name ws --resource-group rg-ml --query identity.principal_id --output tsv)\" --assignee-principal-type ServicePrincipal --role \"Azure AI Enterprise Network Connection Approver\" --scope /subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/registries/contosoreg\n"
    );
}

#[test]
fn bypass_entries_remove_ws012() {
    // Troubleshoot connection to a workspace with a private endpoint: a client behind a proxy
    // reaches the private endpoints directly once their host names bypass the proxy. The hosts
    // are appended to a flow list, a block list, an empty list, and written where the proxy
    // has none.
    let text = "region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.1.0/24] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }
clients:
  - { name: office, location: onprem, proxy: { bypass: [\"*.contoso.com\"] } }
  - name: branch
    location: onprem
    proxy:
      bypass:
        - \"*.contoso.com\"
        - .azureml.ms
  - { name: lab, location: onprem, proxy: { bypass: [] } }
  - { name: home, location: onprem, proxy: {} }
";
    let write = |d: &Path| std::fs::write(d.join("topology.yaml"), text).unwrap();
    let dir = scratch("ws012");
    write(&dir);
    let v = check(&dir, "topology.yaml", &["--select", "WS012"]);
    assert_eq!(findings(&v).len(), 4, "{v:#}");
    // Every client's hosts are one insertion.
    assert_eq!(apply_edits(&dir, &v).len(), 4, "{v:#}");
    assert_eq!(
        read_back_clean(write, "topology.yaml", &["WS012"]),
        set(&["WS012"])
    );
}

/// A managed network in allow-only-approved-outbound mode with FQDN rules to the blob and file
/// hosts of a storage account the deployment declares, in flow and block style.
const STORAGE_FQDN_NATIVE: &str = "region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    storage_account: st
    key_vault: kv
    container_registry: wsacr
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: pypi, type: FQDN, destination: pypi.org }
        - { name: data, type: FQDN, destination: contosodata.blob.core.windows.net }
        - name: files
          type: FQDN
          destination: contosodata.file.core.windows.net
storage_accounts:
  - { name: st, public_network_access: Disabled, network_rules: { default_action: Deny } }
  - { name: contosodata }
key_vaults:
  - { name: kv, public_network_access: Disabled }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
";

const STORAGE_FQDN_ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "dataName": { "type": "string", "defaultValue": "contosodata" }
  },
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "[parameters('dataName')]",
      "location": "eastus",
      "kind": "StorageV2",
      "sku": { "name": "Standard_LRS" }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "ws",
      "location": "eastus",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "publicNetworkAccess": "Disabled",
        "managedNetwork": {
          "isolationMode": "AllowOnlyApprovedOutbound",
          "outboundRules": {
            "pypi": { "type": "FQDN", "destination": "pypi.org" },
            "data": {
              "type": "FQDN",
              "destination": "contosodata.blob.core.windows.net"
            }
          }
        }
      }
    }
  ]
}
"#;

const STORAGE_FQDN_TF: &str = r#"resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "eastus"
}

resource "azurerm_storage_account" "data" {
  name                     = "contosodata"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "data" {
  name             = "data"
  workspace_id     = azurerm_machine_learning_workspace.ws.id
  destination_fqdn = "contosodata.blob.core.windows.net"
}
"#;

#[test]
fn endpoint_rules_replace_storage_fqdn_rules_for_mvn008() {
    // Managed virtual network isolation, limitations: "you can't use an FQDN rule to access
    // Azure Storage Accounts. You must use a private endpoint instead." The rule becomes a
    // private endpoint rule of the same name to the account's sub-resource; a wildcard names
    // no account and keeps the advice in words.
    let write = |d: &Path| std::fs::write(d.join("topology.yaml"), STORAGE_FQDN_NATIVE).unwrap();
    let fixed = read_back_clean(write, "topology.yaml", &["MVN008"]);
    assert_eq!(fixed, set(&["MVN008"]));
    // Both rules replaced, a rule to a wildcard host left.
    let dir = scratch("mvn008-native");
    let any = "        - { name: any, type: FQDN, destination: \"*.blob.core.windows.net\" }\n";
    let text = STORAGE_FQDN_NATIVE.replacen(
        "storage_accounts:\n",
        &format!("{any}storage_accounts:\n"),
        1,
    );
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "MVN008"]);
    let typed: Vec<bool> = findings(&v)
        .iter()
        .map(|f| f["fix_code"].is_array())
        .collect();
    assert_eq!(typed, [true, true, false], "{v:#}");
    assert_eq!(apply_edits(&dir, &v).len(), 2);
    let left = check(&dir, "topology.yaml", &["--select", "MVN008"]);
    assert_eq!(findings(&left).len(), 1, "{left:#}");
    assert!(
        findings(&left)[0]["message"]
            .as_str()
            .unwrap()
            .contains("rule any ")
    );
    // In a template: the account by `resourceId` with the name as the template writes it.
    let write = |d: &Path| std::fs::write(d.join("azuredeploy.json"), STORAGE_FQDN_ARM).unwrap();
    assert_eq!(read_back_clean(write, ".", &["MVN008"]), set(&["MVN008"]));
    // In Terraform: the rule's resource replaced by a private endpoint rule's, of one label.
    let write_tf = |d: &Path| std::fs::write(d.join("main.tf"), STORAGE_FQDN_TF).unwrap();
    assert_eq!(
        read_back_clean(write_tf, ".", &["MVN008"]),
        set(&["MVN008"])
    );
    let dir = scratch("mvn008-bicep");
    write(&dir);
    let v = check(&dir, ".", &["--select", "MVN008"]);
    let bicep: Vec<&str> = findings(&v)[0]["fix_code"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["input"] == "bicep")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(bicep.len(), 1, "{v:#}");
    assert_bicep(bicep[0]);
    assert!(bicep[0].contains("resourceId('Microsoft.Storage/storageAccounts', dataName)"));
}

#[test]
fn a_storage_fqdn_rule_read_from_azure_is_replaced_by_commands() {
    // From Azure: the rule removed, and set again as a private endpoint rule to the account.
    let dir = scratch("mvn008-live");
    copy_dir(
        &root().join("examples/managed-network-approved-outbound/live"),
        &dir,
    );
    let path = dir.join("resources.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let anchor = "          \"outboundRules\": {\n";
    assert!(text.contains(anchor));
    let text = text.replacen(
        anchor,
        &format!("{anchor}            \"wsdata\": {{ \"category\": \"UserDefined\", \"destination\": \"wsstorage.blob.core.windows.net\", \"type\": \"FQDN\" }},\n"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    let v = check(&dir, ".", &["--select", "MVN008"]);
    let f = &findings(&v)[0];
    let text = f["fix_code"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("az ml workspace outbound-rule remove --resource-group rg-ml --workspace-name ws --rule wsdata --yes\naz ml workspace outbound-rule set --resource-group rg-ml --workspace-name ws --rule wsdata --type private_endpoint --service-resource-id /subscriptions/"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "/providers/Microsoft.Storage/storageAccounts/wsstorage --subresource-target blob\n"
        ),
        "{text}"
    );
}

/// The snippets of the findings of one rule, in every input form.
fn snippets(v: &Value) -> Vec<Value> {
    findings(v)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn a_cluster_loses_its_managed_identity_when_the_registry_is_behind_the_vnet() {
    // Secure the workspace resources, "Azure Container Registry": when the registry is reached
    // through a private endpoint, a compute cluster cannot use a managed identity to reach it.
    // The fix removes the identity: type None natively and in a template (the whole object, so
    // that no user-assigned identity stays beside None), the `identity` block in Terraform.
    let cpu =
        "      \"name\": \"[format('{0}/{1}', parameters('workspaceName'), 'cpu-cluster')]\",\n";
    let arm_identity = format!(
        "{cpu}      \"identity\": {{\n        \"type\": \"UserAssigned\",\n        \"userAssignedIdentities\": {{ \"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'pull')]\": {{}} }}\n      }},\n"
    );
    for (form, old, new) in [
        (
            "native",
            "    enable_node_public_ip: false\n".to_string(),
            "    enable_node_public_ip: false\n    identity: SystemAssigned\n".to_string(),
        ),
        ("arm", cpu.to_string(), arm_identity.clone()),
    ] {
        let copy = |d: &Path| edited("workspace-private-endpoint", form, d, &[(&old, &new)]);
        let fixed = read_back_clean(copy, input(form), &["ACR006"]);
        assert_eq!(fixed, set(&["ACR006"]), "{form}");
    }
    let dir = scratch("acr006-arm-text");
    edited(
        "workspace-private-endpoint",
        "arm",
        &dir,
        &[(cpu, &arm_identity)],
    );
    let v = check(&dir, ".", &["--select", "ACR006"]);
    apply_edits(&dir, &v);
    let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
    assert!(!text.contains("userAssignedIdentities"), "{text}");
    let bicep = snippets(&v);
    let bicep = bicep.iter().find(|s| s["input"] == "bicep").expect("bicep");
    assert_bicep(bicep["text"].as_str().unwrap());
    assert!(
        bicep["text"].as_str().unwrap().contains("type: 'None'"),
        "{bicep:#}"
    );

    // azurerm: the cluster's identity block removed.
    let tf = root().join("crates/moat-cli/tests/data/fixes/acr003/terraform");
    let anchor = "  vm_size                       = \"Standard_DS3_v2\"\n";
    let tf = &tf;
    let identity = |count: &'static str| {
        move |d: &Path| {
            copy_dir(tf, d);
            let text = std::fs::read_to_string(d.join("main.tf")).unwrap();
            assert!(text.contains(anchor));
            let block =
                format!("{anchor}{count}  identity {{\n    type = \"SystemAssigned\"\n  }}\n");
            std::fs::write(d.join("main.tf"), text.replacen(anchor, &block, 1)).unwrap();
        }
    };
    let fixed = read_back_clean(identity(""), ".", &["ACR006"]);
    assert_eq!(fixed, set(&["ACR006"]), "terraform");
    // A block of instances (`count`): removing the identity would change every one.
    let dir = scratch("acr006-count");
    identity("  count                         = 1\n")(&dir);
    let v = check(&dir, ".", &["--select", "ACR006"]);
    assert!(!findings(&v).is_empty(), "{v:#}");
    assert!(
        snippets(&v).iter().all(|s| s["input"] != "terraform"),
        "{v:#}"
    );
}
