//! MVN008 storage-fqdn-rule.

use crate::change::Change;
use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::{IsolationMode, OutboundRuleType};
use moat_model::ml::OutboundDestination;
use moat_net::managed::is_storage_host;

/// The rule.
pub struct Mvn008;
/// Its registration.
pub static RULE: Mvn008 = Mvn008;

static DOC: RuleDoc = RuleDoc {
    code: "MVN008",
    name: "storage-fqdn-rule",
    severity: Severity::Error,
    what: "A managed network in AllowOnlyApprovedOutbound mode has an FQDN outbound rule to Azure Storage (a blob, file, queue, table, dfs or web host).",
    why: "In allow-only-approved-outbound mode the managed network cannot reach storage accounts through FQDN rules: the documentation requires a private endpoint outbound rule to the account instead. The FQDN rule does not give the access it appears to give (moat's trace ignores it too), and jobs reading that storage fail.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: data, type: FQDN, destination: contosodata.blob.core.windows.net }] } }]\nstorage_accounts: [{ name: contosodata }]",
    fix: "Replace the FQDN rule by a private endpoint outbound rule to the storage account (sub-resource blob, file, queue, table or dfs).",
    fix_form: FixForm::Code,
    sources: &[doc!(MN, "Limitations")],
    covers: &["§6.70"],
    path: false,
};

impl Rule for Mvn008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            w.managed_network.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound
        }) {
            let before = out.len();
            for r in &w.managed_network.outbound_rules {
                let OutboundDestination::Fqdn(host) = &r.destination else {
                    continue;
                };
                if r.kind != OutboundRuleType::Fqdn || !r.active || !is_storage_host(host) {
                    continue;
                }
                let change = account_of(host)
                    .filter(|(account, _)| cx.e.ix.storage_accounts.contains_key(*account))
                    .map(|(account, subresource)| Change::FqdnRuleToEndpoint {
                        workspace: format!("workspace/{}", w.name),
                        name: r.name.clone(),
                        storage: format!("storage/{account}"),
                        subresource: subresource.to_string(),
                    });
                out.push(
                    Finding::new(
                        &DOC,
                        format!("workspace/{}", w.name),
                        format!(
                            "outbound rule {} of workspace {}'s managed network allows storage host {host} by FQDN, which allow-only-approved-outbound mode does not support for storage accounts",
                            r.name, w.name
                        ),
                        DOC.fix,
                        if r.at.is_unknown() { &w.at } else { &r.at },
                    )
                    .with_changes(change),
                );
            }
            if out.len() == before {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "no outbound rule of workspace {}'s managed network allows a storage host by FQDN",
                        w.name
                    )));
            }
        }
    }
}

/// The account and the sub-resource a storage host names (`data.blob.core.windows.net` →
/// `data`, `blob`); none for a wildcard, a scheme, port or path, or another form.
fn account_of(host: &str) -> Option<(&str, &str)> {
    let mut labels = host.split('.');
    let (account, service) = (labels.next()?, labels.next()?);
    let plain = |l: &str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    let services = ["blob", "file", "queue", "table", "dfs", "web"];
    (plain(account) && services.contains(&service) && labels.next() == Some("core"))
        .then_some((account, service))
}
