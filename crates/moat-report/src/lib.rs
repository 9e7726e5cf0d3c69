//! # moat-report
//!
//! The last stage of moat's pipeline: turning the model and the analyses' answers into what
//! people and CI read.
//!
//! - [`show`]: the inventory of a deployment and each workspace's isolation posture;
//! - [`graph`]: the topology as a DOT or Mermaid diagram (VNets as clusters, private endpoints
//!   as edges to their targets).

pub mod graph;
pub mod show;
pub mod style;
