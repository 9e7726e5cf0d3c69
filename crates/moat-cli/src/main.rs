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
const FINDINGS: u8 = 1;
/// Exit status: bad input or usage.
const BAD_INPUT: u8 = 2;

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
    Trace {
        #[command(flatten)]
        input: InputArgs,
        /// Where the flow starts.
        #[arg(long)]
        from: String,
        /// Where it goes.
        #[arg(long)]
        to: String,
        /// Destination port.
        #[arg(long, default_value_t = 443)]
        port: u16,
        /// Protocol.
        #[arg(long, value_enum, default_value_t = Proto::Tcp)]
        protocol: Proto,
        /// Azure's service tags file (ServiceTags_Public.json), to decide rules written with addresses.
        #[arg(long, value_name = "FILE")]
        service_tags: Option<PathBuf>,
        /// Take nothing for granted: every assumption (an undescribed DNS server answering
        /// public names, an internet host accepting) makes the answer unknown.
        #[arg(long)]
        strict: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextJson::Text)]
        format: TextJson,
    },
    /// Do the Azure ML operations work? Studio, jobs, registries, endpoints.
    #[command(after_help = "Examples:
  moat ops examples/private-registry
  moat ops examples/secure-workspace-public-registry --op job.registry-asset
  moat ops topology.yaml --workspace ws --format json

Operations: studio.open, studio.data, sdk.connect, compute.create, job.run, job.registry-asset,
image.build, registry.create-from-local, registry.share-from-workspace, registry.discover,
endpoint.deploy-from-registry, endpoint.score, endpoint.outbound.
Exit status: 0 all applicable operations work, 1 one fails or is unknown, 2 bad input.")]
    Ops {
        #[command(flatten)]
        input: InputArgs,
        /// Only this workspace.
        #[arg(long)]
        workspace: Option<String>,
        /// Only this registry.
        #[arg(long)]
        registry: Option<String>,
        /// Only this operation.
        #[arg(long)]
        op: Option<String>,
        /// Azure's service tags file (ServiceTags_Public.json).
        #[arg(long, value_name = "FILE")]
        service_tags: Option<PathBuf>,
        /// Take nothing for granted: every assumption (an undescribed DNS server answering
        /// public names, an internet host accepting) makes the answer unknown.
        #[arg(long)]
        strict: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextJson::Text)]
        format: TextJson,
    },
    /// Check every documented requirement and limitation; report findings with stable codes.
    #[command(after_help = "Examples:
  moat check examples/private-registry
  moat check topology.yaml --severity error --format sarif > moat.sarif
  moat check topology.yaml --select REG,PE --ignore REG013 --format json

