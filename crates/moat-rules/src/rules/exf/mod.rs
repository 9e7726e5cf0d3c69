//! EXF: data exfiltration.

use crate::Context;
use crate::rule::Rule;
use crate::rules::util_infra::{ComputeGroup, Origin};
use moat_model::enums::IsolationMode;

pub mod exf001;
pub mod exf002;
pub mod exf003;
pub mod exf004;
pub mod exf005;
pub mod exf006;
pub mod exf007;
pub mod exf008;
pub mod exf009;
pub mod exf010;
pub mod exf011;

/// The EXF rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &exf001::RULE,
        &exf002::RULE,
        &exf003::RULE,
        &exf004::RULE,
        &exf005::RULE,
        &exf006::RULE,
        &exf007::RULE,
        &exf008::RULE,
        &exf009::RULE,
        &exf010::RULE,
        &exf011::RULE,
    ]
}

/// Whether the built-in exfiltration invariants prove the group's place: its deployment
/// declares the intent of exfiltration protection (a managed network in
/// AllowOnlyApprovedOutbound mode, a service endpoint policy on its subnet, or
/// `exfiltration_protection: true`). There INV001 proves storage outside the deployment, Front
/// Door and the internet over every packet and reports each violation once with its witness;
/// EXF001-EXF003, which try one destination each, are for the places without that intent.
pub fn proven_by_invariants(cx: &Context, g: &ComputeGroup) -> bool {
    let place = match &g.origin {
        Origin::Subnet(s) => format!("subnet/{s}"),
        Origin::Managed => format!(
            "managed-network/{}",
            g.workspace.hub.as_deref().unwrap_or(&g.workspace.name)
        ),
        Origin::NoVnet => return false,
        // The map's open place of the compute (`compute/<name>`).
        Origin::Open { .. } => g.resource.clone(),
    };
    cx.declares_protection(&place)
}

/// The fix for an open exfiltration path, by where the computes sit. A managed network has no
/// subnet, NSG or firewall of the user's: it is closed by its isolation mode, and in
/// AllowOnlyApprovedOutbound mode each outbound rule the user adds opens it further (facts §7,
/// managed network). Computes in a VNet get the rule's own fix.
pub fn fix_for(g: &ComputeGroup, vnet_fix: &str) -> String {
    if let Origin::Open { need, .. } = &g.origin {
        // Their network is not the deployment's to change: first, what it is.
        return format!("Their traffic leaves through a network the input does not give: {need}.");
    }
    if g.origin != Origin::Managed {
        return vnet_fix.to_string();
    }
    let ws = &g.workspace.name;
    match g.workspace.managed_network.isolation_mode {
        IsolationMode::AllowOnlyApprovedOutbound => format!(
            "Remove the outbound rule of the managed network of workspace {ws} that opens this \
             destination: in AllowOnlyApprovedOutbound mode, every rule added to the required \
             ones weakens its exfiltration protection."
        ),
        _ => format!(
            "Set the managed network of workspace {ws} to AllowOnlyApprovedOutbound: its computes \
             then reach only the targets Azure Machine Learning requires and the outbound rules \
             you add."
        ),
    }
}
