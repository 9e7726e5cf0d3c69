//! A project's history — its snapshots on a timeline with their counts — and the diff of any
//! two of them, as `moat diff` reports it.

use super::overview::{at, finding};
use super::{badge, esc, layout, s, time, url};
use crate::api::{self, DiffQuery};
use crate::{AppError, Shared};
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde_json::Value;

/// Errors and warnings of each snapshot as bars, oldest on the left.
fn chart(list: &[moat_store::SnapshotMeta]) -> String {
    let max = list
        .iter()
        .map(|m| m.counts.errors + m.counts.warnings)
        .max()
        .unwrap_or(0)
        .max(1);
    let w = 28;
    let h = 120;
    let mut o = format!(
        "<svg id=\"timeline\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"findings per snapshot\">",
        list.len() as i64 * w + 20,
        h + 30
    );
    for (i, m) in list.iter().enumerate() {
        let x = 10 + i as i64 * w;
        let e = m.counts.errors * h / max;
        let wn = m.counts.warnings * h / max;
        o += &format!(
            "<a href=\"/snapshots/{id}\"><title>snapshot {id}: {} errors, {} warnings</title>\
<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{wn}\" fill=\"#d9a400\"/>\
<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{e}\" fill=\"#b3261e\"/>\
<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{id}</text></a>",
            m.counts.errors,
            m.counts.warnings,
            h - e - wn + 5,
            w - 6,
            h - e + 5,
            w - 6,
            x + (w - 6) / 2,
            h + 20,
            id = m.id,
        );
    }
    o + "</svg>"
}

pub(crate) async fn page(
    State(st): State<Shared>,
    Path(project): Path<String>,
) -> Result<Html<String>, AppError> {
    let list = st
        .store
        .snapshots(&project)
        .await
        .map_err(|e| AppError::from(e).page())?;
    if list.is_empty() {
        return Err(AppError::not_found(format!("no project `{project}`")).page());
    }
    let mut b = chart(&list);
    let options = |selected: i64| {
        list.iter()
            .rev()
            .map(|m| {
                format!(
                    "<option value=\"{id}\"{}>{id} · {} · {}</option>",
                    if m.id == selected { " selected" } else { "" },
                    time(m.created_at),
                    esc(m.revision.as_deref().unwrap_or("")),
                    id = m.id
                )
            })
            .collect::<String>()
    };
    let head = list.last().map_or(0, |m| m.id);
    let base = list.iter().rev().nth(1).map_or(head, |m| m.id);
    b += &format!(
        "<form class=\"inline\" method=\"get\" action=\"/diff\" id=\"diff-form\">\
<label>base <select name=\"base\">{}</select></label>\
<label>head <select name=\"head\">{}</select></label>\
<button type=\"submit\">Compare</button></form>",
        options(base),
        options(head)
    );
    b += "<table id=\"snapshots\"><tr><th>snapshot</th><th>pushed</th><th>revision</th>\
<th>by</th><th>errors</th><th>warnings</th><th>info</th><th>operations (work/fail/unknown)</th>\
<th>flows (allowed/denied/unknown)</th></tr>";
    for m in list.iter().rev() {
        let c = &m.counts;
        b += &format!(
            "<tr><td><a href=\"/snapshots/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td>\
<td class=\"error\">{}</td><td class=\"warning\">{}</td><td>{}</td><td>{}/{}/{}</td>\
<td>{}/{}/{}</td></tr>",
            time(m.created_at),
            esc(m.revision.as_deref().unwrap_or("")),
            esc(&m.pusher),
            c.errors,
            c.warnings,
            c.infos,
            c.ops_work,
            c.ops_fail,
            c.ops_unknown,
            c.flows_allowed,
            c.flows_denied,
            c.flows_unknown,
            id = m.id
        );
    }
    b += "</table>";
    Ok(layout(&format!("History of {project}"), &b))
}

