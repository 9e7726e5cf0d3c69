//! Service tags as the engine reads them: from Azure's file when one is given, symbolically
//! otherwise.

use ipnet::IpNet;
use moat_servicetags::{REGIONS, ServiceTags, find_region, split_regional, symbolic_services};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where tag knowledge comes from.
#[derive(Clone, Debug)]
pub enum Catalog {
    /// Names only: tags are decided symbolically.
    Symbolic { extra: BTreeSet<String> },
    /// Azure's service tags file.
    File(Arc<ServiceTags>),
}

impl Catalog {
    /// A catalogue without a file.
    pub fn symbolic() -> Catalog {
        Catalog::Symbolic {
            extra: BTreeSet::new(),
        }
    }

    /// A catalogue reading Azure's service tags file.
    pub fn from_file(path: &std::path::Path) -> Result<Catalog, String> {
        ServiceTags::load(path)
            .map(|t| Catalog::File(Arc::new(t)))
            .map_err(|e| e.to_string())
    }

    /// Adds tag names the topology uses, so they are placed even without a file.
    pub fn with_names(mut self, names: impl IntoIterator<Item = String>) -> Catalog {
        if let Catalog::Symbolic { extra } = &mut self {
            for n in names {
                let base = split_name(&n).0;
                extra.insert(base);
            }
        }
        self
    }

    /// Whether a tags file is loaded.
    pub fn has_file(&self) -> bool {
        matches!(self, Catalog::File(_))
    }

    /// The service tags file, if loaded.
    pub fn file(&self) -> Option<&ServiceTags> {
        match self {
            Catalog::File(f) => Some(f),
            Catalog::Symbolic { .. } => None,
        }
    }

    /// Global tag names (the blocks of the symbolic space).
    pub fn base_names(&self) -> Vec<String> {
        // The services the symbolic catalogue knows, plus what the topology or file names.
        let mut set: BTreeSet<String> = symbolic_services().map(str::to_string).collect();
        match self {
            Catalog::Symbolic { extra } => set.extend(extra.iter().cloned()),
            Catalog::File(f) => set.extend(f.iter().map(|t| split_name(&t.name).0)),
        }
        set.into_iter().collect()
    }

    /// Programmatic region names.
    pub fn regions(&self) -> Vec<String> {
        REGIONS.iter().map(|r| r.name.to_string()).collect()
    }

    /// Splits a tag into its global name and region (`Storage.EastUS` -> `Storage`, `eastus`).
    /// `None` when a file is loaded and does not know the tag.
    pub fn split(&self, tag: &str) -> Option<(String, Option<String>)> {
        if let Catalog::File(f) = self {
            let known = f.get(tag).is_some()
                || matches!(
                    tag.to_ascii_lowercase().as_str(),
                    "virtualnetwork" | "internet" | "azureloadbalancer"
                );
            if !known {
                return None;
            }
        }
        Some(split_name(tag))
    }

    /// The regional variant of a tag as Azure spells it (`Storage` + `eastus` -> `Storage.EastUS`).
    pub fn regional_name(&self, base: &str, region: &str) -> Option<String> {
        match self {
            Catalog::File(f) => f.regional_tag(base, region).map(|t| t.name.clone()),
            Catalog::Symbolic { .. } => find_region(region)
                .and_then(|r| r.suffix)
                .map(|s| format!("{base}.{s}")),
        }
    }

    /// The prefixes of a tag (file only).
    pub fn prefixes(&self, tag: &str) -> Option<Vec<IpNet>> {
        match self {
            Catalog::File(f) => f.prefixes(tag).map(|p| p.to_vec()),
            Catalog::Symbolic { .. } => None,
        }
    }
}

/// `Storage.EastUS` -> (`Storage`, `eastus`); `AzureFrontDoor.Frontend` stays whole.
fn split_name(tag: &str) -> (String, Option<String>) {
    match split_regional(tag) {
        Some((base, r)) => (base.to_string(), Some(r.name.to_string())),
        None => (tag.to_string(), None),
    }
}

/// The tag-name suffix of a region (`eastus` -> `EastUS`); the name itself when unknown.
pub fn region_suffix(region: &str) -> String {
    find_region(region)
        .and_then(|r| r.suffix)
        .map(str::to_string)
        .unwrap_or_else(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_regional_names_only() {
        assert_eq!(
            split_name("Storage.EastUS"),
            ("Storage".into(), Some("eastus".into()))
        );
        assert_eq!(
            split_name("AzureFrontDoor.Frontend"),
            ("AzureFrontDoor.Frontend".into(), None)
        );
        assert_eq!(region_suffix("westeurope"), "WestEurope");
        assert_eq!(
            Catalog::symbolic()
                .regional_name("BatchNodeManagement", "eastus2")
                .as_deref(),
            Some("BatchNodeManagement.EastUS2")
        );
    }
}
