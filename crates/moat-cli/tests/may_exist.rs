//! Resources that may or may not be deployed: a Terraform `count` or an ARM `condition` that
//! the input leaves unknown. Such a resource is imported and listed as may-exist, never
//! dropped (absent is a default too) and never taken for granted: a finding or verdict that
//! depends on it is undecided, one that does not stays decided.

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_packets::Protocol;
use moat_rules::Finding;
use moat_rules::check::{Selection, run_variants};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/may_exist")
        .join(rel)
}

fn load(path: &Path, opts: &moat_ingest::Options) -> Topology {
    moat_ingest::load_opts(path, opts)
        .unwrap_or_else(|e| panic!("{}: {:#?}", path.display(), e.diagnostics))
        .topology
}

/// A TCP question from `from` to `to` on `port`.
fn tcp(from: &str, to: &str, port: u16) -> Query {
    Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port,
    }
}

fn check(t: &Topology) -> Vec<Finding> {
    let e = Engine::for_topology(t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let variants = moat_model::presence::variants(t);
    run_variants(&cx, &variants, &Selection::default())
}

fn find<'a>(fs: &'a [Finding], code: &str) -> Option<&'a Finding> {
    fs.iter().find(|f| f.code == code)
}

fn tf_with(var: Option<&str>) -> Topology {
    let mut opts = moat_ingest::Options::default();
    if let Some(v) = var {
        opts.vars.push(("enable_cluster".into(), v.into()));
    }
    load(&data("terraform"), &opts)
}

/// Issue: "`count = var.enable_cluster ? 1 : 0` with the variable unset makes the resource
/// absent, and ACR008 and WS006 report errors about a cluster that may well exist."
/// facts §6.45: a registry behind a VNet cannot build images; a compute cluster named in
/// `image_build_compute` must build them, and "must exist before builds" (§6.46).
#[test]
fn an_unknown_count_makes_the_cluster_may_exist_and_its_absence_undecided() {
    let t = tf_with(None);
    assert!(
        t.computes.iter().any(|c| c.name == "cpu"),
        "the cluster is imported"
    );
    assert_eq!(t.may_exist.len(), 1, "{:#?}", t.may_exist);
    let m = &t.may_exist[0];
    assert_eq!(m.resource, "azurerm_machine_learning_compute_cluster.cpu");
    assert!(m.reason.contains("enable_cluster"), "{}", m.reason);

    let fs = check(&t);
    for code in ["ACR008", "WS006"] {
        let f = find(&fs, code).unwrap_or_else(|| panic!("{code} is reported, undecided"));
        assert!(
            f.needs
                .iter()
                .any(|n| n.contains("azurerm_machine_learning_compute_cluster.cpu")),
            "{code} says what it depends on: {:?}",
            f.needs
        );
    }
}

/// The same configuration with the variable given: the cluster exists or not, and the
/// findings about its absence are decided either way.
#[test]
fn a_known_count_decides() {
    let off = tf_with(Some("false"));
    assert!(off.may_exist.is_empty());
    assert!(!off.computes.iter().any(|c| c.name == "cpu"));
    let fs = check(&off);
    for code in ["ACR008", "WS006"] {
        let f = find(&fs, code).unwrap_or_else(|| panic!("{code} without the cluster"));
        assert!(f.needs.is_empty(), "{code} is decided: {:?}", f.needs);
    }

    let on = tf_with(Some("true"));
    assert!(on.may_exist.is_empty());
    let fs = check(&on);
    assert!(find(&fs, "ACR008").is_none() && find(&fs, "WS006").is_none());
    // A finding about the cluster itself holds whenever the cluster is deployed: with an
    // unknown count it is reported, decided, about the cluster.
    let public_ip = find(&fs, "CMP004").map(|f| f.resource.clone());
    assert_eq!(
        public_ip.as_deref(),
        Some("compute/cpu"),
        "the cluster has a public IP"
    );
    let open = check(&tf_with(None));
    assert_eq!(
        find(&open, "CMP004").map(|f| (f.resource.clone(), f.needs.is_empty())),
        public_ip.map(|r| (r, true)),
    );
}

