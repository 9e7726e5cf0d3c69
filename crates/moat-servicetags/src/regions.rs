//! Azure regions as they appear in the public service tags file.
//!
//! Written from `ServiceTags_Public.json` (change number 375): every `properties.region` code
//! with its `regionId`, the CamelCase suffix regional tag names use (`Storage.EastUS`), and
//! the programmatic (ARM) region name, which is that suffix lower-cased. The file's own region
//! codes are sometimes abbreviated (`centralfrance`, `norwaye`, `germanywc`), so neither the
//! code nor the suffix can be derived from a programmatic name by rule; `AzureCloud.<code>`
//! tags use the code itself. A test checks the table against the file.

/// One region of the public cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// Programmatic (ARM) name: `eastus`, `francecentral`. For the two regions that appear in
    /// the file only as `AzureCloud.<code>`, the file's code.
    pub name: &'static str,
    /// The file's `properties.region` value: `eastus`, `centralfrance`.
    pub file_code: &'static str,
    /// The file's `properties.regionId`.
    pub id: u32,
    /// Suffix of regional tag names (`EastUS`), when any service tag uses one.
    pub suffix: Option<&'static str>,
    /// Further suffixes some tags of this region use (`EastUS2Stage`).
    pub variants: &'static [&'static str],
}

/// Every region with an entry in the public service tags file, ordered by `regionId`.
pub const REGIONS: &[Region] = &[
    Region {
        name: "eastasia",
        file_code: "eastasia",
        id: 1,
        suffix: Some("EastAsia"),
        variants: &[],
    },
    Region {
        name: "southeastasia",
        file_code: "southeastasia",
        id: 2,
        suffix: Some("SoutheastAsia"),
        variants: &[],
    },
    Region {
        name: "australiaeast",
        file_code: "australiaeast",
        id: 3,
        suffix: Some("AustraliaEast"),
        variants: &[],
    },
    Region {
        name: "australiasoutheast",
        file_code: "australiasoutheast",
        id: 4,
        suffix: Some("AustraliaSoutheast"),
        variants: &[],
    },
    Region {
        name: "indonesiacentral",
        file_code: "indonesiacentral",
        id: 6,
        suffix: Some("IndonesiaCentral"),
        variants: &[],
    },
    Region {
        name: "taiwannorth",
        file_code: "taiwannorth",
        id: 8,
        suffix: Some("TaiwanNorth"),
        variants: &[],
    },
    Region {
        name: "brazilsouth",
        file_code: "brazilsouth",
        id: 9,
        suffix: Some("BrazilSouth"),
        variants: &[],
    },
    Region {
        name: "chilecentral",
        file_code: "chilec",
        id: 10,
        suffix: Some("ChileCentral"),
        variants: &[],
    },
    Region {
        name: "canadacentral",
        file_code: "canadacentral",
        id: 11,
        suffix: Some("CanadaCentral"),
        variants: &[],
    },
    Region {
        name: "canadaeast",
        file_code: "canadaeast",
        id: 12,
        suffix: Some("CanadaEast"),
        variants: &[],
    },
    Region {
        name: "northeurope2",
        file_code: "northeurope2",
        id: 16,
        suffix: None,
        variants: &[],
    },
    Region {
        name: "northeurope",
        file_code: "northeurope",
        id: 17,
        suffix: Some("NorthEurope"),
        variants: &[],
    },
    Region {
        name: "westeurope",
        file_code: "westeurope",
        id: 18,
        suffix: Some("WestEurope"),
        variants: &[],
    },
    Region {
        name: "francecentral",
        file_code: "centralfrance",
        id: 19,
        suffix: Some("FranceCentral"),
        variants: &[],
    },
    Region {
        name: "francesouth",
        file_code: "southfrance",
        id: 20,
        suffix: Some("FranceSouth"),
        variants: &[],
    },
    Region {
        name: "centralindia",
        file_code: "centralindia",
        id: 21,
        suffix: Some("CentralIndia"),
        variants: &[],
    },
    Region {
        name: "southindia",
        file_code: "southindia",
        id: 22,
        suffix: Some("SouthIndia"),
        variants: &[],
    },
    Region {
        name: "westindia",
        file_code: "westindia",
        id: 23,
        suffix: Some("WestIndia"),
        variants: &[],
    },
    Region {
        name: "japaneast",
        file_code: "japaneast",
        id: 24,
        suffix: Some("JapanEast"),
        variants: &[],
    },
    Region {
        name: "japanwest",
        file_code: "japanwest",
        id: 25,
        suffix: Some("JapanWest"),
        variants: &[],
    },
    Region {
        name: "koreacentral",
        file_code: "koreacentral",
        id: 26,
        suffix: Some("KoreaCentral"),
        variants: &[],
    },
    Region {
        name: "uksouth",
        file_code: "uksouth",
        id: 27,
        suffix: Some("UKSouth"),
        variants: &[],
    },
    Region {
        name: "ukwest",
        file_code: "ukwest",
        id: 28,
        suffix: Some("UKWest"),
        variants: &[],
    },
    Region {
        name: "centralus",
        file_code: "centralus",
        id: 31,
        suffix: Some("CentralUS"),
        variants: &[],
    },
    Region {
        name: "eastus",
        file_code: "eastus",
        id: 32,
        suffix: Some("EastUS"),
        variants: &[],
    },
    Region {
        name: "eastus2",
        file_code: "eastus2",
        id: 33,
        suffix: Some("EastUS2"),
        variants: &["EastUS2Stage"],
    },
    Region {
        name: "northcentralus",
        file_code: "northcentralus",
        id: 34,
        suffix: Some("NorthCentralUS"),
        variants: &["NorthCentralUSStage"],
    },
    Region {
        name: "southcentralus",
        file_code: "southcentralus",
        id: 35,
        suffix: Some("SouthCentralUS"),
        variants: &[],
    },
    Region {
        name: "westcentralus",
        file_code: "westcentralus",
        id: 36,
        suffix: Some("WestCentralUS"),
        variants: &[],
    },
    Region {
        name: "westus",
        file_code: "westus",
        id: 37,
        suffix: Some("WestUS"),
        variants: &[],
    },
    Region {
        name: "westus2",
        file_code: "westus2",
        id: 38,
        suffix: Some("WestUS2"),
        variants: &[],
    },
    Region {
        name: "centraluseuap",
        file_code: "centraluseuap",
        id: 48,
        suffix: Some("CentralUSEUAP"),
        variants: &[],
    },
    Region {
        name: "eastus2euap",
        file_code: "eastus2euap",
        id: 49,
        suffix: Some("EastUS2EUAP"),
        variants: &[],
    },
    Region {
        name: "koreasouth",
        file_code: "koreasouth",
        id: 50,
        suffix: Some("KoreaSouth"),
        variants: &[],
    },
    Region {
        name: "polandcentral",
        file_code: "polandcentral",
        id: 52,
        suffix: Some("PolandCentral"),
        variants: &[],
    },
    Region {
        name: "mexicocentral",
        file_code: "mexicocentral",
        id: 53,
        suffix: Some("MexicoCentral"),
        variants: &[],
    },
    Region {
        name: "australiacentral",
        file_code: "australiacentral",
        id: 58,
        suffix: Some("AustraliaCentral"),
        variants: &[],
    },
    Region {
        name: "australiacentral2",
        file_code: "australiacentral2",
        id: 59,
        suffix: Some("AustraliaCentral2"),
        variants: &[],
    },
    Region {
        name: "uaenorth",
        file_code: "uaenorth",
        id: 60,
        suffix: Some("UAENorth"),
        variants: &[],
    },
    Region {
        name: "uaecentral",
        file_code: "uaecentral",
        id: 61,
        suffix: Some("UAECentral"),
        variants: &[],
    },
    Region {
        name: "norwayeast",
        file_code: "norwaye",
        id: 63,
        suffix: Some("NorwayEast"),
        variants: &[],
    },
    Region {
        name: "jioindiacentral",
        file_code: "jioindiacentral",
        id: 64,
        suffix: Some("JioIndiaCentral"),
        variants: &[],
    },
    Region {
        name: "jioindiawest",
        file_code: "jioindiawest",
        id: 65,
        suffix: Some("JioIndiaWest"),
        variants: &[],
    },
    Region {
        name: "switzerlandnorth",
        file_code: "switzerlandn",
        id: 66,
        suffix: Some("SwitzerlandNorth"),
        variants: &[],
    },
    Region {
        name: "switzerlandwest",
        file_code: "switzerlandw",
        id: 67,
        suffix: Some("SwitzerlandWest"),
        variants: &[],
    },
    Region {
        name: "eastusstg",
        file_code: "usstagee",
        id: 68,
        suffix: Some("EastUSSTG"),
        variants: &[],
    },
    Region {
        name: "southcentralusstg",
        file_code: "usstagec",
        id: 69,
        suffix: Some("SouthCentralUSSTG"),
        variants: &[],
    },
    Region {
        name: "germanywestcentral",
        file_code: "germanywc",
        id: 71,
        suffix: Some("GermanyWestCentral"),
        variants: &[],
    },
    Region {
        name: "germanynorth",
        file_code: "germanyn",
        id: 72,
        suffix: Some("GermanyNorth"),
        variants: &[],
    },
    Region {
        name: "norwaywest",
        file_code: "norwayw",
        id: 74,
        suffix: Some("NorwayWest"),
        variants: &[],
    },
    Region {
        name: "swedensouth",
        file_code: "swedensouth",
        id: 75,
        suffix: Some("SwedenSouth"),
        variants: &[],
    },
    Region {
        name: "swedencentral",
        file_code: "swedencentral",
        id: 76,
        suffix: Some("SwedenCentral"),
        variants: &[],
    },
    Region {
        name: "brazilsoutheast",
        file_code: "brazilse",
        id: 77,
        suffix: Some("BrazilSoutheast"),
        variants: &[],
    },
    Region {
        name: "brazilne",
        file_code: "brazilne",
        id: 78,
        suffix: None,
        variants: &[],
    },
    Region {
        name: "westus3",
        file_code: "westus3",
        id: 79,
        suffix: Some("WestUS3"),
        variants: &[],
    },
    Region {
        name: "southafricanorth",
        file_code: "southafricanorth",
        id: 82,
        suffix: Some("SouthAfricaNorth"),
        variants: &[],
    },
    Region {
        name: "southafricawest",
        file_code: "southafricawest",
        id: 83,
        suffix: Some("SouthAfricaWest"),
        variants: &[],
    },
    Region {
        name: "qatarcentral",
        file_code: "qatarcentral",
        id: 84,
        suffix: Some("QatarCentral"),
        variants: &[],
    },
    Region {
        name: "israelcentral",
        file_code: "israelcentral",
        id: 85,
        suffix: Some("IsraelCentral"),
        variants: &[],
    },
    Region {
        name: "israelnorthwest",
        file_code: "israelnorthwest",
        id: 86,
        suffix: Some("IsraelNorthwest"),
        variants: &[],
    },
    Region {
        name: "spaincentral",
        file_code: "spaincentral",
        id: 88,
        suffix: Some("SpainCentral"),
        variants: &[],
    },
    Region {
        name: "newzealandnorth",
        file_code: "newzealandnorth",
        id: 91,
        suffix: Some("NewZealandNorth"),
        variants: &[],
    },
    Region {
        name: "malaysiawest",
        file_code: "malaysiawest",
        id: 92,
        suffix: Some("MalaysiaWest"),
        variants: &[],
    },
    Region {
        name: "italynorth",
        file_code: "italynorth",
        id: 93,
        suffix: Some("ItalyNorth"),
        variants: &[],
    },
    Region {
        name: "austriaeast",
        file_code: "austriaeast",
        id: 95,
        suffix: Some("AustriaEast"),
        variants: &[],
    },
    Region {
        name: "taiwannorthwest",
        file_code: "taiwannorthwest",
        id: 96,
        suffix: Some("TaiwanNorthwest"),
        variants: &[],
    },
    Region {
        name: "belgiumcentral",
        file_code: "belgiumcentral",
        id: 97,
        suffix: Some("BelgiumCentral"),
        variants: &[],
    },
    Region {
        name: "malaysiasouth",
        file_code: "malaysiasouth",
        id: 98,
        suffix: Some("MalaysiaSouth"),
        variants: &[],
    },
    Region {
        name: "southeastus",
        file_code: "southeastus",
        id: 101,
        suffix: Some("SoutheastUS"),
        variants: &[],
    },
    Region {
        name: "southcentralus2",
        file_code: "southcentralus2",
        id: 102,
        suffix: Some("SouthCentralUS2"),
        variants: &[],
    },
    Region {
        name: "southeastus3",
        file_code: "southeastus3",
        id: 105,
        suffix: Some("SoutheastUS3"),
        variants: &[],
    },
];

