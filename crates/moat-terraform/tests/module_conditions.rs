//! Resources whose `count` is unknown, written once in a module and called several times:
//! each instance's count is the module's expression with the inputs its caller binds, so the
//! same text is another condition in each instance whose caller binds it otherwise.

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_packets::Protocol;
use moat_terraform::{TfOptions, load};
use std::path::Path;

/// Terraform (input variables): "the calling module passes values for [a module's] input
/// variables in the module block", so `var.enabled` of `module.allow` is `!var.strict` and of
/// `module.deny` is `var.strict`: exactly one of the two rules is deployed, never both, never
/// neither. Seed "Network security groups": the first matching rule by priority decides. With
/// `strict = true` only the deny rule exists and SMB to the endpoint is denied; with
/// `strict = false` only the allow rules exist and it is allowed. The flow is unknown. Taken
/// as one group (the same `var.enabled ? 1 : 0` and the same unset variable), only "all
/// three" (allowed) and "none" (allowed by the default rule) were analysed: allowed, wrongly.
/// `module.allow` and `module.also_allow` bind the same condition and stay one group.
#[test]
fn one_module_expression_bound_to_opposite_conditions_is_two_groups() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/module-conditions");
    let l = load(&dir, &TfOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let reason = |who: &str| {
        t.may_exist
            .iter()
            .find(|m| m.resource.starts_with(&format!("module.{who}.")))
            .map(|m| m.reason.clone())
            .unwrap_or_else(|| panic!("{who}: {:#?}", t.may_exist))
    };
    assert_eq!(t.may_exist.len(), 3, "{:#?}", t.may_exist);
    let (allow, also, deny) = (reason("allow"), reason("also_allow"), reason("deny"));
    assert_ne!(allow, deny);
    assert_eq!(allow, also, "one condition, one group");
    // The reason says what the module's expression is where it is instantiated.
    assert!(allow.contains("`(!var.strict) ? 1 : 0`"), "{allow}");
    assert!(deny.contains("`var.strict ? 1 : 0`"), "{deny}");
    let variants = moat_model::presence::variants(t);
    let e = Engine::for_topology(t, None).unwrap();
    let q = Query {
        from: "subnet/vnet/training".parse().unwrap(),
        to: "ip:10.0.3.10".parse().unwrap(),
        protocol: Protocol::TCP,
        port: 445,
    };
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
}

mod scratch;
use scratch::Scratch;

/// An NSG deployed when `count_expr` is true, in a module of its own.
fn nsg_module(count_expr: &str, locals: &str) -> String {
    format!(
        r#"
variable "enabled" {{
  type = bool
}}

variable "name" {{
  type = string
}}

{locals}

resource "azurerm_network_security_group" "n" {{
  count               = {count_expr} ? 1 : 0
  name                = var.name
  location            = "eastus"
  resource_group_name = "rg"
}}
"#
    )
}

/// The reasons of the may-exist resources of a configuration, by resource.
fn reasons(name: &str, files: &[(&str, String)]) -> std::collections::BTreeMap<String, String> {
    let dir = Scratch::new(name, files);
    let l = load(&dir.0, &TfOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    l.topology
        .may_exist
        .iter()
        .map(|m| (m.resource.clone(), m.reason.clone()))
        .collect()
}

/// Terraform (input variables): a module's input is what its module block passes, through any
/// depth of module calls and the module's locals ("a local value assigns a name to an
/// expression"); `each.key` in a module block is the key of the instance it creates. The
/// reason that groups may-exist resources follows each to the root module: one condition is
/// one group, and two are two.
#[test]
fn conditions_are_followed_through_nested_modules_locals_and_instance_keys() {
    let r = reasons(
        "nested",
        &[
            (
                "main.tf",
                r#"
variable "x" {
  type = bool
}

variable "flags" {
  type = map(bool)
}

module "on" {
  source  = "./outer"
  enabled = var.x
  name    = "on"
}

module "off" {
  source  = "./outer"
  enabled = !var.x
  name    = "off"
}

module "local_on" {
  source  = "./with-local"
  enabled = var.x
  name    = "local-on"
}

module "keyed" {
  source   = "./leaf"
  for_each = toset(["a", "b"])
  enabled  = var.flags[each.key]
  name     = "keyed-${each.key}"
}
"#
                .to_string(),
            ),
            (
                "outer/main.tf",
                r#"
variable "enabled" {
  type = bool
}

variable "name" {
  type = string
}

module "inner" {
  source  = "../leaf"
  enabled = var.enabled
  name    = var.name
}
"#
                .to_string(),
            ),
            ("leaf/main.tf", nsg_module("var.enabled", "")),
            (
                "with-local/main.tf",
                nsg_module("local.on", "locals {\n  on = var.enabled\n}"),
            ),
        ],
    );
    assert_eq!(r.len(), 5, "{r:#?}");
    let on = &r["module.on.module.inner.azurerm_network_security_group.n"];
    let off = &r["module.off.module.inner.azurerm_network_security_group.n"];
    let local_on = &r["module.local_on.azurerm_network_security_group.n"];
    let a = &r["module.keyed[\"a\"].azurerm_network_security_group.n"];
    let b = &r["module.keyed[\"b\"].azurerm_network_security_group.n"];
    assert!(on.contains("`var.x ? 1 : 0`"), "{on}");
    assert!(off.contains("`(!var.x) ? 1 : 0`"), "{off}");
    assert_ne!(on, off);
    // Written otherwise in its module (`local.on`), the same condition on `var.x`.
    assert!(local_on.contains("`var.x ? 1 : 0`"), "{local_on}");
    assert_ne!(a, b, "each key is its own flag");
}
