//! The rules, one file each, grouped by prefix (rules.md, "Prefixes").

pub mod acr;
pub mod cmp;
pub mod dns;
pub mod ep;
pub mod exf;
pub mod inv;
pub mod kv;
pub mod mon;
pub mod mvn;
pub mod net;
pub mod ops;
pub mod out;
pub mod pe;
pub mod reg;
pub mod sec;
pub mod st;
pub mod util;
pub mod util_core;
pub mod util_endpoint;
pub mod util_fix;
pub mod util_infra;
pub mod util_items;
pub mod util_zone_group;
pub mod ws;
