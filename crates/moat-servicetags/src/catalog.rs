//! Tag catalogues: what a rule naming a service tag matches, with or without the tags file.

use crate::file::{NetworkFeature, ServiceTags};
use crate::regions::{Region, find_region};
use ipnet::IpNet;
use moat_packets::AddrSet;
use std::borrow::Cow;

/// How much of an endpoint a rule matches.
///
/// The endpoint is "some address denoted by the endpoint tag (or prefix)"; the rule matches
/// "the addresses denoted by the rule tag (or prefix)".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coverage {
    /// Every address the endpoint can have is matched by the rule.
    Yes,
    /// No address the endpoint can have is matched.
    No,
    /// Some of the endpoint's possible addresses are matched and some are not: the verdict
    /// depends on which address the endpoint really uses (resolve it to decide).
    Partial,
    /// The catalogue cannot tell: an unknown tag name, a tag whose addresses depend on the
    /// estate (`VirtualNetwork`), or a relation the built-in catalogue does not record.
    Unknown,
}

impl Coverage {
    /// Compares address sets: `Yes` if `endpoint ⊆ rule`, `No` if disjoint, else `Partial`;
    /// `Unknown` for an empty endpoint (no address to judge).
    pub fn of_sets(rule: &AddrSet, endpoint: &AddrSet) -> Coverage {
        if endpoint.is_empty() {
            Coverage::Unknown
        } else if endpoint.is_subset(rule) {
            Coverage::Yes
        } else if endpoint.intersects(rule) {
            Coverage::Partial
        } else {
            Coverage::No
        }
    }
}

/// The address space moat takes the `Internet` tag to denote: every IPv4 address outside the
/// special-purpose blocks (RFC 1918 private space, shared `100.64.0.0/10`, loopback,
/// link-local, `0.0.0.0/8`, documentation and benchmarking blocks, multicast and reserved
/// `224.0.0.0/3`) and outside the platform address `168.63.129.16` (the host's virtual IP,
/// which Azure counts in `VirtualNetwork`, and the `AzureLoadBalancer` source), plus IPv6
/// global unicast `2000::/3` minus the documentation block.
///
/// Azure defines `Internet` as the address space outside the virtual network that is
/// reachable from the public internet, *including* Azure-owned public addresses; so every
/// public service tag address is `Internet`. This model assumes the estate's VNet address
/// spaces use no public Azure ranges (true of any estate that can reach those services);
/// an engine that knows the estate should subtract its `VirtualNetwork` space itself.
pub fn internet_space() -> AddrSet {
    const NOT_INTERNET: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "168.63.129.16/32",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
        "2001:db8::/32",
    ];
    let public = AddrSet::from_nets([
        "0.0.0.0/0".parse().expect("literal"),
        "2000::/3".parse().expect("literal"),
    ]);
    public.difference(&AddrSet::from_nets(
        NOT_INTERNET
            .iter()
            .map(|s| s.parse::<IpNet>().expect("literal")),
    ))
}

/// The `AzureLoadBalancer` tag: the platform's virtual address `168.63.129.16`.
pub fn azure_load_balancer_space() -> AddrSet {
    AddrSet::net("168.63.129.16/32".parse().expect("literal"))
}

/// Tags that exist only in rules, never in the tags file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VirtualTag {
    /// `*` / `Any`.
    Any,
    /// `Internet`.
    Internet,
    /// `VirtualNetwork`: the estate's VNet, peered and on-premises space (estate-dependent).
    VirtualNetwork,
    /// `AzureLoadBalancer`.
    AzureLoadBalancer,
}

impl VirtualTag {
    /// Recognises a virtual tag name (any case).
    pub fn parse(s: &str) -> Option<VirtualTag> {
        let t = s.trim();
        Some(if t == "*" || t.eq_ignore_ascii_case("any") {
            VirtualTag::Any
        } else if t.eq_ignore_ascii_case("internet") {
            VirtualTag::Internet
        } else if t.eq_ignore_ascii_case("virtualnetwork") {
            VirtualTag::VirtualNetwork
        } else if t.eq_ignore_ascii_case("azureloadbalancer") {
            VirtualTag::AzureLoadBalancer
        } else {
            return None;
        })
    }

