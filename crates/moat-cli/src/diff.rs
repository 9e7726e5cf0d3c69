//! `moat diff BASE HEAD`: what a change does to a deployment. Both sides are read with the
//! same options (any input kind each) and analysed at once, one thread each; `--base-ref`
//! reads BASE from git.

use crate::check::{SeverityArg, selected_docs, selection, suppress};
use crate::config::Config;
use crate::{BAD_INPUT, Ctx, FINDINGS, InputArgs, OK};
use clap::{Args, ValueEnum};
use moat_diff::Snapshot;
use moat_doc::SourceFile;
use moat_model::{Diagnostic, Location};
use std::path::{Path, PathBuf};

#[derive(Args)]
#[command(mut_arg("path", |a| a
    .value_name("BASE")
    .index(1)
    .help("A topology file or a directory of them, of any input kind; with --base-ref, \
           HEAD (BASE is the same path at that revision)")))]
pub struct DiffArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The changed deployment (any input kind).
    #[arg(value_name = "HEAD", index = 2)]
    head: Option<PathBuf>,
    /// Read BASE from git: the input's path as it was at this revision (a branch, tag or
    /// commit).
    #[arg(long, value_name = "GIT_REF")]
    base_ref: Option<String>,
    /// Only these codes or prefixes (comma-separated: REG,WS001).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these codes or prefixes.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// The lowest severity of a new finding that fails the run [default: warning, or
    /// moat.toml's].
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// Azure's service tags file (ServiceTags_Public.json).
    #[arg(long, value_name = "FILE")]
    service_tags: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Output format (SARIF holds the new findings only).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    Text,
    Json,
    Sarif,
}

/// One side analysed, with the input's warnings.
struct Side {
    snapshot: Snapshot,
    warnings: Vec<Diagnostic>,
    sources: Vec<SourceFile>,
}

/// Why a side could not be analysed: its diagnostics and the files they point into.
struct Failure {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<SourceFile>,
}

impl From<moat_doc::LoadError> for Failure {
    fn from(e: moat_doc::LoadError) -> Failure {
        Failure {
            diagnostics: e.diagnostics,
            sources: e.sources,
        }
    }
}

/// The configuration of one side (its own `moat.toml`, or `--config`).
fn config(input: &InputArgs) -> Result<Config, Failure> {
    Ok(crate::input::config(input)?.unwrap_or_default())
}

/// Reads and analyses one side with its configuration `cfg` (what to read, what it
/// suppresses); `sel` and `service_tags` are the same for both sides.
fn side(
    input: &InputArgs,
    cfg: &Config,
    sel: &moat_rules::check::Selection,
    service_tags: Option<&Path>,
) -> Result<Side, Failure> {
    let loaded = crate::input::load(input, Some(cfg))?;
    let unknown = moat_rules::check::unknown_suppressions(&loaded.topology);
    if !unknown.is_empty() {
        return Err(Failure {
            diagnostics: unknown,
            sources: loaded.sources,
        });
    }
    let engine =
        moat_engine::Engine::for_topology(&loaded.topology, service_tags).map_err(|e| Failure {
            diagnostics: vec![Diagnostic::error(
                "service-tags",
                format!("cannot read the service tags file: {e}"),
                Location {
                    file: service_tags
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    ..Default::default()
                },
            )],
            sources: Vec::new(),
        })?;
    let variants = moat_model::presence::variants(&loaded.topology);
    let mut snapshot = moat_diff::analyse(&engine, &variants, sel);
    suppress(&cfg.suppress, &mut snapshot.findings);
    Ok(Side {
        snapshot,
        warnings: loaded.warnings,
        sources: loaded.sources,
    })
}

