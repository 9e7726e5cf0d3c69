//! Identity by reference for a private endpoint's target, and what moat says of a target the
//! input does not declare. The rule of identity by reference: "A resource referred to by ... an id string some
//! of whose segments are unknown, resolves to the declared resource whenever the known parts
//! (type, name, the references it was built from) determine it. ... An unknown subscription,
//! resource group or random suffix never breaks structure." Item 3: "A resource that is
//! referenced but not declared ... becomes an *external* element with unknown properties, and
//! what the deployment puts into it ... still exists and is analysed."
//!
//! The deployment: a spoke with its own key vault `kv-main` and a private endpoint to the key
//! vault `kv-main` of resource group `rg-shared`, written as an ARM template and as Terraform.
//! When the resource group the deployment goes to is unknown, `rg-shared` may be it: the
//! target is the declared vault. When it is known and another, the target is a namesake the
//! input does not declare: kept, external, never dropped nor confused with the declared vault.

use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, Trace, Verdict};
use moat_model::address::{Address, Kind};
use moat_model::{Topology, external};
use moat_packets::Protocol;
use moat_rules::Severity;
use moat_rules::check::{Selection, run};
use std::path::{Path, PathBuf};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn load(path: &Path, opts: moat_ingest::Options) -> Topology {
    match moat_ingest::load_opts(path, &opts) {
        Ok(l) => l.topology,
        Err(e) => panic!("{} does not load: {:#?}", path.display(), e.diagnostics),
    }
}

fn deployed_to(resource_group: &str) -> moat_ingest::Options {
    let mut opts = moat_ingest::Options::default();
    opts.target.subscription = Some("9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718".into());
    opts.target.resource_group = Some(resource_group.into());
    opts
}

fn trace_to(t: &Topology, from: &str, to: &str) -> Trace {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    trace(&e, &q).expect("a trace, not an error")
}

/// (code, severity, decided) of every finding of `codes`.
fn findings(t: &Topology, codes: &[&str]) -> Vec<(String, Severity, bool)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    run(&cx, &Selection::default())
        .into_iter()
        .filter(|f| codes.contains(&f.code))
        .map(|f| {
            let decided = f.needs.is_empty()
                && f.trace
                    .as_ref()
                    .is_none_or(|t| t.verdict != Verdict::Unknown);
            (f.code.to_string(), f.severity, decided)
        })
        .collect()
}

fn kv(name: &str) -> Address {
    Address::resource(Kind::Keyvault, name)
}

/// The endpoint connects to the declared vault: nothing external, nothing dropped.
fn target_is_the_declared_vault(t: &Topology) {
    assert_eq!(t.private_endpoints.len(), 1, "{:#?}", t.unknowns);
    assert_eq!(t.private_endpoints[0].target, kv("kv-main"));
    assert!(external::list(t).is_empty(), "{:?}", external::list(t));
    assert!(t.is_unknown("private-endpoint/kv-pe", "target").is_none());
    // No zone group: the vault's name resolves publicly from the spoke, decidedly.
    let f = findings(t, &["PE001"]);
    assert_eq!(f, vec![("PE001".into(), Severity::Error, true)]);
}

/// The endpoint connects to a namesake in rg-shared: kept, external, its properties unknown;
/// the declared vault is untouched.
fn target_is_a_namesake_elsewhere(t: &Topology) {
    assert_eq!(t.private_endpoints.len(), 1, "{:#?}", t.unknowns);
    let pe = &t.private_endpoints[0];
    assert_eq!(pe.target, kv("kv-main@rg-shared"));
    assert_eq!(external::list(t), vec!["keyvault/kv-main@rg-shared"]);
    assert!(t.is_unknown("private-endpoint/kv-pe", "target").is_some());
    assert_eq!(t.key_vaults.len(), 1);
    assert!(
        moat_model::validate(t).is_empty(),
        "{:#?}",
        moat_model::validate(t)
    );
    // Its host is the vault's name, not the model's.
    let f = findings(t, &["PE001"]);
    assert_eq!(f, vec![("PE001".into(), Severity::Error, true)]);
    // A flow to it is unknown, and says what would decide it.
    let tr = trace_to(t, "subnet/spoke/pe", "keyvault/kv-main@rg-shared");
    assert_eq!(tr.verdict, Verdict::Unknown);
    assert!(
        tr.missing
            .iter()
            .any(|m| m.contains("properties of keyvault/kv-main@rg-shared")),
        "{:?}",
        tr.missing
    );
}

