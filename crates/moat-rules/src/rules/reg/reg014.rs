//! REG014 private-registry-studio-limited.

use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter, undecided};
use crate::rules::util::registry_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Reg014;
/// Its registration.
pub static RULE: Reg014 = Reg014;

static DOC: RuleDoc = RuleDoc {
    code: "REG014",
    name: "private-registry-studio-limited",
    severity: Severity::Info,
    what: "A registry has public network access Disabled.",
    why: "For a network-isolated registry, studio shows only model assets; every other asset and operation goes through the CLI or SDK from a network that reaches the registry's private endpoint.",
    example: "registries: [{ name: contosoreg, public_network_access: Disabled }]",
    fix: "Use the Azure ML CLI or SDK for environments, components and data in this registry.",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[doc!(REG, "Limitations")],
    covers: &["§6.87"],
    path: false,
};

impl Rule for Reg014 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.t.registries.iter() {
            // SecuredByPerimeter: whether the registry is network isolated is its perimeter's
            // access rules' to say.
            let res = format!("registry/{}", r.name);
            if r.public_network_access != PublicNetworkAccess::Disabled
                && !secured_by_perimeter(cx, &res)
            {
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    &res,
                    format!(
                        "registry {} is network isolated: studio lists only its models; use the CLI or SDK for the rest{}",
                        r.name,
                        undecided(cx, &res, PUBLIC_ACCESS)
                    ),
                    DOC.fix,
                    &registry_at(cx, &r.name),
                )
                .needing(needs(cx, &res, PUBLIC_ACCESS)),
            );
        }
    }
}
