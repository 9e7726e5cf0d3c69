//! `check` never says less than `ops`: on every bundled example, and on variants of each that
//! break it in documented ways, every flow an operation needs and does not get, and every
//! requirement it does not meet, is reported by a finding — the rule that owns the
//! requirement, or the operation's own rule.

use moat_engine::Verdict;
use moat_engine::ops::{Filter, Status};
use moat_model::Open;
use moat_model::Topology;
use moat_model::enums::{Access, Direction, PublicNetworkAccess};
use std::path::Path;

/// The forms each bundled example is written in: the native file at its root, and the ARM
/// template, Terraform configuration and live export in their folders (with the intent that
/// sits next to each).
const FORMS: &[&str] = &["", "arm", "terraform", "live"];

fn examples() -> Vec<(String, Topology)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            p.is_dir().then_some(p)
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 9, "the bundled examples");
    let mut v = Vec::new();
    for p in dirs {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        for form in FORMS {
            let at = p.join(form);
            if !at.exists() {
                continue;
            }
            let label = if form.is_empty() {
                name.clone()
            } else {
                format!("{name}/{form}")
            };
            let loaded = moat_ingest::load(&at, None)
                .unwrap_or_else(|e| panic!("example {label} does not load: {e:?}"));
            v.push((label, loaded.topology));
        }
    }
    assert!(
        v.len() >= 36,
        "every example in its four forms: {}",
        v.len()
    );
    v
}

/// Documented ways to break a deployment: the workspace goes private without its DNS zones
/// linked; every subnet's NSG denies all outbound first.
fn variants(name: &str, t: &Topology) -> Vec<(String, Topology)> {
    let mut out = vec![(name.to_string(), t.clone())];
    let mut private = t.clone();
    for w in &mut private.workspaces {
        w.public_network_access = PublicNetworkAccess::Disabled;
    }
    for e in &mut private.online_endpoints {
        e.public_network_access = PublicNetworkAccess::Disabled;
    }
    for z in &mut private.private_dns_zones {
        z.vnet_links.clear();
    }
    out.push((format!("{name} (private, zones unlinked)"), private));
    // Requirements that are not flows (seed 000, seed 002): a container registry behind the
    // VNet with images built by serverless compute (ACR003), a build compute that does not
    // exist (ACR008), components shared to a registry (REG006) from storage whose public
    // access is disabled (REG005), registry models deployed with egress open (REG010).
    let mut broken = t.clone();
    for a in &mut broken.container_registries {
        a.public_network_access = PublicNetworkAccess::Disabled;
    }
    for (i, w) in broken.workspaces.iter_mut().enumerate() {
        w.public_network_access = PublicNetworkAccess::Disabled;
        w.image_build_compute = (i % 2 == 1).then(|| "no-such-compute".to_string());
        for s in &mut w.shares_to {
            s.assets.push(moat_model::ml::AssetKind::Component);
        }
    }
    let shared: Vec<String> = broken
        .workspaces
        .iter()
        .filter(|w| !w.shares_to.is_empty())
        .filter_map(|w| w.storage_account.clone())
        .collect();
    for s in &mut broken.storage_accounts {
        if shared.contains(&s.name) {
            s.public_network_access = PublicNetworkAccess::Disabled;
        }
    }
    for e in &mut broken.online_endpoints {
        for d in &mut e.deployments {
            d.egress_public_network_access = PublicNetworkAccess::Enabled;
        }
    }
    out.push((format!("{name} (requirements broken)"), broken));
    if let Some(template) = t
        .network_security_groups
        .iter()
        .flat_map(|n| n.rules.iter())
        .next()
        .cloned()
    {
        let mut closed = t.clone();
        for n in &mut closed.network_security_groups {
            let mut r = template.clone();
            r.name = "DenyAllOutboundFirst".into();
            r.priority = Open::Known(100);
            r.direction = Open::Known(Direction::Outbound);
            r.access = Open::Known(Access::Deny);
            r.protocol = moat_model::enums::NsgProtocol::Any;
            r.source = vec![moat_model::values::AddressPrefix::Any];
            r.destination = vec![moat_model::values::AddressPrefix::Any];
            r.source_ports = vec![moat_model::values::PortRange::ANY];
            r.destination_ports = vec![moat_model::values::PortRange::ANY];
            n.rules.retain(|x| x.priority != Open::Known(100));
            n.rules.push(r);
        }
        // The same rule with an access the input leaves open: every flow it matches may be
        // allowed or denied, so the operations that need one are undecided, and check must
        // say so as well.
        let mut open = closed.clone();
        for n in &mut open.network_security_groups {
            for r in &mut n.rules {
                if r.name == "DenyAllOutboundFirst" {
                    r.access = Open::Unknown;
                }
            }
        }
        out.push((format!("{name} (NSGs deny outbound)"), closed));
        out.push((format!("{name} (NSG outbound access open)"), open));
    }
    out
}

