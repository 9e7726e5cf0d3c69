//! Modules that `terraform init` installs (registry and git sources) and what variables'
//! types drop.
//!
//! `terraform init` downloads every non-local module into `.terraform/modules/` beside the
//! root module and records, in `.terraform/modules/modules.json`, the directory of each module
//! call by its key (the call names from the root, joined by `.`: `net`, `net.subnets`). moat
//! reads the modules from there. A module that is not installed is not guessed at: its
//! resources and outputs are unknown, and one warning lists every such module and says how to
//! install them.

use super::{Evaluator, Kids, Unexpanded};
use crate::config::ModCall;
use crate::types::Dropped;
use crate::value::{Loc, Value};
use hcl_edit::expr::Expression;
use moat_model::{Topology, Unknown};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where `terraform init` records the modules it installed, relative to the root module.
pub const MANIFEST: &str = ".terraform/modules/modules.json";

/// The installed modules of a configuration, as `modules.json` lists them.
#[derive(Debug)]
pub enum Manifest {
    /// No `.terraform/modules/modules.json`: `terraform init` has not run here.
    Absent,
    /// The file exists but is not the manifest Terraform writes.
    Unreadable(String),
    Read(HashMap<String, Installed>),
}

/// One installed module call.
#[derive(Debug)]
pub struct Installed {
    pub source: String,
    pub version: Option<String>,
    /// The module's directory, relative to the root module.
    pub dir: PathBuf,
}

impl Manifest {
    /// Reads the manifest of the root module in `root`.
    pub fn read(root: &Path) -> Manifest {
        let path = root.join(MANIFEST);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Manifest::Absent;
        };
        match parse_manifest(&text) {
            Ok(m) => Manifest::Read(m),
            Err(e) => Manifest::Unreadable(e),
        }
    }
}

/// Parses `{"Modules":[{"Key":"net","Source":"...","Version":"0.4.0","Dir":"..."}]}`.
fn parse_manifest(text: &str) -> Result<HashMap<String, Installed>, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let list = json
        .get("Modules")
        .and_then(|m| m.as_array())
        .ok_or("it has no `Modules` list")?;
    let mut out = HashMap::new();
    for m in list {
        let field = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(key), Some(dir)) = (field("Key"), field("Dir")) else {
            return Err("a module entry has no `Key` or `Dir`".into());
        };
        out.insert(
            key,
            Installed {
                source: field("Source").unwrap_or_default(),
                version: field("Version").filter(|v| !v.is_empty()),
                dir: PathBuf::from(dir),
            },
        );
    }
    Ok(out)
}

/// Whether a module source is a local path, which Terraform reads in place.
pub fn is_local(source: &str) -> bool {
    ["./", "../", ".\\", "..\\"]
        .iter()
        .any(|p| source.starts_with(p))
}

/// A registry address (`ns/name/provider`, optionally with a host and a `//subdir`), lower
/// case and without the default host, so the configuration's and the manifest's forms compare.
fn registry_address(source: &str) -> Option<String> {
    if source.contains("::") || source.contains("://") || source.contains('?') {
        return None;
    }
    let s = source.to_ascii_lowercase();
    let s = s.strip_prefix("registry.terraform.io/").unwrap_or(&s);
    let (main, _) = s.split_once("//").unwrap_or((s, ""));
    let parts: Vec<&str> = main.split('/').collect();
    let host_like = parts.first().is_some_and(|p| p.contains('.'));
    match (parts.len(), host_like) {
        (3, false) | (4, true) => Some(s.to_string()),
        _ => None,
    }
}

/// References found in expressions: resources (`type.name`) and locals to follow.
#[derive(Default)]
struct Refs {
    resources: Vec<String>,
    locals: Vec<String>,
}

impl hcl_edit::visit::Visit for Refs {
    fn visit_traversal(&mut self, node: &hcl_edit::expr::Traversal) {
        if let (Expression::Variable(root), Some(hcl_edit::expr::TraversalOperator::GetAttr(a))) =
            (&node.expr, node.operators.first().map(|o| o.value()))
        {
            let (root, a) = (root.as_str(), a.as_str());
            match root {
                "local" => self.locals.push(a.to_string()),
                "var" | "module" | "data" | "each" | "count" | "path" | "self" | "terraform" => {}
                _ => self.resources.push(format!("{root}.{a}")),
            }
        }
        hcl_edit::visit::visit_traversal(self, node);
    }
}