Findings at or above --severity make the exit status 1; suppressed findings
(a resource tag moat:ignore = \"CODE: reason\") are reported but never fail.
Exit status: 0 clean, 1 findings, 2 bad input.")]
    Check {
        #[command(flatten)]
        input: InputArgs,
        /// Only these codes or prefixes (comma-separated: REG,WS001).
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Skip these codes or prefixes.
        #[arg(long, value_delimiter = ',')]
        ignore: Vec<String>,
        /// The lowest severity that fails the run (every finding is shown).
        #[arg(long, value_enum, default_value_t = SeverityArg::Info)]
        severity: SeverityArg,
        /// Azure's service tags file (ServiceTags_Public.json).
        #[arg(long, value_name = "FILE")]
        service_tags: Option<PathBuf>,
        /// Print the trace of every path finding.
        #[arg(long)]
        traces: bool,
        /// Take nothing for granted: every assumption (an undescribed DNS server answering
        /// public names, an internet host accepting) makes the answer unknown.
        #[arg(long)]
        strict: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Show the documentation of a rule, or of every rule.
    #[command(after_help = "Examples:\n  moat rule REG001\n  moat rule --all")]
    Rule {
        /// The rule code.
        code: Option<String>,
        /// Every rule.
        #[arg(long)]
        all: bool,
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
    /// Read the input as this format instead of detecting it: native, arm, terraform,
    /// terraform-plan, azureml.
    #[arg(long, value_name = "FORMAT")]
    input_format: Option<String>,
    /// ARM template parameter file, or NAME=VALUE (repeatable; as `az deployment` takes them).
    #[arg(long = "parameters", value_name = "FILE|NAME=VALUE")]
    parameters: Vec<PathBuf>,
    /// Region of the resource group an ARM template is deployed to (`resourceGroup().location`).
    #[arg(long, value_name = "REGION")]
    location: Option<String>,
    /// Resource group an ARM template is deployed to (used in resource ids and uniqueString()).
    #[arg(long, value_name = "NAME")]
    resource_group: Option<String>,
    /// Subscription id an ARM template is deployed to.
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
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TextJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Error,
    Warning,
    Info,
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
    let mut vars = Vec::new();
    for v in &input.vars {
        match v.split_once('=') {
            Some((k, val)) => vars.push((k.to_string(), val.to_string())),
            None => {
                eprintln!("error: --var {v}: write NAME=VALUE");
                return Err(BAD_INPUT);
            }
        }
    }
    // `--parameters` takes files and NAME=VALUE pairs, as `az deployment group create` does.
    let mut parameters = Vec::new();
    let mut parameter_values = Vec::new();
    for p in &input.parameters {
        let text = p.to_string_lossy();
        match text.split_once('=') {
            Some((k, v)) if !p.exists() && !k.is_empty() && !k.contains(['/', '\\']) => {
                parameter_values.push((k.to_string(), v.to_string()))
            }
            _ => parameters.push(p.clone()),
        }
    }
    let opts = moat_ingest::Options {
        format,
        parameters,
        parameter_values,
        var_files: input.var_files.clone(),
        vars,
        overlays: input.overlays.clone(),
        target: moat_ingest::DeployTarget {
            subscription: input.subscription.clone(),
            resource_group: input.resource_group.clone(),
            location: input
                .location
                .as_ref()
                .map(|l| l.to_ascii_lowercase().replace(' ', "")),
        },
        ..Default::default()
    };
    moat_ingest::load_opts(&input.path, &opts).map_err(|e: LoadError| {
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
        Command::Trace {
            input,
            from,
            to,
            port,
            protocol,
            service_tags,
            strict,
            format,
        } => {
            let parse = |what: &str, s: &str| {
                s.parse::<moat_model::Address>().map_err(|e| {
                    eprintln!("error: --{what} {s}: {}", e.message);
                    if let Some(h) = e.hint {
                        eprintln!("  hint: {h}");
                    }
                    BAD_INPUT
                })
            };
            let (from, to) = match (parse("from", &from), parse("to", &to)) {
                (Ok(f), Ok(t)) => (f, t),
                _ => return BAD_INPUT,
            };
            let loaded = match load(&input, ctx, false) {
                Ok(l) => l,
                Err(code) => return code,
            };
            print_warnings(&loaded, ctx);
            let engine = match moat_engine::Engine::for_topology(
                &loaded.topology,
                service_tags.as_deref(),
            ) {
                Ok(e) => e.with_strict(strict),
                Err(e) => {
                    eprintln!("error: cannot read the service tags file: {e}");
                    return BAD_INPUT;
                }
            };
            let protocol = match protocol {
                Proto::Tcp => moat_packets::Protocol::TCP,
                Proto::Udp => moat_packets::Protocol::UDP,
                Proto::Icmp => moat_packets::Protocol::ICMP,
            };
            let q = moat_engine::Query {
                from,
                to,
                protocol,
                port,
            };
            let trace = match moat_engine::trace::trace(&engine, &q) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    return BAD_INPUT;
                }
            };
            match format {
                TextJson::Text => out(&moat_report::trace::render_text(&trace, ctx.style())),
                TextJson::Json => {
                    out(&(serde_json::to_string_pretty(&trace).unwrap_or_default() + "\n"))
                }
            }
            if trace.verdict == moat_engine::Verdict::Allowed {
                OK
            } else {
                FINDINGS
            }
        }
        Command::Ops {
            input,
            workspace,
            registry,
            op,
            service_tags,
            strict,
            format,
        } => {
            if let Some(o) = &op
                && !moat_engine::ops::OPERATIONS.iter().any(|x| x.id == o)
            {
                let ids: Vec<&str> = moat_engine::ops::OPERATIONS.iter().map(|x| x.id).collect();
                eprintln!(
                    "error: unknown operation `{o}`; operations: {}",
                    ids.join(", ")
                );
                return BAD_INPUT;
            }
            let loaded = match load(&input, ctx, false) {
                Ok(l) => l,
                Err(code) => return code,
            };
            print_warnings(&loaded, ctx);
            let t = &loaded.topology;
            for (what, name, known) in [
                (
                    "workspace",
                    &workspace,
                    t.workspaces
                        .iter()
                        .map(|w| w.name.as_str())
                        .collect::<Vec<_>>(),
                ),
                (
                    "registry",
                    &registry,
                    t.registries.iter().map(|r| r.name.as_str()).collect(),
                ),
            ] {
                if let Some(n) = name
                    && !known.contains(&n.as_str())
                {
                    eprintln!(
                        "error: no {what} `{n}` in {}; {what}s: {}",
                        input.path.display(),
                        known.join(", ")
                    );
                    return BAD_INPUT;
                }
            }
            let engine = match moat_engine::Engine::for_topology(t, service_tags.as_deref()) {
                Ok(e) => e.with_strict(strict),
                Err(e) => {
                    eprintln!("error: cannot read the service tags file: {e}");
                    return BAD_INPUT;
                }
            };
            let intent = moat_engine::intent::Intent::of(t);
            let filter = moat_engine::ops::Filter {
                workspace,
                registry,
                op,
            };
            let results = moat_engine::ops::evaluate(&engine, &intent, &filter);
            match format {
                TextJson::Text => {
                    out(&moat_report::ops::render_text(&results, ctx.style()));
                    if !intent.assumptions.is_empty() && !ctx.quiet {
                        out(&format!(
                            "\n{}\n",
                            ctx.style().dim("Assumed (declare intent to replace):")
                        ));
                        for a in &intent.assumptions {
                            out(&format!("  {}\n", ctx.style().dim(a)));
                        }
                    }
                }
                TextJson::Json => {
                    let v = serde_json::json!({ "operations": results, "assumptions": intent.assumptions });
                    out(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
                }
            }
            let bad = results.iter().any(|r| {
                matches!(
                    r.status,
                    moat_engine::ops::Status::Fails | moat_engine::ops::Status::Unknown
                )
            });
            if bad { FINDINGS } else { OK }
        }
        Command::Check {
            input,
            select,
            ignore,
            severity,
            service_tags,
            strict,
            traces,
            format,
        } => {
            let sel = moat_rules::check::Selection { select, ignore };
            let known: Vec<&str> = moat_rules::all().iter().map(|r| r.doc().code).collect();
            for p in sel.select.iter().chain(&sel.ignore) {
                if !known
                    .iter()
                    .any(|c| c.to_ascii_uppercase().starts_with(&p.to_ascii_uppercase()))
                {
                    eprintln!("error: `{p}` matches no rule code; see `moat rule --all`");
                    return BAD_INPUT;
                }
            }
            let loaded = match load(&input, ctx, false) {
                Ok(l) => l,
                Err(code) => return code,
            };
            if format == CheckFormat::Text {
                print_warnings(&loaded, ctx);
            }
            let engine = match moat_engine::Engine::for_topology(
                &loaded.topology,
                service_tags.as_deref(),
            ) {
                Ok(e) => e.with_strict(strict),
                Err(e) => {
                    eprintln!("error: cannot read the service tags file: {e}");
                    return BAD_INPUT;
                }
            };
            let cx = moat_rules::Context::new(&engine);
            let threshold = match severity {
                SeverityArg::Error => moat_rules::Severity::Error,
                SeverityArg::Warning => moat_rules::Severity::Warning,
                SeverityArg::Info => moat_rules::Severity::Info,
            };
            // Every finding is reported; the threshold decides only the exit status.
            let findings: Vec<moat_rules::Finding> = moat_rules::check::run(&cx, &sel);
            let summary = moat_rules::check::summary(&findings);
            match format {
                CheckFormat::Text => {
                    out(&moat_report::check::render_text(
                        &findings,
                        ctx.style(),
                        traces,
                    ));
                    if !ctx.quiet {
                        out(&format!(
                            "{}\n",
                            moat_report::check::summary_line(&summary, ctx.style())
                        ));
                    }
                }
                CheckFormat::Json => {
                    out(&(moat_report::check::render_json(&findings, &summary) + "\n"))
                }
                CheckFormat::Sarif => {
                    let all = moat_rules::all();
                    let docs: Vec<&moat_rules::RuleDoc> = all
                        .iter()
                        .filter(|r| sel.includes(r.doc().code))
                        .map(|r| r.doc())
                        .collect();
                    out(&(moat_report::check::render_sarif(
                        &findings,
                        &docs,
                        &input.path.display().to_string(),
                    ) + "\n"));
                }
            }
            if findings
                .iter()
                .any(|f| f.suppressed.is_none() && f.severity >= threshold)
            {
                FINDINGS
            } else {
                OK
            }
        }
        Command::Rule { code, all } => {
            let rules = moat_rules::all();
            match (code, all) {
                (Some(c), _) => match moat_rules::by_code(&c) {
                    Some(r) => out(&moat_report::check::rule_text(r.doc(), ctx.style())),
                    None => {
                        let codes: Vec<&str> = rules.iter().map(|r| r.doc().code).collect();
                        let hint = moat_model::suggest::did_you_mean(&c, codes.iter().copied())
                            .map(|s| format!(" (did you mean {s}?)"))
                            .unwrap_or_default();
                        eprintln!("error: no rule {c}{hint}; see `moat rule --all`");
                        return BAD_INPUT;
                    }
                },
                (None, true) => {
                    for r in &rules {
                        out(&moat_report::check::rule_text(r.doc(), ctx.style()));
                        out("\n");
                    }
                }
                (None, false) => {
                    for r in &rules {
                        let d = r.doc();
                        out(&format!(
                            "{:<8} {:<8} {:<42} {}\n",
                            d.code,
                            d.severity.as_str(),
                            d.name,
                            if d.path { "path" } else { "" }
                        ));
                    }
                }
            }
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