    /// Canonical spelling.
    pub fn name(self) -> &'static str {
        match self {
            VirtualTag::Any => "*",
            VirtualTag::Internet => "Internet",
            VirtualTag::VirtualNetwork => "VirtualNetwork",
            VirtualTag::AzureLoadBalancer => "AzureLoadBalancer",
        }
    }

    /// The addresses, when they do not depend on the estate.
    pub fn addresses(self) -> Option<AddrSet> {
        match self {
            VirtualTag::Any => Some(AddrSet::any()),
            VirtualTag::Internet => Some(internet_space()),
            VirtualTag::AzureLoadBalancer => Some(azure_load_balancer_space()),
            VirtualTag::VirtualNetwork => None,
        }
    }

    /// Coverage between two virtual tags, by definition.
    fn covers(rule: VirtualTag, endpoint: VirtualTag) -> Coverage {
        use VirtualTag::*;
        match (rule, endpoint) {
            (a, b) if a == b => Coverage::Yes,
            (Any, _) => Coverage::Yes,
            (Internet, VirtualNetwork) | (VirtualNetwork, Internet) => Coverage::No,
            (Internet, AzureLoadBalancer) | (AzureLoadBalancer, Internet) => Coverage::No,
            (_, Any) => Coverage::Partial,
            _ => Coverage::Unknown,
        }
    }
}

/// Splits `Base.Region` when the text after the last `.` names a region (programmatic name,
/// file code or tag suffix, any case): `Storage.EastUS` → (`Storage`, East US);
/// `AzureFrontDoor.Frontend` → `None`.
pub fn split_regional(tag: &str) -> Option<(&str, &'static Region)> {
    let (base, suffix) = tag.trim().rsplit_once('.')?;
    find_region(suffix).map(|r| (base, r))
}

/// What every catalogue answers. Tag names are compared without regard to case.
pub trait TagCatalog {
    /// Whether the catalogue knows the name (file mode: present in the file or virtual).
    fn is_known(&self, tag: &str) -> bool {
        self.canonical_name(tag).is_some()
    }

    /// The name as the catalogue spells it.
    fn canonical_name(&self, tag: &str) -> Option<String>;

    /// The regional variant of `base` in `region` (programmatic name such as `eastus` or
    /// `francecentral`, file code, or suffix), spelt as the tags file spells it.
    fn regional_name(&self, base: &str, region: &str) -> Option<String>;

    /// Whether a rule naming `rule_tag` matches an endpoint known only by `endpoint_tag`.
    fn covers(&self, rule_tag: &str, endpoint_tag: &str) -> Coverage;

    /// Whether a rule naming the prefix `rule` matches an endpoint known by `endpoint_tag`.
    fn covers_net(&self, rule: &IpNet, endpoint_tag: &str) -> Coverage;

    /// Whether a rule naming `rule_tag` matches an endpoint in the prefix `endpoint` (a host
    /// prefix for a single address).
    fn tag_covers_net(&self, rule_tag: &str, endpoint: &IpNet) -> Coverage;

    /// Whether the tag may be used where `feature` applies (`None`: not known).
    fn supports(&self, tag: &str, feature: &NetworkFeature) -> Option<bool>;

    /// The tag's addresses, when the catalogue has them.
    fn addresses(&self, tag: &str) -> Option<Cow<'_, AddrSet>>;
}

// ---------------------------------------------------------------------------------------------
// File mode: exact answers from the prefixes.

enum Resolved<'a> {
    Virtual(VirtualTag),
    Tag(&'a AddrSet),
    Unknown,
}

impl ServiceTags {
    fn resolve(&self, tag: &str) -> Resolved<'_> {
        if let Some(v) = VirtualTag::parse(tag) {
            return Resolved::Virtual(v);
        }
        match self.addr_set(tag) {
            Some(s) => Resolved::Tag(s),
            None => Resolved::Unknown,
        }
    }

    fn set_of<'a>(&'a self, r: &Resolved<'a>) -> Option<Cow<'a, AddrSet>> {
        match r {
            Resolved::Virtual(v) => v.addresses().map(Cow::Owned),
            Resolved::Tag(s) => Some(Cow::Borrowed(*s)),
            Resolved::Unknown => None,
        }
    }
}

impl TagCatalog for ServiceTags {
    fn canonical_name(&self, tag: &str) -> Option<String> {
        if let Some(v) = VirtualTag::parse(tag) {
            return Some(v.name().to_string());
        }
        self.get(tag).map(|t| t.name.clone())
    }

    fn regional_name(&self, base: &str, region: &str) -> Option<String> {
        ServiceTags::regional_name(self, base, region)
    }

