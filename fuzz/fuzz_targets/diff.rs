//! A bundled example changed anywhere, any way (as in `native_reread`), compared with itself
//! as `moat diff` compares BASE and HEAD; the diff rendered as text, JSON and SARIF. Never a
//! panic.
#![no_main]

use moat_diff::Snapshot;
use moat_doc::SourceFile;
use moat_model::Topology;
use moat_report::fixes::{FixCode, Input};

const BASE: &str = include_str!("../../examples/isolated-clients/topology.yaml");

fn analysed(
    e: &moat_engine::Engine,
    t: &Topology,
) -> (Snapshot, Vec<moat_model::presence::Variant>) {
    let variants = moat_model::presence::variants(t);
    let sel = moat_rules::check::Selection::default();
    (moat_diff::analyse(e, &variants, &sel), variants)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Two bytes of place, one of length removed, the rest written there.
    let [hi, lo, cut, rest @ ..] = data else {
        return;
    };
    let Ok(insert) = std::str::from_utf8(rest) else {
        return;
    };
    let mut at = (usize::from(*hi) << 8 | usize::from(*lo)) % (BASE.len() + 1);
    while !BASE.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + usize::from(*cut)).min(BASE.len());
    while !BASE.is_char_boundary(end) {
        end -= 1;
    }
    let head = format!("{}{insert}{}", &BASE[..at], &BASE[end..]);
    let base_t = moat_ingest::parse_native_str("base.yaml", BASE).expect("the example reads");
    let Ok(head_t) = moat_ingest::parse_native_str("head.yaml", &head) else {
        return;
    };
    let (Ok(be), Ok(he)) = (
        moat_engine::Engine::for_topology(&base_t, None),
        moat_engine::Engine::for_topology(&head_t, None),
    ) else {
        return;
    };
    let (mut b, bv) = analysed(&be, &base_t);
    let (mut h, hv) = analysed(&he, &head_t);
    let (rb, rh) = moat_diff::requests(&b, &h);
    moat_diff::fill(&be, &bv, &mut b.reach, &rb);
    moat_diff::fill(&he, &hv, &mut h.reach, &rh);
    let new = moat_diff::new_in_head(&b.findings, &h.findings);
    let sources = [SourceFile::new("head.yaml", head.clone())];
    let fixes = FixCode::of_shown(
        &h.findings,
        &Input {
            format: "native",
            sources: &sources,
            topology: &head_t,
        },
        &new,
    );
    let d = moat_diff::compare(&b, &h);
    let _ = moat_report::diff::render_text_with_fixes(&d, &fixes, Default::default());
    let _ = moat_report::diff::render_json_with_fixes(&d, &fixes, &[]);
    let docs: Vec<_> = moat_rules::all().into_iter().map(|r| r.doc()).collect();
    let _ = moat_report::diff::render_sarif_with_fixes(&d, &fixes, &docs, "head.yaml", &[]);
});
