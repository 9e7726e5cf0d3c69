//! OUT002 package-index-unreachable.

use crate::rules::util_fix::{approve_in_managed, https_in_firewall};
use crate::rules::util_infra::{blocked_finding, compute_groups, trace, worst};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{Trace, Verdict};
use moat_model::address::Address;
use moat_packets::Protocol;

/// The rule.
pub struct Out002;
/// Its registration.
pub static RULE: Out002 = Out002;

static DOC: RuleDoc = RuleDoc {
    code: "OUT002",
    name: "package-index-unreachable",
    severity: Severity::Warning,
    what: "Computes declared to install packages (uses: install-packages) cannot reach the public package hosts: pypi.org, *.pythonhosted.org, anaconda.com, *.anaconda.com, *.anaconda.org, and cloud.r-project.org for computes that use RStudio.",
    why: "Conda and pip fetch package lists and files from these hosts on TCP 443. In a locked-down VNet or an approved-outbound managed network they must be allowed (firewall application rules, FQDN outbound rules), or installs fail; private feeds are the alternative.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, uses: [install-packages] }]",
    fix: "Allow the package hosts on the firewall (application rules on HTTPS 443) or as FQDN outbound rules of the managed network, or serve packages from a private feed.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Required public internet access (hosts for packages)"
    )],
    covers: &[],
    path: true,
};

impl Rule for Out002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // One finding per place, whatever the public-IP setting of its computes.
        let mut reported = std::collections::HashSet::new();
        let installs = |c: &moat_model::ml::Compute| {
            c.uses
                .iter()
                .any(|u| u.eq_ignore_ascii_case("install-packages"))
        };
        for g in compute_groups(cx, |c| {
            installs(c) || c.uses.iter().any(|u| u.eq_ignore_ascii_case("rstudio"))
        }) {
            let mut hosts: Vec<(&str, &str)> = Vec::new();
            if g.computes.iter().any(|c| installs(c)) {
                hosts.extend(moat_net::hosts::PACKAGE_HOSTS);
            }
            if g.computes
                .iter()
                .any(|c| c.uses.iter().any(|u| u.eq_ignore_ascii_case("rstudio")))
            {
                hosts.push(("cloud.r-project.org", "cloud.r-project.org"));
            }
            let from = g.probe();
            let mut failed = Vec::new();
            let mut traces = Vec::new();
            let mut first: Option<Trace> = None;
            for (pattern, host) in hosts {
                let Some(t) = trace(
                    cx,
                    &from,
                    Address::Fqdn(host.to_string()),
                    Protocol::TCP,
                    443,
                ) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed {
                    continue;
                }
                failed.push(pattern);
                traces.push(t.clone());
                first = worst(first, t);
            }
            let Some(t) = first else { continue };
            let what = format!(
                "outbound from {} ({}) to the package hosts {} (TCP 443)",
                g.place(),
                g.names(),
                failed.join(", ")
            );
            if reported.insert(g.resource.clone()) {
                let hosts: Vec<&str> = failed.clone();
                let mut f = blocked_finding(&DOC, g.resource.clone(), what, t, &g.at);
                for c in approve_in_managed(&g, &hosts) {
                    f = f.with_change(c);
                }
                for c in https_in_firewall(cx, &g, &hosts, &traces) {
                    f = f.with_change(c);
                }
                out.push(f);
            }
        }
    }
}
