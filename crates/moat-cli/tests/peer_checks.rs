//! Every Azure ML check of checkov and PSRule for Azure, and the storage, key vault and
//! container registry checks that bear on the network design, against moat's rules.
//!
//! `PEERS` is the one list: each peer check, the resource and setting it reads, the moat codes
//! that give its verdict, and, where moat's verdict differs, why. Each mapped check has a fixture
//! folder under `tests/data/peers/` with the same resources in Terraform (`main.tf`) and ARM
//! (`azuredeploy.json`); for a check that runs on one of the two, the other holds the same
//! resources written in the other language. A resource whose name ends in `pass` or `fail` is
//! one the check passes or fails, and moat must say the same: a finding of one of the codes on
//! it, or none. One ending in `passdiff` or `faildiff` is one the check passes or fails where
//! moat's verdict is the other, for the reason the list gives. The peers' verdicts on these
//! fixtures were read from the checks' definitions (checkov 3.3.30; PSRule for Azure, whose
//! Azure ML rules are those of rule set 2023_12) and, for checkov, confirmed by running it on
//! them.
//!
//! The README's "Peer checks" table is checked against the list, row for row, and each rule
//! named here names the checks it answers in its documentation (`moat rule CODE`).

use moat_engine::Engine;
use moat_rules::{Context, Finding, all};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One peer check.
struct Peer {
    /// `checkov` or `PSRule`.
    tool: &'static str,
    /// The check's id (checkov) or name (PSRule).
    id: &'static str,
    /// The moat codes whose findings give moat's verdict; empty where moat has no rule.
    codes: &'static [&'static str],
    /// The fixture folder under `tests/data/peers/`; none where moat has no rule.
    fixture: Option<&'static str>,
    /// Why moat's verdict differs on the fixture's `passdiff`/`faildiff` resources, or why moat
    /// has no rule; empty where moat agrees on every resource.
    differs: &'static str,
}

const WS_PUBLIC: &[&str] = &["SEC001", "SEC002", "SEC003"];

