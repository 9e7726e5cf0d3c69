//! Fixes in Bicep: each ARM fragment also as a Bicep declaration, checked for what Bicep
//! reads.

mod readback;

use readback::bicep::assert_bicep;
use readback::inputs::*;
use readback::*;
use serde_json::Value;

/// The Bicep snippets of a `moat check` result, each after the ARM snippet it renders.
fn bicep_snippets(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for f in findings(v) {
        let snippets = f["fix_code"].as_array().cloned().unwrap_or_default();
        for (i, s) in snippets.iter().enumerate() {
            if s["input"] == "bicep" {
                assert_eq!(snippets[i - 1]["input"], "arm", "{f:#}");
                assert_eq!(s["language"], "bicep");
                assert!(s.get("edits").is_none(), "{s:#}");
                out.push(s["text"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn bicep_sits_beside_the_arm_json() {
    // A template may be written in Bicep: each ARM fragment also as a Bicep declaration.
    let arm = root().join("crates/moat-cli/tests/data/posture/rules-arm");
    let out = check(&arm, ".", &["--select", &CODES.join(",")]);
    let bicep = bicep_snippets(&out);
    assert!(bicep.len() >= 15, "{out:#}");
    for b in &bicep {
        assert_bicep(b);
    }
    assert!(
        bicep.contains(
            &"resource acrsec008fail 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrsec008fail'
  properties: {
    adminUserEnabled: false
  }
}
"
            .to_string()
        ),
        "{bicep:#?}"
    );
    // A zone link, a security rule and an FQDN outbound rule.
    let dir = scratch("bicep-dns006");
    without_hub_links("arm", &dir);
    let links = bicep_snippets(&check(&dir, ".", &["--select", "DNS006"]));
    assert!(!links.is_empty());
    links.iter().for_each(|b| assert_bicep(b));
    assert!(
        links.contains(
            &"resource privatelinkApiAzuremlMsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  name: format('{0}/{1}', 'privatelink.api.azureml.ms', 'hub-vnet')
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: resourceId('Microsoft.Network/virtualNetworks', 'hub-vnet')
    }
  }
}
"
            .to_string()
        ),
        "{links:#?}"
    );
    let dir = scratch("bicep-cmp002");
    public_cluster("arm", &dir);
    let rules = bicep_snippets(&check(&dir, ".", &["--select", "CMP002"]));
    assert!(!rules.is_empty());
    for b in &rules {
        assert_bicep(b);
        assert!(
            b.starts_with("resource trainingNsg 'Microsoft.Network/networkSecurityGroups@")
                && b.contains(
                    "\n  properties: {\n    securityRules: [\n      {\n        name: 'allow-"
                )
                && b.contains("        properties: {\n          priority: ")
                && b.contains("          access: 'Allow'\n"),
            "{b}"
        );
    }
    assert!(
        rules
            .iter()
            .any(|b| b.contains("          destinationPortRange: '29876-29877'\n")),
        "{rules:#?}"
    );
    let dir = scratch("bicep-mvn003");
    std::fs::write(dir.join("azuredeploy.json"), MVN_ARM).unwrap();
    let fqdn = bicep_snippets(&check(&dir, ".", &["--select", "MVN003"]));
    fqdn.iter().for_each(|b| assert_bicep(b));
    assert!(
        fqdn.contains(
            &"resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'ws'
  properties: {
    managedNetwork: {
      outboundRules: {
        'allow-pypi-org': {
          type: 'FQDN'
          category: 'UserDefined'
          destination: 'pypi.org'
        }
      }
    }
  }
}
"
            .to_string()
        ),
        "{fqdn:#?}"
    );
}

#[test]
fn the_bicep_checker_rejects_what_bicep_does_not_read() {
    // The checker the Bicep tests rely on fails on JSON syntax, unbalanced brackets and
    // unclosed strings.
    let good = "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n}\n";
    assert_bicep(good);
    for bad in [
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  \"name\": \"st\"\n}\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st\n}\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st',\n  sku: {}}\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_bicep(bad)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn a_subnet_inside_its_vnet_is_changed_in_the_vnet_declaration() {
    // Configure a private endpoint: the endpoints' subnet has its private endpoint network
    // policies disabled. The example's template writes its subnets inside the VNet; Bicep
    // declares them there too, so the change is the subnet's element of the VNet's `subnets`,
    // named as the template names the VNet.
    let dir = scratch("bicep-pe008");
    pe_policies_enabled("arm", &dir);
    let bicep = bicep_snippets(&check(&dir, ".", &["--select", "PE008"]));
    bicep.iter().for_each(|b| assert_bicep(b));
    assert_eq!(
        bicep,
        [
            "resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: vnetName
  properties: {
    subnets: [
      {
        name: 'pe'
        properties: {
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}
"
        ]
    );
}
