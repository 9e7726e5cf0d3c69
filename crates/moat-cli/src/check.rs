//! `moat check` with the conventions of CI linters: a threshold that decides the exit status
//! (warning by default; info never fails; only decided findings count unless
//! `--fail-on-undecided`), `--exit-zero`, reports that are valid documents even when the input
//! cannot be read, and `--output-file`.

use crate::{BAD_INPUT, Ctx, FINDINGS, InputArgs, OK};
use clap::{Args, ValueEnum};
use moat_model::{Diagnostic, Location};
use moat_rules::{Finding, RuleDoc, Severity};
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Only these codes or prefixes (comma-separated: REG,WS001).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these codes or prefixes.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// The lowest severity that fails the run (every finding is shown) [default: warning, or
    /// the configuration's].
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// Fail on undecided findings too (those resting on a value the input leaves open, such as
    /// a parameter without value); by default only decided findings fail the run [default:
    /// the configuration's fail-on-undecided, else off].
    #[arg(long)]
    fail_on_undecided: bool,
    /// Exit 0 even when findings reach the threshold (bad input still exits 2).
    #[arg(long)]
    exit_zero: bool,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Report and fail only on findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this file (a baseline for --baseline), then report as usual
    /// and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Azure's service tags file (ServiceTags_Public.json).
    #[arg(long, value_name = "FILE")]
    service_tags: Option<PathBuf>,
    /// Print the trace of every path finding.
    #[arg(long)]
    traces: bool,
    /// Reachability invariants from this file (`[[invariant]]` entries, as in moat.toml),
    /// instead of the configuration's.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SeverityArg {
    Error,
    Warning,
    Info,
}

impl SeverityArg {
    /// The threshold: the command line's, else the configuration's, else warning.
    pub(crate) fn threshold(arg: Option<SeverityArg>, cfg: &crate::config::Config) -> Severity {
        match arg {
            Some(SeverityArg::Error) => Severity::Error,
            Some(SeverityArg::Warning) => Severity::Warning,
            Some(SeverityArg::Info) => Severity::Info,
            None => cfg.severity.unwrap_or(Severity::Warning),
        }
    }
}

/// Where the report goes: standard output, or the file of `--output-file`.
fn emit(args: &CheckArgs, report: &str) -> Result<(), u8> {
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

/// The documentation of the selected rules, for SARIF's rule metadata.
pub(crate) fn selected_docs(sel: &moat_rules::check::Selection) -> Vec<&'static RuleDoc> {
    moat_rules::all()
        .into_iter()
        .filter(|r| sel.includes(r.doc().code))
        .map(|r| r.doc())
        .collect()
}

/// Reports an input that could not be used, in the format asked for, and returns exit 2. JSON
/// and SARIF are complete documents carrying the diagnostics, so a CI step that uploads them
/// never reads an empty file.
fn bad_input(
    args: &CheckArgs,
    diagnostics: &[Diagnostic],
    sources: &[moat_doc::SourceFile],
    ctx: &Ctx,
) -> u8 {
    let input = args.input.path.display().to_string();
    let report = match args.format {
        CheckFormat::Text => {
            crate::report_load_error(diagnostics, sources, &args.input.path, ctx);
            return BAD_INPUT;
        }
        CheckFormat::Json => {
            let summary = moat_rules::check::summary(&[]);
            moat_report::check::render_json(&[], &Default::default(), &summary, diagnostics)
        }
        // Only what the run reports: no results, so no rules (the catalogue is ~400 KB).
        CheckFormat::Sarif => moat_report::sarif::render_sarif(
            &[],
            &Default::default(),
            &[],
            &input,
            diagnostics,
            false,
        ),
    };
    // The text of the errors goes to the terminal as well: a CI log shows why.
    crate::report_load_error(diagnostics, sources, &args.input.path, ctx);
    let _ = emit(args, &(report + "\n"));
    BAD_INPUT
}

/// The rules that run: `--select`/`--ignore`, each replacing the configuration's list.
pub(crate) fn selection(
    select: &[String],
    ignore: &[String],
    cfg: &crate::config::Config,
) -> moat_rules::check::Selection {
    let pick = |cli: &[String], file: &Option<Vec<String>>| {
        if cli.is_empty() {
            file.clone().unwrap_or_default()
        } else {
            cli.to_vec()
        }
    };
    moat_rules::check::Selection {
        select: pick(select, &cfg.select),
        ignore: pick(ignore, &cfg.ignore),
    }
}