#[test]
fn arm_target_in_the_unknown_resource_group_of_the_deployment_is_the_declared_vault() {
    target_is_the_declared_vault(&load(&data("namesakes/arm.json"), Default::default()));
}

#[test]
fn arm_target_in_a_resource_group_left_open_is_the_declared_vault() {
    // `vaultRg` without value: the id's resource group is unknown.
    let t = load(&data("namesakes/arm-open-rg.json"), deployed_to("rg-main"));
    target_is_the_declared_vault(&t);
}

#[test]
fn arm_target_in_the_resource_group_of_the_deployment_is_the_declared_vault() {
    target_is_the_declared_vault(&load(&data("namesakes/arm.json"), deployed_to("rg-shared")));
}

#[test]
fn arm_target_in_another_known_resource_group_is_an_external_namesake() {
    target_is_a_namesake_elsewhere(&load(&data("namesakes/arm.json"), deployed_to("rg-main")));
}

#[test]
fn terraform_target_in_another_known_resource_group_is_an_external_namesake() {
    target_is_a_namesake_elsewhere(&load(&data("namesakes/tf-known-rg"), Default::default()));
}

#[test]
fn terraform_target_when_the_resource_group_name_is_unknown_is_the_declared_vault() {
    target_is_the_declared_vault(&load(&data("namesakes/tf-open-rg"), Default::default()));
}

/// What is referenced but not declared: a trace to a target the input refers to but does not declare (the shared
/// vault of another subscription, given by id) answers UNKNOWN and says what it needs; it was
/// an error ("key vault `shared-kv` is not in the topology"), and by its host name an
/// "allowed" resting on a public answer the endpoint's zone group makes private.
#[test]
fn a_trace_to_an_external_target_is_unknown_and_says_what_it_needs() {
    for input in [
        "external/external-target.json",
        "external/external-target-tf",
    ] {
        let t = load(&data(input), Default::default());
        for to in ["keyvault/shared-kv", "fqdn:shared-kv.vault.azure.net"] {
            let tr = trace_to(&t, "vm/jumpbox", to);
            assert_eq!(tr.verdict, Verdict::Unknown, "{input} {to}: {tr:#?}");
            assert!(
                tr.missing
                    .iter()
                    .any(|m| m.contains("properties of keyvault/shared-kv")),
                "{input} {to}: {:?}",
                tr.missing
            );
        }
        // A name nothing refers to is still an error.
        let e = Engine::for_topology(&t, None).unwrap();
        let q = Query {
            from: "vm/jumpbox".parse().unwrap(),
            to: kv("nowhere"),
            protocol: Protocol::TCP,
            port: 443,
        };
        assert!(trace(&e, &q).is_err());
    }
}

/// What is referenced but not declared, for DNS: an endpoint in a subnet of a VNet the input does not declare,
/// without a DNS zone group. Whether its target's name resolves to it depends on that VNet's
/// DNS servers, which are unknown: PE001 is undecided and says so, never a decided error.
#[test]
fn pe001_in_an_external_vnet_is_undecided() {
    for input in [
        "namesakes/pe-in-existing-vnet.json",
        "namesakes/tf-existing-vnet",
        "external/pe-in-existing-subnet.json",
    ] {
        let t = load(&data(input), Default::default());
        let f = findings(&t, &["PE001"]);
        assert!(!f.is_empty(), "{input}");
        for (code, severity, decided) in f {
            assert_eq!(
                (code.as_str(), severity, decided),
                ("PE001", Severity::Warning, false),
                "{input}"
            );
        }
    }
}

/// One network stamped into two resource groups. Azure's naming rules ("Naming rules and
/// restrictions for Azure resources", learn.microsoft.com/azure/azure-resource-manager/
/// management/resource-name-rules) give a virtual network's, a network security group's and
/// a network interface's name the scope "resource group": `vnet-ml` in rg-east and `vnet-ml`
/// in rg-west are two VNets, each with its own subnets and NSG, and nothing joins them (they
/// are not peered). Each is named `<name>@<resource group>` in the model; `west` gives the
/// model name of a west resource from its name.
fn two_networks_of_one_name(input: &str, t: &Topology, west: fn(&str) -> String) {
    two_networks(input, t, &|n| format!("{n}@rg-east"), &west);
}

