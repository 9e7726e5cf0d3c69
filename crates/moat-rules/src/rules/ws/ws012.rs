//! WS012 proxy-without-private-endpoint-bypass.

use crate::change::Change;
use crate::rules::util_infra::has_workspace_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};

/// The rule.
pub struct Ws012;
/// Its registration.
pub static RULE: Ws012 = Ws012;

static DOC: RuleDoc = RuleDoc {
    code: "WS012",
    name: "proxy-without-private-endpoint-bypass",
    severity: Severity::Warning,
    what: "A client declared to use a web proxy does not send the host names of a workspace's private endpoints and compute instances directly (its proxy bypass list lacks them).",
    why: "A proxy resolves host names itself: unless it forwards DNS to Azure DNS through the VNet, it reaches the workspace's public endpoint instead of its private endpoint, and a workspace whose public access is disabled refuses it. The documented remedy is to let the client reach the private endpoint and compute instance host names directly (a PAC file or the proxy's bypass list).",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nclients: [{ name: office, location: onprem, proxy: { bypass: [\"*.contoso.com\"] } }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Add the workspace's host names (*.api.azureml.ms, *.notebooks.azure.net, *.instances.azureml.ms, and the private endpoint names of its storage and online endpoints) to the proxy bypass list or the PAC file, or have the proxy resolve names with Azure DNS.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        TSC,
        "Proxy configuration (allow direct access to private endpoint and compute instance FQDNs)"
    )],
    covers: &["§6.116"],
    path: false,
};

/// Whether a bypass entry (`*`, `.azureml.ms`, `azureml.ms`, `*.api.azureml.ms`, a host)
/// covers a host or wildcard host.
fn covers(entry: &str, host: &str) -> bool {
    let e = entry.trim().to_ascii_lowercase();
    if e == "*" {
        return true;
    }
    let d = e.trim_start_matches('*').trim_start_matches('.');
    let h = host.trim_start_matches("*.");
    !d.is_empty() && (h == d || h.ends_with(&format!(".{d}")))
}

impl Rule for Ws012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in &t.clients {
            let Some(proxy) = &c.proxy else { continue };
            let mut missing: Vec<String> = Vec::new();
            for w in t
                .workspaces
                .iter()
                .filter(|w| has_workspace_endpoint(cx, &w.name))
            {
                let mut hosts: Vec<String> = [
                    "*.api.azureml.ms",
                    "*.notebooks.azure.net",
                    "*.instances.azureml.ms",
                ]
                .iter()
                .map(|h| h.to_string())
                .collect();
                if t.online_endpoints.iter().any(|e| e.workspace == w.name) {
                    hosts.push("*.inference.ml.azure.com".into());
                }
                // The private endpoints of its default storage.
                if let Some(st) = &w.storage_account {
                    for p in &t.private_endpoints {
                        if matches!(&p.target, Address::Resource { kind: Kind::Storage, name, .. } if name == st)
                        {
                            hosts.push(format!("{st}.{}.core.windows.net", p.group_id));
                        }
                    }
                }
                for h in hosts {
                    if !proxy.bypass.iter().any(|e| covers(e, &h)) && !missing.contains(&h) {
                        missing.push(h);
                    }
                }
            }
            if missing.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("client/{}", c.name),
                format!(
                    "client {} goes through a proxy that does not bypass {}: it reaches the public endpoints instead of the private ones",
                    c.name,
                    missing.join(", ")
                ),
                DOC.fix,
                &c.at,
            )
            .with_change(Change::AddProxyBypass {
                client: c.name.clone(),
                hosts: missing,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn bypass_entries_cover_subdomains() {
        assert!(covers("*", "*.api.azureml.ms"));
        assert!(covers(".azureml.ms", "*.api.azureml.ms"));
        assert!(covers("azureml.ms", "*.instances.azureml.ms"));
        assert!(covers("*.api.azureml.ms", "*.api.azureml.ms"));
        assert!(!covers("*.api.azureml.ms", "*.instances.azureml.ms"));
        assert!(!covers("ml.ms", "*.api.azureml.ms"));
        assert!(covers(
            "st.blob.core.windows.net",
            "st.blob.core.windows.net"
        ));
    }
}
