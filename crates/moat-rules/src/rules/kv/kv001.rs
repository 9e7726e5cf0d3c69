//! KV001 keyvault-off-network.

use crate::rules::util_core::{
    endpoints_of, keyvault, keyvault_restricted, subnet_address, trace_finding, vnet_part,
};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct Kv001;
/// Its registration.
pub static RULE: Kv001 = Kv001;

static DOC: RuleDoc = RuleDoc {
    code: "KV001",
    name: "keyvault-off-network",
    severity: Severity::Error,
    what: "The workspace's key vault, restricted to private or selected-network access, cannot be reached from the network of a workspace private endpoint (no private endpoint of the vault there, no service endpoint admitted by it).",
    why: "The key vault holds the storage connection string, the container registry passwords and the datastore connection strings. Whether it uses a private endpoint or a service endpoint, it must be in the same network as the workspace's private endpoint. With a workspace managed network the computes reach it from the managed network, so this rule applies to workspaces without one.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, key_vault: kv }]\nkey_vaults: [{ name: kv, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]",
    fix: "Create a private endpoint for the key vault (group vault, zone privatelink.vaultcore.azure.net) in the VNet of the workspace private endpoint, or admit that subnet through a Microsoft.KeyVault service endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(SWV, "Secure Azure Key Vault")],
    covers: &[],
    path: true,
};

impl Rule for Kv001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces
                .iter()
                .filter(|w| !w.managed_network.enabled())
        {
            let Some(kv) = w.key_vault.as_deref().and_then(|n| keyvault(cx, n)) else {
                continue;
            };
            if !keyvault_restricted(kv) {
                continue;
            }
            let mut seen = std::collections::HashSet::new();
            for pe in endpoints_of(cx.e, Kind::Workspace, &w.name) {
                if !seen.insert(vnet_part(&pe.subnet).to_string()) {
                    continue;
                }
                let Some(from) = subnet_address(&pe.subnet) else {
                    continue;
                };
                let Some(t) = cx.trace(
                    from,
                    Address::resource(Kind::Keyvault, &kv.name),
                    Protocol::TCP,
                    443,
                ) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed {
                    continue;
                }
                let what = format!(
                    "key vault {} from subnet {} (workspace private endpoint {})",
                    kv.name, pe.subnet, pe.name
                );
                let target = Address::resource(Kind::Keyvault, &kv.name);
                let mut f = trace_finding(&DOC, format!("keyvault/{}", kv.name), what, t, &kv.at);
                // The vault's endpoint beside the workspace's, in the VNet the flow starts from.
                if let Some(c) = group_of(&target, "").and_then(|g| {
                    endpoint_in(
                        cx,
                        &target,
                        g,
                        vnet_part(&pe.subnet),
                        Some(&w.name),
                        Some(&pe.subnet),
                    )
                }) {
                    f = f.with_change(c);
                }
                out.push(f);
            }
        }
    }
}
