//! # moat-engine
//!
//! The analyses over the model, built on the network semantics of `moat-net`:
//!
//! - [`trace`]: can a principal at a place reach a destination? Hop by hop — name resolution,
//!   NSGs, routes, firewalls, private endpoints, resource firewalls — with a three-valued
//!   verdict (allowed, denied, unknown with what is missing), the element that blocks, and the
//!   fix. Never "allowed" without a complete path.

pub mod engine;
pub mod intent;
pub mod op_id;
pub mod ops;
pub mod place;
pub mod presence;
pub mod reads;
pub mod rule_code;
pub mod studio;
pub mod sweep;
pub mod trace;

pub use engine::Engine;
pub use op_id::OpId;
pub use rule_code::RuleCode;
pub use trace::{Code, Hop, HopDecision, Query, Step, Trace, Verdict};
