//! # moat-ingest
//!
//! Reads deployments into the [`moat_model::Topology`]: the first stage of moat's pipeline.
//!
//! - [`native`]: moat's own topology format.
//!
//! [`load`] detects the input kind from the path, reads it, checks the result with
//! [`moat_model::validate`], and fills what Azure decides at deployment
//! ([`moat_model::finalize`]). Every error of a file is reported together, with file, line,
//! column and a hint.

pub mod native;

use moat_doc::{Limits, Node, SourceFile, read_source, tree};
pub use moat_doc::{LoadError, Loaded, locate};
use moat_model::{Diagnostic, Problem, Topology};
use std::path::{Path, PathBuf};

/// The kinds of input moat reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// moat's own YAML/JSON topology.
    Native,
}

impl InputFormat {
    /// Every format, with its command-line name.
    pub const ALL: &'static [(InputFormat, &'static str)] = &[(InputFormat::Native, "native")];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        InputFormat::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<InputFormat> {
        InputFormat::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(f, _)| *f)
    }
}

/// Input files of a directory, in name order.
fn dir_files(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            LoadError::at_path(
                "io",
                format!("cannot read {}: {e}", dir.display()),
                dir,
                None,
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.contains(&e))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Detects the format of `path` (a file or a directory).
pub fn detect(path: &Path) -> Result<InputFormat, LoadError> {
    if !path.exists() {
        return Err(LoadError::at_path(
            "io",
            format!("{} does not exist", path.display()),
            path,
            Some("check the path".into()),
        ));
    }
    Ok(InputFormat::Native)
}

/// Reads the deployment at `path` (a file, or a directory of files), as `format` or as detected.
pub fn load(path: &Path, format: Option<InputFormat>) -> Result<Loaded, LoadError> {
    load_with(path, format, Limits::default())
}

/// [`load`] with explicit limits.
pub fn load_with(
    path: &Path,
    format: Option<InputFormat>,
    limits: Limits,
) -> Result<Loaded, LoadError> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    match format {
        InputFormat::Native => load_native(path, limits),
    }
}

/// Reads native topology files (one file, or every `.yaml`/`.yml`/`.json` of a directory,
/// merged into one topology).
pub fn load_native(path: &Path, limits: Limits) -> Result<Loaded, LoadError> {
    let files = if path.is_dir() {
        dir_files(path, &["yaml", "yml", "json"])?
    } else {
        vec![path.to_path_buf()]
    };
    if files.is_empty() {
        return Err(LoadError::at_path(
            "empty",
            format!("{} holds no .yaml, .yml or .json file", path.display()),
            path,
            None,
        ));
    }
    let mut sources = Vec::new();
    let mut trees: Vec<Node> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut topology = Topology::default();
    let mut failed = Vec::new();
    let mut unparsed = false;
    for f in files {
        let src = read_source(&f, limits)?;
        match tree::parse(&src, limits) {
            Err(d) => {
                diagnostics.push(d);
                unparsed = true;
                trees.push(Node {
                    value: tree::Value::Seq(vec![]),
                    span: Default::default(),
                });
            }
            Ok(root) => {
                let mut p = native::read_partial(&root, &src);
                merge(&mut topology, p.topology);
                diagnostics.append(&mut p.errors);
                failed.append(&mut p.failed);
                trees.push(root);
            }
        }
        sources.push(src);
    }
    if !unparsed {
        // Check what could be read, so one run shows every error; references to resources
        // that failed to read are not reported twice.
        let problems = moat_model::validate(&topology);
        diagnostics.extend(
            problems
                .iter()
                .filter(|p| !refers_to_failed(p, &failed))
                .map(|p| locate(p, &sources, &trees)),
        );
    }
    diagnostics.sort_by(|a, b| {
        (&a.location.file, a.location.offset).cmp(&(&b.location.file, b.location.offset))
    });
    if diagnostics.is_empty() {
        let problems = moat_model::finalize::finalize(&mut topology);
        diagnostics.extend(problems.iter().map(|p| locate(p, &sources, &trees)));
    }
    if diagnostics.is_empty() {
        Ok(Loaded {
            topology,
            format: "native",
            sources,
            warnings: Vec::new(),
        })
    } else {
        Err(LoadError {
            diagnostics,
            sources,
        })
    }
}

/// Whether a dangling reference points at a resource that failed to read (already reported).
fn refers_to_failed(p: &Problem, failed: &[String]) -> bool {
    p.code == "dangling-reference"
        && failed
            .iter()
            .any(|n| p.message.contains(&format!("`{n}`")) || p.message.contains(&format!("`{n}/")))
}

fn merge(into: &mut Topology, from: Topology) {
    macro_rules! m {
        ($($f:ident),*) => { $( into.$f.extend(from.$f); )* };
    }
    if into.name.is_none() {
        into.name = from.name;
    }
    if into.region.is_none() {
        into.region = from.region;
    }
    m!(
        workspaces,
        registries,
        computes,
        aks_clusters,
        aci_deployments,
        online_endpoints,
        role_assignments,
        storage_accounts,
        key_vaults,
        container_registries,
        application_insights,
        monitor_private_link_scopes,
        virtual_networks,
        network_security_groups,
        application_security_groups,
        route_tables,
        nat_gateways,
        public_ips,
        firewalls,
        firewall_policies,
        ip_groups,
        virtual_network_gateways,
        local_network_gateways,
        connections,
        bastion_hosts,
        virtual_machines,
        network_interfaces,
        service_endpoint_policies,
        private_endpoints,
        private_dns_zones,
        dns_servers,
        dns_resolvers,
        dns_forwarding_rulesets,
        clients,
        unknowns,
        unmodelled
    );
}

/// Parses one text as a native topology (for tests and tools); `name` labels locations.
pub fn parse_native_str(name: &str, text: &str) -> Result<Topology, Vec<Diagnostic>> {
    let src = SourceFile::new(name, text.to_string());
    let root = tree::parse(&src, Limits::default()).map_err(|d| vec![d])?;
    let p = native::read_partial(&root, &src);
    let mut t = p.topology;
    let mut errors = p.errors;
    errors.extend(
        moat_model::validate(&t)
            .iter()
            .filter(|x| !refers_to_failed(x, &p.failed))
            .map(|x| locate(x, std::slice::from_ref(&src), std::slice::from_ref(&root))),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let problems = moat_model::finalize::finalize(&mut t);
    if !problems.is_empty() {
        return Err(problems
            .iter()
            .map(|p| locate(p, std::slice::from_ref(&src), std::slice::from_ref(&root)))
            .collect());
    }
    Ok(t)
}