/// The ARM form of a private workspace whose private endpoint is deployed on a condition that
/// cannot be evaluated: seed "Configure a private endpoint": with public network access
/// disabled, clients reach the workspace only through its private endpoint. Whether the
/// jump box reaches the workspace therefore depends on the endpoint: unknown, never allowed.
#[test]
fn a_flow_through_a_may_exist_private_endpoint_is_unknown() {
    let dir = conditional_copy(
        "workspace-private-endpoint",
        &["ws-pe", "ws-pe/default"],
        "deployWorkspaceEndpoint",
    );
    let t = load(&dir, &moat_ingest::Options::default());
    assert_eq!(t.may_exist.len(), 2, "{:#?}", t.may_exist);
    assert!(t.private_endpoints.iter().any(|p| p.name == "ws-pe"));

    let e = Engine::for_topology(&t, None).unwrap();
    let variants = moat_model::presence::variants(&t);
    assert_eq!(variants.len(), 1, "one group: one shared condition");
    let q = tcp("client/datasci", "workspace/ws", 443);
    let as_written = moat_engine::trace::trace(&e, &q).unwrap();
    assert_eq!(as_written.verdict, Verdict::Allowed, "through the endpoint");
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().any(|m| m.contains("ws-pe")),
        "{:?}",
        tr.missing
    );
    // A flow that does not use the endpoint stays decided.
    let q = tcp("compute/cpu-cluster", "keyvault/wskv", 443);
    let plain = moat_engine::trace::trace(&e, &q).unwrap().verdict;
    assert_eq!(
        moat_engine::presence::trace(&e, &variants, &q)
            .unwrap()
            .verdict,
        plain
    );
}

/// A copy loop whose count is unknown imports one instance standing for all of them, which may
/// or may not be deployed, with an unknown copy index: here the private DNS zones, whose names
/// come from `copyIndex()`. Seed "Configure a private endpoint": clients resolve the workspace
/// through the `privatelink.api.azureml.ms` zone linked to their VNet; with the zones unknown,
/// so is the flow: a zone of unknown name linked to the VNet may be the one that holds it.
#[test]
fn a_copy_loop_with_an_unknown_count_imports_one_may_exist_instance() {
    let dir = conditional_copy("workspace-private-endpoint", &[], "unused");
    let path = dir.join("azuredeploy.json");
    let mut tpl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tpl["parameters"]["zoneCount"] = serde_json::json!({ "type": "int" });
    let mut loops = 0;
    for r in tpl["resources"].as_array_mut().unwrap() {
        if r["type"] == "Microsoft.Network/privateDnsZones"
            || r["type"] == "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
        {
            r["copy"]["count"] = "[parameters('zoneCount')]".into();
            loops += 1;
        }
    }
    assert_eq!(loops, 2, "the zones and their links");
    std::fs::write(&path, serde_json::to_string_pretty(&tpl).unwrap()).unwrap();
    let t = load(&dir, &moat_ingest::Options::default());
    assert_eq!(t.may_exist.len(), 2, "{:#?}", t.may_exist);
    assert!(
        t.may_exist.iter().all(|m| m.reason.contains("copy count")),
        "{:#?}",
        t.may_exist
    );

    let e = Engine::for_topology(&t, None).unwrap();
    let variants = moat_model::presence::variants(&t);
    let q = tcp("client/datasci", "workspace/ws", 443);
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
}

/// Removing a may-exist subnet removes what sits in it: Azure deploys no private endpoint into
/// a subnet that is not deployed.
#[test]
fn what_sits_in_a_missing_element_goes_with_it() {
    let t = load(
        &data("../../../../../examples/workspace-private-endpoint/topology.yaml"),
        &moat_ingest::Options::default(),
    );
    let pe = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "ws-pe")
        .expect("ws-pe");
    let (vnet, subnet) = pe.subnet.split_once('/').expect("vnet/subnet");
    let v = t
        .virtual_networks
        .iter()
        .find(|v| v.name == vnet)
        .expect("vnet");
    let s = v.subnets.iter().find(|s| s.name == subnet).expect("subnet");
    let (without, dependents) = moat_model::presence::without(&t, &[&s.at]);
    assert!(dependents > 0);
    assert!(!without.private_endpoints.iter().any(|p| p.name == "ws-pe"));
    assert!(moat_model::validate(&without).is_empty(), "consistent");
    assert_eq!(without.workspaces.len(), t.workspaces.len());
}

