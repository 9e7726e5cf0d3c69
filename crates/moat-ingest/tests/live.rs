//! A live export is recognised without a flag, next to its side file; detection reads each file
//! only as far as its kind needs; `az group export` templates go through the ARM importer.

use moat_ingest::{InputFormat, Options, detect, load_opts};
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moat-ingest-live-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn exports_are_recognised_without_a_flag() {
    let live = examples().join("private-registry/live");
    assert_eq!(detect(&live).unwrap(), InputFormat::Live);
    assert_eq!(
        detect(&live.join("resources.json")).unwrap(),
        InputFormat::Live
    );
    let d = scratch("shapes");
    let cases = [
        // Older `az graph query`, `az resource list`, and PSRule: a bare array of resources.
        (
            "bare.json",
            r#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks", "properties": null}]"#,
        ),
        // `az resource show`.
        (
            "show.json",
            r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks", "properties": {}}"#,
        ),
        // The Resource Graph REST response.
        (
            "rest.json",
            r#"{"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks", "properties": {}}]}"#,
        ),
    ];
    for (name, text) in cases {
        std::fs::write(d.join(name), text).unwrap();
        assert_eq!(detect(&d.join(name)).unwrap(), InputFormat::Live, "{name}");
        let l = load_opts(&d.join(name), &Options::default()).unwrap();
        assert_eq!(l.format, "live", "{name}");
        assert_eq!(l.topology.virtual_networks.len(), 1, "{name}");
    }
    // A native topology is still native, and `--input-format live` forces the reader.
    assert_eq!(
        detect(&examples().join("private-registry/topology.yaml")).unwrap(),
        InputFormat::Native
    );
    assert_eq!(InputFormat::parse("live"), Some(InputFormat::Live));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn detection_reads_no_further_than_the_kind_needs() {
    // A Resource Graph page cut short after its first resource: detection sees an export from
    // its first row; reading it reports where the text is cut, as an export.
    let d = scratch("cut");
    let text =
        std::fs::read_to_string(examples().join("hub-spoke-firewall/live/resources.json")).unwrap();
    let cut = &text[..text.len() * 2 / 3];
    std::fs::write(d.join("page.json"), cut).unwrap();
    assert_eq!(detect(&d.join("page.json")).unwrap(), InputFormat::Live);
    let e = load_opts(&d.join("page.json"), &Options::default()).unwrap_err();
    assert_eq!(e.diagnostics[0].code, "syntax");
    assert!(e.diagnostics[0].location.line > 1);
    // A template decided by its `$schema` is not read past it.
    std::fs::write(
        d.join("t.json"),
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [",
    )
    .unwrap();
    assert_eq!(detect(&d.join("t.json")).unwrap(), InputFormat::Arm);
    std::fs::remove_dir_all(&d).ok();
}

/// `az group export` writes an ARM template; without `--include-parameter-default-value` its
/// name parameters have null defaults. It is read by the ARM importer, names unknown and
/// recorded, nothing dropped.
#[test]
fn group_export_templates_go_through_the_arm_importer() {
    let d = scratch("group-export");
    let template = |default: &str| {
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "virtualNetworks_vnet_name": {{ "defaultValue": {default}, "type": "String" }}
  }},
  "variables": {{}},
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "[parameters('virtualNetworks_vnet_name')]",
      "location": "eastus",
      "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }}, "subnets": [] }}
    }},
    {{
      "type": "Microsoft.Network/virtualNetworks/subnets",
      "apiVersion": "2023-09-01",
      "name": "[concat(parameters('virtualNetworks_vnet_name'), '/training')]",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworks_vnet_name'))]"],
      "properties": {{ "addressPrefix": "10.0.2.0/24" }}
    }}
  ]
}}"#
        )
    };
    std::fs::write(d.join("named.json"), template("\"vnet\"")).unwrap();
    std::fs::write(d.join("null.json"), template("null")).unwrap();
    assert_eq!(detect(&d.join("named.json")).unwrap(), InputFormat::Arm);
    let named = load_opts(&d.join("named.json"), &Options::default()).unwrap();
    assert_eq!(named.format, "arm");
    let v = &named.topology.virtual_networks[0];
    assert_eq!(v.name, "vnet");
    assert!(v.subnets.iter().any(|s| s.name == "training"));
    assert_eq!(detect(&d.join("null.json")).unwrap(), InputFormat::Arm);
    let null = load_opts(&d.join("null.json"), &Options::default()).unwrap();
    assert_eq!(null.format, "arm");
    assert_eq!(null.topology.virtual_networks.len(), 1);
    assert!(
        null.topology
            .unknowns
            .iter()
            .any(|u| u.field == "name" && u.resource.starts_with("vnet/")),
        "{:#?}",
        null.topology.unknowns
    );
    // Forced through the live reader, the template is refused with the right hint.
    let forced = load_opts(
        &d.join("named.json"),
        &Options {
            format: Some(InputFormat::Live),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(forced.diagnostics[0].code, "not-an-export");
    std::fs::remove_dir_all(&d).ok();
}
