//! Server-rendered pages: HTML written here, a style sheet inline, and a few lines of inline
//! script where a page is interactive (the topology's properties panel). No build step.

pub(crate) mod history;
pub(crate) mod overview;
pub(crate) mod picture;
pub(crate) mod projects;
pub(crate) mod rule;
pub(crate) mod topology;
pub(crate) mod trace;

use crate::AppError;
use axum::response::Html;
use serde_json::Value;

/// HTML-escapes a text.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Encodes a text for a URL's query.
pub(crate) fn url(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/' | b':') {
            o.push(b as char);
        } else {
            o += &format!("%{b:02X}");
        }
    }
    o
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0;color:#1d2327;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:1.2em}
main{padding:1em 1.5em;max-width:1400px}
table{border-collapse:collapse;background:#fff;margin:.5em 0 1.2em}
th,td{border:1px solid #d0d5dc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef1f5}
.error,.fails,.denied{color:#b3261e;font-weight:600}
.warning,.unknown{color:#8a5a00;font-weight:600}
.info,.note{color:#3d5a80}
.works,.allowed{color:#1e7d32;font-weight:600}
.na{color:#888}
.muted{color:#666;font-size:.9em}
nav.tabs a{margin-right:1em}
pre{background:#fff;border:1px solid #d0d5dc;padding:.6em;overflow:auto}
.blocked td{background:#fde8e6}
form.inline{display:flex;gap:.6em;align-items:end;flex-wrap:wrap;margin:.6em 0}
form.inline label{display:flex;flex-direction:column;font-size:.85em}
.finding{background:#fff;border:1px solid #d0d5dc;margin:.4em 0;padding:.5em .8em}
.finding .fix{margin-top:.3em}
svg text{font-family:system-ui,sans-serif}
#props{background:#fff;border:1px solid #d0d5dc;padding:.6em;min-height:4em;white-space:pre-wrap;font-family:monospace;font-size:.85em}
";

/// A page: the header with its links, then the body.
pub(crate) fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{t} · moat</title><style>{STYLE}</style></head><body>\
<header><a class=\"brand\" href=\"/\">moat</a><a href=\"/\">Projects</a></header>\
<main><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title)
    ))
}

pub(crate) async fn not_found() -> AppError {
    AppError::not_found("no such page").page()
}

/// A time as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A verdict or status in its colour.
pub(crate) fn badge(s: &str) -> String {
    let class = match s {
        "not-applicable" => "na",
        other => other,
    };
    format!("<span class=\"{}\">{}</span>", esc(class), esc(s))
}

/// The tabs of a snapshot's pages.
pub(crate) fn tabs(id: i64, project: &str) -> String {
    format!(
        "<nav class=\"tabs\"><a href=\"/snapshots/{id}\">Overview</a>\
<a href=\"/snapshots/{id}/topology\">Topology</a>\
<a href=\"/snapshots/{id}/trace\">Trace explorer</a>\
<a href=\"/projects/{p}\">History of {pe}</a>\
<a href=\"/api/v1/snapshots/{id}\">JSON</a></nav>",
        p = url(project),
        pe = esc(project)
    )
}

/// A JSON string field, or "".
pub(crate) fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_civil_dates() {
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(time(1_709_210_096_000), "2024-02-29 12:34:56 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(url("a b&c/d"), "a%20b%26c/d");
    }
}
