//! Address space: what each address prefix of a rule or route covers, and where public service
//! endpoints live.
//!
//! With a service tags file, a tag means its published prefixes and a resource's public endpoint
//! is somewhere in its regional tag's prefixes. Without one, moat reasons symbolically: every
//! tag gets a block of the reserved IPv4 range 240.0.0.0/4 (never routed on the internet, so it
//! cannot be confused with a real address), regional tags nested inside their global tag's
//! block, and each resource endpoint a single address inside its regional block. Set algebra then decides tag rules exactly, and a rule written with a
//! public CIDR is *uncertain* over the synthetic range: whether `20.0.0.0/8` contains a storage
//! account's address cannot be known without the file, so the answer is unknown, not a guess.

use crate::tags::Catalog;
use foldhash::HashMap;
use ipnet::{IpNet, Ipv4Net};
use moat_model::values::AddressPrefix;
use moat_packets::AddrSet;
use std::net::{IpAddr, Ipv4Addr};

/// Root of the synthetic range for symbolic public endpoints (240.0.0.0/4): 9 bits of tag,
/// 7 bits of region, 12 bits of endpoint.
const ROOT: u32 = 0xF000_0000;
const ROOT_LEN: u8 = 4;
const BASE_SHIFT: u32 = 19;
const REGION_SHIFT: u32 = 12;
const LEAF_MASK: u32 = 0xFFF;
const MAX_BASES: usize = 511;
const MAX_REGIONS: usize = 127;

/// Address ranges that never hold a public service endpoint.
pub const PRIVATE_V4: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "168.63.129.16/32",
];

/// The address of Azure's platform (health probes, DNS): the `AzureLoadBalancer` tag in NSGs.
pub const AZURE_PLATFORM: &str = "168.63.129.16/32";

/// What a prefix covers: surely, and perhaps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub sure: AddrSet,
    pub maybe: AddrSet,
}

/// Context a prefix is read in: the `VirtualNetwork` tag depends on where the rule applies.
#[derive(Clone, Debug, Default)]
pub struct PrefixContext {
    /// The `VirtualNetwork` tag: the VNet's space, peered VNets, connected on-premises ranges,
    /// the host's virtual IP, and the prefixes of user-defined routes.
    pub virtual_network: AddrSet,
    /// What the tag perhaps also holds: Azure says it "might also contain default routes".
    pub virtual_network_maybe: AddrSet,
}

/// The address space of a topology's public side.
#[derive(Clone)]
pub struct Space {
    catalog: Catalog,
    bases: HashMap<String, u16>,
    regions: HashMap<String, u16>,
}

fn net(s: &str) -> IpNet {
    s.parse().expect("constant prefix")
}

/// [`PRIVATE_V4`], parsed once: every rule's prefix and every internet set asks for them.
fn private_v4() -> &'static [IpNet] {
    static NETS: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| PRIVATE_V4.iter().map(|s| net(s)).collect())
}

fn v4(bits: u32, len: u8) -> AddrSet {
    AddrSet::net(IpNet::V4(
        Ipv4Net::new(Ipv4Addr::from(bits), len).expect("prefix length"),
    ))
}

/// A stable 12-bit id for a resource name (its synthetic endpoint's host part).
fn leaf_id(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h & LEAF_MASK).max(1)
}

impl Space {
    /// A space reading tags through `catalog`.
    pub fn new(catalog: Catalog) -> Space {
        let mut bases = HashMap::default();
        let mut regions = HashMap::default();
        // Base 0 is "an internet host of unknown tags"; region 0 is "no region".
        // Tags and regions beyond the synthetic range's capacity stay unplaced; rules naming
        // them are then uncertain rather than wrong.
        for (i, b) in catalog.base_names().into_iter().take(MAX_BASES).enumerate() {
            bases.insert(b.to_ascii_lowercase(), (i + 1) as u16);
        }
        for (i, r) in catalog.regions().into_iter().take(MAX_REGIONS).enumerate() {
            regions.insert(r.to_ascii_lowercase(), (i + 1) as u16);
        }
        Space {
            catalog,
            bases,
            regions,
        }
    }

    /// The tag catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The whole synthetic range.
    pub fn synthetic_all() -> AddrSet {
        v4(ROOT, ROOT_LEN)
    }

