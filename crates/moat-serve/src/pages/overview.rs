//! A snapshot's overview: where it comes from, each workspace's posture, the operations
//! matrix, and the findings, filterable by code, severity and resource, each with its rule's
//! documentation and fix.

use super::{badge, esc, layout, s, tabs, time, url};
use crate::api::{self, FindingFilter};
use crate::{AppError, Shared};
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a finding or hop is written: `file:line:column`.
pub(crate) fn at(v: &Value) -> String {
    let f = s(v, "file");
    if f.is_empty() {
        return String::new();
    }
    let mut o = f.to_string();
    if let Some(l) = v["line"].as_u64().filter(|l| *l > 0) {
        o += &format!(":{l}");
        if let Some(c) = v["column"].as_u64().filter(|c| *c > 0) {
            o += &format!(":{c}");
        }
    }
    o
}

fn posture(inv: &Value) -> String {
    let mut b = String::new();
    for w in inv["workspaces"].as_array().into_iter().flatten() {
        let list = |k: &str| {
            w[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(esc)
                .collect::<Vec<_>>()
                .join("<br>")
        };
        b += &format!(
            "<table class=\"posture\"><tr><th colspan=\"2\">workspace {}</th></tr>\
<tr><td>region</td><td>{}</td></tr><tr><td>public access</td><td>{}</td></tr>\
<tr><td>private endpoints</td><td>{}</td></tr><tr><td>outbound</td><td>{}</td></tr>\
<tr><td>computes</td><td>{}</td></tr><tr><td>dependencies</td><td>{}</td></tr>\
<tr><td>registries</td><td>{}</td></tr></table>",
            esc(s(w, "name")),
            esc(s(w, "region")),
            esc(s(w, "public_access")),
            // What the input leaves open about them, or a project's "those of hub …".
            [
                list("private_endpoints"),
                esc(s(w, "private_endpoints_note"))
            ]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join("<br>"),
            esc(s(w, "outbound")),
            list("computes"),
            list("dependencies"),
            list("registries"),
        );
    }
    if b.is_empty() {
        b = "<p class=\"muted\">No workspace in this deployment.</p>".into();
    }
    b
}

/// Operations as rows, subjects as columns, each cell the status.
pub(crate) fn matrix(ops: &Value) -> String {
    let mut subjects: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), String> = BTreeMap::new();
    for o in ops.as_array().into_iter().flatten() {
        let subject = s(o, "subject").to_string();
        if !subjects.contains(&subject) {
            subjects.push(subject.clone());
        }
        cells.insert(
            (s(o, "op").to_string(), subject),
            s(o, "status").to_string(),
        );
    }
    if subjects.is_empty() {
        return "<p class=\"muted\">No operation applies.</p>".into();
    }
    let mut b = String::from("<table id=\"operations\"><tr><th>operation</th>");
    for sub in &subjects {
        b += &format!("<th>{}</th>", esc(sub));
    }
    b += "</tr>";
    for op in moat_engine::ops::OPERATIONS {
        if !subjects
            .iter()
            .any(|sub| cells.contains_key(&(op.id.to_string(), sub.clone())))
        {
            continue;
        }
        b += &format!(
            "<tr><td title=\"{}\">{}</td>",
            esc(op.summary),
            esc(op.id.as_str())
        );
        for sub in &subjects {
            let cell = cells
                .get(&(op.id.to_string(), sub.clone()))
                .map(|st| badge(st))
                .unwrap_or_default();
            b += &format!("<td>{cell}</td>");
        }
        b += "</tr>";
    }
    b + "</table>"
}

