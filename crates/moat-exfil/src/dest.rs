//! Destinations outside the deployment, by category, and what reaching each risks.
//!
//! Seed 004 ("Data exfiltration protection") splits outbound into two kinds: *read-only*
//! outbound, which an attacker cannot use to write data out (Microsoft Entra ID, Azure Resource
//! Manager, Azure Machine Learning, Microsoft Container Registry), and *read/write* outbound,
//! which can be (Azure Storage and `AzureFrontDoor.Frontend`). Any internet host accepts
//! uploads, so the internet is read/write too, as are registries outside the deployment
//! (sharing an asset writes to the registry's storage and container registry, seed 000).
//! Service tags the documents do not classify are reported as *unclassified*, never as
//! read-only.

use crate::probe::StandIns;
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_net::hosts::{HostTag, host_tag};
use moat_packets::AddrSet;
use serde::Serialize;

/// What kind of place outside the deployment a destination is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Hosts on the internet outside every Azure service tag.
    Internet,
    /// Storage accounts that are not part of the deployment.
    StorageOutside,
    /// Sites behind Azure Front Door (`AzureFrontDoor.Frontend`).
    FrontDoor,
    /// Azure machine learning registries that are not part of the deployment.
    RegistryOutside,
    /// Other Azure services, by service tag.
    Service,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: &'static [Category] = &[
        Category::Internet,
        Category::StorageOutside,
        Category::FrontDoor,
        Category::RegistryOutside,
        Category::Service,
    ];

    /// The spelling in reports and invariants.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Internet => "internet",
            Category::StorageOutside => "storage-outside",
            Category::FrontDoor => "frontdoor",
            Category::RegistryOutside => "registry-outside",
            Category::Service => "service",
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Category::Internet => "the internet",
            Category::StorageOutside => "storage accounts outside the deployment",
            Category::FrontDoor => "Azure Front Door (AzureFrontDoor.Frontend)",
            Category::RegistryOutside => "registries outside the deployment",
            Category::Service => "other Azure services",
        }
    }
}

/// What reaching a destination lets an attacker do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Documented as read-only outbound: no way to write data out.
    ReadOnly,
    /// Documented (or evidently) read/write: a way out for data.
    ReadWrite,
    /// The documents do not say; treat it as a way out until they do.
    Unclassified,
}

impl Access {
    /// The spelling in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadOnly => "read-only",
            Access::ReadWrite => "read/write",
            Access::Unclassified => "unclassified",
        }
    }
}

/// What decides whether a flow gets out: the deployment's network, or nothing of the
/// deployment's.
///
/// Seed 004, "Outbound from service to other Azure PaaS resources": the Azure Machine Learning
/// service reaches other PaaS resources as a trusted service with its managed identity, and
/// is admitted or refused by the destination's own network rules. No NSG, route, firewall,
/// service endpoint policy or managed-network rule of the deployment carries that traffic,
/// so for a destination outside the deployment (whose firewall is its owner's) the
/// deployment's network decides nothing: only the service's identity and what it is given
/// (role assignments, datastore credentials) do. Such rows are a class of their own: neither
/// an opening the network makes nor a path to leave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// The deployment's network carries the flow and decides it.
    Network,
    /// Azure ML acting with its identity: beyond the deployment's network.
    BeyondNetwork,
}

impl Control {
    /// The spelling in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Control::Network => "network",
            Control::BeyondNetwork => "beyond-network",
        }
    }
}

/// The service tags Azure ML documents for computes (facts §3.6, §3.7), with whether they are
/// regional (a `<tag>.<region>` variant exists and the hardened configuration uses it).
pub const SERVICE_TAGS: &[(&str, bool)] = &[
    ("AzureActiveDirectory", false),
    ("AzureResourceManager", false),
    ("AzureMachineLearning", false),
    ("MicrosoftContainerRegistry", true),
    ("AzureFrontDoor.FirstParty", false),
    ("BatchNodeManagement", true),
    ("AzureContainerRegistry", true),
    ("AzureKeyVault", true),
    ("AzureMonitor", false),
];

