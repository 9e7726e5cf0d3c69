//! INV002 invariant-unreachable.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_exfil::invariant::Expect;

/// The rule.
pub struct Inv002;
/// Its registration.
pub static RULE: Inv002 = Inv002;

static DOC: RuleDoc = RuleDoc {
    code: "INV002",
    name: "invariant-unreachable",
    severity: Severity::Error,
    what: "A reachability invariant expecting `allowed` is broken: one of its destinations is unreachable from one of its sources on every protocol and port (or, undecided, the model cannot establish a path).",
    why: "What a deployment must reach (the package index its jobs install from, the Azure ML service tags) is as much part of its policy as what it must not: an invariant pins it, and the witness's trace names the element that blocks.",
    example: "# moat.toml\n[[invariant]]\nname = \"training-installs-packages\"\nfrom = \"compute/*\"\nto = \"fqdn:pypi.org\"\nexpect = \"allowed\"",
    fix: "Open the path at the element the witness's trace stops at (its fix says how), or correct the invariant.",
    fix_form: FixForm::Prose(prose::TRACE),
    sources: &[doc!(
        PLAN,
        "Outbound from computes to the internet and other Azure PaaS resources"
    )],
    covers: &[],
    path: true,
};

impl Rule for Inv002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        super::findings(cx, &DOC, Expect::Allowed, out);
    }
}