/// Runs `moat check`.
pub fn run(args: CheckArgs, ctx: &Ctx) -> u8 {
    let cli_sel = moat_rules::check::Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    for p in cli_sel.select.iter().chain(&cli_sel.ignore) {
        if let Some(hint) = crate::config::unknown_code(p) {
            eprintln!("error: `{p}` matches no rule code; {hint}");
            return BAD_INPUT;
        }
    }
    let cfg = match crate::input::config(&args.input) {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => return bad_input(&args, &e.diagnostics, &e.sources, ctx),
    };
    let sel = selection(&args.select, &args.ignore, &cfg);
    let loaded = match crate::input::load(&args.input, Some(&cfg)) {
        Ok(l) => l,
        Err(e) => return bad_input(&args, &e.diagnostics, &e.sources, ctx),
    };
    // A misspelt code in a suppression would silently suppress nothing.
    let unknown = moat_rules::check::unknown_suppressions(&loaded.topology);
    if !unknown.is_empty() {
        return bad_input(&args, &unknown, &loaded.sources, ctx);
    }
    let service_tags = args.service_tags.clone().or(cfg.service_tags.clone());
    let engine = match moat_engine::Engine::for_topology(&loaded.topology, service_tags.as_deref())
    {
        Ok(e) => e,
        Err(e) => {
            let file = service_tags
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let d = Diagnostic::error(
                "service-tags",
                format!("cannot read the service tags file: {e}"),
                Location {
                    file,
                    ..Default::default()
                },
            );
            return bad_input(&args, &[d], &[], ctx);
        }
    };
    let invariants = match &args.policy {
        Some(p) => match crate::config::read_policy(p) {
            Ok(v) => v,
            Err(e) => return bad_input(&args, &e.diagnostics, &e.sources, ctx),
        },
        None => cfg.invariants.clone(),
    };
    let cx = moat_rules::Context::new(&engine).with_invariants(invariants);
    let threshold = SeverityArg::threshold(args.severity, &cfg);
    // Every finding is reported; the threshold decides only the exit status.
    let variants = moat_model::presence::variants(&loaded.topology);
    let mut findings: Vec<Finding> = moat_rules::check::run_variants(&cx, &variants, &sel);
    // What the rules shared (operation results, proofs, compiled policies) is no longer read:
    // freed now, the fixes and the report reuse its memory instead of taking fresh pages.
    drop(cx);
    drop(variants);
    drop(engine);
    suppress(&cfg.suppress, &mut findings);
    let mut recorded = false;
    if let Some(p) = &args.write_baseline {
        match crate::baseline::write(p, &findings) {
            Ok(n) => {
                eprintln!(
                    "recorded {} in {}",
                    moat_report::check::count(n as u64, "finding", "findings"),
                    p.display()
                );
                recorded = true;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return BAD_INPUT;
            }
        }
    }
    let mut in_baseline = 0;
    if let Some(p) = &args.baseline {
        match crate::baseline::apply(p, findings) {
            Ok((fresh, known)) => {
                findings = fresh;
                in_baseline = known;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return BAD_INPUT;
            }
        }
    }
    let mut summary = moat_rules::check::summary(&findings);
    if args.baseline.is_some() {
        summary["baseline"] = serde_json::json!(in_baseline);
    }
    summary["undecided"] = serde_json::json!(
        findings
            .iter()
            .filter(|f| f.suppressed.is_none() && moat_report::check::certainty(f).0 == "undecided")
            .count()
    );
    // Each change in the language of the file that declares its resource.
    let fixes = if args.statistics {
        moat_report::fixes::FixCode::default()
    } else {
        // The findings the report shows: in text, errors only with `-q`, and the undecided
        // ones listed apart, without their fixes. An edit several findings share goes with
        // one of those.
        let shown: Vec<bool> = findings
            .iter()
            .map(|f| {
                f.suppressed.is_none()
                    && match args.format {
                        CheckFormat::Text if ctx.quiet => {
                            f.severity == Severity::Error
                                && moat_report::check::certainty(f).0 != "undecided"
                        }
                        CheckFormat::Text => moat_report::check::certainty(f).0 != "undecided",
                        _ => true,
                    }
            })
            .collect();
        moat_report::fixes::FixCode::of_shown(
            &findings,
            &moat_report::fixes::Input {
                format: loaded.format,
                sources: &loaded.sources,
                topology: &loaded.topology,
            },
            &shown,
        )
    };
    let report = match args.format {
        CheckFormat::Text => {
            if !ctx.quiet {
                crate::print_warnings(&loaded, ctx);
            }
            text(
                &args,
                &findings,
                &fixes,
                &summary,
                loaded.warnings.len(),
                ctx,
            )
        }
        CheckFormat::Json if args.statistics => {
            serde_json::to_string_pretty(&statistics(&findings)).unwrap_or_default() + "\n"
        }
        CheckFormat::Json => {
            moat_report::check::render_json(&findings, &fixes, &summary, &loaded.warnings) + "\n"
        }
        CheckFormat::Sarif => {
            moat_report::sarif::render_sarif(
                &findings,
                &fixes,
                &selected_docs(&sel),
                &args.input.path.display().to_string(),
                &loaded.warnings,
                true,
            ) + "\n"
        }
    };
    if let Err(code) = emit(&args, &report) {
        return code;
    }
    // A finding the input leaves undecided is not established: it fails the run only when
    // asked, or a template's first run would fail on what moat cannot decide.
    let undecided = args.fail_on_undecided || cfg.fail_on_undecided;
    let failing = findings
        .iter()
        .any(|f| f.suppressed.is_none() && f.severity >= threshold && (undecided || f.decided()));
    crate::exit_keeping((report, fixes, findings));
    crate::exit_keeping(loaded);
    if failing && !args.exit_zero && !recorded {
        FINDINGS
    } else {
        OK
    }
}

