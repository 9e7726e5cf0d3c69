//! # moat-rules
//!
//! The rule catalog of `moat check`, in the manner of a linter's rule registry: every rule is
//! one small file with a stable code, its documentation (what, why, an example, the fix, the
//! documents it comes from) written once next to its logic, and one line in [`registry`].
//!
//! Rules whose question is "does the flow get through" (marked *path* in their documentation)
//! never match attributes themselves: they ask the path engine — usually through an operation
//! of `moat ops` — and attach the trace of the failing flow to the finding.

pub mod cause;
pub mod change;
pub mod check;
pub mod context;
pub mod finding;
pub mod registry;
pub mod rule;
#[macro_use]
mod docs;
mod rules;

pub use context::Context;
pub use finding::{Finding, Severity};
pub use registry::{all, by_code};
pub use rule::{FixForm, Rule, RuleDoc, prose};
pub use rules::ops::ops001::{cause_key, covers};