    /// Microsoft hosts whose service tag is unknown: any tag may cover them.
    pub fn untagged() -> AddrSet {
        v4(ROOT, 14)
    }

    /// Third-party internet hosts (pypi.org, github.com): outside every service tag.
    pub fn external() -> AddrSet {
        v4(ROOT | (1 << 18), 14)
    }

    /// The address set of an internet host reached by name. Regional services answer from
    /// the caller's region (`near`), as `MicrosoftContainerRegistry.<region>` documents.
    pub fn host(&self, fqdn: &str, near: Option<&str>) -> AddrSet {
        match crate::hosts::host_tag(fqdn) {
            crate::hosts::HostTag::Tag(tag) => {
                let (base, region) = self.catalog.split(tag).unwrap_or((tag.to_string(), None));
                let regional = !matches!(
                    base.as_str(),
                    "AzureFrontDoor.Frontend"
                        | "AzureFrontDoor.FirstParty"
                        | "AzureActiveDirectory"
                        | "AzureResourceManager"
                );
                let region = region.or_else(|| near.filter(|_| regional).map(str::to_string));
                self.endpoint(Some(&base), region.as_deref(), fqdn)
            }
            crate::hosts::HostTag::Microsoft => {
                AddrSet::host(IpAddr::V4(Ipv4Addr::from(ROOT | leaf_id(fqdn))))
            }
            crate::hosts::HostTag::ThirdParty => {
                AddrSet::host(IpAddr::V4(Ipv4Addr::from(ROOT | (1 << 18) | leaf_id(fqdn))))
            }
        }
    }

    fn block(&self, base: &str, region: Option<&str>) -> Option<AddrSet> {
        let b = *self.bases.get(&base.to_ascii_lowercase())?;
        let base_bits = ROOT | (u32::from(b) << BASE_SHIFT);
        match region {
            None => Some(v4(base_bits, 13)),
            Some(r) => {
                let ri = *self.regions.get(&r.to_ascii_lowercase())?;
                Some(v4(base_bits | (u32::from(ri) << REGION_SHIFT), 20))
            }
        }
    }

    /// The address set of a public service endpoint: with a tags file, the prefixes of its
    /// regional tag (or global tag); symbolically, one synthetic address in its regional block.
    /// Untagged hosts get a synthetic address in the unknown-tags block.
    pub fn endpoint(&self, tag: Option<&str>, region: Option<&str>, resource: &str) -> AddrSet {
        let leaf = leaf_id(resource);
        if let Some(base) = tag {
            if self.catalog.has_file() {
                let regional = region.and_then(|r| self.catalog.regional_name(base, r));
                if let Some(p) = regional
                    .as_deref()
                    .and_then(|n| self.catalog.prefixes(n))
                    .or_else(|| self.catalog.prefixes(base))
                {
                    return AddrSet::from_nets(p);
                }
            }
            let ri = region
                .and_then(|r| self.regions.get(&r.to_ascii_lowercase()))
                .copied()
                .unwrap_or(0);
            if let Some(&b) = self.bases.get(&base.to_ascii_lowercase()) {
                let bits =
                    ROOT | (u32::from(b) << BASE_SHIFT) | (u32::from(ri) << REGION_SHIFT) | leaf;
                return AddrSet::host(IpAddr::V4(Ipv4Addr::from(bits)));
            }
        }
        AddrSet::host(IpAddr::V4(Ipv4Addr::from(ROOT | leaf)))
    }

    /// Whether an address set is (part of) the synthetic range.
    pub fn is_synthetic(set: &AddrSet) -> bool {
        set.is_subset(&Space::synthetic_all())
    }

    /// The set of every public address: public IPv4 outside the VNet space, and every
    /// synthetic endpoint.
    pub fn internet(&self, ctx: &PrefixContext) -> AddrSet {
        let private = AddrSet::from_nets(private_v4().iter().copied()).union(&ctx.virtual_network);
        AddrSet::any_v4()
            .difference(&private)
            .union(&Space::synthetic_all())
    }

