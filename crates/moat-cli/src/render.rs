//! Diagnostics at the edge: miette reports with the offending line underlined, or JSON.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Severity,
};
use moat_doc::SourceFile;
use moat_model::{Diagnostic, Level};

/// Renders diagnostics for a terminal, each with its source snippet when the file is known.
pub fn diagnostics_text(diags: &[Diagnostic], sources: &[SourceFile], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        // The location first, on its own line, so editors and CI logs can jump to it.
        out.push_str(&format!(
            "{}: {}[{}]: {}\n",
            d.location,
            level(d.level),
            d.code,
            d.message
        ));
        let mut md = MietteDiagnostic::new(d.message.clone()).with_severity(match d.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        });
        if let Some(h) = &d.hint {
            md = md.with_help(h.clone());
        }
        let src = sources.iter().find(|s| s.name == d.location.file);
        let mut rendered = String::new();
        match src {
            Some(s) if d.location.line > 0 => {
                let len = d
                    .location
                    .len
                    .min(s.text.len().saturating_sub(d.location.offset));
                md = md.with_label(LabeledSpan::at(
                    d.location.offset..d.location.offset + len,
                    "here",
                ));
                let report = miette::Report::new(md)
                    .with_source_code(NamedSource::new(&s.name, s.text.clone()));
                let _ = handler.render_report(&mut rendered, report.as_ref());
            }
            _ => {
                let report = miette::Report::new(md);
                let _ = handler.render_report(&mut rendered, report.as_ref());
            }
        }
        out.push_str(&rendered);
        if !rendered.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

/// Diagnostics as JSON: `{"errors": n, "warnings": n, "diagnostics": [...]}`.
pub fn diagnostics_json(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.level == Level::Error).count();
    let v = serde_json::json!({
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": diags,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
