//! The exfiltration map of the bundled examples, checked against the documents: seed 004
//! ("Data exfiltration prevention", "Data exfiltration protection", "Allow only approved
//! outbound mode", "Allow internet outbound mode") and the facts it is summarised in (§7).

use moat_engine::{Code, Engine, Step, Verdict};
use moat_exfil::map::map;
use moat_exfil::{Access, Category, Control, ExfilMap, Openness, Oracle, PlaceMap, Prepared, Row};
use moat_packets::Protocol;
use std::path::Path;

fn example(name: &str) -> moat_model::Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("topology.yaml");
    moat_ingest::load(&p, None).unwrap().topology
}

fn exfil(name: &str) -> ExfilMap {
    let t = example(name);
    let base = Engine::for_topology(&t, None).unwrap();
    let p = Prepared::new(&t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    map(&o)
}

fn place<'a>(m: &'a ExfilMap, id: &str) -> &'a PlaceMap {
    m.places
        .iter()
        .find(|p| p.place == id)
        .unwrap_or_else(|| panic!("no place {id}"))
}

fn row<'a>(p: &'a PlaceMap, label: &str) -> &'a Row {
    p.destinations
        .iter()
        .find(|r| r.dest.label == label)
        .unwrap_or_else(|| panic!("no destination {label} from {}", p.place))
}

fn openness(p: &PlaceMap, c: Category) -> Openness {
    p.summary
        .iter()
        .find(|s| s.category == c)
        .map(|s| s.openness)
        .unwrap()
}

fn blocked_code(r: &Row) -> Code {
    let w = r.reach.witness.as_ref().expect("a witness");
    w.trace.blocked_by().expect("a blocking hop").code
}

/// Seed 004, "Data exfiltration protection": "We use a service endpoint policy with an Azure
/// Machine Learning alias to allow outbound to only Azure Machine Learning managed storage
/// accounts. You don't need to open outbound to Storage on your firewall."
#[test]
fn endpoint_policy_closes_storage_outside_the_deployment() {
    let m = exfil("exfiltration-prevention");
    let p = place(&m, "subnet/spoke-vnet/training");
    let r = row(p, "any storage account in eastus");
    assert_eq!(r.dest.access, Access::ReadWrite);
    assert_eq!(r.reach.verdict, Verdict::Denied);
    assert_eq!(blocked_code(r), Code::SepDeny);
    assert_eq!(openness(p, Category::StorageOutside), Openness::Closed);
    // The storage Azure ML manages, reached by its tag, is what the alias admits.
    let managed = row(p, "tag:Storage.EastUS (the storage Azure ML manages)");
    assert_eq!(managed.reach.verdict, Verdict::Allowed);
    assert!(
        managed
            .reach
            .permitted_by
            .iter()
            .any(|e| e.code == Code::SepAllow)
    );
}

/// Seed 004, "Data exfiltration prevention": "In addition to service tags, the firewall uses
/// FQDNs to prevent data exfiltration"; facts §7: replace the AzureFrontDoor.Frontend tag by
/// the FQDNs ml.azure.com and the AutoML host.
#[test]
fn firewall_narrows_front_door_and_the_internet_to_names() {
    let m = exfil("exfiltration-prevention");
    let p = place(&m, "subnet/spoke-vnet/training");
    let fd = row(p, "tag:AzureFrontDoor.Frontend");
    assert_eq!(fd.dest.access, Access::ReadWrite);
    assert_eq!(fd.reach.verdict, Verdict::Denied);
    assert_eq!(blocked_code(fd), Code::FwImplicitDeny);
    let studio = row(p, "fqdn:ml.azure.com");
    assert_eq!(studio.dest.category, Category::FrontDoor);
    assert_eq!(studio.reach.verdict, Verdict::Allowed);
    assert_eq!(studio.reach.allowed, "tcp/443");
    assert!(
        studio
            .reach
            .permitted_by
            .iter()
            .any(|e| e.code == Code::FwApplicationAllow)
    );
    assert_eq!(openness(p, Category::FrontDoor), Openness::Narrowed);
    let any = row(p, "any internet host, by address");
    assert_eq!(any.reach.verdict, Verdict::Denied);
    // A host no application rule names is denied too.
    assert_eq!(
        row(p, "any internet host, by name").reach.verdict,
        Verdict::Denied
    );
    assert_eq!(openness(p, Category::Internet), Openness::Narrowed);
    // Every protocol and port was decided: nothing of the internet is left undecided.
    assert_eq!(any.reach.unknown, "none");
    assert!(any.reach.classes > 2);
}

