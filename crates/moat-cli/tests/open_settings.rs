//! A setting the input leaves open is never read as the importer's default, in any format.
//!
//! Seed 002 (network isolation, "Azure Monitor"): "Azure Monitor supports using Azure Private
//! Link to connect to a VNet. However, you must use the open Private Link mode in Azure
//! Monitor." An Azure Monitor private link scope whose ingestion access mode is a parameter (or
//! a variable) without value may be Private Only: MON001 is undecided and says which value it
//! holds for — not silent, as it was when the importer's reading (Open) was taken for the
//! value, and not established. Given the value, it is decided either way.

mod checked;

use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moat-open-settings-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The MON001 findings of `check --format json` on `input`: (certainty, needs).
fn mon001(input: &Path, args: &[&str]) -> Vec<(String, Vec<String>)> {
    use std::ffi::OsStr;
    let mut all = vec![
        input.as_os_str(),
        OsStr::new("--location"),
        OsStr::new("westeurope"),
    ];
    all.extend(args.iter().map(OsStr::new));
    checked::findings(all)
        .iter()
        .filter(|f| f["code"] == "MON001")
        .map(|f| (checked::text(f, "certainty"), checked::needs(f)))
        .collect()
}

const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "ingestionMode": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.Insights/privateLinkScopes",
      "apiVersion": "2021-07-01-preview",
      "name": "ampls",
      "location": "global",
      "properties": {
        "accessModeSettings": {
          "ingestionAccessMode": "[parameters('ingestionMode')]",
          "queryAccessMode": "Open"
        }
      }
    }
  ]
}
"#;

const TERRAFORM: &str = r#"variable "ingestion_mode" {
  type = string
}

resource "azurerm_monitor_private_link_scope" "ampls" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = var.ingestion_mode
  query_access_mode     = "Open"
}
"#;

fn assert_undecided(got: &[(String, Vec<String>)]) {
    assert_eq!(got.len(), 1, "{got:?}");
    let (certainty, needs) = &got[0];
    assert_eq!(certainty, "undecided");
    assert_eq!(needs.len(), 1, "{needs:?}");
    assert!(
        needs[0].starts_with("what private link scope `ampls` sets `ingestion_access_mode` to (")
            && needs[0].ends_with(
                "the finding holds only if it sets `ingestion_access_mode` to PrivateOnly"
            ),
        "{}",
        needs[0]
    );
}

#[test]
fn an_arm_access_mode_without_value_leaves_mon001_undecided() {
    let d = scratch("arm");
    let t = d.join("azuredeploy.json");
    std::fs::write(&t, ARM).unwrap();
    assert_undecided(&mon001(&t, &[]));

    // Given by a parameters file, the value decides.
    let p = d.join("private.parameters.json");
    std::fs::write(
        &p,
        r#"{ "parameters": { "ingestionMode": { "value": "PrivateOnly" } } }"#,
    )
    .unwrap();
    let got = mon001(&t, &["--parameters", p.to_str().unwrap()]);
    assert_eq!(got, vec![("definite".to_string(), Vec::new())]);
    std::fs::write(
        &p,
        r#"{ "parameters": { "ingestionMode": { "value": "Open" } } }"#,
    )
    .unwrap();
    assert!(mon001(&t, &["--parameters", p.to_str().unwrap()]).is_empty());
}

#[test]
fn a_terraform_access_mode_without_value_leaves_mon001_undecided() {
    let d = scratch("tf");
    std::fs::write(d.join("main.tf"), TERRAFORM).unwrap();
    assert_undecided(&mon001(&d, &[]));

    std::fs::write(
        d.join("terraform.tfvars"),
        "ingestion_mode = \"PrivateOnly\"\n",
    )
    .unwrap();
    assert_eq!(mon001(&d, &[]), vec![("definite".to_string(), Vec::new())]);
}
