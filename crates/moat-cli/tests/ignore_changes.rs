//! Arguments a resource's `lifecycle { ignore_changes = [...] }` lists. Terraform uses their
//! configured value when it creates the resource and afterwards leaves what the deployed
//! resource holds, so a change made outside Terraform stays (Terraform language documentation,
//! the `lifecycle` meta-argument). Configurations list exactly what something else manages:
//! a private endpoint's DNS zone group written by Azure Policy, a private link scope's access
//! modes switched once its resources have joined. Their values are unknown: PE001 ("each
//! Private DNS zone on the private endpoint must have a DNS zone group entry", facts §11) and
//! MON001 ("Azure Monitor private link must use the Open mode", facts §6 rule 50) are
//! undecided and say why; without the `lifecycle` block they are decided as written.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ignore_changes")
}

fn findings(dir: &Path) -> Vec<serde_json::Value> {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("check")
        .arg(dir)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["findings"].as_array().cloned().unwrap_or_default()
}

fn find<'a>(fs: &'a [serde_json::Value], code: &str) -> Option<&'a serde_json::Value> {
    fs.iter().find(|f| f["code"] == code)
}

#[test]
fn ignored_arguments_are_open() {
    let fs = findings(&data());
    let pe001 = find(&fs, "PE001").expect("PE001 is reported");
    assert_eq!(pe001["certainty"], "undecided", "{pe001:#}");
    assert!(
        pe001["needs"].to_string().contains("ignore_changes"),
        "{pe001:#}"
    );
    let mon001 = find(&fs, "MON001").expect("MON001 is reported");
    assert_eq!(mon001["certainty"], "undecided", "{mon001:#}");
}

#[test]
fn without_the_lifecycle_blocks_the_written_values_decide() {
    let text = std::fs::read_to_string(data().join("main.tf")).unwrap();
    let mut kept = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.trim_start().starts_with("lifecycle {") {
            skipping = true;
        }
        if !skipping {
            kept.push_str(line);
            kept.push('\n');
        }
        if skipping && line.trim() == "}" {
            skipping = false;
        }
    }
    assert!(!kept.contains("ignore_changes"));
    let dir = std::env::temp_dir().join(format!("moat-ignore-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), kept).unwrap();
    let fs = findings(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let pe001 = find(&fs, "PE001").expect("PE001 is reported");
    assert_eq!(pe001["certainty"], "definite", "{pe001:#}");
    assert_eq!(pe001["severity"], "error", "{pe001:#}");
    // Open, as written: nothing to report.
    assert!(find(&fs, "MON001").is_none());
}
