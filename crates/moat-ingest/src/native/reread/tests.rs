//! A changed copy read by [`read_like`] must read exactly as the whole copy does: the same
//! resources at the same positions, the same errors, the same skeleton. Every bundled example
//! is changed line by line in several ways; where `read_like` bounds a change, its read is
//! compared with the whole file's.

use super::*;
use crate::native::read_streaming;

fn example(name: &str) -> String {
    let path = format!(
        "{}/../../examples/{name}/topology.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).expect("bundled example")
}

const EXAMPLES: &[&str] = &[
    "hub-spoke-firewall",
    "exfiltration-prevention",
    "private-registry",
    "secure-workspace-public-registry",
    "workspace-private-endpoint",
];

fn earlier_of(text: &str) -> Earlier {
    let file = SourceFile::new("base.yaml", text.to_string());
    let (_, earlier) = read_keeping(&file, Limits::default()).expect("the example parses");
    earlier.expect("the example can be read again")
}

/// Everything a read gives, as text: equal text is an equal read.
fn described(p: &Partial) -> String {
    format!(
        "{}\n{:?}\n{:?}\n{:?}",
        serde_json::to_string(&p.topology).expect("a topology serialises"),
        p.errors,
        p.failed,
        p.skeleton
    )
}

/// Reads `new` both ways; whether `read_like` bounded the change.
fn same_read(old: &str, new: &str) -> bool {
    let file = SourceFile::new("head.yaml", new.to_string());
    let Some(like) = read_like(&file, Limits::default(), earlier_of(old)) else {
        return false;
    };
    let whole = read_streaming(&file, Limits::default()).unwrap_or_else(|e| {
        panic!(
            "the copy does not parse ({} at {}), yet was read by parts:\n{}",
            e.message,
            e.location.line,
            changed_lines(old, new)
        )
    });
    let (x, y) = (described(&like), described(&whole));
    if x != y {
        let at = x.bytes().zip(y.bytes()).take_while(|(a, b)| a == b).count();
        let around = |s: &str| s[at.saturating_sub(300)..(at + 200).min(s.len())].to_string();
        panic!(
            "read by parts differs from the whole read\nby parts: …{}…\nwhole:    …{}…\nof:\n{}",
            around(&x),
            around(&y),
            changed_lines(old, new)
        );
    }
    true
}

/// The lines around the first difference of two texts, for a failure's message.
fn changed_lines(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(3);
    format!(
        "line {}:\n--- before\n{}\n--- after\n{}",
        i + 1,
        a[from..(i + 4).min(a.len())].join("\n"),
        b[from..(i + 4).min(b.len())].join("\n")
    )
}

/// The ways a line is changed: edits of a value, lines added and removed, indentation.
fn edits(lines: &[&str], i: usize) -> Vec<String> {
    let join = |v: Vec<&str>| v.join("\n") + "\n";
    let mut out = Vec::new();
    let line = lines[i];
    let mut with = |new: Option<String>, extra: Option<&str>, drop: bool| {
        let mut v: Vec<&str> = Vec::new();
        let mut owned = None;
        for (j, l) in lines.iter().enumerate() {
            if j == i {
                if let Some(x) = extra {
                    v.push(x);
                }
                if drop {
                    continue;
                }
                if let Some(n) = &new {
                    owned = Some(n.clone());
                    v.push("\u{0}");
                    continue;
                }
            }
            v.push(l);
        }
        let text = join(v);
        out.push(match owned {
            Some(n) => text.replacen('\u{0}', &n, 1),
            None => text,
        });
    };
    // A digit or a letter changed, a word appended.
    if let Some(p) = line.find(|c: char| c.is_ascii_digit()) {
        let mut s = line.to_string();
        let d = if &line[p..=p] == "7" { "3" } else { "7" };
        s.replace_range(p..=p, d);
        with(Some(s), None, false);
    }
    with(Some(format!("{line}x")), None, false);
    // The line removed, doubled, indented, a comment or a blank line before it.
    with(None, None, true);
    with(None, Some(line), false);
    with(Some(format!("  {line}")), None, false);
    with(None, Some("# a note"), false);
    with(None, Some(""), false);
    out
}

#[test]
fn every_bounded_change_reads_as_the_whole_file() {
    let mut bounded = 0;
    let mut all = 0;
    for name in EXAMPLES {
        let old = example(name);
        let lines: Vec<&str> = old.lines().collect();
        // Every other line: both kinds of line of each list (items' first lines and the
        // lines within them) are met many times over.
        for i in (0..lines.len()).step_by(2) {
            for new in edits(&lines, i) {
                all += 1;
                bounded += usize::from(same_read(&old, &new));
            }
        }
    }
    // Many changes fall inside a list's items (others break the YAML, or touch comments and
    // top-level keys): the test must exercise the bounded read.
    assert!(
        bounded * 3 > all,
        "only {bounded} of {all} changes were read by parts"
    );
}

#[test]
fn an_unchanged_copy_reads_by_parts() {
    let old = example("hub-spoke-firewall");
    assert!(same_read(&old, &old));
}

#[test]
fn a_rule_added_to_a_security_group_reads_by_parts() {
    let old = example("hub-spoke-firewall");
    let (at, _) = old
        .match_indices("\n    rules:\n")
        .next()
        .expect("the example has NSG rules");
    let at = at + "\n    rules:\n".len();
    let mut new = old.clone();
    new.insert_str(
        at,
        "      - { name: deny-https, priority: 105, direction: Outbound, access: Deny, protocol: Tcp, destination: 10.0.0.0/8, destination_ports: 443 }\n",
    );
    assert!(same_read(&old, &new));
}

#[test]
fn a_changed_top_level_key_reads_the_whole_file() {
    let old = example("hub-spoke-firewall");
    let new = old.replacen("network_security_groups:", "network_security_groups: \n", 1);
    let file = SourceFile::new("head.yaml", new);
    assert!(read_like(&file, Limits::default(), earlier_of(&old)).is_none());
}

#[test]
fn anchors_and_json_keep_nothing() {
    let anchored = "virtual_networks:\n  - &v { name: a, address_space: [10.0.0.0/16] }\n";
    let file = SourceFile::new("a.yaml", anchored.to_string());
    assert!(read_keeping(&file, Limits::default()).unwrap().1.is_none());
    let json = "{\"virtual_networks\": [{\"name\": \"a\", \"address_space\": [\"10.0.0.0/16\"]}]}";
    let file = SourceFile::new("a.json", json.to_string());
    assert!(read_keeping(&file, Limits::default()).unwrap().1.is_none());
}

/// The block-wise counts of bytes alike at either end are the byte-by-byte counts, where the
/// texts part inside a block, at its edges, and not at all.
#[test]
fn common_ends_are_counted_as_byte_by_byte() {
    let naive_prefix = |a: &[u8], b: &[u8]| a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let naive_suffix = |a: &[u8], b: &[u8]| {
        a.iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
    };
    let base: Vec<u8> = (0..1500u32).map(|i| b'a' + (i % 26) as u8).collect();
    for at in [0, 1, 255, 256, 257, 511, 512, 700, 1023, 1024, 1499] {
        for len_change in [0usize, 1, 300] {
            let mut other = base.clone();
            other[at] = b'#';
            other.extend(std::iter::repeat_n(b'z', len_change));
            for (a, b) in [(&base, &other), (&other, &base)] {
                assert_eq!(
                    super::common_prefix(a, b),
                    naive_prefix(a, b),
                    "{at} {len_change}"
                );
                assert_eq!(
                    super::common_suffix(a, b),
                    naive_suffix(a, b),
                    "{at} {len_change}"
                );
            }
        }
    }
    assert_eq!(super::common_prefix(&base, &base), base.len());
    assert_eq!(super::common_suffix(&base, &base), base.len());
    assert_eq!(super::common_prefix(b"", &base), 0);
    assert_eq!(super::common_suffix(&base, b""), 0);
}

/// YAML breaks lines at a carriage return too: a changed line holding one reads by parts as
/// the whole copy does, or is read whole.
#[test]
fn a_carriage_return_in_a_changed_line_reads_as_the_whole_file() {
    let old = example("hub-spoke-firewall");
    let new = old.replacen(
        "enable_node_public_ip: false }",
        "enable_node_pu\r\r\r\r\u{1d}Z#e }",
        1,
    );
    assert_ne!(new, old);
    same_read(&old, &new);
}
