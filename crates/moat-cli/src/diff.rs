//! `moat diff BASE HEAD`: what a change does to a deployment. Both sides are read with the
//! same options (any input kind each) and analysed at once, one thread each; HEAD's subnet
//! sweep traces again only where the change can matter. `--base-ref` reads BASE from git.

use crate::check::{SeverityArg, selected_docs, selection, suppress};
use crate::config::Config;
use crate::{BAD_INPUT, Ctx, FINDINGS, InputArgs, OK};
use clap::{Args, ValueEnum};
use moat_diff::flows::reachability_with;
use moat_diff::{Reachability, Request, Snapshot};
use moat_doc::SourceFile;
use moat_engine::reads::Traces;
use moat_engine::sweep::{Memo, Recorded};
use moat_model::Topology;
use moat_model::{Diagnostic, Location};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

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
    /// Fail on undecided new findings, and on flows to the internet or a Storage tag that may
    /// have opened, too; by default only decided findings and flows that surely open fail the
    /// run [default: moat.toml's fail-on-undecided, else off].
    #[arg(long)]
    fail_on_undecided: bool,
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
    /// Each finding's fix as code, in this side's input language.
    fixes: moat_report::fixes::FixCode,
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

/// A side's thread: it answers with its analysis, then traces what the comparison asks
/// (in the reachability it is handed back, moved rather than copied) and answers with it
/// completed. Its engine lives only there.
struct Worker {
    answer: Receiver<Result<Side, Failure>>,
    ask: Sender<Ask>,
    filled: Receiver<Filled>,
}

/// What a side hands back: its completed reachability, the fixes of the findings the report
/// shows, and the findings it was lent to render them.
type Filled = (
    Reachability,
    moat_report::fixes::FixCode,
    Vec<moat_rules::Finding>,
);

/// What the comparison asks of a side: the flows to trace (in its reachability, handed back),
/// which of its findings the report shows (HEAD's new ones not suppressed) and which it
/// lists (HEAD's new ones), whose fixes it renders (its findings are handed back for that,
/// moved rather than copied).
struct Ask {
    requests: Vec<Request>,
    reach: Reachability,
    shown: Vec<bool>,
    asked: Vec<bool>,
    findings: Vec<moat_rules::Finding>,
}

/// What a side is read and judged with: its input and configuration (what to read, what it
/// suppresses); the rules and service tags are the same for both sides.
struct Job<'a> {
    input: &'a InputArgs,
    cfg: &'a Config,
    sel: &'a moat_rules::check::Selection,
    service_tags: Option<&'a Path>,
    sweep: Sweep,
    reread: Reread,
}

/// What BASE's read leaves for HEAD's (see [`moat_ingest::Reread`]): BASE fills the slot and
/// says when it is done; HEAD waits for that before it reads, taking what the slot holds.
enum Reread {
    Keep(Slot, Sender<()>),
    Take(Slot, Receiver<()>),
    /// Each side reads alone.
    Alone,
}

type Slot = Arc<std::sync::Mutex<Option<moat_ingest::native::reread::Earlier>>>;

/// BASE's model and the traces its findings and operations ran, handed to HEAD.
type BaseTraces = (Arc<Topology>, Arc<Traces>);

/// A side's part in the incremental analysis: BASE records the traces of its findings and
/// operations and hands them over, then those of its subnet sweep; HEAD takes each where
/// the change cannot have altered it ([`moat_diff::changed`]) and traces the rest.
enum Sweep {
    Record {
        traces: Sender<BaseTraces>,
        sweep: Sender<Recorded>,
    },
    Reuse {
        traces: Receiver<BaseTraces>,
        sweep: Receiver<Recorded>,
    },
}

