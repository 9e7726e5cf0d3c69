//! Fixes in Bicep, beside the ARM JSON for a template: the same resource fragment as a Bicep
//! declaration (Bicep compiles to that JSON, so a template may have been written in either).
//! Expressions are carried over: `parameters('x')` and `variables('x')` become the names `x`;
//! a name Bicep cannot write the same way is given as the name moat resolved.

use super::{Snippet, Target};
use serde_json::{Map, Value};

/// The Bicep form of an ARM snippet's fragment of the resource at `t`.
pub(super) fn from_arm(arm: &Snippet, t: &Target) -> Option<Snippet> {
    let Value::Object(mut fragment) = serde_json::from_str::<Value>(&arm.text).ok()? else {
        return None;
    };
    // A subnet written inside its VNet: the ARM fragment is its element of the VNet's
    // `properties.subnets`, which Bicep declares with the VNet.
    let inline = t.kind == super::Kind::Subnet && !fragment.contains_key("type");
    if inline {
        fragment = in_vnet(fragment, t)?;
    }
    let ty = fragment.shift_remove("type")?.as_str()?.to_string();
    let api = match fragment.shift_remove("apiVersion") {
        Some(v) => v.as_str()?.to_string(),
        None => {
            let (node, found) = t.tree?.pointer(&t.at.pointer);
            found.then_some(())?;
            node.get("apiVersion")?.text()?.to_string()
        }
    };
    let name = fragment.shift_remove("name")?;
    let vnet = t.workspace.filter(|_| inline);
    let name = name
        .as_str()
        .and_then(string)
        .unwrap_or_else(|| literal(vnet.unwrap_or(&resolved_name(t))));
    // Bicep orders deployment by references between declarations, not by resource ids.
    fragment.shift_remove("dependsOn");
    let link = ty.ends_with("/virtualNetworkLinks");
    let symbol = match vnet {
        Some(v) => identifier(v),
        None => identifier(&format!("{}{}", t.name, if link { "-link" } else { "" })),
    };
    let mut text = format!("resource {symbol} '{ty}@{api}' = {{\n  name: {name}\n");
    for (k, v) in &fragment {
        text += &format!("  {}: {}\n", key(k), value(v, "  ")?);
    }
    text += "}\n";
    Some(Snippet {
        input: "bicep",
        language: "bicep",
        text,
        edits: Vec::new(),
    })
}

/// The fragment of the VNet at `t` (type, API version and name as the template writes them)
/// whose `subnets` hold the subnet's element `subnet`.
fn in_vnet(subnet: Map<String, Value>, t: &Target) -> Option<Map<String, Value>> {
    let (vnet, found) = t.tree?.pointer(&t.at.pointer);
    found.then_some(())?;
    let field = |k: &str| vnet.get(k).and_then(|v| v.text()).map(str::to_string);
    let mut out = Map::new();
    out.insert("type".into(), field("type")?.into());
    if let Some(api) = field("apiVersion") {
        out.insert("apiVersion".into(), api.into());
    }
    out.insert("name".into(), field("name")?.into());
    out.insert(
        "properties".into(),
        serde_json::json!({ "subnets": [Value::Object(subnet)] }),
    );
    Some(out)
}

/// A resource object of a template as a Bicep declaration named `symbol`: a child under
/// `parent` (its name the last segment), and `depends` (symbols of the same snippet) after
/// its properties, as Bicep sees no dependency in a `resourceId` it is given.
pub(super) fn declaration(
    symbol: &str,
    resource: &Value,
    parent: Option<&str>,
    depends: &[String],
) -> Option<String> {
    let ty = resource.get("type")?.as_str()?;
    let api = resource.get("apiVersion")?.as_str()?;
    let name = resource.get("name")?.as_str()?;
    let name = match parent {
        Some(_) => literal(name.rsplit('/').next()?),
        None => string(name)?,
    };
    let mut text = format!("resource {} '{ty}@{api}' = {{\n", identifier(symbol));
    if let Some(p) = parent {
        text += &format!("  parent: {}\n", identifier(p));
    }
    text += &format!("  name: {name}\n");
    for (k, v) in resource.as_object()? {
        if !["type", "apiVersion", "name", "dependsOn"].contains(&k.as_str()) {
            text += &format!("  {}: {}\n", key(k), value(v, "  ")?);
        }
    }
    if !depends.is_empty() {
        text += "  dependsOn: [\n";
        for d in depends {
            text += &format!("    {}\n", identifier(d));
        }
        text += "  ]\n";
    }
    Some(text + "}\n")
}

/// A resource the template declares, referred to as `existing` under `symbol`: its type, API
/// version and name as the template writes them.
pub(super) fn existing(symbol: &str, ty: &str, api: &str, name: &str) -> Option<String> {
    Some(format!(
        "resource {} '{ty}@{api}' existing = {{\n  name: {}\n}}\n",
        identifier(symbol),
        string(name)?
    ))
}

/// The resource's name as Azure knows it: a child's with its parent's (`ws/cpu`).
fn resolved_name(t: &Target) -> String {
    use super::Kind::*;
    match (t.kind, t.workspace) {
        (Compute { .. } | OnlineEndpoint | Subnet, Some(parent)) => {
            format!("{parent}/{}", t.name)
        }
        _ => t.name.to_string(),
    }
}