fn hop(h: &Value) -> String {
    if h.is_null() {
        return "(the trace ends)".into();
    }
    format!(
        "{} {} {}: {} <span class=\"muted\">{}</span>",
        badge(s(h, "decision")),
        esc(s(h, "step")),
        esc(s(h, "element")),
        esc(s(h, "detail")),
        esc(&at(&h["at"]))
    )
}

pub(crate) async fn diff(
    State(st): State<Shared>,
    Query(q): Query<DiffQuery>,
) -> Result<Html<String>, AppError> {
    let b_meta = api::meta(&st, q.base).await.map_err(AppError::page)?;
    let h_meta = api::meta(&st, q.head).await.map_err(AppError::page)?;
    let d = api::run_diff(&st, q.base, q.head)
        .await
        .map_err(AppError::page)?;
    let sum = &d["summary"];
    let mut b = format!(
        "<p>From <a href=\"/snapshots/{}\">snapshot {}</a> ({}) to <a href=\"/snapshots/{}\">\
snapshot {}</a> ({}) of <a href=\"/projects/{}\">{}</a>.</p>",
        b_meta.id,
        b_meta.id,
        esc(b_meta.revision.as_deref().unwrap_or("")),
        h_meta.id,
        h_meta.id,
        esc(h_meta.revision.as_deref().unwrap_or("")),
        url(&h_meta.project),
        esc(&h_meta.project)
    );
    b += &format!(
        "<p id=\"diff-summary\">findings: {} new, {} fixed, {} unchanged · {} operations changed \
· flows: {} opened, {} closed, {} may have opened, {} may have closed</p>",
        sum["findings"]["new"],
        sum["findings"]["fixed"],
        sum["findings"]["unchanged"],
        sum["operations"],
        sum["flows"]["opened"],
        sum["flows"]["closed"],
        sum["flows"]["may_have_opened"],
        sum["flows"]["may_have_closed"],
    );
    for (title, key) in [("New findings", "new"), ("Fixed findings", "fixed")] {
        let list = d["findings"][key].as_array().cloned().unwrap_or_default();
        b += &format!(
            "<h2>{title} ({})</h2><div id=\"findings-{key}\">",
            list.len()
        );
        for f in &list {
            b += &finding(f);
        }
        b += "</div>";
    }
    let ops = d["operations"].as_array().cloned().unwrap_or_default();
    b += &format!("<h2>Operations whose status changed ({})</h2>", ops.len());
    if !ops.is_empty() {
        b += "<table id=\"ops-changed\"><tr><th>operation</th><th>subject</th><th>before</th><th>after</th></tr>";
        for o in &ops {
            let st = |k: &str| o[k].as_str().map(badge).unwrap_or_else(|| "absent".into());
            b += &format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(s(o, "op")),
                esc(s(o, "subject")),
                st("before"),
                st("after")
            );
        }
        b += "</table>";
    }
    let flows = d["flows"].as_array().cloned().unwrap_or_default();
    b += &format!("<h2>Flows whose verdict changed ({})</h2>", flows.len());
    if !flows.is_empty() {
        b += "<table id=\"flows-changed\"><tr><th>from</th><th>to</th><th>change</th>\
<th>before</th><th>after</th><th>the hop that changed</th></tr>";
        for f in &flows {
            let v = |k: &str| f[k].as_str().map(badge).unwrap_or_else(|| "absent".into());
            let cause = if f["cause"].is_null() {
                String::new()
            } else {
                format!(
                    "before: {}<br>after: {}",
                    hop(&f["cause"]["before"]),
                    hop(&f["cause"]["after"])
                )
            };
            b += &format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{cause}</td></tr>",
                esc(s(f, "from")),
                esc(s(f, "to")),
                esc(s(f, "change")),
                v("before"),
                v("after"),
            );
        }
        b += "</table>";
    }
    Ok(layout(
        &format!("{}: snapshot {} → {}", h_meta.project, q.base, q.head),
        &b,
    ))
}
