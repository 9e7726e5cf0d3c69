//! Intent: which operations apply. Infrastructure files say what exists, not what people do
//! with it; moat learns it from declarations, then from the deployment itself, and otherwise
//! assumes — and says which (rules.md, "Intent").

use crate::OpId;
use moat_model::Topology;
use moat_model::ml::registry_of_asset;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a piece of intent came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Written in the input (`uses_registries`, a client's `operations`).
    Declared,
    /// Read from the deployment (a deployment's model id names a registry).
    Derived,
    /// Assumed for lack of either; reported as an assumption.
    Assumed,
}

/// The operations people perform and the registries workspaces use.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Intent {
    /// Workspace -> registries its jobs and deployments use, and how moat knows.
    pub registries: BTreeMap<String, (Vec<String>, Source)>,
    /// Client -> the operations it performs, and how moat knows.
    pub client_ops: BTreeMap<String, (Vec<String>, Source)>,
    /// Every assumption made, in words.
    pub assumptions: Vec<String>,
}

/// Operations every client is assumed to perform when it declares none.
pub const DEFAULT_CLIENT_OPS: &[OpId] = &[OpId::StudioOpen, OpId::SdkConnect];

impl Intent {
    /// Learns the intent of a topology.
    pub fn of(t: &Topology) -> Intent {
        let mut i = Intent::default();
        for w in &t.workspaces {
            if !w.uses_registries.is_empty() {
                i.registries.insert(
                    w.name.clone(),
                    (w.uses_registries.clone(), Source::Declared),
                );
                continue;
            }
            let mut derived: Vec<String> = t
                .online_endpoints
                .iter()
                .filter(|e| e.workspace == w.name)
                .flat_map(|e| e.deployments.iter().flat_map(|d| d.registry_sources()))
                .collect();
            derived.sort();
            derived.dedup();
            if !derived.is_empty() {
                i.registries
                    .insert(w.name.clone(), (derived, Source::Derived));
            } else if !t.registries.is_empty() {
                let all: Vec<String> = t.registries.iter().map(|r| r.name.clone()).collect();
                i.assumptions.push(format!(
                    "workspace {} uses every registry of the input ({})",
                    w.name,
                    all.join(", ")
                ));
                i.registries.insert(w.name.clone(), (all, Source::Assumed));
            }
        }
        for c in &t.clients {
            if c.operations.is_empty() {
                i.assumptions.push(format!(
                    "client {} performs {}",
                    c.name,
                    DEFAULT_CLIENT_OPS
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
                i.client_ops.insert(
                    c.name.clone(),
                    (
                        DEFAULT_CLIENT_OPS.iter().map(|o| o.to_string()).collect(),
                        Source::Assumed,
                    ),
                );
            } else {
                i.client_ops
                    .insert(c.name.clone(), (c.operations.clone(), Source::Declared));
            }
        }
        i
    }

    /// The registries a workspace uses.
    pub fn registries_of(&self, workspace: &str) -> &[String] {
        self.registries
            .get(workspace)
            .map(|(r, _)| r.as_slice())
            .unwrap_or(&[])
    }

    /// The clients that perform an operation.
    pub fn clients_doing(&self, op: OpId) -> Vec<&str> {
        self.client_ops
            .iter()
            .filter(|(_, (ops, _))| ops.iter().any(|o| o == op.as_str()))
            .map(|(c, _)| c.as_str())
            .collect()
    }
}

/// Whether a model id names a registry (`azureml://registries/<name>/...`).
pub fn uses_registry_asset(id: &str) -> Option<String> {
    registry_of_asset(id)
}
