//! EXF001 storage-outbound-open.

use crate::rules::util_infra::{Origin, compute_groups, open_finding};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Engine;
use moat_engine::trace::{Query, trace};
use moat_model::Provenance;
use moat_model::address::{Address, Kind};
use moat_model::deps::{StorageAccount, StorageNetworkRules};
use moat_model::enums::PublicNetworkAccess;
use moat_net::space::Space;
use moat_packets::Protocol;

/// The rule.
pub struct Exf001;
/// Its registration.
pub static RULE: Exf001 = Exf001;

static DOC: RuleDoc = RuleDoc {
    code: "EXF001",
    name: "storage-outbound-open",
    severity: Severity::Warning,
    what: "Computes in a VNet or managed network can reach a storage account that is not part of the deployment (any account in their region): Storage outbound is open beyond the workspace's own accounts. Where the deployment declares exfiltration protection (a managed network in AllowOnlyApprovedOutbound mode, a service endpoint policy on the subnet, or exfiltration_protection: true), the built-in invariants prove this over every packet instead (INV001).",
    why: "Storage is read/write outbound: a job that can write to any storage account in the region can copy data out. The Storage.<region> service tag admits every account of the region; a Microsoft.Storage service endpoint with a service endpoint policy naming the workspace's accounts and the /services/Azure/MachineLearning alias (for the storage Azure ML manages) narrows it to those.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: storage, priority: 100, direction: Outbound, access: Allow, destination: Storage.EastUS, destination_ports: 443 }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Add a Microsoft.Storage service endpoint and a service endpoint policy (the workspace's storage accounts and the /services/Azure/MachineLearning alias) to the compute subnet, and remove the Storage tag from the firewall and NSG.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(
            PLAN,
            "Data exfiltration protection (Storage is read/write outbound)"
        ),
        doc!(
            SWV,
            "Required public internet access (Storage.region can be used to exfiltrate data)"
        ),
    ],
    covers: &["§7.storage-read-write"],
    path: true,
};

/// A storage account name the topology does not use.
fn probe_name(cx: &Context) -> String {
    let mut name = "moatforeignaccount".to_string();
    let mut i = 0;
    while cx.e.ix.storage_accounts.contains_key(&name) {
        i += 1;
        name = format!("moatforeignaccount{i}");
    }
    name
}

/// How the probe account appears in a finding: a stand-in, like `<guid>` for an unknown part,
/// never a name a user could mistake for one of theirs.
const STAND_IN: &str = "<account outside the deployment>";

/// Replaces the probe's name in a trace by [`STAND_IN`].
fn unname(t: &mut moat_engine::Trace, name: &str) {
    let fix = |s: &mut String| {
        if s.contains(name) {
            *s = s.replace(name, STAND_IN);
        }
    };
    t.to.name_mut().into_iter().for_each(fix);
    // A hop's words are shared with other traces: replaced, not edited in place.
    let fix_text = |s: &mut moat_engine::trace::Text| {
        if s.contains(name) {
            *s = s.replace(name, STAND_IN).into();
        }
    };
    for h in t.hops.iter_mut() {
        fix_text(&mut h.element);
        fix_text(&mut h.detail);
        h.resources.iter_mut().for_each(fix_text);
    }
    t.fix.iter_mut().for_each(fix);
    t.missing.iter_mut().for_each(fix);
    t.assumptions.iter_mut().for_each(fix);
}

impl Rule for Exf001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let groups = compute_groups(cx, |_| true);
        let groups: Vec<_> = groups
            .into_iter()
            .filter(|g| g.origin != Origin::NoVnet && !super::proven_by_invariants(cx, g))
            .collect();
        if groups.is_empty() {
            return;
        }
        // The question is about an account outside the deployment. The engine is asked about
        // one: the same topology plus a foreign storage account open to all networks, in the
        // computes' region, which no private endpoint, DNS zone or service endpoint policy
        // names. Everything between the compute and that account is decided by the engine.
        let name = probe_name(cx);
        let mut reported = std::collections::HashSet::new();
        let mut regions: Vec<Option<String>> = groups.iter().map(|g| g.region(cx)).collect();
        regions.sort();
        regions.dedup();
        for region in regions {
            let mut t = cx.t.clone();
            t.storage_accounts.push(StorageAccount {
                name: name.clone(),
                region: region.clone(),
                public_network_access: PublicNetworkAccess::Enabled,
                network_rules: StorageNetworkRules::default(),
                is_hns_enabled: false,
                sku: None,
                allow_shared_key_access: true,
                allow_blob_public_access: false,
                minimum_tls_version: None,
                tags: Default::default(),
                at: Provenance::default(),
            });
            let e = Engine::new(&t, Space::new(cx.e.space.catalog().clone()));
            for g in groups.iter().filter(|g| g.region(cx) == region) {
                if reported.contains(&g.resource) {
                    continue;
                }
                let q = Query {
                    from: g.probe(),
                    to: Address::resource(Kind::Storage, &name).with_sub("blob"),
                    protocol: Protocol::TCP,
                    port: 443,
                };
                let Ok(mut tr) = trace(&e, &q) else { continue };
                unname(&mut tr, &name);
                let what = format!(
                    "outbound from {} ({}) to a storage account outside the deployment in {} (blob, TCP 443)",
                    g.place(),
                    g.names(),
                    region.as_deref().unwrap_or("the same region")
                );
                if let Some(mut f) = open_finding(&DOC, g.resource.clone(), &what, tr, &g.at) {
                    f.fix = super::fix_for(g, DOC.fix);
                    reported.insert(g.resource.clone());
                    out.push(f);
                }
            }
        }
    }
}
