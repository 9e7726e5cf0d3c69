//! One finding per cause: when two rules report what one element or one missing piece causes,
//! the rule that names the cause reports it and the other refers to it (`caused_by`, the
//! cause's fingerprint; `related` on the cause). Scenarios from the documents.

use moat_engine::Code;
use moat_rules::check::{Selection, run, summary};
use moat_rules::{Finding, Severity};

fn check(yaml: &str) -> Vec<Finding> {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    run(&cx, &Selection::default())
}

fn of<'a>(v: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    v.iter().filter(|f| f.code == code).collect()
}

/// A secure workspace whose jobs use a public registry, from a cluster whose subnet NSG denies
/// all outbound traffic before anything else.
const PUBLIC_REGISTRY_BEHIND_DENY: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, uses_registries: [contosoreg] }
registries:
  - { name: contosoreg }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: deny-out }
network_security_groups:
  - name: deny-out
    rules:
      - { name: deny-all-out, priority: 100, direction: Outbound, access: Deny }
"#;

#[test]
fn one_nsg_rule_keeping_a_cluster_from_a_public_registry_is_one_finding() {
    // Seed "How to use a registry in a network-isolated workspace", outbound to any registry:
    // "the compute's NSG, routes and firewall must let that traffic out" (REG009). The same
    // deny rule keeps the cluster from the registry's storage (REG001) and container registry
    // (REG002): those repeat REG009's cause.
    let v = check(PUBLIC_REGISTRY_BEHIND_DENY);
    let causes = of(&v, "REG009");
    assert!(!causes.is_empty(), "{v:#?}");
    let fingerprints: Vec<String> = causes.iter().map(|f| f.fingerprint()).collect();
    let repeats: Vec<&Finding> = v
        .iter()
        .filter(|f| matches!(f.code, "REG001" | "REG002"))
        .collect();
    assert!(!repeats.is_empty(), "REG001/REG002 fire too: {v:#?}");
    for r in &repeats {
        let cause = r.caused_by.as_ref().expect("refers to its cause");
        assert!(fingerprints.contains(cause), "{r:#?}");
        let t = r.trace.as_ref().expect("a path finding");
        assert_eq!(
            t.blocked_by().map(|h| h.code),
            Some(Code::NsgOutboundDeny),
            "the same NSG rule decides: {t:#?}"
        );
    }
    assert!(
        causes
            .iter()
            .any(|c| c.related.contains(&"REG001") || c.related.contains(&"REG002")),
        "{causes:#?}"
    );
    // Counted once, with their cause.
    let s = summary(&v);
    assert_eq!(
        s["repeated"],
        v.iter().filter(|f| f.caused_by.is_some()).count(),
        "{s}"
    );
    assert!(causes.iter().all(|c| c.caused_by.is_none()));
}

#[test]
fn different_blocking_elements_are_different_causes() {
    // Not every pair of findings is one cause: the same REG009 with the registry's storage
    // kept out by its own firewall (a different element) is reported on its own.
    let yaml = PUBLIC_REGISTRY_BEHIND_DENY.replace(
        "  - { name: contosoreg }",
        "  - { name: contosoreg, storage: { public_network_access: Disabled } }",
    );
    let yaml = yaml.replace(
        "{ name: deny-all-out, priority: 100, direction: Outbound, access: Deny }",
        "{ name: deny-udp-out, priority: 100, direction: Outbound, access: Deny, protocol: Udp }",
    );
    let v = check(&yaml);
    let reg001 = of(&v, "REG001");
    assert!(!reg001.is_empty(), "{v:#?}");
    for f in reg001 {
        let t = f.trace.as_ref().expect("a path finding");
        assert_eq!(
            t.blocked_by().map(|h| h.code),
            Some(Code::RfPublicDisabled),
            "{t:#?}"
        );
        assert!(f.caused_by.is_none(), "{f:#?}");
    }
}

#[test]
fn no_cluster_is_the_cause_of_no_image_build_compute() {
    // Seed "Secure a workspace with virtual networks", Azure Container Registry: when the
    // registry is behind the VNet, images are built on a compute cluster named as the image
    // build compute (ACR003). Without any cluster (WS006) there is nothing to name: ACR003
    // repeats WS006.
    let v = check(
        r#"
region: eastus
workspaces:
  - { name: ws, container_registry: wsacr }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
"#,
    );
    let ws006 = of(&v, "WS006");
    let acr003 = of(&v, "ACR003");
    assert_eq!((ws006.len(), acr003.len()), (1, 1), "{v:#?}");
    assert_eq!(
        acr003[0].caused_by.as_deref(),
        Some(ws006[0].fingerprint().as_str())
    );
    assert_eq!(ws006[0].related, vec!["ACR003"]);
}