/// The same, `east` and `west` giving the model names of each network's resources.
fn two_networks(
    input: &str,
    t: &Topology,
    east: &dyn Fn(&str) -> String,
    west: &dyn Fn(&str) -> String,
) {
    let vnets: Vec<(&str, Vec<String>)> = t
        .virtual_networks
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.subnets
                    .iter()
                    .map(|s| format!("{} {:?}", s.name, s.network_security_group))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        vnets,
        vec![
            (
                east("vnet-ml").as_str(),
                vec![format!("compute Some({:?})", east("nsg-compute"))]
            ),
            (
                west("vnet-ml").as_str(),
                vec![format!("compute Some({:?})", west("nsg-compute"))]
            ),
        ],
        "{input}"
    );
    let spaces: Vec<String> = t
        .virtual_networks
        .iter()
        .map(|v| format!("{:?}", v.address_space))
        .collect();
    assert_eq!(spaces, ["[10.1.0.0/16]", "[10.2.0.0/16]"], "{input}");
    let nics: Vec<(&str, &str)> = t
        .network_interfaces
        .iter()
        .map(|n| (n.name.as_str(), n.subnet.as_str()))
        .collect();
    let east_nic = (east("nic-vm"), format!("{}/compute", east("vnet-ml")));
    let west_nic = (west("nic-vm"), format!("{}/compute", west("vnet-ml")));
    assert_eq!(
        nics,
        [
            (east_nic.0.as_str(), east_nic.1.as_str()),
            (west_nic.0.as_str(), west_nic.1.as_str())
        ],
        "{input}"
    );
    assert!(
        moat_model::validate(t).is_empty(),
        "{input}: {:#?}",
        moat_model::validate(t)
    );
    let ssh = |from: &str, to: &str| {
        let e = Engine::for_topology(t, None).expect("engine");
        let q = Query {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            protocol: Protocol::TCP,
            port: 22,
        };
        trace(&e, &q).expect("a trace").verdict
    };
    let east_subnet = format!("subnet/{}/compute", east("vnet-ml"));
    let west_subnet = format!("subnet/{}/compute", west("vnet-ml"));
    // Not peered: no route from one VNet to the other, either way.
    assert_eq!(ssh(&east_subnet, "ip:10.2.1.4"), Verdict::Denied, "{input}");
    assert_eq!(ssh(&west_subnet, "ip:10.1.1.4"), Verdict::Denied, "{input}");
    // Inside each VNet its own NSG decides: east admits SSH from its VNet, west denies it.
    assert_eq!(
        ssh(&east_subnet, "ip:10.1.1.4"),
        Verdict::Allowed,
        "{input}"
    );
    assert_eq!(ssh(&west_subnet, "ip:10.2.1.4"), Verdict::Denied, "{input}");
}

fn in_rg_west(name: &str) -> String {
    format!("{name}@rg-west")
}

#[test]
fn terraform_vnets_of_one_name_in_two_resource_groups_are_two() {
    let input = "namesakes/tf-two-regions-one-name";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), in_rg_west);
}

#[test]
fn arm_vnets_of_one_name_in_two_resource_groups_are_two() {
    let input = "namesakes/arm-two-groups-one-name.json";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), in_rg_west);
}

/// A live export of a subscription holds both resource groups, each resource under its id.
#[test]
fn live_vnets_of_one_name_in_two_resource_groups_are_two() {
    let input = "namesakes/live-two-groups-one-name.json";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), in_rg_west);
}

/// Terraform binds each remote object to one resource address ("Terraform expects that each
/// remote object it is managing will be bound to only one resource address", Terraform's
/// import documentation), and azurerm refuses to create a resource whose name and resource
/// group exist: two declared VNets are two VNets, even where one's resource group is a
/// variable without value. The west ones are named after their own address; the west subnet
/// takes the same variable as its VNet, so it is that VNet's.
#[test]
fn terraform_vnets_of_one_name_one_in_an_open_resource_group_are_two() {
    let input = "namesakes/tf-open-group-one-name";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), |n| {
        let kind = match n {
            "vnet-ml" => "virtual_network",
            "nsg-compute" => "network_security_group",
            _ => "network_interface",
        };
        format!("{n}@azurerm_{kind}.west")
    });
}

