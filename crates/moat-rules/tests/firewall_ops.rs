//! Azure Firewall scenarios (FQDN tags in application rules, DNAT rules) as `moat ops` and
//! `moat check` see them: each gives the verdict its trace gives.
//!
//! Seed 002, "When using Azure Kubernetes Service (AKS) with Azure Machine Learning, allow the
//! following traffic to the AKS VNet: General inbound/outbound requirements for AKS [...];
//! Outbound to mcr.microsoft.com." AKS, "Control egress traffic using Azure Firewall in AKS":
//! "The FQDN tag contains all the FQDNs listed in outbound network and FQDN rules for AKS
//! clusters". Seed 004: for IaaS compute, "outbound access to the Internet is secured through a
//! Firewall".

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult, Status, evaluate};
use moat_engine::{Code, OpId, Step, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;
use moat_rules::Finding;
use moat_rules::check::{Selection, run};

/// A spoke (AKS cluster and compute cluster) whose default route goes to a hub firewall;
/// `RULES` is replaced per test.
const HUB: &str = r#"
region: eastus
workspaces:
  - { name: ws }
aks_clusters:
  - { name: scoring, workspace: ws, subnet: spoke/aks }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/aks, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }]
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: aks, address_prefixes: [10.0.2.0/24], route_table: rt }]
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }]
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
RULES
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;

/// An application rule collection allowing the spoke the FQDN tags `tags`.
fn with_tags(tags: &str) -> String {
    HUB.replace(
        "RULES\n",
        &format!(
            r#"    application_rule_collections:
      - name: aks
        priority: 100
        action: Allow
        rules: [{{ name: aks, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], fqdn_tags: [{tags}] }}]
"#
        ),
    )
}

/// Network rules allowing the spoke the service tags a compute cluster's jobs need outbound
/// (seed 002's outbound table: AzureActiveDirectory, AzureMachineLearning on TCP 443 and UDP
/// 5831, BatchNodeManagement, Storage), none of which holds mcr.microsoft.com.
const JOB_TAGS: &str = r#"    network_rule_collections:
      - name: ml
        priority: 100
        action: Allow
        rules:
          - { name: tcp, source_addresses: [10.0.0.0/16], destination_addresses: [AzureActiveDirectory, AzureMachineLearning, BatchNodeManagement.eastus, Storage.eastus], destination_ports: ["443"], protocols: [TCP] }
          - { name: udp, source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: ["5831"], protocols: [UDP] }
"#;

/// The hosts CMP006 requires of an AKS cluster in eastus (rules.md, CMP006).
const AKS_HOSTS: &[&str] = &[
    "mcr.microsoft.com",
    "eastus.data.mcr.microsoft.com",
    "management.azure.com",
    "login.microsoftonline.com",
];

fn topology(yaml: &str) -> moat_model::Topology {
    match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    }
}

/// The traces of `from` to each of `hosts` on TCP 443, `job.run` as `moat ops` evaluates
/// it, and every finding of `moat check`.
fn all_three(yaml: &str, from: &str, hosts: &[&str]) -> (Vec<Trace>, OpResult, Vec<Finding>) {
    let t = topology(yaml);
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let traces = hosts
        .iter()
        .map(|h| {
            let q = moat_engine::Query {
                from: from.parse::<Address>().unwrap(),
                to: Address::Fqdn((*h).into()),
                protocol: Protocol::TCP,
                port: 443,
            };
            moat_engine::trace::trace(&e, &q).unwrap()
        })
        .collect();
    let f = Filter {
        op: Some(OpId::JobRun),
        ..Default::default()
    };
    let mut ops = evaluate(&e, &Intent::of(&t), &f);
    assert_eq!(ops.len(), 1, "{ops:#?}");
    let cx = moat_rules::Context::new(&e);
    (traces, ops.remove(0), run(&cx, &Selection::default()))
}

/// The flow of `job.run` from the compute cluster to mcr.microsoft.com.
fn mcr_flow(r: &OpResult) -> &moat_engine::ops::FlowResult {
    r.flows
        .iter()
        .find(|f| f.trace.to == Address::Fqdn("mcr.microsoft.com".into()))
        .unwrap_or_else(|| panic!("no flow to mcr.microsoft.com: {r:#?}"))
}

