//! Diagnostic rendering: any text, any position and length, any line length; never a panic,
//! and a snippet never wider than its window.
#![no_main]

use moat_doc::SourceFile;
use moat_doc::render::{Options, text};
use moat_doc::tree::{Limits, parse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let file = SourceFile::new("fuzz.json", body.to_string());
    // The parser's own diagnostic, and one at a position and length taken from the input.
    let mut diags = Vec::new();
    if let Err(d) = parse(&file, Limits::default()) {
        diags.push(d);
    }
    let mut d = moat_doc::LoadError::at_path("x", "m", std::path::Path::new("fuzz.json"), None)
        .diagnostics
        .remove(0);
    let offset = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    d.location = file.location(moat_doc::Span {
        offset: offset % (body.len() + 2),
        len: u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize,
    });
    diags.push(d);
    let opts = Options {
        width: 1 + head[0] as usize % 160,
        ..Options::default()
    };
    let out = text(&diags, &[file], opts);
    for l in out.lines().filter(|l| l.contains('│')) {
        assert!(l.chars().count() <= opts.width + 16, "a snippet line past its window: {l}");
    }
});
