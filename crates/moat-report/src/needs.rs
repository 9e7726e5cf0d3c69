//! Findings undecided for lack of input, grouped by what is missing: one missing value (a
//! region, a parameter) leaves many flows undecided, and a user needs to read it once, with the
//! flag that supplies it, not once per finding.

use crate::check::{certainty, count};
use crate::style::Style;
use moat_rules::Finding;
use std::fmt::Write;

/// The missing input a finding waits for, as a user supplies it: the clause that names the flag
/// (`the region of the target resource group is not in the template (give it with --location)`)
/// when there is one, else what the model lacks, without the place it was read from.
pub fn root_cause(need: &str) -> String {
    // A variant's need is its question and what the finding does there ("what private link
    // scope `ampls` sets `x` to (…): the finding holds only if it sets `x` to PrivateOnly"): the
    // question is the missing input, whichever way each finding goes.
    if need.starts_with("what ") || need.starts_with("whether ") {
        for tail in [
            ": the finding holds only if ",
            ": if it ",
            ": without it ",
            ": without them ",
        ] {
            if let Some(i) = need.find(tail) {
                return need[..i].trim().to_string();
            }
        }
    }
    if let Some(i) = need.find("(give it with ")
        && let Some(end) = need[i..].find(')')
    {
        let start = need[..i].rfind(": ").map_or(0, |j| j + 2);
        return need[start..i + end + 1].trim().to_string();
    }
    // A trailing `(file:line:col)` says where, not what.
    let trimmed = match need.rfind(" (") {
        Some(i) if need.ends_with(')') && need[i..].matches(':').count() >= 2 => &need[..i],
        _ => need,
    };
    trimmed.trim().to_string()
}

/// Splits findings into those to show one by one and the undecided ones, grouped by root cause
/// (in order of first appearance).
pub fn split(findings: &[Finding]) -> (Vec<&Finding>, Vec<(String, Vec<&Finding>)>) {
    let mut shown = Vec::new();
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    let mut by_cause: std::collections::HashMap<String, usize> = Default::default();
    for f in findings {
        let (c, needs) = certainty(f);
        if c != "undecided" || f.suppressed.is_some() {
            shown.push(f);
            continue;
        }
        let cause = needs
            .first()
            .map(|n| root_cause(n))
            .unwrap_or_else(|| "a value the input does not give".to_string());
        match by_cause.get(&cause) {
            Some(&i) => groups[i].1.push(f),
            None => {
                by_cause.insert(cause.clone(), groups.len());
                groups.push((cause, vec![f]));
            }
        }
    }
    (shown, groups)
}

/// The section of the text report for undecided findings.
pub fn render_text(groups: &[(String, Vec<&Finding>)], style: Style) -> String {
    let mut o = String::new();
    if groups.is_empty() {
        return o;
    }
    let total: usize = groups.iter().map(|(_, v)| v.len()).sum();
    let _ = writeln!(
        o,
        "{}",
        style.warn(&format!(
            "Undecided for lack of input ({}; --format json lists each with what it needs):",
            count(total as u64, "finding", "findings")
        ))
    );
    for (cause, findings) in groups {
        for (i, l) in moat_doc::render::wrap(cause, 94).iter().enumerate() {
            let _ = writeln!(o, "{}{l}", if i == 0 { "  - " } else { "    " });
        }
        let _ = writeln!(
            o,
            "    {}",
            style.dim(&format!(
                "leaves {} undecided:",
                count(findings.len() as u64, "finding", "findings")
            ))
        );
        // One line per rule and resource, with how many findings it has there.
        let mut rows: Vec<(String, usize)> = Vec::new();
        let mut row_of: std::collections::HashMap<String, usize> = Default::default();
        for f in findings {
            let name = format!("{} {}", f.code, f.resource);
            match row_of.get(&name) {
                Some(&i) => rows[i].1 += 1,
                None => {
                    row_of.insert(name.clone(), rows.len());
                    rows.push((name, 1));
                }
            }
        }
        for (name, k) in &rows {
            let times = if *k > 1 {
                format!(" ({k})")
            } else {
                String::new()
            };
            let _ = writeln!(o, "      {}", style.dim(&format!("{name}{times}")));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::root_cause;

    #[test]
    fn the_clause_that_names_the_flag() {
        assert_eq!(
            root_cause(
                "rules/AzureStorageAccount of nsg/x: resourceGroup().location: the region of the target resource group is not in the template (give it with --location) (read as Storage) (t.json:153:13)"
            ),
            "the region of the target resource group is not in the template (give it with --location)"
        );
        assert_eq!(
            root_cause("the DNS server 10.0.0.4 is not described (t.yaml:3:5)"),
            "the DNS server 10.0.0.4 is not described"
        );
        assert_eq!(root_cause("no route (a b)"), "no route (a b)");
        // A variant's question, whichever way the finding goes there.
        let q = "what storage account `st` sets `network_rules.default_action` to (parameter `da` has no value)";
        for tail in [
            ": the finding holds only if it sets `network_rules.default_action` to Allow",
            ": if it sets `network_rules.default_action` to Allow it is not established",
        ] {
            assert_eq!(root_cause(&format!("{q}{tail}")), q);
        }
        assert_eq!(
            root_cause(
                "whether `a` is deployed (count is unknown): without it it is not established"
            ),
            "whether `a` is deployed (count is unknown)"
        );
    }
}
