//! `ops`: do the Azure ML operations work?
//!
//! Each operation is a declared list of flows (a principal at a place → a destination,
//! protocol, port) with their purpose, plus the documented requirements that are not about
//! reachability (a role, an unsupported combination). Flows are decided by the trace engine;
//! an operation works when every flow is allowed and every requirement is met, fails when any
//! flow is denied or requirement broken, and is unknown otherwise.

use crate::engine::Engine;
use crate::intent::{Intent, Source};
pub use crate::op_id::OpId;
use crate::rule_code::RuleCode;
use crate::trace::{Query, Trace, Verdict, trace, trace_shared};
use crate::{Code, Step};
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_model::enums::{ComputeType, IsolationMode, PublicNetworkAccess};
use moat_model::ml::{AssetKind, Compute, OnlineEndpoint, Registry, Workspace};
use moat_packets::Protocol;
use serde::Serialize;

/// An operation of the catalog.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Operation {
    pub id: OpId,
    pub summary: &'static str,
}

/// The operations catalog (rules.md, "Operations").
pub const OPERATIONS: &[Operation] = &[
    Operation {
        id: OpId::StudioOpen,
        summary: "a data scientist opens studio for the workspace",
    },
    Operation {
        id: OpId::StudioData,
        summary: "studio previews data in the default storage",
    },
    Operation {
        id: OpId::SdkConnect,
        summary: "an SDK or CLI call to the workspace",
    },
    Operation {
        id: OpId::ComputeCreate,
        summary: "create a compute instance or cluster",
    },
    Operation {
        id: OpId::JobRun,
        summary: "a job runs on a compute",
    },
    Operation {
        id: OpId::JobRegistryAsset,
        summary: "a job uses a model, component or environment from a registry",
    },
    Operation {
        id: OpId::ImageBuild,
        summary: "an environment image is built",
    },
    Operation {
        id: OpId::RegistryCreateFromLocal,
        summary: "a user creates an asset in a registry from local files",
    },
    Operation {
        id: OpId::RegistryShareFromWorkspace,
        summary: "a workspace asset is shared to a registry",
    },
    Operation {
        id: OpId::RegistryDiscover,
        summary: "a client calls the registry discovery URL",
    },
    Operation {
        id: OpId::EndpointDeployFromRegistry,
        summary: "deploy a registry model to a managed online endpoint",
    },
    Operation {
        id: OpId::EndpointScore,
        summary: "a client scores a managed online endpoint",
    },
    Operation {
        id: OpId::EndpointOutbound,
        summary: "a deployment reads its model and image",
    },
];

/// How an operation fares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Works,
    Fails,
    Unknown,
    /// Nothing in the deployment performs it (no client declared, no registry used).
    NotApplicable,
}

/// One flow of an operation and its trace.
#[derive(Clone, Debug, Serialize)]
pub struct FlowResult {
    pub purpose: String,
    pub verdict: Verdict,
    /// Shared: the findings that report this flow hold the same trace, not a copy of it.
    #[serde(serialize_with = "crate::trace::serialize_shared")]
    pub trace: std::sync::Arc<Trace>,
}

/// A requirement that is not a flow.
#[derive(Clone, Debug, Serialize)]
pub struct Requirement {
    pub what: String,
    /// `None` when the model cannot tell.
    pub met: Option<bool>,
    pub why: String,
    /// The rule of the catalog that states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleCode>,
    /// The principal a role requirement is about (a client's principal), for the rules that
    /// give the role assignment as a fix; not part of the report.
    #[serde(skip)]
    pub principal: Option<String>,
}

/// The result of one operation for one subject.
#[derive(Clone, Debug, Serialize)]
pub struct OpResult {
    pub op: OpId,
    /// `workspace/ws`, `registry/contosoreg`, `online-endpoint/x`: always a resource address.
    pub subject: Address,
    pub status: Status,
    pub flows: Vec<FlowResult>,
    pub requirements: Vec<Requirement>,
    /// Why it does not apply, or what was assumed.
    pub notes: Vec<String>,
}

impl OpResult {
    fn new(op: OpId, subject: Address) -> OpResult {
        OpResult {
            op,
            subject,
            status: Status::NotApplicable,
            flows: Vec::new(),
            requirements: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn settle(mut self) -> OpResult {
        let any_flow = |v: Verdict| self.flows.iter().any(|f| f.verdict == v);
        let unmet = self.requirements.iter().any(|r| r.met == Some(false));
        let unsure = self.requirements.iter().any(|r| r.met.is_none());
        self.status = if self.flows.is_empty() && self.requirements.is_empty() {
            Status::NotApplicable
        } else if any_flow(Verdict::Denied) || unmet {
            Status::Fails
        } else if any_flow(Verdict::Unknown) || unsure {
            Status::Unknown
        } else {
            Status::Works
        };
        self
    }
}

/// Which operations to evaluate.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub workspace: Option<String>,
    pub registry: Option<String>,
    pub op: Option<OpId>,
}

struct Ctx<'a, 'e> {
    e: &'a Engine<'e>,
    intent: &'a Intent,
}

impl Ctx<'_, '_> {
    fn t(&self) -> &Topology {
        self.e.t
    }