const PEERS: &[Peer] = &[
    // ---- Azure ML: checkov ------------------------------------------------------------------
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_144",
        codes: WS_PUBLIC,
        fixture: Some("ckv_azure_144"),
        differs: "",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_49",
        codes: WS_PUBLIC,
        fixture: Some("ckv2_azure_49"),
        differs: "an unset public network access passes the check; Azure applies Enabled",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_142",
        codes: &["SEC010"],
        fixture: Some("ckv_azure_142"),
        differs: "a cluster without public IP in a subnet of the VNet is reached only from that network",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_150",
        codes: &["SEC011"],
        fixture: Some("ckv_azure_150"),
        differs: "",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_50",
        codes: &["SEC015"],
        fixture: Some("ckv2_azure_50"),
        differs: "storage limited to selected networks does not answer every network",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_243",
        codes: &["SEC016"],
        fixture: Some("ckv_azure_243"),
        differs: "a managed network gets private endpoints to the workspace's own storage, key vault and registry as required rules",
    },
    // ---- Azure ML: PSRule for Azure ---------------------------------------------------------
    Peer {
        tool: "PSRule",
        id: "Azure.ML.PublicAccess",
        codes: WS_PUBLIC,
        fixture: Some("azure.ml.publicaccess"),
        differs: "",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ML.DisableLocalAuth",
        codes: &["SEC010"],
        fixture: Some("azure.ml.disablelocalauth"),
        differs: "a compute without public IP in a subnet of the VNet is reached only from that network",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ML.ComputeIdleShutdown",
        codes: &["SEC012"],
        fixture: Some("azure.ml.computeidleshutdown"),
        differs: "an instance without public IP inside the VNet is a matter of cost, not exposure",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ML.ComputeVnet",
        codes: &["SEC013"],
        fixture: Some("azure.ml.computevnet"),
        differs: "Azure places a compute of a workspace with a managed network in that network",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ML.UserManagedIdentity",
        codes: &["SEC014"],
        fixture: Some("azure.ml.usermanagedidentity"),
        differs: "Azure documents both identity kinds and neither changes what reaches what",
    },
    // ---- Storage ------------------------------------------------------------------------------
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_59",
        codes: &["SEC005"],
        fixture: Some("ckv_azure_59"),
        differs: "a firewall that denies by default closes the public endpoint too; the ARM check passes an unset value, which Azure applies as Enabled",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_35",
        codes: &["SEC005"],
        fixture: Some("ckv_azure_35"),
        differs: "public network access Disabled closes the endpoint whatever the firewall's default",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.Storage.Firewall",
        codes: &["SEC005"],
        fixture: Some("ckv_azure_35"),
        differs: "public network access Disabled closes the endpoint whatever the firewall's default",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_33",
        codes: &["SEC005"],
        fixture: Some("ckv2_azure_33"),
        differs: "a private endpoint leaves the public endpoint open; a firewall that denies by default closes it without one",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_36",
        codes: &["ST004"],
        fixture: Some("ckv_azure_36"),
        differs: "the exception matters where a workspace needs it: an account no workspace uses is not reported",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_40",
        codes: &["SEC017"],
        fixture: Some("ckv2_azure_40"),
        differs: "on an account limited to selected networks the network bounds where a key works",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_47",
        codes: &["SEC018"],
        fixture: Some("ckv2_azure_47"),
        differs: "on an account limited to selected networks only those networks reach a public container",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_190",
        codes: &["SEC018"],
        fixture: Some("ckv2_azure_47"),
        differs: "on an account limited to selected networks only those networks reach a public container",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.Storage.BlobPublicAccess",
        codes: &["SEC018"],
        fixture: Some("azure.storage.blobpublicaccess"),
        differs: "an unset allowBlobPublicAccess fails the rule, Azure applies false; an account limited to selected networks is reached only from those",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_44",
        codes: &[],
        fixture: None,
        differs: "no rule: the TLS version does not change what reaches what",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.Storage.MinTLS",
        codes: &[],
        fixture: None,
        differs: "no rule: the TLS version does not change what reaches what",
    },
    // ---- Key vault ----------------------------------------------------------------------------
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_189",
        codes: &["SEC006"],
        fixture: Some("ckv_azure_189"),
        differs: "a firewall that denies by default closes the public endpoint too",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_109",
        codes: &["SEC006"],
        fixture: Some("ckv_azure_109"),
        differs: "public network access Disabled closes the endpoint whatever the firewall's default",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.KeyVault.Firewall",
        codes: &["SEC006"],
        fixture: Some("ckv_azure_109"),
        differs: "public network access Disabled closes the endpoint whatever the firewall's default",
    },
    Peer {
        tool: "checkov",
        id: "CKV2_AZURE_32",
        codes: &["SEC006"],
        fixture: Some("ckv2_azure_32"),
        differs: "a private endpoint leaves the public endpoint open; a firewall that denies by default closes it without one",
    },
    // ---- Container registry -------------------------------------------------------------------
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_139",
        codes: &["SEC007"],
        fixture: Some("ckv_azure_139"),
        differs: "a Premium registry whose firewall denies by default does not answer every network",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ACR.Firewall",
        codes: &["SEC007"],
        fixture: Some("azure.acr.firewall"),
        differs: "",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_137",
        codes: &["SEC008"],
        fixture: Some("ckv_azure_137"),
        differs: "",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ACR.AdminUser",
        codes: &["SEC008"],
        fixture: Some("ckv_azure_137"),
        differs: "",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_138",
        codes: &["SEC009"],
        fixture: Some("ckv_azure_138"),
        differs: "",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ACR.AnonymousAccess",
        codes: &["SEC009"],
        fixture: Some("ckv_azure_138"),
        differs: "",
    },
    Peer {
        tool: "checkov",
        id: "CKV_AZURE_237",
        codes: &["SEC019"],
        fixture: Some("ckv_azure_237"),
        differs: "a registry reached only through its private endpoint pulls through it, which covers its data endpoints",
    },
    Peer {
        tool: "PSRule",
        id: "Azure.ACR.MinSku",
        codes: &["ACR001"],
        fixture: Some("azure.acr.minsku"),
        differs: "the tier matters where the network design needs Premium (a private endpoint or virtual network rules), and Standard does not give it",
    },
];

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/peers")
        .join(rel)
}