/// Seed 004, "Data exfiltration protection": "We have two types of outbound; read only and
/// read/write ... Azure Storage and Azure Frontdoor (the frontdoor.frontend service tag) are
/// read/write outbound"; facts §7 names the read-only ones: Microsoft Entra ID, Azure Resource
/// Manager, Azure Machine Learning, Microsoft Container Registry.
#[test]
fn outbound_is_classified_as_the_documents_do() {
    let m = exfil("exfiltration-prevention");
    let p = place(&m, "subnet/spoke-vnet/training");
    for tag in [
        "tag:AzureActiveDirectory",
        "tag:AzureResourceManager",
        "tag:AzureMachineLearning",
        "tag:MicrosoftContainerRegistry.EastUS",
    ] {
        let r = row(p, tag);
        assert_eq!(r.dest.access, Access::ReadOnly, "{tag}");
        assert_eq!(r.reach.verdict, Verdict::Allowed, "{tag}");
    }
    assert_eq!(
        row(p, "any storage account in eastus").dest.access,
        Access::ReadWrite
    );
    // A tag the documents do not classify is never called read-only.
    assert_eq!(
        row(p, "tag:BatchNodeManagement.EastUS").dest.access,
        Access::Unclassified
    );
}

/// Seed 004, "Allow only approved outbound mode: Use this option if you want to minimize data
/// exfiltration risk ... You can control outbound rules using private endpoint, service tag,
/// and FQDN." Only the user's FQDN rules reach the internet, on ports 80 and 443 (the managed
/// network's FQDN rules, facts §5).
#[test]
fn approved_outbound_reaches_only_approved_names() {
    let m = exfil("managed-network-approved-outbound");
    let p = place(&m, "managed-network/ws");
    assert_eq!(openness(p, Category::StorageOutside), Openness::Closed);
    assert_eq!(openness(p, Category::FrontDoor), Openness::Closed);
    assert_eq!(openness(p, Category::Internet), Openness::Narrowed);
    for any in [
        "any internet host, by address",
        "any internet host, by name",
    ] {
        assert_eq!(row(p, any).reach.verdict, Verdict::Denied, "{any}");
    }
    let pypi = row(p, "fqdn:pypi.org");
    assert_eq!(pypi.reach.verdict, Verdict::Allowed);
    assert!(pypi.reach.allowed_set.contains(Protocol::TCP, 443));
    assert!(pypi.reach.allowed_set.contains(Protocol::TCP, 80));
    assert!(!pypi.reach.allowed_set.contains(Protocol::TCP, 22));
    assert!(!pypi.reach.allowed_set.contains(Protocol::UDP, 443));
}

/// Seed 004, "Allow internet outbound mode: Use this option if you want to allow your machine
/// learning engineers access the internet freely."
#[test]
fn internet_outbound_leaves_every_way_open() {
    let m = exfil("managed-network-internet-outbound");
    let p = place(&m, "managed-network/ws");
    for c in [
        Category::Internet,
        Category::StorageOutside,
        Category::FrontDoor,
    ] {
        assert_eq!(openness(p, c), Openness::Open, "{c:?}");
    }
    let any = row(p, "any internet host, by address");
    assert!(any.reach.allowed_set.is_any());
    let by_name = row(p, "any internet host, by name");
    assert_eq!(by_name.reach.verdict, Verdict::Allowed);
}

/// Every place of a hub-and-spoke deployment whose NSG opens Storage: the map names the rule
/// that lets the storage outside the deployment through, and the missing policy.
#[test]
fn open_storage_names_what_lets_it_through() {
    let m = exfil("hub-spoke-firewall");
    let p = place(&m, "subnet/spoke-vnet/training");
    let r = row(p, "any storage account in eastus");
    assert_eq!(r.reach.verdict, Verdict::Allowed);
    assert!(
        r.reach
            .permitted_by
            .iter()
            .any(|e| e.step == Step::Nsg || e.step == Step::Firewall || e.code == Code::SepMissing),
        "{:#?}",
        r.reach.permitted_by
    );
    assert_eq!(openness(p, Category::StorageOutside), Openness::Open);
}

