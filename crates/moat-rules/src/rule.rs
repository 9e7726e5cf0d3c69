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
    /// A minimal native deployment that loads on its own and triggers it (see the test
    /// `rule_examples` for the few that cannot).
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Whether its findings carry the fix as typed changes, or only as prose (and why).
    pub fix_form: FixForm,
    /// The Azure documentation it comes from: page title, section and link (see `docs`).
    pub sources: &'static [&'static str],
    /// The documented requirements it checks, by item of the network facts reference
    /// (`§6.13` for requirement 13, `§9.pe-per-vnet` for a limit); the catalog test holds the
    /// list of items and which of them no rule checks yet.
    pub covers: &'static [&'static str],
    /// Decided by the path engine (a finding carries a trace).
    pub path: bool,
}

/// How a rule gives its fix. The ledger test holds each rule to what it declares: a rule
/// declared [`FixForm::Code`] fires on its example with typed changes, one declared
/// [`FixForm::Prose`] with none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixForm {
    /// Typed changes, rendered per input language (native, Terraform, ARM, Bicep, az).
    Code,
    /// Prose only, for the reason given (one of [`prose`] where one fits).
    Prose(&'static str),
}

/// The reasons a fix is given only as prose, each written once so that the ledger groups.
pub mod prose {
    /// Several changes would do and which one is right depends on the intended design.
    pub const DESIGN: &str =
        "the fix is a design or address-plan choice that the deployment does not make";
    /// An act on resources, not a setting: a re-creation, an approval, an order of steps.
    pub const OPERATION: &str = "the fix is an operation (an order of steps, a re-creation, an approval), not a change to the deployment";
    /// An information finding.
    pub const NOTHING: &str = "the finding informs; there is nothing to change";
    /// The change is made where the model does not reach.
    pub const OUTSIDE: &str =
        "the change is made outside the deployment (a DNS server, a client, a tool, a data asset)";
    /// A value only the user knows.
    pub const VALUE: &str = "the fix needs a value the model does not hold";
    /// The finding reports a path; the fix belongs to the hop that blocks it.
    pub const TRACE: &str =
        "the fix is that of the hop the finding's trace stops at, which the trace gives";
    /// A settled change that no [`crate::change::Change`] expresses yet.
    pub const NO_FORM: &str = "no typed change expresses this fix yet";
}

impl FixForm {
    /// The line `moat rule CODE` shows.
    pub fn describe(&self) -> String {
        match self {
            FixForm::Code => "Fix as code, where the input's language can make the change (native, Terraform, ARM, Bicep, az)".to_string(),
            FixForm::Prose(why) => format!("Fix in prose: {why}."),
        }
    }

    /// `code` or `prose`, for the listing.
    pub fn as_str(&self) -> &'static str {
        match self {
            FixForm::Code => "code",
            FixForm::Prose(_) => "prose",
        }
    }
}

/// A rule of the catalog.
pub trait Rule: Sync {
    /// Its documentation.
    fn doc(&self) -> &'static RuleDoc;
    /// Reports its findings on the deployment.
    fn check(&self, cx: &Context, out: &mut Vec<Finding>);
}