/// Why a module call could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// No manifest: `terraform init` has not run.
    NotInitialised,
    /// The manifest cannot be read.
    BadManifest(String),
    /// The manifest does not list the call (added after `terraform init`).
    NotListed,
    /// The manifest's directory for it is gone.
    DirGone(PathBuf),
    /// The manifest lists it from another source (changed after `terraform init`).
    SourceChanged(String),
}

/// A module call whose module is not installed.
#[derive(Debug)]
pub struct Missing {
    /// `module.net`, `module.net.module.subnets`.
    pub addr: String,
    pub source: String,
    pub version: Option<String>,
    pub why: Why,
    /// The module block.
    pub at: Loc,
    /// Configuration order of the block, to name the first one.
    pub sort: Vec<usize>,
    /// The resources the block passes to the module (addresses of their instances' prefix,
    /// `azurerm_storage_account.sa`): the module may deploy things that refer to them.
    pub given: Vec<String>,
}

impl Missing {
    fn describe(&self) -> String {
        let version = self
            .version
            .as_ref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let why = match &self.why {
            Why::NotInitialised | Why::BadManifest(_) => String::new(),
            Why::NotListed => format!(", not in {MANIFEST}"),
            Why::DirGone(d) => format!(", its directory {} is gone", d.display()),
            Why::SourceChanged(s) => format!(", installed from `{s}` instead"),
        };
        format!("`{}` ({}{version}{why})", self.addr, self.source)
    }
}

impl Evaluator {
    /// The key `modules.json` gives the call `call` of instance `inst`: the call names from the
    /// root, joined by `.` (instance keys are not part of it).
    fn module_key(&self, inst: usize, call: &str) -> String {
        let mut parts = vec![call.to_string()];
        let mut i = inst;
        while let Some(p) = &self.insts[i].parent {
            parts.push(p.call.clone());
            i = p.inst;
        }
        parts.reverse();
        parts.join(".")
    }

