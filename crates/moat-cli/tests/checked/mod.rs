//! `moat check --format json` run as a user runs it, for the tests that read its findings.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The findings of `moat check <args> --format json`; the report's text is shown when it is
/// not a JSON document.
pub fn findings<I, S>(args: I) -> Vec<Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    findings_in(".", args)
}

/// [`findings`] run in folder `dir`, where the arguments' relative paths point.
pub fn findings_in<I, S>(dir: impl AsRef<Path>, args: I) -> Vec<Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("moat runs");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["findings"].as_array().cloned().unwrap_or_default()
}

/// What a finding says the input lacks to decide it (empty when it is decided).
pub fn needs(f: &Value) -> Vec<String> {
    f["needs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A string field of a finding.
pub fn text(f: &Value, field: &str) -> String {
    f[field].as_str().unwrap_or_default().to_string()
}
