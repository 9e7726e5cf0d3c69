//! WS009 container-registry-created-later.

use crate::rules::sec::{PUBLIC_ACCESS, undecided};
use crate::rules::util_infra::maybe_secure;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Ws009;
/// Its registration.
pub static RULE: Ws009 = Ws009;

static DOC: RuleDoc = RuleDoc {
    code: "WS009",
    name: "container-registry-created-later",
    severity: Severity::Info,
    what: "A network-isolated workspace has no container registry yet.",
    why: "Without a container registry named at creation, the workspace creates one the first time it builds an image (first training job or deployment with a custom environment). That registry is not Premium and not behind the VNet: it is outside the isolation the rest of the workspace has.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st, key_vault: kv }]\nstorage_accounts: [{ name: st }]\nkey_vaults: [{ name: kv }]",
    fix: "Create a Premium container registry behind the VNet and name it as the workspace's container registry.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(SWV, "Azure Container Registry"),
        doc!(YWS, "container_registry"),
    ],
    covers: &["§6.48"],
    path: false,
};

impl Rule for Ws009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            // Projects use their hub's registry.
            if w.container_registry.is_some() || w.hub.is_some() {
                continue;
            }
            // A workspace SecuredByPerimeter is isolated if its perimeter's access rules close
            // it.
            let Some(perimeter) = maybe_secure(cx, w) else {
                continue;
            };
            if cx
                .e
                .is_unknown(&format!("workspace/{}", w.name), "container_registry")
                .is_some()
            {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            let note = if perimeter.is_some() {
                undecided(cx, &r, PUBLIC_ACCESS)
            } else {
                String::new()
            };
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} names no container registry: one is created on the first image build, outside the VNet{note}",
                        w.name
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(perimeter),
            );
        }
    }
}
