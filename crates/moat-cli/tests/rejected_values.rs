//! Values and names Azure rejects at deployment: `validate` fails with their location (exit
//! 2), whichever format writes them; names the input leaves open are never errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn write(dir: &str, file: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moat-rejected-{dir}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join(file);
    std::fs::write(&f, text).unwrap();
    f
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An ARM template of the given resources.
fn template(resources: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "anyName": {{ "type": "string" }} }},
  "resources": [
{resources}
  ]
}}
"#
    )
}

fn storage(name: &str) -> String {
    format!(
        r#"    {{
      "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
      "name": "{name}", "location": "eastus", "kind": "StorageV2", "sku": {{ "name": "Standard_LRS" }}
    }}"#
    )
}

fn vnet(prefix: &str) -> String {
    format!(
        r#"    {{
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet",
      "location": "eastus",
      "properties": {{
        "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }},
        "subnets": [{{ "name": "s", "properties": {{ "addressPrefix": "{prefix}" }} }}]
      }}
    }}"#
    )
}

/// Runs `validate` and returns (exit status, standard error).
fn validate(f: &Path) -> (Option<i32>, String) {
    let o = moat(&["validate", path(f)]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_prefix_longer_than_32_bits_is_a_located_error() {
    // An IPv4 prefix length is at most 32: Azure rejects a /33 subnet when it is deployed.
    let f = write(
        "prefix",
        "azuredeploy.json",
        &template(&vnet("10.0.1.0/33")),
    );
    let (code, err) = validate(&f);
    assert_eq!(code, Some(2), "{err}");
    // The subnet's VNet starts on line 6, column 5 of the template.
    assert!(
        err.contains(&format!("{}:6:5", f.display())) && err.contains("10.0.1.0/33"),
        "{err}"
    );
}

#[test]
fn an_octet_over_255_is_an_error() {
    let f = write(
        "octet",
        "azuredeploy.json",
        &template(&vnet("10.300.1.0/24")),
    );
    let (code, err) = validate(&f);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("10.300.1.0/24"), "{err}");
}

#[test]
fn storage_account_names_azure_rejects_are_errors() {
    // Naming rules and restrictions for Azure resources: storage account names are 3 to 24
    // characters, lowercase letters and numbers only.
    for bad in [
        "MyStorage01",
        "st",
        "averyveryverylongstorageaccountname",
        // An expression missing its closing bracket is a literal name, and not a valid one.
        "[concat('st', uniqueString(resourceGroup().id))",
    ] {
        let f = write("storage", "azuredeploy.json", &template(&storage(bad)));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(
            // The name is written on line 8, its value from column 15.
            err.contains(&format!("{}:8:15", f.display())) && err.contains("storage account name"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn names_the_input_leaves_open_or_that_are_valid_are_not_errors() {
    for ok in [
        "[parameters('anyName')]",
        "[concat('st', uniqueString(resourceGroup().id))]",
        "wsstorage01",
    ] {
        let f = write("open", "azuredeploy.json", &template(&storage(ok)));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(0), "{ok}: {err}");
    }
}

#[test]
fn key_vault_and_registry_names_azure_rejects_are_errors_in_terraform() {
    // Key vaults: 3-24 alphanumerics and hyphens, starting with a letter, no consecutive
    // hyphens; container registries: 5-50 alphanumerics.
    let tf = r#"
resource "azurerm_key_vault" "kv" {
  name                = "kv--secrets"
  location            = "eastus"
  resource_group_name = "rg"
  tenant_id           = "00000000-0000-0000-0000-000000000001"
  sku_name            = "standard"
}

resource "azurerm_container_registry" "acr" {
  name                = "my-registry"
  location            = "eastus"
  resource_group_name = "rg"
  sku                 = "Premium"
}
"#;
    let f = write("tf", "main.tf", tf);
    let (code, err) = validate(&f);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("key vault name `kv--secrets`") && err.contains("consecutive hyphens"),
        "{err}"
    );
    assert!(
        err.contains("container registry name `my-registry`"),
        "{err}"
    );
    assert!(err.contains(&format!("{}:2:1", f.display())), "{err}");
}

/// A route table with one route, as ARM writes it.
fn route(prefix: &str, next_hop: &str) -> String {
    format!(
        r#"    {{
      "type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "rt",
      "location": "eastus",
      "properties": {{ "routes": [{{ "name": "r", "properties": {{
        "addressPrefix": "{prefix}", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "{next_hop}"
      }} }}] }}
    }}"#
    )
}

#[test]
fn route_prefixes_and_next_hops_azure_rejects_are_errors_in_arm() {
    // A route's address prefix and next hop are IPv4 addresses: an octet of 300 or a /33 is
    // rejected at deployment, not a route moat may leave out with a warning.
    for (prefix, hop, bad) in [
        ("10.0.0.300/32", "10.100.0.4", "10.0.0.300/32"),
        ("0.0.0.0/33", "10.100.0.4", "0.0.0.0/33"),
        ("0.0.0.0/0", "10.100.0.300", "10.100.0.300"),
    ] {
        let f = write("route", "azuredeploy.json", &template(&route(prefix, hop)));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(2), "{bad}: {err}");
        // The route table starts on line 6, column 5 of the template.
        assert!(
            err.contains(&format!("{}:6:5", f.display())) && err.contains(bad),
            "{bad}: {err}"
        );
        assert!(err.contains("route `r`"), "{err}");
    }
}

