//! # moat-exfil — where data can leave, and what must never reach what
//!
//! Seed 004 ("Data exfiltration protection") names the ways data leaves an Azure Machine
//! Learning deployment: read/write outbound to storage accounts outside it, to sites behind
//! Azure Front Door (`AzureFrontDoor.Frontend`), and to the internet. This crate answers, for
//! every place data lives or runs (each compute subnet, each workspace managed network, each
//! legacy-isolated online deployment, the workspace and registry services acting with their
//! identities), which destinations outside the deployment it reaches ([`map`]), and proves
//! reachability invariants over the whole packet space ([`invariant`]).
//!
//! ## How: atomic classes, then the path engine
//!
//! Every verdict comes from `moat-engine`'s trace, so the map says what `moat trace` says and
//! never more. What this crate adds is *which* flows to ask about, so that the answer covers
//! every packet rather than a sample:
//!
//! * **Transports** are split into classes by every protocol and port set the rules on the
//!   place's way out read (its NSGs, the firewalls, its managed network's rules, and the two
//!   ports FQDN rules use); every rule treats the members of a class alike, so one trace per
//!   class decides the class ([`classes`]).
//! * **Sources** are split likewise by the source prefixes of those rules and the NICs with
//!   their own NSGs; a subnet nothing splits is traced as a whole.
//! * **Destinations** are the categories of seed 004 ([`dest`]): any internet host, plus
//!   each name and public prefix a rule singles out; a storage account and a registry outside
//!   the deployment in each region (stand-ins the engine can trace, [`probe`]); the
//!   `AzureFrontDoor.Frontend` tag; every service tag the documents name or the rules use.
//!
//! A destination is *allowed* when some class of packets surely reaches it, *denied* when
//! every class surely does not, and *unknown* otherwise — a decision is definite only if
//! every possible value gives the same answer (the engine's rule), and the deployment's
//! variants (resources that may or may not exist) must agree too.
//!
//! Cost: (source classes × transport classes) traces per destination, each cached; a subnet
//! behind one NSG and a hub firewall has a handful of source classes and a few dozen
//! transport classes.

pub mod classes;
pub mod dest;
pub mod invariant;
pub mod map;
pub mod probe;
pub mod reach;

pub use dest::{Access, Category, Control, Dest};
pub use map::{ExfilMap, Openness, PlaceKind, PlaceMap, Row, map};
pub use probe::{Oracle, Prepared};
pub use reach::{Element, Reach, Witness};