    /// What an address prefix of a rule or route covers.
    pub fn cover(&self, p: &AddressPrefix, ctx: &PrefixContext) -> Cover {
        let none = AddrSet::none;
        match p {
            AddressPrefix::Any => Cover {
                sure: AddrSet::any(),
                maybe: none(),
            },
            AddressPrefix::Net(n) => {
                let set = AddrSet::net(*n);
                match n {
                    IpNet::V4(v) if v.prefix_len() == 0 => Cover {
                        sure: set.union(&Space::synthetic_all()),
                        maybe: none(),
                    },
                    IpNet::V4(v) if is_private_v4(v) => Cover {
                        sure: set,
                        maybe: none(),
                    },
                    IpNet::V4(_) => {
                        // A public range may hold a service's addresses; symbolically we cannot
                        // tell which, and untagged internet hosts are never placed exactly.
                        let synthetic = Space::synthetic_all();
                        let maybe = if self.catalog.has_file() {
                            Space::untagged().union(&Space::external())
                        } else {
                            synthetic.clone()
                        };
                        Cover {
                            sure: set.difference(&synthetic),
                            maybe,
                        }
                    }
                    IpNet::V6(_) => Cover {
                        sure: set,
                        maybe: none(),
                    },
                }
            }
            AddressPrefix::Tag(t) => self.tag_cover(t, ctx),
        }
    }

    fn tag_cover(&self, tag: &str, ctx: &PrefixContext) -> Cover {
        let none = AddrSet::none;
        match tag.to_ascii_lowercase().as_str() {
            "virtualnetwork" => {
                return Cover {
                    sure: ctx.virtual_network.clone(),
                    maybe: ctx.virtual_network_maybe.difference(&ctx.virtual_network),
                };
            }
            "azureloadbalancer" => {
                return Cover {
                    sure: AddrSet::net(net(AZURE_PLATFORM)),
                    maybe: none(),
                };
            }
            "internet" => {
                return Cover {
                    sure: self.internet(ctx),
                    maybe: none(),
                };
            }
            _ => {}
        }
        let Some((base, region)) = self.catalog.split(tag) else {
            // A tag nobody knows: it might cover any public address.
            return Cover {
                sure: none(),
                maybe: self.internet(ctx),
            };
        };
        let mut sure = self.block(&base, region.as_deref()).unwrap_or_else(none);
        if self.catalog.has_file()
            && let Some(p) = self.catalog.prefixes(tag)
        {
            sure = sure.union(&AddrSet::from_nets(p));
        }
        // Hosts of unknown tags may sit behind this tag (ml.azure.com is Front Door). Without
        // the tags file, a real public address may belong to any tag: only the file says which.
        let mut maybe = Space::untagged();
        if !self.catalog.has_file() {
            maybe = maybe.union(&self.internet(ctx).difference(&Space::synthetic_all()));
        }
        Cover { sure, maybe }
    }
}

fn is_private_v4(n: &Ipv4Net) -> bool {
    private_v4().iter().any(|p| match p {
        IpNet::V4(q) => q.contains(n),
        IpNet::V6(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::Catalog;

    fn space() -> Space {
        Space::new(Catalog::symbolic())
    }

    #[test]
    fn regional_endpoints_sit_inside_their_tags() {
        let s = space();
        let ctx = PrefixContext::default();
        let ep = s.endpoint(Some("Storage"), Some("eastus"), "wsstorage");
        let tag = |t: &str| s.cover(&AddressPrefix::Tag(t.into()), &ctx);
        assert!(ep.is_subset(&tag("Storage").sure));
        assert!(ep.is_subset(&tag("Storage.EastUS").sure));
        assert!(!ep.intersects(&tag("Storage.WestUS").sure));
        assert!(!ep.intersects(&tag("AzureMachineLearning").sure));
        assert!(ep.is_subset(&tag("Internet").sure));
    }

    #[test]
    fn public_cidrs_are_uncertain_over_symbolic_endpoints() {
        let s = space();
        let ctx = PrefixContext::default();
        let ep = s.endpoint(Some("Storage"), Some("eastus"), "wsstorage");
        let c = s.cover(&AddressPrefix::Net("20.0.0.0/8".parse().unwrap()), &ctx);
        assert!(!ep.intersects(&c.sure));
        assert!(ep.is_subset(&c.maybe));
        let private = s.cover(&AddressPrefix::Net("10.0.0.0/8".parse().unwrap()), &ctx);
        assert!(!ep.intersects(&private.sure) && !ep.intersects(&private.maybe));
        let all = s.cover(&AddressPrefix::Net("0.0.0.0/0".parse().unwrap()), &ctx);
        assert!(ep.is_subset(&all.sure));
    }
}
