//! ST011 studio-through-storage-ip-rules.

use crate::rules::util_core::{clients_doing_any, storage};
use crate::rules::util_items::open_list;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Code;
use moat_engine::OpId;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct St011;
/// Its registration.
pub static RULE: St011 = St011;

static DOC: RuleDoc = RuleDoc {
    code: "ST011",
    name: "studio-through-storage-ip-rules",
    severity: Severity::Warning,
    what: "A studio client reaches the workspace's default storage only because an IP rule of the storage firewall admits its address (path).",
    why: "Studio does not support the IP network rules of a storage account's firewall: the browser's requests come through the studio service, so data preview and the other storage features fail although the address is on the list. The SDK and CLI do use those rules. Studio users need a private endpoint or service endpoint path to the storage.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, ip_rules: [203.0.113.7] } }]\nclients: [{ name: analyst, location: internet, public_address: 203.0.113.7, operations: [studio.open] }]",
    fix: "Give studio users a private endpoint (or a service endpoint from their subnet) to the storage account; keep IP rules for SDK and CLI clients.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(STU, "Limitations")],
    covers: &["§6.30"],
    path: true,
};

impl Rule for St011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let clients = clients_doing_any(cx, &[OpId::StudioOpen, OpId::StudioData]);
        let mut seen = Vec::new();
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            // IP rules the input leaves open may admit a client: its open path is reported.
            let open = open_list(
                cx,
                &format!("storage/{}", st.name),
                "network_rules.ip_rules",
            );
            if st.network_rules.ip_rules.is_empty() && open.is_none() {
                continue;
            }
            for c in &clients {
                if seen.contains(&(c.clone(), st.name.clone())) {
                    continue;
                }
                let to = Address::resource(Kind::Storage, st.name.as_str()).with_sub("blob");
                let Some(t) = cx.trace(Address::resource(Kind::Client, c), to, Protocol::TCP, 443)
                else {
                    continue;
                };
                // A path the input leaves open is reported, undecided through its trace.
                let by_ip = t.hops.iter().any(|h| h.code == Code::RfIpRule);
                let maybe = open.is_some() && t.verdict == moat_engine::Verdict::Unknown;
                if t.verdict == moat_engine::Verdict::Denied || !(by_ip || maybe) {
                    continue;
                }
                seen.push((c.clone(), st.name.clone()));
                out.push(
                    Finding::new(
                        &DOC,
                        format!("storage/{}", st.name),
                        format!(
                            "client {c} reaches storage {} for studio through an IP rule of its firewall, which studio does not support",
                            st.name
                        ),
                        DOC.fix,
                        &st.at,
                    )
                    .with_trace(t),
                );
            }
        }
    }
}
