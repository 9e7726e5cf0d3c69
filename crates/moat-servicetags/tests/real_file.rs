//! Tests against the real public service tags file (change number 375) shipped in the shared
//! data directory, including every claim the built-in symbolic catalogue makes.

use ipnet::IpNet;
use moat_servicetags::{
    Coverage, NetworkFeature, REGIONS, ServiceTags, Symbolic, TagCatalog,
    azure_load_balancer_space, find_region, internet_space, split_regional, symbolic_services,
};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::OnceLock;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/ServiceTags_Public.json"
);

fn tags() -> &'static ServiceTags {
    static TAGS: OnceLock<ServiceTags> = OnceLock::new();
    TAGS.get_or_init(|| ServiceTags::load(FILE).expect("the shared service tags file loads"))
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn count_regional(base: &str) -> usize {
    let prefix = format!("{base}.");
    tags()
        .iter()
        .filter(|t| t.name.starts_with(&prefix) && t.is_regional())
        .count()
}

#[test]
fn header_and_counts() {
    let t = tags();
    assert_eq!(t.change_number(), 375);
    assert_eq!(t.cloud(), "Public");
    assert_eq!(t.len(), 3039);
    assert_eq!(
        t.iter().map(|v| v.address_prefixes.len()).sum::<usize>(),
        93_362
    );
    // Facts §14: 69–70 regional variants for the ML dependencies.
    for base in [
        "AzureMachineLearning",
        "BatchNodeManagement",
        "MicrosoftContainerRegistry",
        "AzureResourceManager",
        "AzureContainerRegistry",
        "AzureKeyVault",
    ] {
        assert_eq!(count_regional(base), 69, "{base}");
    }
    assert_eq!(count_regional("Storage"), 71); // includes EastUS2Stage and NorthCentralUSStage
    assert_eq!(count_regional("AzureMonitor"), 69); // AzureMonitor.Core is global
    for present in [
        "AzureMachineLearning",
        "AzureActiveDirectory",
        "AzureActiveDirectory.ServiceEndpoint",
        "AzureResourceManager",
        "AzureFrontDoor.Frontend",
        "AzureFrontDoor.FirstParty",
        "AzureFrontDoor.Backend",
        "AzureFrontDoor.MicrosoftSecurity",
        "MicrosoftContainerRegistry",
        "AzureContainerRegistry",
        "Storage",
        "AzureMonitor",
        "AzureKeyVault",
        "BatchNodeManagement",
        "DataFactory",
    ] {
        assert!(
            t.get(present).is_some_and(|v| !v.is_regional()),
            "{present}"
        );
    }
    assert!(t.get("VirtualNetwork").is_none());
    assert!(t.get("Frontdoor.FirstParty").is_none());
    assert!(!t.iter().any(|v| v.name.starts_with("Keyvault.")));
}

#[test]
fn known_prefixes_and_case_insensitive_names() {
    let t = tags();
    let st = t
        .prefixes("storage.eastus")
        .expect("Storage.EastUS by lower-case name");
    assert_eq!(t.get("STORAGE.EASTUS").unwrap().name, "Storage.EastUS");
    assert_eq!(st.len(), 124);
    assert_eq!(
        &st[..3],
        &[
            net("13.68.163.32/28"),
            net("13.68.165.64/28"),
            net("13.68.167.240/28")
        ]
    );
    assert!(st.contains(&net("2603:1030:213::/49")));
    let aml = t.prefixes("AzureMachineLearning").unwrap();
    assert_eq!(aml.len(), 336);
    assert_eq!(aml[0], net("4.171.27.64/27"));
    assert!(aml.contains(&net("2603:1000:4::300/122")));
    assert_eq!(
        t.prefixes("AzureFrontDoor.FirstParty").unwrap()[..2],
        [net("13.107.3.0/24"), net("13.107.4.0/22")]
    );
    assert_eq!(t.get("Storage.EastUS").unwrap().region, "eastus");
    assert_eq!(t.get("Storage.EastUS").unwrap().region_id, Some(32));
    assert_eq!(t.get("Storage").unwrap().system_service, "AzureStorage");
    assert!(t.prefixes("NoSuchTag").is_none());
}

