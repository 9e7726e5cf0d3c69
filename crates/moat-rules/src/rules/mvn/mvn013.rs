//! MVN013 endpoint-approver-role.

use crate::change::Change;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::enums::OutboundRuleCategory;
use moat_model::ml::OutboundDestination;

/// The rule.
pub struct Mvn013;
/// Its registration.
pub static RULE: Mvn013 = Mvn013;

static DOC: RuleDoc = RuleDoc {
    code: "MVN013",
    name: "endpoint-approver-role",
    severity: Severity::Warning,
    what: "A managed network has a private endpoint outbound rule to a resource other than the workspace's own, and the input declares no role assignment that lets the workspace's identity approve the connection there (info when it declares no role of that identity at all).",
    why: "The managed network creates its private endpoints with the workspace's managed identity, which must be able to approve private endpoint connections on the target. Since 30 April 2025 that permission is no longer granted automatically: assign the Azure AI Enterprise Network Connection Approver role (or a role with the approve actions of that resource type) on the target. Roles are granted outside templates as often as in them: when the input declares no role assignment of the workspace's identity at all, the rule states the requirement as info (nothing in the input is wrong); when it declares that identity's roles and none lets it approve on the target, it is a warning.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: data, type: PrivateEndpoint, destination: { service_resource: storage/data, subresource_target: blob } }] } }]\nstorage_accounts: [{ name: data }]",
    fix: "Assign the Azure AI Enterprise Network Connection Approver role to the workspace's managed identity on the target resource (declare it as a role assignment: principal workspace/<name>, scope the target).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        MN,
        "Prerequisites (permissions to approve private endpoint connections)"
    )],
    covers: &["§6.73"],
    path: false,
};

/// What the requirement needs when the input declares no role of the workspace's identity.
const NO_ROLES: &str =
    "the role assignments of the workspace's managed identity: the input declares none";

/// Roles that include approving private endpoint connections.
const APPROVERS: &[&str] = &[
    "Azure AI Enterprise Network Connection Approver",
    "Owner",
    "Contributor",
];

impl Rule for Mvn013 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in t.workspaces.iter().filter(|w| w.managed_network.enabled()) {
            let own = [
                w.storage_account
                    .as_deref()
                    .map(|s| Address::resource(Kind::Storage, s)),
                w.key_vault
                    .as_deref()
                    .map(|s| Address::resource(Kind::Keyvault, s)),
                w.container_registry
                    .as_deref()
                    .map(|s| Address::resource(Kind::Acr, s)),
                Some(Address::resource(Kind::Workspace, w.name.as_str())),
            ];
            let principal = format!("workspace/{}", w.name);
            let declares_roles = t
                .role_assignments
                .iter()
                .any(|a| a.principal.eq_ignore_ascii_case(&principal));
            let mut seen: Vec<Address> = Vec::new();
            for r in w.managed_network.outbound_rules.iter().filter(|r| r.active) {
                let OutboundDestination::PrivateEndpoint(d) = &r.destination else {
                    continue;
                };
                if matches!(
                    r.category,
                    Some(OutboundRuleCategory::Required | OutboundRuleCategory::Dependency)
                ) {
                    continue;
                }
                let Some(target) = d
                    .service_resource
                    .parse::<Address>()
                    .ok()
                    .or_else(|| Address::from_arm_id(&d.service_resource))
                else {
                    continue;
                };
                let target = match target {
                    Address::Resource { kind, name, .. } => Address::resource(kind, name),
                    other => other,
                };
                if own.iter().flatten().any(|a| *a == target) || seen.contains(&target) {
                    continue;
                }
                seen.push(target.clone());
                let granted = t.role_assignments.iter().any(|a| {
                    a.principal.eq_ignore_ascii_case(&principal)
                        && a.scope == target
                        && APPROVERS.iter().any(|r| a.role.eq_ignore_ascii_case(r))
                });
                if granted {
                    continue;
                }
                let at = if r.at.is_unknown() { &w.at } else { &r.at };
                let change = assign_approver(cx, &w.name, &target);
                if declares_roles {
                    out.push(Finding::new(
                        &DOC,
                        principal.clone(),
                        format!(
                            "outbound rule {} of workspace {} creates a private endpoint to {target}; none of the role assignments declared for the workspace's identity lets it approve the connection there",
                            r.name, w.name
                        ),
                        DOC.fix,
                        at,
                    )
                    .with_changes(change));
                } else {
                    // The requirement, stated once per target: the input says nothing about
                    // the identity's roles, so nothing wrong to report and nothing decided.
                    let mut f = Finding::new(
                        &DOC,
                        principal.clone(),
                        format!(
                            "outbound rule {} of workspace {} creates a private endpoint to {target}: the workspace's identity needs a role that approves private endpoint connections there (not granted automatically since 30 April 2025); declare its role assignments to have them checked",
                            r.name, w.name
                        ),
                        DOC.fix,
                        at,
                    )
                    .needing(Some(NO_ROLES.to_string()))
                    .with_changes(change);
                    f.severity = Severity::Info;
                    out.push(f);
                }
            }
        }
    }
}

/// The approver role on `target` for the workspace's identity, when the deployment declares
/// the target (an assignment on a resource the model lacks would name what it does not know).
fn assign_approver(cx: &Context, ws: &str, target: &Address) -> Option<Change> {
    let Address::Resource { kind, name, .. } = target else {
        return None;
    };
    let ix = &cx.e.ix;
    let declared = match kind {
        Kind::Storage => ix.storage_accounts.contains_key(name.as_str()),
        Kind::Keyvault => ix.key_vaults.contains_key(name.as_str()),
        Kind::Acr => ix.container_registries.contains_key(name.as_str()),
        Kind::Workspace => ix.workspaces.contains_key(name.as_str()),
        Kind::Registry => ix.registries.contains_key(name.as_str()),
        _ => false,
    };
    declared.then(|| Change::AssignWorkspaceRole {
        name: Change::rule_name(&[ws, "approver", name]),
        principal: format!("workspace/{ws}"),
        role: APPROVERS[0].to_string(),
        scope: target.to_string(),
    })
}
