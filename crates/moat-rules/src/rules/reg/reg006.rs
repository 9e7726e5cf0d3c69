//! REG006 share-component-unsupported.

use crate::rules::util::workspace_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Reg006;
/// Its registration.
pub static RULE: Reg006 = Reg006;

static DOC: RuleDoc = RuleDoc {
    code: "REG006",
    name: "share-component-unsupported",
    severity: Severity::Error,
    what: "A workspace is set to share components to a registry.",
    why: "Models, environments and data can be shared from a workspace to a registry; components cannot — sharing a component is not supported.",
    example: "workspaces: [{ name: ws, shares_to: [{ registry: contosoreg, assets: [component] }] }]\nregistries: [{ name: contosoreg }]",
    fix: "Create the component in the registry directly.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(REG, "Share assets from workspace to registry (note)")],
    covers: &["§6.88"],
    path: false,
};

impl Rule for Reg006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::RegistryShareFromWorkspace) {
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            for q in r
                .requirements
                .iter()
                .filter(|q| q.rule == Some(RuleCode::Reg006) && q.met == Some(false))
            {
                out.push(Finding::new(
                    &DOC,
                    r.subject.to_string(),
                    format!("workspace {ws} is set to {}: {}", q.what, q.why),
                    DOC.fix,
                    &workspace_at(cx, ws),
                ));
            }
        }
    }
}
