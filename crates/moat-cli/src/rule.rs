//! `moat rule`: the documentation of the rules.

use crate::{BAD_INPUT, Ctx, OK, out};

/// Runs `moat rule`: one rule's documentation, every rule's, or one line per rule.
pub fn run(code: Option<String>, all: bool, ctx: &Ctx) -> u8 {
    let rules = moat_rules::all();
    match (code, all) {
        (Some(c), _) => match moat_rules::by_code(&c) {
            Some(r) => out(&moat_report::check::rule_text(r.doc(), ctx.style())),
            None => {
                let codes: Vec<&str> = rules.iter().map(|r| r.doc().code).collect();
                let hint = moat_model::suggest::did_you_mean(&c, codes.iter().copied())
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                eprintln!("error: no rule {c}{hint}; see `moat rule --all`");
                return BAD_INPUT;
            }
        },
        (None, true) => {
            for r in &rules {
                out(&moat_report::check::rule_text(r.doc(), ctx.style()));
                out("\n");
            }
        }
        (None, false) => {
            let width = rules.iter().map(|r| r.doc().name.len()).max().unwrap_or(4);
            // The last column names the documented requirements each rule checks.
            // The fifth says whether findings carry the fix as code or only as prose.
            let row =
                |code: &str, name: &str, severity: &str, kind: &str, fix: &str, covers: &str| {
                    let line = format!(
                        "{code:<8} {name:<width$}  {severity:<8} {kind:<13} {fix:<5} {covers}"
                    );
                    format!("{}\n", line.trim_end())
                };
            out(&ctx.style().bold(&row(
                "CODE",
                "NAME",
                "SEVERITY",
                "KIND",
                "FIX",
                "REQUIREMENTS",
            )));
            for r in &rules {
                let d = r.doc();
                // Path rules are decided by the path engine and carry a trace.
                let kind = if d.path { "path" } else { "configuration" };
                out(&row(
                    d.code,
                    d.name,
                    d.severity.as_str(),
                    kind,
                    d.fix_form.as_str(),
                    &d.covers.join(" "),
                ));
            }
        }
    }
    OK
}
