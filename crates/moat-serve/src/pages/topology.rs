//! The topology page: the picture, and a panel showing the properties of the element clicked,
//! with the file and line that declare it.

use super::picture::{Marks, Picture};
use super::{layout, tabs};
use crate::{AppError, Shared, api, cache};
use axum::extract::{Path, State};
use axum::response::Html;

/// The script that shows an element's properties when it is clicked: where it is declared
/// first, then every property.
pub(crate) const PANEL_SCRIPT: &str = r#"<script>
(function(){
  var P = JSON.parse(document.getElementById('props-data').textContent);
  var panel = document.getElementById('props');
  function where(v){
    var a = v && v['$at'];
    if (!a || !a.file) return 'declared: (not in the input)';
    return 'declared: ' + a.file + (a.line ? ':' + a.line + (a.column ? ':' + a.column : '') : '');
  }
  document.querySelectorAll('#topology g.el').forEach(function(g){
    g.addEventListener('click', function(ev){
      ev.stopPropagation();
      document.querySelectorAll('#topology g.el.selected').forEach(function(x){ x.classList.remove('selected'); });
      g.classList.add('selected');
      var key = g.getAttribute('data-key');
      var v = P[key];
      panel.textContent = key + '\n' + where(v) + '\n\n' + JSON.stringify(v, null, 2);
    });
  });
})();
</script>"#;

/// The picture with its properties panel.
pub(crate) fn figure(p: &Picture, marks: &Marks) -> String {
    format!(
        "<div style=\"display:flex;gap:1em;align-items:flex-start\"><div style=\"flex:0 0 auto\">{}</div>\
<div style=\"flex:0 0 360px;position:sticky;top:0\"><h3>Properties</h3><div id=\"props\">Click an element.</div></div></div>\
<script type=\"application/json\" id=\"props-data\">{}</script>{PANEL_SCRIPT}",
        p.svg(marks),
        p.props_json()
    )
}

pub(crate) async fn page(
    State(st): State<Shared>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let meta = api::meta(&st, id).await.map_err(AppError::page)?;
    let m = cache::model(&st, id).await.map_err(AppError::page)?;
    let p = Picture::of(&m);
    let body = format!(
        "{}<p class=\"muted\">{} elements. Click one for its properties and where it is declared.</p>{}",
        tabs(id, &meta.project),
        p.elements.len(),
        figure(&p, &Marks::default())
    );
    Ok(layout(
        &format!("{} · snapshot {id} · topology", meta.project),
        &body,
    ))
}
