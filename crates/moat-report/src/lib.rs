//! # moat-report
//!
//! The last stage of moat's pipeline: turning the model and the analyses' answers into what
//! people and CI read.
//!
//! - [`check`]: findings as text and JSON, and rule documentation;
//! - [`sarif`]: findings and the input's diagnostics as SARIF 2.1.0;
//! - [`fixes`]: the changes rules propose, as code in the input's language;
//! - [`needs`]: findings undecided for lack of input, one line per missing input;
//! - [`show`]: the inventory of a deployment and each workspace's isolation posture;
//! - [`graph`]: the topology as a DOT or Mermaid diagram (VNets as clusters, private endpoints
//!   as edges to their targets);
//! - [`trace`]: traces, one line per hop;
//! - [`ops`]: operation verdicts with the traces of failing flows;
//! - [`exfil`]: the exfiltration map (`moat exfil`) as text, SARIF and DOT;
//! - [`diff`]: what a change does (`moat diff`): findings new and fixed, operations and flows
//!   that changed.

pub mod check;
pub mod diff;
pub mod exfil;
pub mod fixes;
pub mod graph;
pub mod needs;
pub mod ops;
pub mod sarif;
pub mod show;
pub mod style;
pub mod trace;
