//! ST003 storage-subresources-missing.

use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::{
    endpoints_of, endpoints_open, groups, storage, storage_restricted, vnet_part,
};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::ml::OutboundDestination;
use std::collections::BTreeMap;

/// The rule.
pub struct St003;
/// Its registration.
pub static RULE: St003 = St003;

/// What a compute's `uses` says when it runs ParallelRunStep pipelines or batch deployments.
pub const PARALLEL_USES: &[&str] = &["parallel-run-step", "batch-endpoint"];

static DOC: RuleDoc = RuleDoc {
    code: "ST003",
    name: "storage-subresources-missing",
    severity: Severity::Error,
    what: "A VNet holds private endpoints to the workspace's default storage (restricted to private or selected-network access) without both blob and file; a warning when queue or table are missing and a compute declares ParallelRunStep or batch-endpoint use.",
    why: "Each storage service has its own private endpoint and its own DNS name. Azure Machine Learning uses blob and file on the default storage; queue and table are needed only by ParallelRunStep pipelines and batch deployments. A missing sub-resource leaves that service on the public endpoint, which the storage firewall refuses.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]\nprivate_endpoints: [{ name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob }]",
    fix: "Add private endpoints for the missing sub-resources of the storage account in that VNet.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Secure Azure storage accounts (private endpoint: blob, file, queue, table)"
    )],
    covers: &["§6.23"],
    path: false,
};

fn parallel(uses: &[String]) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    uses.iter()
        .any(|u| PARALLEL_USES.iter().any(|p| norm(p) == norm(u)))
}

impl Rule for St003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut done = std::collections::HashSet::new();
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            if !storage_restricted(st) {
                continue;
            }
            let prs =
                cx.e.ix
                    .computes_of(cx.t, &w.name)
                    .any(|c| parallel(&c.uses));
            let mut by_vnet: BTreeMap<&str, Vec<_>> = BTreeMap::new();
            for p in endpoints_of(cx.e, Kind::Storage, &st.name) {
                by_vnet.entry(vnet_part(&p.subnet)).or_default().push(p);
            }
            for (vnet, pes) in &by_vnet {
                if !done.insert((st.name.clone(), vnet.to_string(), prs)) {
                    continue;
                }
                let have = groups(pes);
                let lacks = |g: &str| !have.iter().any(|h| h == g);
                let required: Vec<&str> =
                    ["blob", "file"].into_iter().filter(|g| lacks(g)).collect();
                let target = Address::resource(Kind::Storage, &st.name);
                // Each missing service beside the account's endpoints in that VNet.
                let add = |f: Finding, services: &[&str]| {
                    services.iter().fold(f, |f, s| {
                        match group_of(&target, s)
                            .and_then(|g| endpoint_in(cx, &target, g, vnet, None, None))
                        {
                            Some(c) => f.with_change(c),
                            None => f,
                        }
                    })
                };
                if !required.is_empty() {
                    let f = Finding::new(
                        &DOC,
                        format!("storage/{}", st.name),
                        format!(
                            "VNet {vnet} has private endpoints to storage {} ({}) but none for {}",
                            st.name,
                            have.join(", "),
                            required.join(" or ")
                        ),
                        format!(
                            "add private endpoints for {} of storage {} in VNet {vnet}",
                            required.join(" and "),
                            st.name
                        ),
                        &st.at,
                    )
                    .needing(endpoints_open(cx.t, Kind::Storage, &st.name))
                    .needing(perimeter_needs(cx, &format!("storage/{}", st.name)));
                    out.push(add(f, &required));
                }
                let optional: Vec<&str> = ["queue", "table"]
                    .into_iter()
                    .filter(|g| lacks(g))
                    .collect();
                if prs && !optional.is_empty() {
                    let mut f = Finding::new(
                        &DOC,
                        format!("storage/{}", st.name),
                        format!(
                            "workspace {} runs ParallelRunStep or batch deployments, and VNet {vnet} has no private endpoint for {} of storage {}",
                            w.name,
                            optional.join(" or "),
                            st.name
                        ),
                        format!(
                            "add private endpoints for {} of storage {} in VNet {vnet}",
                            optional.join(" and "),
                            st.name
                        ),
                        &st.at,
                    )
                    .needing(endpoints_open(cx.t, Kind::Storage, &st.name))
                    .needing(perimeter_needs(cx, &format!("storage/{}", st.name)));
                    f.severity = Severity::Warning;
                    out.push(add(f, &optional));
                }
            }
            // A managed network gets blob and file by itself; queue and table need user rules.
            if prs && w.managed_network.enabled() {
                let target = Address::resource(Kind::Storage, &st.name);
                let ruled: Vec<String> = w
                    .managed_network
                    .outbound_rules
                    .iter()
                    .filter(|r| r.active)
                    .filter_map(|r| match &r.destination {
                        OutboundDestination::PrivateEndpoint(d)
                            if d.service_resource.parse::<Address>().ok().as_ref()
                                == Some(&target)
                                || Address::from_arm_id(&d.service_resource).as_ref()
                                    == Some(&target) =>
                        {
                            Some(d.subresource_target.to_ascii_lowercase())
                        }
                        _ => None,
                    })
                    .collect();
                let missing: Vec<&str> = ["queue", "table"]
                    .into_iter()
                    .filter(|g| !ruled.iter().any(|r| r == g))
                    .collect();
                if !missing.is_empty() {
                    let mut f = Finding::new(
                        &DOC,
                        format!("storage/{}", st.name),
                        format!(
                            "workspace {} runs ParallelRunStep or batch deployments, and its managed network has no private endpoint rule for {} of storage {}",
                            w.name,
                            missing.join(" or "),
                            st.name
                        ),
                        format!(
                            "add private endpoint outbound rules for {} of storage {} to workspace {}",
                            missing.join(" and "),
                            st.name,
                            w.name
                        ),
                        &st.at,
                    )
                    .needing(endpoints_open(cx.t, Kind::Storage, &st.name))
                    .needing(perimeter_needs(cx, &format!("storage/{}", st.name)));
                    f.severity = Severity::Warning;
                    out.push(f);
                }
            }
        }
    }
}
