//! Load diagnostics as a user sees them on hostile inputs: minified one-line templates, files
//! with thousands of errors. Never a crash, never a flood.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-diag-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A minified ARM template (as `az group export` writes them) of `n` storage accounts.
fn minified_template(n: usize) -> String {
    let accounts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"Microsoft.Storage/storageAccounts","apiVersion":"2023-01-01","name":"st{i}","location":"eastus","properties":{{"publicNetworkAccess":"Disabled"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","resources":[{}]}}"#,
        accounts.join(",")
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_syntax_error_past_column_65535_is_a_short_located_message() {
    let dir = scratch("minified");
    let mut text = minified_template(800);
    // A doubled comma near the end of the one line.
    let at = text.len() - 3;
    text.insert_str(at, ",,");
    assert!(at > 70_000);
    let f = dir.join("azuredeploy.json");
    std::fs::write(&f, &text).unwrap();
    for format in ["text", "json", "sarif"] {
        let o = moat(&["check", path(&f), "--format", format]);
        assert_eq!(o.status.code(), Some(2), "{format}: exit 2, not a panic");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{err}");
        if format == "text" {
            let first = err.lines().next().unwrap();
            let prefix = format!("{}:1:", f.display());
            assert!(first.starts_with(&prefix), "{first}");
            let column: usize = first[prefix.len()..]
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!((at + 1..=at + 3).contains(&column), "{first}: at {at}");
            assert!(first.contains(": error[syntax]: "), "{first}");
            assert!(err.len() < 1_000, "{} bytes: {err}", err.len());
            assert!(
                err.lines()
                    .filter(|l| l.contains('│'))
                    .all(|l| l.chars().count() <= 130),
                "{err}"
            );
            assert!(err.contains(",,}]}"), "the snippet shows the spot: {err}");
            assert!(
                err.ends_with(&format!("1 error in {}\n", f.display())),
                "{err}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn thousands_of_errors_are_capped_in_text_and_complete_in_json() {
    let dir = scratch("many");
    let mut text = String::from("virtual_networks:\n");
    for i in 0..2_000 {
        text += &format!("  - name: v{i}\n    adress_space: [10.0.0.0/16]\n");
    }
    let f = dir.join("many.yaml");
    std::fs::write(&f, &text).unwrap();
    let o = moat(&["validate", path(&f)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches(": error[").count(), 20, "{err}");
    assert!(
        err.contains(&format!(
            "{}: and 3980 more diagnostics (--format json lists them all)",
            f.display()
        )),
        "{err}"
    );
    assert!(
        err.ends_with(&format!("4000 errors in {}\n", f.display())),
        "{err}"
    );

    let o = moat(&["validate", path(&f), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 4000);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 4000);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_misspelt_address_gets_a_suggestion() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let example = root.join("examples/private-registry");
    let o = moat(&[
        "trace",
        path(&example),
        "--from",
        "compute/cpu-clustr",
        "--to",
        "workspace/ws",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        "error: compute `cpu-clustr` is not in the topology\n  help: did you mean `compute/cpu-cluster` instead of `compute/cpu-clustr`?\n"
    );
}
