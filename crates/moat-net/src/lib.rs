//! # moat-net
//!
//! The network semantics of Azure as moat models them: name resolution, routing, and packet
//! filtering, over the vendor-neutral model.