/// The verdicts a name's ending gives: (the peer fails it, moat fails it).
fn expected(name: &str) -> Option<(bool, bool)> {
    let n = name.replace('-', "");
    if n.ends_with("passdiff") {
        Some((false, true))
    } else if n.ends_with("faildiff") {
        Some((true, false))
    } else if n.ends_with("pass") {
        Some((false, false))
    } else if n.ends_with("fail") {
        Some((true, true))
    } else {
        None
    }
}

/// A name with its separators removed, as a Terraform label and an Azure name compare.
fn norm(s: &str) -> String {
    last(s).replace(['-', '_'], "")
}

/// The resource names in a fixture's text (`name = "..."`, `"name": "..."`) that carry a
/// verdict, private endpoints aside (they only serve the resource they name): each must be read
/// as a resource, so that a resource the reader left out cannot pass unnoticed.
fn tagged(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("name ") || l.starts_with("\"name\":"))
        .filter_map(|l| l.rsplit('"').nth(1))
        .filter(|n| !last(n).starts_with("pe-"))
        .map(norm)
        .filter(|n| expected(n).is_some())
        .collect()
}

fn last(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The fixture's named resources and every finding of every rule on it.
fn run(path: &Path) -> (Vec<String>, Vec<Finding>) {
    let l = moat_ingest::load_opts(path, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{}: {:#?}", path.display(), e.diagnostics));
    let t = &l.topology;
    let names = t
        .workspaces
        .iter()
        .map(|w| w.name.clone())
        .chain(t.computes.iter().map(|c| c.name.clone()))
        .chain(t.storage_accounts.iter().map(|s| s.name.clone()))
        .chain(t.key_vaults.iter().map(|k| k.name.clone()))
        .chain(t.container_registries.iter().map(|a| a.name.clone()))
        .map(|n| last(&n).to_string())
        .collect();
    let e = Engine::for_topology(t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all() {
        r.check(&cx, &mut v);
    }
    (names, v)
}

#[test]
fn moat_gives_each_peer_check_its_verdict_or_the_documented_other() {
    let mut failures = Vec::new();
    for p in PEERS {
        let Some(dir) = p.fixture else {
            assert!(
                p.codes.is_empty() && p.differs.starts_with("no rule"),
                "{}",
                p.id
            );
            continue;
        };
        let mut diffs = 0;
        for file in ["main.tf", "azuredeploy.json"] {
            let path = data(&format!("{dir}/{file}"));
            let (names, findings) = run(&path);
            for n in tagged(&path) {
                assert!(
                    names.iter().any(|x| norm(x) == n),
                    "{dir}/{file}: `{n}` is not read as a resource: {names:?}"
                );
            }
            let (mut passes, mut fails) = (0, 0);
            for name in &names {
                let Some((peer_fails, moat_should_fail)) = expected(name) else {
                    continue;
                };
                if peer_fails {
                    fails += 1;
                } else {
                    passes += 1;
                }
                if peer_fails != moat_should_fail {
                    diffs += 1;
                }
                let hit: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| p.codes.contains(&f.code) && last(&f.resource) == name)
                    .collect();
                if hit.is_empty() == moat_should_fail {
                    failures.push(format!(
                        "{} {} {dir}/{file}: {name}: moat {} ({:?})",
                        p.tool,
                        p.id,
                        if moat_should_fail {
                            "passes it"
                        } else {
                            "fails it"
                        },
                        hit.iter().map(|f| &f.message).collect::<Vec<_>>()
                    ));
                }
            }
            // azurerm has no attribute for a compute instance's idle shutdown.
            let no_pass = p.id == "Azure.ML.ComputeIdleShutdown" && file == "main.tf";
            assert!(
                fails > 0 && (passes > 0 || no_pass),
                "{dir}/{file}: needs a passing and a failing resource"
            );
        }
        assert_eq!(
            diffs > 0,
            !p.differs.is_empty(),
            "{} {}: a resource where moat differs iff the list says why",
            p.tool,
            p.id
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rows of the README's "Peer checks" table: (tool, check, codes).
fn readme_rows() -> Vec<(String, String, Vec<String>)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let section = readme
        .split("### Peer checks")
        .nth(1)
        .expect("README has a Peer checks section");
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| checkov") || l.starts_with("| PSRule"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let codes = cells[4]
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| {
                    w.len() >= 5
                        && w.len() <= 6
                        && w.chars().rev().take(3).all(|c| c.is_ascii_digit())
                        && w[..w.len() - 3].chars().all(|c| c.is_ascii_uppercase())
                })
                .map(String::from)
                .collect();
            (
                cells[1].to_string(),
                cells[2].trim_matches('`').to_string(),
                codes,
            )
        })
        .collect()
}

#[test]
fn the_readme_table_is_the_list() {
    let rows = readme_rows();
    let listed: BTreeSet<(String, String)> = PEERS
        .iter()
        .map(|p| (p.tool.to_string(), p.id.to_string()))
        .collect();
    let shown: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(t, i, _)| (t.clone(), i.clone()))
        .collect();
    assert_eq!(shown, listed, "README rows against PEERS");
    assert_eq!(rows.len(), PEERS.len(), "one README row per check");
    for (tool, id, codes) in &rows {
        let p = PEERS.iter().find(|p| p.tool == tool && p.id == id).unwrap();
        let want: Vec<String> = p.codes.iter().map(|c| c.to_string()).collect();
        assert_eq!(codes, &want, "README codes of {tool} {id}");
    }
}

#[test]
fn each_rule_names_the_peer_checks_it_answers() {
    for p in PEERS {
        for code in p.codes {
            let r = all()
                .into_iter()
                .find(|r| r.doc().code == *code)
                .unwrap_or_else(|| panic!("no rule {code}"));
            assert!(
                r.doc()
                    .sources
                    .iter()
                    .any(|s| s.starts_with("peers: ") && s.contains(p.id)),
                "{code} does not name {} {} among its peers",
                p.tool,
                p.id
            );
        }
    }
}

/// PSRule for Azure reads a bare JSON array of exported resources, in which a compute names its
/// workspace only through its id (`ResourceId`) and the workspace need not be in the export.
/// moat reads such a file as it is: the computes are kept, in the external workspace, and on
/// each resource moat gives each Azure ML rule's verdict; a finding that turns on the missing
/// workspace's settings says it is not decided.
#[test]
fn a_psrule_export_of_resources_reads_as_it_is() {
    let (names, findings) = run(&data("psrule-export/resources.json"));
    let computes = ["ci-pass", "ci-fail"];
    let workspaces = ["ws-pass", "ws-fail"];
    for n in computes.iter().chain(&workspaces) {
        assert!(names.iter().any(|x| x == n), "{n} is not read: {names:?}");
    }
    for id in [
        "Azure.ML.DisableLocalAuth",
        "Azure.ML.ComputeIdleShutdown",
        "Azure.ML.ComputeVnet",
        "Azure.ML.PublicAccess",
        "Azure.ML.UserManagedIdentity",
    ] {
        let p = PEERS.iter().find(|p| p.id == id).unwrap();
        let on = if id.contains("Compute") || id.contains("LocalAuth") {
            computes
        } else {
            workspaces
        };
        for name in on {
            let (_, fails) = expected(name).unwrap();
            let hit = findings
                .iter()
                .any(|f| p.codes.contains(&f.code) && last(&f.resource) == name);
            assert_eq!(hit, fails, "{id} on {name}");
        }
    }
    let outside = findings
        .iter()
        .find(|f| f.code == "SEC013" && last(&f.resource) == "ci-fail")
        .expect("SEC013 on ci-fail");
    assert!(
        outside.needs.iter().any(|n| n.starts_with("workspace of ")),
        "{:?}",
        outside.needs
    );
}
