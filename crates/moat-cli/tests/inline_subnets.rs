//! A VNet that writes its subnets inline while a separate `azurerm_subnet` adds one. The
//! azurerm provider documents that the two cannot be used together: "At this time you cannot
//! use a Virtual Network with in-line Subnets in conjunction with any Subnet resources. Doing
//! so will cause a conflict of Subnet configurations and will overwrite Subnets." Each apply
//! of the VNet sets its subnets to the inline list, and the next apply of the separate subnet
//! adds it back: whether the separate subnet (and what is placed in it) is deployed is open.
//! A flow to a NIC in it is unknown, never "allowed", and `validate` warns. Without inline
//! subnets the separate subnet is simply part of the VNet.
//!
//! The same holds when either side is an `azapi_resource`, which sends the body it is given
//! to Azure as a PUT: a VNet whose body lists its subnets, or a subnet of type
//! `Microsoft.Network/virtualNetworks/subnets`. Azure documents the virtual network PUT so
//! (Azure Networking Blog, "Azure Virtual Network now supports updates without subnet
//! property"): "If any of the existing resources are omitted from the JSON for the PUT
//! operation, those resources are removed from the Azure deployment"; and Azure Resource
//! Manager's "Create virtual network resources by using Bicep": "Explicitly setting the subnet
//! property to an empty value deletes all existing subnets", while "if the subnet property
//! isn't included in a PUT request, the existing subnets remain unchanged". So a body that
//! lists subnets removes the separate one, and a body without `subnets` leaves it.
//!
//! An ARM template is sent the same way: each deployment PUTs the VNet with the `subnets` it
//! writes, which removes a subnet declared as a child resource (at the top of the template or
//! in the VNet's `resources`) until that resource's own PUT adds it back; the Bicep guide
//! warns that declaring a subnet as a child resource this way "can result in downtime for your
//! resources during subsequent deployments, or failed deployments". A list written empty
//! deletes them all, and a VNet that leaves `subnets` out keeps its child subnets, from the
//! API version the blog names: "This capability is now available with API version
//! 2023-09-01". A VNet sent with an earlier one is PUT the old way: "If a subnet property isn't
//! included, the subnets are deleted", so each deployment of it removes every child subnet
//! until their own PUTs add them back, as an inline list would.
//!
//! moat reads the state once the deployment is done. Resource Manager ("Define the order for
//! deploying resources in ARM templates") "evaluates the dependencies between resources, and
//! deploys them in their dependent order. When resources aren't dependent on each other,
//! Resource Manager deploys them in parallel." A child subnet whose `dependsOn` reaches the
//! VNet — naming it, naming a resource that depends on it, by symbolic name in
//! `languageVersion` 2.0, or through a nested deployment that depends on the one deploying
//! the VNet ("Using linked and nested templates": "If the resources in one linked template
//! must be deployed before resources in a second linked template, set the second template
//! dependent on the first") — or that reads the VNet through `reference()` by name ("Reference
//! and list expressions implicitly declare that one resource depends on another") is PUT after
//! the VNet, so the deployment ends with it in place:
//! it is deployed, and the warning stays to say it is removed meanwhile. A child subnet that
//! nothing orders after the VNet may be PUT first and then removed: whether it is deployed is
//! open, as for Terraform (where an apply adds nothing back). Nesting the subnet in the VNet's
//! `resources` orders nothing: "An implicit deployment dependency isn't automatically created
//! between a child resource and the parent resource." Nor does a dependency moat cannot
//! evaluate, or one through a resource that may not be deployed ("When a conditional resource
//! isn't deployed, Azure Resource Manager automatically removes it from the required
//! dependencies").

use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inline_subnets")
}

fn arm(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/inline_subnets_arm")
        .join(case)
}

fn azapi(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/inline_subnets_azapi")
        .join(case)
}