/// Marks the findings a configuration's suppressions cover (a resource tag's suppression,
/// already marked, stays).
pub(crate) fn suppress(suppressions: &[crate::config::Suppression], findings: &mut [Finding]) {
    crate::config::suppress(suppressions, findings)
}

/// The text report: findings (only errors with `-q`) or statistics, then the summary.
fn text(
    args: &CheckArgs,
    findings: &[Finding],
    fixes: &moat_report::fixes::FixCode,
    summary: &serde_json::Value,
    input_warnings: usize,
    ctx: &Ctx,
) -> String {
    let style = ctx.style();
    let mut report = if args.statistics {
        statistics_text(findings)
    } else if ctx.quiet {
        // Errors only; an undecided one is still listed apart, under what it waits for.
        let errors: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.suppressed.is_none())
            .cloned()
            .collect();
        let (shown, undecided) = moat_report::needs::split(&errors);
        let shown: Vec<Finding> = shown.into_iter().cloned().collect();
        moat_report::check::render_text(&shown, fixes, style, args.traces)
            + &moat_report::needs::render_text(&undecided, style)
    } else {
        // Undecided findings are listed under what they wait for, not each as a warning.
        let (shown, undecided) = moat_report::needs::split(findings);
        let shown: Vec<Finding> = shown.into_iter().cloned().collect();
        moat_report::check::render_text(&shown, fixes, style, args.traces)
            + &moat_report::needs::render_text(&undecided, style)
    };
    if !ctx.quiet {
        report += &moat_report::check::summary_line(summary, input_warnings, style);
        report.push('\n');
    }
    report
}

/// Findings per rule, most frequent first: `[{code, name, severity, count, suppressed}]`.
fn statistics(findings: &[Finding]) -> serde_json::Value {
    // Keyed by code: a rule reports one severity per finding, possibly below its default when
    // the finding is not decided, so the row shows the highest one seen.
    let mut rows: Vec<(&'static str, Severity, usize, usize)> = Vec::new();
    for f in findings {
        let i = match rows.iter().position(|r| r.0 == f.code) {
            Some(i) => i,
            None => {
                rows.push((f.code, f.severity, 0, 0));
                rows.len() - 1
            }
        };
        rows[i].1 = rows[i].1.max(f.severity);
        if f.suppressed.is_some() {
            rows[i].3 += 1;
        } else {
            rows[i].2 += 1;
        }
    }
    rows.sort_by(|a, b| (b.2, a.0).cmp(&(a.2, b.0)));
    serde_json::Value::Array(
        rows.into_iter()
            .map(|(code, severity, n, suppressed)| {
                serde_json::json!({
                    "code": code,
                    "name": moat_rules::by_code(code).map(|r| r.doc().name),
                    "severity": severity.as_str(),
                    "count": n,
                    "suppressed": suppressed,
                })
            })
            .collect(),
    )
}

fn statistics_text(findings: &[Finding]) -> String {
    let mut o = String::new();
    if let serde_json::Value::Array(rows) = statistics(findings) {
        for r in rows {
            let suppressed = r["suppressed"].as_u64().unwrap_or(0);
            o += &format!(
                "{:>5}  {:<8} {:<8} {}{}\n",
                r["count"].as_u64().unwrap_or(0),
                r["code"].as_str().unwrap_or(""),
                r["severity"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or(""),
                if suppressed > 0 {
                    format!(" ({suppressed} suppressed)")
                } else {
                    String::new()
                }
            );
        }
    }
    o
}
