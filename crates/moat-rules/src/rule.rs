//! What a rule is.

use crate::context::Context;
use crate::finding::{Finding, Severity};

/// The documentation of a rule, shown by `moat rule CODE`, in SARIF, and in the README.
#[derive(Clone, Copy, Debug)]
pub struct RuleDoc {
    /// Stable code (`REG001`); once shipped, its meaning never changes.
    pub code: &'static str,
    /// Kebab-case name (`registry-storage-unreachable`).
    pub name: &'static str,
    pub severity: Severity,
    /// What the rule detects, in one sentence.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A minimal topology fragment that triggers it.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// The Azure documentation it comes from: page title, section and link (see `docs`).
    pub sources: &'static [&'static str],
    /// The documented requirements it checks, by item of the network facts reference
    /// (`§6.13` for requirement 13, `§9.pe-per-vnet` for a limit); the catalog test holds the
    /// list of items and which of them no rule checks yet.
    pub covers: &'static [&'static str],
    /// Decided by the path engine (a finding carries a trace).
    pub path: bool,
}

/// A rule of the catalog.
pub trait Rule: Sync {
    /// Its documentation.
    fn doc(&self) -> &'static RuleDoc;
    /// Reports its findings on the deployment.
    fn check(&self, cx: &Context, out: &mut Vec<Finding>);
}