    /// The root module's directory.
    fn root_dir(&self) -> PathBuf {
        self.configs
            .first()
            .map(|c| c.dir.clone())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// Reads a root module given as text. Modules it calls are not read: their outputs are
    /// unknown, so the result depends on the text alone.
    pub fn load_root_text(&mut self, name: &str, text: &str) {
        let cfg = crate::config::read_text(
            name,
            text,
            &mut self.sources,
            &mut self.errors,
            &mut self.warnings,
        );
        self.sync_names();
        self.read_modules = false;
        self.add_root(cfg);
    }

    /// The directory of the module a call reads: a local path in place, anything else where
    /// `terraform init` installed it. Otherwise the call's outputs are unknown.
    pub(super) fn module_dir(
        &mut self,
        inst: usize,
        mc: &ModCall,
        base: &str,
        at: &Loc,
    ) -> Result<PathBuf, Kids> {
        if !self.read_modules {
            let reason =
                format!("module `{base}` is not read: the configuration was given as text");
            self.warn("module-not-read", reason.clone(), at, None);
            self.unexpanded.push(Unexpanded {
                addr: base.to_string(),
                kind: "module".into(),
                field: "source".into(),
                reason: reason.clone(),
                expr: None,
                condition: None,
                at: at.clone(),
                instance: false,
            });
            return Err(Kids::External(Value::unknown(reason, at)));
        }
        if is_local(&mc.source) {
            let dir = &self.cfg(inst).dir;
            return Ok(crate::config::normalise(&dir.join(&mc.source)));
        }
        self.installed_dir(inst, mc, base, at)
    }

    /// The directory `terraform init` installed a non-local module call into; otherwise the
    /// call is recorded as missing and its outputs are unknown.
    fn installed_dir(
        &mut self,
        inst: usize,
        mc: &ModCall,
        base: &str,
        at: &Loc,
    ) -> Result<PathBuf, Kids> {
        let root = self.root_dir();
        let manifest = self
            .manifest
            .get_or_insert_with(|| std::rc::Rc::new(Manifest::read(&root)))
            .clone();
        let key = self.module_key(inst, &mc.name);
        let mut installed_version = None;
        let why = match &*manifest {
            Manifest::Absent => Why::NotInitialised,
            Manifest::Unreadable(e) => Why::BadManifest(e.clone()),
            Manifest::Read(m) => match m.get(&key) {
                None => Why::NotListed,
                Some(i) => {
                    installed_version = i.version.clone();
                    let changed = match (registry_address(&mc.source), registry_address(&i.source))
                    {
                        (Some(a), Some(b)) => a != b,
                        _ => false,
                    };
                    let dir = crate::config::normalise(&root.join(&i.dir));
                    if changed {
                        Why::SourceChanged(i.source.clone())
                    } else if !dir.is_dir() {
                        Why::DirGone(i.dir.clone())
                    } else {
                        return Ok(dir);
                    }
                }
            },
        };
        let version = mc
            .body
            .get_attribute("version")
            .and_then(|a| match &a.value {
                Expression::String(s) => Some(s.value().clone()),
                _ => None,
            })
            .or(installed_version);
        let reason = format!(
            "module `{base}` ({}) is not installed: its resources and outputs are unknown",
            mc.source
        );
        self.unexpanded.push(Unexpanded {
            addr: base.to_string(),
            kind: "module".into(),
            field: "source".into(),
            reason: reason.clone(),
            expr: None,
            condition: None,
            at: at.clone(),
            instance: false,
        });
        let mut sort = self.insts[inst].sort.clone();
        sort.push(1);
        sort.push(self.cfg(inst).modules.get_index_of(&mc.name).unwrap_or(0));
        let given = self.resources_given(inst, &mc.body);
        self.missing_modules.push(Missing {
            addr: base.to_string(),
            source: mc.source.clone(),
            version,
            why,
            at: at.clone(),
            sort,
            given,
        });
        Err(Kids::External(Value::unknown(reason, at)))
    }

    /// One warning for every module that is not installed, at the first such module block.
    pub(super) fn report_missing_modules(&mut self) {
        self.missing_modules.sort_by(|a, b| a.sort.cmp(&b.sort));
        let missing = &self.missing_modules;
        if missing.is_empty() {
            return;
        }
        let root = self.root_dir();
        let list: Vec<String> = missing.iter().map(Missing::describe).collect();
        let what = if missing.len() == 1 {
            "1 module is not installed".to_string()
        } else {
            format!("{} modules are not installed", missing.len())
        };
        let state = match &missing[0].why {
            Why::NotInitialised => format!(" ({} does not exist)", MANIFEST),
            Why::BadManifest(e) => format!(" ({MANIFEST} cannot be read: {e})"),
            _ => String::new(),
        };
        let msg = format!(
            "{what}{state}: {}; their resources and outputs are unknown",
            list.join(", ")
        );
        let hint = format!(
            "run `terraform init` (or `terraform get`, which only downloads modules) in {}: it installs them into .terraform/modules, where moat reads them",
            root.display()
        );
        let at = missing[0].at.clone();
        self.warn("missing-modules", msg, &at, Some(hint));
    }

    /// The resources a module block refers to, directly or through locals of its module, as
    /// address prefixes of their instances.
    fn resources_given(&self, inst: usize, body: &hcl_edit::structure::Body) -> Vec<String> {
        let cfg = self.cfg(inst);
        let mut refs = Refs::default();
        hcl_edit::visit::Visit::visit_body(&mut refs, body);
        let mut seen_locals = std::collections::HashSet::new();
        while let Some(l) = refs.locals.pop() {
            if seen_locals.insert(l.clone())
                && let Some(item) = cfg.locals.get(&l)
            {
                hcl_edit::visit::Visit::visit_expr(&mut refs, &item.expr);
            }
        }
        let path = &self.insts[inst].path;
        let mut out: Vec<String> = refs
            .resources
            .into_iter()
            .filter(|k| cfg.resources.contains_key(k))
            .map(|k| {
                if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Marks what a module that is not installed may change: a resource passed to it may get
    /// private endpoints from it (the usual shape of a private endpoint module), so analyses
    /// that rest on the endpoints a resource has are not decided.
    pub fn mark_given_to_missing(&self, t: &mut Topology) {
        for m in &self.missing_modules {
            for addr in &m.given {
                let written = |p: &moat_model::Provenance| {
                    p.pointer == *addr
                        || p.pointer
                            .strip_prefix(addr.as_str())
                            .is_some_and(|r| r.starts_with('['))
                };
                let mut hit: Vec<String> = Vec::new();
                let mut add = |kind: &str, name: &str, at: &moat_model::Provenance| {
                    if written(at) {
                        hit.push(format!("{kind}/{name}"));
                    }
                };
                for x in &t.workspaces {
                    add("workspace", &x.name, &x.at);
                }
                for x in &t.registries {
                    add("registry", &x.name, &x.at);
                }
                for x in &t.storage_accounts {
                    add("storage", &x.name, &x.at);
                }
                for x in &t.key_vaults {
                    add("keyvault", &x.name, &x.at);
                }
                for x in &t.container_registries {
                    add("acr", &x.name, &x.at);
                }
                for x in &t.monitor_private_link_scopes {
                    add("ampls", &x.name, &x.at);
                }
                for resource in hit {
                    let unknown = Unknown {
                        resource,
                        field: "private_endpoints".into(),
                        reason: format!(
                            "`{}` is given it and is not installed: it may deploy private endpoints to it",
                            m.addr
                        ),
                        at: m.at.provenance(&m.addr),
                    };
                    if !t.unknowns.contains(&unknown) {
                        t.unknowns.push(unknown);
                    }
                }
            }
        }
    }

    /// Warns about the attributes a variable's object type dropped from the value given to it:
    /// Terraform discards them silently, and the module never sees them.
    pub(super) fn report_dropped(
        &mut self,
        inst: usize,
        name: &str,
        dropped: Vec<Dropped>,
        decl_at: &Loc,
    ) {
        if dropped.is_empty() {
            return;
        }
        // Where the value is given: the argument of the module block, or the declaration of a
        // root variable (whose value comes from tfvars or -var).
        let (at, whose) = match &self.insts[inst].parent {
            Some(p) => {
                let pcfg = self.cfg(p.inst);
                let mc = &pcfg.modules[&p.call];
                let span = mc
                    .body
                    .get_attribute(name)
                    .and_then(|a| hcl_edit::Span::span(&a.value));
                let path = self.insts[inst].path.clone();
                (self.loc(mc.file, span), format!("module `{path}`"))
            }
            None => (decl_at.clone(), "the root module".to_string()),
        };
        let mut by_name: Vec<(String, Vec<String>)> = Vec::new();
        for d in dropped {
            match by_name.iter_mut().find(|(n, _)| *n == d.name) {
                Some((_, paths)) => paths.push(d.path),
                None => by_name.push((d.name, vec![d.path])),
            }
        }
        for (attr, paths) in by_name {
            let place = match paths.as_slice() {
                [one] => format!("{name}{one}"),
                [first, rest @ ..] => format!("{name}{first} and {} more", rest.len()),
                [] => continue,
            };
            self.warn(
                "dropped-attribute",
                format!(
                    "attribute `{attr}` ({place}) is not declared by the type of variable `{name}` of {whose}: Terraform drops it, so the module never sees it"
                ),
                &at,
                Some(format!(
                    "check the attribute names the variable `{name}` declares (a misspelling, or a module version that does not have it)"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_addresses_compare_with_and_without_host() {
        assert_eq!(
            registry_address("Azure/avm-res-network-virtualnetwork/azurerm"),
            registry_address("registry.terraform.io/Azure/avm-res-network-virtualnetwork/azurerm")
        );
        assert!(registry_address("git::https://github.com/a/b.git?ref=v1").is_none());
        assert!(registry_address("github.com/a/b").is_none());
        assert!(is_local("./modules/x") && !is_local("Azure/x/azurerm"));
    }

    #[test]
    fn manifest_lists_keys_and_dirs() {
        let m = parse_manifest(
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"net","Source":"registry.terraform.io/Azure/avm-res-network-virtualnetwork/azurerm","Version":"0.4.0","Dir":".terraform/modules/net"}]}"#,
        )
        .unwrap();
        assert_eq!(m["net"].dir, PathBuf::from(".terraform/modules/net"));
        assert_eq!(m["net"].version.as_deref(), Some("0.4.0"));
        assert!(parse_manifest("{}").is_err());
    }
}
