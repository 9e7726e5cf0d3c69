//! # moat-model
//!
//! The vendor-neutral model of an Azure Machine Learning deployment and the network around it.
//! Every importer (native YAML/JSON, ARM templates, Terraform, Azure ML CLI YAML) produces a
//! [`Topology`]; every analysis (trace, ops, check) reads one.
//!
//! Names and properties follow Azure's resource model (ARM types) in snake case, so a template
//! maps into the model without loss. Resources refer to one another by name; subnets as
//! `vnet/subnet`. Defaults are Azure's where Azure has defaults (a workspace's public network
//! access is `Enabled`, a compute's node public IP is on, an NSG carries the default rules).
//!
//! - [`address`]: the one syntax that names endpoints of a flow (`workspace/ws`,
//!   `registry/contosoreg:storage`, `subnet/vnet/training`, `ip:10.0.0.4`, `fqdn:pypi.org`).
//! - [`validate`]: names, references and address plans, every problem located.
//! - [`presence`]: resources that may or may not be deployed, and the variants analyses agree on.
//! - [`choices`]: values the input leaves open among the deployment's own elements (what a
//!   private endpoint of unknown target connects to), analysed one possible value at a time.
//! - [`scope`]: names Azure scopes to a parent (computes per workspace) and their addresses.
//! - [`finalize`]: what Azure decides at deployment time (regions, ids).
//! - [`addressing`]: the private addresses Azure assigns at deployment, kept as the set the
//!   input determines.

pub mod address;
pub mod addressing;
pub mod choices;
pub mod clients;
pub mod deps;
pub mod diag;
pub mod enums;
pub mod external;
pub mod finalize;
pub mod firewall;
pub mod ml;
pub mod naming;
pub mod network;
pub mod open;
pub mod open_settings;
pub mod placement;
pub mod presence;
pub mod privatelink;
pub mod provenance;
pub mod scope;
pub mod suggest;
pub mod topology;
pub mod validate;
pub mod values;

pub use address::{Address, Kind};
pub use addressing::{Addressing, Assigned, PrivateIp};
pub use diag::{Diagnostic, Level, Location};
pub use open::Open;
pub use provenance::Provenance;
pub use topology::{Index, Topology, Unknown, Unmodelled};
pub use validate::{Problem, validate};
