//! Fixes that put a service endpoint policy (or a private endpoint) in its VNet's region: the native `region`, the
//! policy's `location` in Terraform (the VNet's, by reference, when both are in one module) and
//! in a template (as the template writes the VNet's). Both re-create the policy, as Azure sets a
//! policy's region when it creates it; no `az` command moves one.

use super::{Snippet, Target, arm, native, terraform};

/// `region` in the policy's native entry.
pub(super) fn native(t: &Target, region: &str) -> Option<Snippet> {
    native::values(t, &[(vec!["region"], native::scalar(region))])
}

/// `location` of the `azurerm_subnet_service_endpoint_storage_policy`: the VNet's location by
/// reference when the VNet is an `azurerm_virtual_network` of the same module, else the region.
pub(super) fn terraform(t: &Target, vnet: &Target, region: &str) -> Option<Snippet> {
    let (ty, name) = terraform::type_and_name(&t.at.pointer)?;
    // A block of several instances (`count`, `for_each`) sets them all.
    let kind = matches!(
        ty,
        "azurerm_subnet_service_endpoint_storage_policy" | "azurerm_private_endpoint"
    );
    if !kind || t.at.pointer.contains('[') {
        return None;
    }
    let module = |p: &str| p.find("azurerm_").map(|i| p[..i].to_string());
    let value = match terraform::type_and_name(&vnet.at.pointer) {
        Some(("azurerm_virtual_network", _))
            if module(&vnet.at.pointer) == module(&t.at.pointer) =>
        {
            let (_, reference) = super::endpoint::tf_ref(&vnet.at.pointer)?;
            format!("{reference}.location")
        }
        _ => format!("\"{region}\""),
    };
    terraform::values(t, ty, name, &[(vec!["location"], value)])
}

/// `location` of the policy's resource: the VNet's `location` as the template writes it when
/// both are in one template, else the region.
pub(super) fn arm(t: &Target, vnet: &Target, region: &str) -> Option<Snippet> {
    if arm::copied(t) {
        return None;
    }
    let written = (vnet.at.file == t.at.file)
        .then(|| arm::field(vnet, "location"))
        .flatten()
        .unwrap_or_else(|| region.to_string());
    let value = serde_json::to_string(&written).ok()?;
    arm::values(t, &[(vec!["location"], value)])
}
