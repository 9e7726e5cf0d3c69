//! No input makes the reader panic: mutated examples and random text give a topology or
//! located diagnostics (the in-tree counterpart of the `fuzz/` targets).

use proptest::prelude::*;

fn examples() -> Vec<String> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("topology.yaml")).ok())
        .collect();
    v.sort();
    v
}

fn check(text: &str) {
    if let Err(diags) = moat_ingest::parse_native_str("m.yaml", text) {
        assert!(!diags.is_empty());
        for d in diags {
            assert!(d.location.offset <= text.len(), "{d:?}");
            assert!(
                d.location.line >= 1 || text.is_empty() || d.location.offset == 0,
                "{d:?}"
            );
        }
    }
}

fn live_examples() -> Vec<String> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("live/resources.json")).ok())
        .collect();
    v.sort();
    v
}

/// The live-export reader: a topology or located diagnostics.
fn check_live(text: &str) {
    if let Err(e) = moat_live::load_str("m.json", text, moat_doc::Limits::default()) {
        assert!(!e.diagnostics.is_empty());
        for d in e.diagnostics {
            assert!(d.location.offset <= text.len(), "{d:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_examples(which in 0usize..9, edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, "[ -~\\n\\t]{0,6}"), 1..6)) {
        let all = examples();
        let mut text = all[which % all.len()].clone();
        for (at, kind, piece) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            match kind {
                0 => text.insert_str(i, &piece),
                1 => { let end = (i + piece.len()).min(text.len()); let mut e = end; while !text.is_char_boundary(e) { e -= 1; } text.replace_range(i..e, ""); }
                2 => { let end = (i + piece.len()).min(text.len()); let mut e = end; while !text.is_char_boundary(e) { e -= 1; } text.replace_range(i..e, &piece); }
                _ => text.insert_str(i, "\n  - {"),
            }
        }
        check(&text);
    }

    #[test]
    fn mutated_live_exports(which in 0usize..9, edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[ -~\\n]{0,6}|null|\"type\"|\"properties\"|\\{\\}|\\[\\]"), 1..6)) {
        let all = live_examples();
        let mut text = all[which % all.len()].clone();
        for (at, kind, piece) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            let end = (i + piece.len()).min(text.len());
            let mut e = end;
            while !text.is_char_boundary(e) { e -= 1; }
            match kind {
                0 => text.insert_str(i, &piece),
                1 => text.replace_range(i..e, ""),
                _ => text.replace_range(i..e, &piece),
            }
        }
        check_live(&text);
    }

    #[test]
    fn random_yamlish_text(text in "([a-z_]{1,8}: |- |\\[|\\]|\\{|\\}|, |\\n|  |\"|'|&a |\\*a|10\\.0\\.0\\.0/16|[0-9]{1,4}|#){0,60}") {
        check(&text);
    }
}
