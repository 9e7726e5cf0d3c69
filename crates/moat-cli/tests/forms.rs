//! Every bundled example exists in four forms — the native topology, an ARM template
//! (`arm/azuredeploy.json`), a Terraform configuration (`terraform/main.tf`) and a live export of
//! the deployed estate in the shape `az graph query -o json` returns (`live/resources.json`) —
//! and the four mean the same deployment: `moat check` reports the same findings (code, resource, severity)
//! and a fixed set of traces gives the same verdicts, blocked at the same hop, along the same
//! path hop by hop.
//!
//! What ARM, Terraform and an export cannot say (who works from where, intent such as the registries a
//! workspace uses, a custom DNS server's forwarding, settings Azure only takes after
//! deployment) sits in a native side file next to each form, `intent.yaml`, which the loader
//! applies when given the form's directory (or with `--with`): entries naming a resource the
//! template declares complete it, others are added.

use moat_engine::Code;
use moat_engine::trace::{HopDecision, Query, Trace, trace};
use moat_engine::{Engine, Verdict};
use moat_model::enums::PublicNetworkAccess;
use moat_model::{Address, Topology};
use moat_packets::Protocol;
use moat_rules::check::{Selection, run};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// An example: its directory, the client it names, and whether it has the registry `contosoreg`.
struct Example {
    name: &'static str,
    client: &'static str,
    registry: bool,
}