/// Runs `moat diff`.
pub fn run(args: DiffArgs, ctx: &Ctx) -> u8 {
    for p in args.select.iter().chain(&args.ignore) {
        if let Some(hint) = crate::config::unknown_code(p) {
            eprintln!("error: `{p}` matches no rule code; {hint}");
            return BAD_INPUT;
        }
    }
    // BASE: the first path, or HEAD's path at a revision.
    let mut checkout = None;
    let (base, head) = match (&args.base_ref, &args.head) {
        (Some(rev), None) => {
            let c = match crate::gitref::checkout(&args.input.path, rev) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: --base-ref {rev}: {e}");
                    return BAD_INPUT;
                }
            };
            let mut base = args.input.clone();
            base.path = c.path.clone();
            checkout = Some(c);
            (base, args.input.clone())
        }
        (Some(_), Some(_)) => {
            eprintln!(
                "error: with --base-ref, give only HEAD (BASE is HEAD's path at the revision)"
            );
            return BAD_INPUT;
        }
        (None, Some(head)) => {
            let mut h = args.input.clone();
            h.path = head.clone();
            (args.input.clone(), h)
        }
        (None, None) => {
            eprintln!("error: give BASE and HEAD, or HEAD and --base-ref GIT_REF");
            return BAD_INPUT;
        }
    };
    let base_label = checkout.as_ref();
    let shown_base =
        base_label.map_or_else(|| base.path.display().to_string(), |c| c.label.clone());
    let shown_head = head.path.display().to_string();
    // The rules, threshold and service tags that judge the change are HEAD's.
    let configs = (config(&base), config(&head));
    let (bcfg, hcfg) = match configs {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => {
            return failed(
                &args,
                vec![(b.err(), &shown_base), (h.err(), &shown_head)],
                ctx,
            );
        }
    };
    let sel = selection(&args.select, &args.ignore, &hcfg);
    let threshold = SeverityArg::threshold(args.severity, &hcfg);
    let tags = args.service_tags.clone().or(hcfg.service_tags.clone());
    // The two sides share nothing: each is read and analysed on its own thread.
    let (b, h) = std::thread::scope(|s| {
        let b = s.spawn(|| side(&base, &bcfg, &sel, tags.as_deref()));
        let h = side(&head, &hcfg, &sel, tags.as_deref());
        (b.join(), h)
    });
    let Ok(b) = b else {
        eprintln!("error: the analysis of BASE stopped");
        return BAD_INPUT;
    };
    let (mut b, h) = match (b, h) {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => {
            return failed(
                &args,
                vec![(b.err(), &shown_base), (h.err(), &shown_head)],
                ctx,
            );
        }
    };
    if let Some(c) = base_label {
        b.snapshot.rename_files(|f| c.rename(f));
    }
    let diff = moat_diff::compare(&b.snapshot, &h.snapshot);
    if !ctx.quiet && args.format == DiffFormat::Text {
        for s in [&b, &h] {
            if !s.warnings.is_empty() {
                eprint!(
                    "{}",
                    crate::render::diagnostics_text(&s.warnings, &s.sources, ctx.color)
                );
            }
        }
    }
    let warnings: Vec<Diagnostic> = b.warnings.iter().chain(&h.warnings).cloned().collect();
    let report = match args.format {
        DiffFormat::Text => moat_report::diff::render_text(&diff, ctx.style()),
        DiffFormat::Json => moat_report::diff::render_json(&diff, &warnings) + "\n",
        DiffFormat::Sarif => {
            moat_report::diff::render_sarif(&diff, &selected_docs(&sel), &shown_head, &warnings)
                + "\n"
        }
    };
    if let Err(code) = emit(&args, &report) {
        return code;
    }
    if diff.failing(threshold).next().is_some() {
        FINDINGS
    } else {
        OK
    }
}

/// Reports the sides that could not be read (text on standard error; JSON and SARIF as
/// complete documents carrying the diagnostics) and returns exit 2.
fn failed(args: &DiffArgs, sides: Vec<(Option<Failure>, &String)>, ctx: &Ctx) -> u8 {
    let mut all = Vec::new();
    for (f, shown) in sides {
        if let Some(f) = f {
            crate::report_load_error(&f.diagnostics, &f.sources, Path::new(shown), ctx);
            all.extend(f.diagnostics);
        }
    }
    let report = match args.format {
        DiffFormat::Text => return BAD_INPUT,
        DiffFormat::Json => crate::render::diagnostics_json(&all),
        DiffFormat::Sarif => moat_report::sarif::render_sarif(
            &[],
            &[],
            &args.input.path.display().to_string(),
            &all,
            false,
        ),
    };
    let _ = emit(args, &(report + "\n"));
    BAD_INPUT
}

/// Where the report goes: standard output, or the file of `--output-file`.
fn emit(args: &DiffArgs, report: &str) -> Result<(), u8> {
    match &args.output_file {
        None => {
            crate::out(report);
            Ok(())
        }
        Some(p) => std::fs::write(p, report).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", p.display());
            BAD_INPUT
        }),
    }
}
