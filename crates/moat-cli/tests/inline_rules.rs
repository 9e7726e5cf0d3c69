//! An NSG that writes its rules inline while a separate `azurerm_network_security_rule` adds
//! one. The azurerm provider documents that the two "cannot be used together": "doing so will
//! cause a conflict of rule settings and will overwrite rules" — each apply of the NSG sets its
//! rules to the inline list, and the next apply of the separate rule adds it back. Whether the
//! separate rule is deployed is therefore open: a flow it alone allows is unknown, never
//! "allowed", and the finding that depends on it is undecided. Without inline rules the
//! separate rule is simply part of the NSG. A route table that writes its routes inline beside
//! a separate `azurerm_route` is the same case.
//!
//! An ARM template is sent the same way: each deployment PUTs the NSG (route table) with the
//! `securityRules` (`routes`) it writes, and Azure documents the PUT of a parent with a list of
//! child resources so (Azure Networking Blog, "Azure Virtual Network now supports updates
//! without subnet property"): "If any of the existing resources are omitted from the JSON for
//! the PUT operation, those resources are removed from the Azure deployment"; Resource
//! Manager's "Deployment modes" adds that on redeployment "all properties are reapplied. The
//! properties aren't incrementally added." A security rule (route) declared as a child resource
//! (`Microsoft.Network/networkSecurityGroups/securityRules`, `Microsoft.Network/routeTables/
//! routes`, at the top or in the parent's `resources`) is removed by each deployment of its
//! parent until its own PUT adds it back.
//!
//! moat reads the state once the deployment is done, and Resource Manager ("Define the order
//! for deploying resources in ARM templates") "evaluates the dependencies between resources,
//! and deploys them in their dependent order. When resources aren't dependent on each other,
//! Resource Manager deploys them in parallel." A child whose `dependsOn` names its parent is
//! PUT after it, so the deployment ends with the child in place: it is deployed, and the
//! warning only says it is removed for a while during each deployment. A child without one
//! may be PUT before its parent, which then removes it: it gets the treatment the separate
//! Terraform resource gets (an apply adds nothing back), in the same words. Nesting the child
//! in its parent's `resources` orders nothing: "An implicit deployment dependency isn't
//! automatically created between a child resource and the parent resource."

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inline_rules")
}

fn arm(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/inline_rules_arm")
        .join(case)
}

fn routes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inline_routes")
}

/// The `inline-conflict` warnings of the input at `path`: (line, message).
fn conflicts(path: &Path) -> Vec<(u32, String)> {
    let l = moat_ingest::load_opts(path, &Default::default()).expect("loads");
    l.warnings
        .iter()
        .filter(|d| d.code == "inline-conflict")
        .map(|d| (d.location.line, d.message.clone()))
        .collect()
}

/// The trace of HTTPS from the training subnet to the internet: its verdict and what it
/// misses.
fn https_trace(path: &Path) -> (String, String) {
    let v = moat(
        path,
        &[
            "trace",
            "--from",
            "subnet/vnet-train/jobs",
            "--to",
            "fqdn:example.com",
        ],
    );
    (
        v["verdict"].as_str().unwrap_or_default().to_string(),
        v["missing"].to_string(),
    )
}

