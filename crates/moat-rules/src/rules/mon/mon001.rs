//! MON001 monitor-private-only-mode.

use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::AmplsAccessMode;

/// The rule.
pub struct Mon001;
/// Its registration.
pub static RULE: Mon001 = Mon001;

static DOC: RuleDoc = RuleDoc {
    code: "MON001",
    name: "monitor-private-only-mode",
    severity: Severity::Error,
    what: "An Azure Monitor private link scope uses the Private Only access mode (for ingestion or for queries).",
    why: "Azure Machine Learning supports Azure Monitor private link only in the Open access mode. Private Only also blocks every Azure Monitor resource outside the scope for all networks that share its DNS, which breaks the monitoring Azure ML relies on.",
    example: "monitor_private_link_scopes: [{ name: ampls, ingestion_access_mode: PrivateOnly }]",
    fix: "Set the scope's ingestion and query access modes to Open.",
    fix_form: FixForm::Code,
    sources: &[doc!(SWV, "Azure Monitor (use the open Private Link mode)")],
    covers: &["§6.50"],
    path: false,
};

impl Rule for Mon001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for s in &cx.t.monitor_private_link_scopes {
            let mut which = Vec::new();
            let mut settings = Vec::new();
            if s.ingestion_access_mode == AmplsAccessMode::PrivateOnly {
                which.push("ingestion");
                settings.push(Setting::IngestionAccessModeOpen);
            }
            if s.query_access_mode == AmplsAccessMode::PrivateOnly {
                which.push("queries");
                settings.push(Setting::QueryAccessModeOpen);
            }
            if which.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("ampls/{}", s.name),
                format!(
                    "Azure Monitor private link scope {} uses Private Only for {}: Azure Machine Learning requires the Open mode",
                    s.name,
                    which.join(" and ")
                ),
                DOC.fix,
                &s.at,
            )
            .with_change(Change::Set {
                resource: format!("ampls/{}", s.name),
                settings,
            }));
        }
    }
}