/// A copy of an example's ARM form whose resources named in `names` are deployed only if the
/// parameter `param`, left without a value, is true.
fn conditional_copy(example: &str, names: &[&str], param: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example)
        .join("arm");
    let dst = std::env::temp_dir().join(format!(
        "moat-may-exist-{example}-{param}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dst);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    let path = dst.join("azuredeploy.json");
    let mut tpl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tpl["parameters"][param] = serde_json::json!({ "type": "bool" });
    let mut hit = 0;
    for r in tpl["resources"].as_array_mut().unwrap() {
        if names.contains(&r["name"].as_str().unwrap_or("")) {
            r["condition"] = format!("[parameters('{param}')]").into();
            hit += 1;
        }
    }
    assert_eq!(hit, names.len(), "every named resource is in the template");
    if names.is_empty() {
        return dst;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&tpl).unwrap()).unwrap();
    dst
}

/// ARM "Conditional deployment": a security rule of the training subnet's NSG, denying TCP
/// 443 to the private endpoints' subnet, is deployed only if a parameter without value says
/// so. Job runs fail either way (the subnet has no way to the internet), but the default
/// storage's blob endpoint is blocked only with the rule: that flow, and the finding about it,
/// are undecided, while the operation's failure and the other flows' stay decided.
#[test]
fn a_flow_blocked_only_by_a_may_exist_rule_is_undecided_in_a_failing_operation() {
    let t = load(
        &data("arm/conditional-rule.json"),
        &moat_ingest::Options::default(),
    );
    assert_eq!(t.may_exist.len(), 1, "{:#?}", t.may_exist);
    let blob = |f: &&Finding| {
        f.code == "OPS001"
            && f.trace
                .as_ref()
                .is_some_and(|t| t.to.to_string() == "storage/wsdata:blob")
    };
    let file = |f: &&Finding| {
        f.code == "OPS001"
            && f.trace
                .as_ref()
                .is_some_and(|t| t.to.to_string() == "storage/wsdata:file")
    };
    let fs = check(&t);
    let b = fs.iter().find(blob).expect("the blob flow's finding");
    assert!(
        b.needs.iter().any(|n| n.contains("deny-storage")),
        "{:#?}",
        b.needs
    );
    let f = fs.iter().find(file).expect("the file share's finding");
    assert!(f.needs.is_empty(), "{:#?}", f.needs);

    let e = Engine::for_topology(&t, None).unwrap();
    let variants = moat_model::presence::variants(&t);
    let ops = moat_engine::presence::evaluate(
        &e,
        &variants,
        &moat_engine::intent::Intent::of(&t),
        &moat_engine::ops::Filter::default(),
    );
    let run = ops
        .iter()
        .find(|r| r.op.to_string() == "job.run")
        .expect("job.run");
    assert_eq!(run.status, moat_engine::ops::Status::Fails);
    let verdict = |to: &str| {
        run.flows
            .iter()
            .find(|f| f.trace.to.to_string() == to)
            .map(|f| (f.verdict, f.trace.verdict))
    };
    assert_eq!(
        verdict("storage/wsdata:blob"),
        Some((Verdict::Unknown, Verdict::Unknown))
    );
    assert_eq!(
        verdict("storage/wsdata:file"),
        Some((Verdict::Denied, Verdict::Denied))
    );
}