/// The west subnet's resource group is another variable without value: it may be rg-east,
/// whose `vnet-ml` would then hold it. Which VNet holds it is unknown, never the first of its
/// name: it is kept in an external VNet, and a flow from it is undecided.
#[test]
fn terraform_subnet_in_an_open_resource_group_of_several_vnets_of_its_name_is_undecided() {
    let input = "namesakes/tf-open-group-other-value";
    let t = load(&data(input), Default::default());
    let vnets: Vec<(&str, bool, usize)> = t
        .virtual_networks
        .iter()
        .map(|v| (v.name.as_str(), v.external, v.subnets.len()))
        .collect();
    assert_eq!(
        vnets,
        [
            ("vnet-ml@rg-east", false, 1),
            ("vnet-ml@azurerm_virtual_network.west", false, 0),
            ("vnet-ml", true, 1),
        ]
    );
    let nic = t
        .network_interfaces
        .iter()
        .find(|n| n.name == "nic-vm@azurerm_network_interface.west")
        .expect("the west NIC");
    assert_eq!(nic.subnet, "vnet-ml/compute");
    let e = Engine::for_topology(&t, None).expect("engine");
    let q = Query {
        from: "subnet/vnet-ml/compute".parse().unwrap(),
        to: "ip:10.1.1.4".parse().unwrap(),
        protocol: Protocol::TCP,
        port: 22,
    };
    assert_eq!(trace(&e, &q).expect("a trace").verdict, Verdict::Unknown);
}

/// The warnings of `input` of code `code`, as (file name, line).
fn warnings_of(input: &Path, code: &str) -> Vec<(String, u32)> {
    let l = moat_ingest::load_opts(input, &Default::default()).expect("loads");
    l.warnings
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let file = Path::new(&d.location.file).file_name().unwrap();
            (file.to_string_lossy().into_owned(), d.location.line)
        })
        .collect()
}

/// The network module stamped twice into resource groups given by two variables without
/// values. Azure scopes these names to the resource group ("Naming rules and restrictions for
/// Azure resources": scope "resource group"), and whether the two groups are one is open: if
/// they are, the second of each name is one resource declared twice; if not, they are two
/// networks. Never a decided error, and never one network: each keeps its own subnet, NSG
/// (east allows SSH, west denies it) and NIC, named after its own address, and a warning at
/// each second resource says the groups may be one.
#[test]
fn terraform_modules_in_two_open_resource_groups_are_two_and_may_share_a_group() {
    let input = data("namesakes/tf-open-groups-modules");
    let t = load(&input, Default::default());
    let named = |m: &'static str| {
        move |n: &str| {
            let r = match n {
                "vnet-ml" => "azurerm_virtual_network.this",
                "nsg-compute" => "azurerm_network_security_group.compute",
                _ => "azurerm_network_interface.vm",
            };
            format!("{n}@module.{m}.{r}")
        }
    };
    two_networks("tf-open-groups-modules", &t, &named("east"), &named("west"));
    assert_eq!(
        warnings_of(&input, "possible-duplicate-name"),
        [
            ("main.tf".to_string(), 21),
            ("main.tf".to_string(), 35),
            ("main.tf".to_string(), 58)
        ]
    );
}

/// Each instance of the module gets a resource group resource of its own whose name ends in
/// a random suffix: Terraform binds each remote object to one resource address ("Terraform
/// expects that each remote object it is managing will be bound to only one resource
/// address"), so two group resources are two groups, unknown names and all. The networks are
/// two, decidedly: nothing to warn of.
#[test]
fn terraform_modules_in_two_group_resources_of_random_names_are_two() {
    let input = data("namesakes/tf-random-groups-modules");
    let t = load(&input, Default::default());
    let named = |rg: &'static str| move |n: &str| format!("{n}@azurerm_resource_group.{rg}");
    two_networks(
        "tf-random-groups-modules",
        &t,
        &named("east"),
        &named("west"),
    );
    assert!(warnings_of(&input, "possible-duplicate-name").is_empty());
}