#[test]
fn tags_containing_matches_brute_force() {
    let t = tags();
    let found = t.tags_containing(ip("13.68.163.33"));
    for want in [
        "Storage",
        "Storage.EastUS",
        "AzureCloud",
        "AzureCloud.eastus",
    ] {
        assert!(found.contains(&want), "{want} in {found:?}");
    }
    assert!(!found.contains(&"Storage.WestUS"));
    assert!(t.tags_containing(ip("10.0.0.4")).is_empty());
    assert!(t.tags_containing(ip("168.63.129.16")).is_empty());
    // Against a scan of every tag, for addresses drawn from several tags (both families).
    let mut probes: Vec<IpAddr> = Vec::new();
    for name in [
        "Storage.EastUS",
        "AzureMachineLearning.EastUS2",
        "AzureActiveDirectory",
        "AzureFrontDoor.FirstParty",
    ] {
        for p in t.prefixes(name).unwrap().iter().step_by(7) {
            probes.push(p.network());
            probes.push(p.broadcast());
        }
    }
    probes.push(ip("8.8.8.8"));
    for a in probes {
        let brute: Vec<&str> = t
            .iter()
            .filter(|v| v.address_prefixes.iter().any(|p| p.contains(&a)))
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(t.tags_containing(a), brute, "{a}");
    }
}

#[test]
fn network_features_per_facts() {
    let t = tags();
    let s = |tag: &str, f: NetworkFeature| t.supports(tag, &f);
    assert_eq!(
        s("BatchNodeManagement.WestUS", NetworkFeature::Api),
        Some(true)
    );
    assert_eq!(
        s("BatchNodeManagement.WestUS", NetworkFeature::Nsg),
        Some(true)
    );
    assert_eq!(
        s("BatchNodeManagement.WestUS", NetworkFeature::Udr),
        Some(false)
    );
    assert_eq!(
        s("BatchNodeManagement.WestUS", NetworkFeature::Fw),
        Some(false)
    );
    assert_eq!(s("AzureMonitor.EastUS", NetworkFeature::Nsg), Some(true));
    assert_eq!(s("AzureMonitor.EastUS", NetworkFeature::Api), Some(false));
    assert_eq!(s("AzureMachineLearning.EastUS2", NetworkFeature::Nsg), None); // none listed
    for g in [
        "AzureMachineLearning",
        "Storage",
        "AzureFrontDoor.Frontend",
        "AzureFrontDoor.FirstParty",
        "AzureFrontDoor.Backend",
        "MicrosoftContainerRegistry",
    ] {
        for f in [
            NetworkFeature::Api,
            NetworkFeature::Nsg,
            NetworkFeature::Udr,
            NetworkFeature::Fw,
        ] {
            assert_eq!(s(g, f.clone()), Some(true), "{g} {f}");
        }
        assert_eq!(s(g, NetworkFeature::Vse), Some(g == "Storage"), "{g}");
    }
    assert_eq!(s("NoSuchTag", NetworkFeature::Nsg), None);
}