#[test]
fn a_workspace_without_endpoint_is_why_no_client_reaches_it() {
    // Seed "Configure a private endpoint", remove a private endpoint: a workspace with public
    // access disabled and no private endpoint answers nobody (WS004, info); that is why the
    // client cannot reach it (WS001, error). One finding, as serious as its worst effect.
    let v = check(
        r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
clients:
  - { name: alice, location: internet }
"#,
    );
    let ws004 = of(&v, "WS004");
    let ws001 = of(&v, "WS001");
    assert_eq!((ws004.len(), ws001.len()), (1, 1), "{v:#?}");
    assert_eq!(
        ws001[0].caused_by.as_deref(),
        Some(ws004[0].fingerprint().as_str())
    );
    assert_eq!(ws004[0].related, vec!["WS001"]);
    assert_eq!(ws004[0].severity, Severity::Error);
    let s = summary(&v);
    assert_eq!(s["repeated"], 1);
}

#[test]
fn a_suppressed_cause_leaves_its_repeats_standing() {
    // A finding a tag suppresses is not shown; what repeats it is then the one reported.
    let v = check(
        r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, tags: { "moat:ignore:WS004": "endpoints come later" } }
clients:
  - { name: alice, location: internet }
"#,
    );
    let ws001 = of(&v, "WS001");
    assert_eq!(ws001.len(), 1, "{v:#?}");
    assert!(ws001[0].caused_by.is_none(), "{v:#?}");
}

#[test]
fn rewording_a_hop_never_changes_what_is_one_cause() {
    // One finding per cause is decided on the blocking hop as data (its kind, code, subject,
    // deciding NSG rule, resources and location), never on its words: the same NSG rule
    // reworded is still one cause, and a different rule reading the same is not.
    let mut v = check(PUBLIC_REGISTRY_BEHIND_DENY);
    for f in &mut v {
        f.caused_by = None;
        f.related.clear();
        if f.code == "REG001"
            && let Some(b) = f
                .trace
                .as_mut()
                .and_then(|t| std::sync::Arc::make_mut(t).blocked_by_mut())
        {
            b.element = "a reworded element".into();
            b.detail = "a reworded detail".into();
        }
    }
    moat_rules::cause::link(&mut v);
    let reg001 = of(&v, "REG001");
    assert!(!reg001.is_empty());
    assert!(reg001.iter().all(|f| f.caused_by.is_some()), "{v:#?}");
    // Another deciding rule (a different priority) with the words unchanged: not one cause.
    for f in &mut v {
        f.caused_by = None;
        f.related.clear();
        if f.code == "REG001"
            && let Some(b) = f
                .trace
                .as_mut()
                .and_then(|t| std::sync::Arc::make_mut(t).blocked_by_mut())
            && let Some(r) = b.nsg_rule.as_mut().map(std::sync::Arc::make_mut)
        {
            r.priority = r.priority.map(|p| p + 1);
        }
    }
    moat_rules::cause::link(&mut v);
    assert!(
        of(&v, "REG001").iter().all(|f| f.caused_by.is_none()),
        "{v:#?}"
    );
}

/// Linking causes looks them up: an estate of many computes, each kept from a public registry
/// by its own NSG rule, gives as many REG009 causes and REG001/REG002 repeats. Comparing every
/// repeat with every cause (the scan this replaced) would make 20,000 × 20,000 hop
/// comparisons here, minutes of work; each repeat is still linked to its own source's cause.
#[test]
fn linking_causes_compares_a_repeat_only_with_causes_from_its_source() {
    const COPIES: usize = 20_000;
    let one = check(PUBLIC_REGISTRY_BEHIND_DENY);
    let linked: Vec<&Finding> = one
        .iter()
        .filter(|f| matches!(f.code, "REG009" | "REG001" | "REG002"))
        .collect();
    assert!(linked.len() >= 2, "{one:#?}");
    let mut v = Vec::with_capacity(COPIES * linked.len());
    for k in 0..COPIES {
        for f in &linked {
            let mut f = (*f).clone();
            f.caused_by = None;
            f.related.clear();
            f.resource = format!("{}#{k}", f.resource);
            if let Some(t) = f.trace.as_mut() {
                std::sync::Arc::make_mut(t).from = moat_model::address::Address::Subnet {
                    vnet: "vnet".into(),
                    subnet: format!("training{k}"),
                };
            }
            v.push(f);
        }
    }
    moat_rules::cause::link(&mut v);
    // The causes of each copy (a compute kept from several tags gives several REG009).
    let mut causes: std::collections::HashMap<&str, Vec<String>> = Default::default();
    for c in v.iter().filter(|c| c.code == "REG009") {
        let k = c.resource.rsplit('#').next().unwrap();
        causes.entry(k).or_default().push(c.fingerprint());
    }
    assert_eq!(causes.len(), COPIES);
    for f in v.iter().filter(|f| f.code != "REG009") {
        let k = f.resource.rsplit('#').next().unwrap();
        let cause = f.caused_by.as_ref().expect("refers to its cause");
        assert!(causes[k].contains(cause), "{f:#?}");
    }
}
