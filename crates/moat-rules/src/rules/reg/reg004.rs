//! REG004 environment-create-in-private-registry.

use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter, undecided};
use crate::rules::util::registry_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::OpId;
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Reg004;
/// Its registration.
pub static RULE: Reg004 = Reg004;

/// The client operation that says environments are created in registries from local files.
pub const CREATE_ENVIRONMENT: OpId = OpId::RegistryCreateEnvironment;

static DOC: RuleDoc = RuleDoc {
    code: "REG004",
    name: "environment-create-in-private-registry",
    severity: Severity::Error,
    what: "A client creates assets in a registry whose managed container registry has public network access Disabled, where creating environment assets is not supported.",
    why: "Environment images live in the registry's managed container registry. The documents state that creating an environment asset is not supported in a private registry whose container registry has public access disabled; the workaround is to create the environment in a workspace and share it. An error when a client declares the operation registry.create-environment. When it declares only registry.create-from-local, the limitation applies only if that client creates environments, which the input does not say: the rule states it as information, undecided, naming what to declare (nothing in the input is wrong, so it does not fail a run).",
    example: "registries: [{ name: contosoreg, public_network_access: Disabled, acr: { public_network_access: Disabled } }]\nclients: [{ name: datasci, location: internet, operations: [registry.create-from-local, registry.create-environment] }]",
    fix: "Create the environment in a workspace and share it to the registry.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(
        REG,
        "Create assets in registry from local files (note)"
    )],
    covers: &["§6.90"],
    path: false,
};

impl Rule for Reg004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let explicit = cx.intent.clients_doing(CREATE_ENVIRONMENT);
        let mut creators: Vec<&str> = cx.intent.clients_doing(OpId::RegistryCreateFromLocal);
        creators.extend(explicit.iter().copied());
        creators.sort();
        creators.dedup();
        if creators.is_empty() {
            return;
        }
        for r in cx.t.registries.iter() {
            // SecuredByPerimeter: whether the container registry counts as closed is its
            // perimeter's access rules' to say, so the limitation may or may not apply.
            let acr = format!("registry/{}:acr", r.name);
            let Some(pna) = r
                .acr
                .public_network_access
                .filter(|&p| p == PublicNetworkAccess::Disabled || secured_by_perimeter(cx, &acr))
            else {
                continue;
            };
            let perimeter = undecided(cx, &acr, PUBLIC_ACCESS);
            for c in &creators {
                let sure = explicit.contains(c);
                let mut f = Finding::new(
                    &DOC,
                    format!("registry/{}", r.name),
                    if sure {
                        format!(
                            "client {c} creates environments in registry {}, whose container registry has public network access {pna}: not supported{perimeter}",
                            r.name
                        )
                    } else {
                        format!(
                            "client {c} creates assets in registry {}, whose container registry has public network access {pna}: environments cannot be created there (the input does not say whether {c} creates environments; declare {CREATE_ENVIRONMENT} if it does){perimeter}",
                            r.name
                        )
                    },
                    DOC.fix,
                    &registry_at(cx, &r.name),
                )
                .needing(needs(cx, &acr, PUBLIC_ACCESS));
                if !sure {
                    // Whether the client creates environments is a use the input does not
                    // show: the requirement stays open.
                    f.severity = Severity::Info;
                    f = f.needing(Some(format!(
                        "whether client {c} creates environment assets in registry {} (operation {CREATE_ENVIRONMENT})",
                        r.name
                    )));
                }
                out.push(f);
            }
        }
    }
}
