//! The catalog against the documented requirements: every item of sections 6–10 of the network
//! facts reference (§6: the numbered requirements and limitations; §7 exfiltration; §8 managed
//! online endpoints; §9 IP address requirements and limits; §10 registries) is classified here,
//! one line each, as checkable from a deployment, checkable from what a user declares (intent,
//! clients, roles, dates), or not checkable offline (with the reason). Every checkable item must
//! be named in the `covers` of a rule or by a behaviour test of the path engine — or be in
//! [`NOT_YET_COVERED`], which must be exactly the checkable items nothing covers: adding a rule
//! forces its items out of that list, and the list is the honest remaining work. A rule that
//! covers an item must also be shown by a test firing on a deployment and silent on a correct one.

use moat_rules::all;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// What the deployment says decides it.
    Deployment,
    /// It needs facts a user declares in the native overlay (use, roles, dates, proxies).
    Declared,
    /// No offline input can show it (the item's text says why).
    Offline,
}

use Class::{Declared as I, Deployment as D, Offline as O};

/// Every item, with its class and what it says (for items not checkable offline, why).
#[rustfmt::skip]
const ITEMS: &[(&str, Class, &str)] = &[
    ("§6.1", D, "PE network policies disabled on the workspace endpoint's subnet"),
    ("§6.2", D, "no 172.17.0.0/16; overlaps with on-premises"),
    ("§6.3", D, "control plane through public ARM"),
    ("§6.4", D, "CI/CC in the region of a workspace with a PE"),
    ("§6.5", O, "an order of changes (private link toggled after computes exist); a deployment is one state"),
    ("§6.6", D, "attached AKS in the workspace region"),
    ("§6.7", D, "one WS PE in the VNet of storage, KV and ACR"),
    ("§6.8", D, "every VNet with a WS PE reaches storage, KV, ACR"),
    ("§6.9", D, "computes outside the PE's VNet break"),
    ("§6.10", D, "no PE and PNA Disabled is not public"),
    ("§6.11", D, "PNA Enabled keeps private paths private"),
    ("§6.12", D, "public access to a PE-secured workspace: studio data, notebooks"),
    ("§6.13", D, "IP allow list: at most 200, IPv4, public addresses"),
    ("§6.14", D, "selected IPs without PE or managed network: CI provisioning"),
    ("§6.15", D, "selected IPs: online deployments and computes need isolation"),
    ("§6.16", D, "selected IPs unsupported for batch endpoints"),
    ("§6.17", D, "serverless no-public-IP compute with an IP allow list"),
    ("§6.18", D, "Synapse data exfiltration protection unsupported"),
    ("§6.19", O, "a browser setting (DNS over HTTPS) on the user's machine"),
    ("§6.20", D, "workspace PE and default storage in the same VNet"),
    ("§6.21", D, "studio + storage SE: WS PE in the SE subnet"),
    ("§6.22", D, "studio + storage PE: same VNet"),
    ("§6.23", D, "storage PEs blob and file; queue and table for batch"),
    ("§6.24", D, "storage firewall: resource instance or trusted services"),
    ("§6.25", D, "storage by SE: compute subnet admitted"),
    ("§6.26", I, "studio features disabled in a VNet"),
    ("§6.27", I, "roles and datastore settings re-enabling studio features"),
    ("§6.28", I, "designer and AutoML need MI auth on default datastores"),
    ("§6.29", I, "data profiling: Reader on the storage PE, Blob Data Contributor"),
    ("§6.30", I, "storage IP rules unsupported for studio"),
    ("§6.31", D, "studio from the VNet needs AzureFrontDoor.Frontend"),
    ("§6.32", I, "designer sample pipelines unavailable in a VNet"),
    ("§6.33", I, "ML-assisted labeling with a VNet default storage"),
    ("§6.34", D, "default storage neither Premium nor HNS"),
    ("§6.35", D, "storage IP rules ignore same-region clients"),
    ("§6.36", D, "trusted services and instance rules survive PNA Disabled"),
    ("§6.37", O, "a subnet deleted and recreated: a history, not a state"),
    ("§6.38", D, "KV by PE or SE; SE keeps the trusted-services bypass"),
    ("§6.39", O, "what the vault stores; no configuration shows it"),
    ("§6.40", D, "key-auth online endpoint needs KV bypass AzureServices"),
    ("§6.41", D, "ACR Premium"),
    ("§6.42", D, "ACR PE/SE placement"),
    ("§6.43", D, "a compute cluster in the workspace"),
    ("§6.44", D, "ACR trusted services"),
    ("§6.45", D, "ACR behind a VNet: image_build_compute"),
    ("§6.46", D, "image build compute: CPU, same VNet, internet path, exists"),
    ("§6.47", D, "private ACR through a workspace connection"),
    ("§6.48", D, "workspace ACR created lazily"),
    ("§6.49", D, "no ACI with a PE workspace"),
    ("§6.50", D, "AMPLS Open mode"),
    ("§6.51", D, "one AMPLS per DNS; a VNet links one AMPLS"),
    ("§6.52", D, "compute VNet in the workspace subscription"),
    ("§6.53", D, "compute subnet not delegated"),
    ("§6.54", O, "Azure Lighthouse delegation is a tenant arrangement outside any deployment"),
    ("§6.55", D, "445 between computes and default storage"),
    ("§6.56", D, "CI in the workspace region/VNet; CC elsewhere reaches dependencies"),
    ("§6.57", D, "no-public-IP compute needs the workspace PE"),
    ("§6.58", D, "no reliance on default outbound access"),
    ("§6.59", D, "public-IP compute resources (NSG, load balancer)"),
    ("§6.60", D, "public-IP compute behind a firewall: UDR Internet, both regions"),
    ("§6.61", D, "inbound rule needed if any compute has a public IP"),
    ("§6.62", D, "WebSocket to *.instances.azureml.net/ms"),
    ("§6.63", D, "Databricks placement"),
    ("§6.64", D, "attached VM: NSG inbound AzureMachineLearning to 22"),
    ("§6.65", O, "a managed network cannot be disabled: a change, not a state"),
    ("§6.66", D, "tag and FQDN rules only in AOAO"),
    ("§6.67", D, "PE and SE on the same resource with a managed network"),
    ("§6.68", I, "no scope locks on AML resources"),
    ("§6.69", D, "managed network: no AKS, attached VMs, customer-VNet computes"),
    ("§6.70", D, "FQDN rules: 80/443, not for storage in AOAO"),
    ("§6.71", D, "managed network firewall not Premium"),
    ("§6.72", O, "deleting computes before enabling a managed network: an order of changes"),
    ("§6.73", I, "PE approver role on targets after 2025-04-30"),
    ("§6.74", I, "PE targets in the workspace tenant"),
    ("§6.75", D, "online deployments need a provisioned managed network"),
    ("§6.76", I, "serverless Spark provisioning"),
    ("§6.77", D, "custom VNet: no MOE except legacy, no serverless Spark"),
    ("§6.78", D, "service tags are no tenant boundary"),
    ("§6.79", D, "v1_legacy_mode false for online endpoints"),
    ("§6.80", I, "WS PE created before 2022-05-24"),
    ("§6.81", D, "MOE associated resources in the same subscription and tenant"),
    ("§6.82", D, "MOE management through public ARM"),
    ("§6.83", D, "legacy egress immutable; disabled reaches only WS resources"),
    ("§6.84", D, "legacy public egress needs WS public access"),
    ("§6.85", D, "no peering with a deployment's managed VNet"),
    ("§6.86", D, "deployments isolated from each other"),
    ("§6.87", D, "private registry: studio shows models only"),
    ("§6.88", D, "components cannot be shared"),
    ("§6.89", D, "share blocked by storage PNA"),
    ("§6.90", D, "environment create in a private registry"),
    ("§6.91", D, "registry clients on the PE's VNet"),
    ("§6.92", D, "registry PEs in the WS PE's subnet, one set per registry"),
    ("§6.93", I, "registry roles"),
    ("§6.94", D, "registry storage and ACR PNA disabled too"),
    ("§6.95", D, "registry private FQDN resolves"),
    ("§6.96", D, "custom DNS forwards to 168.63.129.16"),
    ("§6.97", D, "CI FQDN resolves to the workspace PE"),
    ("§6.98", D, "notebook FQDN label at most 63 characters"),
    ("§6.99", D, "projects inherit the hub FQDNs"),
    ("§6.100", D, "each storage sub-resource PE resolves"),
    ("§6.101", D, "a zone group mixing services"),
    ("§6.102", D, "privatelink zone: NXDOMAIN for resources without PE"),
    ("§6.103", D, "recommended zone names"),
    ("§6.104", D, "hub-and-spoke: zone linked to every client VNet"),
    ("§6.105", D, "one zone group per PE, at most 5 zones"),
    ("§6.106", O, "records the service writes after deployment; the input does not hold them"),
    ("§6.107", I, "SEP needs WS and storage PEs; computes before Dec 2022"),
    ("§6.108", O, "which tool adds the alias (portal only)"),
    ("§6.109", I, "curated environments from mcr.microsoft.com under SEP"),
    ("§6.110", D, "extra storage listed in the SEP unless through a PE"),
    ("§6.111", D, "batch endpoints: networking fixed, queue/table"),
    ("§6.112", I, "VS Code server ports 8704-8710, for compute instances declared used from VS Code in a restricted network"),
    ("§6.113", D, "firewall: HTTP/S as application rules"),
    ("§6.114", I, "AutoML NLP/Vision only in public regions"),
    ("§6.115", D, "MCR always needed"),
    ("§6.116", I, "proxies bypass PE and CI FQDNs"),
    ("§6.117", O, "a shell profile on the compute instance"),
    ("§7.inbound-44224", D, "public-IP compute inbound: remove with no public IP"),
    ("§7.storage-read-write", D, "Storage outbound is read/write"),
    ("§7.frontdoor-read-write", D, "AzureFrontDoor.Frontend outbound is read/write"),
    ("§7.sep-system-registry", D, "system registries: SEP with the ML alias"),
    ("§7.sep-without-service-endpoint", D, "SEP on a subnet without Microsoft.Storage SE"),
    ("§7.sep-missing-default-storage", D, "SEP without the workspace default storage"),
    ("§7.sep-region", D, "SEP and VNet in one region"),
    ("§7.sep-limits", D, "100 policies per subnet, 200 resources per definition"),
    ("§8.scoring-through-ws-pe", D, "scoring enters through the workspace PE"),
    ("§8.endpoint-public-inbound", D, "endpoint PNA enabled admits the internet"),
    ("§8.ws-disabled-endpoint-enabled", D, "WS PNA Disabled with endpoint PNA Enabled: unsupported"),
    ("§8.selected-ips-endpoint", D, "endpoint under WS selected IPs honours the list"),
    ("§8.egress-with-managed-network", D, "egress_public_network_access does not apply with a managed network"),
    ("§8.legacy-egress", D, "legacy per-deployment egress"),
    ("§8.legacy-pe-approved", O, "the platform creates those PEs in a Microsoft-managed VNet"),
    ("§8.legacy-custom-vnet", D, "legacy isolation with custom VNet designs"),
    ("§9.compute-ips", D, "one IP per CI, cluster node, serverless node"),
    ("§9.reserved", D, "5 addresses reserved per subnet"),
    ("§9.subnet-min", D, "smallest subnet /29"),
    ("§9.workspace-pe-ips", D, "a workspace PE takes its documented addresses"),
    ("§9.pe-per-vnet", D, "1,000 PEs per VNet"),
    ("§9.pe-per-keyvault", D, "64 PEs per key vault"),
    ("§9.pe-per-storage", D, "200 PEs per storage account"),
    ("§9.pe-per-acr", D, "10 PEs per container registry"),
    ("§10.registry-fqdn", D, "private registry FQDN format"),
    ("§10.registry-managed-rg", D, "registry managed resource group name"),
];

