//! The shapes a live export takes, and the resources in them.
//!
//! Every standard export of a deployed estate holds resources in Azure's own shape (`id`,
//! `name`, `type`, `location`, `kind`, `sku`, `identity`, `properties`); only the envelope
//! differs:
//!
//! | export | envelope |
//! |---|---|
//! | `az graph query -q ... -o json` | `{"count", "data": [...], "skip_token", "total_records"}` (a bare array with older CLI versions) |
//! | Resource Graph REST API | `{"totalRecords", "count", "data": [...], "resultTruncated", "$skipToken"}` |
//! | `az resource list` | an array of resources whose `properties` are null: the list API does not return them |
//! | `az resource show` | one resource, or an array with `--ids a b` |
//! | ARM REST list (`az rest`) | `{"value": [...], "nextLink"}` |
//! | PSRule for Azure's exported resources | an array, keys in Pascal case (`ResourceId`, `Type`, `Properties`), child resources nested under `resources` |
//! | `az network vnet list`, `az network nsg list`, `az network private-endpoint list`, `az network private-dns zone list` and their `show` | a resource, or an array, whose properties are flattened beside `id` and `type` (no `properties` key), in its sub-resources too |
//!
//! Keys are read case-insensitively. A resource's name is taken from its id, which is complete
//! (`zone/link` for a child), so a child exported on its own row names its parent. A resource
//! whose `properties` are absent or null, and which holds nothing else a flattened output would,
//! has *unknown* properties, never empty ones.

use moat_arm::ArmResource;
use moat_doc::tree::{Node, Value};
use moat_doc::{SourceFile, Span};
use moat_model::{Diagnostic, Provenance, Unmodelled};
use serde_json::Value as Json;

/// Why a resource's properties are unknown when the export holds none.
pub const NO_PROPERTIES: &str = "the export holds no properties for this resource (`az resource list` leaves them out; export with `az graph query` or `az resource show`)";

/// What one export file holds.
#[derive(Debug, Default)]
pub struct Export {
    pub resources: Vec<ArmResource>,
    /// Entries that are not resources (a PSRule `listUsages` result nested in a resource).
    pub skipped: Vec<Unmodelled>,
    /// For a Resource Graph result: how many records the query matched in all
    /// (`total_records`, `totalRecords`), and where the result is.
    pub total_records: Option<(u64, Span)>,
}

/// Whether a parsed document (or its outline) is a live export: a Resource Graph result, an ARM
/// list result, an array of resources, or one resource with a full id.
pub fn looks_live(root: &Node) -> bool {
    match &root.value {
        Value::Seq(items) => items.first().is_none_or(looks_like_resource),
        Value::Map(_) => {
            if let Some(Value::Seq(items)) = field(root, &["data"]).map(|n| &n.value) {
                let envelope = ["count", "total_records", "totalRecords", "skip_token"]
                    .iter()
                    .any(|k| field(root, &[k]).is_some())
                    || root.get("$skipToken").is_some()
                    || root.get("resultTruncated").is_some();
                return envelope && items.first().is_none_or(looks_like_resource);
            }
            if let Some(Value::Seq(items)) = field(root, &["value"]).map(|n| &n.value) {
                return items.first().is_some_and(looks_like_resource);
            }
            looks_like_resource(root)
                && text(root, &["id", "resourceId"]).is_some_and(|id| id.starts_with('/'))
        }
        Value::Scalar { .. } => false,
    }
}

fn looks_like_resource(n: &Node) -> bool {
    text(n, &["type", "resourceType"]).is_some_and(|t| t.contains('/'))
        && (field(n, &["id", "resourceId"]).is_some() || field(n, &["name"]).is_some())
}

/// The first entry of `n` whose key is one of `keys` (case-insensitively) and whose value is
/// not null.
pub(crate) fn field<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().find_map(|k| {
        n.entries()
            .iter()
            .find(|(key, v)| {
                key.text().is_some_and(|t| t.eq_ignore_ascii_case(k))
                    && !matches!(v.scalar(), Some(moat_doc::tree::Scalar::Null))
            })
            .map(|(_, v)| v)
    })
}

