//! WS007 workspace-ip-rules-invalid.

use crate::rules::util_items::open_list_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use ipnet::{IpNet, Ipv4Net};

/// The rule.
pub struct Ws007;
/// Its registration.
pub static RULE: Ws007 = Ws007;

static DOC: RuleDoc = RuleDoc {
    code: "WS007",
    name: "workspace-ip-rules-invalid",
    severity: Severity::Error,
    what: "A workspace IP allow list has more than 200 entries, an IPv6 entry, or a private address range (10.x, 172.16-172.31, 192.168.x).",
    why: "The workspace IP network rules accept at most 200 rules of public IPv4 addresses or CIDR ranges. Azure rejects the others, and a private range could never match anyway: the workspace's public endpoint sees the address a client's traffic leaves the internet with, never its private one.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [10.0.0.0/8] } }]",
    fix: "List the public IPv4 addresses or ranges your clients leave for the internet with (their NAT, proxy or firewall address), at most 200; reach the workspace from private networks through a private endpoint.",
    fix_form: FixForm::Prose(prose::VALUE),
    sources: &[doc!(
        PL,
        "Enable public access only from internet IP ranges (limitations of IP network rules)"
    )],
    covers: &["§6.13"],
    path: false,
};

/// The address ranges the workspace IP rules refuse.
const PRIVATE: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// Most rules a workspace allow list takes.
const MAX_RULES: usize = 200;

/// What is wrong with one allow-list entry.
fn problem(rule: &IpNet) -> Option<String> {
    match rule {
        IpNet::V6(_) => Some(format!("{rule} is IPv6 (IPv4 only)")),
        IpNet::V4(n) => PRIVATE
            .iter()
            .filter_map(|p| p.parse::<Ipv4Net>().ok())
            .find(|p| p.contains(n))
            .map(|p| format!("{rule} is a private range (in {p})")),
    }
}

impl Rule for Ws007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let ip_rules = w.network_acls.as_ref().map_or(&[][..], |a| &a.ip_rules);
            let mut problems: Vec<String> = ip_rules.iter().filter_map(problem).collect();
            if ip_rules.len() > MAX_RULES {
                problems.insert(
                    0,
                    format!("{} entries (at most {MAX_RULES})", ip_rules.len()),
                );
            }
            if problems.is_empty() {
                out.extend(open_list_finding(
                    cx,
                    &DOC,
                    format!("workspace/{}", w.name),
                    "network_acls.ip_rules",
                    &format!(
                        "the IP allow list of workspace {} holds only public IPv4 addresses, at most {MAX_RULES}",
                        w.name
                    ),
                    &w.at,
                ));
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "the IP allow list of workspace {} is not accepted: {}",
                    w.name,
                    problems.join("; ")
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
