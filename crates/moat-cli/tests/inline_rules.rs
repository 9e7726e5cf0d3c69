//! An NSG that writes its rules inline while a separate `azurerm_network_security_rule` adds
//! one. The azurerm provider documents that the two "cannot be used together": "doing so will
//! cause a conflict of rule settings and will overwrite rules" — each apply of the NSG sets its
//! rules to the inline list, and the next apply of the separate rule adds it back. Whether the
//! separate rule is deployed is therefore open: a flow it alone allows is unknown, never
//! "allowed", and the finding that depends on it is undecided. Without inline rules the
//! separate rule is simply part of the NSG.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inline_rules")
}

fn moat(dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn https_out(dir: &Path) -> String {
    let v = moat(
        dir,
        &[
            "trace",
            "--from",
            "subnet/vnet-train/jobs",
            "--to",
            "fqdn:example.com",
        ],
    );
    v["verdict"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_separate_rule_beside_inline_rules_may_not_be_deployed() {
    assert_eq!(https_out(&data()), "unknown");
    let v = moat(&data(), &["check"]);
    let exf003 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXF003")
        .cloned()
        .unwrap_or_else(|| panic!("EXF003 is reported: {v:#}"));
    assert_eq!(exf003["certainty"], "undecided", "{exf003:#}");
    assert!(
        exf003["needs"].to_string().contains("https_out"),
        "{exf003:#}"
    );
}

#[test]
fn without_inline_rules_the_separate_rule_decides() {
    // The same NSG with its deny written as a separate rule too: no list is written inline.
    let text = std::fs::read_to_string(data().join("main.tf")).unwrap();
    let start = text.find("  security_rule {").unwrap();
    let end = start + text[start..].find("\n  }\n").unwrap() + 5;
    let inline = &text[start..end];
    let separate = inline
        .replace("  security_rule {", "resource \"azurerm_network_security_rule\" \"no_internet\" {")
        .replace("\n  }\n", "\n  resource_group_name         = azurerm_resource_group.train.name\n  network_security_group_name = azurerm_network_security_group.jobs.name\n}\n");
    let dir = std::env::temp_dir().join(format!("moat-inline-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!("{}{}", text.replace(inline, ""), separate),
    )
    .unwrap();
    let verdict = https_out(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(verdict, "allowed");
}