/// Three security rules, each deployed on its own condition the template leaves open: two
/// allow SMB to the endpoints' subnet (priorities 200 and 210) and one denies it (220). Seed
/// "Network security groups": rules are processed in priority order and processing stops at the
/// first match. With both allow rules absent and the deny rule deployed, SMB is denied; in every
/// deployment where one group alone is absent, or all are, it is allowed. The flow is therefore
/// unknown: deciding it from each group absent alone would say allowed.
#[test]
fn a_flow_two_absent_groups_decide_is_unknown() {
    let t = load(
        &data("arm/three-conditional-rules.json"),
        &moat_ingest::Options::default(),
    );
    assert_eq!(t.may_exist.len(), 3, "{:#?}", t.may_exist);
    let variants = moat_model::presence::variants(&t);
    assert_eq!(variants.len(), 7, "every combination of three groups");
    let e = Engine::for_topology(&t, None).unwrap();
    let q = tcp("compute/cpu", "storage/wsdata:file", 445);
    assert_eq!(
        moat_engine::trace::trace(&e, &q).unwrap().verdict,
        Verdict::Allowed,
        "as written, the first allow rule matches"
    );
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing
            .iter()
            .any(|m| m.contains("allow-smb-first") && m.contains("allow-smb-second")),
        "{:?}",
        tr.missing
    );
}

/// Two rules whose `count` depends on one unset variable through different conditions
/// (`var.mode == "open"`, `var.mode == "strict"`): they do not exist together, so they are two
/// groups, not one. Seed "Network security groups": the first matching rule by priority
/// decides. With only the deny rule deployed SMB is denied, with only the allow rule it is
/// allowed: the flow is unknown. Taken as one group, only "both" (allowed) and "neither"
/// (allowed by the default rule) were analysed, and the flow was decided allowed.
#[test]
fn conditions_on_one_variable_that_exclude_each_other_are_groups_of_their_own() {
    let t = load(
        &data("terraform-exclusive"),
        &moat_ingest::Options::default(),
    );
    assert_eq!(t.may_exist.len(), 2, "{:#?}", t.may_exist);
    assert_ne!(t.may_exist[0].reason, t.may_exist[1].reason);
    let variants = moat_model::presence::variants(&t);
    let e = Engine::for_topology(&t, None).unwrap();
    let q = tcp("subnet/vnet/training", "ip:10.0.3.10", 445);
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    // Only what changes the verdict is named: without the allow rule, the deny rule decides.
    assert_eq!(tr.missing.len(), 1, "{:?}", tr.missing);
    assert!(tr.missing[0].contains("allow_smb"), "{:?}", tr.missing);
}

/// The three rules of `a_flow_two_absent_groups_decide_is_unknown`, and four more allow rules
/// on other ports, each on a condition of its own: seven groups. As written and without all
/// rules, SMB is allowed (by the first rule, and by the default rules); with only the deny
/// rule deployed it is denied (seed "Network security groups": the first matching rule by
/// priority decides), a combination of two groups absent. The template is small, so its 127
/// combinations are all analysed: the flow is unknown and names the two allow rules whose
/// absence denies it, and what no rule can change (the workspace's public access, SEC001)
/// stays decided.
#[test]
fn seven_groups_of_a_small_deployment_are_all_combined() {
    let path = data("arm/seven-conditional-rules.json");
    let t = load(&path, &moat_ingest::Options::default());
    assert_eq!(t.may_exist.len(), 7, "{:#?}", t.may_exist);
    assert!(moat_model::presence::max_variants(&t) >= 127);
    let variants = moat_model::presence::variants(&t);
    assert_eq!(variants.len(), 127);
    assert!(moat_model::presence::unexplored(&variants).is_none());
    let e = Engine::for_topology(&t, None).unwrap();
    let q = tcp("compute/cpu", "storage/wsdata:file", 445);
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().all(|m| !m.contains("give them values")),
        "{:?}",
        tr.missing
    );
    assert!(
        tr.missing
            .iter()
            .any(|m| m.contains("allow-smb-first") && m.contains("allow-smb-second")),
        "{:?}",
        tr.missing
    );
    let findings = check(&t);
    let sec001 = findings
        .iter()
        .find(|f| f.code == "SEC001" && f.resource == "workspace/ws")
        .expect("SEC001 on the public workspace");
    assert!(sec001.decided(), "{sec001:#?}");
    let st008 = findings
        .iter()
        .find(|f| f.code == "ST008")
        .expect("ST008 on the file share");
    assert!(!st008.decided(), "{st008:#?}");
}

