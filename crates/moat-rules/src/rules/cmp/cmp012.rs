//! CMP012 automl-nlp-vision-public-regions.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Cmp012;
/// Its registration.
pub static RULE: Cmp012 = Cmp012;

static DOC: RuleDoc = RuleDoc {
    code: "CMP012",
    name: "automl-nlp-vision-public-regions",
    severity: Severity::Info,
    what: "A workspace is in an Azure Government or Azure operated by 21Vianet region.",
    why: "AutoML for natural language processing and for computer vision is available only in Azure public regions: its hosts (automlresources-prod.azureedge.net, aka.ms) have no sovereign-cloud equivalents, so those experiments cannot run there whatever the network allows.",
    example: "workspaces: [{ name: ws, region: usgovvirginia }]",
    fix: "Run AutoML NLP and Vision experiments in a workspace in a public Azure region.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        FW,
        "Azure Machine Learning hosts (AutoML NLP, Vision)"
    )],
    covers: &["§6.114"],
    path: false,
};

/// Whether a region belongs to a sovereign cloud (Azure Government, 21Vianet).
fn sovereign(region: &str) -> bool {
    let r = region.to_ascii_lowercase().replace([' ', '-', '_'], "");
    ["usgov", "usdod", "usnat", "ussec", "china"]
        .iter()
        .any(|p| r.starts_with(p))
}

impl Rule for Cmp012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(region) = w.region.as_deref().filter(|r| sovereign(r)) else {
                continue;
            };
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "workspace {} is in {region}, a sovereign-cloud region: AutoML NLP and Vision are available only in public regions",
                    w.name
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