#[test]
fn prefixes_and_octets_azure_rejects_are_errors_in_native_and_terraform() {
    let native = "region: eastus\nvirtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16]\n    subnets: [{ name: s, address_prefixes: [BAD] }]\n";
    let terraform = r#"resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "s" {
  name                 = "s"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["BAD"]
}
"#;
    for bad in ["10.0.1.0/33", "10.300.1.0/24"] {
        let f = write("native", "t.yaml", &native.replace("BAD", bad));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(
            err.contains(&format!("{}:5:", f.display())) && err.contains(bad),
            "{bad}: {err}"
        );
        let f = write("terraform", "main.tf", &terraform.replace("BAD", bad));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(
            err.contains(&format!("{}:12:", f.display())) && err.contains(bad),
            "{bad}: {err}"
        );
    }
}

#[test]
fn trace_ops_and_check_refuse_a_deployment_azure_rejects_as_validate_does() {
    // A deployment with a value Azure rejects never exists, so no analysis of it is an
    // answer: trace, ops and check fail with the value's location, like validate (exit 2).
    let yaml = "region: eastus\nworkspaces: [{ name: ws }]\ncomputes:\n  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/s }\nvirtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16]\n    subnets: [{ name: s, address_prefixes: [BAD] }]\n";
    for bad in ["10.0.1.0/33", "10.300.1.0/24"] {
        let f = write("commands", "t.yaml", &yaml.replace("BAD", bad));
        for args in [
            vec!["check", path(&f)],
            vec!["ops", path(&f)],
            vec![
                "trace",
                "--from",
                "compute/cpu",
                "--to",
                "workspace/ws",
                path(&f),
            ],
        ] {
            let o = moat(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(
                err.contains(&format!("{}:8:", f.display())) && err.contains(bad),
                "{args:?}: {err}"
            );
        }
    }
}

/// A deployment's egress: "Enum to determine whether PublicNetworkAccess is Enabled or Disabled
/// for egress of a deployment" (REST, EgressPublicNetworkAccessType: Enabled, Disabled).
/// SecuredByPerimeter, which other resources' public access takes, is rejected, located, in
/// each format that writes a deployment.
#[test]
fn a_deployment_egress_secured_by_perimeter_is_a_located_error() {
    let native = "workspaces: [{ name: ws }]
online_endpoints:
  - name: ep
    workspace: ws
    deployments:
      - name: blue
        egress_public_network_access: SecuredByPerimeter
";
    let spec =
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: ep
model: azureml:m:1
instance_type: Standard_DS3_v2
egress_public_network_access: SecuredByPerimeter
";
    let arm = template(
        r#"    {
      "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
      "name": "ws", "location": "eastus", "properties": {}
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "apiVersion": "2024-04-01",
      "name": "ws/ep", "location": "eastus", "properties": { "authMode": "Key" }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", "apiVersion": "2024-04-01",
      "name": "ws/ep/blue", "location": "eastus",
      "properties": { "endpointComputeType": "Managed", "egressPublicNetworkAccess": "SecuredByPerimeter" }
    }"#,
    );
    let azapi = r#"resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "ws"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
  location  = "eastus"
  body      = { properties = {} }
}

resource "azapi_resource" "ep" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "ep"
  parent_id = azapi_resource.ws.id
  location  = "eastus"
  body      = { properties = { authMode = "Key" } }
}

resource "azapi_resource" "blue" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2024-04-01"
  name      = "blue"
  parent_id = azapi_resource.ep.id
  location  = "eastus"
  body = {
    properties = { endpointComputeType = "Managed", egressPublicNetworkAccess = "SecuredByPerimeter" }
  }
}
"#;
    // Where each writes it: the value itself (native, spec), the deployment resource (ARM,
    // azapi).
    for (dir, file, text, at) in [
        ("egress-native", "t.yaml", native, "7:39"),
        ("egress-spec", "deployment.yml", spec, "6:31"),
        ("egress-arm", "azuredeploy.json", arm.as_str(), "14:5"),
        ("egress-azapi", "main.tf", azapi, "17:1"),
    ] {
        let f = write(dir, file, text);
        let (code, err) = validate(&f);
        assert_eq!(code, Some(2), "{file}: {err}");
        assert!(
            err.contains(&format!("{}:{at}: error[invalid-value]", f.display()))
                && err.contains("egress_public_network_access SecuredByPerimeter")
                && err.contains("Enabled or Disabled"),
            "{file}: {err}"
        );
        // Disabled is accepted.
        let f = write(dir, file, &text.replace("SecuredByPerimeter", "Disabled"));
        let (code, err) = validate(&f);
        assert_eq!(code, Some(0), "{file}: {err}");
    }
}