/// Items decided by path engine behaviour rather than a rule: the test file (beside this crate's
/// directory) and the test function that checks it, which must name the item.
const ENGINE: &[(&str, &str, &str)] = &[
    (
        "§6.35",
        "../moat-engine/tests/trace_hops.rs",
        "storage_ip_rules_see_the_nat_address",
    ),
    (
        "§6.98",
        "tests/engine_items.rs",
        "notebook_label_is_kept_within_63_characters",
    ),
    (
        "§8.selected-ips-endpoint",
        "tests/engine_items.rs",
        "endpoint_honours_the_workspace_allow_list",
    ),
    (
        "§6.102",
        "../moat-engine/tests/trace_hops.rs",
        "linked_zone_without_record_is_nxdomain",
    ),
    (
        "§6.11",
        "tests/engine_items.rs",
        "public_access_keeps_private_paths_private",
    ),
    (
        "§6.36",
        "tests/engine_items.rs",
        "instance_rules_survive_disabled_public_access",
    ),
    (
        "§6.99",
        "tests/engine_items.rs",
        "projects_use_their_hub_endpoint",
    ),
    (
        "§6.97",
        "tests/engine_items.rs",
        "compute_instance_name_resolves_to_the_workspace_endpoint",
    ),
    (
        "§8.scoring-through-ws-pe",
        "tests/engine_items.rs",
        "scoring_enters_through_the_workspace_endpoint",
    ),
];

