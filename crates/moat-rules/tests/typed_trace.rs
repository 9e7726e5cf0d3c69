//! Rules read the typed trace: every hop kind, code and operation a rule matches is one the
//! engine produces. The enums make a misspelt name a compile error; what they cannot see is a
//! variant that exists but that nothing emits (a rule matching it would never fire), and a
//! string compared where a typed value belongs. These tests read the sources for both.

use moat_engine::ops::OPERATIONS;
use moat_engine::{Code, OpId, RuleCode, Step};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("a directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The identifiers written as `<prefix>::<Ident>` in `text`.
fn mentions(text: &str, prefix: &str) -> BTreeSet<String> {
    let pat = format!("{prefix}::");
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            out.insert(ident);
        }
    }
    out
}

/// The files that build hops and DNS steps: the trace and its hop-kind modules, and the
/// resolver and its modules.
fn emitters() -> Vec<PathBuf> {
    let root = crates();
    let mut v = vec![
        root.join("moat-engine/src/trace.rs"),
        root.join("moat-net/src/dns.rs"),
    ];
    v.extend(sources(&root.join("moat-engine/src/trace")));
    v.extend(sources(&root.join("moat-net/src/dns")));
    v
}

fn emitted(prefix: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = emitters()
        .iter()
        .flat_map(|p| mentions(&read(p), prefix))
        .collect();
    // `exfil` reports a missing service endpoint policy as an element of its own: only what
    // it builds counts, not what it matches.
    for p in sources(&crates().join("moat-exfil/src")) {
        let text = read(&p);
        let field = format!("{}: {prefix}", prefix.to_lowercase());
        for part in text.split(&field).skip(1) {
            if let Some(rest) = part.strip_prefix("::") {
                let ident: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(ident);
            }
        }
    }
    out
}

/// The files that read the trace: the rules and the reports.
fn readers() -> Vec<PathBuf> {
    let root = crates();
    let mut v = sources(&root.join("moat-rules/src"));
    v.extend(sources(&root.join("moat-report/src")));
    v
}

fn debug_name<T: std::fmt::Debug>(x: T) -> String {
    format!("{x:?}")
}

#[test]
fn the_engine_emits_every_code() {
    let emitted = emitted("Code");
    let never: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !emitted.contains(&debug_name(c)))
        .map(|c| c.as_str())
        .collect();
    assert!(
        never.is_empty(),
        "codes no hop or DNS step is ever given (remove them, or emit them): {never:?}"
    );
}

#[test]
fn the_engine_emits_every_hop_kind() {
    let emitted = emitted("Step");
    let never: Vec<&str> = Step::ALL
        .iter()
        .filter(|s| !emitted.contains(&debug_name(s)))
        .map(|s| s.as_str())
        .collect();
    assert!(
        never.is_empty(),
        "hop kinds no hop is ever given: {never:?}"
    );
}

#[test]
fn rules_and_reports_match_only_emitted_codes_and_kinds() {
    let codes = emitted("Code");
    let steps = emitted("Step");
    let mut wrong = Vec::new();
    for p in readers() {
        let text = read(&p);
        for c in mentions(&text, "Code").difference(&codes) {
            wrong.push(format!("{}: Code::{c}", p.display()));
        }
        for s in mentions(&text, "Step").difference(&steps) {
            wrong.push(format!("{}: Step::{s}", p.display()));
        }
    }
    assert!(wrong.is_empty(), "matched but never emitted: {wrong:#?}");
}

#[test]
fn no_rule_or_report_compares_a_name_as_a_string() {
    // A literal spelled like a code, a hop kind or an operation id is a comparison the
    // compiler cannot check; the typed values exist for each.
    let mut names: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    names.extend(OpId::ALL.iter().map(|o| o.as_str().to_string()));
    let kinds: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
    let mut wrong = Vec::new();
    for p in readers() {
        let text = read(&p);
        for n in &names {
            if text.contains(&format!("\"{n}\"")) {
                wrong.push(format!("{}: \"{n}\"", p.display()));
            }
        }
        // A hop kind compared as text on a line that does not say `step` (a serialized step
        // matched against `Some("nsg" | "firewall")`). Kinds of several words only: `nsg` and
        // `firewall` are resource kinds too, and `private-endpoint` is written as one where
        // it is not compared.
        for line in text.lines() {
            let compared = ["==", " | ", "Some("].iter().any(|c| line.contains(c));
            for k in kinds.iter().filter(|k| k.contains('-')) {
                if compared && line.contains(&format!("\"{k}\"")) {
                    wrong.push(format!("{}: {}", p.display(), line.trim()));
                }
            }
        }
        for line in text.lines() {
            if line.contains("step") {
                for k in &kinds {
                    if line.contains(&format!("\"{k}\"")) {
                        wrong.push(format!("{}: {}", p.display(), line.trim()));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "string comparisons left: {wrong:#?}");
}

#[test]
fn every_operation_a_rule_reads_is_evaluated() {
    // `cx.op(OpId::X)` yields nothing for an operation `ops` never evaluates; only the
    // operations of the catalog have results (a declared-only id such as
    // registry.create-environment is read from the intent, not from `ops`).
    let evaluated: BTreeSet<String> = OPERATIONS.iter().map(|o| debug_name(o.id)).collect();
    let mut wrong = Vec::new();
    for p in sources(&crates().join("moat-rules/src")) {
        let text = read(&p);
        for reader in ["op(OpId::", "failing_flows(cx, OpId::"] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(reader) {
                rest = &rest[i + reader.len()..];
                let ident: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !evaluated.contains(&ident) {
                    wrong.push(format!("{}: {ident}", p.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "operations read but never evaluated: {wrong:#?}"
    );
}

#[test]
fn every_requirement_code_is_a_rule_of_the_catalog() {
    // `ops` names the rule that owns a requirement by `RuleCode`; a code no rule has would be
    // a requirement that `check` never reports.
    let codes: BTreeSet<&str> = moat_rules::all().iter().map(|r| r.doc().code).collect();
    let strays: Vec<&str> = RuleCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !codes.contains(c))
        .collect();
    assert!(
        strays.is_empty(),
        "requirement codes without a rule: {strays:?}"
    );
}

#[test]
fn each_requirement_code_is_attached_by_the_engine_and_read_only_by_its_rule() {
    // The engine attaches every code to some requirement (a code nothing attaches is a
    // requirement no one checks), and a rule that reads requirements by code reads only its
    // own (reading another's would report that cause twice). That the owning rule reports
    // every unmet requirement on the examples is `check_covers_ops`' business.
    let root = crates();
    let attached: BTreeSet<String> = [
        root.join("moat-engine/src/ops.rs"),
        root.join("moat-engine/src/studio.rs"),
    ]
    .iter()
    .flat_map(|p| mentions(&read(p), "RuleCode"))
    .collect();
    let mut wrong: Vec<String> = RuleCode::ALL
        .iter()
        .filter(|c| !attached.contains(&debug_name(c)))
        .map(|c| format!("{c}: no requirement of `ops` names it"))
        .collect();
    for p in sources(&root.join("moat-rules/src/rules")) {
        let stem = p.file_stem().unwrap().to_string_lossy().to_uppercase();
        for m in mentions(&read(&p), "RuleCode") {
            if let Some(c) = RuleCode::ALL.iter().find(|c| debug_name(c) == m)
                && c.as_str() != stem
            {
                wrong.push(format!("{}: reads {c}'s requirement", p.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
