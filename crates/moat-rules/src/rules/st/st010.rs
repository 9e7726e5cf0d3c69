//! ST010 studio-features-in-vnet.

use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::{storage, storage_restricted, studio_endpoints};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::{Trace, Verdict};
use moat_model::privatelink::PrivateEndpoint;

/// The rule.
pub struct St010;
/// Its registration.
pub static RULE: St010 = St010;

static DOC: RuleDoc = RuleDoc {
    code: "ST010",
    name: "studio-features-in-vnet",
    severity: Severity::Info,
    what: "Studio is used through a workspace private endpoint while the workspace's default storage is behind the VNet.",
    why: "With the storage behind a VNet, studio turns off by default: data preview, designer data visualization, designer model deployment, AutoML experiment submission and starting a labeling project. They work again once the workspace's managed identity is used for data access: enable it on the default blob and file datastores (designer deployment needs it on blob, AutoML on file), give the identity Reader on the storage private endpoints and Storage Blob Data Reader on other accounts, and give users Storage Blob Data Reader; data profiling also needs Storage Blob Data Contributor. Some features stay unavailable: designer sample pipelines (their dataset is public) and ML-assisted labeling with the default storage (use another account).",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }]\nclients: [{ name: analyst, location: vm/jumpbox, operations: [studio.open] }]\nvirtual_machines: [{ name: jumpbox, network_interfaces: [jumpbox-nic] }]\nnetwork_interfaces: [{ name: jumpbox-nic, subnet: vnet/jumpbox }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: jumpbox, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Enable managed identity data access on the default datastores and assign the roles listed; use a storage account outside the VNet for ML-assisted labeling and your own data for designer pipelines.",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[
        doc!(STU, "Limitations"),
        doc!(STU, "Datastore: Azure Storage Account"),
        doc!(NSO, "Limitations"),
    ],
    covers: &["§6.26", "§6.27", "§6.28", "§6.29", "§6.32", "§6.33"],
    path: false,
};

impl Rule for St010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            if !storage_restricted(st) {
                continue;
            }
            let users = studio_endpoints(cx, &w.name);
            let mut clients: Vec<String> = users.iter().map(|(c, _, _)| c.clone()).collect();
            clients.sort();
            clients.dedup();
            if clients.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "studio users of workspace {} ({}) work with default storage {} behind the VNet: data preview, designer visualization and deployment, AutoML submission and labeling need the workspace's managed identity and roles; designer samples and ML-assisted labeling on the default storage stay unavailable",
                    w.name,
                    clients.join(", "),
                    st.name
                ),
                DOC.fix,
                &w.at,
            )
            .needing(undecided_users(&users))
            .needing(perimeter_needs(cx, &format!("storage/{}", st.name))));
        }
    }
}

/// What leaves open that studio users come in through a private endpoint, when none surely
/// does: the first of their undecided paths.
fn undecided_users(users: &[(String, &PrivateEndpoint, Trace)]) -> Option<String> {
    if users.iter().any(|(_, _, t)| t.verdict != Verdict::Unknown) {
        return None;
    }
    let (client, _, t) = users.first()?;
    Some(format!(
        "whether client {client} comes in through a private endpoint: {}",
        t.missing
            .first()
            .map_or("the model lacks a value", String::as_str)
    ))
}
