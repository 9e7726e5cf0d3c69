//! A VNet that writes its subnets inline while a separate `azurerm_subnet` adds one. The
//! azurerm provider documents that the two cannot be used together: "At this time you cannot
//! use a Virtual Network with in-line Subnets in conjunction with any Subnet resources. Doing
//! so will cause a conflict of Subnet configurations and will overwrite Subnets." Each apply
//! of the VNet sets its subnets to the inline list, and the next apply of the separate subnet
//! adds it back: whether the separate subnet (and what is placed in it) is deployed is open.
//! A flow to a NIC in it is unknown, never "allowed", and `validate` warns. Without inline
//! subnets the separate subnet is simply part of the VNet.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inline_subnets")
}

fn moat(dir: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    (v, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// SSH from the inline subnet to the NIC in the separate subnet (the NSG's default rules
/// admit traffic within the VNet).
fn ssh_to_trainer(dir: &Path) -> serde_json::Value {
    moat(
        dir,
        &[
            "trace",
            "--from",
            "subnet/vnet-ml/snet-default",
            "--to",
            "ip:10.20.3.4",
            "--port",
            "22",
        ],
    )
    .0
}

#[test]
fn a_separate_subnet_beside_inline_subnets_may_not_be_deployed() {
    let v = ssh_to_trainer(&data());
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    assert!(
        v["missing"].to_string().contains("azurerm_subnet.training"),
        "{v:#}"
    );
    let l = moat_ingest::load_opts(&data(), &Default::default()).expect("loads");
    let conflicts: Vec<u32> = l
        .warnings
        .iter()
        .filter(|d| d.code == "inline-conflict")
        .map(|d| d.location.line)
        .collect();
    // At `resource "azurerm_subnet" "training"`.
    assert_eq!(conflicts, [44]);
}

#[test]
fn without_inline_subnets_the_separate_subnet_decides() {
    // The same VNet with its inline subnets written as separate subnets too.
    let text = std::fs::read_to_string(data().join("main.tf")).unwrap();
    let mut out = text.clone();
    let mut separate = String::new();
    while let Some(start) = out.find("  subnet {") {
        let end = start + out[start..].find("\n  }\n").unwrap() + 5;
        let block = out[start..end].to_string();
        let name = block
            .split('"')
            .nth(1)
            .expect("the subnet's name")
            .to_string();
        separate.push_str(
            &block
                .replace(
                    "  subnet {",
                    &format!("resource \"azurerm_subnet\" \"{name}\" {{"),
                )
                .replace("    security_group   = azurerm_network_security_group.ml.id\n", "")
                .replace(
                    "\n  }\n",
                    "\n  resource_group_name  = azurerm_resource_group.ml.name\n  virtual_network_name = azurerm_virtual_network.ml.name\n}\n",
                ),
        );
        out.replace_range(start..end, "");
    }
    assert!(separate.contains("snet-default"), "{separate}");
    let dir = std::env::temp_dir().join(format!("moat-inline-subnets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), format!("{out}{separate}")).unwrap();
    let v = ssh_to_trainer(&dir);
    let l = moat_ingest::load_opts(&dir, &Default::default()).expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    assert!(!l.warnings.iter().any(|d| d.code == "inline-conflict"));
}