/// The seven rules of `seven_groups_of_a_small_deployment_are_all_combined` and four more
/// allow rules on conditions of their own: eleven groups, 2,047 combinations, more than are
/// analysed on any deployment. No combination analysed need show the one that denies SMB,
/// so nothing may be decided: not the flow, not the operation that needs it, not a finding.
/// Given values for eight of the conditions, three groups are left and the flow is unknown
/// for the combination that decides it.
#[test]
fn past_the_combinations_analysed_nothing_is_decided() {
    let path = data("arm/eleven-conditional-rules.json");
    let t = load(&path, &moat_ingest::Options::default());
    assert_eq!(t.may_exist.len(), 11, "{:#?}", t.may_exist);
    let variants = moat_model::presence::variants(&t);
    let e = Engine::for_topology(&t, None).unwrap();
    let q = tcp("compute/cpu", "storage/wsdata:file", 445);
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing
            .iter()
            .any(|m| m.contains("and 9 more are deployed (11 groups)")
                && m.contains("give them values")),
        "{:?}",
        tr.missing
    );
    let ops = moat_engine::presence::evaluate(
        &e,
        &variants,
        &moat_engine::intent::Intent::of(&t),
        &moat_engine::ops::Filter::default(),
    );
    assert!(!ops.is_empty());
    for r in &ops {
        assert!(
            matches!(
                r.status,
                moat_engine::ops::Status::Unknown | moat_engine::ops::Status::NotApplicable
            ),
            "{} {}: {:?}",
            r.op,
            r.subject,
            r.status
        );
        assert!(r.flows.iter().all(|f| f.verdict == Verdict::Unknown));
    }
    let findings = check(&t);
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| !f.decided()), "{findings:#?}");

    let given = moat_ingest::Options {
        parameter_values: (1..=8)
            .map(|i| (format!("allowTool{i}"), "true".to_string()))
            .collect(),
        ..Default::default()
    };
    let t = load(&path, &given);
    assert_eq!(t.may_exist.len(), 3, "{:#?}", t.may_exist);
    let variants = moat_model::presence::variants(&t);
    let e = Engine::for_topology(&t, None).unwrap();
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing.iter().all(|m| !m.contains("give them values")),
        "{:?}",
        tr.missing
    );
    assert!(
        tr.missing
            .iter()
            .any(|m| m.contains("allow-smb-first") && m.contains("allow-smb-second")),
        "{:?}",
        tr.missing
    );
}

/// The deployment's size bounds the combinations analysed: 63 on any deployment, more on a
/// small one (the seven rules' template: at least the 127 of its seven groups), never more
/// than 1,023.
#[test]
fn the_combinations_analysed_grow_only_on_small_deployments() {
    let small = load(
        &data("arm/seven-conditional-rules.json"),
        &moat_ingest::Options::default(),
    );
    let cap = moat_model::presence::max_variants(&small);
    assert!(
        (127..=moat_model::presence::MOST_VARIANTS).contains(&cap),
        "{cap}"
    );
    let mut large = small.clone();
    let nsg = large.network_security_groups[0].clone();
    for i in 0..200 {
        let mut n = nsg.clone();
        n.name = format!("nsg-{i}");
        large.network_security_groups.push(n);
    }
    assert_eq!(
        moat_model::presence::max_variants(&large),
        moat_model::presence::MAX_VARIANTS
    );
}