/// Whether a finding is established: nothing it needs is open and its flow is decided (the
/// certainty `check` reports).
fn decided(f: &moat_rules::Finding) -> bool {
    f.needs.is_empty()
        && f.trace
            .as_ref()
            .is_none_or(|t| t.verdict != Verdict::Unknown)
}

/// What `check` says less surely, or not at all, than `ops` on one deployment, as `moat`
/// runs them: both over the deployment's may-exist variants.
fn disagreements(label: &str, t: &Topology, seen: &mut Seen) -> Vec<String> {
    let mut gaps = Vec::new();
    let e = moat_engine::Engine::for_topology(t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    let variants = moat_model::presence::variants(t);
    let findings = moat_rules::check::run_variants(&cx, &variants, &Default::default());
    let ops = moat_engine::presence::evaluate(&e, &variants, &cx.intent, &Filter::default());
    for r in ops
        .iter()
        .filter(|r| matches!(r.status, Status::Fails | Status::Unknown))
    {
        for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
            seen.count(f.verdict == Verdict::Denied);
            let covering: Vec<_> = findings
                .iter()
                .filter(|x| moat_rules::covers(x, &f.trace))
                .collect();
            let code = f
                .trace
                .blocked_by()
                .map(|h| h.code.as_str())
                .unwrap_or("none");
            let sure = f.verdict == Verdict::Denied;
            if covering.is_empty() {
                gaps.push(format!(
                    "{label}: {} {} flow `{}` is {:?} ({code}), and no finding reports it",
                    r.op, r.subject, f.purpose, f.verdict
                ));
            } else if !covering.iter().any(|x| decided(x) == sure) {
                gaps.push(format!(
                    "{label}: {} {} flow `{}` is {:?} ({code}), but {} report(s) it {}",
                    r.op,
                    r.subject,
                    f.purpose,
                    f.verdict,
                    covering
                        .iter()
                        .map(|x| x.code)
                        .collect::<Vec<_>>()
                        .join(", "),
                    if sure { "undecided" } else { "as decided" }
                ));
            }
        }
        for q in r.requirements.iter().filter(|q| q.met != Some(true)) {
            let sure = q.met == Some(false);
            seen.count(sure);
            seen.requirements += 1;
            let by_rule: Vec<_> = findings
                .iter()
                .filter(|x| q.rule.is_some_and(|c| x.code == c.as_str()))
                .collect();
            if by_rule.is_empty() {
                gaps.push(format!(
                    "{label}: {} {} requirement `{}` ({:?}) is not reported",
                    r.op, r.subject, q.what, q.rule
                ));
            } else if !by_rule.iter().any(|x| decided(x) == sure) {
                gaps.push(format!(
                    "{label}: {} {} requirement `{}` is {}, but {:?} reports it {} ({:?})",
                    r.op,
                    r.subject,
                    q.what,
                    if sure { "unmet" } else { "undecided" },
                    q.rule,
                    if sure { "undecided" } else { "as decided" },
                    by_rule
                        .iter()
                        .map(|x| (&x.needs, x.trace.as_ref().map(|t| &t.missing)))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    gaps
}

/// How much of `ops`' failing and unknown results the comparison met: a comparison over
/// nothing proves nothing.
#[derive(Default, Debug)]
struct Seen {
    denied: usize,
    unknown: usize,
    requirements: usize,
}

impl Seen {
    fn count(&mut self, sure: bool) {
        if sure {
            self.denied += 1;
        } else {
            self.unknown += 1;
        }
    }
}

#[test]
fn check_reports_every_failing_operation_on_every_example() {
    let mut gaps = Vec::new();
    let mut seen = Seen::default();
    for (name, t) in examples() {
        for (label, t) in variants(&name, &t) {
            gaps.extend(disagreements(&label, &t, &mut seen));
        }
    }
    assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
    assert!(
        seen.denied > 0 && seen.unknown > 0 && seen.requirements > 0,
        "the examples and their variants exercise failing, unknown and requirement results: {seen:?}"
    );
    eprintln!("compared: {seen:?}");
}