    fn covers(&self, rule_tag: &str, endpoint_tag: &str) -> Coverage {
        let (r, e) = (self.resolve(rule_tag), self.resolve(endpoint_tag));
        match (&r, &e) {
            (Resolved::Virtual(VirtualTag::Any), _) => Coverage::Yes,
            (Resolved::Virtual(a), Resolved::Virtual(b)) => VirtualTag::covers(*a, *b),
            (Resolved::Virtual(VirtualTag::VirtualNetwork), _)
            | (_, Resolved::Virtual(VirtualTag::VirtualNetwork)) => Coverage::Unknown,
            _ => match (self.set_of(&r), self.set_of(&e)) {
                (Some(rs), Some(es)) => Coverage::of_sets(&rs, &es),
                _ => Coverage::Unknown,
            },
        }
    }

    fn covers_net(&self, rule: &IpNet, endpoint_tag: &str) -> Coverage {
        let e = self.resolve(endpoint_tag);
        match self.set_of(&e) {
            Some(es) => Coverage::of_sets(&AddrSet::net(*rule), &es),
            None => Coverage::Unknown,
        }
    }

    fn tag_covers_net(&self, rule_tag: &str, endpoint: &IpNet) -> Coverage {
        let r = self.resolve(rule_tag);
        match self.set_of(&r) {
            Some(rs) => Coverage::of_sets(&rs, &AddrSet::net(*endpoint)),
            None => Coverage::Unknown,
        }
    }

    fn supports(&self, tag: &str, feature: &NetworkFeature) -> Option<bool> {
        ServiceTags::supports(self, tag, feature)
    }

    fn addresses(&self, tag: &str) -> Option<Cow<'_, AddrSet>> {
        let r = self.resolve(tag);
        self.set_of(&r)
    }
}

// ---------------------------------------------------------------------------------------------
// Symbolic mode: names and structure only.

/// How a service spells its regional tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `Storage.EastUS`: the region's CamelCase suffix.
    Suffix,
    /// `AzureCloud.eastus`: the file's region code.
    Code,
    /// No regional variants.
    Global,
}

/// The services the built-in catalogue knows: those Azure ML network isolation depends on.
const SERVICES: &[(&str, Style)] = &[
    ("AzureMachineLearning", Style::Suffix),
    ("AzureActiveDirectory", Style::Global),
    ("AzureResourceManager", Style::Suffix),
    ("Storage", Style::Suffix),
    ("AzureFrontDoor.Frontend", Style::Global),
    ("AzureFrontDoor.FirstParty", Style::Global),
    ("AzureFrontDoor.Backend", Style::Global),
    ("MicrosoftContainerRegistry", Style::Suffix),
    ("AzureContainerRegistry", Style::Suffix),
    ("AzureMonitor", Style::Suffix),
    ("AzureKeyVault", Style::Suffix),
    ("BatchNodeManagement", Style::Suffix),
];

/// Names of the services the built-in [`Symbolic`] catalogue knows (besides `AzureCloud` and
/// the virtual tags).
pub fn symbolic_services() -> impl Iterator<Item = &'static str> {
    SERVICES.iter().map(|s| s.0)
}

/// A tag name understood structurally.
#[derive(Clone, Copy, Debug)]
enum Sym<'a> {
    Virtual(VirtualTag),
    /// `AzureCloud` or `AzureCloud.<code>`.
    Cloud(Option<&'static Region>),
    /// A catalogued service, optionally regional (with the suffix as written).
    Service(usize, Option<(&'static Region, &'a str)>),
    /// Anything else: a base name and maybe a region.
    Other(&'a str, Option<(&'static Region, &'a str)>),
}

fn classify(tag: &str) -> Sym<'_> {
    let tag = tag.trim();
    if let Some(v) = VirtualTag::parse(tag) {
        return Sym::Virtual(v);
    }
    let (base, region) = match split_regional(tag) {
        Some((b, r)) => (b, Some((r, &tag[b.len() + 1..]))),
        None => (tag, None),
    };
    let suffix_ok = |style: Style, r: &Region, s: &str| match style {
        Style::Suffix => {
            r.suffix.is_some_and(|x| x.eq_ignore_ascii_case(s))
                || r.variants.iter().any(|v| v.eq_ignore_ascii_case(s))
        }
        Style::Code => r.file_code.eq_ignore_ascii_case(s),
        Style::Global => false,
    };
    if base.eq_ignore_ascii_case("AzureCloud") {
        match region {
            None => return Sym::Cloud(None),
            Some((r, s)) if suffix_ok(Style::Code, r, s) => return Sym::Cloud(Some(r)),
            Some(_) => {}
        }
    }
    if let Some(i) = SERVICES
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(base))
    {
        match region {
            None => return Sym::Service(i, None),
            Some((r, s)) if suffix_ok(SERVICES[i].1, r, s) => return Sym::Service(i, Some((r, s))),
            Some(_) => {}
        }
    }
    Sym::Other(base, region)
}

