//! Baselines for adopting moat on an existing estate: `--write-baseline FILE` records today's
//! findings, `--baseline FILE` reports and fails only on findings not recorded.
//!
//! A finding is recorded by its fingerprint ([`Finding::fingerprint`]: its code, the resource it
//! names and its message), never its file position: moving a resource in its file, or reordering files, keeps it
//! recorded. The same fingerprint can occur several times; the baseline keeps the count, so a
//! second identical finding is new.

use moat_rules::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The baseline file.
#[derive(Serialize, Deserialize)]
struct File {
    /// The format of this file.
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding; code, resource and message are there for people reading the file.
#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    code: String,
    resource: String,
    message: String,
}

/// Writes the findings that are not suppressed.
pub fn write(path: &Path, findings: &[Finding]) -> Result<usize, String> {
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| Entry {
            fingerprint: f.fingerprint(),
            code: f.code.to_string(),
            resource: f.resource.clone(),
            message: f.message.clone(),
        })
        .collect();
    // Sorted, so the file does not change when only the order of findings does.
    entries.sort_by(|a, b| {
        (&a.code, &a.resource, &a.fingerprint).cmp(&(&b.code, &b.resource, &b.fingerprint))
    });
    let n = entries.len();
    let text = serde_json::to_string_pretty(&File {
        version: 1,
        findings: entries,
    })
    .map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(n)
}

/// Splits findings into the new ones and the number already in the baseline at `path`.
pub fn apply(path: &Path, findings: Vec<Finding>) -> Result<(Vec<Finding>, usize), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a moat baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if file.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported (expected 1)",
            path.display(),
            file.version
        ));
    }
    let mut left: HashMap<String, usize> = HashMap::new();
    for e in file.findings {
        *left.entry(e.fingerprint).or_insert(0) += 1;
    }
    let mut known = 0;
    let mut fresh = Vec::new();
    for f in findings {
        let n = left.get_mut(&f.fingerprint());
        match n {
            Some(n) if *n > 0 && f.suppressed.is_none() => {
                *n -= 1;
                known += 1;
            }
            _ => fresh.push(f),
        }
    }
    Ok((fresh, known))
}
