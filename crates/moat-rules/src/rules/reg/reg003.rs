//! REG003 registry-dependencies-still-public.

use crate::change::{Change, Setting};
use crate::rules::sec::{PUBLIC_ACCESS, needs};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Reg003;
/// Its registration.
pub static RULE: Reg003 = Reg003;

static DOC: RuleDoc = RuleDoc {
    code: "REG003",
    name: "registry-dependencies-still-public",
    severity: Severity::Warning,
    what: "A registry has public network access Disabled, but its managed storage account or managed container registry still accepts public traffic.",
    why: "A registry keeps its assets in a storage account and a container registry that Azure creates in azureml-rg-<registry>_<guid>. Closing the registry's own endpoint leaves those two open unless their public access is disabled too, so models and images stay downloadable from the internet.",
    example: "registries: [{ name: contosoreg, public_network_access: Disabled, storage: { public_network_access: Enabled }, acr: { public_network_access: Disabled } }]",
    fix: "Disable public network access on the registry's storage account and container registry as well (they are in the managed resource group azureml-rg-<registry>_<guid>).",
    fix_form: FixForm::Code,
    sources: &[doc!(REG, "How to create a private endpoint, step 8")],
    covers: &["§6.94"],
    path: false,
};

impl Rule for Reg003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in
            cx.t.registries
                .iter()
                .filter(|r| r.public_network_access == PublicNetworkAccess::Disabled)
        {
            for (sub, what, pna, setting) in [
                (
                    "storage",
                    "storage account",
                    r.storage.public_network_access,
                    Setting::ManagedStoragePublicNetworkAccessDisabled,
                ),
                (
                    "acr",
                    "container registry",
                    r.acr.public_network_access,
                    Setting::ManagedAcrPublicNetworkAccessDisabled,
                ),
            ] {
                if pna == Some(PublicNetworkAccess::Disabled) {
                    continue;
                }
                let state = match pna {
                    Some(p) => format!("public network access {p}"),
                    None => "public network access not set (Azure's default is Enabled)".into(),
                };
                out.push(
                    Finding::new(
                        &DOC,
                        format!("registry/{}:{sub}", r.name),
                        format!(
                            "registry {} is private, but its managed {what} has {state}",
                            r.name
                        ),
                        format!(
                            "disable public network access on the managed {what} of registry {}",
                            r.name
                        ),
                        &r.at,
                    )
                    .with_change(Change::set(format!("registry/{}", r.name), setting))
                    // SecuredByPerimeter: what public traffic it accepts is its perimeter's
                    // rules.
                    .needing(needs(
                        cx,
                        &format!("registry/{}:{sub}", r.name),
                        PUBLIC_ACCESS,
                    )),
                );
            }
        }
    }
}
