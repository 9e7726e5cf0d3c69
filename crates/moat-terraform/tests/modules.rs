//! Modules as users have them: registry and git modules that `terraform init` installed under
//! `.terraform/modules/`, the same configuration before `terraform init`, and what a variable's
//! object type drops from the value a module block gives it.

use moat_doc::{LoadError, Loaded};
use moat_model::Diagnostic;
use moat_terraform::{TfOptions, load};
use std::path::{Path, PathBuf};

mod scratch;
use scratch::Scratch;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn ok(r: Result<Loaded, LoadError>) -> Loaded {
    match r {
        Ok(l) => l,
        Err(e) => panic!(
            "load failed:\n{}",
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn with_code<'a>(l: &'a Loaded, code: &str) -> Vec<&'a Diagnostic> {
    l.warnings.iter().filter(|w| w.code == code).collect()
}

/// The line (1-based) of the first line of `file` that contains `text`.
fn line_of(file: &Path, text: &str) -> u32 {
    let s = std::fs::read_to_string(file).unwrap();
    s.lines().position(|l| l.contains(text)).unwrap() as u32 + 1
}

fn installed() -> Loaded {
    ok(load(&data("registry-modules"), &TfOptions::default()))
}

/// The root module of `registry-modules` alone, as it is before `terraform init`.
fn uninitialised(name: &str) -> Scratch {
    let main = std::fs::read_to_string(data("registry-modules/main.tf")).unwrap();
    Scratch::new(name, &[("main.tf", main)])
}

/// Terraform (module sources): "Terraform installs modules from registries and other remote
/// sources into `.terraform/modules` during `terraform init`, and records each module call's
/// directory in `modules.json`". A registry module, its own local submodule (key `vnet.subnet`)
/// and a git module are read from there, as if written locally.
#[test]
fn installed_registry_and_git_modules_are_read() {
    let l = installed();
    let t = &l.topology;
    let vnet = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "vnet-mods")
        .expect("the registry module's VNet");
    let mut subnets: Vec<(&str, String)> = vnet
        .subnets
        .iter()
        .map(|s| (s.name.as_str(), s.address_prefixes[0].0.to_string()))
        .collect();
    subnets.sort();
    assert_eq!(
        subnets,
        [
            ("snet-pe", "10.20.1.0/24".to_string()),
            ("snet-training", "10.20.2.0/24".to_string())
        ]
    );
    let training = vnet
        .subnets
        .iter()
        .find(|s| s.name == "snet-training")
        .unwrap();
    assert_eq!(training.service_endpoints, ["Microsoft.Storage"]);
    let ws = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "pe-ws")
        .expect("the git module's endpoint for the workspace");
    assert_eq!(ws.subnet, "vnet-mods/snet-pe");
    assert_eq!(ws.target.to_string(), "workspace/mlw-mods");
    assert_eq!(ws.dns_zone_group.len(), 2);
    assert!(
        with_code(&l, "missing-modules").is_empty(),
        "{:?}",
        l.warnings
    );
    assert!(
        !t.unmodelled.iter().any(|u| u.resource_type == "module"),
        "{:?}",
        t.unmodelled
    );
}

/// Terraform (type constraints, optional object type attributes): an attribute marked
/// `optional()` may be omitted and takes its default, or null; nested optional objects take
/// theirs. Omitting or setting declared attributes is not a dropped attribute.
#[test]
fn optional_attributes_are_not_warned() {
    let l = installed();
    let dropped = with_code(&l, "dropped-attribute");
    assert!(
        dropped
            .iter()
            .all(|w| w.message.contains("private_dns_zone_resource_name")),
        "{dropped:?}"
    );
}

