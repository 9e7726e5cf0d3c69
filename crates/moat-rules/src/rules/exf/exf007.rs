//! EXF007 policy-region-mismatch.

use crate::change::Change;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Exf007;
/// Its registration.
pub static RULE: Exf007 = Exf007;

static DOC: RuleDoc = RuleDoc {
    code: "EXF007",
    name: "policy-region-mismatch",
    severity: Severity::Error,
    what: "A subnet uses a service endpoint policy created in a region other than its VNet's.",
    why: "A service endpoint policy can only be associated with subnets of VNets in its own region; the association fails, and the subnet is left without the filtering the design counts on.",
    example: "service_endpoint_policies: [{ name: ml-sep, region: westus }]\nvirtual_networks: [{ name: vnet, region: eastus, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoint_policies: [ml-sep] }] }]",
    fix: "Create the policy in the VNet's region.",
    fix_form: FixForm::Code,
    sources: &[doc!(SEP, "Limitations")],
    covers: &["§7.sep-region"],
    path: false,
};

impl Rule for Exf007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let norm = |r: &str| r.replace([' ', '-'], "").to_ascii_lowercase();
        // A policy is moved once, by its first finding's change: the others go with it.
        let mut moved: Vec<&str> = Vec::new();
        for v in &cx.t.virtual_networks {
            let Some(vr) = &v.region else {
                continue;
            };
            for s in &v.subnets {
                for p in &s.service_endpoint_policies {
                    let Some(&pi) = cx.e.ix.service_endpoint_policies.get(p) else {
                        continue;
                    };
                    let pol = &cx.t.service_endpoint_policies[pi];
                    let Some(pr) = &pol.region else { continue };
                    if norm(pr) == norm(vr) {
                        continue;
                    }
                    // Every subnet that uses the policy in VNets of this one's region: the region
                    // it goes to is determined. Subnets in several regions need a policy each,
                    // which is the user's to lay out.
                    let one_region = cx.t.virtual_networks.iter().all(|o| {
                        !o.subnets
                            .iter()
                            .any(|x| x.service_endpoint_policies.contains(p))
                            || o.region.as_deref().is_some_and(|r| norm(r) == norm(vr))
                    });
                    let mut f = Finding::new(
                        &DOC,
                        format!("subnet/{}/{}", v.name, s.name),
                        format!(
                            "subnet {}/{} (VNet in {vr}) uses service endpoint policy {p}, created in {pr}",
                            v.name, s.name
                        ),
                        DOC.fix,
                        if pol.at.is_unknown() { &s.at } else { &pol.at },
                    );
                    if one_region && !pol.at.is_unknown() && !moved.contains(&p.as_str()) {
                        moved.push(p);
                        f = f.with_change(Change::SetPolicyRegion {
                            policy: pol.name.clone(),
                            vnet: v.name.clone(),
                            region: vr.clone(),
                        });
                    }
                    out.push(f);
                }
            }
        }
    }
}