/// Whether a finding is decided: nothing open that it reads, and its trace (for path rules)
/// not unknown.
fn decided(f: &Finding) -> bool {
    f.needs.is_empty()
        && f.trace
            .as_ref()
            .is_none_or(|t| t.verdict != Verdict::Unknown)
}

fn firewall_code(t: &Trace) -> Code {
    t.hops
        .iter()
        .find(|h| h.step == Step::Firewall)
        .unwrap_or_else(|| panic!("no firewall hop: {t:#?}"))
        .code
}

#[test]
fn aks_fqdn_tag_contains_all_the_fqdns_of_the_aks_outbound_rules_in_trace_ops_and_check() {
    // "The FQDN tag contains all the FQDNs listed in outbound network and FQDN rules for AKS
    // clusters": the AKS cluster's required hosts pass the firewall by the tag's rule.
    let (traces, job, findings) = all_three(
        &with_tags("AzureKubernetesService"),
        "aks/scoring",
        AKS_HOSTS,
    );
    for t in &traces {
        assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
        assert_eq!(firewall_code(t), Code::FwApplicationAllow, "{t:#?}");
    }
    // ops: the compute cluster's job pulls its image from mcr.microsoft.com through the same
    // rule (its other flows, to service tags the tag does not hold, are not this test's).
    let f = mcr_flow(&job);
    assert_eq!(f.verdict, Verdict::Allowed, "{:#?}", f.trace);
    assert_eq!(firewall_code(&f.trace), Code::FwApplicationAllow);
    // check: CMP006 is satisfied, and no finding reports the allowed mcr flow.
    let cmp006: Vec<&Finding> = findings.iter().filter(|x| x.code == "CMP006").collect();
    assert!(cmp006.is_empty(), "{cmp006:#?}");
    let covering: Vec<&Finding> = findings
        .iter()
        .filter(|x| moat_rules::covers(x, &f.trace))
        .collect();
    assert!(covering.is_empty(), "{covering:#?}");
}

#[test]
fn without_the_aks_fqdn_tag_outbound_to_mcr_is_denied_in_trace_ops_and_check() {
    // Seed 002, "Outbound to mcr.microsoft.com" must be allowed; Azure Firewall "denies all
    // traffic by default, until rules are manually configured to allow traffic".
    let (traces, job, findings) = all_three(&HUB.replace("RULES\n", ""), "aks/scoring", AKS_HOSTS);
    for t in &traces {
        assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
        assert_eq!(t.blocked_by().unwrap().code, Code::FwImplicitDeny);
    }
    let f = mcr_flow(&job);
    assert_eq!(f.verdict, Verdict::Denied, "{:#?}", f.trace);
    assert_ne!(job.status, Status::Works, "{job:#?}");
    // check: one decided CMP006 per required host, and the job's denied flow is reported.
    let cmp006: Vec<&Finding> = findings.iter().filter(|x| x.code == "CMP006").collect();
    assert_eq!(cmp006.len(), AKS_HOSTS.len(), "{findings:#?}");
    assert!(cmp006.iter().all(|x| decided(x)), "{cmp006:#?}");
    let covering: Vec<&Finding> = findings
        .iter()
        .filter(|x| moat_rules::covers(x, &f.trace))
        .collect();
    assert!(
        covering.iter().any(|x| decided(x)),
        "no decided finding reports {:#?}: {findings:#?}",
        f.trace
    );
}

