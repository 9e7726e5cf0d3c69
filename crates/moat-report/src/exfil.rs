//! The exfiltration map (`moat exfil`) as text, SARIF and DOT (JSON is the map serialized).

use crate::style::Style;
use moat_engine::Verdict;
use moat_engine::{Code, Step};
use moat_exfil::{Access, Control, ExfilMap, Openness, Row};
use serde_json::{Value, json};
use std::fmt::Write;

fn openness(o: Openness) -> &'static str {
    match o {
        Openness::Open => "open",
        Openness::Narrowed => "narrowed",
        Openness::Closed => "closed",
        Openness::Unknown => "unknown",
        Openness::BeyondNetwork => "beyond the network",
    }
}

/// Why a row the deployment's network does not carry is reported apart.
const BEYOND: &str = "Azure ML acting with its identity: no NSG, route, firewall or endpoint policy of the deployment carries it; the destination's own firewall and what the identity is granted decide";

/// What decided a row, in a few words: the permitting elements, the blocking element, or
/// what is missing.
fn because(r: &Row) -> String {
    let reach = &r.reach;
    if r.dest.control == Control::BeyondNetwork && reach.verdict != Verdict::Denied {
        return BEYOND.to_string();
    }
    match reach.verdict {
        Verdict::Allowed => reach
            .permitted_by
            .iter()
            .filter(|e| e.step != Step::Egress && e.step != Step::Route)
            .map(|e| format!("{}: {}", e.element, e.detail))
            .chain(
                reach
                    .permitted_by
                    .iter()
                    .filter(|e| e.code == Code::RouteServiceEndpoint)
                    .map(|e| format!("{}: {}", e.element, e.detail)),
            )
            .take(3)
            .collect::<Vec<_>>()
            .join("; "),
        Verdict::Denied => reach
            .witness
            .as_ref()
            .and_then(|w| w.trace.blocked_by())
            .map(|h| format!("{}: {}", h.element, h.detail))
            .unwrap_or_default(),
        Verdict::Unknown => reach.missing.first().cloned().unwrap_or_default(),
    }
}

/// The map for a terminal: per place, each category's openness, then every destination.
pub fn render_text(m: &ExfilMap, style: Style) -> String {
    let mut o = String::new();
    for p in &m.places {
        let region = p
            .region
            .as_deref()
            .map(|r| format!("  [{r}]"))
            .unwrap_or_default();
        let _ = writeln!(o, "{}  {}{region}", style.bold(&p.place), p.label);
        let cats: Vec<String> = p
            .summary
            .iter()
            .map(|s| {
                let word = openness(s.openness);
                let word = match s.openness {
                    Openness::Open => style.bad(word),
                    Openness::Unknown => style.warn(word),
                    Openness::Narrowed => style.warn(word),
                    Openness::Closed => style.good(word),
                    Openness::BeyondNetwork => style.dim(word),
                };
                format!("{} {word}", s.category.as_str())
            })
            .collect();
        let _ = writeln!(o, "  {}", cats.join(" · "));
        let width = p
            .destinations
            .iter()
            .map(|r| r.dest.label.chars().count())
            .max()
            .unwrap_or(0);
        for r in &p.destinations {
            let (mark, verdict) = match r.reach.verdict {
                Verdict::Allowed if r.dest.control == Control::BeyondNetwork => (
                    style.dim("~"),
                    format!("allowed {} (beyond the network)", r.reach.allowed),
                ),
                Verdict::Allowed => (style.bad("✓"), format!("allowed {}", r.reach.allowed)),
                Verdict::Denied => (style.good("✗"), "denied".to_string()),
                Verdict::Unknown => (style.warn("?"), format!("unknown {}", r.reach.unknown)),
            };
            let _ = writeln!(
                o,
                "  {mark} {:<16} {:<width$}  {:<12} {verdict}",
                r.dest.category.as_str(),
                r.dest.label,
                r.dest.access.as_str(),
            );
            let why = because(r);
            if !why.is_empty() {
                let _ = writeln!(o, "      {}", style.dim(&why));
            }
        }
        let _ = writeln!(o);
    }
    let rows = || m.places.iter().flat_map(|p| p.destinations.iter());
    let open = rows()
        .filter(|r| {
            r.dest.control == Control::Network
                && r.dest.access == Access::ReadWrite
                && r.reach.verdict == Verdict::Allowed
        })
        .count();
    let beyond = rows()
        .filter(|r| {
            r.dest.control == Control::BeyondNetwork
                && r.dest.access == Access::ReadWrite
                && r.reach.verdict == Verdict::Allowed
        })
        .count();
    let beyond = if beyond > 0 {
        format!(" ({beyond} more beyond the network: Azure ML acting with its identity)")
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "{} place(s); {open} read/write destination(s) reachable through the network{beyond}; {} trace(s)",
        m.places.len(),
        m.traces
    );
    o
}

