//! The diagnostic renderer on arbitrary text and positions: never a panic, snippets never wider
//! than their window, one entry per diagnostic up to the cap and a count of the rest.

use moat_doc::render::{Options, text};
use moat_doc::{LoadError, SourceFile, Span};
use proptest::prelude::*;

fn diagnostic(file: &SourceFile, offset: usize, len: usize) -> moat_model::Diagnostic {
    let mut d = LoadError::at_path("syntax", "bad", std::path::Path::new(&file.name), None)
        .diagnostics
        .remove(0);
    d.location = file.location(Span { offset, len });
    d
}

proptest! {
    #[test]
    fn renders_any_position_of_any_text(
        body in "(\\PC|\t|\r|\n){0,400}",
        long in 0usize..3,
        spots in proptest::collection::vec((0usize..1000, 0usize..300), 1..30),
        width in 1usize..200,
    ) {
        // Some inputs get one very long line, as minified templates have.
        let body = format!("{}{body}", "x".repeat(long * 70_000));
        let file = SourceFile::new("p.json", body.clone());
        let diags: Vec<_> = spots
            .iter()
            .map(|&(o, l)| diagnostic(&file, (o * 97) % (body.len() + 3), l))
            .collect();
        let opts = Options { width, max_per_file: 10, ..Options::default() };
        let out = text(&diags, &[file], opts);
        prop_assert_eq!(out.matches(": error[syntax]: bad").count(), diags.len().min(10));
        if diags.len() > 10 {
            let more = format!("p.json: and {} more", diags.len() - 10);
            prop_assert!(out.contains(&more));
        }
        for l in out.lines().filter(|l| l.contains('│')) {
            prop_assert!(l.chars().count() <= width + 12, "too wide: {}", l);
        }
    }
}