#[test]
fn region_table_matches_the_file() {
    let t = tags();
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for v in t.iter().filter(|v| v.is_regional()) {
        let r = REGIONS
            .iter()
            .find(|r| r.file_code == v.region)
            .unwrap_or_else(|| panic!("region {} missing", v.region));
        assert_eq!(Some(r.id), v.region_id, "{}", v.name);
        let suffix = v
            .name
            .rsplit_once('.')
            .map(|x| x.1)
            .unwrap_or_else(|| panic!("{} has no suffix", v.name));
        let ok = suffix == r.file_code || r.suffix == Some(suffix) || r.variants.contains(&suffix);
        assert!(ok, "{} does not use a suffix of {}", v.name, r.name);
        assert_eq!(
            split_regional(&v.name).map(|(_, x)| x),
            Some(r),
            "{}",
            v.name
        );
        seen.insert(r.file_code, r.id);
    }
    assert_eq!(
        seen.len(),
        REGIONS.len(),
        "every table entry appears in the file"
    );
    // Programmatic names are the lower-cased suffixes.
    for r in REGIONS {
        if let Some(s) = r.suffix {
            assert_eq!(r.name, s.to_ascii_lowercase());
        }
    }
    assert_eq!(find_region("norwayeast").unwrap().file_code, "norwaye");
}

#[test]
fn regional_names() {
    let t = tags();
    let r = |b: &str, g: &str| t.regional_name(b, g);
    assert_eq!(r("Storage", "eastus").as_deref(), Some("Storage.EastUS"));
    assert_eq!(r("storage", "EastUS").as_deref(), Some("Storage.EastUS"));
    assert_eq!(
        r("Storage", "westeurope").as_deref(),
        Some("Storage.WestEurope")
    );
    assert_eq!(
        r("Storage", "francecentral").as_deref(),
        Some("Storage.FranceCentral")
    );
    assert_eq!(r("Storage", "eastus2").as_deref(), Some("Storage.EastUS2"));
    assert_eq!(
        r("AzureCloud", "francecentral").as_deref(),
        Some("AzureCloud.centralfrance")
    );
    assert_eq!(
        r("BatchNodeManagement", "germanywestcentral").as_deref(),
        Some("BatchNodeManagement.GermanyWestCentral")
    );
    assert_eq!(r("AzureActiveDirectory", "eastus"), None);
    assert_eq!(r("Storage", "atlantis"), None);
    // The symbolic catalogue spells every catalogued regional tag as the file does.
    let sym = Symbolic;
    for base in symbolic_services().chain(["AzureCloud"]) {
        for region in REGIONS {
            let (f, s) = (
                t.regional_name(base, region.name),
                sym.regional_name(base, region.name),
            );
            if let Some(f) = &f {
                assert_eq!(s.as_ref(), Some(f), "{base} in {}", region.name);
            } else if let Some(s) = &s {
                // Symbolic mode spells names structurally; the service may not exist there.
                assert!(t.get(s).is_none(), "{s}");
            }
        }
    }
}

/// Every name the symbolic catalogue knows, that the file also has.
fn catalogued_names() -> Vec<String> {
    let t = tags();
    let sym = Symbolic;
    let mut names: Vec<String> = t
        .iter()
        .map(|v| v.name.clone())
        .filter(|n| sym.is_known(n))
        .collect();
    names.extend(["Internet", "*", "AzureLoadBalancer", "VirtualNetwork"].map(String::from));
    names
}

#[test]
fn symbolic_claims_hold_in_the_file() {
    let t = tags();
    let sym = Symbolic;
    let names = catalogued_names();
    // 12 services + 554 of their regional tags + AzureCloud and its 71 regional tags + 4 virtual.
    assert_eq!(names.len(), 642);
    let mut decided = 0;
    for r in &names {
        for e in &names {
            let s = sym.covers(r, e);
            if s != Coverage::Unknown {
                assert_eq!(t.covers(r, e), s, "rule {r} endpoint {e}");
                decided += 1;
            }
        }
    }
    eprintln!(
        "symbolic answers checked: {decided} of {}",
        names.len() * names.len()
    );
    assert!(decided > 300_000, "{decided}");
}