/// Coverage between a base tag and its regional variants, for tags of the same base. True of
/// every tag in the public file (a test checks it): each regional tag is a subset of its global
/// tag, and distinct regional tags of one base are disjoint.
fn same_base(rule: Option<(&Region, &str)>, endpoint: Option<(&Region, &str)>) -> Coverage {
    match (rule, endpoint) {
        (None, _) => Coverage::Yes,
        (Some(_), None) => Coverage::Partial,
        (Some((_, a)), Some((_, b))) => {
            if a.eq_ignore_ascii_case(b) {
                Coverage::Yes
            } else {
                Coverage::No
            }
        }
    }
}

/// The built-in catalogue used when no tags file is loaded: it knows the tag *names* Azure ML
/// depends on (see [`symbolic_services`]), `AzureCloud`, the virtual tags and every public
/// region's suffix, and answers from structure alone:
///
/// * a tag covers itself; `*` covers everything;
/// * a global tag covers its regional variants (`Storage` ⊇ `Storage.EastUS`); a regional tag
///   covers part of its global tag (`Partial`); distinct regional variants of one base are
///   disjoint (`Storage.WestUS` does not cover `Storage.EastUS`) — for any base name;
/// * distinct catalogued services are disjoint (`Storage` does not cover
///   `AzureMachineLearning`);
/// * `Internet` covers every catalogued service tag and `AzureCloud` (they are public Azure
///   addresses, which Azure counts as `Internet`); service tags cover part of `Internet`;
///   `Internet` and `VirtualNetwork` are disjoint by definition;
/// * no service tag contains private or other special-purpose addresses, nor the
///   `AzureLoadBalancer` address, so prefixes in those ranges are `No` either way;
/// * everything else — uncatalogued service pairs, `AzureCloud` against a service, anything
///   against `VirtualNetwork`, whether a public prefix is in a tag — is `Unknown`.
///
/// The service relations hold for the public file of change number 375 (tests check every
/// pair against it); load a current file for exact answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Symbolic;

impl TagCatalog for Symbolic {
    fn canonical_name(&self, tag: &str) -> Option<String> {
        Some(match classify(tag) {
            Sym::Virtual(v) => v.name().to_string(),
            Sym::Cloud(None) => "AzureCloud".to_string(),
            Sym::Cloud(Some(r)) => format!("AzureCloud.{}", r.file_code),
            Sym::Service(i, None) => SERVICES[i].0.to_string(),
            Sym::Service(i, Some((r, s))) => {
                // Keep a stage variant as written, in its canonical case.
                let suffix = std::iter::once(r.suffix.unwrap_or(s))
                    .chain(r.variants.iter().copied())
                    .find(|x| x.eq_ignore_ascii_case(s))
                    .unwrap_or(s);
                format!("{}.{}", SERVICES[i].0, suffix)
            }
            Sym::Other(..) => return None,
        })
    }

    fn regional_name(&self, base: &str, region: &str) -> Option<String> {
        let r = find_region(region)?;
        match classify(base) {
            Sym::Cloud(None) => Some(format!("AzureCloud.{}", r.file_code)),
            Sym::Service(i, None) if SERVICES[i].1 == Style::Suffix => {
                r.suffix.map(|s| format!("{}.{}", SERVICES[i].0, s))
            }
            _ => None,
        }
    }