/// The checkable items no rule and no engine test covers yet.
#[rustfmt::skip]
const NOT_YET_COVERED: &[&str] = &[
];

fn classes() -> BTreeMap<&'static str, Class> {
    let mut m = BTreeMap::new();
    for &(id, class, _) in ITEMS {
        assert!(m.insert(id, class).is_none(), "{id} is classified twice");
    }
    m
}

/// Item → the rules that name it.
fn rule_coverage() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in all() {
        for &id in r.doc().covers {
            m.entry(id).or_default().push(r.doc().code);
        }
    }
    m
}

#[test]
fn every_numbered_requirement_is_classified_once() {
    let c = classes();
    for n in 1..=117 {
        let id = format!("§6.{n}");
        assert!(c.contains_key(id.as_str()), "{id} is not classified");
    }
    for &(id, _, text) in ITEMS {
        assert!(!text.trim().is_empty(), "{id} says nothing");
    }
}

#[test]
fn rules_name_only_known_checkable_items() {
    let c = classes();
    for r in all() {
        let d = r.doc();
        for &id in d.covers {
            match c.get(id) {
                None => panic!("{} covers {id}, which is not an item", d.code),
                Some(Class::Offline) => {
                    panic!("{} covers {id}, classified not checkable offline", d.code)
                }
                Some(_) => {}
            }
        }
        let unique: BTreeSet<_> = d.covers.iter().collect();
        assert_eq!(
            unique.len(),
            d.covers.len(),
            "{} names an item twice",
            d.code
        );
    }
}