/// The lines of the `inline-conflict` warnings of the configuration in `dir`.
fn conflicts(dir: &Path) -> Vec<u32> {
    let l = moat_ingest::load_opts(dir, &Default::default()).expect("loads");
    l.warnings
        .iter()
        .filter(|d| d.code == "inline-conflict")
        .map(|d| d.location.line)
        .collect()
}

/// The flow to the NIC in the separate subnet is unknown, for want of whether `separate` is
/// deployed, and `validate` warns at `separate`'s line.
fn open_by_the_inline_list(dir: &Path, separate: &str, line: u32) {
    let v = ssh_to_trainer(dir);
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    assert!(v["missing"].to_string().contains(separate), "{v:#}");
    assert_eq!(conflicts(dir), [line]);
}

fn moat(dir: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    (v, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// SSH from the inline subnet to the NIC in the separate subnet (the NSG's default rules
/// admit traffic within the VNet).
fn ssh_to_trainer(dir: &Path) -> serde_json::Value {
    moat(
        dir,
        &[
            "trace",
            "--from",
            "subnet/vnet-ml/snet-default",
            "--to",
            "ip:10.20.3.4",
            "--port",
            "22",
        ],
    )
    .0
}

#[test]
fn a_separate_subnet_beside_inline_subnets_may_not_be_deployed() {
    let v = ssh_to_trainer(&data());
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    assert!(
        v["missing"].to_string().contains("azurerm_subnet.training"),
        "{v:#}"
    );
    // At `resource "azurerm_subnet" "training"`.
    assert_eq!(conflicts(&data()), [44]);
}

#[test]
fn an_azapi_subnet_beside_inline_azurerm_subnets_may_not_be_deployed() {
    // At `resource "azapi_resource" "training"`.
    open_by_the_inline_list(&azapi("azurerm_vnet"), "azapi_resource.training", 37);
}

#[test]
fn an_azapi_subnet_beside_an_azapi_vnet_listing_its_subnets_may_not_be_deployed() {
    open_by_the_inline_list(&azapi("azapi_vnet"), "azapi_resource.training", 37);
}

#[test]
fn an_azurerm_subnet_beside_an_azapi_vnet_listing_its_subnets_may_not_be_deployed() {
    // At `resource "azurerm_subnet" "training"`.
    open_by_the_inline_list(
        &azapi("azapi_vnet_azurerm_subnet"),
        "azurerm_subnet.training",
        36,
    );
}

#[test]
fn an_azapi_vnet_without_subnets_in_its_body_keeps_the_azapi_subnets() {
    let dir = azapi("azapi_vnet_without_subnets");
    assert_eq!(ssh_to_trainer(&dir)["verdict"], "allowed");
    assert!(conflicts(&dir).is_empty());
}

#[test]
fn without_inline_subnets_the_separate_subnet_decides() {
    // The same VNet with its inline subnets written as separate subnets too.
    let text = std::fs::read_to_string(data().join("main.tf")).unwrap();
    let mut out = text.clone();
    let mut separate = String::new();
    while let Some(start) = out.find("  subnet {") {
        let end = start + out[start..].find("\n  }\n").unwrap() + 5;
        let block = out[start..end].to_string();
        let name = block
            .split('"')
            .nth(1)
            .expect("the subnet's name")
            .to_string();
        separate.push_str(
            &block
                .replace(
                    "  subnet {",
                    &format!("resource \"azurerm_subnet\" \"{name}\" {{"),
                )
                .replace("    security_group   = azurerm_network_security_group.ml.id\n", "")
                .replace(
                    "\n  }\n",
                    "\n  resource_group_name  = azurerm_resource_group.ml.name\n  virtual_network_name = azurerm_virtual_network.ml.name\n}\n",
                ),
        );
        out.replace_range(start..end, "");
    }
    assert!(separate.contains("snet-default"), "{separate}");
    let dir = std::env::temp_dir().join(format!("moat-inline-subnets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), format!("{out}{separate}")).unwrap();
    let v = ssh_to_trainer(&dir);
    let c = conflicts(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    assert!(c.is_empty(), "{c:?}");
}

/// A child subnet that nothing orders after the VNet — at the top of the template, or nested
/// in the VNet's `resources`, where "an implicit deployment dependency isn't automatically
/// created" — may be PUT before it and removed by its PUT.
#[test]
fn an_arm_child_subnet_not_ordered_after_the_vnet_may_not_be_deployed() {
    // At the child subnet's object.
    for (case, line) in [
        ("top_level_child_unordered.json", 16),
        ("nested_child_unordered.json", 16),
    ] {
        open_by_the_inline_list(&arm(case), "subnet/vnet-ml/snet-training", line);
    }
}

/// The flow to the NIC in the child subnet is decided ("allowed", as if the subnet were
/// inline), and `validate` still warns at the child's object (`lines`), saying that the
/// subnet is deployed once the deployment is done.
fn deployed_after_the_vnet(path: &Path, lines: &[u32]) {
    let v = ssh_to_trainer(path);
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    assert_eq!(conflicts(path), lines);
    let l = moat_ingest::load_opts(path, &Default::default()).expect("loads");
    assert!(
        l.topology.may_exist.is_empty(),
        "{:?}",
        l.topology.may_exist
    );
    for w in l.warnings.iter().filter(|d| d.code == "inline-conflict") {
        assert!(
            w.message.ends_with(
                "moat analyses the state once the deployment is done, in which it is deployed"
            ),
            "{}",
            w.message
        );
    }
}

/// "Resource Manager evaluates the dependencies between resources, and deploys them in their
/// dependent order": a child subnet whose `dependsOn` names the VNet, at the top of the
/// template or nested in the VNet's `resources`, is PUT after it.
#[test]
fn an_arm_child_subnet_depending_on_the_vnet_is_deployed() {
    for case in ["top_level_child.json", "nested_child.json"] {
        deployed_after_the_vnet(&arm(case), &[16]);
    }
}

/// The order is transitive: the subnet depends on an NSG that depends on the VNet.
#[test]
fn an_arm_child_subnet_depending_on_the_vnet_through_another_resource_is_deployed() {
    deployed_after_the_vnet(&arm("transitive_child.json"), &[21]);
}

/// "In the sample, myVM depends on all of the storage accounts in the myStorages loop":
/// `languageVersion` 2.0 names dependencies by symbolic name.
#[test]
fn an_arm_child_subnet_depending_on_the_vnet_by_symbolic_name_is_deployed() {
    deployed_after_the_vnet(&arm("symbolic_child.json"), &[17]);
}

/// "Reference and list expressions implicitly declare that one resource depends on another,
/// when the referenced resource is deployed in the same template and referred to by its name
/// (not resource ID)": a child subnet whose prefix reads the VNet through `reference('vnet-ml')`
/// is PUT after it, like one whose `dependsOn` names it. "If you pass the resource ID into the
/// reference or list functions, an implicit reference isn't created": read through
/// `reference(resourceId(...))`, nothing orders it and it stays open.
#[test]
fn an_arm_child_subnet_referencing_the_vnet_by_name_is_deployed() {
    let path = arm("reference_child.json");
    deployed_after_the_vnet(&path, &[16]);
    let text = std::fs::read_to_string(&path).unwrap();
    let by_id = text.replace(
        "reference('vnet-ml')",
        "reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet-ml'))",
    );
    assert_ne!(by_id, text);
    let dir = std::env::temp_dir().join(format!("moat-inline-by-id-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("azuredeploy.json"), &by_id).unwrap();
    let v = ssh_to_trainer(&dir);
    let c = conflicts(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    assert!(
        v["missing"]
            .to_string()
            .contains("subnet/vnet-ml/snet-training"),
        "{v:#}"
    );
    assert_eq!(c, [16]);
}

/// "If the resources in one linked template must be deployed before resources in a second
/// linked template, set the second template dependent on the first": the subnets, added in a
/// nested deployment that depends on the one deploying the VNet (sent with API version
/// 2022-05-01, without `subnets`), are PUT after the VNet.
#[test]
fn an_arm_child_subnet_in_a_deployment_after_the_vnet_s_is_deployed() {
    deployed_after_the_vnet(&arm("deployment_child.json"), &[31, 35]);
}

/// A `dependsOn` that moat cannot evaluate establishes no order, nor does one through a
/// resource that may not be deployed ("When a conditional resource isn't deployed, Azure
/// Resource Manager automatically removes it from the required dependencies"): the subnet
/// stays open.
#[test]
fn an_arm_child_subnet_whose_order_is_not_known_may_not_be_deployed() {
    let text = std::fs::read_to_string(arm("transitive_child.json")).unwrap();
    let nsg_dep = "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-training')]";
    let params = r#""parameters": { "after": { "type": "string" }, "withNsg": { "type": "bool" } },
  "resources": ["#;
    for (tag, edit) in [
        ("open-dep", text.replace(nsg_dep, "[parameters('after')]")),
        (
            "open-nsg",
            text.replace(
                r#""name": "nsg-training","#,
                r#""name": "nsg-training", "condition": "[parameters('withNsg')]","#,
            ),
        ),
    ] {
        let edit = edit.replacen(r#""resources": ["#, params, 1);
        let dir = std::env::temp_dir().join(format!("moat-inline-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("azuredeploy.json"), &edit).unwrap();
        let v = ssh_to_trainer(&dir);
        let l = moat_ingest::load_opts(&dir, &Default::default()).expect("loads");
        let c: Vec<(u32, String)> = l
            .warnings
            .iter()
            .filter(|d| d.code == "inline-conflict")
            .map(|d| (d.location.line, d.message.clone()))
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(v["verdict"], "unknown", "{tag}: {v:#}");
        assert!(
            v["missing"]
                .to_string()
                .contains("subnet/vnet-ml/snet-training"),
            "{tag}: {v:#}"
        );
        assert_eq!(c.len(), 1, "{tag}: {c:?}");
        assert!(
            c[0].1.ends_with("whether it is deployed is left open"),
            "{tag}: {c:?}"
        );
    }
}

#[test]
fn an_arm_vnet_writing_its_subnets_empty_overwrites_every_child_subnet() {
    assert_eq!(conflicts(&arm("empty_inline.json")), [13, 18]);
}

#[test]
fn an_arm_vnet_without_subnets_keeps_its_child_subnets() {
    let case = arm("without_inline.json");
    assert_eq!(ssh_to_trainer(&case)["verdict"], "allowed");
    assert!(conflicts(&case).is_empty());
}

/// The same template with the VNet sent with API version 2022-05-01: "If a subnet property
/// isn't included, the subnets are deleted", so each deployment of the VNet removes its child
/// subnets. Each depends on the VNet, so its PUT adds it back before the deployment ends: they
/// are deployed, the flow between them is decided, and the warning at each says so.
#[test]
fn an_arm_vnet_leaving_its_subnets_out_before_2023_09_01_removes_its_child_subnets_meanwhile() {
    let case = arm("without_inline_before_2023_09.json");
    deployed_after_the_vnet(&case, &[12, 17]);
    let l = moat_ingest::load_opts(&case, &Default::default()).expect("loads");
    let w = l
        .warnings
        .iter()
        .find(|d| d.code == "inline-conflict")
        .expect("a warning");
    assert_eq!(
        w.message,
        "`subnet/vnet-ml/snet-default` adds to vnet/vnet-ml, whose resource `vnet/vnet-ml` leaves its subnets out (no `properties.subnets`) with API version 2022-05-01: before 2023-09-01, Azure's PUT removes the subnets it leaves out, so each deployment of `vnet/vnet-ml` removes it until its own PUT, which the deployment sends after `vnet/vnet-ml`'s, adds it back: it is missing for a while during each deployment (or the deployment fails where Azure will not remove it while it is in use); moat analyses the state once the deployment is done, in which it is deployed"
    );
}

/// The same template without the subnets' `dependsOn`: nothing orders them after the VNet,
/// so each child subnet is open on its own, and the flow to the NIC in one of them from the
/// other is unknown, never "allowed".
#[test]
fn an_arm_vnet_leaving_its_subnets_out_before_2023_09_01_leaves_unordered_child_subnets_open() {
    let text = std::fs::read_to_string(arm("without_inline_before_2023_09.json")).unwrap();
    let vnet_dep = "\n      \"dependsOn\": [\"[resourceId('Microsoft.Network/virtualNetworks', 'vnet-ml')]\"],";
    assert_eq!(text.matches(vnet_dep).count(), 2);
    let case = std::env::temp_dir().join(format!("moat-inline-left-out-{}", std::process::id()));
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(case.join("azuredeploy.json"), text.replace(vnet_dep, "")).unwrap();
    let v = ssh_to_trainer(&case);
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    assert!(
        v["missing"]
            .to_string()
            .contains("subnet/vnet-ml/snet-training"),
        "{v:#}"
    );
    // At each child subnet's object.
    assert_eq!(conflicts(&case), [12, 16]);
    let l = moat_ingest::load_opts(&case, &Default::default()).expect("loads");
    let _ = std::fs::remove_dir_all(&case);
    let w = l
        .warnings
        .iter()
        .find(|d| d.code == "inline-conflict")
        .expect("a warning");
    assert_eq!(
        w.message,
        "`subnet/vnet-ml/snet-default` adds to vnet/vnet-ml, whose resource `vnet/vnet-ml` leaves its subnets out (no `properties.subnets`) with API version 2022-05-01: before 2023-09-01, Azure's PUT removes the subnets it leaves out, so each deployment of `vnet/vnet-ml` removes it until it is added back, and whether it is deployed is left open"
    );
    assert_eq!(
        w.hint.as_deref(),
        Some(
            "send `vnet/vnet-ml` with API version 2023-09-01 or later, whose PUT keeps the subnets it leaves out, or write every one of the subnets inline in `vnet/vnet-ml`"
        )
    );
}

/// Removing a subnet removes what sits in it, not what names it: a storage account's virtual
/// network rule to a subnet that is deleted stays on the account, in the state Azure's storage
/// API names `NetworkSourceDeleted` ("Gets the state of virtual network rule. Known values are
/// ... networkSourceDeleted"), and admits nothing. So the workspace using that account is
/// deployed whether or not the child subnet is, and its operations keep the status they have
/// as written: without a client location studio is "not applicable", never unknown.
#[test]
fn a_storage_rule_to_a_child_subnet_that_may_be_removed_keeps_the_account() {
    let case = arm("storage_rule_before_2023_09.json");
    assert_eq!(conflicts(&case), [12]);
    let (v, _) = moat(&case, &["ops"]);
    let ops = v["operations"].as_array().expect("operations");
    assert!(!ops.is_empty(), "{v:#}");
    for o in ops {
        assert_eq!(o["subject"], "workspace/ws", "{o:#}");
        assert!(!o["notes"].to_string().contains("has no subject"), "{o:#}");
        assert!(!o["notes"].to_string().contains("performed only"), "{o:#}");
    }
    let studio = ops
        .iter()
        .find(|o| o["op"] == "studio.open")
        .expect("studio.open");
    assert_eq!(studio["status"], "not-applicable", "{studio:#}");
}

/// A child subnet that the VNet's list also writes is in every PUT of the VNet, and the blog
/// above says "using a PUT with the existing resources preserves them": nothing removes it, so
/// it is deployed, the flow to the NIC in it is decided, and there is nothing to warn about.
/// Subnet names are compared as Azure does, without regard to case.
#[test]
fn an_arm_child_subnet_the_inline_list_also_writes_is_kept() {
    let case = arm("listed_child.json");
    assert_eq!(ssh_to_trainer(&case)["verdict"], "allowed");
    assert!(conflicts(&case).is_empty());
}