/// One finding, with its location, certainty, fix and a link to its rule.
pub(crate) fn finding(f: &Value) -> String {
    let code = s(f, "code");
    let sev = s(f, "severity");
    let where_ = at(&f["at"]);
    let suppressed = f["suppressed"]
        .as_str()
        .map(|r| format!(" <span class=\"muted\">suppressed: {}</span>", esc(r)))
        .unwrap_or_default();
    let certainty = match s(f, "certainty") {
        "" | "decided" => String::new(),
        c => format!(" <span class=\"muted\">({})</span>", esc(c)),
    };
    format!(
        "<div class=\"finding\" data-code=\"{c}\"><span class=\"{sev}\">{sev}</span> \
<a href=\"/rules/{c}\">{c}</a> <b>{}</b>{certainty}{suppressed}<br>{}<br>\
<span class=\"muted\">{}</span><div class=\"fix\">fix: {}</div></div>",
        esc(s(f, "resource")),
        esc(s(f, "message")),
        esc(&where_),
        esc(s(f, "fix")),
        c = esc(code),
        sev = esc(sev),
    )
}

pub(crate) async fn page(
    State(st): State<Shared>,
    Path(id): Path<i64>,
    Query(filter): Query<FindingFilter>,
) -> Result<Html<String>, AppError> {
    let m = api::meta(&st, id).await.map_err(AppError::page)?;
    let check = api::document(&st, id, "check")
        .await
        .map_err(AppError::page)?;
    let ops = api::document(&st, id, "operations")
        .await
        .map_err(AppError::page)?;
    let inv = api::document(&st, id, "inventory")
        .await
        .map_err(AppError::page)?;
    let shown = api::filtered(&st, id, &filter)
        .await
        .map_err(AppError::page)?;
    let c = &m.counts;
    let mut b = tabs(id, &m.project);
    b += &format!(
        "<p>Project <a href=\"/projects/{}\">{}</a> · pushed {} by {} · revision {} · {} input · \
moat {}</p>",
        url(&m.project),
        esc(&m.project),
        time(m.created_at),
        esc(&m.pusher),
        esc(m.revision.as_deref().unwrap_or("(none)")),
        esc(&m.input_format),
        esc(&m.moat_version)
    );
    b += &format!(
        "<p id=\"counts\"><span class=\"error\">{} errors</span> · <span class=\"warning\">{} \
warnings</span> · <span class=\"info\">{} info</span> · {} suppressed · operations: {} work, \
{} fail, {} unknown · flows: {} allowed, {} denied, {} unknown</p>",
        c.errors,
        c.warnings,
        c.infos,
        c.suppressed,
        c.ops_work,
        c.ops_fail,
        c.ops_unknown,
        c.flows_allowed,
        c.flows_denied,
        c.flows_unknown
    );
    b += "<h2>Workspaces</h2>";
    b += &posture(&inv);
    b += "<h2>Operations</h2>";
    b += &matrix(&ops);
    let total = check["findings"].as_array().map_or(0, Vec::len);
    b += &format!(
        "<h2>Findings</h2><form class=\"inline\" method=\"get\" id=\"filter\">\
<label>code <input name=\"code\" value=\"{}\" placeholder=\"REG or REG001\"></label>\
<label>severity <select name=\"severity\">{}</select></label>\
<label>resource <input name=\"resource\" value=\"{}\" placeholder=\"workspace/ws\"></label>\
<button type=\"submit\">Filter</button></form><p class=\"muted\">{} of {total} findings</p>",
        esc(filter.code.as_deref().unwrap_or("")),
        ["", "error", "warning", "info"]
            .iter()
            .map(|v| format!(
                "<option value=\"{v}\"{}>{}</option>",
                if filter.severity.as_deref().unwrap_or("") == *v {
                    " selected"
                } else {
                    ""
                },
                if v.is_empty() { "any" } else { v }
            ))
            .collect::<String>(),
        esc(filter.resource.as_deref().unwrap_or("")),
        shown.len(),
    );
    b += "<div id=\"findings\">";
    for f in &shown {
        b += &finding(f);
    }
    b += "</div>";
    let warnings = check["diagnostics"].as_array().map_or(0, Vec::len);
    if warnings > 0 {
        b += "<h2>Input warnings</h2><pre>";
        for d in check["diagnostics"].as_array().into_iter().flatten() {
            b += &esc(&crate::analysis::located(d));
            b.push('\n');
        }
        b += "</pre>";
    }
    Ok(layout(&format!("{} · snapshot {id}", m.project), &b))
}