    fn flow(
        &self,
        r: &mut OpResult,
        purpose: impl Into<String>,
        from: Address,
        to: Address,
        protocol: Protocol,
        port: u16,
    ) {
        let q = Query {
            from,
            to,
            protocol,
            port,
        };
        // Operations of one workspace ask the same questions (and a diff's flows ask them
        // again): each is traced once.
        match trace_shared(self.e, &q) {
            Ok(t) => r.flows.push(FlowResult {
                purpose: purpose.into(),
                verdict: t.verdict,
                trace: t,
            }),
            Err(why) => r.notes.push(format!("{}: {why}", purpose.into())),
        }
    }

    fn clients(&self, op: OpId, r: &mut OpResult) -> Vec<String> {
        let c: Vec<String> = self
            .intent
            .clients_doing(op)
            .into_iter()
            .map(str::to_string)
            .collect();
        if self.t().clients.is_empty() {
            r.notes.push(
                "no client location is declared (add `clients:` with where people work from)"
                    .into(),
            );
        }
        for name in &c {
            if let Some((_, Source::Assumed)) = self.intent.client_ops.get(name) {
                r.notes
                    .push(format!("assumed: client {name} performs {op}"));
            }
        }
        c
    }
}

/// The regional tag of the workspace's region; the whole tag when the region is unknown (as
/// the rules read it): every region's addresses, so a verdict on them holds for the region's,
/// and no tag is named with an empty region (`BatchNodeManagement.`).
fn region_tag(base: &str, w: &Workspace) -> String {
    match w.region.as_deref().filter(|r| !r.is_empty()) {
        Some(region) => format!("{base}.{}", moat_net::tags::region_suffix(region)),
        None => base.to_string(),
    }
}

fn tcp(e: &mut Vec<(String, Address, Protocol, u16)>, purpose: &str, to: Address, port: u16) {
    e.push((purpose.to_string(), to, Protocol::TCP, port));
}

/// The outbound a compute in a customer VNet needs to be created and managed (facts §3.4,
/// "Compute with no public IP": AzureMachineLearning TCP 443 and UDP 5831,
/// BatchNodeManagement.<region> 443, Storage.<region> 443).
fn management_outbound(w: &Workspace) -> Vec<(String, Address, Protocol, u16)> {
    let mut f = Vec::new();
    tcp(
        &mut f,
        "the Azure ML service",
        Address::Tag("AzureMachineLearning".into()),
        443,
    );
    f.push((
        "compute lifecycle (UDP 5831)".into(),
        Address::Tag("AzureMachineLearning".into()),
        Protocol::UDP,
        5831,
    ));
    tcp(
        &mut f,
        "Batch node management",
        Address::Tag(region_tag("BatchNodeManagement", w)),
        443,
    );
    tcp(
        &mut f,
        "Azure ML managed storage (setup scripts)",
        Address::Tag(region_tag("Storage", w)),
        443,
    );
    f
}

/// Makes the SMB flow `f`, needed only if the HTTPS path `https` (unknown) goes through a
/// firewall, unknown unless it passes: it fails only where it is needed.
fn needed_if(f: Option<&mut FlowResult>, https: &Trace) {
    let Some(f) = f.filter(|f| f.verdict != Verdict::Allowed) else {
        return;
    };
    let mut t = (*f.trace).clone();
    crate::trace::left_open(
        &mut t,
        https,
        "SMB is needed if HTTPS to the share goes through a firewall",
    );
    f.verdict = t.verdict;
    f.trace = std::sync::Arc::new(t);
}

/// The flows a job on a compute of `w` needs (facts §3.1, §3.4, §4.4; seed 002).
fn job_flows(t: &Topology, w: &Workspace, managed: bool) -> Vec<(String, Address, Protocol, u16)> {
    let mut f = Vec::new();
    tcp(
        &mut f,
        "the workspace API",
        Address::resource(Kind::Workspace, &w.name),
        443,
    );
    if let Some(s) = &w.storage_account {
        tcp(
            &mut f,
            "the default storage (blob)",
            Address::resource(Kind::Storage, s).with_sub("blob"),
            443,
        );
        tcp(
            &mut f,
            "the default storage file share",
            Address::resource(Kind::Storage, s).with_sub("file"),
            443,
        );
    }
    if let Some(k) = &w.key_vault {
        tcp(
            &mut f,
            "the workspace key vault",
            Address::resource(Kind::Keyvault, k),
            443,
        );
    }
    if let Some(a) = &w.container_registry {
        tcp(
            &mut f,
            "the workspace container registry (job image)",
            Address::resource(Kind::Acr, a),
            443,
        );
    }
    tcp(
        &mut f,
        "Microsoft Entra ID",
        Address::Tag("AzureActiveDirectory".into()),
        443,
    );
    tcp(
        &mut f,
        "Microsoft container images (mcr.microsoft.com)",
        Address::Fqdn(moat_net::hosts::MCR.into()),
        443,
    );
    // The managed network provisions the platform's own storage access itself.
    f.extend(management_outbound(w).into_iter().filter(|(_, to, _, _)| {
        !managed || !matches!(to, Address::Tag(tag) if tag.starts_with("Storage"))
    }));
    if w.hbi_workspace {
        tcp(
            &mut f,
            "the Batch back end's key vault (hbi_workspace)",
            Address::Tag(region_tag("AzureKeyVault", w)),
            443,
        );
    }
    let _ = t;
    f
}

/// Evaluates the operations: each workspace's, its online endpoints', then each registry's, in
/// the catalog's order.
pub fn evaluate(e: &Engine, intent: &Intent, filter: &Filter) -> Vec<OpResult> {
    let cx = Ctx { e, intent };
    let t = e.t;
    let wanted = |id: OpId| filter.op.is_none_or(|o| o == id);
    let mut out = Vec::new();
    for w in t
        .workspaces
        .iter()
        .filter(|w| filter.workspace.as_deref().is_none_or(|n| n == w.name))
    {
        if filter.registry.is_some() && filter.workspace.is_none() {
            break;
        }
        let subject = Address::resource(Kind::Workspace, &w.name);
        let managed = w.managed_network.isolation_mode != IsolationMode::Disabled;
        let computes: Vec<&Compute> = e.ix.computes_of(t, &w.name).collect();

        if wanted(OpId::StudioOpen) {
            out.push(studio_open(&cx, w));
        }
        if wanted(OpId::StudioData) {
            out.push(studio_data(&cx, w));
        }
        if wanted(OpId::SdkConnect) {
            out.push(sdk_connect(&cx, w));
        }
        if wanted(OpId::ComputeCreate) {
            out.push(compute_create(&cx, w, &computes, managed));
        }
        if wanted(OpId::JobRun) {
            out.push(job_run(&cx, w, &computes, managed));
        }
        if wanted(OpId::JobRegistryAsset) {
            out.push(job_registry_asset(&cx, w, &computes));
        }
        if wanted(OpId::ImageBuild) {
            out.push(image_build(&cx, w, &subject).settle());
        }
        if wanted(OpId::RegistryShareFromWorkspace) {
            out.push(registry_share(&cx, w));
        }
        if wanted(OpId::EndpointScore)
            || wanted(OpId::EndpointOutbound)
            || wanted(OpId::EndpointDeployFromRegistry)
        {
            for ep in t.online_endpoints.iter().filter(|x| x.workspace == w.name) {
                if wanted(OpId::EndpointScore) {
                    out.push(endpoint_score(&cx, ep));
                }
                if wanted(OpId::EndpointOutbound) {
                    out.push(endpoint_outbound(&cx, w, ep));
                }
                if wanted(OpId::EndpointDeployFromRegistry) {
                    out.push(endpoint_deploy_from_registry(&cx, w, ep));
                }
            }
        }
    }
    for reg in t
        .registries
        .iter()
        .filter(|r| filter.registry.as_deref().is_none_or(|n| n == r.name))
    {
        if filter.workspace.is_some() && filter.registry.is_none() {
            break;
        }
        if wanted(OpId::RegistryCreateFromLocal) {
            out.push(registry_create_from_local(&cx, reg));
        }
        if wanted(OpId::RegistryDiscover) {
            out.push(registry_discover(&cx, reg));
        }
    }
    out
}

/// StudioOpen: each client reaches the workspace API, its notebooks and studio's front end.
fn studio_open(cx: &Ctx, w: &Workspace) -> OpResult {
    let ws = Address::resource(Kind::Workspace, &w.name);
    let mut r = OpResult::new(OpId::StudioOpen, ws.clone());
    for c in cx.clients(OpId::StudioOpen, &mut r) {
        let from = Address::resource(Kind::Client, &c);
        cx.flow(
            &mut r,
            format!("client {c} → workspace API"),
            from.clone(),
            ws.clone(),
            Protocol::TCP,
            443,
        );
        cx.flow(
            &mut r,
            format!("client {c} → integrated notebooks"),
            from.clone(),
            ws.clone().with_sub("notebooks"),
            Protocol::TCP,
            443,
        );
        cx.flow(
            &mut r,
            format!("client {c} → studio front end (ml.azure.com)"),
            from,
            Address::Fqdn("ml.azure.com".into()),
            Protocol::TCP,
            443,
        );
    }
    r.settle()
}

/// StudioData: each client reaches the default storage, and studio's storage access goes
/// through the workspace private endpoint it entered by.
fn studio_data(cx: &Ctx, w: &Workspace) -> OpResult {
    let e = cx.e;
    let ws = Address::resource(Kind::Workspace, &w.name);
    let mut r = OpResult::new(OpId::StudioData, ws.clone());
    if let Some(s) = &w.storage_account {
        for c in cx.clients(OpId::StudioData, &mut r) {
            let from = Address::resource(Kind::Client, &c);
            // Studio validates data access against where the client's workspace
            // private endpoint sits (rules ST001, ST002).
            let q = Query {
                from: from.clone(),
                to: ws.clone(),
                protocol: Protocol::TCP,
                port: 443,
            };
            if let Ok(api) = trace(e, &q)
                && api.verdict == Verdict::Allowed
                && let Some(pe) = crate::studio::entry_endpoint(e, &api)
                && let Some(c_) = crate::studio::colocation(e, w, pe)
            {
                r.requirements.push(Requirement {
                    what: format!(
                        "client {c}: studio's storage access through workspace private endpoint {}",
                        pe.name
                    ),
                    met: c_.open.is_none().then_some(c_.met),
                    why: c_.why,
                    rule: Some(c_.rule),
                    principal: None,
                });
            }
            for sub in ["blob", "file"] {
                cx.flow(
                    &mut r,
                    format!("client {c} → default storage ({sub})"),
                    from.clone(),
                    Address::resource(Kind::Storage, s).with_sub(sub),
                    Protocol::TCP,
                    443,
                );
            }
        }
    }
    r.settle()
}

/// SdkConnect: each client reaches the workspace API.
fn sdk_connect(cx: &Ctx, w: &Workspace) -> OpResult {
    let ws = Address::resource(Kind::Workspace, &w.name);
    let mut r = OpResult::new(OpId::SdkConnect, ws.clone());
    for c in cx.clients(OpId::SdkConnect, &mut r) {
        cx.flow(
            &mut r,
            format!("client {c} → workspace API"),
            Address::resource(Kind::Client, &c),
            ws.clone(),
            Protocol::TCP,
            443,
        );
    }
    r.settle()
}

/// ComputeCreate: the inbound management traffic each compute in a customer VNet receives, and
/// the outbound it needs.
fn compute_create(cx: &Ctx, w: &Workspace, computes: &[&Compute], managed: bool) -> OpResult {
    let mut r = OpResult::new(
        OpId::ComputeCreate,
        Address::resource(Kind::Workspace, &w.name),
    );
    for k in computes {
        let to = Address::resource(Kind::Compute, &k.name);
        let Some(subnet) = &k.subnet else {
            if managed {
                r.notes.push(format!("compute {}: the managed network carries the management traffic (required rules)", k.name));
            }
            continue;
        };
        if k.enable_node_public_ip {
            let batch = region_tag("BatchNodeManagement", w);
            cx.flow(
                &mut r,
                format!("Batch node management → compute {} (public IP)", k.name),
                Address::Tag(batch),
                to.clone(),
                Protocol::TCP,
                29876,
            );
            cx.flow(
                &mut r,
                format!("Azure ML → compute {} (public IP)", k.name),
                Address::Tag("AzureMachineLearning".into()),
                to.clone(),
                Protocol::TCP,
                44224,
            );
        } else {
            let (v, s) = subnet.split_once('/').unwrap_or_default();
            cx.flow(
                &mut r,
                format!("node management inside the VNet → compute {}", k.name),
                Address::Subnet {
                    vnet: v.into(),
                    subnet: s.into(),
                },
                to.clone(),
                Protocol::TCP,
                29876,
            );
            cx.flow(
                &mut r,
                format!("Azure load balancer → compute {}", k.name),
                Address::Tag("AzureLoadBalancer".into()),
                to.clone(),
                Protocol::TCP,
                44224,
            );
        }
        let from = Address::resource(Kind::Compute, &k.name);
        for (purpose, to, p, port) in management_outbound(w) {
            cx.flow(
                &mut r,
                format!("compute {} → {purpose}", k.name),
                from.clone(),
                to,
                p,
                port,
            );
        }
    }
    r.settle()
}

/// JobRun: the flows a job needs from each compute, SMB to the file share where a firewall may
/// sit in between.
fn job_run(cx: &Ctx, w: &Workspace, computes: &[&Compute], managed: bool) -> OpResult {
    let t = cx.t();
    let mut r = OpResult::new(OpId::JobRun, Address::resource(Kind::Workspace, &w.name));
    for k in computes {
        let from = Address::resource(Kind::Compute, &k.name);
        let managed_k = k.subnet.is_none() && managed;
        for (purpose, to, p, port) in job_flows(t, w, managed_k) {
            cx.flow(
                &mut r,
                format!("compute {} → {purpose}", k.name),
                from.clone(),
                to,
                p,
                port,
            );
        }
        // SMB 445 to the file share is needed only when a firewall sits between the
        // VNet and the storage private endpoint (seed 002, required outbound table
        // footnote; facts §3.2).
        let https = r.flows.iter().rev().find(|f| {
            f.trace.from == from
                && matches!(&f.trace.to, Address::Resource { sub: Some(s), .. } if s == "file")
                && f.trace.port == 443
        });
        let through_firewall = https.is_some_and(|f| {
            f.trace.hops.iter().any(|h| h.code == Code::PeApproved)
                && f.trace.hops.iter().any(|h| h.step == Step::Firewall)
        });
        // Where the input leaves the HTTPS path open, it may go through a firewall of
        // the deployment: SMB may be needed, and fails only if it is.
        let maybe = (!through_firewall
            && !t.firewalls.is_empty()
            && https.is_some_and(|f| f.verdict == Verdict::Unknown))
        .then(|| https.map(|f| f.trace.clone()))
        .flatten();
        if (through_firewall || maybe.is_some())
            && let Some(s) = &w.storage_account
        {
            cx.flow(
                &mut r,
                format!(
                    "compute {} → the default storage file share (SMB, through the firewall)",
                    k.name
                ),
                from.clone(),
                Address::resource(Kind::Storage, s).with_sub("file"),
                Protocol::TCP,
                445,
            );
            if let Some(https) = maybe {
                needed_if(r.flows.last_mut(), &https);
            }
        }
    }
    if computes.is_empty() {
        r.notes.push("the workspace declares no compute".into());
    }
    r.settle()
}

/// JobRegistryAsset: each compute reaches each registry the workspace uses.
fn job_registry_asset(cx: &Ctx, w: &Workspace, computes: &[&Compute]) -> OpResult {
    let intent = cx.intent;
    let mut r = OpResult::new(
        OpId::JobRegistryAsset,
        Address::resource(Kind::Workspace, &w.name),
    );
    if let Some((_, Source::Assumed)) = intent.registries.get(&w.name) {
        r.notes.push(format!(
            "assumed: workspace {} uses every registry of the input",
            w.name
        ));
    }
    for reg in intent.registries_of(&w.name) {
        let ra = Address::resource(Kind::Registry, reg);
        for k in computes {
            let from = Address::resource(Kind::Compute, &k.name);
            cx.flow(
                &mut r,
                format!("compute {} → registry {reg}", k.name),
                from.clone(),
                ra.clone(),
                Protocol::TCP,
                443,
            );
            cx.flow(
                &mut r,
                format!("compute {} → registry {reg} storage", k.name),
                from.clone(),
                ra.clone().with_sub("storage"),
                Protocol::TCP,
                443,
            );
            cx.flow(
                &mut r,
                format!("compute {} → registry {reg} container registry", k.name),
                from.clone(),
                ra.clone().with_sub("acr"),
                Protocol::TCP,
                443,
            );
        }
    }
    r.settle()
}

/// RegistryShareFromWorkspace: what sharing to each registry needs.
fn registry_share(cx: &Ctx, w: &Workspace) -> OpResult {
    let t = cx.t();
    let mut r = OpResult::new(
        OpId::RegistryShareFromWorkspace,
        Address::resource(Kind::Workspace, &w.name),
    );
    for s in &w.shares_to {
        if s.assets.contains(&AssetKind::Component) {
            r.requirements.push(Requirement {
                what: format!("share components to registry {}", s.registry),
                met: Some(false),
                why: "sharing a component from a workspace to a registry is not supported (Network isolation with Azure Machine Learning registries)".into(),
                rule: Some(RuleCode::Reg006),
                principal: None,
            });
        }
        let Some(st) = &w.storage_account else {
            continue;
        };
        let sa = t.storage_accounts.iter().find(|x| &x.name == st);
        if sa.is_some_and(|x| x.public_network_access == PublicNetworkAccess::Disabled) {
            r.requirements.push(Requirement {
                what: format!("registry {} reads the asset from storage {st}", s.registry),
                met: Some(false),
                why: format!("storage {st} has public network access Disabled: sharing is blocked by data exfiltration protection (Network isolation with Azure Machine Learning registries)"),
                rule: Some(RuleCode::Reg005),
                principal: None,
            });
            continue;
        }
        cx.flow(
            &mut r,
            format!("registry {} back end → storage {st}", s.registry),
            Address::resource(Kind::Registry, &s.registry),
            Address::resource(Kind::Storage, st).with_sub("blob"),
            Protocol::TCP,
            443,
        );
    }
    if w.shares_to.is_empty() {
        r.notes.push("the workspace declares no `shares_to`".into());
    }
    r.settle()
}

/// EndpointScore: each client reaches the endpoint.
fn endpoint_score(cx: &Ctx, ep: &OnlineEndpoint) -> OpResult {
    let ea = Address::resource(Kind::OnlineEndpoint, &ep.name);
    let mut r = OpResult::new(OpId::EndpointScore, ea.clone());
    for c in cx.clients(OpId::EndpointScore, &mut r) {
        cx.flow(
            &mut r,
            format!("client {c} → endpoint {}", ep.name),
            Address::resource(Kind::Client, &c),
            ea.clone(),
            Protocol::TCP,
            443,
        );
    }
    r.settle()
}

/// EndpointOutbound: the deployment reaches the workspace's storage, registry and key vault.
fn endpoint_outbound(cx: &Ctx, w: &Workspace, ep: &OnlineEndpoint) -> OpResult {
    let ea = Address::resource(Kind::OnlineEndpoint, &ep.name);
    let mut r = OpResult::new(OpId::EndpointOutbound, ea.clone());
    if let Some(s) = &w.storage_account {
        cx.flow(
            &mut r,
            "deployment → workspace storage (model)",
            ea.clone(),
            Address::resource(Kind::Storage, s).with_sub("blob"),
            Protocol::TCP,
            443,
        );
    }
    if let Some(a) = &w.container_registry {
        cx.flow(
            &mut r,
            "deployment → workspace container registry (image)",
            ea.clone(),
            Address::resource(Kind::Acr, a),
            Protocol::TCP,
            443,
        );
    }
    if let Some(k) = &w.key_vault {
        cx.flow(
            &mut r,
            "deployment → workspace key vault",
            ea.clone(),
            Address::resource(Kind::Keyvault, k),
            Protocol::TCP,
            443,
        );
    }
    r.settle()
}

/// EndpointDeployFromRegistry: each deployment reaches the registries its models come from.
fn endpoint_deploy_from_registry(cx: &Ctx, w: &Workspace, ep: &OnlineEndpoint) -> OpResult {
    let ea = Address::resource(Kind::OnlineEndpoint, &ep.name);
    let mut r = OpResult::new(OpId::EndpointDeployFromRegistry, ea.clone());
    let secure = secure_without_managed_network(cx, w);
    for d in &ep.deployments {
        for reg in d.registry_sources() {
            if secure != Ok(false) {
                let what = format!("deployment {} takes its model from registry {reg}", d.name);
                let (met, why) = if d.egress_public_network_access == PublicNetworkAccess::Disabled
                {
                    (Some(true), "egress_public_network_access is disabled: Azure ML creates the private endpoints to the registry".to_string())
                } else {
                    match &secure {
                        Ok(_) => (Some(false), REG010_WHY.to_string()),
                        // Every value the input leaves open must give the same answer, and
                        // here a secure workspace fails where another does not: the reason
                        // is what leaves it open.
                        Err(open) => (None, open.clone()),
                    }
                };
                r.requirements.push(Requirement {
                    what,
                    met,
                    why,
                    rule: Some(RuleCode::Reg010),
                    principal: None,
                });
            }
            let ra = Address::resource(Kind::Registry, &reg);
            cx.flow(
                &mut r,
                format!("deployment {} → registry {reg} storage", d.name),
                ea.clone(),
                ra.clone().with_sub("storage"),
                Protocol::TCP,
                443,
            );
            cx.flow(
                &mut r,
                format!("deployment {} → registry {reg} container registry", d.name),
                ea.clone(),
                ra.with_sub("acr"),
                Protocol::TCP,
                443,
            );
        }
    }
    r.settle()
}

/// Why a secure workspace needs egress_public_network_access disabled to deploy from a registry.
const REG010_WHY: &str = "a secure workspace deploys registry models only with egress_public_network_access=disabled (Network isolation with Azure Machine Learning registries)";

/// Whether a workspace is secure in the sense of REG010: public network access Disabled and no
/// managed network, both read from the hub for a project, whose network is its hub's (facts §6
/// item 99). `Err` with what the input leaves open: a hub it does not declare, a managed network
/// or public access it leaves unknown, or public access `SecuredByPerimeter`.
fn secure_without_managed_network(cx: &Ctx, w: &Workspace) -> Result<bool, String> {
    let t = cx.t();
    let managed = managed_network(t, w);
    if managed == Ok(true) {
        return Ok(false);
    }
    let network = match moat_net::names::hub_outside(t, &cx.e.ix, &w.name) {
        Some(hub) => Err(format!(
            "project {} uses the network of its hub {hub}, which the input does not declare",
            w.name
        )),
        None => {
            let n = moat_net::names::network_workspace(t, &cx.e.ix, &w.name).unwrap_or(w);
            cx.e.public_access_closed(&format!("workspace/{}", n.name), n.public_network_access)
        }
    };
    match (network, managed) {
        (Ok(false), _) => Ok(false),
        (Ok(true), Ok(_)) => Ok(true),
        (Err(open), _) | (Ok(true), Err(open)) => Err(open),
    }
}

/// RegistryCreateFromLocal: each client reaches the registry and holds a role that may create.
fn registry_create_from_local(cx: &Ctx, reg: &Registry) -> OpResult {
    let t = cx.t();
    let ra = Address::resource(Kind::Registry, &reg.name);
    let mut r = OpResult::new(OpId::RegistryCreateFromLocal, ra.clone());
    let clients = cx.clients(OpId::RegistryCreateFromLocal, &mut r);
    for c in &clients {
        let from = Address::resource(Kind::Client, c);
        cx.flow(
            &mut r,
            format!("client {c} → registry {}", reg.name),
            from.clone(),
            ra.clone(),
            Protocol::TCP,
            443,
        );
        cx.flow(
            &mut r,
            format!("client {c} → registry {} storage", reg.name),
            from.clone(),
            ra.clone().with_sub("storage"),
            Protocol::TCP,
            443,
        );
        let principal = t
            .clients
            .iter()
            .find(|x| &x.name == c)
            .and_then(|x| x.principal.clone())
            .unwrap_or_else(|| c.clone());
        let roles: Vec<&str> = t
            .role_assignments
            .iter()
            .filter(|ra_| (ra_.principal == principal || ra_.principal == *c) && ra_.scope == ra)
            .map(|x| x.role.as_str())
            .collect();
        let ok = roles.iter().any(|x| {
            ["azureml registry user", "owner", "contributor"]
                .contains(&x.to_ascii_lowercase().as_str())
        });
        r.requirements.push(Requirement {
            what: format!("{principal} may create assets in registry {}", reg.name),
            met: Some(ok),
            why: if ok {
                format!("holds {}", roles.join(", "))
            } else {
                "needs AzureML Registry User, Owner or Contributor on the registry (Network isolation with Azure Machine Learning registries)".into()
            },
            rule: Some(RuleCode::Reg008),
            principal: Some(principal.clone()),
        });
    }
    let closed = [
        (format!("registry/{}", reg.name), reg.public_network_access),
        (
            format!("registry/{}:acr", reg.name),
            reg.acr
                .public_network_access
                .unwrap_or(PublicNetworkAccess::Enabled),
        ),
    ]
    .map(|(resource, pna)| cx.e.public_access_closed(&resource, pna));
    if !clients.is_empty() && closed.iter().all(|c| c != &Ok(false)) {
        let open: Vec<&str> = closed
            .iter()
            .filter_map(|c| c.as_ref().err().map(String::as_str))
            .collect();
        if open.is_empty() {
            r.notes.push(format!("environments cannot be created in registry {} (its ACR has public access disabled; REG004): create them in a workspace and share them", reg.name));
        } else {
            r.notes.push(format!("environments may not be created in registry {} if it and its ACR are closed to public networks (REG004), which the input does not decide: {}", reg.name, open.join("; ")));
        }
    }
    r.settle()
}

/// RegistryDiscover: each client reaches the regional discovery URL and the registry's hosts.
fn registry_discover(cx: &Ctx, reg: &Registry) -> OpResult {
    let ra = Address::resource(Kind::Registry, &reg.name);
    let mut r = OpResult::new(OpId::RegistryDiscover, ra.clone());
    let region = moat_net::names::region_label(reg.region.as_deref()).to_string();
    for c in cx.clients(OpId::RegistryCreateFromLocal, &mut r) {
        cx.flow(
            &mut r,
            format!("client {c} → discovery URL"),
            Address::resource(Kind::Client, &c),
            Address::Fqdn(moat_net::names::regional_api(&region)),
            Protocol::TCP,
            443,
        );
        // The discovery answer's `registryFqdns` are the registry's own host names
        // (facts §10); the client then connects to them.
        cx.flow(
            &mut r,
            format!("client {c} → the registry's registryFqdns"),
            Address::resource(Kind::Client, &c),
            ra.clone(),
            Protocol::TCP,
            443,
        );
    }
    r.settle()
}

fn image_build(cx: &Ctx, w: &Workspace, subject: &Address) -> OpResult {
    let t = cx.t();
    let mut r = OpResult::new(OpId::ImageBuild, subject.clone());
    let registry = build_registry(t, w);
    let acr = match &registry {
        Ok(Some(a)) => {
            cx.e.ix
                .container_registries
                .get(a.as_str())
                .map(|&i| &t.container_registries[i])
        }
        _ => None,
    };
    let acr_private = acr.is_some_and(|a| acr_behind_vnet(cx.e, a));
    match &w.image_build_compute {
        None => {
            let (met, why) = match (&registry, w.hub.as_deref()) {
                (Err(open), _) => (None, open.clone()),
                // A registry of another deployment, given by id: its network is not given.
                (Ok(Some(name)), _) if acr.is_none() => (
                    None,
                    format!(
                        "container registry {name} is not declared by the input: whether it is behind a VNet is unknown"
                    ),
                ),
                (Ok(_), _)
                    if !acr_private
                        && acr.is_some_and(|a| {
                            a.public_network_access == PublicNetworkAccess::SecuredByPerimeter
                        }) =>
                {
                    (
                        None,
                        "the container registry's public network access is SecuredByPerimeter: the access rules of its network security perimeter decide whether serverless compute reaches it".into(),
                    )
                }
                // Whether a hub's image_build_compute serves its projects is not documented.
                (Ok(_), Some(hub)) if hub_builds_elsewhere(t, hub) => (
                    None,
                    format!(
                        "the project sets no image_build_compute and its hub {hub} does: whether the hub's serves the project is not documented"
                    ),
                ),
                (Ok(_), _) if acr_private => (
                    Some(false),
                    format!(
                        "{} is behind a VNet: Azure ML cannot build there without image_build_compute ({})",
                        match (&w.container_registry, w.hub.as_deref(), acr) {
                            (None, Some(hub), Some(a)) =>
                                format!("the container registry {} of its hub {hub}", a.name),
                            _ => "the workspace container registry".to_string(),
                        },
                        if managed_network(t, w) == Ok(true) {
                            "Managed virtual network isolation, Configure image builds"
                        } else {
                            "Secure an Azure Machine Learning workspace with virtual networks"
                        }
                    ),
                ),
                (Ok(_), _) => (
                    Some(true),
                    "the container registry is public, so the serverless build works".into(),
                ),
            };
            r.requirements.push(Requirement {
                what: "images are built by serverless compute (image_build_compute not set)".into(),
                met,
                why,
                rule: Some(RuleCode::Acr003),
                principal: None,
            });
        }
        Some(name) => match cx
            .e
            .ix
            .computes_of(t, &w.name)
            .find(|c| c.local_name() == name)
        {
            None => {
                // A compute of the workspace whose name the input leaves unknown may be it.
                let open = cx.e.ix.computes_of(t, &w.name).find(|c| {
                    t.is_unknown(&format!("compute/{}", c.name), "name")
                        .is_some()
                });
                // An input that need not declare the workspace's computes leaves it open.
                let undeclared = t.is_unknown(
                    &format!("workspace/{}", w.name),
                    moat_model::external::BUILD_COMPUTE_EXISTS,
                );
                r.requirements.push(Requirement {
                    what: format!("image_build_compute {name} exists"),
                    met: if open.is_some() || undeclared.is_some() {
                        None
                    } else {
                        Some(false)
                    },
                    why: match (open, undeclared) {
                        (Some(c), _) => format!(
                            "compute {} of workspace {} has an unknown name: it may be {name}",
                            c.name, w.name
                        ),
                        (None, Some(u)) => u.reason.clone(),
                        (None, None) => format!("no compute {name} in workspace {}", w.name),
                    },
                    rule: Some(RuleCode::Acr008),
                    principal: None,
                });
            }
            Some(c) => {
                if let Some(req) = build_compute_kind(t, w, c, name) {
                    r.requirements.push(req);
                }
                let from = Address::resource(Kind::Compute, &c.name);
                if let Some(a) = &w.container_registry {
                    cx.flow(
                        &mut r,
                        format!("build compute {name} → workspace container registry"),
                        from.clone(),
                        Address::resource(Kind::Acr, a),
                        Protocol::TCP,
                        443,
                    );
                }
                // Base images from MCR and its regional data endpoint (facts §4.4); conda
                // and pip packages from the documented hosts (facts §4.5).
                let mut hosts = vec![(moat_net::hosts::MCR.to_string(), "base images")];
                match w.region.as_deref() {
                    Some(region) => {
                        hosts.push((moat_net::hosts::mcr_data_host(region), "base image layers"))
                    }
                    None => r.notes.push(
                        "the workspace region is not known: its MCR data endpoint is not checked"
                            .into(),
                    ),
                }
                hosts.extend(
                    moat_net::hosts::PACKAGE_HOSTS
                        .iter()
                        .map(|(_, host)| (host.to_string(), "packages")),
                );
                for (host, what) in hosts {
                    cx.flow(
                        &mut r,
                        format!("build compute {name} → {host} ({what})"),
                        from.clone(),
                        Address::Fqdn(host),
                        Protocol::TCP,
                        443,
                    );
                }
            }
        },
    }
    r
}

/// Whether a compute of this type builds the workspace's images when its container registry is
/// behind a VNet; `Err` with the reason when that rests on a value the input leaves open. A
/// compute cluster always does. In a managed network a compute instance does too: "configure your
/// workspace to use a compute cluster or compute instance to build images" (Managed virtual
/// network isolation, Configure image builds); in a customer VNet only a cluster is documented
/// (Secure an Azure Machine Learning workspace with virtual networks).
pub fn type_builds_images(t: &Topology, w: &Workspace, ty: ComputeType) -> Result<bool, String> {
    match ty {
        ComputeType::AmlCompute => Ok(true),
        ComputeType::ComputeInstance => managed_network(t, w).map_err(|open| {
            format!("a compute instance builds images only in a managed network: {open}")
        }),
    }
}

/// Whether the workspace works in a managed network: its own, or a project's hub's ("A managed
/// virtual network is shared between all projects that share the same hub", Manage, collaborate,
/// and organize with hubs). `Err` with the reason when the input leaves the mode open.
pub fn managed_network(t: &Topology, w: &Workspace) -> Result<bool, String> {
    let owner = match w.hub.as_deref() {
        Some(hub) => match t.workspaces.iter().find(|h| h.name == hub) {
            Some(h) => h,
            None => {
                return Err(format!(
                    "project {} shares the managed network of its hub {hub}, which the input does not declare",
                    w.name
                ));
            }
        },
        None => w,
    };
    if owner.managed_network.enabled() || w.managed_network.enabled() {
        return Ok(true);
    }
    match t.is_unknown(
        &format!("workspace/{}", owner.name),
        "managed_network.isolation_mode",
    ) {
        Some(u) => Err(u.reason.clone()),
        None => Ok(false),
    }
}

/// The requirement that image_build_compute names a compute that builds images, when it is not
/// plainly met: a CPU compute of a type that builds them ([`type_builds_images`]).
fn build_compute_kind(
    t: &Topology,
    w: &Workspace,
    c: &moat_model::ml::Compute,
    name: &str,
) -> Option<Requirement> {
    let requirement = |met: Option<bool>, what: &str, why: String| Requirement {
        what: format!("image_build_compute {name} is {what}"),
        met,
        why,
        rule: Some(RuleCode::Acr004),
        principal: None,
    };
    if c.is_gpu() {
        return Some(requirement(
            Some(false),
            "a CPU compute",
            "only CPU compute builds images (Secure an Azure Machine Learning workspace with virtual networks)".into(),
        ));
    }
    match type_builds_images(t, w, c.compute_type) {
        Ok(true) => None,
        Ok(false) => Some(requirement(
            Some(false),
            "a CPU compute cluster",
            "outside a managed network only a CPU compute cluster builds images (Secure an Azure Machine Learning workspace with virtual networks)".into(),
        )),
        Err(open) => Some(requirement(
            None,
            "a CPU compute cluster, or an instance in a managed network",
            open,
        )),
    }
}

/// Whether a container registry is "behind a VNet" in the sense of seed 002: public access
/// Disabled, a private endpoint, or a firewall that admits subnets through service endpoints
/// ("If it uses a service endpoint, it must be in the same virtual network and subnet").
pub fn acr_behind_vnet(e: &Engine, a: &moat_model::deps::ContainerRegistry) -> bool {
    a.public_network_access == PublicNetworkAccess::Disabled
        || e.ix.endpoints_of(e.t, Kind::Acr, &a.name).next().is_some()
        || (a.network_rule_set.default_action == moat_model::enums::DefaultAction::Deny
            && !a.network_rule_set.virtual_network_rules.is_empty())
}

/// The container registry the workspace's images are built into: its own, or for a project that
/// names none its hub's, since "Dependent Azure resources are set up once per hub and associated
/// projects" (Manage, collaborate, and organize with hubs). `Err` with the reason when the input
/// leaves it open (a hub it does not determine).
fn build_registry(t: &Topology, w: &Workspace) -> Result<Option<String>, String> {
    if w.container_registry.is_some() {
        return Ok(w.container_registry.clone());
    }
    let resource = format!("workspace/{}", w.name);
    if let Some(u) = t.is_unknown(&resource, "container_registry") {
        return Err(u.reason.clone());
    }
    match w.hub.as_deref() {
        Some(hub) => match t.workspaces.iter().find(|h| h.name == hub) {
            Some(h) if h.container_registry.is_some() => Ok(h.container_registry.clone()),
            Some(h) => match t.is_unknown(&format!("workspace/{}", h.name), "container_registry") {
                Some(u) => Err(u.reason.clone()),
                None => Ok(None),
            },
            None => Err(format!(
                "project {} uses the container registry of its hub {hub}, which the input does not declare",
                w.name
            )),
        },
        None => match t.is_unknown(&resource, "hub") {
            Some(u) => Err(format!(
                "workspace {} may be a project using its hub's container registry: {}",
                w.name, u.reason
            )),
            None => Ok(None),
        },
    }
}

/// Whether the hub of a project names an image_build_compute of its own.
fn hub_builds_elsewhere(t: &Topology, hub: &str) -> bool {
    t.workspaces
        .iter()
        .any(|h| h.name == hub && h.image_build_compute.is_some())
}