/// A private endpoint whose target is a parameter without value, and an allow rule for HTTPS
/// to the endpoints' subnet on a condition the template leaves open, above a rule denying that
/// subnet. Storage takes public traffic. Seed "Network security groups": the first matching
/// rule by priority decides; seed "Configure private endpoints": a private endpoint's zone
/// group makes the resource's name resolve to the endpoint's address. If the endpoint connects
/// elsewhere, the name resolves publicly and the flow is allowed; if it connects to the
/// account with the allow rule deployed, it is allowed privately; only with the endpoint on
/// the account and without the allow rule is it denied. Each open value varied alone says
/// allowed: the two must be varied together, and the flow is unknown.
#[test]
fn open_values_and_groups_are_varied_together() {
    let t = load(
        &data("arm/open-target-and-conditional-rule.json"),
        &moat_ingest::Options::default(),
    );
    assert_eq!(t.may_exist.len(), 1, "{:#?}", t.may_exist);
    let variants = moat_model::presence::variants(&t);
    assert_eq!(variants.len(), 3, "{variants:#?}");
    assert!(moat_model::presence::unexplored(&variants).is_none());
    let e = Engine::for_topology(&t, None).unwrap();
    let q = tcp("compute/cpu", "storage/wsdata:blob", 443);
    assert_eq!(
        moat_engine::trace::trace(&e, &q).unwrap().verdict,
        Verdict::Allowed,
        "as written, the endpoint connects outside and the name resolves publicly"
    );
    let tr = moat_engine::presence::trace(&e, &variants, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert_eq!(tr.missing.len(), 1, "{:?}", tr.missing);
    assert!(
        tr.missing[0].ends_with(
            "if `nsg-rule/training-nsg/allow-endpoint-https` is not deployed and private endpoint `st-blob` connects to storage/wsdata the flow is denied"
        ),
        "{:?}",
        tr.missing
    );
}

/// A workspace deployed on a condition the template leaves open, with no client location
/// declared. Where it is deployed, studio has no one to serve and does not apply; where it is
/// not, there is no studio to open. Every deployment gives the same answer, so the operation is
/// decided "not applicable", not unknown for want of the condition; the image build, which
/// works where the workspace exists, is decided by those deployments.
#[test]
fn an_operation_that_applies_nowhere_stays_not_applicable_when_its_subject_may_not_exist() {
    use moat_engine::ops::Status;
    let t = load(
        &data("arm/conditional-workspace.json"),
        &moat_ingest::Options::default(),
    );
    assert_eq!(t.may_exist.len(), 1, "{:#?}", t.may_exist);
    assert_eq!(t.may_exist[0].resource, "workspace/ws");
    let e = Engine::for_topology(&t, None).unwrap();
    let variants = moat_model::presence::variants(&t);
    let ops = moat_engine::presence::evaluate(
        &e,
        &variants,
        &moat_engine::intent::Intent::of(&t),
        &moat_engine::ops::Filter::default(),
    );
    let status = |op: &str| {
        ops.iter()
            .find(|r| r.op.to_string() == op)
            .map(|r| (r.status, r.notes.clone()))
            .unwrap_or_else(|| panic!("{op}"))
    };
    let (studio, notes) = status("studio.open");
    assert_eq!(studio, Status::NotApplicable, "{notes:#?}");
    assert!(
        !notes.iter().any(|n| n.contains("has no subject")),
        "{notes:#?}"
    );
    let (build, notes) = status("image.build");
    assert_eq!(build, Status::Works, "{notes:#?}");
    assert!(
        notes.iter().any(|n| n.contains("performed only")),
        "{notes:#?}"
    );
}

/// With two dimensions left open (whether an allow rule is deployed, what a private endpoint
/// connects to), a variant fixes some of them and leaves the rest as written: it shows that
/// the finding holds with its values, not that it holds only with them (another combination
/// may give it too). The note says what the variant shows, and no more; with one dimension,
/// "only if" stays (`a_flow_two_absent_groups_decide_is_unknown` and the open settings
/// tests).
#[test]
fn a_note_of_several_dimensions_says_only_what_its_variant_shows() {
    let t = load(
        &data("arm/open-target-and-conditional-rule.json"),
        &moat_ingest::Options::default(),
    );
    let variants = moat_model::presence::variants(&t);
    assert!(!moat_model::presence::one_dimension(&variants));
    let findings = check(&t);
    let needs: Vec<&String> = findings.iter().flat_map(|f| &f.needs).collect();
    assert!(!needs.is_empty());
    assert!(
        needs.iter().all(|n| !n.contains("holds only if")),
        "{needs:#?}"
    );
    assert!(
        needs
            .iter()
            .any(|n| n.contains("the finding holds if") && n.contains("the rest as written")),
        "{needs:#?}"
    );
}
