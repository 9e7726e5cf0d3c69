//! The service tags file (`ServiceTags_Public.json`, or `az network list-service-tags` output).

use crate::regions::find_region;
use ipnet::IpNet;
use moat_packets::{AddrSet, LpmTable};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why a service tags file could not be used. An unreadable file is always an error, never an
/// empty catalogue.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read service tags file {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or JSON of the wrong shape.
    #[error("{origin}:{line}:{column}: not a valid service tags file: {message}")]
    Json {
        /// File path, or `<string>`.
        origin: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json found.
        message: String,
    },
    /// An address prefix that does not parse.
    #[error("{origin}: service tag `{tag}` has an invalid address prefix `{prefix}`")]
    Prefix {
        /// File path, or `<string>`.
        origin: String,
        /// The tag holding it.
        tag: String,
        /// The text found.
        prefix: String,
    },
    /// Two values with the same name (names are compared without regard to case).
    #[error("{origin}: service tag `{tag}` appears more than once")]
    Duplicate {
        /// File path, or `<string>`.
        origin: String,
        /// The repeated name.
        tag: String,
    },
}

/// A `networkFeatures` entry: where Azure accepts the tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetworkFeature {
    /// `API`: returned by the Service Tag Discovery API.
    Api,
    /// `NSG`: usable in network security group rules.
    Nsg,
    /// `UDR`: usable as a route address prefix.
    Udr,
    /// `FW`: usable in Azure Firewall rules.
    Fw,
    /// `VSE`: virtual network service endpoint.
    Vse,
    /// Any other value, as written.
    Other(String),
}

impl FromStr for NetworkFeature {
    type Err = std::convert::Infallible;
    /// Case-insensitive; unknown values become [`NetworkFeature::Other`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "API" => NetworkFeature::Api,
            "NSG" => NetworkFeature::Nsg,
            "UDR" => NetworkFeature::Udr,
            "FW" => NetworkFeature::Fw,
            "VSE" => NetworkFeature::Vse,
            _ => NetworkFeature::Other(s.trim().to_string()),
        })
    }
}

impl fmt::Display for NetworkFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkFeature::Api => "API",
            NetworkFeature::Nsg => "NSG",
            NetworkFeature::Udr => "UDR",
            NetworkFeature::Fw => "FW",
            NetworkFeature::Vse => "VSE",
            NetworkFeature::Other(s) => s,
        })
    }
}

/// One value of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTag {
    /// Tag name as spelt in the file (`Storage.EastUS`).
    pub name: String,
    /// The file's region code (`eastus`, `centralfrance`); empty for global tags.
    pub region: String,
    /// The file's `regionId` (0 for global tags).
    pub region_id: Option<u32>,
    /// `systemService` (may be empty).
    pub system_service: String,
    /// The value's own `changeNumber`.
    pub change_number: Option<u64>,
    /// Address prefixes, IPv4 and IPv6, in file order.
    pub address_prefixes: Vec<IpNet>,
    /// `networkFeatures`; `None` when the file lists none (`null`), which says nothing either
    /// way about support.
    pub network_features: Option<Vec<NetworkFeature>>,
}

impl ServiceTag {
    /// Whether this is a regional tag.
    pub fn is_regional(&self) -> bool {
        !self.region.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
    change_number: u64,
    cloud: String,
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
struct RawValue {
    name: String,
    properties: RawProperties,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProperties {
    #[serde(default)]
    change_number: Option<u64>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    region_id: Option<u32>,
    #[serde(default)]
    system_service: Option<String>,
    address_prefixes: Vec<String>,
    #[serde(default)]
    network_features: Option<Vec<String>>,
}

/// A loaded service tags file with its lookup structures.
///
/// Loading parses every prefix, builds one [`AddrSet`] per tag (for exact coverage answers)
/// and a prefix trie over all prefixes (for [`ServiceTags::tags_containing`]).
#[derive(Clone)]
pub struct ServiceTags {
    change_number: u64,
    cloud: String,
    tags: Vec<ServiceTag>,
    sets: Vec<AddrSet>,
    by_name: HashMap<String, u32>,
    trie: LpmTable<Vec<u32>>,
}

impl fmt::Debug for ServiceTags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceTags")
            .field("cloud", &self.cloud)
            .field("change_number", &self.change_number)
            .field("tags", &self.tags.len())
            .finish()
    }
}

impl ServiceTags {
    /// Reads and indexes a service tags file.
    pub fn load(path: impl AsRef<Path>) -> Result<ServiceTags, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Indexes service tags JSON held in memory (errors name the origin `<string>`).
    pub fn from_json_str(json: &str) -> Result<ServiceTags, Error> {
        Self::parse(json, "<string>")
    }