    fn covers(&self, rule_tag: &str, endpoint_tag: &str) -> Coverage {
        if rule_tag.trim().eq_ignore_ascii_case(endpoint_tag.trim()) {
            return Coverage::Yes;
        }
        use Sym::*;
        let (r, e) = (classify(rule_tag), classify(endpoint_tag));
        let public = |s: &Sym<'_>| matches!(s, Cloud(_) | Service(..));
        match (r, e) {
            (Virtual(a), Virtual(b)) => VirtualTag::covers(a, b),
            (Virtual(VirtualTag::Any), _) => Coverage::Yes,
            (Virtual(VirtualTag::Internet), x) if public(&x) => Coverage::Yes,
            (Virtual(VirtualTag::AzureLoadBalancer), x) if public(&x) => Coverage::No,
            (Virtual(_), _) => Coverage::Unknown,
            (x, Virtual(VirtualTag::Any | VirtualTag::Internet)) if public(&x) => Coverage::Partial,
            (x, Virtual(VirtualTag::AzureLoadBalancer)) if public(&x) => Coverage::No,
            (_, Virtual(_)) => Coverage::Unknown,
            (Cloud(a), Cloud(b)) => {
                same_base(a.map(|r| (r, r.file_code)), b.map(|r| (r, r.file_code)))
            }
            (Service(i, a), Service(j, b)) => {
                if i == j {
                    same_base(a, b)
                } else {
                    Coverage::No
                }
            }
            (Other(a, ra), Other(b, rb)) if a.eq_ignore_ascii_case(b) => same_base(ra, rb),
            _ => Coverage::Unknown,
        }
    }

    fn covers_net(&self, rule: &IpNet, endpoint_tag: &str) -> Coverage {
        let rs = AddrSet::net(*rule);
        match classify(endpoint_tag) {
            Sym::Virtual(v) => v
                .addresses()
                .map_or(Coverage::Unknown, |es| Coverage::of_sets(&rs, &es)),
            Sym::Cloud(_) | Sym::Service(..) if !rs.intersects(&internet_space()) => Coverage::No,
            _ => Coverage::Unknown,
        }
    }

    fn tag_covers_net(&self, rule_tag: &str, endpoint: &IpNet) -> Coverage {
        let es = AddrSet::net(*endpoint);
        match classify(rule_tag) {
            Sym::Virtual(v) => v
                .addresses()
                .map_or(Coverage::Unknown, |rs| Coverage::of_sets(&rs, &es)),
            Sym::Cloud(_) | Sym::Service(..) if !es.intersects(&internet_space()) => Coverage::No,
            _ => Coverage::Unknown,
        }
    }

    fn supports(&self, _tag: &str, _feature: &NetworkFeature) -> Option<bool> {
        None
    }

    fn addresses(&self, tag: &str) -> Option<Cow<'_, AddrSet>> {
        match classify(tag) {
            Sym::Virtual(v) => v.addresses().map(Cow::Owned),
            _ => None,
        }
    }
}

/// Either catalogue behind one type: symbolic by default, the file when loaded.
#[derive(Clone, Debug, Default)]
pub enum Catalog {
    /// Names and structure only.
    #[default]
    Symbolic,
    /// A loaded tags file.
    File(Box<ServiceTags>),
}

impl Catalog {
    fn inner(&self) -> &dyn TagCatalog {
        match self {
            Catalog::Symbolic => &Symbolic,
            Catalog::File(f) => f.as_ref(),
        }
    }

    /// The loaded file, if any.
    pub fn file(&self) -> Option<&ServiceTags> {
        match self {
            Catalog::File(f) => Some(f),
            Catalog::Symbolic => None,
        }
    }
}

impl From<ServiceTags> for Catalog {
    fn from(f: ServiceTags) -> Self {
        Catalog::File(Box::new(f))
    }
}