#[test]
fn job_on_a_cluster_behind_the_firewall_works_only_with_the_aks_fqdn_tag() {
    // Seed 004: "outbound access to the Internet is secured through a Firewall"; the job's
    // image comes from mcr.microsoft.com, which the AKS FQDN tag holds ("The FQDN tag
    // contains all the FQDNs listed in outbound network and FQDN rules for AKS clusters").
    // With the service tags allowed by network rules, the tag decides the operation.
    let tagged = with_tags("AzureKubernetesService").replace(
        "    application_rule_collections:",
        &format!("{JOB_TAGS}    application_rule_collections:"),
    );
    let (_, job, findings) = all_three(&tagged, "aks/scoring", &[]);
    assert_eq!(job.status, Status::Works, "{job:#?}");
    let ops001: Vec<&Finding> = findings.iter().filter(|x| x.code == "OPS001").collect();
    assert!(ops001.is_empty(), "{ops001:#?}");

    let untagged = HUB.replace("RULES\n", JOB_TAGS);
    let (_, job, findings) = all_three(&untagged, "aks/scoring", &[]);
    assert_eq!(job.status, Status::Fails, "{job:#?}");
    let denied: Vec<&str> = job
        .flows
        .iter()
        .filter(|f| f.verdict != Verdict::Allowed)
        .map(|f| f.purpose.as_str())
        .collect();
    assert_eq!(
        denied,
        ["compute cpu → Microsoft container images (mcr.microsoft.com)"],
        "{job:#?}"
    );
    let f = mcr_flow(&job);
    assert_eq!(f.verdict, Verdict::Denied, "{:#?}", f.trace);
    assert!(
        findings
            .iter()
            .any(|x| decided(x) && moat_rules::covers(x, &f.trace)),
        "no decided finding reports {:#?}: {findings:#?}",
        f.trace
    );
}

#[test]
fn another_fqdn_tag_leaves_the_aks_hosts_unknown_and_check_says_undecided() {
    // Azure Firewall, "FQDN tags overview": "Microsoft manages the FQDNs encompassed by the
    // FQDN tag"; the names of a tag the documents do not list may or may not include the AKS
    // hosts, so the verdict is unknown in trace and ops, and check's finding is not decided.
    let (traces, job, findings) = all_three(&with_tags("WindowsUpdate"), "aks/scoring", AKS_HOSTS);
    for t in &traces {
        assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
        assert_eq!(firewall_code(t), Code::FwUndecided, "{t:#?}");
    }
    assert_eq!(mcr_flow(&job).verdict, Verdict::Unknown);
    let cmp006: Vec<&Finding> = findings.iter().filter(|x| x.code == "CMP006").collect();
    assert_eq!(cmp006.len(), AKS_HOSTS.len(), "{findings:#?}");
    assert!(cmp006.iter().all(|x| !decided(x)), "{cmp006:#?}");
}

/// A web server in the spoke, published through the hub firewall's public address 20.5.5.5
/// on port 443 by a DNAT rule to 10.0.2.4:8080, beside a workspace.
const PUBLISHED: &str = r#"
region: eastus
workspaces:
  - { name: ws }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }]
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: web, address_prefixes: [10.0.2.0/24] }]
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
virtual_machines:
  - { name: web, network_interfaces: [web-nic] }
network_interfaces:
  - { name: web-nic, subnet: spoke/web, private_ip_address: 10.0.2.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    nat_rule_collections:
      - name: inbound
        priority: 100
        rules:
          - { name: web, protocols: [TCP], source_addresses: ["*"], destination_addresses: [20.5.5.5], destination_ports: ["443"], translated_address: 10.0.2.4, translated_port: 8080 }
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;

#[test]
fn nat_rules_are_applied_before_network_rules_and_check_reports_nothing_of_the_dnat_path() {
    // Azure Firewall rule processing logic: "NAT rules are applied in priority before network
    // rules. If a match is found, the traffic is translated according to the DNAT rule and
    // allowed by the firewall." No operation and no rule of moat reads an inbound path through
    // a firewall's public address (operations start at clients, compute and endpoints and go
    // to Azure services); check must not report the published path wrongly.
    let t = topology(PUBLISHED);
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::Query {
        from: "internet".parse::<Address>().unwrap(),
        to: "ip:20.5.5.5".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let tr = moat_engine::trace::trace(&e, &q).unwrap();
    assert_eq!(tr.verdict, Verdict::Allowed, "{tr:#?}");
    assert_eq!(firewall_code(&tr), Code::FwDnat);
    let cx = moat_rules::Context::new(&e);
    let findings = run(&cx, &Selection::default());
    let wrong: Vec<&Finding> = findings
        .iter()
        .filter(|x| {
            x.resource.contains("web")
                || x.resource.contains("fw")
                || moat_rules::covers(x, &tr)
                || x.trace.as_ref().is_some_and(|t| {
                    t.hops
                        .iter()
                        .any(|h| matches!(h.code, Code::FwDnat | Code::FwDnatNoRule))
                })
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
