//! Every entry point of the shared corpus (`shared/corpus/TARGETS`: real ARM templates, Bicep
//! builds and Azure ML CLI specs written by others) imports, the whole rule catalog runs on it,
//! and `moat check` exits with 0 or 1, never 2 or a crash.
//!
//! What each entry deploys was counted by reading it: workspaces declared (not `existing`
//! references), how many of them have public network access `Disabled` as the template or its
//! defaults write it, Azure ML registries, and the private endpoints and private DNS zones it
//! deploys with its default parameters, and every resource it deploys so, kind by kind. The
//! rule: "nothing that the files declare is dropped": every resource is in the model, counted as
//! `moat show` counts it (a subnet or VNet it only refers to as external), or listed as
//! unmodelled when it is of a type the model does not cover.

use moat_engine::Engine;
use moat_model::enums::PublicNetworkAccess;
use moat_rules::check::{Selection, run};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/TARGETS"
);

/// What an entry deploys: workspaces, private workspaces, registries.
struct Expected {
    path: &'static str,
    workspaces: usize,
    private: usize,
    registries: usize,
    endpoints: usize,
    zones: usize,
    /// Every resource the entry deploys with its default parameters, counted by reading it,
    /// as `moat show` names the kinds (kind, count), and the types it deploys that the model
    /// does not cover (type, count).
    inventory: &'static [(&'static str, usize)],
    unmodelled: &'static [(&'static str, usize)],
}

