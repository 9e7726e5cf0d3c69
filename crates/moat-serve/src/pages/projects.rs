//! The front page: every project with its latest snapshot's counts.

use super::{esc, layout, time, url};
use crate::{AppError, Shared};
use axum::extract::State;
use axum::response::Html;

pub(crate) async fn page(State(s): State<Shared>) -> Result<Html<String>, AppError> {
    let projects = s
        .store
        .projects()
        .await
        .map_err(|e| AppError::from(e).page())?;
    if projects.is_empty() {
        return Ok(layout(
            "Projects",
            "<p>No project yet. Push a deployment:</p>\
<pre>moat push examples/private-registry --server http://127.0.0.1:8080 --project demo</pre>",
        ));
    }
    let mut b = String::from(
        "<table id=\"projects\"><tr><th>project</th><th>snapshots</th><th>latest</th>\
<th>revision</th><th>errors</th><th>warnings</th><th>operations failing</th>\
<th>operations unknown</th></tr>",
    );
    for p in &projects {
        let (when, rev, e, w, f, u) = match &p.latest {
            Some(m) => (
                format!("<a href=\"/snapshots/{}\">{}</a>", m.id, time(m.created_at)),
                esc(m.revision.as_deref().unwrap_or("")),
                m.counts.errors,
                m.counts.warnings,
                m.counts.ops_fail,
                m.counts.ops_unknown,
            ),
            None => (String::new(), String::new(), 0, 0, 0, 0),
        };
        b += &format!(
            "<tr><td><a href=\"/projects/{}\">{}</a></td><td>{}</td><td>{when}</td><td>{rev}</td>\
<td class=\"error\">{e}</td><td class=\"warning\">{w}</td><td>{f}</td><td>{u}</td></tr>",
            url(&p.name),
            esc(&p.name),
            p.snapshots
        );
    }
    b += "</table>";
    Ok(layout("Projects", &b))
}
