//! `moat ops`: do the Azure ML operations work.

use crate::{
    BAD_INPUT, Ctx, FINDINGS, InputArgs, OK, TextJson, exit_keeping, load_or_report, out,
    print_warnings,
};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct OpsArgs {
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
}

/// Runs `moat ops`.
pub fn run(args: OpsArgs, ctx: &Ctx) -> u8 {
    let OpsArgs {
        input,
        workspace,
        registry,
        op,
        service_tags,
        strict,
        format,
    } = args;
    let op = match op {
        None => None,
        Some(o) => match moat_engine::ops::OPERATIONS
            .iter()
            .find(|x| x.id.as_str() == o)
        {
            Some(x) => Some(x.id),
            None => {
                let ids: Vec<&str> = moat_engine::ops::OPERATIONS
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect();
                eprintln!(
                    "error: unknown operation `{o}`; operations: {}",
                    ids.join(", ")
                );
                return BAD_INPUT;
            }
        },
    };
    let (loaded, cfg) = match load_or_report(&input, ctx, format == TextJson::Json) {
        Ok(l) => l,
        Err(code) => return code,
    };
    print_warnings(&loaded, ctx);
    let service_tags = service_tags.or(cfg.and_then(|c| c.service_tags));
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
    let variants = moat_model::presence::variants(t);
    let results = moat_engine::presence::evaluate(&engine, &variants, &intent, &filter);
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
    exit_keeping((results, variants, intent, engine));
    exit_keeping(loaded);
    if bad { FINDINGS } else { OK }
}
