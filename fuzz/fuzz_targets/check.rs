//! Any input that reads (native YAML, an ARM template, a Terraform file or a live export,
//! chosen by the first byte) goes through every analysis and every renderer: `check` with its
//! fixes as text, JSON and SARIF, the inventory, the DOT and Mermaid graphs, and the
//! exfiltration map as text, SARIF and DOT; never a panic.
#![no_main]

use moat_doc::{Limits, Loaded, SourceFile};
use moat_report::fixes::{FixCode, Input};
use moat_report::style::Style;

fn load(format: u8, text: &str) -> Option<Loaded> {
    match format % 4 {
        0 => {
            let topology = moat_ingest::parse_native_str("fuzz.yaml", text).ok()?;
            Some(Loaded {
                topology,
                format: "native",
                sources: vec![SourceFile::new("fuzz.yaml", text.to_string())],
                warnings: Vec::new(),
            })
        }
        1 => moat_arm::load_str("fuzz.json", text, &Default::default()).ok(),
        2 => moat_terraform::load_str("fuzz.tf", text, &Default::default()).ok(),
        _ => moat_live::load_str("fuzz.json", text, Limits::default()).ok(),
    }
}

fn check(loaded: &Loaded) {
    let t = &loaded.topology;
    let Ok(engine) = moat_engine::Engine::for_topology(t, None) else {
        return;
    };
    let sel = moat_rules::check::Selection::default();
    let cx = moat_rules::Context::new(&engine);
    let variants = moat_model::presence::variants(t);
    let findings = moat_rules::check::run_variants(&cx, &variants, &sel);
    let fixes = FixCode::of(
        &findings,
        &Input {
            format: loaded.format,
            sources: &loaded.sources,
            topology: t,
        },
    );
    let summary = moat_rules::check::summary(&findings);
    let style = Style::default();
    let _ = moat_report::check::render_text(&findings, &fixes, style, true);
    let _ = moat_report::check::render_json(&findings, &fixes, &summary, &loaded.warnings);
    let docs: Vec<_> = moat_rules::all().into_iter().map(|r| r.doc()).collect();
    let _ =
        moat_report::sarif::render_sarif(&findings, &fixes, &docs, "fuzz", &loaded.warnings, true);
    let (_, groups) = moat_report::needs::split(&findings);
    let _ = moat_report::needs::render_text(&groups, style);
    let _ = moat_report::show::render_text(&moat_report::show::inventory(t, loaded.format), style);
    let _ = moat_report::graph::dot(t);
    let _ = moat_report::graph::mermaid(t);
}

fn exfil(t: &moat_model::Topology) {
    let Ok(base) = moat_engine::Engine::for_topology(t, None) else {
        return;
    };
    let prepared = moat_exfil::Prepared::new(t);
    let engine = base.variant(&prepared.topology);
    let oracle =
        moat_exfil::Oracle::new(&engine, &prepared.variants, prepared.stand_ins.clone()).uncached();
    let map = moat_exfil::ExfilMap {
        places: moat_exfil::map::places(&oracle)
            .iter()
            .map(|p| moat_exfil::map::map_place(&oracle, p))
            .collect(),
        traces: 0,
    };
    let _ = moat_report::exfil::render_text(&map, Style::default());
    let _ = moat_report::exfil::render_sarif(&map, "fuzz");
    let _ = moat_report::exfil::render_dot(&map);
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [format, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Some(loaded) = load(*format, text) else {
        return;
    };
    check(&loaded);
    exfil(&loaded.topology);
});