/// Both instances given the one variable: whatever its value, both are in that group, and
/// each name is declared twice there, decidedly.
#[test]
fn terraform_modules_in_one_open_resource_group_declare_each_name_twice() {
    let input = data("namesakes/tf-one-open-group-twice");
    let Err(e) = moat_ingest::load_opts(&input, &Default::default()) else {
        panic!("duplicate names are errors");
    };
    let dups: Vec<&str> = e
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-name")
        .map(|d| d.message.split(" (").next().unwrap_or_default())
        .collect();
    assert_eq!(
        dups,
        [
            "virtual network `vnet-ml` is declared twice",
            "subnet `compute` is declared twice",
            "network security group `nsg-compute` is declared twice",
            "network interface `nic-vm` is declared twice"
        ]
    );
}

/// The ARM template's nested deployments sent to resource groups given by two parameters
/// without values: told apart by the unknown value each group is (its label in the model),
/// and each second resource warns that the groups may be one.
#[test]
fn arm_nested_deployments_to_two_open_resource_groups_are_two_and_may_share_a_group() {
    let input = data("namesakes/arm-open-groups-one-name.json");
    let t = load(&input, Default::default());
    let label = |space: &str| {
        let v = t
            .virtual_networks
            .iter()
            .find(|v| format!("{:?}", v.address_space) == space)
            .expect("a VNet of that space");
        v.name
            .strip_prefix("vnet-ml@")
            .expect("renamed")
            .to_string()
    };
    let (east, west) = (label("[10.1.0.0/16]"), label("[10.2.0.0/16]"));
    assert_ne!(east, west);
    two_networks(
        "arm-open-groups-one-name.json",
        &t,
        &|n| format!("{n}@{east}"),
        &|n| format!("{n}@{west}"),
    );
    assert_eq!(warnings_of(&input, "possible-duplicate-name").len(), 3);
    // The label is the group's mark: the warning says what it stands for.
    let l = moat_ingest::load_opts(&input, &Default::default()).expect("loads");
    for d in l
        .warnings
        .iter()
        .filter(|d| d.code == "possible-duplicate-name")
    {
        let hint = d.hint.as_deref().unwrap_or_default();
        assert!(hint.contains("parameters('rgWest')"), "{d:#?}");
    }
}

/// Groups named `<prefix>-east` and `<prefix>-west` from one parameter without value are two
/// groups whatever it is: told apart, nothing to warn of.
#[test]
fn arm_nested_deployments_to_groups_of_one_prefix_are_two() {
    let input = data("namesakes/arm-groups-of-one-prefix.json");
    let t = load(&input, Default::default());
    let names: Vec<&str> = t.virtual_networks.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(
        names[0].ends_with("-east") && names[1].ends_with("-west"),
        "{names:?}"
    );
    let (east, west) = (
        names[0].strip_prefix("vnet-ml@").unwrap().to_string(),
        names[1].strip_prefix("vnet-ml@").unwrap().to_string(),
    );
    two_networks(
        "arm-groups-of-one-prefix.json",
        &t,
        &|n| format!("{n}@{east}"),
        &|n| format!("{n}@{west}"),
    );
    assert!(warnings_of(&input, "possible-duplicate-name").is_empty());
}

/// The network of two resource groups written with `azapi_resource`, whose `parent_id` names
/// the resource group (or the VNet, for a subnet): the names are scoped to the group as for
/// azurerm resources, and each resource is named `<name>@<resource group>` by the same mapper.
#[test]
fn azapi_vnets_of_one_name_in_two_resource_groups_are_two() {
    let input = "namesakes/tf-azapi-two-groups";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), in_rg_west);
}

/// azurerm VNets with azapi subnets: the subnets' parent_id is each VNet's id, so each subnet
/// joins its own VNet, not the first of the name.
#[test]
fn azapi_subnets_of_azurerm_vnets_of_one_name_join_their_own() {
    let input = "namesakes/tf-azapi-azurerm-two-groups";
    two_networks_of_one_name(input, &load(&data(input), Default::default()), in_rg_west);
}

