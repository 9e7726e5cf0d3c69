//! The `moat` command line.

mod baseline;
mod check;
mod diff;
mod exfil;
mod gitref;
mod input;
mod ops;
mod render;
mod rule;
mod serve;
mod trace;

// `moat.toml` is read by the server too.
use moat_config as config;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use moat_doc::Loaded;
use moat_report::style::Style;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

// A run builds and frees millions of small values (parsed nodes, names, hops); the system
// allocator spends about a quarter of a large check in malloc and free, this one far less.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// By default mimalloc commits its arenas up front on Linux, and the pages a load frees
/// before the check runs (the parsed documents) stayed in the resident size through the
/// check (about 40 MiB of the estate's peak). With arenas committed on demand and purged
/// without delay, freed pages are decommitted (`MADV_DONTNEED`) and leave the resident size.
/// Set by a constructor that runs before mimalloc's own, i.e. before the first allocation
/// reserves an arena; the other options still follow the `MIMALLOC_*` variables.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
#[used]
#[unsafe(link_section = ".init_array.00099")]
static MIMALLOC_OPTIONS: extern "C" fn() = {
    extern "C" fn set() {
        // `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc.h's
        // `mi_option_e` (mimalloc 3).
        const ARENA_EAGER_COMMIT: i32 = 4;
        const PURGE_DELAY: i32 = 15;
        unsafe extern "C" {
            fn mi_option_set(option: i32, value: std::ffi::c_long);
        }
        // SAFETY: sets two integers in mimalloc's option table; no allocation, no other
        // thread yet.
        unsafe {
            mi_option_set(ARENA_EAGER_COMMIT, 0);
            mi_option_set(PURGE_DELAY, 0);
        }
    }
    set
};

/// For a run that holds two deployments at once (`moat diff`): mimalloc keeps the pages a
/// side frees for a second (its default) instead of decommitting them at once, which
/// [`MIMALLOC_OPTIONS`] sets to keep a single analysis's resident size low. Each side frees
/// what it parsed and traced while the other still allocates; decommitted at once, those pages
/// fault back in (the estate's diff spent 0.7 to 1.3 s in the kernel, 0.5 to 0.6 s with the
/// delay, for about 5% more resident memory).
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
pub(crate) fn keep_freed_pages() {
    // `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (mimalloc 3), in milliseconds.
    const PURGE_DELAY: i32 = 15;
    unsafe extern "C" {
        fn mi_option_set(option: i32, value: std::ffi::c_long);
    }
    // SAFETY: sets one integer in mimalloc's option table, which mimalloc reads when it next
    // purges; allowed at any time.
    unsafe {
        mi_option_set(PURGE_DELAY, 1000);
    }
}

#[cfg(not(all(feature = "mimalloc", target_os = "linux")))]
pub(crate) fn keep_freed_pages() {}

/// Exit status: nothing to report.
pub(crate) const OK: u8 = 0;
/// Exit status: findings (a denied or unknown trace, a failing check).
pub(crate) const FINDINGS: u8 = 1;
/// Exit status: bad input or usage.
pub(crate) const BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "moat",
    version,
    about = "An executable model of Azure Machine Learning network isolation",
    long_about = "moat reads a deployment (its own YAML/JSON topology, an ARM template, Terraform, \
Azure ML CLI YAML) and answers whether the Azure Machine Learning network isolation it describes \
works: what reaches what, through DNS, routes, NSGs, firewalls, private endpoints and resource \
firewalls.",
    after_help = "Examples:
  moat check examples/private-registry --severity error
  moat check infra/azuredeploy.json --parameters prod.parameters.json --location eastus --format sarif
  moat check infra/terraform --var-file prod.tfvars --with intent.yaml
  moat trace examples/hub-spoke-firewall --from compute/cpu-cluster --to fqdn:pypi.org
  moat ops examples/private-registry --op job.registry-asset
  moat validate examples/private-registry
  moat show examples/private-registry
  moat graph examples/hub-spoke-firewall --format mermaid
  moat diff --base-ref main infra/terraform
  moat serve --database sqlite://moat.db
  moat push infra/terraform --server http://127.0.0.1:8080 --project prod
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
    /// Can X reach Y? Hop by hop: DNS, NSGs, routes, firewalls, private endpoints, resource firewalls.
    #[command(after_help = "Examples:
  moat trace examples/private-registry --from compute/cpu-cluster --to registry/contosoreg:storage
  moat trace examples/hub-spoke-firewall --from client/office --to workspace/ws
  moat trace examples/managed-network-approved-outbound --from compute/cpu-cluster --to fqdn:pypi.org
  moat trace topology.yaml --from vm/jumpbox --to storage/data:file --port 445 --format json

Addresses: <kind>/<name>[:<sub>] (workspace, registry, storage, keyvault, acr, compute, vm, aks,
online-endpoint, client), subnet/<vnet>/<subnet>, ip:<address>, fqdn:<name>, tag:<service tag>,
internet. Exit status: 0 allowed, 1 denied or unknown, 2 bad input.")]
    Trace(trace::TraceArgs),
    /// Do the Azure ML operations work? Studio, jobs, registries, endpoints.
    #[command(after_help = "Examples:
  moat ops examples/private-registry
  moat ops examples/secure-workspace-public-registry --op job.registry-asset
  moat ops topology.yaml --workspace ws --format json