fn map_of(t: &moat_model::Topology) -> ExfilMap {
    let base = Engine::for_topology(t, None).unwrap();
    let p = Prepared::new(t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    map(&o)
}

/// Seed 004, "Outbound from service to other Azure PaaS resources": "Securing outbound access
/// from your Azure Machine Learning service to other PaaS services is completed through
/// trusted services ... These trusted services use a managed identity to authenticate your
/// Azure Machine Learning service." The service's traffic is admitted or refused by the
/// destination's own network rules; none of the deployment's network elements carries it, so
/// for a storage account outside the deployment it is a class of its own, not an opening the
/// network makes.
#[test]
fn the_service_acting_with_its_identity_is_beyond_the_network() {
    for example in [
        "exfiltration-prevention",
        "managed-network-approved-outbound",
    ] {
        let m = exfil(example);
        let p = place(&m, "workspace/ws");
        for r in &p.destinations {
            assert_eq!(r.dest.control, Control::BeyondNetwork, "{}", r.dest.label);
            assert!(r.reach.permitted_by.is_empty(), "{}", r.dest.label);
        }
        let storage = row(p, "any storage account in eastus");
        assert!(storage.beyond_network(), "{example}");
        assert!(!storage.opened_by_network(), "{example}");
        assert_eq!(
            openness(p, Category::StorageOutside),
            Openness::BeyondNetwork
        );
        // The places the network carries stay the network's.
        let carried = m.places.iter().filter(|p| p.place != "workspace/ws");
        for p in carried.filter(|p| !p.place.starts_with("registry/")) {
            assert!(
                p.destinations
                    .iter()
                    .all(|r| r.dest.control == Control::Network),
                "{}",
                p.place
            );
        }
    }
}

/// A deployment whose only place is the workspace service (no compute, no network of its
/// own): the network opens nothing, whatever the service reaches with its identity.
#[test]
fn what_the_network_cannot_control_does_not_count_as_exposed() {
    let t: moat_model::Topology = serde_json::from_value(serde_json::json!({
        "name": "service-only",
        "region": "eastus",
        "workspaces": [{ "name": "ws", "storage_account": "wsstorage" }],
        "storage_accounts": [{ "name": "wsstorage" }]
    }))
    .unwrap();
    let m = map_of(&t);
    assert_eq!(m.places.len(), 1);
    assert!(m.places[0].destinations.iter().any(Row::beyond_network));
    assert!(!m.read_write_exposed());
    // The same service beside a subnet that opens Storage: that is exposed.
    let hub = exfil("hub-spoke-firewall");
    assert!(hub.read_write_exposed());
}

/// Seed 000, "Data exfiltration protection": "For a user created Azure Machine Learning
/// registry, we recommend using a private endpoint for the registry, managed storage account,
/// and managed ACR. For a system registry, we recommend creating a Service Endpoint Policy for
/// the Storage account using the /services/Azure/MachineLearning alias." A registry outside
/// the deployment that data could be written to is a user-created one, whose storage lives in
/// its owner's subscription ("How to find the Azure Storage Account ... used by your
/// registry"): the alias does not admit it.
#[test]
fn the_alias_does_not_admit_a_user_registrys_storage() {
    let m = exfil("exfiltration-prevention");
    let p = place(&m, "subnet/spoke-vnet/training");
    let r = row(p, "any registry in eastus (storage)");
    assert_eq!(r.dest.access, Access::ReadWrite);
    assert_eq!(r.reach.verdict, Verdict::Denied);
    assert_eq!(blocked_code(r), Code::SepDeny);
}

/// Seed 000's user registry, named in the policy by its managed storage account, is reached
/// through the endpoint; not named while the policy lists an account the deployment does not
/// hold, it may be that account: undecided.
#[test]
fn a_registry_storage_is_admitted_by_name_only() {
    use moat_engine::trace::{Query, trace};
    use moat_model::address::{Address, Kind};
    let mut t = example("exfiltration-prevention");
    t.registries.push(
        serde_json::from_value(serde_json::json!({
            "name": "contosoreg", "region": "eastus",
            "storage": { "name": "contosoregstore" }
        }))
        .unwrap(),
    );
    t.registries.push(
        serde_json::from_value(serde_json::json!({ "name": "otherreg", "region": "eastus" }))
            .unwrap(),
    );
    let q = |reg: &str| Query {
        from: Address::Subnet {
            vnet: "spoke-vnet".into(),
            subnet: "training".into(),
        },
        to: Address::resource(Kind::Registry, reg).with_sub("storage"),
        protocol: Protocol::TCP,
        port: 443,
    };
    let verdict = |t: &moat_model::Topology, reg: &str| {
        let e = Engine::for_topology(t, None).unwrap();
        trace(&e, &q(reg)).unwrap().verdict
    };
    assert_eq!(verdict(&t, "contosoreg"), Verdict::Denied);
    assert_eq!(verdict(&t, "otherreg"), Verdict::Denied);
    t.service_endpoint_policies[0].definitions[0]
        .service_resources
        .push("contosoregstore".into());
    assert_eq!(verdict(&t, "contosoreg"), Verdict::Allowed);
    // contosoregstore is no account of the deployment: it may be otherreg's storage.
    assert_eq!(verdict(&t, "otherreg"), Verdict::Unknown);
}

/// The oracle `moat exfil` uses keeps no traces; it must give the very map the caching one
/// gives, with as many traces run (the map asks each query once).
#[test]
fn the_uncached_oracle_gives_the_same_map() {
    for name in [
        "exfiltration-prevention",
        "managed-network-approved-outbound",
    ] {
        let t = example(name);
        let base = Engine::for_topology(&t, None).unwrap();
        let p = Prepared::new(&t);
        let e = base.variant(&p.topology);
        let cached = map(&Oracle::new(&e, &p.variants, p.stand_ins.clone()));
        let uncached = map(&Oracle::new(&e, &p.variants, p.stand_ins.clone()).uncached());
        assert_eq!(cached.traces, uncached.traces, "{name}");
        assert_eq!(
            serde_json::to_value(&cached).unwrap(),
            serde_json::to_value(&uncached).unwrap(),
            "{name}"
        );
    }
}

/// The exfiltration-prevention example with `edit` applied to its topology.
fn edited(edit: impl FnOnce(&mut moat_model::Topology)) -> ExfilMap {
    let mut t = example("exfiltration-prevention");
    edit(&mut t);
    map_of(&t)
}

/// A value the input leaves open on a firewall rule makes the map undecided where the value
/// could change the answer, never silently definite. Seed 004, "Data exfiltration
/// prevention": the firewall's rules are what narrow the internet to named hosts; a rule of
/// the Allow collection whose destinations are open may allow any address.
#[test]
fn an_open_firewall_rule_leaves_the_internet_undecided() {
    use moat_model::firewall::RuleValue;
    let m = edited(|t| {
        let c = &mut t.firewall_policies[0].rule_collection_groups[0].network_rule_collections[0];
        let r = c.rules.iter_mut().find(|r| r.name == "arm").unwrap();
        r.open.push(RuleValue::Destinations);
    });
    let p = place(&m, "subnet/spoke-vnet/training");
    let any = row(p, "any internet host, by address");
    assert_eq!(any.reach.verdict, Verdict::Unknown, "{:#?}", any.reach);
    let w = any.reach.witness.as_ref().unwrap();
    let h = w
        .trace
        .hops
        .iter()
        .find(|h| h.step == Step::Firewall)
        .unwrap();
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("aml-service-tags/arm"), "{h:?}");
    assert_eq!(openness(p, Category::Internet), Openness::Unknown);
}

