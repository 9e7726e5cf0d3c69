//! `moat exfil`: the exfiltration map of a deployment.

use crate::{BAD_INPUT, Ctx, FINDINGS, InputArgs, OK};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub struct ExfilArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Only this place (`subnet/spoke-vnet/training`, `managed-network/ws`, `workspace/ws`).
    #[arg(long)]
    place: Option<String>,
    /// Azure's service tags file (ServiceTags_Public.json).
    #[arg(long, value_name = "FILE")]
    service_tags: Option<PathBuf>,
    /// Take nothing for granted: every assumption makes the answer unknown.
    #[arg(long)]
    strict: bool,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Exit 0 even when read/write destinations are reachable (bad input still exits 2).
    #[arg(long)]
    exit_zero: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExfilFormat::Text)]
    format: ExfilFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ExfilFormat {
    Text,
    Json,
    Sarif,
    Dot,
}

/// Runs `moat exfil`.
pub fn run(args: ExfilArgs, ctx: &Ctx) -> u8 {
    let loaded = crate::input::config(&args.input)
        .and_then(|c| crate::input::load(&args.input, c.as_ref()).map(|l| (l, c)));
    let (loaded, cfg) = match loaded {
        Ok(l) => l,
        Err(e) => return bad_input(&args, &e.diagnostics, &e.sources, ctx),
    };
    crate::print_warnings(&loaded, ctx);
    let service_tags = args
        .service_tags
        .clone()
        .or(cfg.and_then(|c| c.service_tags));
    let base = match moat_engine::Engine::for_topology(&loaded.topology, service_tags.as_deref()) {
        Ok(e) => e.with_strict(args.strict),
        Err(e) => {
            eprintln!("error: cannot read the service tags file: {e}");
            return BAD_INPUT;
        }
    };
    let prepared = moat_exfil::Prepared::new(&loaded.topology);
    let engine = base.variant(&prepared.topology);
    // Every query of the map is a place's own, asked once: keeping the traces would only
    // hold them all in memory.
    let oracle =
        moat_exfil::Oracle::new(&engine, &prepared.variants, prepared.stand_ins.clone()).uncached();
    let mut places = moat_exfil::map::places(&oracle);
    if let Some(p) = &args.place {
        let known: Vec<String> = places.iter().map(|x| x.id.clone()).collect();
        places.retain(|x| &x.id == p);
        if places.is_empty() {
            eprintln!("error: --place {p}: no such place; the places are:");
            for k in known {
                eprintln!("  {k}");
            }
            return BAD_INPUT;
        }
    }
    let map = moat_exfil::ExfilMap {
        places: places
            .iter()
            .map(|p| moat_exfil::map::map_place(&oracle, p))
            .collect(),
        traces: 0,
    };
    let map = moat_exfil::ExfilMap {
        traces: *oracle.traces.borrow(),
        ..map
    };
    let report = match args.format {
        ExfilFormat::Text => moat_report::exfil::render_text(&map, ctx.style()),
        ExfilFormat::Json => serde_json::to_string_pretty(&map).unwrap_or_default() + "\n",
        ExfilFormat::Sarif => {
            moat_report::exfil::render_sarif(&map, &args.input.path.display().to_string())
        }
        ExfilFormat::Dot => moat_report::exfil::render_dot(&map),
    };
    match &args.output_file {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &report) {
                eprintln!("error: cannot write {}: {e}", p.display());
                return BAD_INPUT;
            }
        }
        None => crate::out(&report),
    }
    if map.read_write_exposed() && !args.exit_zero {
        FINDINGS
    } else {
        OK
    }
}

/// Reports an input that could not be used and returns exit 2: JSON and SARIF are complete
/// documents carrying the diagnostics (SARIF with only what the run reports: no rules), where
/// the report would go, so a CI step that uploads them never reads a missing or foreign file.
fn bad_input(
    args: &ExfilArgs,
    diagnostics: &[moat_model::Diagnostic],
    sources: &[moat_doc::SourceFile],
    ctx: &Ctx,
) -> u8 {
    let report = match args.format {
        ExfilFormat::Json => Some(crate::render::diagnostics_json(diagnostics)),
        ExfilFormat::Sarif => Some(moat_report::sarif::render_sarif(
            &[],
            &Default::default(),
            &[],
            &args.input.path.display().to_string(),
            diagnostics,
            false,
        )),
        ExfilFormat::Text | ExfilFormat::Dot => None,
    };
    crate::report_load_error(diagnostics, sources, &args.input.path, ctx);
    if let Some(report) = report {
        let report = report + "\n";
        match &args.output_file {
            Some(p) => {
                if let Err(e) = std::fs::write(p, &report) {
                    eprintln!("error: cannot write {}: {e}", p.display());
                }
            }
            None => crate::out(&report),
        }
    }
    BAD_INPUT
}
