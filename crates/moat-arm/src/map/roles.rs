//! Role assignments on resources the template deploys, and the managed identities they name.

use super::*;

/// The principal reason prefix the evaluator gives a resource's own managed identity, so a
/// role assignment to `reference(x).identity.principalId` names resource `x`.
pub const MANAGED_IDENTITY_PREFIX: &str = "the principal id of the managed identity of ";

/// Maps a role assignment (`Microsoft.Authorization/roleAssignments`). The scope is the
/// resource the assignment extends (`…/providers/Microsoft.Authorization/roleAssignments/x`).
pub(super) fn map_role_assignment(
    t: &mut Topology,
    res: &ArmResource,
    ctx: &mut MapContext,
) -> bool {
    let lower = res.id.to_ascii_lowercase();
    let Some(pos) = lower.rfind("/providers/microsoft.authorization/roleassignments/") else {
        return false;
    };
    let scope = res.id[..pos].to_string();
    if !scope.to_ascii_lowercase().contains("/providers/") {
        // Assigned on a subscription or resource group: not an address in the model.
        return false;
    }
    let mut rec = Rec::new(resource_label(&res.rtype, &res.name), &res.at);
    let p = &res.properties;
    let role = match at(p, &["roleDefinitionId"]) {
        F::Known(v) => {
            let id = json_text(v).unwrap_or_default();
            let guid = last_segment(&id).to_ascii_lowercase();
            moat_model::ml::ROLE_DEFINITIONS
                .iter()
                .find(|(g, _)| *g == guid)
                .map(|(_, n)| n.to_string())
                .unwrap_or(guid)
        }
        F::Unknown(r) => {
            drop_resource(
                t,
                ctx,
                rec,
                res,
                "role",
                &format!("{r}: the role is unknown"),
            );
            return true;
        }
        F::Absent => {
            rec.warn(format!(
                "{}: the role assignment names no role",
                rec.resource
            ));
            flush(t, ctx, rec);
            return true;
        }
    };
    let principal = match at(p, &["principalId"]) {
        F::Known(v) => json_text(v).unwrap_or_default(),
        F::Unknown(r) => match r.strip_prefix(MANAGED_IDENTITY_PREFIX) {
            Some(id) => format!("identity:{id}"),
            None => {
                rec.unknown("principal", &r);
                "unresolved-principal".into()
            }
        },
        F::Absent => "unresolved-principal".into(),
    };
    t.role_assignments.push(moat_model::ml::RoleAssignment {
        principal,
        role,
        scope: Address::Resource {
            kind: AddrKind::Workspace,
            name: scope,
            sub: None,
        },
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
    true
}

/// The address of any addressable resource the template deploys.
pub(super) fn address_any(ctx: &MapContext, raw: &str) -> Option<Address> {
    if let Some(a) = address_of(ctx, raw, "") {
        return Some(a);
    }
    let tg = ctx
        .resolve(
            raw,
            &[
                Kind::Compute,
                Kind::Vm,
                Kind::Aks,
                Kind::OnlineEndpoint,
                Kind::Firewall,
                Kind::PrivateEndpoint,
            ],
        )
        .ok()?;
    let kind = match tg.kind {
        Kind::Compute => AddrKind::Compute,
        Kind::Vm => AddrKind::Vm,
        Kind::Aks => AddrKind::Aks,
        Kind::OnlineEndpoint => AddrKind::OnlineEndpoint,
        Kind::Firewall => AddrKind::Firewall,
        _ => AddrKind::PrivateEndpoint,
    };
    Some(Address::resource(kind, tg.name))
}

/// Role assignments' scopes and managed-identity principals.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    let mut ras = std::mem::take(&mut t.role_assignments);
    ras.retain_mut(|ra| {
        let label = format!("role-assignment/{}", ra.role);
        let raw = target_raw(&ra.scope);
        let Some(scope) = address_any(ctx, &raw) else {
            dangling(
                t,
                ctx,
                label,
                "scope",
                format!(
                    "`{raw}` is not a resource {} {}",
                    ctx.input.this(),
                    ctx.input.deploys()
                ),
                &ra.at,
                "the role assignment is not imported",
            );
            return false;
        };
        ra.scope = scope;
        if let Some(id) = ra.principal.strip_prefix("identity:") {
            ra.principal = match address_any(ctx, id) {
                Some(a) => a.to_string(),
                None => format!("identity of {id}"),
            };
        }
        true
    });
    t.role_assignments = ras;
}
