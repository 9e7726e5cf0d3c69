//! The trace explorer: choose the ends and the port, see the hops and the path drawn on the
//! topology, the blocking element highlighted.

use super::overview::at;
use super::picture::{Marks, Picture};
use super::{badge, esc, layout, s, tabs};
use crate::api::{self, TraceQuery};
use crate::{AppError, Shared, cache};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

fn hops(trace: &Value) -> String {
    let blocked = &trace["blocked_by"];
    let mut b = String::from(
        "<table id=\"hops\"><tr><th></th><th>step</th><th>element</th><th>detail</th><th>code</th>\
<th>declared</th></tr>",
    );
    for h in trace["hops"].as_array().into_iter().flatten() {
        let is_block = !blocked.is_null()
            && h["step"] == blocked["step"]
            && h["element"] == blocked["element"]
            && h["code"] == blocked["code"];
        b += &format!(
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if is_block { " class=\"blocked\"" } else { "" },
            badge(s(h, "decision")),
            esc(s(h, "step")),
            esc(s(h, "element")),
            esc(s(h, "detail")),
            esc(s(h, "code")),
            esc(&at(&h["at"]))
        );
    }
    b + "</table>"
}

pub(crate) async fn page(
    State(st): State<Shared>,
    Path(id): Path<i64>,
    Query(q): Query<TraceQuery>,
) -> Result<Response, AppError> {
    let meta = api::meta(&st, id).await.map_err(AppError::page)?;
    let m = cache::model(&st, id).await.map_err(AppError::page)?;
    let p = Picture::of(&m);
    let mut addresses = moat_rules::check::addresses(&m.loaded.topology);
    addresses.push("internet".into());
    let options: String = addresses
        .iter()
        .map(|a| format!("<option value=\"{}\">", esc(a)))
        .collect();
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let proto = q.protocol.clone().unwrap_or_else(|| "tcp".into());
    let mut body = tabs(id, &meta.project);
    body += &format!(
        "<form class=\"inline\" method=\"get\" id=\"trace-form\">\
<label>from <input name=\"from\" id=\"from\" list=\"addresses\" value=\"{}\" size=\"32\"></label>\
<label>to <input name=\"to\" id=\"to\" list=\"addresses\" value=\"{}\" size=\"32\"></label>\
<label>port <input name=\"port\" id=\"port\" value=\"{}\" size=\"6\"></label>\
<label>protocol <select name=\"protocol\">{}</select></label>\
<button type=\"submit\" id=\"run\">Trace</button></form><datalist id=\"addresses\">{options}</datalist>",
        v(&q.from),
        v(&q.to),
        esc(q.port.as_deref().unwrap_or("443")),
        ["tcp", "udp", "icmp"]
            .iter()
            .map(|x| format!(
                "<option{}>{x}</option>",
                if *x == proto { " selected" } else { "" }
            ))
            .collect::<String>()
    );
    let asked = q.from.as_deref().is_some_and(|f| !f.is_empty())
        || q.to.as_deref().is_some_and(|t| !t.is_empty());
    let mut marks = Marks::default();
    let mut status = axum::http::StatusCode::OK;
    if asked {
        match api::run_trace(&st, m.clone(), &q).await {
            Ok(trace) => {
                marks = p.marks(&trace);
                body += &format!(
                    "<p id=\"verdict\" class=\"{v}\">{V} {} → {} {}/{}</p>",
                    esc(s(&trace, "from")),
                    esc(s(&trace, "to")),
                    esc(s(&trace, "protocol")),
                    trace["port"],
                    v = esc(s(&trace, "verdict")),
                    V = esc(&s(&trace, "verdict").to_uppercase()),
                );
                body += &hops(&trace);
                if let Some(fix) = trace["fix"].as_str() {
                    body += &format!("<p class=\"fix\" id=\"fix\">fix: {}</p>", esc(fix));
                }
                for (title, k) in [("Missing", "missing"), ("Assumed", "assumptions")] {
                    let list: Vec<String> = trace[k]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|x| format!("<li>{}</li>", esc(x)))
                        .collect();
                    if !list.is_empty() {
                        body += &format!("<h3>{title}</h3><ul>{}</ul>", list.concat());
                    }
                }
            }
            Err(e) if e.status.is_client_error() => {
                status = e.status;
                body += &format!(
                    "<p class=\"error\" id=\"trace-error\">{}</p>",
                    esc(&e.message)
                );
            }
            Err(e) => return Err(e.page()),
        }
    }
    body += &super::topology::figure(&p, &marks);
    let page = layout(
        &format!("{} · snapshot {id} · trace explorer", meta.project),
        &body,
    );
    // A bad question shows the form again, with what was wrong, as a 400.
    Ok((status, page).into_response())
}
