//! ST008 storage-smb-blocked-by-nsg.

use crate::change::Change;
use crate::rules::util_core::{storage, trace_finding};
use crate::rules::util_fix::{Allow, allow_in_nsg, file_endpoint, subnet_prefix};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Step;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct St008;
/// Its registration.
pub static RULE: St008 = St008;

static DOC: RuleDoc = RuleDoc {
    code: "ST008",
    name: "storage-smb-blocked-by-nsg",
    severity: Severity::Error,
    what: "A network security group blocks SMB (TCP 445) between a compute and its workspace's storage (path).",
    why: "Compute instances and clusters mount the workspace's file share over SMB: port 445 must be open between the computes and the default storage account, privately, even across VNets. An NSG rule that denies it (on the compute's subnet or the endpoint's) breaks jobs and notebooks.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nprivate_endpoints: [{ name: st-file, subnet: vnet/pe, target: storage/st, group_id: file, dns_zone_group: [privatelink.file.core.windows.net] }]\nprivate_dns_zones: [{ name: privatelink.file.core.windows.net, vnet_links: [vnet] }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: deny-smb, priority: 200, direction: Outbound, access: Deny, protocol: Tcp, destination_ports: ['445'] }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Allow TCP 445 from the compute subnet to the storage account's private endpoint (or the Storage service tag of the region) in the NSGs on the way.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        TRV,
        "Compute instance/cluster requirements (port 445)"
    )],
    covers: &["§6.55"],
    path: true,
};

impl Rule for St008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = std::collections::HashSet::new();
        for c in cx.t.computes.iter().filter(|c| c.subnet.is_some()) {
            let Some(&wi) = cx.e.ix.workspaces.get(&c.workspace) else {
                continue;
            };
            let Some(st) = &cx.t.workspaces[wi].storage_account else {
                continue;
            };
            let from = Address::Resource {
                kind: Kind::Compute,
                name: c.name.clone(),
                sub: None,
            };
            let to = Address::Resource {
                kind: Kind::Storage,
                name: st.clone(),
                sub: Some("file".into()),
            };
            let Some(t) = cx.trace(from, to.clone(), Protocol::TCP, 445) else {
                continue;
            };
            // The flow as traced or, past a name the input leaves open, as it may go: an NSG
            // that stops it, or may with a value the input leaves open.
            let others = moat_engine::trace::past_open_names(cx.e, &t);
            let Some((t, hop)) = std::iter::once(&t)
                .chain(&others)
                .find_map(|t| Some((t, t.may_stop_at(Step::Nsg)?)))
            else {
                continue;
            };
            if !seen.insert((to.to_string(), hop.element_id())) {
                continue;
            }
            let t = t.clone();
            let what = format!("SMB (TCP 445) from compute {} to {to}", c.name);
            let at = storage(cx, st).map(|s| s.at.clone()).unwrap_or_default();
            let allow = smb_rule(cx, c.subnet.as_deref().unwrap_or_default(), st, &t);
            let mut f = trace_finding(&DOC, to.to_string(), what, t, &at);
            if let Some(change) = allow {
                f = f.with_change(change);
            }
            out.push(f);
        }
    }
}

/// The rule that admits SMB from the compute subnet to the storage's one `file` private
/// endpoint (its address, or its subnet's prefix), in the NSG that denies it. None when the
/// storage is reached otherwise, or through several endpoints: which to admit is the user's.
fn smb_rule(cx: &Context, subnet: &str, st: &str, t: &moat_engine::Trace) -> Option<Change> {
    let destination = file_endpoint(cx, st)?;
    let source = subnet_prefix(cx, subnet)?;
    allow_in_nsg(
        cx,
        &[t],
        &Allow {
            name: &["allow", "smb", "445"],
            protocol: "Tcp",
            source: &source,
            destination: &destination,
            ports: "445",
        },
    )
}
