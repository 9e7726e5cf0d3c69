//! # moat-servicetags — Azure service tags
//!
//! Reads the Azure service tags file (`ServiceTags_Public.json`, or the output of
//! `az network list-service-tags`) and answers what moat's path engine asks about tags:
//!
//! * [`ServiceTags`]: the file, indexed. Case-insensitive names ([`ServiceTags::prefixes`],
//!   [`ServiceTags::get`]); every tag containing an address ([`ServiceTags::tags_containing`],
//!   a prefix-trie walk); the file's spelling of a regional tag from a programmatic region
//!   ([`ServiceTags::regional_tag`]: `eastus` → `Storage.EastUS`, `francecentral` →
//!   `Storage.FranceCentral` and `AzureCloud.centralfrance`); `networkFeatures`
//!   ([`ServiceTags::supports`]). A file that cannot be read or parsed is an [`Error`] with the
//!   path and, for JSON problems, the line and column.
//! * [`TagCatalog`]: the questions both modes answer, chiefly [`TagCatalog::covers`]: does a
//!   rule naming tag (or prefix) *R* match an endpoint known by tag (or prefix) *E*? The
//!   answer is a [`Coverage`]: `Yes` (all of *E*'s possible addresses are in *R*), `No`
//!   (none), `Partial` (some: the real address decides), or `Unknown` (cannot be known
//!   from what the catalogue holds).
//! * [`Symbolic`]: the default, file-free catalogue. It knows the tag names Azure ML needs,
//!   `AzureCloud`, the virtual tags (`Internet`, `VirtualNetwork`, `AzureLoadBalancer`, `*`)
//!   and every public region ([`REGIONS`]), and answers from structure: `Storage` covers
//!   `Storage.EastUS`, `Storage.WestUS` does not, `Internet` covers public service tags.
//!   Its claims are checked against the real file by this crate's tests.
//! * With a file loaded, [`ServiceTags`] answers the same questions exactly from prefixes
//!   (via [`moat_packets::AddrSet`]), including for IP prefixes on either side
//!   ([`TagCatalog::covers_net`], [`TagCatalog::tag_covers_net`]).
//!
//! ## How Azure's `Internet` tag is treated
//!
//! Azure defines `Internet` as the address space outside the virtual network that the public
//! internet can reach, and states that it includes Azure-owned public address space. So a rule
//! on `Internet` matches traffic to public service endpoints (Storage, Entra ID, ML service),
//! and a service tag is a part of `Internet`. moat models `Internet` as the public space
//! ([`internet_space`]: everything but private and special-purpose blocks and the platform
//! address `168.63.129.16`), assuming the estate's own address spaces (which make up
//! `VirtualNetwork`) use no public Azure ranges. `VirtualNetwork` depends on the estate
//! (VNets, peerings, on-premises prefixes, even UDR prefixes), so the catalogues answer
//! `Unknown` about it except against `Internet` (disjoint by definition): the engine expands it.
//!
//! ## Performance
//!
//! Release build, 2 shared cores, the public file of change number 375 (3,039 tags, 93,362
//! prefixes); `cargo run --release -p moat-servicetags --example measure_tags`:
//!
//! | operation | result |
//! |---|---|
//! | [`ServiceTags::load`] (read, parse, one address set per tag, prefix trie) | 59–75 ms |
//! | [`ServiceTags::tags_containing`] | median 0.7–1.0 µs per address (3.5 tags on average) |
//! | [`TagCatalog::covers`] in file mode (exact set comparison) | 3–4 µs per pair |
//! | atomising every prefix by tag ([`moat_packets::AddrAtomiser`]) | 19–23 ms → 5,615 classes |
//!
//! Symbolic answers are constant-time string work.
//!
//! ## Limits
//!
//! * The symbolic catalogue records name structure and the relations between the services it
//!   lists; anything else is `Unknown`. Its claims are true of the shipped file; a newer file
//!   could change them, so load the user's current file whenever one is available.
//! * `VirtualNetwork` is never expanded here: it depends on the estate.
//! * `networkFeatures` missing from the file (`null`) is reported as unknown (`None`), not as
//!   unsupported.
//!
//! ## Example
//!
//! ```
//! use moat_servicetags::{Coverage, Symbolic, TagCatalog};
//!
//! let tags = Symbolic;
//! assert_eq!(tags.covers("Storage", "Storage.EastUS"), Coverage::Yes);
//! assert_eq!(tags.covers("Storage.WestUS", "Storage.EastUS"), Coverage::No);
//! assert_eq!(tags.covers("Internet", "AzureMachineLearning"), Coverage::Yes);
//! assert_eq!(tags.regional_name("Storage", "francecentral").as_deref(), Some("Storage.FranceCentral"));
//! ```

#![warn(missing_docs)]

mod catalog;
mod file;
mod regions;

pub use catalog::{
    Catalog, Coverage, Symbolic, TagCatalog, VirtualTag, azure_load_balancer_space, internet_space,
    split_regional, symbolic_services,
};
pub use file::{Error, NetworkFeature, ServiceTag, ServiceTags};
pub use regions::{REGIONS, Region, find_region};
