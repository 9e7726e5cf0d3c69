//! # moat-rules
//!
//! The rule catalog of `moat check`: one file per rule, each with a stable code.
