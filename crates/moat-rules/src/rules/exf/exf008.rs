//! EXF008 synapse-exfiltration-protection.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Exf008;
/// Its registration.
pub static RULE: Exf008 = Exf008;

static DOC: RuleDoc = RuleDoc {
    code: "EXF008",
    name: "synapse-exfiltration-protection",
    severity: Severity::Info,
    what: "The deployment holds an Azure Synapse workspace beside an Azure Machine Learning workspace.",
    why: "Azure Machine Learning does not support a Synapse workspace with data exfiltration protection enabled: attaching it (linked service, Spark pool) fails. moat does not read the Synapse workspace's settings, so this states the limitation once for the Synapse workspaces present.",
    example: "workspaces: [{ name: ws }]\nunmodelled: [{ resource_type: Microsoft.Synapse/workspaces, name: syn }]",
    fix: "Use a Synapse workspace without data exfiltration protection for Azure Machine Learning, or keep the two apart.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(PL, "Limitations")],
    covers: &["§6.18"],
    path: false,
};

/// Whether an unmodelled resource type is a Synapse workspace (ARM or Terraform).
fn is_synapse(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Synapse/workspaces")
        || resource_type.eq_ignore_ascii_case("azurerm_synapse_workspace")
}

impl Rule for Exf008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.t.workspaces.is_empty() {
            return;
        }
        for s in
            cx.t.unmodelled
                .iter()
                .filter(|u| is_synapse(&u.resource_type))
        {
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", cx.t.workspaces[0].name),
                format!(
                    "Synapse workspace {} is in the deployment: Azure Machine Learning does not support it if its data exfiltration protection is enabled",
                    s.name
                ),
                DOC.fix,
                &s.at,
            ));
        }
    }
}
