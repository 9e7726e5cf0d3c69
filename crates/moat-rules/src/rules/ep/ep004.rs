//! EP004 endpoint-v1-legacy-mode.

use crate::change::{Change, Setting};
use crate::rules::util_items::undecided;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Ep004;
/// Its registration.
pub static RULE: Ep004 = Ep004;

static DOC: RuleDoc = RuleDoc {
    code: "EP004",
    name: "endpoint-v1-legacy-mode",
    severity: Severity::Error,
    what: "A workspace with managed online endpoints has v1_legacy_mode enabled.",
    why: "v1 legacy mode turns off the v2 API surface that managed online endpoints are created through; with it on, creating a managed online endpoint fails.",
    example: "workspaces: [{ name: ws, v1_legacy_mode: true }]\nonline_endpoints: [{ name: ep, workspace: ws }]",
    fix: "Set v1_legacy_mode to false on the workspace.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(HOE, "Limitations"),
        doc!(
            OET,
            "Online endpoint creation fails with a V1LegacyMode == true message"
        ),
    ],
    covers: &["§6.79"],
    path: false,
};

impl Rule for Ep004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(ep) = cx.t.online_endpoints.iter().find(|e| e.workspace == w.name) else {
                continue;
            };
            let resource = format!("workspace/{}", w.name);
            if w.v1_legacy_mode {
                out.push(
                    Finding::new(
                        &DOC,
                        &resource,
                        format!(
                            "workspace {} has v1_legacy_mode enabled: online endpoint {} cannot be created",
                            w.name, ep.name
                        ),
                        DOC.fix,
                        &w.at,
                    )
                    .with_change(Change::set(&resource, Setting::V1LegacyModeDisabled)),
                );
            } else if let Some(u) = cx.e.is_unknown(&resource, "v1_legacy_mode") {
                let what = format!("workspace {} has v1_legacy_mode off", w.name);
                out.push(undecided(&DOC, resource, &what, u, &w.at));
            }
        }
    }
}