Operations: studio.open, studio.data, sdk.connect, compute.create, job.run, job.registry-asset,
image.build, registry.create-from-local, registry.share-from-workspace, registry.discover,
endpoint.deploy-from-registry, endpoint.score, endpoint.outbound.
Exit status: 0 all applicable operations work, 1 one fails or is unknown, 2 bad input.")]
    Ops(ops::OpsArgs),
    /// Check every documented requirement and limitation; report findings with stable codes.
    #[command(after_help = "Examples:
  moat check examples/private-registry
  moat check topology.yaml --format sarif --output-file moat.sarif
  moat check topology.yaml --severity error --statistics
  moat check topology.yaml --select REG,PE --ignore REG013 --format json

Findings at or above --severity (default: warning) make the exit status 1, unless
--exit-zero; suppressed findings (a resource tag moat:ignore = \"CODE: reason\", or a
[[suppress]] entry of moat.toml) are reported but never fail. Options come from the
nearest moat.toml from the input's directory upward (or --config FILE); the command
line overrides them. With --format json or sarif the report is a valid document even
when the input cannot be read (it carries the input's errors).
Exit status: 0 clean, 1 findings, 2 bad input.")]
    Check(check::CheckArgs),
    /// Where can data leave? Every destination outside the deployment each place reaches.
    #[command(after_help = "Examples:
  moat exfil examples/exfiltration-prevention
  moat exfil examples/managed-network-approved-outbound --format json
  moat exfil topology.yaml --format dot | dot -Tsvg > exfil.svg
  moat exfil topology.yaml --format sarif --output-file exfil.sarif

For each compute subnet, workspace managed network, legacy-isolated online deployment, and the
workspace and registry services, every destination outside the deployment: the internet (and
each name or prefix a rule singles out), storage accounts and registries outside the
deployment in each region, Azure Front Door, and other Azure services by service tag. Each is
allowed, denied or unknown over every protocol and port, read-only or read/write as Azure's
Plan for network isolation page classifies outbound, with the elements that let it through.
Exit status: 0 no read/write or unclassified destination is reachable, 1 one is (or may be),
2 bad input.")]
    Exfil(exfil::ExfilArgs),
    /// What a change does: findings new and fixed, operations and flows whose verdict changed.
    #[command(after_help = "Examples:
  moat diff infra-before/ infra/
  moat diff azuredeploy.json azuredeploy.new.json --parameters prod.parameters.json
  moat diff --base-ref origin/main infra/terraform --format sarif -o moat-diff.sarif

Both sides are read with the same options, each with its own moat.toml; the rules, threshold
and service tags are HEAD's. Findings are matched by fingerprint (code, resource, message;
never a line number). New findings at or above --severity (default: warning) make the exit
status 1.
Exit status: 0 nothing that fails, 1 the change adds failing findings, 2 bad input.")]
    Diff(diff::DiffArgs),
    /// Serve the history of pushed deployments: pages and a JSON API, over SQLite or PostgreSQL.
    #[command(after_help = "Examples:
  moat serve
  moat serve --listen 0.0.0.0:8080 --database postgres://moat@db.internal/moat

Listens on 127.0.0.1:8080 with a SQLite file moat.db in the working directory by default. On
any address but loopback every request needs a token (see `moat token`). Several servers over
one PostgreSQL database serve the same history.")]
    Serve(serve::ServeArgs),
    /// Send a deployment to a server, which analyses it and keeps it as a snapshot of a project.
    #[command(after_help = "Examples:
  moat push examples/private-registry --server http://127.0.0.1:8080 --project demo
  moat push infra/terraform --server http://moat.internal:8080 --project prod --token $MOAT_TOKEN