/// How seed 004 classifies outbound to a service tag's base name.
pub fn tag_access(base: &str) -> Access {
    let b = base.to_ascii_lowercase();
    match b.as_str() {
        // "Microsoft Entra ID, Azure Resource Manager, Azure Machine Learning, Microsoft
        // Container Registry" are read-only (seed 004, facts §7). MCR's image layers come
        // from AzureFrontDoor.FirstParty, which the hardened configuration allows with it.
        "azureactivedirectory"
        | "azureresourcemanager"
        | "azuremachinelearning"
        | "microsoftcontainerregistry"
        | "azurefrontdoor.firstparty" => Access::ReadOnly,
        "storage" | "azurefrontdoor.frontend" | "internet" => Access::ReadWrite,
        _ => Access::Unclassified,
    }
}

/// One destination: a whole category ("any storage account outside the deployment") or a
/// member some rule singles out (`fqdn:pypi.org`, `tag:AzureMachineLearning`).
#[derive(Clone, Debug, Serialize)]
pub struct Dest {
    pub category: Category,
    /// What it is, in words (`any internet host`, `fqdn:pypi.org`).
    pub label: String,
    /// The address traced for it (a stand-in for destinations outside the deployment).
    #[serde(skip)]
    pub to: Address,
    /// The address as a user writes it, when one names it (`fqdn:pypi.org`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Whether it stands for the whole category (rather than a named member).
    pub whole: bool,
    pub access: Access,
    /// Whether the deployment's network decides it.
    pub control: Control,
}

/// The global name and region of a tag (`Storage.EastUS` -> `Storage`, `eastus`).
pub fn split_tag(tag: &str) -> (String, Option<String>) {
    moat_net::tags::Catalog::symbolic()
        .split(tag)
        .unwrap_or((tag.to_string(), None))
}

/// The category and access of a named host.
pub fn host_category(host: &str) -> (Category, Access) {
    match host_tag(host) {
        HostTag::ThirdParty => (Category::Internet, Access::ReadWrite),
        HostTag::Tag(t) if t.eq_ignore_ascii_case("AzureFrontDoor.Frontend") => {
            (Category::FrontDoor, Access::ReadWrite)
        }
        HostTag::Tag(t) if t.eq_ignore_ascii_case("Storage") => {
            (Category::StorageOutside, Access::ReadWrite)
        }
        HostTag::Tag(t) => (Category::Service, tag_access(t)),
        HostTag::Microsoft => (Category::Service, Access::Unclassified),
    }
}

/// A host that a name pattern matches: the name itself, or a host under a wildcard.
pub fn host_for(pattern: &str) -> String {
    match pattern.strip_prefix("*.") {
        Some(rest) => format!("host.{rest}"),
        None => pattern.trim_start_matches("*").to_string(),
    }
}

/// The name patterns the deployment's rules single out: firewall application and network
/// rules, and (for `managed`) the FQDN outbound rules of a workspace's managed network.
pub fn named_hosts(t: &Topology, managed: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |p: &str| {
        let p = p.trim().to_ascii_lowercase();
        if !p.is_empty() && p != "*" && !out.contains(&p) {
            out.push(p);
        }
    };
    match managed {
        Some(ws) => {
            if let Some(w) = t.workspaces.iter().find(|w| w.name == ws) {
                for r in &w.managed_network.outbound_rules {
                    if let moat_model::ml::OutboundDestination::Fqdn(f) = &r.destination {
                        add(f);
                    }
                }
            }
        }
        None => {
            let app = t.application_rule_collections();
            for c in app {
                for r in &c.rules {
                    r.target_fqdns.iter().for_each(|f| add(f));
                }
            }
            let net = t.network_rule_collections();
            for c in net {
                for r in &c.rules {
                    r.destination_fqdns.iter().for_each(|f| add(f));
                }
            }
        }
    }
    out
}

