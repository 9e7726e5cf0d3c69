//! Every rule that declares its fix as code fixes its own documented example.
//!
//! Issue-level promise of the fixes: "applying the snippet to the example and re-running `check`
//! removes the finding". Each rule's example is a whole native deployment (the rule examples
//! test holds that); here it is written to a file, checked with only that rule selected, every
//! finding's native edits applied, and checked again: each finding that had an edit is gone and
//! the file still reads. The language forms (Terraform, ARM, Bicep) are read back by the
//! `fixes_*` tests of each change kind.

mod readback;

use moat_rules::{FixForm, all};
use readback::{apply_edits, check, findings, scratch};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn each_rule_with_a_fix_as_code_fixes_its_own_example() {
    let mut wrong = Vec::new();
    let mut fixed = 0;
    for rule in all() {
        let d = rule.doc();
        if d.fix_form != FixForm::Code {
            continue;
        }
        let dir = scratch(&format!("every-{}", d.code));
        std::fs::write(dir.join("example.yaml"), d.example).unwrap();
        let before = check(&dir, "example.yaml", &["--select", d.code]);
        // A rule reports several findings on one resource (one per blocked destination, say),
        // and only some may have a fix as code: each finding is told apart by its message.
        let edited: BTreeSet<(String, String, String)> = findings(&before)
            .iter()
            .filter(|f| {
                f["fix_code"].as_array().is_some_and(|a| {
                    a.iter()
                        .any(|s| s["edits"].as_array().is_some_and(|e| !e.is_empty()))
                })
            })
            .map(ident)
            .collect();
        if apply_edits(&dir, &before).is_empty() {
            wrong.push(format!("{}: no native edit", d.code));
            continue;
        }
        let after = check(&dir, "example.yaml", &["--select", d.code]);
        let left: BTreeSet<(String, String, String)> = findings(&after).iter().map(ident).collect();
        let kept: Vec<_> = edited.intersection(&left).collect();
        if kept.is_empty() {
            fixed += 1;
        } else {
            wrong.push(format!("{}: the edit leaves {kept:?}", d.code));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        wrong.is_empty(),
        "{} rules declared to give their fix as code do not fix their own example:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(fixed > 60, "only {fixed} rules read back");
}

/// A finding as the report tells it apart: code, resource and message.
fn ident(f: &Value) -> (String, String, String) {
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    (s("code"), s("resource"), s("message"))
}