const EXAMPLES: &[Example] = &[
    Example {
        name: "exfiltration-prevention",
        client: "datasci",
        registry: false,
    },
    Example {
        name: "hub-spoke-firewall",
        client: "office",
        registry: false,
    },
    Example {
        name: "isolated-aks",
        client: "datasci",
        registry: false,
    },
    Example {
        name: "isolated-clients",
        client: "datasci",
        registry: false,
    },
    Example {
        name: "managed-network-approved-outbound",
        client: "laptop",
        registry: true,
    },
    Example {
        name: "managed-network-internet-outbound",
        client: "datasci",
        registry: false,
    },
    Example {
        name: "private-registry",
        client: "datasci",
        registry: true,
    },
    Example {
        name: "secure-workspace-public-registry",
        client: "datasci",
        registry: true,
    },
    Example {
        name: "workspace-private-endpoint",
        client: "datasci",
        registry: false,
    },
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// The forms of an example: a label and the directory given to moat.
fn forms(name: &str) -> Vec<(&'static str, PathBuf)> {
    let dir = examples_dir().join(name);
    vec![
        ("native", dir.clone()),
        ("arm", dir.join("arm")),
        ("terraform", dir.join("terraform")),
        ("live", dir.join("live")),
    ]
}

fn show(diags: &[moat_model::Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {} {}",
                d.location.file, d.location.line, d.location.column, d.code, d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads one form as `moat check DIR` does.
fn load(label: &str, path: &Path) -> Topology {
    moat_ingest::load_opts(path, &moat_ingest::Options::default())
        .unwrap_or_else(|e| {
            panic!(
                "{label} form {} does not load:\n{}",
                path.display(),
                show(&e.diagnostics)
            )
        })
        .topology
}

/// Findings as (code, resource, severity), sorted; a finding reported twice counts twice.
fn findings(t: &Topology) -> Vec<(String, String, String)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    // A finding left undecided by a value an imported form cannot resolve (a tenant id read
    // from Azure at plan time) says "cannot confirm", not a different deployment: only decided
    // findings are compared.
    let mut v: Vec<_> = run(&cx, &Selection::default())
        .into_iter()
        .filter(|f| {
            !f.trace
                .as_ref()
                .is_some_and(|t| t.hops.iter().any(|h| h.code == Code::InputUnknown))
        })
        .map(|f| {
            (
                f.code.to_string(),
                f.resource,
                f.severity.as_str().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// What one list holds and the other does not, counting repeats.
fn minus<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut rest = b.to_vec();
    let mut out = Vec::new();
    for x in a {
        match rest.iter().position(|y| y == x) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(x.clone()),
        }
    }
    out
}

/// The flows traced in every form of an example.
fn flows(ex: &Example) -> Vec<(String, String, u16)> {
    let client = format!("client/{}", ex.client);
    let cluster = "compute/cpu-cluster".to_string();
    let mut v = vec![
        (client.clone(), "workspace/ws".to_string(), 443),
        (client.clone(), "storage/wsstorage:blob".to_string(), 443),
        (client.clone(), "storage/wsstorage:file".to_string(), 445),
        (client.clone(), "keyvault/wskv".to_string(), 443),
        (client, "acr/wsacr".to_string(), 443),
        (cluster.clone(), "workspace/ws".to_string(), 443),
        (cluster.clone(), "storage/wsstorage:blob".to_string(), 443),
        (cluster.clone(), "storage/wsstorage:file".to_string(), 445),
        (cluster.clone(), "keyvault/wskv".to_string(), 443),
        (cluster.clone(), "acr/wsacr".to_string(), 443),
        (cluster.clone(), "fqdn:pypi.org".to_string(), 443),
        (cluster.clone(), "fqdn:mcr.microsoft.com".to_string(), 443),
        (cluster.clone(), "fqdn:example.com".to_string(), 443),
        (cluster.clone(), "tag:Storage".to_string(), 443),
        // A tag the symbolic catalog does not place: undecidable without the service tags file.
        (cluster.clone(), "tag:Sql".to_string(), 443),
    ];
    if ex.registry {
        for to in [
            "registry/contosoreg",
            "registry/contosoreg:storage",
            "registry/contosoreg:acr",
        ] {
            v.push((cluster.clone(), to.to_string(), 443));
        }
    }
    v
}

fn run_trace(t: &Topology, from: &str, to: &str, port: u16) -> Result<Trace, String> {
    let e = Engine::for_topology(t, None)?;
    let q = Query {
        from: from.parse::<Address>().map_err(|e| e.message)?,
        to: to.parse::<Address>().map_err(|e| e.message)?,
        protocol: Protocol::TCP,
        port,
    };
    trace(&e, &q)
}

/// What must agree between forms: the verdict, the hop that blocked (or could not decide), and
/// the path itself, hop by hop (step, decision, code).
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    verdict: Verdict,
    blocked_by: Option<Code>,
    hops: Vec<(moat_engine::Step, HopDecision, Code)>,
}

fn outcome(t: &Trace) -> Outcome {
    Outcome {
        verdict: t.verdict,
        blocked_by: t.blocked_by().map(|h| h.code),
        // A form that cannot state the firewall's address (a template: Azure assigns it)
        // reaches the firewall by the assumed one, a hop the forms that state it do not have;
        // the network is the same.
        hops: t
            .hops
            .iter()
            .filter(|h| h.code != Code::FirewallAddressAssumed)
            .map(|h| (h.step, h.decision, h.code))
            .collect(),
    }
}

#[test]
fn every_example_has_its_four_forms() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(examples_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = EXAMPLES.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(on_disk, listed, "the examples this test covers");
    for ex in EXAMPLES {
        for (label, path) in forms(ex.name).into_iter().skip(1) {
            assert!(path.exists(), "{}: no {label} form", ex.name);
            assert!(
                path.join("intent.yaml").exists(),
                "{}: no side file for the {label} form",
                ex.name
            );
        }
    }
}

#[test]
fn check_reports_the_same_findings_in_every_form() {
    for ex in EXAMPLES {
        let mut results = Vec::new();
        for (label, path) in forms(ex.name) {
            let t = load(label, &path);
            results.push((label, findings(&t)));
        }
        let (_, native) = &results[0];
        // Every example has at least its private workspace's WS005: an empty catalog run would
        // make the comparison meaningless.
        assert!(
            native
                .iter()
                .any(|(c, r, _)| c == "WS005" && r == "workspace/ws"),
            "{}: {native:?}",
            ex.name
        );
        for (label, got) in &results[1..] {
            let missing = minus(native, got);
            let extra = minus(got, native);
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: the {label} form differs from the native one\n  only native: {missing:?}\n  only {label}: {extra:?}",
                ex.name
            );
        }
    }
}

#[test]
fn traces_agree_in_every_form() {
    let mut verdicts = BTreeSet::new();
    for ex in EXAMPLES {
        let loaded: Vec<(&str, Topology)> = forms(ex.name)
            .into_iter()
            .map(|(label, path)| (label, load(label, &path)))
            .collect();
        let mut allowed = 0;
        for (from, to, port) in flows(ex) {
            let mut seen: Vec<(&str, Outcome)> = Vec::new();
            for (label, t) in &loaded {
                let tr = run_trace(t, &from, &to, port)
                    .unwrap_or_else(|e| panic!("{}: {label}: trace {from} -> {to}: {e}", ex.name));
                seen.push((label, outcome(&tr)));
            }
            let native = &seen[0].1;
            if native.verdict == Verdict::Allowed {
                allowed += 1;
            }
            verdicts.insert(format!("{:?}", native.verdict));
            for (label, got) in &seen[1..] {
                assert_eq!(
                    got, native,
                    "{}: {from} -> {to}:{port}: the {label} form differs from the native one",
                    ex.name
                );
            }
        }
        // Every example is built to work: its client reaches the workspace, among others.
        assert!(allowed > 0, "{}: no flow is allowed", ex.name);
    }
    // The flows meet open paths, blocked ones and undecidable ones: the comparison covers
    // every verdict and the hops that decide them.
    assert_eq!(
        verdicts,
        BTreeSet::from(["Allowed", "Denied", "Unknown"].map(String::from))
    );
}

#[test]
fn forms_declare_the_documented_names() {
    for ex in EXAMPLES {
        for (label, path) in forms(ex.name) {
            let t = load(label, &path);
            let ws = t
                .workspaces
                .iter()
                .find(|w| w.name == "ws")
                .unwrap_or_else(|| panic!("{}: {label}: no workspace ws", ex.name));
            assert_eq!(
                ws.public_network_access,
                PublicNetworkAccess::Disabled,
                "{}: {label}",
                ex.name
            );
            assert!(
                t.computes.iter().any(|c| c.name == "cpu-cluster"),
                "{}: {label}: no cpu-cluster",
                ex.name
            );
            assert_eq!(
                t.registries.iter().any(|r| r.name == "contosoreg"),
                ex.registry,
                "{}: {label}: registry contosoreg",
                ex.name
            );
            assert!(
                t.clients.iter().any(|c| c.name == ex.client),
                "{}: {label}: no client {}",
                ex.name,
                ex.client
            );
        }
    }
}

/// Naming the template and its side file (`--with`) reads the same deployment as naming the
/// directory; without the side file, what only it says is missing.
#[test]
fn side_files_apply_through_with_as_through_the_directory() {
    for ex in EXAMPLES {
        for (label, dir) in forms(ex.name).into_iter().skip(1) {
            let input = match label {
                "arm" => dir.join("azuredeploy.json"),
                "live" => dir.join("resources.json"),
                _ => dir.join("main.tf"),
            };
            let side = dir.join("intent.yaml");
            let alone = moat_ingest::load_opts(&input, &moat_ingest::Options::default())
                .unwrap_or_else(|e| panic!("{}: {label}: {}", ex.name, show(&e.diagnostics)))
                .topology;
            assert!(
                !alone.clients.iter().any(|c| c.name == ex.client),
                "{}: {label}: the template alone names no client",
                ex.name
            );
            let opts = moat_ingest::Options {
                overlays: vec![side.clone()],
                ..Default::default()
            };
            let with = moat_ingest::load_opts(&input, &opts)
                .unwrap_or_else(|e| {
                    panic!(
                        "{}: {label} with --with {}: {}",
                        ex.name,
                        side.display(),
                        show(&e.diagnostics)
                    )
                })
                .topology;
            assert_eq!(
                findings(&with),
                findings(&load(label, &dir)),
                "{}: {label}",
                ex.name
            );
        }
    }
}

/// The command line reads a form's directory, side file included.
#[test]
fn cli_checks_a_form_directory() {
    let dir = examples_dir().join("private-registry/arm");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["check", "--format", "json", "--severity", "error"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    // The side file closes the registry's own storage and container registry after deployment
    // (no REG003) and says the workspace shares to the registry (REG004).
    assert!(text.contains("REG004"), "{text}");
    assert!(!text.contains("REG003"), "{text}");
}

/// What `moat show` says of a deployment apart from where things are written: resource counts
/// by kind, external elements, resources that may or may not exist, and each workspace's and
/// registry's posture. (The types present but not modelled are the form's own: a Terraform
/// configuration declares the resource group an ARM template is deployed to.)
fn shown(t: &Topology) -> Vec<String> {
    let inv = moat_report::show::inventory(t, "");
    let mut out: Vec<String> = inv
        .counts
        .iter()
        .map(|c| format!("{} {}", c.kind, c.count))
        .collect();
    out.extend(inv.external.iter().map(|x| format!("external {x}")));
    out.extend(
        inv.may_exist
            .iter()
            .map(|m| format!("may exist {}", m.resource)),
    );
    out.extend(
        inv.workspaces
            .iter()
            .map(|w| serde_json::to_string(w).unwrap()),
    );
    out.extend(
        inv.registries
            .iter()
            .map(|r| serde_json::to_string(r).unwrap()),
    );
    out
}

/// The status of every operation `moat ops` judges, by operation and subject.
fn ops(t: &Topology) -> Vec<String> {
    let e = Engine::for_topology(t, None).expect("engine");
    let variants = moat_model::presence::variants(t);
    let intent = moat_engine::intent::Intent::of(t);
    let mut v: Vec<String> =
        moat_engine::presence::evaluate(&e, &variants, &intent, &Default::default())
            .into_iter()
            .map(|r| format!("{} {}: {:?}", r.op, r.subject, r.status))
            .collect();
    v.sort();
    v
}

/// "Every example in all its forms gives identical show, check, ops and trace results": the
/// inventory `moat show` prints and the status of every operation, beside the findings and
/// traces compared above.
#[test]
fn show_and_ops_agree_in_every_form() {
    for ex in EXAMPLES {
        let mut results = Vec::new();
        for (label, path) in forms(ex.name) {
            let t = load(label, &path);
            results.push((label, shown(&t), ops(&t)));
        }
        let (_, native_show, native_ops) = &results[0];
        assert!(
            native_ops.iter().any(|o| o.contains("workspace/ws")),
            "{}: {native_ops:?}",
            ex.name
        );
        for (label, got_show, got_ops) in &results[1..] {
            assert!(
                minus(native_show, got_show).is_empty() && minus(got_show, native_show).is_empty(),
                "{}: the {label} form's inventory differs from the native one\n  only native: {:?}\n  only {label}: {:?}",
                ex.name,
                minus(native_show, got_show),
                minus(got_show, native_show)
            );
            assert!(
                minus(native_ops, got_ops).is_empty() && minus(got_ops, native_ops).is_empty(),
                "{}: the {label} form's operations differ from the native one\n  only native: {:?}\n  only {label}: {:?}",
                ex.name,
                minus(native_ops, got_ops),
                minus(got_ops, native_ops)
            );
        }
    }
}
