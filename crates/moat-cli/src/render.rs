//! Diagnostics at the edge: text with a short snippet per error (see `moat_doc::render`), or JSON.

use moat_doc::SourceFile;
use moat_model::{Diagnostic, Level};

/// Renders diagnostics for a terminal, each with its source snippet when the file is known.
pub fn diagnostics_text(diags: &[Diagnostic], sources: &[SourceFile], color: bool) -> String {
    moat_doc::render::text(
        diags,
        sources,
        moat_doc::render::Options {
            color,
            ..Default::default()
        },
    )
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
