//! The YAML/JSON tree builder: parse, then walk every node's span; never a panic.
#![no_main]

use moat_doc::SourceFile;
use moat_doc::tree::{Limits, Node, parse};

fn walk(n: &Node, len: usize) {
    assert!(
        n.span.offset + n.span.len <= len,
        "a span runs past the end of the input"
    );
    for (k, v) in n.entries() {
        walk(k, len);
        walk(v, len);
    }
    for i in n.items() {
        walk(i, len);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let file = SourceFile::new("fuzz.yaml", text.to_string());
        let limits = Limits {
            max_nodes: 100_000,
            ..Limits::default()
        };
        if let Ok(root) = parse(&file, limits) {
            walk(&root, text.len());
            let _ = root.to_json();
        }
    }
});
