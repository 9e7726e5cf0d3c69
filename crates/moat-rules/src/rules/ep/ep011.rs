//! EP011 workspace-endpoint-predates-online-endpoints.

use crate::rules::sec::{PUBLIC_ACCESS, needs};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep011;
/// Its registration.
pub static RULE: Ep011 = Ep011;

static DOC: RuleDoc = RuleDoc {
    code: "EP011",
    name: "workspace-endpoint-predates-online-endpoints",
    severity: Severity::Error,
    what: "A workspace private endpoint declared as created before 24 May 2022 serves managed online endpoints whose public network access is disabled.",
    why: "Managed online endpoints without public access are scored through the workspace's private endpoint. A workspace private endpoint created before 24 May 2022 lacks what that needs and must be recreated first. Templates create their private endpoints when deployed, so only an existing endpoint, with its creation date declared (created: YYYY-MM-DD), can be too old.",
    example: "workspaces: [{ name: ws }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, created: 2021-11-02 }]\nonline_endpoints: [{ name: ep, workspace: ws, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Delete the workspace private endpoint and create it again before using private managed online endpoints.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(
        HOE,
        "Limitations (workspace private endpoints created before May 24, 2022)"
    )],
    covers: &["§6.80"],
    path: false,
};

/// The date managed online endpoints began to need in workspace private endpoints.
const CUTOFF: &str = "2022-05-24";

/// The `YYYY-MM-DD` a declared creation date starts with, when it is one.
fn date(s: &str) -> Option<&str> {
    let d = s.trim().get(..10)?;
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)).then_some(d)
}

impl Rule for Ep011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for p in &t.private_endpoints {
            let Address::Resource {
                kind: Kind::Workspace,
                name: ws,
                ..
            } = &p.target
            else {
                continue;
            };
            let Some(created) = &p.created else { continue };
            // Endpoints whose public access is Disabled are scored through the workspace's
            // private endpoint; those whose access the input leaves open (SecuredByPerimeter:
            // their perimeter's access rules decide) may be.
            let mut private: Vec<&str> = Vec::new();
            let mut maybe: Vec<(&str, String)> = Vec::new();
            for e in t.online_endpoints.iter().filter(|e| &e.workspace == ws) {
                match needs(cx, &format!("online-endpoint/{}", e.name), PUBLIC_ACCESS) {
                    Some(n) => maybe.push((&e.name, n)),
                    None if e.public_network_access == PublicNetworkAccess::Disabled => {
                        private.push(&e.name)
                    }
                    None => {}
                }
            }
            if private.is_empty() && maybe.is_empty() {
                continue;
            }
            let r = format!("private-endpoint/{}", p.name);
            match date(created) {
                Some(d) if d >= CUTOFF => {}
                Some(d) if !private.is_empty() => out.push(Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "private endpoint {} of workspace {ws} was created on {d}, before {CUTOFF}: online endpoint(s) {} cannot be scored through it until it is recreated",
                        p.name,
                        private.join(", ")
                    ),
                    DOC.fix,
                    &p.at,
                )),
                Some(d) => {
                    let names: Vec<&str> = maybe.iter().map(|m| m.0).collect();
                    let mut f = Finding::new(
                        &DOC,
                        &r,
                        format!(
                            "private endpoint {} of workspace {ws} was created on {d}, before {CUTOFF}: online endpoint(s) {} cannot be scored through it until it is recreated if their public network access closes them, which the input does not decide",
                            p.name,
                            names.join(", ")
                        ),
                        DOC.fix,
                        &p.at,
                    );
                    for (_, n) in maybe.iter() {
                        f = f.needing(Some(n.clone()));
                    }
                    out.push(f);
                }
                None => out.push(
                    Finding {
                        // Not decided: no more than a warning.
                        severity: Severity::Warning,
                        ..Finding::new(
                        &DOC,
                        &r,
                        format!(
                            "cannot confirm that private endpoint {} of workspace {ws} was created after {CUTOFF}: its declared creation date `{created}` is not a date (YYYY-MM-DD)",
                            p.name
                        ),
                        DOC.fix,
                        &p.at,
                    )
                    }
                    .needing(Some(format!(
                        "created of {r}: `{created}` is not a date"
                    )))
                    // Without an endpoint surely closed, the endpoints' access is open too.
                    .needing(if private.is_empty() {
                        maybe.first().map(|m| m.1.clone())
                    } else {
                        None
                    }),
                ),
            }
        }
    }
}
