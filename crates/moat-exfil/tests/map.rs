//! The exfiltration map of the bundled examples, checked against the documents: seed 004
//! ("Data exfiltration prevention", "Data exfiltration protection", "Allow only approved
//! outbound mode", "Allow internet outbound mode") and the facts it is summarised in (§7).

use moat_engine::{Code, Engine, Step, Verdict};
use moat_exfil::map::map;
use moat_exfil::{Access, Category, ExfilMap, Openness, Oracle, PlaceMap, Prepared, Row};
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
    w.trace.blocked_by.as_ref().expect("a blocking hop").code
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