/// A host name no pattern but `*` matches: it stands for every name no rule singles out.
/// Names under the reserved `.example`, `.invalid` and `.test` domains never exist. Each
/// candidate has its own top-level domain, so a pattern rules out at most one of them and
/// `patterns.len() + 1` candidates always leave one free.
pub fn unnamed_host(patterns: &[String]) -> String {
    let taken = |h: &str| {
        patterns
            .iter()
            .any(|p| p != "*" && moat_net::managed::fqdn_matches(p, h))
    };
    let candidate = |i: usize| match i {
        0 => "unnamed-host.example".to_string(),
        1 => "unnamed-host.invalid".to_string(),
        2 => "unnamed-host.test".to_string(),
        n => format!("unnamed-host.unnamed{n}"),
    };
    let n = patterns.len();
    (0..=n)
        .map(candidate)
        .find(|h| !taken(h))
        .unwrap_or_else(|| candidate(n))
}

/// Whether a tag names something outside the deployment worth a row of its own (not the
/// VNet, the platform, or the internet as a whole).
fn is_service_tag(tag: &str) -> bool {
    !matches!(
        tag.to_ascii_lowercase().as_str(),
        "virtualnetwork" | "internet" | "azureloadbalancer" | "*"
    )
}

/// What every place's destinations are drawn from, computed once per deployment.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    /// The public prefixes rules name, as classes.
    pub public: Vec<AddrSet>,
    /// The names firewall rules single out.
    pub firewall_hosts: Vec<String>,
    /// Every service tag the deployment's rules name.
    pub tags: Vec<String>,
    /// The source-side cuts of [`crate::classes::source_cuts`].
    pub source_cuts: Vec<AddrSet>,
}

impl Shared {
    /// Computes it for a deployment.
    pub fn of(t: &Topology) -> Shared {
        Shared {
            public: crate::classes::public_destination_classes(t),
            firewall_hosts: named_hosts(t, None),
            tags: moat_engine::engine::tag_names(t),
            source_cuts: crate::classes::source_cuts(t),
        }
    }
}