    fn parse(json: &str, origin: &str) -> Result<ServiceTags, Error> {
        let raw: RawFile = serde_json::from_str(json).map_err(|e| {
            let mut message = e.to_string();
            // serde_json appends " at line L column C"; the location is reported separately.
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            Error::Json {
                origin: origin.to_string(),
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        let mut tags = Vec::with_capacity(raw.values.len());
        let mut by_name = HashMap::with_capacity(raw.values.len());
        for v in raw.values {
            let mut prefixes = Vec::with_capacity(v.properties.address_prefixes.len());
            for p in &v.properties.address_prefixes {
                let net = parse_prefix(p).ok_or_else(|| Error::Prefix {
                    origin: origin.to_string(),
                    tag: v.name.clone(),
                    prefix: p.clone(),
                })?;
                prefixes.push(net);
            }
            let idx = tags.len() as u32;
            if by_name.insert(v.name.to_ascii_lowercase(), idx).is_some() {
                return Err(Error::Duplicate {
                    origin: origin.to_string(),
                    tag: v.name,
                });
            }
            let features = v.properties.network_features.map(|fs| {
                fs.iter()
                    .map(|f| f.parse::<NetworkFeature>().unwrap_or_else(|e| match e {}))
                    .collect()
            });
            tags.push(ServiceTag {
                name: v.name,
                region: v.properties.region.unwrap_or_default(),
                region_id: v.properties.region_id,
                system_service: v.properties.system_service.unwrap_or_default(),
                change_number: v.properties.change_number,
                address_prefixes: prefixes,
                network_features: features,
            });
        }
        let sets = tags
            .iter()
            .map(|t| AddrSet::from_nets(t.address_prefixes.iter().copied()))
            .collect();
        let mut trie: LpmTable<Vec<u32>> = LpmTable::new();
        for (i, t) in tags.iter().enumerate() {
            for p in &t.address_prefixes {
                match trie.get_mut(p) {
                    Some(v) => {
                        if v.last() != Some(&(i as u32)) {
                            v.push(i as u32);
                        }
                    }
                    None => {
                        trie.insert(*p, vec![i as u32]);
                    }
                }
            }
        }
        Ok(ServiceTags {
            change_number: raw.change_number,
            cloud: raw.cloud,
            tags,
            sets,
            by_name,
            trie,
        })
    }

    /// The file's `changeNumber`.
    pub fn change_number(&self) -> u64 {
        self.change_number
    }

    /// The file's `cloud` (`Public`, `AzureGovernment`, …).
    pub fn cloud(&self) -> &str {
        &self.cloud
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether the file has no values.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// All values, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &ServiceTag> + '_ {
        self.tags.iter()
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(&name.trim().to_ascii_lowercase())
            .map(|&i| i as usize)
    }

    /// A value by name, compared without regard to case (`storage.eastus` finds
    /// `Storage.EastUS`).
    pub fn get(&self, name: &str) -> Option<&ServiceTag> {
        self.index_of(name).map(|i| &self.tags[i])
    }

    /// A tag's prefixes (case-insensitive name).
    pub fn prefixes(&self, tag: &str) -> Option<&[IpNet]> {
        self.get(tag).map(|t| t.address_prefixes.as_slice())
    }

    /// A tag's addresses as a set (case-insensitive name).
    pub fn addr_set(&self, tag: &str) -> Option<&AddrSet> {
        self.index_of(tag).map(|i| &self.sets[i])
    }

    /// Every tag, global or regional, with a prefix containing `ip`, in file order. A trie walk
    /// over the address's bits: microseconds.
    pub fn tags_containing(&self, ip: IpAddr) -> Vec<&str> {
        let mut idx: Vec<u32> = self
            .trie
            .matches(ip)
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .map(|i| self.tags[i as usize].name.as_str())
            .collect()
    }

    /// The regional variant of `base` in `region`, as spelt in the file. `region` may be the
    /// programmatic name (`eastus`, `francecentral`), the file's code (`centralfrance`) or the
    /// tag suffix (`FranceCentral`), in any case. Uses the values' `region` fields, so it also
    /// finds tags spelt with the code (`AzureCloud.centralfrance`).
    pub fn regional_tag(&self, base: &str, region: &str) -> Option<&ServiceTag> {
        let code = find_region(region).map_or_else(
            || region.trim().to_ascii_lowercase(),
            |r| r.file_code.to_string(),
        );
        let base = base.trim();
        let is_variant_of = |t: &ServiceTag| {
            t.region == code
                && t.name.len() > base.len() + 1
                && t.name.as_bytes()[base.len()] == b'.'
                && t.name
                    .get(..base.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(base))
        };
        // Prefer the region's main suffix over stage variants (`EastUS2` over `EastUS2Stage`).
        let main = find_region(&code)
            .and_then(|r| r.suffix)
            .map(|s| format!("{base}.{s}"));
        let mut found = None;
        for t in self.tags.iter().filter(|t| is_variant_of(t)) {
            if main
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(&t.name))
            {
                return Some(t);
            }
            if found.is_none_or(|f: &ServiceTag| t.name.len() < f.name.len()) {
                found = Some(t);
            }
        }
        found
    }

    /// [`ServiceTags::regional_tag`]'s name: `("Storage", "eastus")` → `Storage.EastUS`.
    pub fn regional_name(&self, base: &str, region: &str) -> Option<String> {
        self.regional_tag(base, region).map(|t| t.name.clone())
    }

    /// Whether the file lists `feature` for `tag`: `None` when the tag is unknown or the file
    /// lists no features for it.
    pub fn supports(&self, tag: &str, feature: &NetworkFeature) -> Option<bool> {
        self.get(tag)?
            .network_features
            .as_ref()
            .map(|fs| fs.contains(feature))
    }

    /// Distinct region codes used by the file's values, in first-seen order.
    pub fn region_codes(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for t in &self.tags {
            if !t.region.is_empty() && !seen.contains(&t.region.as_str()) {
                seen.push(t.region.as_str());
            }
        }
        seen
    }
}

fn parse_prefix(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{
      "changeNumber": 7, "cloud": "Public",
      "values": [
        {"name": "Storage", "id": "Storage", "properties": {"changeNumber": 3, "region": "", "regionId": 0,
          "platform": "Azure", "systemService": "AzureStorage",
          "addressPrefixes": ["20.38.0.0/16", "2603:1000::/40"], "networkFeatures": ["API", "NSG", "UDR", "FW", "VSE"]}},
        {"name": "Storage.EastUS", "id": "Storage.EastUS", "properties": {"changeNumber": 1, "region": "eastus",
          "regionId": 32, "platform": "Azure", "systemService": "AzureStorage",
          "addressPrefixes": ["20.38.98.0/24"], "networkFeatures": null}},
        {"name": "AzureCloud.centralfrance", "id": "x", "properties": {"region": "centralfrance", "regionId": 19,
          "addressPrefixes": ["20.38.98.0/23", "52.143.128.5"]}}
      ]
    }"#;

    #[test]
    fn small_file() {
        let t = ServiceTags::from_json_str(SMALL).unwrap();
        assert_eq!((t.change_number(), t.cloud(), t.len()), (7, "Public", 3));
        assert_eq!(t.prefixes("storage.EASTUS").unwrap().len(), 1);
        assert_eq!(
            t.tags_containing("20.38.98.7".parse().unwrap()),
            ["Storage", "Storage.EastUS", "AzureCloud.centralfrance"]
        );
        assert_eq!(
            t.tags_containing("20.38.99.7".parse().unwrap()),
            ["Storage", "AzureCloud.centralfrance"]
        );
        assert_eq!(
            t.tags_containing("52.143.128.5".parse().unwrap()),
            ["AzureCloud.centralfrance"]
        );
        assert!(t.tags_containing("1.1.1.1".parse().unwrap()).is_empty());
        assert_eq!(
            t.regional_tag("storage", "eastus").unwrap().name,
            "Storage.EastUS"
        );
        assert_eq!(
            t.regional_tag("AzureCloud", "francecentral").unwrap().name,
            "AzureCloud.centralfrance"
        );
        assert!(t.regional_tag("Storage", "westus").is_none());
        assert_eq!(t.supports("Storage", &NetworkFeature::Vse), Some(true));
        assert_eq!(
            t.supports("Storage", &NetworkFeature::Other("XYZ".into())),
            Some(false)
        );
        assert_eq!(t.supports("Storage.EastUS", &NetworkFeature::Nsg), None);
        assert_eq!(t.supports("Nope", &NetworkFeature::Nsg), None);
        assert_eq!(t.region_codes(), ["eastus", "centralfrance"]);
    }

    #[test]
    fn errors_carry_locations() {
        let e = ServiceTags::from_json_str(
            "{\n  \"changeNumber\": 1,\n  \"cloud\": \"Public\",\n  \"values\": [ }",
        )
        .unwrap_err();
        match &e {
            Error::Json { line, column, .. } => assert_eq!((*line, *column), (4, 15)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            e.to_string()
                .starts_with("<string>:4:15: not a valid service tags file: "),
            "{e}"
        );
        let e =
            ServiceTags::from_json_str(r#"{"changeNumber": 1, "cloud": "Public"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `values`"), "{e}");
        let bad = SMALL.replace("20.38.98.0/24", "20.38.98.0/33");
        let e = ServiceTags::from_json_str(&bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "<string>: service tag `Storage.EastUS` has an invalid address prefix `20.38.98.0/33`"
        );
        let dup = SMALL.replace("\"name\": \"Storage.EastUS\"", "\"name\": \"STORAGE\"");
        assert!(matches!(
            ServiceTags::from_json_str(&dup),
            Err(Error::Duplicate { .. })
        ));
        let e = ServiceTags::load("no-such-dir/tags.json").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read service tags file no-such-dir/tags.json: "),
            "{e}"
        );
        assert!(ServiceTags::from_json_str("").is_err());
    }
}