/// Finds a region by programmatic name, file code or tag suffix (any case, variants included).
pub fn find_region(s: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| {
        r.name.eq_ignore_ascii_case(s)
            || r.file_code.eq_ignore_ascii_case(s)
            || r.suffix.is_some_and(|x| x.eq_ignore_ascii_case(s))
            || r.variants.iter().any(|v| v.eq_ignore_ascii_case(s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(
            find_region("francecentral").unwrap().file_code,
            "centralfrance"
        );
        assert_eq!(
            find_region("CentralFrance").unwrap().suffix,
            Some("FranceCentral")
        );
        assert_eq!(find_region("EASTUS2STAGE").unwrap().name, "eastus2");
        assert!(find_region("mars").is_none());
        // Every spelling names exactly one region.
        for r in REGIONS {
            let spellings = [Some(r.name), Some(r.file_code), r.suffix]
                .into_iter()
                .flatten()
                .chain(r.variants.iter().copied());
            for s in spellings {
                let owners: Vec<_> = REGIONS
                    .iter()
                    .filter(|o| {
                        o.name.eq_ignore_ascii_case(s)
                            || o.file_code.eq_ignore_ascii_case(s)
                            || o.suffix.is_some_and(|x| x.eq_ignore_ascii_case(s))
                            || o.variants.iter().any(|v| v.eq_ignore_ascii_case(s))
                    })
                    .collect();
                assert_eq!(owners, [r], "{s}");
            }
        }
    }
}
