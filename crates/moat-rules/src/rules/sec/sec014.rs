//! SEC014 workspace-system-identity.

use super::{needs, undecided};
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_model::enums::IdentityType;

/// The rule.
pub struct Sec014;
/// Its registration.
pub static RULE: Sec014 = Sec014;

static DOC: RuleDoc = RuleDoc {
    code: "SEC014",
    name: "workspace-system-identity",
    severity: Severity::Info,
    what: "A workspace does not use a user-assigned managed identity as its primary identity (Azure's default is a system-assigned identity).",
    why: "A user-assigned identity exists before the workspace: its role assignments on the storage, key vault and container registry can be granted and reviewed ahead of deployment and survive the workspace being recreated, which matters when those resources are locked to selected networks and trusted identities.",
    example: "workspaces: [{ name: ws }]",
    fix: "Give the workspace a UserAssigned identity and set primaryUserAssignedIdentity to it.",
    sources: &[
        "Set up authentication between Azure Machine Learning and other services: user-assigned managed identity <https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication>",
        "peers: PSRule Azure.ML.UserManagedIdentity",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec014 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter() {
            let user = matches!(
                w.identity,
                Some(IdentityType::UserAssigned | IdentityType::SystemAssignedUserAssigned)
            );
            if user && w.primary_user_assigned_identity.is_some() {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            let how = if user {
                "has a user-assigned identity but no primaryUserAssignedIdentity"
            } else {
                "uses a system-assigned identity"
            };
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} {how}{}",
                        w.name,
                        undecided(cx, &r, "identity")
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(needs(cx, &r, "identity")),
            );
        }
    }
}