impl Worker {
    fn spawn<'s>(s: &'s std::thread::Scope<'s, '_>, job: Job<'s>) -> Worker {
        let (answer_tx, answer) = channel();
        let (ask, ask_rx) = channel::<Ask>();
        let (filled_tx, filled) = channel();
        s.spawn(move || {
            let reread = match job.reread {
                Reread::Keep(slot, done) => {
                    let r = moat_ingest::Reread {
                        keep: Some(slot),
                        earlier: None,
                    };
                    (r, Some(done))
                }
                Reread::Take(slot, done) => {
                    // BASE may fail before it reads: then nothing is left, and this reads alone.
                    let _ = done.recv();
                    let r = moat_ingest::Reread {
                        keep: None,
                        earlier: Some(slot),
                    };
                    (r, None)
                }
                Reread::Alone => (moat_ingest::Reread::default(), None),
            };
            let read = crate::input::load_rereading(job.input, Some(job.cfg), reread.0);
            // HEAD reads once this read is done, whatever it left.
            drop(reread.1);
            let mut loaded = match read {
                Ok(l) => l,
                Err(e) => {
                    let _ = answer_tx.send(Err(e.into()));
                    return;
                }
            };
            let unknown = moat_rules::check::unknown_suppressions(&loaded.topology);
            if !unknown.is_empty() {
                let _ = answer_tx.send(Err(Failure {
                    diagnostics: unknown,
                    sources: loaded.sources,
                }));
                return;
            }
            let topology = Arc::new(std::mem::take(&mut loaded.topology));
            let engine = match moat_engine::Engine::for_topology(&topology, job.service_tags) {
                Ok(e) => e,
                Err(e) => {
                    let _ = answer_tx.send(Err(Failure {
                        diagnostics: vec![Diagnostic::error(
                            "service-tags",
                            format!("cannot read the service tags file: {e}"),
                            Location {
                                file: job
                                    .service_tags
                                    .map(|p| p.display().to_string())
                                    .unwrap_or_default(),
                                ..Default::default()
                            },
                        )],
                        sources: Vec::new(),
                    }));
                    return;
                }
            };
            let variants = moat_model::presence::variants(&topology);
            let ((findings, operations), reach) = match job.sweep {
                Sweep::Record { traces, sweep } => {
                    let (findings, operations, recorded) =
                        moat_diff::judge_recording(&engine, &variants, job.sel, Vec::new());
                    let _ = traces.send((topology.clone(), Arc::new(recorded)));
                    let mut rec = Recorded::default();
                    let reach = reachability_with(&engine, &variants, Memo::Record(&mut rec));
                    let _ = sweep.send(rec);
                    ((findings, operations), reach)
                }
                Sweep::Reuse { traces, sweep } => {
                    // BASE may have failed: then there is nothing to take.
                    let touched = traces
                        .recv()
                        .ok()
                        .and_then(|(t, rec)| moat_diff::changed::reuse(&engine, &t, rec));
                    let judged = moat_diff::judge(&engine, &variants, job.sel, Vec::new());
                    let base = sweep.recv().ok();
                    let memo = match (&base, &touched) {
                        (Some(rec), Some(touched)) => Memo::Reuse { base: rec, touched },
                        _ => Memo::Off,
                    };
                    (judged, reachability_with(&engine, &variants, memo))
                }
            };
            let mut snapshot = Snapshot {
                findings,
                operations,
                reach,
            };
            suppress(&job.cfg.suppress, &mut snapshot.findings);
            let side = Side {
                snapshot,
                fixes: moat_report::fixes::FixCode::default(),
                warnings: loaded.warnings.clone(),
                sources: loaded.sources.clone(),
            };
            if answer_tx.send(Ok(side)).is_err() {
                return;
            }
            // The other side may have failed: then nothing is asked.
            let Ok(Ask {
                requests,
                mut reach,
                shown,
                asked,
                findings,
            }) = ask_rx.recv()
            else {
                return;
            };
            moat_diff::fill(&engine, &variants, &mut reach, &requests);
            // HEAD's new findings carry their fix as code, rendered from this side's input;
            // an edit several findings share goes with a new one, the one the report shows.
            let fixes = if !shown.contains(&true) {
                moat_report::fixes::FixCode::default()
            } else {
                moat_report::fixes::FixCode::of_shown_for(
                    &findings,
                    &moat_report::fixes::Input {
                        format: loaded.format,
                        sources: &loaded.sources,
                        topology: &topology,
                    },
                    &shown,
                    &asked,
                )
            };
            let _ = filled_tx.send((reach, fixes, findings));
            // The process ends soon after: what the side built is left to it, not freed piece
            // by piece.
            crate::exit_keeping(engine);
            crate::exit_keeping((topology, loaded, variants));
        });
        Worker {
            answer,
            ask,
            filled,
        }
    }
}