#[test]
fn engine_tests_exist_and_name_their_item() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let c = classes();
    for &(id, file, test) in ENGINE {
        assert!(c.contains_key(id), "{id} is not an item");
        let text =
            std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let start = text
            .find(&format!("fn {test}("))
            .unwrap_or_else(|| panic!("{file} has no test {test}"));
        let body = &text[start..];
        let end = body[1..].find("#[test]").map_or(body.len(), |i| i + 1);
        assert!(
            body[..end].contains(id),
            "{file}::{test} does not name {id}"
        );
    }
}

#[test]
fn the_uncovered_list_is_exactly_the_remaining_work() {
    let c = classes();
    let by_rule = rule_coverage();
    let covered: BTreeSet<&str> = by_rule
        .keys()
        .copied()
        .chain(ENGINE.iter().map(|&(id, _, _)| id))
        .collect();
    let listed: BTreeSet<&str> = NOT_YET_COVERED.iter().copied().collect();
    assert_eq!(
        listed.len(),
        NOT_YET_COVERED.len(),
        "an item is listed twice"
    );
    for id in &listed {
        assert!(c.contains_key(id), "{id} in NOT_YET_COVERED is not an item");
    }
    let uncovered: BTreeSet<&str> = c
        .iter()
        .filter(|(_, class)| !matches!(class, Class::Offline))
        .map(|(id, _)| *id)
        .filter(|id| !covered.contains(id))
        .collect();
    let now_covered: Vec<_> = listed.difference(&uncovered).collect();
    assert!(
        now_covered.is_empty(),
        "covered now, remove from NOT_YET_COVERED: {now_covered:?}"
    );
    let forgotten: Vec<_> = uncovered.difference(&listed).collect();
    assert!(
        forgotten.is_empty(),
        "checkable, covered by nothing, and not listed as remaining work: {forgotten:?}"
    );
}

