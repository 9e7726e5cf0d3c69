//! `moat check` and `moat ops` on three Terraform configurations written in the shape of the
//! public Azure ML quickstarts and Azure Verified Modules (`moat-terraform/tests/data`), each
//! with the `intent.yaml` beside it that says where people work from. Every decided finding
//! asserted here is one the documents call for on these files.

use moat_engine::intent::Intent;
use moat_engine::ops::Status;
use moat_engine::{Engine, Verdict};
use moat_ingest::{Options, load_opts};
use moat_model::Topology;
use moat_rules::Finding;
use moat_rules::check::{Selection, run_variants};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../moat-terraform/tests/data")
        .join(rel)
}

fn load(rel: &str, vars: &[(&str, &str)]) -> Topology {
    let opts = Options {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Options::default()
    };
    load_opts(&data(rel), &opts)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .topology
}

fn decided(f: &Finding) -> bool {
    f.needs.is_empty()
        && f.trace
            .as_ref()
            .is_none_or(|t| t.verdict != Verdict::Unknown)
}

/// The findings of `moat check`: `(code, resource, decided)`.
fn findings(t: &Topology) -> Vec<(String, String, bool)> {
    let e = Engine::for_topology(t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    run_variants(
        &cx,
        &moat_model::presence::variants(t),
        &Selection::default(),
    )
    .iter()
    .map(|f| (f.code.to_string(), f.resource.clone(), decided(f)))
    .collect()
}

fn has(fs: &[(String, String, bool)], code: &str, resource_end: &str) -> bool {
    fs.iter()
        .any(|(c, r, d)| c == code && r.ends_with(resource_end) && *d)
}

/// `(op, status)` of the workspace's operations.
fn ops(t: &Topology) -> Vec<(String, Status)> {
    let e = Engine::for_topology(t, None).unwrap();
    moat_engine::presence::evaluate(
        &e,
        &moat_model::presence::variants(t),
        &Intent::of(t),
        &Default::default(),
    )
    .into_iter()
    .map(|r| (r.op.to_string(), r.status))
    .collect()
}

fn status(all: &[(String, Status)], op: &str) -> Status {
    all.iter()
        .find(|(o, _)| o == op)
        .unwrap_or_else(|| panic!("no {op} in {all:?}"))
        .1
}

/// The moderately secure single-VNet shape: everything behind private endpoints with zone
/// groups, nodes with public IPs admitted by the NSG, a jump box as the way in.
#[test]
fn moderate_quickstart() {
    let t = load("moderate-quickstart", &[]);
    let fs = findings(&t);
    // Seed 002: "If your Azure Container Registry uses a private endpoint or service endpoint
    // to communicate with the virtual network, you cannot use a managed identity with an
    // Azure Machine Learning compute cluster." The image build cluster has one.
    assert!(has(&fs, "ACR006", "/cpu-imgbuild"), "{fs:#?}");
    // Seed 002: "Alternatively, you can select Allow Azure services on the trusted services
    // list to access this storage account": bypass AzureServices does that, so no ST004.
    assert!(!fs.iter().any(|(c, _, _)| c == "ST004"), "{fs:#?}");
    // The jump box in the VNet is a client with a path: no WS001. The laptop on the internet
    // meets a workspace whose public network access is Disabled (seed 004: "The PNA flag
    // setting decides if your workspace requires a private endpoint or not").
    assert!(!fs.iter().any(|(c, _, _)| c == "WS001"), "{fs:#?}");
    let all = ops(&t);
    assert_eq!(status(&all, "studio.open"), Status::Works);
    assert_eq!(status(&all, "studio.data"), Status::Works);
    assert_eq!(status(&all, "sdk.connect"), Status::Fails);
    assert_eq!(status(&all, "job.run"), Status::Works);
    assert_eq!(status(&all, "compute.create"), Status::Works);
}

/// Hub and spoke: the spoke's egress and DNS go through Azure Firewall in the hub, whose
/// policy allows the required service tags and some package hosts.
#[test]
fn hub_spoke_firewall() {
    let t = load("hub-spoke-firewall", &[]);
    let fs = findings(&t);
    // Seed 002: "anaconda.com *.anaconda.com | Used to install default packages." The
    // application rule names *.anaconda.com but not anaconda.com, which the wildcard does
    // not cover; the build cluster has no public IP and its only way out is the firewall.
    assert!(has(&fs, "ACR005", "/mlw-fraud"), "{fs:#?}");
    let all = ops(&t);
    assert_eq!(status(&all, "image.build"), Status::Fails);
    assert_eq!(status(&all, "job.run"), Status::Works);
    assert_eq!(status(&all, "studio.open"), Status::Works);
    // No public IP on the nodes: nothing for CMP002/CMP004 to find.
    assert!(
        !fs.iter().any(|(c, _, _)| c == "CMP004" || c == "CMP002"),
        "{fs:#?}"
    );
    // Storage.<region> allowed on the firewall is read/write outbound beyond the workspace's
    // accounts (seed 004, data exfiltration).
    assert!(has(&fs, "EXF001", "/snet-training"), "{fs:#?}");
    // The same deployment with the proxy off: the spoke asks Azure DNS, the zones are linked
    // to the hub alone, and jobs meet the workspace's public endpoint, which is Disabled.
    let off = load(
        "hub-spoke-firewall",
        &[("spoke_dns_through_firewall", "false")],
    );
    assert_eq!(status(&ops(&off), "job.run"), Status::Fails);
}

/// The Verified Module shape: an azapi workspace public to an office range, managed network
/// in allow only approved outbound mode, private endpoints in a landing zone read by data
/// sources.
#[test]
fn verified_module() {
    let t = load("verified-module", &[]);
    let fs = findings(&t);
    // Seed 004: "Enabled from selected IP addresses. This setting allows access to your
    // workspace from the IP addresses you specify." The contractor's address is not among
    // them; the office's is.
    assert!(has(&fs, "WS003", "this[0]"), "{fs:#?}");
    let all = ops(&t);
    assert_eq!(status(&all, "studio.open"), Status::Works);
    assert_eq!(status(&all, "sdk.connect"), Status::Fails);
    // Seed 002: "When ACR is behind a virtual network, Azure Machine Learning can't use it to
    // directly build Docker images. Instead, the compute cluster is used to build the
    // images." No image_build_compute is set.
    assert!(has(&fs, "ACR003", "this[0]"), "{fs:#?}");
    // Seed 004: "Limitations - Extra costs for Azure Firewall and FQDN rules."
    assert!(has(&fs, "MVN001", "this[0]"), "{fs:#?}");
    // The landing zone's VNet and zones are not in the files: what depends on their DNS is
    // undecided, never decided either way.
    assert!(fs.iter().any(|(c, _, d)| c == "DNS001" && !*d), "{fs:#?}");
    assert!(!fs.iter().any(|(c, _, d)| c == "DNS001" && *d), "{fs:#?}");
}