/// Runs `moat diff`.
pub fn run(args: DiffArgs, ctx: &Ctx) -> u8 {
    crate::keep_freed_pages();
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
    let shown_base = checkout
        .as_ref()
        .map_or_else(|| base.path.display().to_string(), |c| c.label.clone());
    let shown_head = head.path.display().to_string();
    // The rules, threshold and service tags that judge the change are HEAD's.
    // A copy at a revision has no `.git` to stop the search for `moat.toml`: its root does.
    let base_cfg = match &checkout {
        Some(c) => crate::input::config_within(&base, c.root())
            .map(Option::unwrap_or_default)
            .map_err(Failure::from),
        None => config(&base),
    };
    let (bcfg, hcfg) = match (base_cfg, config(&head)) {
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
    // Each side is read and analysed on its own thread (HEAD's subnet sweep taking BASE's
    // recorded traces where the change allows), which then traces the pairs whose verdicts
    // differ.
    let sides = std::thread::scope(|s| {
        let job = |input, cfg, sweep, reread| Job {
            input,
            cfg,
            sel: &sel,
            service_tags: tags.as_deref(),
            sweep,
            reread,
        };
        // HEAD reads after BASE only where it can take what BASE parsed: one YAML file each.
        let slot: Slot = Default::default();
        let (read, base_read) = channel();
        let yaml = |p: &Path| {
            p.is_file()
                && p.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")
                })
        };
        let (keep, take) = if yaml(&base.path) && yaml(&head.path) {
            (
                Reread::Keep(slot.clone(), read),
                Reread::Take(slot, base_read),
            )
        } else {
            (Reread::Alone, Reread::Alone)
        };
        let (traces, take_traces) = channel();
        let (sweep, take_sweep) = channel();
        let bw = Worker::spawn(s, job(&base, &bcfg, Sweep::Record { traces, sweep }, keep));
        let reuse = Sweep::Reuse {
            traces: take_traces,
            sweep: take_sweep,
        };
        let hw = Worker::spawn(s, job(&head, &hcfg, reuse, take));
        let stopped = || Failure {
            diagnostics: vec![Diagnostic::error(
                "internal",
                "the analysis stopped".to_string(),
                Location::default(),
            )],
            sources: Vec::new(),
        };
        let b = bw.answer.recv().unwrap_or_else(|_| Err(stopped()));
        let h = hw.answer.recv().unwrap_or_else(|_| Err(stopped()));
        let (mut b, mut h) = match (b, h) {
            (Ok(b), Ok(h)) => (b, h),
            (b, h) => return Err((b.err(), h.err())),
        };
        let (mut rb, mut rh) = moat_diff::requests(&b.snapshot, &h.snapshot);
        // SARIF shows no flows: the changed flows are traced only where a side lacks a
        // verdict (the exit status reads it), not for their hops.
        if args.format == DiffFormat::Sarif {
            rb = moat_diff::verdicts_only(&b.snapshot.reach, rb);
            rh = moat_diff::verdicts_only(&h.snapshot.reach, rh);
        }
        let (xb, xh) = (
            std::mem::take(&mut b.snapshot.reach),
            std::mem::take(&mut h.snapshot.reach),
        );
        let new = moat_diff::new_in_head(&b.snapshot.findings, &h.snapshot.findings);
        let shown: Vec<bool> = (h.snapshot.findings.iter().zip(&new))
            .map(|(f, new)| *new && f.suppressed.is_none())
            .collect();
        let ask = |requests, reach, shown, asked, findings| Ask {
            requests,
            reach,
            shown,
            asked,
            findings,
        };
        let hf = std::mem::take(&mut h.snapshot.findings);
        let _ = (
            bw.ask.send(ask(rb, xb, Vec::new(), Vec::new(), Vec::new())),
            hw.ask.send(ask(rh, xh, shown, new, hf)),
        );
        match (bw.filled.recv(), hw.filled.recv()) {
            (Ok((x, _, _)), Ok((y, fixes, hf))) => {
                b.snapshot.reach = x;
                h.snapshot.reach = y;
                h.snapshot.findings = hf;
                h.fixes = fixes;
                Ok((b, h))
            }
            _ => Err((Some(stopped()), None)),
        }
    });
    let (mut b, h) = match sides {
        Ok(x) => x,
        Err((b, h)) => return failed(&args, vec![(b, &shown_base), (h, &shown_head)], ctx),
    };
    if let Some(c) = &checkout {
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
        DiffFormat::Text => moat_report::diff::render_text_with_fixes(&diff, &h.fixes, ctx.style()),
        DiffFormat::Json => {
            moat_report::diff::render_json_with_fixes(&diff, &h.fixes, &warnings) + "\n"
        }
        DiffFormat::Sarif => {
            moat_report::diff::render_sarif_with_fixes(
                &diff,
                &h.fixes,
                &selected_docs(&sel),
                &shown_head,
                &warnings,
            ) + "\n"
        }
    };
    if let Err(code) = emit(&args, &report) {
        return code;
    }
    // What the input leaves undecided fails the run only when asked (HEAD's configuration).
    let undecided = args.fail_on_undecided || hcfg.fail_on_undecided;
    let failing = diff.failing(threshold, undecided).next().is_some()
        || diff.opened_outward(undecided).next().is_some();
    crate::exit_keeping((diff, report, b, h));
    if failing { FINDINGS } else { OK }
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
            &Default::default(),
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