/// EXF003's certainty and needs in `moat check` of the input at `path`.
fn exf003(path: &Path) -> (String, String) {
    let v = moat(path, &["check"]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXF003")
        .cloned()
        .unwrap_or_else(|| panic!("EXF003 is reported: {v:#}"));
    (
        f["certainty"].as_str().unwrap_or_default().to_string(),
        f["needs"].to_string(),
    )
}

/// The template at `path` with no `dependsOn` on its child rules and routes (at the top or in
/// their parent's `resources`), in a directory of its own: nothing orders them after their
/// parent.
fn unordered(path: &Path, tag: &str) -> PathBuf {
    edited(path, tag, |v| {
        let resources = v["resources"].as_array_mut().unwrap();
        for r in resources.iter_mut() {
            let child = r["type"].as_str().unwrap().ends_with("/securityRules");
            if let (true, Some(o)) = (child, r.as_object_mut()) {
                o.remove("dependsOn");
            }
            for c in r["resources"].as_array_mut().into_iter().flatten() {
                c.as_object_mut().unwrap().remove("dependsOn");
            }
        }
    })
}

/// A copy of the template at `path`, changed by `edit`, in a directory of its own.
fn edited(path: &Path, tag: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    let dir = std::env::temp_dir().join(format!("moat-inline-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("azuredeploy.json");
    std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    file
}

fn moat(dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn https_out(dir: &Path) -> String {
    let v = moat(
        dir,
        &[
            "trace",
            "--from",
            "subnet/vnet-train/jobs",
            "--to",
            "fqdn:example.com",
        ],
    );
    v["verdict"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_separate_rule_beside_inline_rules_may_not_be_deployed() {
    assert_eq!(https_out(&data()), "unknown");
    let v = moat(&data(), &["check"]);
    let exf003 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXF003")
        .cloned()
        .unwrap_or_else(|| panic!("EXF003 is reported: {v:#}"));
    assert_eq!(exf003["certainty"], "undecided", "{exf003:#}");
    assert!(
        exf003["needs"].to_string().contains("https_out"),
        "{exf003:#}"
    );
}

#[test]
fn without_inline_rules_the_separate_rule_decides() {
    // The same NSG with its deny written as a separate rule too: no list is written inline.
    let text = std::fs::read_to_string(data().join("main.tf")).unwrap();
    let start = text.find("  security_rule {").unwrap();
    let end = start + text[start..].find("\n  }\n").unwrap() + 5;
    let inline = &text[start..end];
    let separate = inline
        .replace("  security_rule {", "resource \"azurerm_network_security_rule\" \"no_internet\" {")
        .replace("\n  }\n", "\n  resource_group_name         = azurerm_resource_group.train.name\n  network_security_group_name = azurerm_network_security_group.jobs.name\n}\n");
    let dir = std::env::temp_dir().join(format!("moat-inline-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!("{}{}", text.replace(inline, ""), separate),
    )
    .unwrap();
    let verdict = https_out(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(verdict, "allowed");
}

/// The Terraform NSG above, written as an ARM template: its deny in `securityRules`, HTTPS
/// opened by a child security rule that nothing orders after the NSG. The model is
/// Terraform's: the flow the child alone allows is unknown for want of it, EXF003 is
/// undecided on it, and the warning is at the child, in Terraform's words but for what writes
/// the list and what sends it.
#[test]
fn an_arm_child_rule_not_ordered_after_its_nsg_is_open_as_in_terraform() {
    let case = unordered(&arm("nsg_child_rule.json"), "unordered-nsg");
    let (verdict, missing) = https_trace(&case);
    assert_eq!(verdict, "unknown");
    assert!(missing.contains("nsg-rule/nsg-jobs/https-out"), "{missing}");
    assert_eq!(https_trace(&data()).0, verdict);

    let (certainty, needs) = exf003(&case);
    assert_eq!(certainty, "undecided");
    assert!(needs.contains("nsg-rule/nsg-jobs/https-out"), "{needs}");
    assert_eq!(exf003(&data()).0, certainty);

    let arm_warning = conflicts(&case);
    let tf_warning = conflicts(&data());
    let _ = std::fs::remove_dir_all(case.parent().unwrap());
    assert_eq!(arm_warning.len(), 1, "{arm_warning:?}");
    let words = |m: &str, res: &str, owner: &str, written: &str, run: &str| {
        m.replace(res, "R")
            .replace(owner, "O")
            .replace(written, "W")
            .replace(run, "RUN")
    };
    assert_eq!(
        words(
            &arm_warning[0].1,
            "nsg-rule/nsg-jobs/https-out",
            "nsg/nsg-jobs`",
            "properties.securityRules",
            "each deployment"
        ),
        words(
            &tf_warning[0].1,
            "azurerm_network_security_rule.https_out",
            "azurerm_network_security_group.jobs`",
            "security_rule",
            "each apply"
        )
    );
}

/// The same template as written: the child rule's `dependsOn` names the NSG, so "Resource
/// Manager ... deploys them in their dependent order" and the deployment ends with the rule
/// PUT back. It is deployed: HTTPS is allowed, as if the rule were inline, and EXF003 is
/// decided. The warning stays, at the child rule's object, and says why.
#[test]
fn an_arm_child_rule_ordered_after_its_nsg_is_deployed() {
    let case = arm("nsg_child_rule.json");
    assert_eq!(https_trace(&case).0, "allowed");
    assert_eq!(exf003(&case).0, "definite");
    let w = conflicts(&case);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, 28);
    assert_eq!(
        w[0].1,
        "`nsg-rule/nsg-jobs/https-out` adds to nsg/nsg-jobs, whose resource `nsg/nsg-jobs` also writes its rules inline (`properties.securityRules`): each deployment of `nsg/nsg-jobs` removes it until its own PUT, which the deployment sends after `nsg/nsg-jobs`'s, adds it back: it is missing for a while during each deployment (or the deployment fails where Azure will not remove it while it is in use); moat analyses the state once the deployment is done, in which it is deployed"
    );
}

/// A route table that keeps VNet traffic local in its `routes` while a child route (in the
/// table's own `resources`, with no `dependsOn`) drops the rest: nesting orders nothing, so
/// whether the drop is deployed decides the flow to the internet, which is unknown, as for the
/// same Terraform route table beside a separate `azurerm_route`.
#[test]
fn an_arm_child_route_nested_without_depends_on_is_open_as_in_terraform() {
    let case = unordered(&arm("route_child.json"), "unordered-rt");
    let (verdict, missing) = https_trace(&case);
    assert_eq!(verdict, "unknown");
    assert!(missing.contains("route/rt-jobs/no-internet"), "{missing}");
    let (tf_verdict, tf_missing) = https_trace(&routes());
    assert_eq!(tf_verdict, verdict);
    assert!(
        tf_missing.contains("azurerm_route.no_internet"),
        "{tf_missing}"
    );
    let w = conflicts(&case);
    let _ = std::fs::remove_dir_all(case.parent().unwrap());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].1.contains("(`properties.routes`)"), "{w:?}");
    assert!(
        w[0].1.contains("whether it is deployed is left open"),
        "{w:?}"
    );
    assert_eq!(conflicts(&routes()).len(), 1);
}

/// The nested child route as written, whose `dependsOn` names its table: PUT after it, the
/// drop is deployed and the flow denied. The warning stays at the route's object.
#[test]
fn an_arm_child_route_nested_and_ordered_after_its_table_is_deployed() {
    let case = arm("route_child.json");
    assert_eq!(https_trace(&case).0, "denied");
    let w = conflicts(&case);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, 25);
    assert!(w[0].1.contains("in which it is deployed"), "{w:?}");
}

/// Without `securityRules` (`routes`) the NSG (route table) sends no list, and its child
/// resources are simply its rules (routes): the deny decides, as it would inline.
#[test]
fn an_arm_parent_without_its_list_keeps_its_children() {
    let to_children = |v: &mut serde_json::Value, parent: &str, list: &str, child: &str| {
        let resources = v["resources"].as_array_mut().unwrap();
        let p = resources
            .iter_mut()
            .find(|r| r["name"] == parent)
            .expect("the parent");
        let items = p["properties"]
            .as_object_mut()
            .unwrap()
            .remove(list)
            .unwrap();
        let moved: Vec<serde_json::Value> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                serde_json::json!({"type": child, "apiVersion": "2023-11-01",
                    "name": format!("{parent}/{}", i["name"].as_str().unwrap()),
                    "dependsOn": [format!("[resourceId('{}', '{parent}')]", child.rsplit_once('/').unwrap().0)],
                    "properties": i["properties"]})
            })
            .collect();
        resources.extend(moved);
    };
    let nsg = edited(&arm("nsg_child_rule.json"), "nsg", |v| {
        to_children(
            v,
            "nsg-jobs",
            "securityRules",
            "Microsoft.Network/networkSecurityGroups/securityRules",
        )
    });
    let rt = edited(&arm("route_child.json"), "rt", |v| {
        to_children(
            v,
            "rt-jobs",
            "routes",
            "Microsoft.Network/routeTables/routes",
        )
    });
    let got = [
        (https_trace(&nsg).0, conflicts(&nsg).len()),
        (https_trace(&rt).0, conflicts(&rt).len()),
    ];
    for f in [&nsg, &rt] {
        let _ = std::fs::remove_dir_all(f.parent().unwrap());
    }
    assert_eq!(got, [("allowed".into(), 0), ("denied".into(), 0)]);
}

/// A list written empty is a list: each deployment of the NSG sends no rules, removing every
/// child rule, and each is added back by its own PUT, here in no order the template fixes
/// (neither names the NSG in `dependsOn`). With the deny back and the HTTPS rule not yet,
/// HTTPS is denied; with both or neither, allowed: the flow is unknown, for want of the HTTPS
/// rule.
#[test]
fn an_arm_parent_writing_its_list_empty_overwrites_every_child() {
    let case = edited(&arm("nsg_child_rule.json"), "empty", |v| {
        let resources = v["resources"].as_array_mut().unwrap();
        for r in resources.iter_mut() {
            if r["name"] == "nsg-jobs/https-out" {
                r.as_object_mut().unwrap().remove("dependsOn");
            }
        }
        let nsg = resources
            .iter_mut()
            .find(|r| r["name"] == "nsg-jobs")
            .unwrap();
        let rule = nsg["properties"]["securityRules"][0].clone();
        nsg["properties"]["securityRules"] = serde_json::json!([]);
        resources.push(serde_json::json!({
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "apiVersion": "2023-11-01", "name": "nsg-jobs/no-internet",
            "properties": rule["properties"]}));
    });
    let (verdict, missing) = https_trace(&case);
    let w = conflicts(&case);
    let _ = std::fs::remove_dir_all(case.parent().unwrap());
    assert_eq!(verdict, "unknown");
    assert!(missing.contains("https-out"), "{missing}");
    assert_eq!(w.len(), 2, "{w:?}");
}

/// A child that the parent's list also writes is in every PUT of the parent, which "using a
/// PUT with the existing resources preserves" (the blog above): the child is never removed,
/// so it decides as it would inline, and there is no conflict to warn about. Here the NSG's
/// list also writes the HTTPS rule (HTTPS allowed), and the route table's the drop (denied).
#[test]
fn an_arm_child_the_parent_list_also_writes_is_kept() {
    let also_inline = |v: &mut serde_json::Value, parent: &str, list: &str, child: &str| {
        let resources = v["resources"].as_array_mut().unwrap();
        let found = resources
            .iter()
            .flat_map(|r| std::iter::once(r).chain(r["resources"].as_array().into_iter().flatten()))
            .find(|r| r["name"].as_str().unwrap().ends_with(child))
            .expect("the child")
            .clone();
        let p = resources
            .iter_mut()
            .find(|r| r["name"] == parent)
            .expect("the parent");
        p["properties"][list]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"name": child, "properties": found["properties"]}));
    };
    let nsg = edited(&arm("nsg_child_rule.json"), "listed-nsg", |v| {
        also_inline(v, "nsg-jobs", "securityRules", "https-out")
    });
    let rt = edited(&arm("route_child.json"), "listed-rt", |v| {
        also_inline(v, "rt-jobs", "routes", "no-internet")
    });
    let got = [
        (https_trace(&nsg).0, conflicts(&nsg).len()),
        (https_trace(&rt).0, conflicts(&rt).len()),
    ];
    for f in [&nsg, &rt] {
        let _ = std::fs::remove_dir_all(f.parent().unwrap());
    }
    assert_eq!(got, [("allowed".into(), 0), ("denied".into(), 0)]);
}
