//! CMP011 databricks-placement.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Cmp011;
/// Its registration.
pub static RULE: Cmp011 = Cmp011;

static DOC: RuleDoc = RuleDoc {
    code: "CMP011",
    name: "databricks-placement",
    severity: Severity::Info,
    what: "The deployment holds an Azure Databricks workspace beside an Azure Machine Learning workspace.",
    why: "Azure Databricks used as a compute target of a network-isolated workspace has placement requirements of its own: the same subscription and region as the workspace, its storage in the same VNet as Databricks, the databricks-private and databricks-public subnets (plus the default subnet for the workspace's private endpoints), and no private endpoint to Databricks itself. moat does not model Databricks workspaces, so this states the requirements once for those present.",
    example: "workspaces: [{ name: ws }]\nunmodelled: [{ resource_type: Microsoft.Databricks/workspaces, name: dbw }]",
    fix: "Place the Databricks workspace in the workspace's subscription and region, inject it into the VNet (databricks-private, databricks-public subnets) that also holds the storage, and reach it without a private endpoint.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(TRV, "Azure Databricks")],
    covers: &["§6.63"],
    path: false,
};

/// Whether an unmodelled resource type is a Databricks workspace (ARM or Terraform).
fn is_databricks(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Databricks/workspaces")
        || resource_type.eq_ignore_ascii_case("azurerm_databricks_workspace")
}

impl Rule for Cmp011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.t.workspaces.is_empty() {
            return;
        }
        for d in
            cx.t.unmodelled
                .iter()
                .filter(|u| is_databricks(&u.resource_type))
        {
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", cx.t.workspaces[0].name),
                format!(
                    "Databricks workspace {} is in the deployment: as a compute target it must share the workspace's subscription and region, sit in the VNet of the storage (databricks-private, databricks-public subnets) and be reached without a private endpoint",
                    d.name
                ),
                DOC.fix,
                &d.at,
            ));
        }
    }
}
