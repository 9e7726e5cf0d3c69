//! Reading fixes back: a copy of an input, `moat check` on it, each finding's edits applied,
//! and `moat check` again.

#![allow(dead_code)]

pub mod bicep;
pub mod fixed;
pub mod inputs;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn moat_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

/// A fresh directory of its own: tests of one binary run at once, and two may ask for one name
/// (`read_back` names it after the input and the rule).
pub fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("moat-fixes-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

pub fn check(dir: &Path, input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["check", input, "--format", "json", "--exit-zero"];
    args.extend_from_slice(extra);
    let o = moat_in(dir, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

pub fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

pub fn key(f: &Value) -> (String, String) {
    (
        f["code"].as_str().unwrap().to_string(),
        f["resource"].as_str().unwrap().to_string(),
    )
}

/// A replacement in a file (offset, length, text) and the finding it fixes.
pub type Replacement = (usize, usize, String, (String, String));

/// Applies the edits of every finding (of one rule: two of its findings never edit the same
/// text).
pub fn apply_edits(dir: &Path, v: &Value) -> Vec<(String, String)> {
    let mut by_file: BTreeMap<String, Vec<Replacement>> = BTreeMap::new();
    for f in findings(v) {
        let snippets = f["fix_code"].as_array().into_iter().flatten();
        for e in snippets.flat_map(|s| s["edits"].as_array().into_iter().flatten()) {
            by_file
                .entry(e["file"].as_str().unwrap().to_string())
                .or_default()
                .push((
                    e["offset"].as_u64().unwrap() as usize,
                    e["len"].as_u64().unwrap() as usize,
                    e["text"].as_str().unwrap().to_string(),
                    key(f),
                ));
        }
    }
    let mut applied = Vec::new();
    for (file, mut edits) in by_file {
        let path = dir.join(&file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut floor = usize::MAX;
        for (offset, len, new, k) in edits {
            assert!(offset + len <= floor, "{file}: edits overlap at {offset}");
            text.replace_range(offset..offset + len, &new);
            floor = offset;
            applied.push(k);
        }
        std::fs::write(&path, text).unwrap();
    }
    applied
}

/// For each rule on a fresh copy of the input: its findings' edits applied, `moat check` run
/// again, every finding edited is gone and the input still reads. Returns the codes whose
/// findings had an edit.
pub fn read_back(copy: impl Fn(&Path), input: &str, codes: &[&str]) -> BTreeSet<String> {
    let mut fixed = BTreeSet::new();
    for code in codes {
        let dir = scratch(&format!("{}-{code}", input.replace(['.', '/'], "")));
        copy(&dir);
        let before = check(&dir, input, &["--select", code]);
        let applied = apply_edits(&dir, &before);
        if applied.is_empty() {
            continue;
        }
        let after = check(&dir, input, &["--select", code]);
        let left: BTreeSet<(String, String)> = findings(&after).iter().map(key).collect();
        for k in applied {
            assert!(
                !left.contains(&k),
                "{input}: the edit for {k:?} does not remove it:\n{after:#}"
            );
            fixed.insert(k.0);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    fixed
}

pub fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}