/// A string entry; Resource Graph writes `""` for a column a resource does not have (`kind`,
/// `managedBy`), which reads as absent.
fn text<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a str> {
    field(n, keys)
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
}

fn provenance(src: &SourceFile, span: Span, pointer: &str) -> Provenance {
    let (line, column) = src.line_col(span.offset);
    Provenance {
        file: src.name.clone(),
        line,
        column,
        pointer: pointer.to_string(),
        offset: span.offset,
        len: span.len,
    }
}

fn error(src: &SourceFile, span: Span, code: &str, msg: String, hint: &str) -> Diagnostic {
    Diagnostic::error(code, msg, src.location(span)).with_hint(Some(hint.to_string()))
}

/// The resources of one export file; every malformed resource is reported.
pub fn read(root: &Node, src: &SourceFile) -> Result<Export, Vec<Diagnostic>> {
    let mut total = None;
    let (items, base): (&[Node], &str) = match &root.value {
        Value::Seq(items) => (items, ""),
        Value::Map(_) => {
            let schema = text(root, &["$schema"])
                .unwrap_or_default()
                .to_ascii_lowercase();
            if schema.contains("deploymenttemplate") {
                return Err(vec![error(
                    src,
                    root.span,
                    "not-an-export",
                    "this is an ARM template (as `az group export` writes it), not a list of resources".into(),
                    "read it as a template: leave out --input-format, or give --input-format arm",
                )]);
            }
            match (root.get("data"), root.get("value")) {
                (Some(d), _) if matches!(d.value, Value::Seq(_)) => {
                    total = field(root, &["total_records", "totalRecords"])
                        .and_then(|n| n.to_json().as_u64())
                        .map(|n| (n, root.span));
                    (d.items(), "/data")
                }
                (_, Some(v)) if matches!(v.value, Value::Seq(_)) => (v.items(), "/value"),
                _ if field(root, &["type", "resourceType"]).is_some() => {
                    (std::slice::from_ref(root), "")
                }
                _ => {
                    return Err(vec![error(
                        src,
                        root.span,
                        "not-an-export",
                        "this is neither a Resource Graph result (`data`), a list of resources, nor one resource (`type`, `id`)".into(),
                        "export with `az graph query -q \"resources | ...\" -o json` or `az resource show`",
                    )]);
                }
            }
        }
        Value::Scalar { .. } => {
            return Err(vec![error(
                src,
                root.span,
                "not-an-export",
                format!(
                    "a live export is a JSON array or object, but this is {}",
                    root.kind_name()
                ),
                "export with `az graph query -q \"resources | ...\" -o json`",
            )]);
        }
    };
    let mut out = Export {
        total_records: total,
        ..Export::default()
    };
    let mut errors = Vec::new();
    let single = base.is_empty() && !matches!(root.value, Value::Seq(_));
    for (i, item) in items.iter().enumerate() {
        let ptr = if single {
            String::new()
        } else {
            format!("{base}/{i}")
        };
        resource(item, src, &ptr, None, &mut out, &mut errors);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads one resource (and the children nested in it) at `ptr`.
fn resource(
    n: &Node,
    src: &SourceFile,
    ptr: &str,
    parent: Option<(&str, &str, &str)>,
    out: &mut Export,
    errors: &mut Vec<Diagnostic>,
) {
    if !matches!(n.value, Value::Map(_)) {
        errors.push(error(
            src,
            n.span,
            "bad-resource",
            format!("a resource is a JSON object, but this is {}", n.kind_name()),
            "each entry of an export is a resource with `id`, `name`, `type` and `properties`",
        ));
        return;
    }
    let at = provenance(src, n.span, ptr);
    // An extension resource (a Defender assessment on a registry) names its own type apart.
    let declared =
        text(n, &["extensionResourceType"]).or_else(|| text(n, &["type", "resourceType"]));
    let Some(declared) = declared else {
        errors.push(error(
            src,
            field(n, &["type", "resourceType"]).map_or(n.span, |t| t.span),
            "bad-resource",
            match field(n, &["type", "resourceType"]) {
                Some(t) => format!("the resource's `type` is {}, not a string", t.kind_name()),
                None => "a resource without `type`".into(),
            },
            "each resource of an export names its type (`Microsoft.Network/virtualNetworks`)",
        ));
        return;
    };
    let id = text(n, &["id", "resourceId"])
        .filter(|s| s.starts_with('/'))
        .map(String::from);
    let name_field = text(n, &["name", "resourceName"]);
    // A nested child may name its type and name relative to its parent, as templates do.
    let rtype = match parent {
        Some((ptype, _, _)) if !declared.contains('/') => format!("{ptype}/{declared}"),
        _ => declared.to_string(),
    };
    let name = match (id.as_deref().and_then(name_of_id), name_field, parent) {
        (Some(from_id), _, _) => from_id,
        (None, Some(nm), Some((_, pname, _))) if !nm.contains('/') => format!("{pname}/{nm}"),
        (None, Some(nm), _) => nm.to_string(),
        (None, None, Some(_)) => {
            // Not a resource: a list result a collector nested in its parent.
            out.skipped.push(Unmodelled {
                resource_type: rtype,
                name: String::new(),
                at,
            });
            return;
        }
        (None, None, None) => {
            errors.push(error(
                src,
                n.span,
                "bad-resource",
                format!("a `{rtype}` resource with neither `id` nor `name`"),
                "each resource of an export has a full `id` (`/subscriptions/.../providers/...`)",
            ));
            return;
        }
    };
    let id = id.unwrap_or_else(|| id_from_fields(n, &rtype, &name, parent).unwrap_or_default());
    let json = |keys: &[&str]| field(n, keys).map(Node::to_json);
    let properties = match field(n, &["properties"]) {
        Some(p) => p.to_json(),
        None => flattened(n).unwrap_or_else(|| serde_json::json!({ "$unknown": NO_PROPERTIES })),
    };
    let res = ArmResource {
        rtype: rtype.clone(),
        name: name.clone(),
        id: id.clone(),
        location: text(n, &["location"]).map(String::from),
        sku: json(&["sku"]),
        kind: text(n, &["kind"]).map(String::from),
        identity: json(&["identity"]),
        properties,
        api_version: text(n, &["apiVersion"]).map(String::from),
        at,
    };
    out.resources.push(res);
    if let Some(children) = field(n, &["resources"]) {
        for (j, c) in children.items().iter().enumerate() {
            resource(
                c,
                src,
                &format!("{ptr}/resources/{j}"),
                Some((&rtype, &name, &id)),
                out,
                errors,
            );
        }
    }
}

/// The full name of a resource from its id: the names after the provider namespace, joined
/// by `/` (`zone/link` for `.../privateDnsZones/zone/virtualNetworkLinks/link`). A resource
/// group's id names the group.
pub fn name_of_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let segs: Vec<&str> = match lower.rfind("/providers/") {
        Some(pos) => id[pos + "/providers/".len()..]
            .split('/')
            .skip(1)
            .skip(1)
            .step_by(2)
            .collect(),
        None => id.trim_end_matches('/').rsplit('/').take(1).collect(),
    };
    let name = segs.join("/");
    (!name.is_empty()).then_some(name)
}

/// An id built from the columns a resource carries when it has no `id` (its subscription and
/// resource group), or from its parent's id.
fn id_from_fields(
    n: &Node,
    rtype: &str,
    name: &str,
    parent: Option<(&str, &str, &str)>,
) -> Option<String> {
    let leaf = name.rsplit('/').next().unwrap_or(name);
    let child_type = rtype.rsplit('/').next().unwrap_or(rtype);
    if let Some((_, _, pid)) = parent.filter(|(_, _, pid)| !pid.is_empty()) {
        return Some(format!("{pid}/{child_type}/{leaf}"));
    }
    let sub = text(n, &["subscriptionId"])?;
    let rg = text(n, &["resourceGroup", "resourceGroupName"])?;
    let (ns, rest) = rtype.split_once('/')?;
    let mut id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}");
    for (t, nm) in rest.split('/').zip(name.split('/')) {
        id.push_str(&format!("/{t}/{nm}"));
    }
    Some(id)
}