#[test]
fn rules_name_their_requirement_by_documentation_page() {
    // `moat rule CODE` prints the sources: a rule that covers a documented item names the
    // Azure documentation page it comes from, by title and link, never a file of a repository.
    for r in all() {
        let d = r.doc();
        if d.covers.is_empty() {
            continue;
        }
        assert!(
            d.sources
                .iter()
                .any(|s| s.contains(" <https://learn.microsoft.com/")),
            "{} covers {:?} but names no documentation page",
            d.code,
            d.covers
        );
        for s in d.sources {
            assert!(
                !s.contains(".md") && !s.contains("github.com"),
                "{} cites a repository file: {s}",
                d.code
            );
        }
    }
}

/// The test sources that exercise rules: this crate's, the engine's and the command line's.
const TEST_DIRS: &[&str] = &["tests", "../moat-engine/tests", "../moat-cli/tests"];

/// Whether `stmt` calls the function `name` (not a longer name ending in it, as `none` ends
/// in `one`).
fn calls(stmt: &str, name: &str) -> bool {
    stmt.match_indices(&format!("{name}(")).any(|(i, _)| {
        stmt[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// The rule codes quoted in `stmt`.
fn quoted_codes<'a>(stmt: &'a str, codes: &BTreeSet<&str>) -> Vec<&'a str> {
    stmt.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| codes.contains(s))
        .collect()
}

/// Whether the statement after `let NAME = check(..)` / `findings(..)` asserts that it found
/// something: `assert_eq!(NAME.len(), N` with N at least 1, or `assert!(!NAME.is_empty()`.
fn asserts_found(binding: &str, next: &str) -> bool {
    let next = next.trim();
    if next.starts_with(&format!("assert!(!{binding}.is_empty()")) {
        return true;
    }
    next.strip_prefix(&format!("assert_eq!({binding}.len(), "))
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_digit() && c != '0')
}

/// For each rule code, whether a test statement shows it firing and one shows it silent.
fn exercised() -> (BTreeSet<String>, BTreeSet<String>) {
    let codes: BTreeSet<&str> = all().iter().map(|r| r.doc().code).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut fires, mut silent) = (BTreeSet::new(), BTreeSet::new());
    for dir in TEST_DIRS {
        for entry in std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let stmts: Vec<&str> = text.split(';').collect();
            for (i, stmt) in stmts.iter().enumerate() {
                for code in quoted_codes(stmt, &codes) {
                    if calls(stmt, "none") {
                        silent.insert(code.to_string());
                    }
                    if calls(stmt, "one") {
                        fires.insert(code.to_string());
                    }
                    let binding = stmt.trim().strip_prefix("let ").and_then(|s| {
                        let (name, rest) = s.split_once(" = ")?;
                        (calls(rest, "check") || calls(rest, "findings")).then_some(name)
                    });
                    if let (Some(b), Some(next)) = (binding, stmts.get(i + 1))
                        && asserts_found(b, next)
                    {
                        fires.insert(code.to_string());
                    }
                }
            }
        }
    }
    (fires, silent)
}

#[test]
fn every_rule_that_covers_an_item_is_tested_firing_and_silent() {
    // The bar for an item: a deployment that triggers the rule and a correct one it
    // stays silent on. A test names the rule's code in a call that expects its one finding
    // (`one`), or binds its findings and asserts there are some; and in a call that expects
    // none (`none`).
    let (fires, silent) = exercised();
    let mut missing = Vec::new();
    for r in all() {
        let d = r.doc();
        if d.covers.is_empty() {
            continue;
        }
        if !fires.contains(d.code) {
            missing.push(format!("{} ({:?}) is never shown firing", d.code, d.covers));
        }
        if !silent.contains(d.code) {
            missing.push(format!("{} ({:?}) is never shown silent", d.code, d.covers));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn rule_documentation_names_no_file_of_this_repository() {
    // `moat rule CODE` speaks of Azure and its documentation, never of the reference files the
    // rules were written from.
    for r in all() {
        let d = r.doc();
        for (field, text) in [
            ("what", d.what),
            ("why", d.why),
            ("example", d.example),
            ("fix", d.fix),
        ] {
            let lower = text.to_lowercase();
            for word in ["seed 0", "seeds 0", "rules.md", "network-facts", ".md\""] {
                assert!(!lower.contains(word), "{} {field} names `{word}`", d.code);
            }
        }
    }
}
