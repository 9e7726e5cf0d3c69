//! `moat trace`: can one place reach another, hop by hop.

use crate::{
    BAD_INPUT, Ctx, FINDINGS, InputArgs, OK, Proto, TextJson, exit_keeping, load_or_report, out,
    print_warnings,
};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct TraceArgs {
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
}

/// Runs `moat trace`.
pub fn run(args: TraceArgs, ctx: &Ctx) -> u8 {
    let TraceArgs {
        input,
        from,
        to,
        port,
        protocol,
        service_tags,
        strict,
        format,
    } = args;
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
    let (loaded, cfg) = match load_or_report(&input, ctx, format == TextJson::Json) {
        Ok(l) => l,
        Err(code) => return code,
    };
    print_warnings(&loaded, ctx);
    let service_tags = service_tags.or(cfg.and_then(|c| c.service_tags));
    // A compute name two workspaces share names neither: the user picks one.
    let scoped = |what: &str, a: &moat_model::Address| {
        moat_model::scope::canonical(&loaded.topology, a).map_err(|e| {
            eprintln!("error: --{what} {a}: {}", e.message);
            if let Some(h) = e.hint {
                eprintln!("  hint: {h}");
            }
            BAD_INPUT
        })
    };
    let (from, to) = match (scoped("from", &from), scoped("to", &to)) {
        (Ok(f), Ok(t)) => (f, t),
        _ => return BAD_INPUT,
    };
    let engine = match moat_engine::Engine::for_topology(&loaded.topology, service_tags.as_deref())
    {
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
    let variants = moat_model::presence::variants(&loaded.topology);
    let trace = match moat_engine::presence::trace(&engine, &variants, &q) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            // A misspelt end: the closest address of the deployment, if one is close.
            let known = moat_rules::check::addresses(&loaded.topology);
            for a in [q.from.to_string(), q.to.to_string()] {
                let base = a.split(':').next().unwrap_or(&a).to_string();
                if !known.contains(&base)
                    && let Some(s) =
                        moat_model::suggest::did_you_mean(&base, known.iter().map(String::as_str))
                {
                    eprintln!("  help: did you mean `{s}` instead of `{base}`?");
                }
            }
            return BAD_INPUT;
        }
    };
    match format {
        TextJson::Text => out(&moat_report::trace::render_text(&trace, ctx.style())),
        TextJson::Json => out(&(serde_json::to_string_pretty(&trace).unwrap_or_default() + "\n")),
    }
    let allowed = trace.verdict == moat_engine::Verdict::Allowed;
    exit_keeping((trace, variants, engine));
    exit_keeping(loaded);
    if allowed { OK } else { FINDINGS }
}
