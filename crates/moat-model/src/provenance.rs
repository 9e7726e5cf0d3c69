//! Where a model element came from: file, line, column, and its path inside the file.

use serde::{Deserialize, Serialize};

/// The source location of a model element.
///
/// Every importer fills it in, so findings, traces and errors point back to the user's own file.
/// A default (empty) provenance means the element was derived rather than read (for example an
/// Azure default rule of an NSG).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
    /// JSON pointer of the element inside the file (`/virtual_networks/0/subnets/1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pointer: String,
    /// Byte offset of the element in the file.
    #[serde(default)]
    pub offset: usize,
    /// Length in bytes of the element's text.
    #[serde(default)]
    pub len: usize,
}

impl Provenance {
    /// Whether nothing is known about the origin.
    pub fn is_unknown(&self) -> bool {
        self.file.is_empty()
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_unknown() {
            f.write_str("<derived>")
        } else if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}