/// The keys of a resource that are not among its properties: ARM's resource envelope, the
/// columns Resource Graph and the Azure CLI add (`resourceGroup`), and PSRule's nested
/// children.
const ENVELOPE: &[&str] = &[
    "id",
    "name",
    "type",
    "location",
    "tags",
    "etag",
    "sku",
    "kind",
    "identity",
    "zones",
    "extendedLocation",
    "managedBy",
    "plan",
    "systemData",
    "resourceGroup",
    "resourceGroupName",
    "subscriptionId",
    "tenantId",
    "apiVersion",
    "resourceId",
    "resourceName",
    "resourceType",
    "extensionResourceType",
    "resources",
];

/// Keys a resources list adds outside `properties` (`$expand=createdTime,changedTime,
/// provisioningState`): a resource that holds no other key has no properties in the export.
const LIST_EXPANDED: &[&str] = &["createdTime", "changedTime", "provisioningState"];

fn is_one_of(key: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The properties of a resource the Azure CLI wrote flattened: `az network vnet list`,
/// `az network nsg list`, `az network private-endpoint list` and the other commands built on
/// the SDKs' flattened models print a resource's properties beside its `id` and `type`
/// (`addressSpace`, `subnets`, `securityRules`), with no `properties` key, and the
/// sub-resources in them (subnets, rules, routes, connections) the same way. Such a resource
/// is given back its `properties` object, so the one mapper reads it as any other; a key the
/// output leaves out is absent, as in `properties`. `None` when the resource has a
/// `properties` key (null in `az resource list`) or nothing outside the envelope.
fn flattened(n: &Node) -> Option<Json> {
    let entries = n.entries();
    let has_properties = entries.iter().any(|(k, _)| {
        k.text()
            .is_some_and(|t| t.eq_ignore_ascii_case("properties"))
    });
    let beside = |k: &str| !is_one_of(k, ENVELOPE) && !is_one_of(k, LIST_EXPANDED);
    if has_properties || !entries.iter().any(|(k, _)| k.text().is_some_and(beside)) {
        return None;
    }
    let props: serde_json::Map<String, Json> = entries
        .iter()
        .filter_map(|(k, v)| {
            let k = k.text()?;
            (!is_one_of(k, ENVELOPE)).then(|| (k.to_string(), unflatten(v.to_json())))
        })
        .collect();
    Some(Json::Object(props))
}

/// A flattened value with each sub-resource in it (an object with a full `id`, no
/// `properties` and keys outside the envelope) given back its `properties`. A reference
/// (`{"id": ...}`, with the `resourceGroup` the CLI adds) stays as it is.
fn unflatten(v: Json) -> Json {
    match v {
        Json::Array(items) => Json::Array(items.into_iter().map(unflatten).collect()),
        Json::Object(o) => {
            let sub = o
                .iter()
                .any(|(k, v)| k == "id" && v.as_str().is_some_and(|s| s.starts_with('/')))
                && !o.keys().any(|k| k.eq_ignore_ascii_case("properties"))
                && o.keys().any(|k| !is_one_of(k, ENVELOPE));
            if !sub {
                return Json::Object(o.into_iter().map(|(k, v)| (k, unflatten(v))).collect());
            }
            let mut out = serde_json::Map::new();
            let mut props = serde_json::Map::new();
            for (k, v) in o {
                if is_one_of(&k, ENVELOPE) {
                    out.insert(k, v);
                } else {
                    props.insert(k, unflatten(v));
                }
            }
            out.insert("properties".into(), Json::Object(props));
            Json::Object(out)
        }
        other => other,
    }
}

/// Whether the export left a resource's properties out (they are unknown to the mapper).
pub fn properties_unknown(res: &ArmResource) -> bool {
    matches!(&res.properties, Json::Object(o) if o.contains_key("$unknown"))
}