The files of the input (a file, or a directory without .git, Terraform providers and state) are
sent; the server reads them as `moat check DIR --no-config` does.
Exit status: 0 stored, 1 stored with errors among its findings, 2 refused or unreachable.")]
    Push(serve::PushArgs),
    /// Create, list and revoke the access tokens of a server's database.
    #[command(subcommand)]
    Token(serve::TokenCommand),
    /// Show the documentation of a rule, or of every rule.
    #[command(after_help = "Examples:\n  moat rule REG001\n  moat rule --all")]
    Rule {
        /// The rule code.
        code: Option<String>,
        /// Every rule.
        #[arg(long)]
        all: bool,
        /// One line per rule: code, name, severity, kind, whether the fix is given as code or
        /// prose, the documented requirements it checks (the default without a code).
        #[arg(long, conflicts_with = "all")]
        list: bool,
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

#[derive(Args, Clone)]
pub(crate) struct InputArgs {
    /// A topology file or a directory of them.
    pub(crate) path: PathBuf,
    /// Read the input as this format instead of detecting it: native, arm, terraform,
    /// terraform-plan, azureml.
    #[arg(long, value_name = "FORMAT")]
    input_format: Option<String>,
    /// ARM template parameter file, or NAME=VALUE (repeatable; as `az deployment` takes them).
    #[arg(long = "parameters", value_name = "FILE|NAME=VALUE")]
    parameters: Vec<PathBuf>,
    /// Region of the resource group an ARM template is deployed to (`resourceGroup().location`),
    /// or that a Terraform `azurerm_resource_group` data source reads.
    #[arg(long, value_name = "REGION")]
    location: Option<String>,
    /// Resource group an ARM template is deployed to (used in resource ids and uniqueString()),
    /// or that a Terraform `azurerm_resource_group` data source without a known name reads.
    #[arg(long, value_name = "NAME")]
    resource_group: Option<String>,
    /// Subscription id an ARM template is deployed to or a Terraform configuration applied to
    /// (`data.azurerm_client_config.current.subscription_id`).
    #[arg(long, value_name = "ID")]
    subscription: Option<String>,
    /// Terraform variable file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Terraform variable, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A native topology file merged over the input (repeatable): client locations, intent,
    /// DNS servers — what ARM and Terraform do not say. An entry named like an imported
    /// resource completes it; native files in an ARM or Terraform directory apply by themselves.
    #[arg(long = "with", value_name = "FILE")]
    overlays: Vec<PathBuf>,
    /// Options from this file instead of the moat.toml found from the input's directory
    /// upward (to the repository's root); the command line's options override the file's.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read no moat.toml.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TextJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Proto {
    Tcp,
    Udp,
    Icmp,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

pub(crate) struct Ctx {
    color: bool,
    pub(crate) quiet: bool,
}

impl Ctx {
    pub(crate) fn style(&self) -> Style {
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

/// Prints why an input could not be read: the diagnostics, then how many.
pub(crate) fn report_load_error(
    diagnostics: &[moat_model::Diagnostic],
    sources: &[moat_doc::SourceFile],
    path: &std::path::Path,
    ctx: &Ctx,
) {
    eprint!(
        "{}",
        render::diagnostics_text(diagnostics, sources, ctx.color)
    );
    let n = diagnostics.len();
    eprintln!(
        "{n} error{} in {}",
        if n == 1 { "" } else { "s" },
        path.display()
    );
}

/// Reads the input with its configuration, or reports why not (as JSON on standard output when
/// asked) and gives the exit status.
pub(crate) fn load_or_report(
    input: &InputArgs,
    ctx: &Ctx,
    json_errors: bool,
) -> Result<(Loaded, Option<config::Config>), u8> {
    input::config(input)
        .and_then(|c| input::load(input, c.as_ref()).map(|l| (l, c)))
        .map_err(|e| {
            if json_errors {
                out(&(render::diagnostics_json(&e.diagnostics) + "\n"));
            }
            report_load_error(&e.diagnostics, &e.sources, &input.path, ctx);
            BAD_INPUT
        })
}

pub(crate) fn print_warnings(loaded: &Loaded, ctx: &Ctx) {
    if !ctx.quiet && !loaded.warnings.is_empty() {
        eprint!(
            "{}",
            render::diagnostics_text(&loaded.warnings, &loaded.sources, ctx.color)
        );
    }
}

/// Leaves the values of a finished command to the process's exit instead of freeing them one
/// by one: the model, the engine's caches and the findings of a large estate are millions of
/// small allocations, whose freeing alone took a tenth of a `check`. Called only when
/// nothing but the exit status is left to compute.
pub(crate) fn exit_keeping<T>(values: T) {
    std::mem::forget(values);
}

pub(crate) fn out(s: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`moat show | head`) is not an error worth a panic.
    let _ = stdout.write_all(s.as_bytes());
}

/// Runs `moat validate`.
fn validate(input: InputArgs, format: TextJson, ctx: &Ctx) -> u8 {
    let (loaded, _) = match load_or_report(&input, ctx, format == TextJson::Json) {
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
                    line += &format!(
                        ", {}",
                        moat_report::check::count(
                            unknown as u64,
                            "unknown value",
                            "unknown values"
                        )
                    );
                }
                let open = loaded.topology.may_exist.len();
                if open > 0 {
                    line += &format!(", {open} may or may not be deployed");
                }
                out(&format!("{}\n", ctx.style().good(&line)));
            }
        }
    }
    OK
}

fn run(command: Command, ctx: &Ctx) -> u8 {
    match command {
        Command::Validate { input, format } => validate(input, format, ctx),
        Command::Show { input, format } => {
            let (loaded, _) = match load_or_report(&input, ctx, format == TextJson::Json) {
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
            let (loaded, _) = match load_or_report(&input, ctx, false) {
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
        Command::Trace(args) => trace::run(args, ctx),
        Command::Ops(args) => ops::run(args, ctx),
        Command::Check(args) => check::run(args, ctx),
        Command::Diff(args) => diff::run(args, ctx),
        Command::Exfil(args) => exfil::run(args, ctx),
        Command::Serve(args) => serve::serve(args, ctx),
        Command::Push(args) => serve::push(args, ctx),
        Command::Token(cmd) => serve::token(cmd, ctx),
        Command::Rule { code, all, list: _ } => rule::run(code, all, ctx),
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
