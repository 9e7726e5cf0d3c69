//! `lifecycle { ignore_changes = [...] }`: what the deployed resource holds of an ignored
//! argument is not what the configuration says.
//!
//! Terraform uses an ignored argument's configured value when it creates the resource, and
//! afterwards leaves whatever the deployed resource holds: a value changed outside Terraform
//! (by Azure Policy, a platform team, the portal) stays. Configurations ignore exactly the
//! arguments something else manages: a private endpoint's `private_dns_zone_group` written by a
//! policy, a private link scope's access modes switched after its resources join. So the value
//! of each ignored argument is unknown, written or not; the rest of the resource stays as
//! written.

use crate::value::{Loc, ResObj, Value};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Body;
use std::rc::Rc;

/// One step of an ignored argument's path: an attribute (or map key), or a list index.
#[derive(Debug, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// What a resource body's `lifecycle` block ignores.
#[derive(Debug, Default, PartialEq)]
pub struct Ignored {
    /// The paths listed, each from a top-level argument.
    pub paths: Vec<Vec<Step>>,
    /// `ignore_changes = all`.
    pub all: bool,
    /// Where `ignore_changes` is written (its byte range in the file).
    pub span: Option<std::ops::Range<usize>>,
}

/// Reads `lifecycle { ignore_changes = ... }` of a resource body; paths it cannot read as
/// argument paths (a splat) are left out.
pub fn ignored(body: &Body) -> Ignored {
    use hcl_edit::Span as _;
    let mut out = Ignored::default();
    for b in body.get_blocks("lifecycle") {
        let Some(a) = b.body.get_attribute("ignore_changes") else {
            continue;
        };
        out.span = a.value.span();
        match &a.value {
            Expression::Variable(v) if v.as_str() == "all" => out.all = true,
            Expression::Array(items) => {
                for e in items.iter() {
                    if let Some(p) = path(e) {
                        out.paths.push(p);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An argument path written as a reference (`private_dns_zone_group`,
/// `body.properties.publicNetworkAccess`, `ip_configuration[0].private_ip_address`) or, as
/// older configurations do, as a string.
fn path(e: &Expression) -> Option<Vec<Step>> {
    match e {
        Expression::Variable(v) => Some(vec![Step::Key(v.as_str().to_string())]),
        Expression::String(s) => Some(
            s.value()
                .split('.')
                .map(|k| Step::Key(k.to_string()))
                .collect(),
        ),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = vec![Step::Key(root.as_str().to_string())];
            for op in t.operators.iter() {
                match op.value() {
                    TraversalOperator::GetAttr(k) => out.push(Step::Key(k.as_str().to_string())),
                    TraversalOperator::LegacyIndex(i) => out.push(Step::Index(*i.value() as usize)),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        out.push(Step::Index(n.value().as_u64()? as usize))
                    }
                    TraversalOperator::Index(Expression::String(s)) => {
                        out.push(Step::Key(s.value().to_string()))
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The reason an ignored argument is unknown.
fn reason(path: &[Step]) -> String {
    let mut text = String::new();
    for s in path {
        match s {
            Step::Key(k) if text.is_empty() => text.push_str(k),
            Step::Key(k) => {
                text.push('.');
                text.push_str(k);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    format!(
        "`lifecycle.ignore_changes` lists `{text}`: the deployed resource keeps whatever value it has, which may have been changed outside Terraform since its creation"
    )
}

/// Arguments Azure never changes in place: a resource with another name, parent, group,
/// region or type is another resource, so ignoring changes to them (as modules do for a
/// `parent_id` read from a data source) leaves what was created.
const IDENTITY: &[&str] = &[
    "name",
    "parent_id",
    "resource_group_name",
    "location",
    "type",
];

/// Lists azurerm computes when they are not written (their elements are then separate
/// resources, or added outside Terraform, which Terraform leaves either way): ignoring changes
/// to one that is not written changes nothing.
const COMPUTED_LISTS: &[(&str, &str)] = &[
    ("azurerm_virtual_network", "subnet"),
    ("azurerm_network_security_group", "security_rule"),
    ("azurerm_route_table", "route"),
];

/// Makes each ignored argument of `obj`, a resource of type `rtype`, unknown (written or
/// not), at `at`.
pub fn open_ignored(rtype: &str, obj: &mut ResObj, ignored: &Ignored, at: &Loc) {
    for p in &ignored.paths {
        let Some((Step::Key(first), rest)) = p.split_first() else {
            continue;
        };
        if IDENTITY.contains(&first.as_str())
            || (!obj.attrs.contains_key(first) && COMPUTED_LISTS.contains(&(rtype, first.as_str())))
        {
            continue;
        }
        let u = Value::unknown(reason(p), at);
        match obj.attrs.get_mut(first) {
            Some(v) if !rest.is_empty() => set(v, rest, u),
            _ => {
                obj.attrs.insert(first.clone(), u);
            }
        }
    }
}

/// Sets the value at `path` inside `v` to `u`; where the path leaves what `v` holds (a key
/// not written, an index past the end, a value that is not a collection), the value it
/// reached stands for the whole.
fn set(v: &mut Value, path: &[Step], u: Value) {
    let Some((step, rest)) = path.split_first() else {
        *v = u;
        return;
    };
    match (v, step) {
        (Value::Map(m), Step::Key(k)) => {
            let m = Rc::make_mut(m);
            match m.get_mut(k) {
                Some(x) if !rest.is_empty() => set(x, rest, u),
                _ => {
                    m.insert(k.clone(), u);
                }
            }
        }
        (Value::Res(r), Step::Key(k)) => {
            let r = Rc::make_mut(r);
            match r.attrs.get_mut(k) {
                Some(x) if !rest.is_empty() => set(x, rest, u),
                _ => {
                    r.attrs.insert(k.clone(), u);
                }
            }
        }
        (Value::List(l), Step::Index(i)) if *i < l.len() => {
            set(&mut Rc::make_mut(l)[*i], rest, u);
        }
        (v, _) => *v = u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Body {
        text.parse().expect("HCL")
    }

    #[test]
    fn reads_references_strings_and_all() {
        let i = ignored(&body(
            "lifecycle {\n  ignore_changes = [tags, body.properties.x, ip_configuration[0].private_ip_address, \"dns\"]\n}\n",
        ));
        assert_eq!(
            i.paths,
            vec![
                vec![Step::Key("tags".into())],
                vec![
                    Step::Key("body".into()),
                    Step::Key("properties".into()),
                    Step::Key("x".into())
                ],
                vec![
                    Step::Key("ip_configuration".into()),
                    Step::Index(0),
                    Step::Key("private_ip_address".into())
                ],
                vec![Step::Key("dns".into())],
            ]
        );
        assert!(!i.all);
        assert!(ignored(&body("lifecycle {\n  ignore_changes = all\n}\n")).all);
        assert_eq!(ignored(&body("x = 1\n")), Ignored::default());
    }

    #[test]
    fn opens_the_ignored_value_only() {
        let mut props = std::collections::BTreeMap::new();
        props.insert("publicNetworkAccess".to_string(), Value::str("Enabled"));
        props.insert("hbiWorkspace".to_string(), Value::Bool(false));
        let mut b = std::collections::BTreeMap::new();
        b.insert("properties".to_string(), Value::map(props));
        let mut obj = ResObj {
            addr: "azapi_resource.w".into(),
            attrs: [("body".to_string(), Value::map(b))].into_iter().collect(),
            loc: Loc::default(),
            attr_locs: Default::default(),
        };
        let i = ignored(&body(
            "lifecycle {\n  ignore_changes = [body.properties.publicNetworkAccess, private_dns_zone_group, parent_id]\n}\n",
        ));
        obj.attrs.insert(
            "parent_id".into(),
            Value::str("/subscriptions/s/resourceGroups/g"),
        );
        open_ignored("azapi_resource", &mut obj, &i, &Loc::default());
        let props = obj.attrs["body"].as_map().unwrap()["properties"].clone();
        let props = props.as_map().unwrap();
        assert!(props["publicNetworkAccess"].is_unknown());
        assert_eq!(props["hbiWorkspace"], Value::Bool(false));
        // Not written, and still open: something else may have written it.
        assert!(obj.attrs["private_dns_zone_group"].is_unknown());
        assert_eq!(
            obj.attrs["parent_id"],
            Value::str("/subscriptions/s/resourceGroups/g")
        );
    }

    #[test]
    fn an_unwritten_computed_list_stays_unwritten() {
        let mut vnet = ResObj {
            addr: "azurerm_virtual_network.v".into(),
            attrs: Default::default(),
            loc: Loc::default(),
            attr_locs: Default::default(),
        };
        let i = ignored(&body(
            "lifecycle {\n  ignore_changes = [subnet, dns_servers]\n}\n",
        ));
        open_ignored("azurerm_virtual_network", &mut vnet, &i, &Loc::default());
        assert!(!vnet.attrs.contains_key("subnet"));
        assert!(vnet.attrs["dns_servers"].is_unknown());
    }
}