/// azapi VNets of one name whose parent_id is a variable without value, or an id written
/// around two: whether the groups are one is open, so the two are two (each with its own
/// subnet) and a warning says they may collide, never a decided duplicate.
#[test]
fn azapi_vnets_of_one_name_in_open_resource_groups_are_two_and_may_share_a_group() {
    let input = data("namesakes/tf-azapi-open-groups");
    let t = load(&input, Default::default());
    let vnets: Vec<(&str, Vec<String>)> = t
        .virtual_networks
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.subnets
                    .iter()
                    .map(|s| format!("{} {}", s.name, s.address_prefixes[0].0))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        vnets,
        [
            (
                "vnet-ml@azapi_resource.hub",
                vec!["compute 10.1.1.0/24".to_string()]
            ),
            (
                "vnet-ml@azapi_resource.spoke",
                vec!["compute 10.2.1.0/24".to_string()]
            ),
        ]
    );
    assert!(moat_model::validate(&t).is_empty());
    assert_eq!(
        warnings_of(&input, "possible-duplicate-name"),
        [("main.tf".to_string(), 17)]
    );
}

/// An environment module for dev and prod, each in a resource group a variable without value
/// gives, each with its own `privatelink.vaultcore.azure.net` zone ("Naming rules and
/// restrictions for Azure resources": a private DNS zone's name is unique within its resource
/// group). Whether the groups are one is open: the zones are two, each named after what stands
/// for its group, each endpoint's zone group writes its own zone, and each VNet resolves its
/// own vault privately and the other's publicly (the other's records are in the other zone).
#[test]
fn terraform_zones_of_one_name_in_two_open_resource_groups_are_two() {
    let input = data("namesakes/tf-open-groups-zones");
    let t = load(&input, Default::default());
    let zone = |env: &str| {
        format!("module.{env}.azurerm_private_dns_zone.kv/privatelink.vaultcore.azure.net")
    };
    let zones: Vec<String> = t.private_dns_zones.iter().map(|z| z.key()).collect();
    assert_eq!(zones, [zone("dev"), zone("prod")]);
    let groups: Vec<&[String]> = t
        .private_endpoints
        .iter()
        .map(|p| p.dns_zone_group.as_slice())
        .collect();
    assert_eq!(groups, [[zone("dev")], [zone("prod")]]);
    assert!(
        moat_model::validate(&t).is_empty(),
        "{:#?}",
        moat_model::validate(&t)
    );
    let subnet =
        |env: &str| format!("subnet/vnet-ml@module.{env}.azurerm_virtual_network.this/snet-pe");
    let own = trace_to(&t, &subnet("prod"), "keyvault/kv-ml-prod");
    assert_eq!(own.verdict, Verdict::Allowed, "{own:#?}");
    // The vault's public access is disabled, and dev's zone holds no record of prod's vault.
    let other = trace_to(&t, &subnet("dev"), "keyvault/kv-ml-prod");
    assert_eq!(other.verdict, Verdict::Denied, "{other:#?}");
    assert_eq!(
        warnings_of(&input, "possible-duplicate-name"),
        [
            ("main.tf".to_string(), 16),
            ("main.tf".to_string(), 51),
            ("main.tf".to_string(), 39)
        ]
    );
}

/// "Naming rules and restrictions for Azure resources": a virtual network's name is unique
/// within its resource group. One VNet name deployed into three resource groups the input
/// leaves open is three VNets, each named after its group: a group that is one parameter's
/// value reads as that parameter (`net@⟨parameters('rgSpoke')⟩`), and one that is a function of
/// it as that expression (`net@⟨tolower(parameters('rgHub'))⟩`): two groups whose values come
/// from one parameter (as written, and lower-cased) are two unknown values, which never read
/// alike.
#[test]
fn arm_open_resource_groups_are_labelled_by_the_parameter_they_come_from() {
    let t = load(
        &data("namesakes/arm-open-groups-labels.json"),
        Default::default(),
    );
    let mut names: Vec<&str> = t.virtual_networks.iter().map(|v| v.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "net@⟨parameters('rgHub')⟩",
            "net@⟨parameters('rgSpoke')⟩",
            "net@⟨tolower(parameters('rgHub'))⟩"
        ]
    );
}
