//! # moat-net
//!
//! The network semantics of Azure as moat models them, over the vendor-neutral model: the
//! names of things and how they resolve ([`names`], [`dns`]), where public endpoints and tags
//! sit in the address space ([`space`], [`tags`]), routing ([`routing`]), packet filtering by
//! NSGs and Azure Firewall ([`filter`], [`firewall`]), and the workspace managed network
//! ([`managed`]).

pub mod code;
pub mod dns;
pub mod filter;
pub mod firewall;
pub mod fqdn_tags;
pub mod hosts;
pub mod managed;
pub mod names;
pub mod routing;
pub mod space;
pub mod tags;
