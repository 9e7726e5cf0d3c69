//! The azapi provider's resource id functions (`provider::azapi::resource_group_resource_id`
//! and its kin): ids built from a scope, a resource type and the names along it, as the
//! provider documents them. Built by `join`, so an unknown part (a subscription id from a
//! variable) is marked and the id still names the resource its known parts determine.

use super::call;
use crate::eval::Evaluator;
use crate::value::{Loc, Value};

/// The id a function of the azapi provider builds, or `None` for a function moat does not
/// evaluate (or arguments it cannot read: the caller keeps the value unknown).
pub fn call_azapi(ev: &mut Evaluator, name: &str, args: &[Value], at: &Loc) -> Option<Value> {
    let lit = |x: &str| Value::String(x.into());
    // A part is known text or an unknown (marked by `join`); anything else is not an id part.
    let text = |v: &Value| match v {
        Value::Unknown(_) => Some(v.clone()),
        other => other.to_tf_string().map(Value::String),
    };
    let (mut parts, ty, names) = match (name, args) {
        ("resource_group_resource_id", [sub, rg, ty, names]) => (
            vec![
                lit(""),
                lit("subscriptions"),
                text(sub)?,
                lit("resourceGroups"),
                text(rg)?,
            ],
            ty,
            names,
        ),
        ("subscription_resource_id", [sub, ty, names]) => {
            (vec![lit(""), lit("subscriptions"), text(sub)?], ty, names)
        }
        ("tenant_resource_id", [ty, names]) => (vec![lit("")], ty, names),
        ("management_group_resource_id", [mg, ty, names]) => (
            vec![
                lit(""),
                lit("providers"),
                lit("Microsoft.Management"),
                lit("managementGroups"),
                text(mg)?,
            ],
            ty,
            names,
        ),
        ("extension_resource_id", [Value::String(base), ty, names]) => {
            (vec![lit(base.trim_end_matches('/'))], ty, names)
        }
        _ => return None,
    };
    // `Microsoft.Network/virtualNetworks/subnets` with names [vnet, snet]:
    // `providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`.
    let ty = ty.to_tf_string()?;
    let mut segs = ty.split('/');
    let ns = segs.next()?;
    let types: Vec<&str> = segs.collect();
    let Value::List(names) = names else {
        return None;
    };
    if types.is_empty() || types.len() != names.len() {
        return None;
    }
    parts.push(lit("providers"));
    parts.push(lit(ns));
    for (t, n) in types.iter().zip(names.iter()) {
        parts.push(lit(t));
        parts.push(text(n)?);
    }
    call(ev, "join", vec![lit("/"), Value::list(parts)], at).ok()
}