/// A JSON value as a Bicep value, nested blocks indented from `indent`.
fn value(v: &Value, indent: &str) -> Option<String> {
    let inner = format!("{indent}  ");
    Some(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s)?,
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => {
            let mut out = "[\n".to_string();
            for i in items {
                out += &format!("{inner}{}\n", value(i, &inner)?);
            }
            out + indent + "]"
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let mut out = "{\n".to_string();
            for (k, v) in m {
                out += &format!("{inner}{}: {}\n", key(k), value(v, &inner)?);
            }
            out + indent + "}"
        }
    })
}

/// A template string in Bicep: an expression (`[...]`) as the expression, else a literal.
/// `None` for an expression Bicep writes otherwise.
fn string(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Some(literal(&format!("[{rest}")));
    }
    match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => expression(inner.trim()),
        None => Some(literal(s)),
    }
}

/// A string literal: `'`, `\` and `${` escaped.
fn literal(s: &str) -> String {
    format!(
        "'{}'",
        s.replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace("${", "\\${")
    )
}

/// Whether `s` is a Bicep identifier.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A property name: bare when it is an identifier, else quoted.
fn key(k: &str) -> String {
    if is_identifier(k) {
        k.to_string()
    } else {
        literal(k)
    }
}

/// An identifier from a name (`ws-sec015-fail` → `wsSec015Fail`).
pub(super) fn identifier(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper && !out.is_empty() {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'r');
    }
    out
}

/// An ARM template expression in Bicep: string literals re-escaped, `parameters('x')` and
/// `variables('x')` as `x`; `None` for what Bicep writes with other syntax (`if`, `copyIndex`,
/// a parameter whose name is no identifier).
fn expression(e: &str) -> Option<String> {
    let lower = e.to_ascii_lowercase();
    // ARM's function names are case-insensitive; these are read in lower case only.
    let other_case = ["parameters(", "variables("]
        .iter()
        .any(|f| lower.matches(f).count() != e.matches(f).count());
    if other_case || lower.contains("copyindex(") || lower.contains("if(") {
        return None;
    }
    let mut out = String::new();
    let mut rest = e;
    while let Some(c) = rest.chars().next() {
        if let Some(name) = ["parameters('", "variables('"]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
        {
            let end = name.find("')")?;
            let id = &name[..end];
            if !is_identifier(id) {
                return None;
            }
            out += id;
            rest = &name[end + 2..];
        } else if c == '\'' {
            // A literal to its closing quote (`''` is a quote inside it).
            let mut value = String::new();
            let mut it = rest[1..].char_indices().peekable();
            let mut end = None;
            while let Some((i, ch)) = it.next() {
                if ch == '\'' {
                    if it.peek().is_some_and(|(_, n)| *n == '\'') {
                        value.push('\'');
                        it.next();
                    } else {
                        end = Some(i + 2);
                        break;
                    }
                } else {
                    value.push(ch);
                }
            }
            out += &literal(&value);
            rest = &rest[end?..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_become_bicep() {
        assert_eq!(
            expression("parameters('workspaceName')").as_deref(),
            Some("workspaceName")
        );
        assert_eq!(
            expression("format('{0}/{1}', parameters('ws'), 'cpu-cluster')").as_deref(),
            Some("format('{0}/{1}', ws, 'cpu-cluster')")
        );
        assert_eq!(
            expression("concat(variables('prefix'), 'it''s')").as_deref(),
            Some("concat(prefix, 'it\\'s')")
        );
        assert_eq!(
            expression("resourceId('Microsoft.Network/virtualNetworks', 'hub')").as_deref(),
            Some("resourceId('Microsoft.Network/virtualNetworks', 'hub')")
        );
        assert_eq!(expression("variables('zones')[copyIndex()]"), None);
        assert_eq!(expression("parameters('my-name')"), None);
        assert_eq!(expression("if(parameters('a'), 'x', 'y')"), None);
    }

    #[test]
    fn strings_and_names() {
        assert_eq!(string("Disabled").as_deref(), Some("'Disabled'"));
        assert_eq!(
            string("[[not an expression]").as_deref(),
            Some("'[not an expression]'")
        );
        assert_eq!(string("a ${b} \\ c").as_deref(), Some("'a \\${b} \\\\ c'"));
        assert_eq!(identifier("ws-sec015-fail"), "wsSec015Fail");
        assert_eq!(
            identifier("privatelink.api.azureml.ms-link"),
            "privatelinkApiAzuremlMsLink"
        );
        assert_eq!(identifier("1st"), "r1st");
        assert_eq!(key("publicNetworkAccess"), "publicNetworkAccess");
        assert_eq!(key("allow-pypi-org"), "'allow-pypi-org'");
    }

    #[test]
    fn values_nest_as_blocks() {
        let v = serde_json::json!({
            "managedNetwork": { "outboundRules": { "allow-pypi": { "type": "FQDN" } } },
            "securityRules": [{ "name": "a", "properties": { "priority": 100 } }],
            "empty": [],
        });
        assert_eq!(
            value(&v, "  ").unwrap(),
            "{
    managedNetwork: {
      outboundRules: {
        'allow-pypi': {
          type: 'FQDN'
        }
      }
    }
    securityRules: [
      {
        name: 'a'
        properties: {
          priority: 100
        }
      }
    ]
    empty: []
  }"
        );
    }
}
