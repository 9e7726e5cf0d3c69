//! The `moat` command line.

mod render;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use moat_doc::{LoadError, Loaded};
use moat_report::style::Style;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status: nothing to report.
const OK: u8 = 0;
/// Exit status: findings (a denied or unknown trace, a failing check).
#[allow(dead_code)]
const FINDINGS: u8 = 1;
/// Exit status: bad input or usage.
const BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "moat",
    version,
    about = "An executable model of Azure Machine Learning network isolation",
    long_about = "moat reads a deployment (its own YAML/JSON topology) and answers whether the \
Azure Machine Learning network isolation it describes works: what reaches what, through DNS, \
routes, NSGs, firewalls, private endpoints and resource firewalls.",
    after_help = "Examples:
  moat validate examples/private-registry
  moat show examples/private-registry
  moat graph examples/hub-spoke-firewall --format mermaid
  moat schema > moat.schema.json
  moat completions bash > /etc/bash_completion.d/moat

Exit status: 0 ok, 1 findings, 2 bad input or usage."
)]
struct Cli {
    /// When to use colours: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Read a deployment and report every problem in it, with file:line:column.
    #[command(
        after_help = "Examples:\n  moat validate examples/secure-workspace-public-registry\n  moat validate topology.yaml --format json"
    )]
    Validate {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextJson::Text)]
        format: TextJson,
    },
    /// Print an inventory and each workspace's isolation posture.
    #[command(
        after_help = "Examples:\n  moat show examples/managed-network-approved-outbound\n  moat show topology.yaml --format json"
    )]
    Show {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextJson::Text)]
        format: TextJson,
    },
    /// Draw the topology: VNets as clusters, private endpoints as edges to their targets.
    #[command(
        after_help = "Examples:\n  moat graph examples/hub-spoke-firewall | dot -Tsvg > net.svg\n  moat graph examples/private-registry --format mermaid"
    )]
    Graph {
        #[command(flatten)]
        input: InputArgs,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Print the JSON Schema of the native topology format.
    Schema,
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  moat completions bash > ~/.local/share/bash-completion/completions/moat\n  moat completions zsh > ~/.zfunc/_moat"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct InputArgs {
    /// A topology file or a directory of them.
    path: PathBuf,
    /// Read the input as this format instead of detecting it.
    #[arg(long, value_name = "FORMAT")]
    input_format: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TextJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

struct Ctx {
    color: bool,
    quiet: bool,
}

impl Ctx {
    fn style(&self) -> Style {
        Style { color: self.color }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { BAD_INPUT } else { OK });
        }
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let ctx = Ctx {
        color,
        quiet: cli.quiet,
    };
    ExitCode::from(run(cli.command, &ctx))
}

fn load(input: &InputArgs, ctx: &Ctx, json_errors: bool) -> Result<Loaded, u8> {
    let format = match &input.input_format {
        None => None,
        Some(f) => match moat_ingest::InputFormat::parse(f) {
            Some(f) => Some(f),
            None => {
                let names: Vec<&str> = moat_ingest::InputFormat::ALL
                    .iter()
                    .map(|(_, n)| *n)
                    .collect();
                eprintln!(
                    "error: unknown input format `{f}`; expected one of: {}",
                    names.join(", ")
                );
                return Err(BAD_INPUT);
            }
        },
    };
    moat_ingest::load(&input.path, format).map_err(|e: LoadError| {
        if json_errors {
            println!("{}", render::diagnostics_json(&e.diagnostics));
        } else {
            eprint!(
                "{}",
                render::diagnostics_text(&e.diagnostics, &e.sources, ctx.color)
            );
            let n = e.diagnostics.len();
            eprintln!(
                "{n} error{} in {}",
                if n == 1 { "" } else { "s" },
                input.path.display()
            );
        }
        BAD_INPUT
    })
}

fn print_warnings(loaded: &Loaded, ctx: &Ctx) {
    if !ctx.quiet && !loaded.warnings.is_empty() {
        eprint!(
            "{}",
            render::diagnostics_text(&loaded.warnings, &loaded.sources, ctx.color)
        );
    }
}

fn out(s: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`moat show | head`) is not an error worth a panic.
    let _ = stdout.write_all(s.as_bytes());
}

fn run(command: Command, ctx: &Ctx) -> u8 {
    match command {
        Command::Validate { input, format } => {
            let loaded = match load(&input, ctx, format == TextJson::Json) {
                Ok(l) => l,
                Err(code) => return code,
            };
            match format {
                TextJson::Json => out(&(render::diagnostics_json(&loaded.warnings) + "\n")),
                TextJson::Text => {
                    print_warnings(&loaded, ctx);
                    if !ctx.quiet {
                        let total: usize = loaded.topology.counts().iter().map(|(_, n)| n).sum();
                        let unknown = loaded.topology.unknowns.len();
                        let mut line = format!(
                            "{}: valid {} input, {total} resources",
                            input.path.display(),
                            loaded.format
                        );
                        if unknown > 0 {
                            line += &format!(", {unknown} unknown values");
                        }
                        out(&format!("{}\n", ctx.style().good(&line)));
                    }
                }
            }
            OK
        }
        Command::Show { input, format } => {
            let loaded = match load(&input, ctx, false) {
                Ok(l) => l,
                Err(code) => return code,
            };
            print_warnings(&loaded, ctx);
            let inv = moat_report::show::inventory(&loaded.topology, loaded.format);
            match format {
                TextJson::Text => out(&moat_report::show::render_text(&inv, ctx.style())),
                TextJson::Json => {
                    out(&(serde_json::to_string_pretty(&inv).unwrap_or_default() + "\n"))
                }
            }
            OK
        }
        Command::Graph { input, format } => {
            let loaded = match load(&input, ctx, false) {
                Ok(l) => l,
                Err(code) => return code,
            };
            print_warnings(&loaded, ctx);
            out(&match format {
                GraphFormat::Dot => moat_report::graph::dot(&loaded.topology),
                GraphFormat::Mermaid => moat_report::graph::mermaid(&loaded.topology),
            });
            OK
        }
        Command::Schema => {
            let schema = schemars::schema_for!(moat_model::Topology);
            out(&(serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"));
            OK
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "moat", &mut buf);
            out(&String::from_utf8_lossy(&buf));
            OK
        }
    }
}
