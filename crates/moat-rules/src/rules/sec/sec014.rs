//! SEC014 workspace-user-identity-not-primary.

use super::{needs, undecided};
use crate::change::Change;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::IdentityType;

/// The rule.
pub struct Sec014;
/// Its registration.
pub static RULE: Sec014 = Sec014;

static DOC: RuleDoc = RuleDoc {
    code: "SEC014",
    name: "workspace-user-identity-not-primary",
    severity: Severity::Info,
    what: "A workspace has a user-assigned managed identity but does not name it as its primary identity (primaryUserAssignedIdentity).",
    why: "The workspace reaches its storage account, key vault and container registry with its primary identity. A user-assigned identity is chosen so that its role assignments on those resources (and the trusted-identity and resource-instance access of their firewalls) can be granted and reviewed before the workspace exists; attached but not primary, it is not the identity the workspace uses, and the roles prepared for it do not apply. A workspace with only a system-assigned identity, Azure's default, is not reported: the documentation supports both kinds and neither changes what reaches what. PSRule's Azure.ML.UserManagedIdentity also fails that case; this rule does not, by design.",
    example: "workspaces: [{ name: ws, identity: UserAssigned, user_assigned_identities: [/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ws-id] }]",
    fix: "Set primaryUserAssignedIdentity (Terraform: primary_user_assigned_identity) to the user-assigned identity, and grant that identity its roles on the workspace's storage, key vault and container registry.",
    fix_form: FixForm::Code,
    sources: &[
        "Set up authentication between Azure Machine Learning and other services: user-assigned managed identity <https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication>",
        "peers: PSRule Azure.ML.UserManagedIdentity (its failing case with a user-assigned identity that is not primary; a system-assigned identity alone is not reported)",
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
            if w.primary_user_assigned_identity.is_some() {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            let user = matches!(
                w.identity,
                Some(IdentityType::UserAssigned | IdentityType::SystemAssignedUserAssigned)
            );
            // An identity the input leaves unknown may be a user-assigned one: undecided.
            let unknown = needs(cx, &r, "identity");
            if !user && unknown.is_none() {
                continue;
            }
            // With one identity attached, it is the one to name; with several (or a list the
            // input leaves open), which one is a choice the fix leaves to the user.
            let one = match w.user_assigned_identities.as_slice() {
                [id] if needs(cx, &r, "user_assigned_identities").is_none() => Some(id),
                _ => None,
            };
            let change = one.map(|id| Change::SetPrimaryIdentity {
                workspace: r.clone(),
                identity: id.clone(),
            });
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} has a user-assigned identity that is not its primary identity{}",
                        w.name,
                        undecided(cx, &r, "identity")
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(unknown)
                .with_changes(change),
            );
        }
    }
}