/// The same for a collection's open action: the Allow collection naming ml.azure.com may
/// deny it, so what was reachable is undecided.
#[test]
fn an_open_collection_action_leaves_its_names_undecided() {
    let m = edited(|t| {
        let g = &mut t.firewall_policies[0].rule_collection_groups[0];
        g.application_rule_collections[0].action = moat_model::Open::Unknown;
    });
    let p = place(&m, "subnet/spoke-vnet/training");
    let studio = row(p, "fqdn:ml.azure.com");
    assert_eq!(
        studio.reach.verdict,
        Verdict::Unknown,
        "{:#?}",
        studio.reach
    );
    // A host no rule names is denied whatever the action: no rule of it may match.
    assert_eq!(
        row(p, "any internet host, by name").reach.verdict,
        Verdict::Denied
    );
}

/// An NSG rule whose access is open: the outbound Storage rule of the training subnet (TCP
/// 443 to Storage.EastUS) may allow or deny, so TCP 443 to the storage Azure ML manages is
/// undecided; the ports the rule does not name are decided as before.
#[test]
fn an_open_nsg_access_leaves_the_storage_it_governs_undecided() {
    let m = edited(|t| {
        let n = &mut t.network_security_groups[0];
        let r = n.rules.iter_mut().find(|r| r.name == "Storage").unwrap();
        r.access = moat_model::Open::Unknown;
    });
    let p = place(&m, "subnet/spoke-vnet/training");
    let managed = row(p, "tag:Storage.EastUS (the storage Azure ML manages)");
    assert_eq!(managed.reach.unknown, "tcp/443", "{:#?}", managed.reach);
    let before = exfil("exfiltration-prevention");
    let p = place(&before, "subnet/spoke-vnet/training");
    let managed = row(p, "tag:Storage.EastUS (the storage Azure ML manages)");
    assert_eq!(managed.reach.unknown, "none", "{:#?}", managed.reach);
}
