//! # moat-engine
//!
//! The analyses: trace (can X reach Y, hop by hop), ops (do the ML operations work) and exfil.
