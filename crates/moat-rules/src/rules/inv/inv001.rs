//! INV001 invariant-reachable.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_exfil::invariant::Expect;

/// The rule.
pub struct Inv001;
/// Its registration.
pub static RULE: Inv001 = Inv001;

static DOC: RuleDoc = RuleDoc {
    code: "INV001",
    name: "invariant-reachable",
    severity: Severity::Error,
    what: "A reachability invariant expecting `denied` is broken: some packet from its sources reaches one of its destinations (or, undecided, the model cannot rule it out).",
    why: "Invariants pin a deployment's exfiltration policy so that no later change breaks it. The network isolation planning page names read/write outbound (storage outside the deployment, AzureFrontDoor.Frontend, the internet) as the way data leaves; an invariant that says a place must not reach them is proven over every address, protocol and port, and one witness flow is enough to break it.",
    example: "# moat.toml\n[[invariant]]\nname = \"no-internet-from-training\"\nfrom = \"subnet/spoke-vnet/training\"\nto = \"internet\"\nexcept = [\"fqdn:pypi.org\"]\nexpect = \"denied\"",
    fix: "Close the path the witness takes (the NSG rule, firewall rule or managed-network outbound rule that lets it through), or add the destination to the invariant's `except` if it is intended.",
    fix_form: FixForm::Prose(prose::TRACE),
    sources: &[
        doc!(
            PLAN,
            "Data exfiltration protection (read-only and read/write outbound)"
        ),
        doc!(EXF, "Data exfiltration prevention"),
    ],
    covers: &[],
    path: true,
};

impl Rule for Inv001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        super::findings(cx, &DOC, Expect::Denied, out);
    }
}