/// Terraform converts an object to an object type by keeping the attributes the type declares
/// (hashicorp/terraform#29204, "Object keys are silently filtered from variable if not in type
/// definition": by design, "an object can always be converted to another object with a
/// matching subset of attributes"). moat drops it too, and says where, naming the attribute
/// and the module.
#[test]
fn undeclared_attribute_is_dropped_with_a_located_warning() {
    let l = installed();
    let dropped = with_code(&l, "dropped-attribute");
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    let w = dropped[0];
    assert!(w.message.contains("`private_dns_zone_resource_name`"));
    assert!(w.message.contains("module.endpoints"));
    assert!(w.message.contains(r#"private_endpoints["blob"]"#));
    let main = data("registry-modules/main.tf");
    assert!(w.location.file.ends_with("main.tf"));
    assert_eq!(w.location.line, line_of(&main, "private_endpoints = {"));
    // The module never sees it: the endpoint has no DNS zone group.
    let blob = l
        .topology
        .private_endpoints
        .iter()
        .find(|p| p.name == "pe-blob")
        .expect("the blob endpoint");
    assert!(blob.dns_zone_group.is_empty());
}

/// The rule for modules: without `terraform init`, "module outputs are unknown and moat says once
/// which modules are missing and how to get them". One warning, at the first module block,
/// names both modules and `terraform init`.
#[test]
fn uninstalled_modules_are_named_once_with_how_to_get_them() {
    let dir = uninitialised("once");
    let l = ok(load(&dir.0, &TfOptions::default()));
    let missing = with_code(&l, "missing-modules");
    assert_eq!(missing.len(), 1, "{:?}", l.warnings);
    let w = missing[0];
    assert!(w.message.contains("`module.vnet`"), "{}", w.message);
    assert!(w.message.contains("`module.endpoints`"), "{}", w.message);
    assert!(w.hint.as_deref().unwrap_or("").contains("terraform init"));
    assert_eq!(
        w.location.line,
        line_of(&dir.0.join("main.tf"), "module \"vnet\"")
    );
    // No other warning repeats it per module or per reference.
    assert!(
        l.warnings
            .iter()
            .filter(|d| d.message.contains("not installed"))
            .count()
            == 1,
        "{:?}",
        l.warnings
    );
}

/// Unknown is never absent: the modules' resources are listed as not modelled and their
/// outputs as unknown, not as an empty network.
#[test]
fn uninstalled_modules_leave_their_outputs_unknown() {
    let dir = uninitialised("unknown");
    let l = ok(load(&dir.0, &TfOptions::default()));
    let t = &l.topology;
    for m in ["module.vnet", "module.endpoints"] {
        assert!(
            t.unmodelled
                .iter()
                .any(|u| u.name == m && u.resource_type == "module"),
            "{m} {:?}",
            t.unmodelled
        );
        assert!(t.unknowns.iter().any(|u| u.resource == m), "{m}");
    }
    assert!(t.virtual_networks.is_empty());
    assert!(t.private_endpoints.is_empty());
    // The endpoint module is given the workspace and the storage account: which private
    // endpoints they have is open; the key vault, given to no module, stays as declared.
    let open: Vec<&str> = t
        .unknowns
        .iter()
        .filter(|u| u.field == "private_endpoints")
        .map(|u| u.resource.as_str())
        .collect();
    assert_eq!(open, ["workspace/mlw-mods", "storage/stmods"], "{open:?}");
    let u = t
        .is_unknown("workspace/mlw-mods", "private_endpoints")
        .unwrap();
    assert!(u.reason.contains("module.endpoints"));
    assert_eq!(
        u.at.line,
        line_of(&dir.0.join("main.tf"), "module \"endpoints\"")
    );
}

/// A configuration given as text reads nothing from disk: the modules it calls are not read,
/// and their outputs are unknown.
#[test]
fn text_reads_no_module() {
    let text = std::fs::read_to_string(data("registry-modules/main.tf")).unwrap();
    let l = ok(moat_terraform::load_str(
        "main.tf",
        &text,
        &TfOptions::default(),
    ));
    assert!(l.topology.virtual_networks.is_empty());
    assert!(
        l.topology
            .unmodelled
            .iter()
            .any(|u| u.name == "module.vnet")
    );
    assert!(with_code(&l, "missing-modules").is_empty());
    assert_eq!(with_code(&l, "module-not-read").len(), 2);
}

/// A module call added after `terraform init` is not in `modules.json`: it is missing too.
#[test]
fn module_added_after_init_is_missing() {
    let root = data("registry-modules");
    let mut main = std::fs::read_to_string(root.join("main.tf")).unwrap();
    main.push_str("\nmodule \"later\" {\n  source = \"Azure/avm-res-keyvault-vault/azurerm\"\n}\n");
    let mut files = vec![("main.tf", main)];
    let copied: Vec<(String, String)> = [
        ".terraform/modules/modules.json",
        ".terraform/modules/vnet/main.tf",
        ".terraform/modules/vnet/modules/subnet/main.tf",
        ".terraform/modules/endpoints/main.tf",
    ]
    .iter()
    .map(|p| {
        (
            p.to_string(),
            std::fs::read_to_string(root.join(p)).unwrap(),
        )
    })
    .collect();
    files.extend(copied.iter().map(|(p, t)| (p.as_str(), t.clone())));
    let dir = Scratch::new("later", &files);
    let l = ok(load(&dir.0, &TfOptions::default()));
    let missing = with_code(&l, "missing-modules");
    assert_eq!(missing.len(), 1, "{:?}", l.warnings);
    assert!(missing[0].message.contains("`module.later`"));
    assert!(!missing[0].message.contains("`module.vnet`"));
    assert!(
        l.topology
            .private_endpoints
            .iter()
            .any(|p| p.name == "pe-ws")
    );
}
