//! `check` never says less than `ops`: on every bundled example, and on variants of each that
//! break it in documented ways, every flow an operation needs and does not get, and every
//! requirement it does not meet, is reported by a finding — the rule that owns the
//! requirement, or the operation's own rule.

use moat_engine::Verdict;
use moat_engine::ops::{Filter, Status, evaluate};
use moat_model::Open;
use moat_model::Topology;
use moat_model::enums::{Access, Direction, PublicNetworkAccess};
use std::path::Path;

fn examples() -> Vec<(String, Topology)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut v: Vec<(String, Topology)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            p.is_dir().then_some(p)
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let loaded = moat_ingest::load(&p, None)
                .unwrap_or_else(|e| panic!("example {name} does not load: {e:?}"));
            (name, loaded.topology)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(v.len() >= 9, "the bundled examples");
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
        out.push((format!("{name} (NSGs deny outbound)"), closed));
    }
    out
}

#[test]
fn check_reports_every_failing_operation_on_every_example() {
    let mut gaps = Vec::new();
    for (name, t) in examples() {
        for (label, t) in variants(&name, &t) {
            let e = moat_engine::Engine::for_topology(&t, None).unwrap();
            let cx = moat_rules::Context::new(&e);
            let findings = moat_rules::check::run(&cx, &Default::default());
            let ops = evaluate(&e, &cx.intent, &Filter::default());
            for r in ops
                .iter()
                .filter(|r| matches!(r.status, Status::Fails | Status::Unknown))
            {
                for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
                    if !findings.iter().any(|x| moat_rules::covers(x, &f.trace)) {
                        gaps.push(format!(
                            "{label}: {} {} flow `{}` is {:?} ({}), and no finding reports it",
                            r.op,
                            r.subject,
                            f.purpose,
                            f.verdict,
                            f.trace
                                .blocked_by
                                .as_ref()
                                .map(|h| h.code.as_str())
                                .unwrap_or("none")
                        ));
                    }
                }
                for q in r.requirements.iter().filter(|q| q.met != Some(true)) {
                    let reported = q
                        .rule
                        .is_some_and(|code| findings.iter().any(|x| x.code == code));
                    if !reported {
                        gaps.push(format!(
                            "{label}: {} {} requirement `{}` ({:?}) is not reported",
                            r.op, r.subject, q.what, q.rule
                        ));
                    }
                }
            }
        }
    }
    assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
}