#[test]
fn structural_claims_hold_for_every_base() {
    // For every base in the file: regional ⊆ global, and distinct regional tags are disjoint —
    // what the symbolic catalogue assumes of any base name.
    let t = tags();
    let sym = Symbolic;
    let mut by_base: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for v in t.iter().filter(|v| v.is_regional()) {
        let (base, _) = split_regional(&v.name).unwrap();
        by_base.entry(base.to_string()).or_default().push(&v.name);
    }
    assert!(by_base.len() > 40);
    for (base, regional) in &by_base {
        if t.get(base).is_some() {
            for r in regional {
                assert_eq!(t.covers(base, r), Coverage::Yes, "{base} ⊇ {r}");
                assert_eq!(sym.covers(base, r), Coverage::Yes);
            }
        }
        for (i, a) in regional.iter().enumerate() {
            for b in &regional[i + 1..] {
                assert_eq!(t.covers(a, b), Coverage::No, "{a} vs {b}");
                assert_eq!(sym.covers(a, b), Coverage::No);
            }
        }
    }
}

#[test]
fn internet_and_platform_addresses() {
    let t = tags();
    let internet = internet_space();
    let alb = azure_load_balancer_space();
    for v in t.iter() {
        let s = t.addr_set(&v.name).unwrap();
        assert!(
            s.is_subset(&internet),
            "{} has non-public addresses",
            v.name
        );
        assert!(!s.intersects(&alb), "{}", v.name);
    }
    assert_eq!(t.covers("Internet", "Storage.EastUS"), Coverage::Yes);
    assert_eq!(t.covers("Storage.EastUS", "Internet"), Coverage::Partial);
    assert_eq!(t.covers("VirtualNetwork", "Storage"), Coverage::Unknown);
    assert_eq!(t.covers("Internet", "VirtualNetwork"), Coverage::No);
    assert_eq!(t.covers("AzureCloud", "Storage"), Coverage::Partial); // four Storage ranges lie outside
    assert_eq!(t.covers("NoSuchTag", "Storage"), Coverage::Unknown);
    assert_eq!(t.covers("*", "NoSuchTag"), Coverage::Yes);
}

#[test]
fn prefix_coverage_in_file_mode() {
    let t = tags();
    let first = t.prefixes("Storage.EastUS").unwrap()[0];
    assert_eq!(t.tag_covers_net("Storage", &first), Coverage::Yes);
    assert_eq!(t.tag_covers_net("Storage.EastUS", &first), Coverage::Yes);
    assert_eq!(t.tag_covers_net("Storage.WestUS", &first), Coverage::No);
    assert_eq!(
        t.tag_covers_net("Storage", &net("10.0.0.4/32")),
        Coverage::No
    );
    assert_eq!(
        t.tag_covers_net("Storage.EastUS", &net("13.68.163.0/24")),
        Coverage::Partial
    );
    assert_eq!(t.covers_net(&first, "Storage.EastUS"), Coverage::Partial);
    // Storage.EastUS has IPv6 prefixes, so an IPv4 default route prefix covers only part of it.
    assert_eq!(
        t.covers_net(&net("0.0.0.0/0"), "Storage.EastUS"),
        Coverage::Partial
    );
    assert_eq!(
        t.covers_net(&net("10.0.0.0/8"), "Storage.EastUS"),
        Coverage::No
    );
    // A tag with only IPv4 prefixes is covered by 0.0.0.0/0.
    let v4_only = t
        .iter()
        .find(|v| {
            !v.address_prefixes.is_empty() && v.address_prefixes.iter().all(|p| p.addr().is_ipv4())
        })
        .unwrap();
    assert_eq!(
        t.covers_net(&net("0.0.0.0/0"), &v4_only.name),
        Coverage::Yes
    );
    // Symbolic mode agrees wherever it commits.
    let sym = Symbolic;
    for (n, tag) in [
        ("10.0.0.0/8", "Storage.EastUS"),
        ("192.168.1.0/24", "AzureMachineLearning"),
        ("fd00::/8", "Storage"),
    ] {
        assert_eq!(sym.covers_net(&net(n), tag), Coverage::No);
        assert_eq!(t.covers_net(&net(n), tag), Coverage::No);
    }
}
