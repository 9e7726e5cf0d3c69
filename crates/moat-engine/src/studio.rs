//! Studio's storage co-location requirement (seed 002, "Limitations": with a storage account
//! behind the VNet, studio's data access is validated against where the workspace private
//! endpoint sits). Written once here; `ops` (studio.data) and rules ST001/ST002 read it.

use crate::Code;
use crate::RuleCode;
use crate::engine::Engine;
use crate::trace::{HopDecision, Trace};
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_model::ml::Workspace;
use moat_model::privatelink::PrivateEndpoint;

/// Whether a workspace private endpoint sits where studio needs it for the default storage.
#[derive(Clone, Debug)]
pub struct Colocation {
    /// The rule of the catalog that states the requirement (`ST001` or `ST002`).
    pub rule: RuleCode,
    /// Whether it is met, by what the input gives.
    pub met: bool,
    /// What the input leaves open that may change `met` (in the words of a trace's
    /// `missing`): the requirement is then undecided.
    pub open: Option<String>,
    /// The requirement, or what breaks it, in words.
    pub why: String,
    /// What to change when it is not met.
    pub fix: String,
}

fn vnet_of(subnet: &str) -> &str {
    subnet.split('/').next().unwrap_or(subnet)
}

/// The private endpoint a trace entered its destination through, read from the hop's
/// resources (not from its text), found by name in the engine's index.
pub fn entry_endpoint<'t>(e: &Engine<'t>, trace: &Trace) -> Option<&'t PrivateEndpoint> {
    let hop = trace
        .hops
        .iter()
        .find(|h| h.code == Code::PeApproved && h.decision == HopDecision::Pass)?;
    let Some(Address::Resource {
        kind: Kind::PrivateEndpoint,
        name,
        ..
    }) = hop.subject.as_deref()
    else {
        return None;
    };
    let t: &'t Topology = e.t;
    e.ix.private_endpoints
        .get(name)
        .map(|&i| &t.private_endpoints[i])
}

/// The co-location requirement for studio users entering through workspace private endpoint
/// `pe`, or `None` when the default storage is not behind the VNet (no requirement).
pub fn colocation(e: &Engine, w: &Workspace, pe: &PrivateEndpoint) -> Option<Colocation> {
    let t = e.t;
    let st = &t.storage_accounts[*e.ix.storage_accounts.get(w.storage_account.as_ref()?)?];
    let st_pes: Vec<&PrivateEndpoint> = e.ix.endpoints_of(t, Kind::Storage, &st.name).collect();
    if !st_pes.is_empty() {
        // ST002: with storage private endpoints, the workspace endpoint must be in the same
        // VNet as them (subnets may differ).
        let vnets: Vec<&str> = {
            let mut v: Vec<&str> = st_pes.iter().map(|p| vnet_of(&p.subnet)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let vnet = vnet_of(&pe.subnet);
        let met = vnets.contains(&vnet);
        return Some(Colocation {
            rule: RuleCode::St002,
            met,
            why: if met {
                format!(
                    "workspace private endpoint {} is in VNet {vnet}, with storage {}'s private endpoints",
                    pe.name, st.name
                )
            } else {
                format!(
                    "workspace private endpoint {} is in VNet {vnet}, but storage {}'s private endpoints are in {}",
                    pe.name,
                    st.name,
                    vnets.join(", ")
                )
            },
            fix: format!(
                "create a private endpoint for storage {} in VNet {vnet}",
                st.name
            ),
            open: None,
        });
    }
    let rules = &st.network_rules;
    // Subnets the input leaves open among those the storage admits: the part it gives may
    // lack the endpoint's subnet, or be empty, and the rest hold it.
    let rules_open = e.open_list(
        &format!("storage/{}", st.name),
        "network_rules.virtual_network_rules",
    );
    let via_service_endpoint = st.public_network_access != PublicNetworkAccess::Disabled
        && rules.default_action == DefaultAction::Deny
        && (!rules.virtual_network_rules.is_empty() || rules_open.is_some());
    if !via_service_endpoint {
        return None;
    }
    // ST001: through a service endpoint, the workspace endpoint must be in the subnet the
    // storage admits, and that subnet must have the Microsoft.Storage service endpoint.
    let admitted = rules.virtual_network_rules.iter().any(|s| s == &pe.subnet);
    let has_endpoint = t
        .virtual_networks
        .iter()
        .find(|v| v.name == vnet_of(&pe.subnet))
        .and_then(|v| {
            v.subnets
                .iter()
                .find(|s| pe.subnet.split_once('/').is_some_and(|(_, n)| n == s.name))
        })
        .is_some_and(|s| {
            s.service_endpoints
                .iter()
                .any(|e| moat_model::network::is_storage_service(e))
        });
    // Not admitted by the part given: the rest may admit it, or (none given) the storage
    // may not be behind the VNet at all. A subnet without the service endpoint fails either
    // way, once some subnet is admitted.
    let open = rules_open
        .filter(|_| !admitted && (has_endpoint || rules.virtual_network_rules.is_empty()))
        .map(|u| u.need());
    // SecuredByPerimeter (or unknown): in Enforced mode the perimeter's access rules replace
    // the storage's own, so whether its virtual network rules bind studio is open too.
    let access = (open.is_none() && !(admitted && has_endpoint))
        .then(|| {
            e.public_access_closed(&format!("storage/{}", st.name), st.public_network_access)
                .err()
        })
        .flatten();
    let why = if let Some(need) = &access {
        format!(
            "workspace private endpoint {} is in subnet {}, which does not meet the service endpoint rules of storage {} (it admits {} through the Microsoft.Storage service endpoint), if those rules apply ({need})",
            pe.name,
            pe.subnet,
            st.name,
            rules.virtual_network_rules.join(", ")
        )
    } else if let Some(need) = &open {
        format!(
            "workspace private endpoint {} is in subnet {}, and the subnets storage {} admits through its service endpoint are open ({need})",
            pe.name, pe.subnet, st.name
        )
    } else if !admitted {
        format!(
            "workspace private endpoint {} is in subnet {}, but storage {} admits only {} through its service endpoint",
            pe.name,
            pe.subnet,
            st.name,
            rules.virtual_network_rules.join(", ")
        )
    } else if !has_endpoint {
        format!(
            "workspace private endpoint {} is in subnet {}, which has no Microsoft.Storage service endpoint",
            pe.name, pe.subnet
        )
    } else {
        format!(
            "workspace private endpoint {} shares subnet {} with storage {}'s service endpoint",
            pe.name, pe.subnet, st.name
        )
    };
    Some(Colocation {
        rule: RuleCode::St001,
        met: admitted && has_endpoint,
        open: open.or(access),
        why,
        fix: "put the workspace private endpoint in the subnet that has the Microsoft.Storage service endpoint and the storage virtual network rule (or add that subnet to the storage's rules)".into(),
    })
}