impl TagCatalog for Catalog {
    fn canonical_name(&self, tag: &str) -> Option<String> {
        self.inner().canonical_name(tag)
    }
    fn regional_name(&self, base: &str, region: &str) -> Option<String> {
        self.inner().regional_name(base, region)
    }
    fn covers(&self, rule_tag: &str, endpoint_tag: &str) -> Coverage {
        self.inner().covers(rule_tag, endpoint_tag)
    }
    fn covers_net(&self, rule: &IpNet, endpoint_tag: &str) -> Coverage {
        self.inner().covers_net(rule, endpoint_tag)
    }
    fn tag_covers_net(&self, rule_tag: &str, endpoint: &IpNet) -> Coverage {
        self.inner().tag_covers_net(rule_tag, endpoint)
    }
    fn supports(&self, tag: &str, feature: &NetworkFeature) -> Option<bool> {
        self.inner().supports(tag, feature)
    }
    fn addresses(&self, tag: &str) -> Option<Cow<'_, AddrSet>> {
        self.inner().addresses(tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coverage::*;

    #[test]
    fn symbolic_relations() {
        let s = Symbolic;
        assert_eq!(s.covers("Storage", "Storage.EastUS"), Yes);
        assert_eq!(s.covers("storage", "STORAGE.eastus"), Yes);
        assert_eq!(s.covers("Storage.WestUS", "Storage.EastUS"), No);
        assert_eq!(s.covers("Storage.EastUS", "Storage"), Partial);
        assert_eq!(s.covers("Storage.EastUS2", "Storage.EastUS2Stage"), No);
        assert_eq!(s.covers("Internet", "Storage.EastUS"), Yes);
        assert_eq!(s.covers("Internet", "AzureFrontDoor.FirstParty"), Yes);
        assert_eq!(s.covers("Storage", "Internet"), Partial);
        assert_eq!(s.covers("Storage", "AzureMachineLearning"), No);
        assert_eq!(
            s.covers("AzureFrontDoor.Frontend", "AzureFrontDoor.FirstParty"),
            No
        );
        assert_eq!(s.covers("AzureCloud", "Storage"), Unknown);
        assert_eq!(s.covers("Storage", "AzureCloud"), Unknown); // AzureFrontDoor.FirstParty is outside it
        assert_eq!(s.covers("AzureCloud", "AzureCloud.eastus"), Yes);
        assert_eq!(s.covers("*", "Whatever"), Yes);
        assert_eq!(s.covers("VirtualNetwork", "Storage"), Unknown);
        assert_eq!(s.covers("Internet", "VirtualNetwork"), No);
        assert_eq!(s.covers("Sql", "Sql.EastUS"), Yes);
        assert_eq!(s.covers("Sql.WestUS", "Sql.EastUS"), No);
        assert_eq!(s.covers("Sql", "EventHub"), Unknown);
        assert_eq!(s.covers("Internet", "Sql"), Unknown);
        assert_eq!(s.covers("AzureLoadBalancer", "Storage"), No);
    }

    #[test]
    fn symbolic_names() {
        let s = Symbolic;
        assert_eq!(
            s.regional_name("Storage", "eastus").as_deref(),
            Some("Storage.EastUS")
        );
        assert_eq!(
            s.regional_name("storage", "francecentral").as_deref(),
            Some("Storage.FranceCentral")
        );
        assert_eq!(
            s.regional_name("AzureCloud", "francecentral").as_deref(),
            Some("AzureCloud.centralfrance")
        );
        assert_eq!(s.regional_name("AzureActiveDirectory", "eastus"), None);
        assert_eq!(s.regional_name("Storage", "atlantis"), None);
        assert_eq!(
            s.canonical_name("storage.eastus2stage").as_deref(),
            Some("Storage.EastUS2Stage")
        );
        assert_eq!(s.canonical_name("internet").as_deref(), Some("Internet"));
        assert!(s.is_known("BatchNodeManagement.WestUS2"));
        assert!(!s.is_known("AzureActiveDirectory.EastUS"));
        assert!(!s.is_known("Sql"));
    }

    #[test]
    fn symbolic_prefixes() {
        let s = Symbolic;
        let n = |x: &str| x.parse::<IpNet>().unwrap();
        assert_eq!(s.covers_net(&n("10.0.0.0/8"), "Storage"), No);
        assert_eq!(s.covers_net(&n("0.0.0.0/0"), "Storage"), Unknown);
        assert_eq!(s.tag_covers_net("Storage", &n("10.0.0.4/32")), No);
        assert_eq!(s.tag_covers_net("Internet", &n("10.0.0.4/32")), No);
        assert_eq!(s.tag_covers_net("Internet", &n("20.38.98.7/32")), Yes);
        assert_eq!(s.tag_covers_net("Internet", &n("0.0.0.0/0")), Partial);
        assert_eq!(
            s.tag_covers_net("AzureLoadBalancer", &n("168.63.129.16/32")),
            Yes
        );
        assert_eq!(
            s.tag_covers_net("VirtualNetwork", &n("10.0.0.4/32")),
            Unknown
        );
        assert_eq!(s.covers_net(&n("168.63.0.0/16"), "AzureLoadBalancer"), Yes);
    }

    #[test]
    fn split() {
        assert_eq!(
            split_regional("Storage.EastUS").map(|(b, r)| (b, r.name)),
            Some(("Storage", "eastus"))
        );
        assert!(split_regional("AzureFrontDoor.Frontend").is_none());
        assert!(split_regional("AzureMonitor.Core").is_none());
        assert!(internet_space().contains("20.38.98.7".parse().unwrap()));
        assert!(!internet_space().contains("172.20.0.1".parse().unwrap()));
        assert!(!internet_space().contains("fd00::1".parse().unwrap()));
        assert!(!internet_space().contains("168.63.129.16".parse().unwrap()));
    }
}