const EXPECTED: &[Expected] = &[
    Expected {
        path: "qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure/azuredeploy.json",
        workspaces: 1,
        private: 1,
        registries: 0,
        endpoints: 5,
        zones: 6,
        // Read in full: two inline subnets and AzureBastionSubnet, nine NSG rules, three
        // workspace computes of which the AKS one attaches the managed cluster (one AKS
        // cluster in the model); the jump box and Bastion deploy by default.
        inventory: &[
            ("workspaces", 1),
            ("computes", 2),
            ("aks clusters", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("virtual networks", 1),
            ("subnets", 3),
            ("network security groups", 1),
            ("nsg rules", 9),
            ("public ips", 1),
            ("bastion hosts", 1),
            ("virtual machines", 1),
            ("network interfaces", 1),
            ("private endpoints", 5),
            ("private dns zones", 6),
        ],
        unmodelled: &[
            ("Microsoft.Compute/virtualMachines/extensions", 1),
            ("Microsoft.OperationalInsights/workspaces", 1),
        ],
    },
    Expected {
        path: "qs-workspace-vnet/quickstarts/microsoft.machinelearningservices/machine-learning-workspace-vnet/azuredeploy.json",
        workspaces: 1,
        private: 1,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // Read in full: privateEndpointType defaults to none, which turns off the VNet, the
        // subnet, the endpoint and its zones (their conditions and `enablePE`); the container
        // registry option defaults to none; storage, vault and Application Insights to new.
        inventory: &[
            ("workspaces", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("application insights", 1),
        ],
        unmodelled: &[],
    },
    Expected {
        path: "qs-network-restricted/quickstarts/microsoft.machinelearningservices/machine-learning-network-restricted/azuredeploy.json",
        workspaces: 1,
        private: 1,
        registries: 0,
        endpoints: 6,
        zones: 8,
        // Read in full: the VNet and subnet are given by parameters (external), and the
        // Azure AI services account with its endpoint is of types the model does not cover.
        inventory: &[
            ("workspaces", 1),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("external virtual networks", 1),
            ("external subnets", 1),
            ("private endpoints", 5),
            ("private dns zones", 8),
        ],
        unmodelled: &[
            ("Microsoft.CognitiveServices/accounts", 1),
            (
                "Microsoft.MachineLearningServices/workspaces/connections",
                1,
            ),
            ("Microsoft.Network/privateEndpoints", 1),
            ("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", 1),
            ("Microsoft.OperationalInsights/workspaces", 1),
        ],
    },
    Expected {
        path: "qs-network-restricted/quickstarts/microsoft.machinelearningservices/machine-learning-network-restricted/prereqs/prereq.azuredeploy.json",
        workspaces: 0,
        private: 0,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // Read in full: four unconditional resources, the VNet with its one inline subnet.
        inventory: &[
            ("virtual networks", 1),
            ("subnets", 1),
            ("public ips", 1),
            ("virtual machines", 1),
            ("network interfaces", 1),
        ],
        unmodelled: &[],
    },
    Expected {
        path: "avm-bicep-ml-workspace/avm/res/machine-learning-services/workspace/main.json",
        workspaces: 1,
        private: 1,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // Read in full: the workspace; the telemetry deployment is empty; every other resource
        // (lock, diagnostic settings, role assignments, computes, connections, datastores,
        // private endpoints) is conditional on or counted from a parameter that defaults to
        // null; the customer-managed key resources are `existing`.
        inventory: &[("workspaces", 1)],
        unmodelled: &[],
    },
    Expected {
        path: "avm-bicep-ml-registry/avm/res/machine-learning-services/registry/main.json",
        workspaces: 0,
        private: 0,
        registries: 1,
        endpoints: 0,
        zones: 0,
        // Read in full: the registry; role assignments, lock and private endpoints come from
        // parameters that default to null.
        inventory: &[("registries", 1)],
        unmodelled: &[],
    },
    // The AI hub and its project.
    Expected {
        path: "avm-bicep-ai-platform-baseline/avm/ptn/ai-platform/baseline/main.json",
        workspaces: 2,
        private: 2,
        registries: 0,
        endpoints: 3,
        zones: 4,
        // Read in full, module by module, with every configuration object at its null default:
        // the VNet, Bastion and jump box are created; the VNet module gets the `default` subnet
        // (with the default NSG and its one rule) and AzureBastionSubnet; Bastion creates its
        // public IP, the VM one NIC without a public IP and no extension (each defaults to
        // disabled); two storage zones and two workspace zones; storage gets blob and file
        // endpoints and the hub its workspace endpoint (the vault and the registry are given
        // none); the storage module's default blob service and the vault's one diagnostic
        // setting, with the Log Analytics workspace, are of types the model does not cover.
        // Role assignments wait for a managed identity name, which defaults to null.
        inventory: &[
            ("workspaces", 2),
            ("storage accounts", 1),
            ("key vaults", 1),
            ("container registries", 1),
            ("application insights", 1),
            ("virtual networks", 1),
            ("subnets", 2),
            ("network security groups", 1),
            ("nsg rules", 1),
            ("public ips", 1),
            ("bastion hosts", 1),
            ("virtual machines", 1),
            ("network interfaces", 1),
            ("private endpoints", 3),
            ("private dns zones", 4),
        ],
        unmodelled: &[
            ("Microsoft.Insights/diagnosticSettings", 1),
            ("Microsoft.OperationalInsights/workspaces", 1),
            ("Microsoft.Storage/storageAccounts/blobServices", 1),
        ],
    },
    Expected {
        path: "yaml-azureml-examples/cli/resources/workspace/privatelink.yml",
        workspaces: 1,
        private: 1,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // One workspace; `cpu-compute` is a cluster it names for image builds, not one it
        // declares.
        inventory: &[("workspaces", 1)],
        unmodelled: &[],
    },
    Expected {
        path: "yaml-azureml-examples/cli/resources/workspace/mvnet-allow-internet-outbound.yml",
        workspaces: 1,
        private: 0,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // One workspace; its two outbound rules name storage accounts by id without declaring
        // them.
        inventory: &[("workspaces", 1)],
        unmodelled: &[],
    },
    Expected {
        path: "yaml-azureml-examples/cli/resources/workspace/mvnet-allow-only-approved-outbound.yml",
        workspaces: 1,
        private: 0,
        registries: 0,
        endpoints: 0,
        zones: 0,
        // One workspace and its three outbound rules.
        inventory: &[("workspaces", 1)],
        unmodelled: &[],
    },
    Expected {
        path: "yaml-azureml-examples/cli/resources/registry/registry.yml",
        workspaces: 0,
        private: 0,
        registries: 1,
        endpoints: 0,
        zones: 0,
        // One registry, replicated to four regions.
        inventory: &[("registries", 1)],
        unmodelled: &[],
    },
];

fn corpus_dir() -> PathBuf {
    Path::new(TARGETS)
        .parent()
        .expect("TARGETS sits in the corpus directory")
        .to_path_buf()
}

/// The entries of `TARGETS`, one per line (blank lines and `#` comments skipped).
fn targets() -> Vec<String> {
    let text =
        std::fs::read_to_string(TARGETS).unwrap_or_else(|e| panic!("cannot read {TARGETS}: {e}"));
    let v: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    assert!(!v.is_empty(), "{TARGETS} lists no entry");
    v
}

fn expected(entry: &str) -> &'static Expected {
    EXPECTED
        .iter()
        .find(|e| e.path == entry)
        .unwrap_or_else(|| {
            panic!("{entry} is new in TARGETS: count what it deploys and add it to EXPECTED")
        })
}

#[test]
fn every_target_imports_and_the_catalog_runs() {
    for entry in targets() {
        let exp = expected(&entry);
        let path = corpus_dir().join(&entry);
        let loaded = moat_ingest::load_opts(&path, &moat_ingest::Options::default())
            .unwrap_or_else(|e| {
                panic!(
                    "{entry} does not import: {:?}",
                    e.diagnostics
                        .iter()
                        .map(|d| format!("{}:{}: {}", d.location.line, d.code, d.message))
                        .collect::<Vec<_>>()
                )
            });
        let t = &loaded.topology;
        assert_eq!(t.workspaces.len(), exp.workspaces, "{entry}: workspaces");
        assert_eq!(t.registries.len(), exp.registries, "{entry}: registries");
        let private: Vec<&str> = t
            .workspaces
            .iter()
            .filter(|w| w.public_network_access == PublicNetworkAccess::Disabled)
            .map(|w| w.name.as_str())
            .collect();
        assert_eq!(private.len(), exp.private, "{entry}: private workspaces");
        let unmodelled_endpoints = t
            .unmodelled
            .iter()
            .filter(|u| {
                u.resource_type
                    .eq_ignore_ascii_case("Microsoft.Network/privateEndpoints")
            })
            .count();
        assert_eq!(
            t.private_endpoints.len() + unmodelled_endpoints,
            exp.endpoints,
            "{entry}: private endpoints"
        );
        assert_eq!(
            t.private_dns_zones.len(),
            exp.zones,
            "{entry}: private DNS zones"
        );
        {
            let inv = moat_report::show::inventory(t, loaded.format);
            let got: Vec<(&str, usize)> = inv
                .counts
                .iter()
                .map(|c| (c.kind.as_str(), c.count))
                .collect();
            assert_eq!(got, exp.inventory, "{entry}: what show counts");
            let got: Vec<(&str, usize)> = inv
                .unmodelled
                .iter()
                .map(|c| (c.kind.as_str(), c.count))
                .collect();
            assert_eq!(got, exp.unmodelled, "{entry}: not modelled");
            // Every condition and copy count of every entry is decided by its defaults: what
            // may not exist is only a child subnet of a VNet that lists its subnets inline
            // (the end-to-end quickstart's Bastion subnet), which each deployment of the VNet
            // removes.
            assert!(
                inv.may_exist
                    .iter()
                    .all(|m| m.reason.contains("writes its subnets inline")),
                "{entry}: {:?}",
                inv.may_exist
            );
        }

        let findings = catch_unwind(AssertUnwindSafe(|| {
            let e = Engine::for_topology(t, None).expect("engine");
            let cx = moat_rules::Context::new(&e);
            run(&cx, &Selection::default())
        }))
        .unwrap_or_else(|_| panic!("{entry}: the rule catalog panicked"));
        for name in &private {
            let resource = format!("workspace/{name}");
            assert!(
                findings
                    .iter()
                    .any(|f| f.code == "WS005" && f.resource == resource),
                "{entry}: no WS005 for private {resource}"
            );
        }
    }
}

#[test]
fn moat_check_exits_0_or_1_on_every_target() {
    for entry in targets() {
        let path = corpus_dir().join(&entry);
        let out = Command::new(env!("CARGO_BIN_EXE_moat"))
            .arg("check")
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .expect("moat runs");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1)),
            "{entry}: moat check exited with {code:?} (a signal when None)\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The summary line ends every report; a private workspace shows up as WS005.
        assert!(
            (stdout.contains(" errors, ") || stdout.contains(" error, "))
                && stdout.contains(" info"),
            "{entry}: no summary\n{stdout}"
        );
        if expected(&entry).private > 0 {
            assert!(stdout.contains("WS005"), "{entry}: no WS005\n{stdout}");
        }
    }
}