/// The destinations of a place in `region` (`managed`: the workspace whose managed network it
/// is; `service`: a service acting with its identity reaches resources only).
pub fn destinations(
    t: &Topology,
    shared: &Shared,
    stand_ins: &StandIns,
    region: Option<&str>,
    managed: Option<&str>,
    service: bool,
) -> Vec<Dest> {
    let mut out: Vec<Dest> = Vec::new();
    let catalog = moat_net::tags::Catalog::symbolic();
    if !service {
        // Any host is reached by address (network rules, NSGs) or by name (application and
        // FQDN rules): both, so that a rule for every name (`*`) is not missed.
        out.push(Dest {
            category: Category::Internet,
            label: "any internet host, by address".into(),
            to: Address::Internet,
            address: Some("internet".into()),
            whole: true,
            access: Access::ReadWrite,
            control: Control::Network,
        });
        let named = match managed {
            Some(_) => named_hosts(t, managed),
            None => shared.firewall_hosts.clone(),
        };
        let host = unnamed_host(&named);
        out.push(Dest {
            category: Category::Internet,
            label: "any internet host, by name".into(),
            to: Address::Fqdn(host.clone()),
            address: Some(format!("fqdn:{host}")),
            whole: true,
            access: Access::ReadWrite,
            control: Control::Network,
        });
        for class in &shared.public {
            let Some(ip) = AddrSet::min(class) else {
                continue;
            };
            out.push(Dest {
                category: Category::Internet,
                label: format!("addresses {class}"),
                to: Address::Ip(ip),
                address: Some(format!("ip:{ip}")),
                whole: false,
                access: Access::ReadWrite,
                control: Control::Network,
            });
        }
    }
    for (r, name) in &stand_ins.storage {
        out.push(Dest {
            category: Category::StorageOutside,
            label: format!("any storage account in {r}"),
            to: Address::resource(Kind::Storage, name).with_sub("blob"),
            address: None,
            whole: true,
            access: Access::ReadWrite,
            control: Control::Network,
        });
    }
    if !service {
        out.push(Dest {
            category: Category::FrontDoor,
            label: "tag:AzureFrontDoor.Frontend".into(),
            to: Address::Tag("AzureFrontDoor.Frontend".into()),
            address: Some("tag:AzureFrontDoor.Frontend".into()),
            whole: true,
            access: Access::ReadWrite,
            control: Control::Network,
        });
    }
    let home = region.and_then(|r| stand_ins.registry_in(r).map(|n| (r, n)));
    if let Some((r, name)) = home.or_else(|| {
        stand_ins
            .registries
            .first()
            .map(|(r, n)| (r.as_str(), n.as_str()))
    }) {
        for (sub, label, access) in [
            (None, "API", Access::ReadOnly),
            (Some("storage"), "storage", Access::ReadWrite),
            (Some("acr"), "container registry", Access::ReadWrite),
        ] {
            let mut to = Address::resource(Kind::Registry, name);
            if let Some(s) = sub {
                to = to.with_sub(s);
            }
            out.push(Dest {
                category: Category::RegistryOutside,
                label: format!("any registry in {r} ({label})"),
                to,
                address: None,
                whole: true,
                access,
                control: Control::Network,
            });
        }
    }
    if service {
        // Azure ML acting with its identity: no element of the deployment's network carries
        // these flows (see [`Control`]).
        for d in &mut out {
            d.control = Control::BeyondNetwork;
        }
        return out;
    }
    // Named hosts: each is a destination of its own, in the category its name falls in.
    let named = match managed {
        Some(_) => named_hosts(t, managed),
        None => shared.firewall_hosts.clone(),
    };
    for pattern in named {
        let host = host_for(&pattern);
        let (category, access) = host_category(&host);
        out.push(Dest {
            category,
            label: format!("fqdn:{pattern}"),
            to: Address::Fqdn(host.clone()),
            address: Some(format!("fqdn:{host}")),
            whole: false,
            access,
            control: Control::Network,
        });
    }
    // Service tags: the documented ones (regional ones in the place's region too) and every
    // tag the deployment's rules name.
    let mut tags: Vec<String> = Vec::new();
    for (tag, regional) in SERVICE_TAGS {
        tags.push(tag.to_string());
        if *regional
            && let Some(r) = region
            && let Some(n) = catalog.regional_name(tag, r)
        {
            tags.push(n);
        }
    }
    for tag in shared.tags.iter().cloned() {
        if !tags.iter().any(|x| x.eq_ignore_ascii_case(&tag)) && is_service_tag(&tag) {
            tags.push(tag);
        }
    }
    for tag in tags {
        let (base, _) = split_tag(&tag);
        let (category, access) = if base.eq_ignore_ascii_case("Storage") {
            // Storage reached by its tag is the storage Azure ML manages (what the
            // /services/Azure/MachineLearning alias admits); accounts outside the deployment
            // are the stand-ins above.
            (Category::Service, Access::ReadWrite)
        } else if base.eq_ignore_ascii_case("AzureFrontDoor.Frontend") {
            continue;
        } else {
            (Category::Service, tag_access(&base))
        };
        let label = if base.eq_ignore_ascii_case("Storage") {
            format!("tag:{tag} (the storage Azure ML manages)")
        } else {
            format!("tag:{tag}")
        };
        out.push(Dest {
            category,
            label,
            to: Address::Tag(tag.clone()),
            address: Some(format!("tag:{tag}")),
            whole: true,
            access,
            control: Control::Network,
        });
    }
    out
}
