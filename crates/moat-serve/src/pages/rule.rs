//! A rule's documentation: what, why, example, fix, sources.

use super::{esc, layout};
use crate::AppError;
use axum::extract::Path;
use axum::response::Html;

pub(crate) async fn page(Path(code): Path<String>) -> Result<Html<String>, AppError> {
    let r = moat_rules::by_code(&code.to_ascii_uppercase())
        .ok_or_else(|| AppError::not_found(format!("no rule {code}")).page())?;
    let d = r.doc();
    let sources: String = d
        .sources
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    let body = format!(
        "<p><b>{}</b> · severity <span class=\"{sev}\">{sev}</span> · {}</p>\
<h2>What</h2><p>{}</p><h2>Why</h2><p>{}</p><h2>Example</h2><pre>{}</pre>\
<h2>Fix</h2><p class=\"fix\">{}</p><h2>Sources</h2><ul>{sources}</ul>\
<p class=\"muted\">Requirements: {}</p>",
        esc(d.name),
        if d.path {
            "decided by the path engine"
        } else {
            "a configuration rule"
        },
        esc(d.what),
        esc(d.why),
        esc(d.example),
        esc(d.fix),
        esc(&d.covers.join(" ")),
        sev = d.severity.as_str(),
    );
    Ok(layout(&format!("Rule {}", d.code), &body))
}