/// SARIF 2.1.0: one result per read/write or unclassified destination a place reaches (or may
/// reach), located at the element that lets it through.
pub fn render_sarif(m: &ExfilMap, input: &str) -> String {
    let rules = [
        (
            "exfil/read-write",
            "A place reaches a read/write destination outside the deployment (Plan for network isolation: storage, Azure Front Door, the internet).",
        ),
        (
            "exfil/unclassified",
            "A place reaches a destination outside the deployment that the documents do not classify as read-only.",
        ),
        (
            "exfil/beyond-network",
            "Azure ML acting with its identity reaches a destination outside the deployment; the deployment's network does not carry this traffic (Plan for network isolation: outbound from the service is governed by the destination's trusted-service rules).",
        ),
    ];
    let mut results: Vec<Value> = Vec::new();
    for p in &m.places {
        for r in &p.destinations {
            if r.dest.access == Access::ReadOnly || r.reach.verdict == Verdict::Denied {
                continue;
            }
            let beyond = r.dest.control == Control::BeyondNetwork;
            let rule = if beyond {
                2
            } else if r.dest.access == Access::ReadWrite {
                0
            } else {
                1
            };
            let at =
                r.reach
                    .permitted_by
                    .iter()
                    .find_map(|e| e.at.clone())
                    .or_else(|| {
                        r.reach.witness.as_ref().and_then(|w| {
                            w.trace.hops.iter().find_map(|h| h.at.as_deref().cloned())
                        })
                    });
            let (uri, line, column) = match &at {
                Some(a) if a.line > 0 => (a.file.clone(), a.line, a.column.max(1)),
                Some(a) => (a.file.clone(), 1, 1),
                None => (input.to_string(), 1, 1),
            };
            let verdict = match r.reach.verdict {
                Verdict::Allowed => format!("reaches it ({})", r.reach.allowed),
                _ => format!("may reach it ({} undecided)", r.reach.unknown),
            };
            let text = format!(
                "{}: {} {} ({}, {}) {verdict}",
                p.place,
                p.label,
                r.dest.label,
                r.dest.category.describe(),
                r.dest.access.as_str()
            );
            let mut res = json!({
                "ruleId": rules[rule].0,
                "ruleIndex": rule,
                "level": if r.reach.verdict == Verdict::Allowed && !beyond { "warning" } else { "note" },
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri.replace('\\', "/") },
                        "region": { "startLine": line, "startColumn": column }
                    },
                    "logicalLocations": [{ "name": p.place, "kind": "resource" }]
                }],
                "properties": {
                    "place": p.place,
                    "category": r.dest.category.as_str(),
                    "destination": r.dest.label,
                    "access": r.dest.access.as_str(),
                    "control": r.dest.control.as_str(),
                    "certainty": if r.reach.verdict == Verdict::Allowed { "decided" } else { "undecided" },
                    "needs": r.reach.missing,
                }
            });
            if let Some(w) = &r.reach.witness {
                res["properties"]["witness"] = serde_json::to_value(w).unwrap_or(Value::Null);
            }
            results.push(res);
        }
    }
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|(id, text)| {
            json!({
                "id": id,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": "warning" },
                "properties": { "tags": ["azure-ml", "exfiltration", "path"] }
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "moat",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/moat-dev/moat",
                "rules": rules_json
            } },
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// DOT: places on the left, destinations on the right, an edge per reachable (red: read/write,
/// orange: undecided, grey: read-only, dotted blue: beyond the network) destination; denied
/// ones are left out.
pub fn render_dot(m: &ExfilMap) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "digraph exfil {{");
    let _ = writeln!(o, "  rankdir=LR;");
    let _ = writeln!(o, "  node [shape=box, fontname=\"Helvetica\"];");
    let mut dests: Vec<String> = Vec::new();
    for p in &m.places {
        let _ = writeln!(
            o,
            "  {} [label={}, style=filled, fillcolor=\"#e8f0fe\"];",
            quote(&p.place),
            quote(&format!("{}\\n{}", p.place, p.label))
        );
        for r in &p.destinations {
            if r.reach.verdict == Verdict::Denied {
                continue;
            }
            let id = format!("{}: {}", r.dest.category.as_str(), r.dest.label);
            if !dests.contains(&id) {
                let shape = if r.dest.access == Access::ReadWrite {
                    "octagon"
                } else {
                    "ellipse"
                };
                let _ = writeln!(o, "  {} [shape={shape}];", quote(&id));
                dests.push(id.clone());
            }
            let (color, style) = match (r.reach.verdict, r.dest.access) {
                _ if r.dest.control == Control::BeyondNetwork => ("steelblue", "dotted"),
                (Verdict::Unknown, _) => ("orange", "dashed"),
                (_, Access::ReadWrite) => ("red", "bold"),
                (_, Access::Unclassified) => ("orange", "solid"),
                (_, Access::ReadOnly) => ("grey", "solid"),
            };
            let label = if r.reach.verdict == Verdict::Allowed {
                r.reach.allowed.clone()
            } else {
                format!("? {}", r.reach.unknown)
            };
            let _ = writeln!(
                o,
                "  {} -> {} [color={color}, style={style}, label={}];",
                quote(&p.place),
                quote(&id),
                quote(&label)
            );
        }
    }
    let _ = writeln!(o, "}}");
    o
}
