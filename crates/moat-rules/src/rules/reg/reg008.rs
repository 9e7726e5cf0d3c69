//! REG008 registry-role-missing.

use crate::change::Change;
use crate::rules::util::registry_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Reg008;
/// Its registration.
pub static RULE: Reg008 = Reg008;

static DOC: RuleDoc = RuleDoc {
    code: "REG008",
    name: "registry-role-missing",
    severity: Severity::Error,
    what: "An identity that creates assets in a registry holds none of AzureML Registry User, Owner or Contributor on it.",
    why: "Creating assets in a registry from local files is authorised by Azure RBAC on the registry: the identity used (a data scientist's Microsoft Entra user, for instance) needs the AzureML Registry User role, or Owner or Contributor. The network path alone is not enough.",
    example: "registries: [{ name: contosoreg }]\nclients: [{ name: datasci, location: internet, operations: [registry.create-from-local] }]",
    fix: "Assign the AzureML Registry User role on the registry to the identity.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        REG,
        "Create assets in registry from local files (public registry scenario)"
    )],
    covers: &["§6.93"],
    path: false,
};

impl Rule for Reg008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::RegistryCreateFromLocal) {
            let Some(reg) = r.subject.name_of(moat_model::address::Kind::Registry) else {
                continue;
            };
            for q in r
                .requirements
                .iter()
                .filter(|q| q.rule == Some(RuleCode::Reg008) && q.met == Some(false))
            {
                let mut f = Finding::new(
                    &DOC,
                    r.subject.to_string(),
                    format!("requirement not met — {}: {}", q.what, q.why),
                    DOC.fix,
                    &registry_at(cx, reg),
                );
                // The least of the roles that let the principal create assets there.
                if let Some(principal) = &q.principal {
                    f = f.with_change(Change::AssignRole {
                        principal: principal.clone(),
                        role: "AzureML Registry User".into(),
                        scope: format!("registry/{reg}"),
                    });
                }
                out.push(f);
            }
        }
    }
}
