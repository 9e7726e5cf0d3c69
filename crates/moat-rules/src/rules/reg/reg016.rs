//! REG016 registry-managed-group-name.

use crate::rules::util::registry_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Reg016;
/// Its registration.
pub static RULE: Reg016 = Reg016;

static DOC: RuleDoc = RuleDoc {
    code: "REG016",
    name: "registry-managed-group-name",
    severity: Severity::Warning,
    what: "A registry's managed resource group is given a name that is not of the form azureml-rg-<registry name>_<GUID>.",
    why: "Azure creates the managed resource group that holds a registry's storage account and container registry, named azureml-rg-<registry name>_<GUID>. A different name points at some other group: the storage and registry settings written for it (public access, private endpoints) are not the registry's.",
    example: "registries: [{ name: contosoreg, managed_resource_group: contoso-ml-rg }]",
    fix: "Use the managed resource group Azure created for the registry (find it by the azureml-rg-<registry name>_ prefix).",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(
        REG,
        "How to create a private endpoint (the registry's managed resource group)"
    )],
    covers: &["§10.registry-managed-rg"],
    path: false,
};

impl Rule for Reg016 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in &cx.t.registries {
            let Some(rg) = &r.managed_resource_group else {
                continue;
            };
            // The group may be written as a name or as its resource id.
            let name = rg.trim_end_matches('/').rsplit('/').next().unwrap_or(rg);
            let prefix = format!("azureml-rg-{}_", r.name).to_ascii_lowercase();
            if name.to_ascii_lowercase().starts_with(&prefix) && name.len() > prefix.len() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("registry/{}", r.name),
                format!(
                    "the managed resource group of registry {} is given as {name}; Azure names it {prefix}<GUID>",
                    r.name
                ),
                DOC.fix,
                &registry_at(cx, &r.name),
            ));
        }
    }
}