/// The end-to-end secure quickstart names its key vault zone from `environment().suffixes.
/// keyvaultDns` (`privatelink.vault.azure.net`), while the key vault's private link zone is
/// `privatelink.vaultcore.azure.net`: from the training subnet, the vault's name resolves to its
/// public address, which the vault's firewall refuses. Deployed as `az deployment group create`
/// would (region, inline parameters), moat reports it, with the fix.
#[test]
fn the_secure_quickstart_key_vault_zone_is_found_wrong() {
    let path = corpus_dir().join(
        "qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure/azuredeploy.json",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("check")
        .arg(&path)
        .args(["--location", "eastus", "--resource-group", "rg-ml"])
        .args(["--parameters", "prefix=contoso"])
        .args(["--parameters", "dsvmJumpboxUsername=azureuser"])
        .args(["--select", "KV001,PE001", "--format", "json"])
        .output()
        .expect("moat runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let pe001 = findings
        .iter()
        .find(|f| f["code"] == "PE001")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert!(
        pe001["fix"]
            .as_str()
            .unwrap()
            .contains("privatelink.vaultcore.azure.net"),
        "{pe001:#}"
    );
    let kv001 = findings.iter().find(|f| f["code"] == "KV001").unwrap();
    assert!(
        kv001["resource"]
            .as_str()
            .unwrap()
            .starts_with("keyvault/kv-contoso-")
    );
    assert_eq!(kv001["trace"]["verdict"], "denied", "{kv001:#}");
}

/// A private DNS zone's virtual network link is created for a zone and a VNet, under a name of
/// the user's choosing: "az network private-dns link vnet create -g <resource-group-name>
/// --zone-name privatelink.api.azureml.ms --name <link-name> --virtual-network <vnet-name>"
/// (seed 003, "Configure a private endpoint for an Azure Machine Learning workspace"). The
/// end-to-end secure quickstart names its links `<zone>/<uniqueString(<resource id>)>`, whose
/// value depends on the subscription the input does not give: only the links' own names are
/// open. Every zone's name stays known, so the flows that resolve names through the zones are
/// decided: the key vault's name resolves publicly (its zone is the wrong one), which the
/// vault's firewall refuses.
#[test]
fn the_secure_quickstart_zone_links_of_open_names_leave_their_zones_known() {
    let path = corpus_dir().join(
        "qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure/azuredeploy.json",
    );
    let t = moat_ingest::load_opts(&path, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    assert_eq!(t.private_dns_zones.len(), 6);
    for z in &t.private_dns_zones {
        assert!(z.name.starts_with("privatelink."), "{}", z.name);
        let res = format!("private-dns-zone/{}", z.name);
        assert!(
            t.unknowns.iter().all(|u| u.resource != res),
            "{res}: {:#?}",
            t.unknowns
                .iter()
                .filter(|u| u.resource == res)
                .collect::<Vec<_>>()
        );
        // Each is linked to the quickstart's VNet, whatever the link is called.
        assert_eq!(z.vnet_links.len(), 1, "{}: {:?}", z.name, z.vnet_links);
    }
    // The link names themselves stay open, on the links.
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource.starts_with("private-dns-zone-link/") && u.field == "name"),
        "{:#?}",
        t.unknowns
    );
    let e = Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let findings = run(&cx, &Selection::default());
    for code in ["KV001", "PE001"] {
        let f = findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code}: {findings:#?}"));
        assert!(f.needs.is_empty(), "{code}: {:?}", f.needs);
        assert_eq!(f.severity, moat_rules::Severity::Error, "{code}");
    }
    // Nothing is left open by a zone's name.
    for f in &findings {
        assert!(
            f.needs.iter().all(|n| !n.contains("has an unknown name")),
            "{} {}: {:?}",
            f.code,
            f.resource,
            f.needs
        );
    }
}

/// The network-restricted quickstart puts its private endpoints into "the virtual network to
/// deploy the resource into" and "the subnet to deploy into", its parameters `vnetName` and
/// `subnetName`. Left without values, the subnet is one external subnet, named by the two
/// parameters rather than by marks, and every endpoint sits in that one subnet.
#[test]
fn the_network_restricted_quickstart_names_its_open_subnet_by_its_parameters() {
    let path = corpus_dir().join(
        "qs-network-restricted/quickstarts/microsoft.machinelearningservices/machine-learning-network-restricted/azuredeploy.json",
    );
    let t = moat_ingest::load_opts(&path, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let subnet = "⟨parameters('vnetName')⟩/⟨parameters('subnetName')⟩";
    assert!(!t.private_endpoints.is_empty());
    for pe in &t.private_endpoints {
        assert_eq!(pe.subnet, subnet, "{}", pe.name);
    }
    let vnets: Vec<&str> = t.virtual_networks.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(vnets, ["⟨parameters('vnetName')⟩"]);
    // `moat check` reads the same names, in its findings and its warnings.
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["check", path.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    // Findings on standard output, the import's warnings on standard error.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains(&format!("subnet/{subnet}")), "{text}");
    // The resource group of the ids is the parameter `vnetRgName` alone: no mark is left.
    let marks: Vec<&str> = text
        .split('⟨')
        .skip(1)
        .filter_map(|r| r.split_once('⟩').map(|(m, _)| m))
        .filter(|m| m.len() == 12 && m.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert!(marks.is_empty(), "{marks:?}\n{text}");
    assert!(
        text.contains("resourceGroups/⟨parameters('vnetRgName')⟩/"),
        "{text}"
    );
}
