//! # moat-doc
//!
//! What every importer needs to read files the way a linter must: positions, limits, and
//! errors that say where.
//!
//! - [`source`]: a file in memory and the mapping between byte offsets and line/column;
//! - [`tree`]: YAML/JSON parsed into nodes that remember their span, within size, depth and
//!   alias-expansion limits;
//! - [`outline`]: a document's first levels, read no further than needed to tell its kind;
//! - [`de`]: serde over those nodes, every error pinned to the node at fault, every error of a
//!   resource reported;
//! - [`render`]: diagnostics as text, a short snippet per error whatever the line length;
//! - [`Loaded`] / [`LoadError`]: what an importer returns.

// Errors carry a whole located diagnostic; they are the cold path, so their size is no concern.
#![allow(clippy::result_large_err)]

pub mod de;
pub mod jsonc;
pub mod outline;
pub mod render;
pub mod source;
pub mod tree;

use moat_model::{Diagnostic, Location, Problem, Topology};
pub use source::{SourceFile, Span};
pub use tree::{Limits, Node};

/// A deployment read into the model.
#[derive(Debug)]
pub struct Loaded {
    pub topology: Topology,
    /// The input format's name (`native`, `arm`, `terraform`, ...).
    pub format: &'static str,
    /// The files read, for rendering locations.
    pub sources: Vec<SourceFile>,
    /// Things read but not fully understood (they do not stop the analysis).
    pub warnings: Vec<Diagnostic>,
}

/// An input that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) in the input", diagnostics.len())]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, for rendering locations.
    pub sources: Vec<SourceFile>,
}

impl LoadError {
    /// One error not tied to a position in a file (a missing path, an unreadable directory).
    pub fn at_path(
        code: &str,
        message: impl Into<String>,
        path: &std::path::Path,
        hint: Option<String>,
    ) -> LoadError {
        LoadError {
            diagnostics: vec![
                Diagnostic::error(
                    code,
                    message,
                    Location {
                        file: path.display().to_string(),
                        ..Default::default()
                    },
                )
                .with_hint(hint),
            ],
            sources: vec![],
        }
    }
}

/// Reads a file as UTF-8 text, within the size limit.
pub fn read_source(path: &std::path::Path, limits: Limits) -> Result<SourceFile, LoadError> {
    let io = |e: std::io::Error| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => Some("check the path".to_string()),
            std::io::ErrorKind::InvalidData => Some("moat reads UTF-8 text".to_string()),
            _ => None,
        };
        LoadError::at_path(
            "io",
            format!("cannot read {}: {e}", path.display()),
            path,
            hint,
        )
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.max_bytes as u64 {
        return Err(LoadError::at_path(
            "too-large",
            format!(
                "{} is {} bytes; the limit is {} bytes",
                path.display(),
                meta.len(),
                limits.max_bytes
            ),
            path,
            None,
        ));
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

/// Turns a model problem into a diagnostic pointing at the field to blame, using the parsed
/// trees of the files read (`trees[i]` is the tree of `sources[i]`).
pub fn locate(p: &Problem, sources: &[SourceFile], trees: &[Node]) -> Diagnostic {
    let fallback = Location {
        file: p.at.file.clone(),
        line: p.at.line,
        column: p.at.column,
        offset: p.at.offset,
        len: p.at.len,
    };
    let location = sources
        .iter()
        .zip(trees)
        .find(|(s, _)| s.name == p.at.file)
        .map(|(src, root)| {
            let mut path = p.at.pointer.clone();
            if let Some(f) = &p.field {
                path = format!("{path}/{f}");
            }
            let (node, _) = root.pointer(&path);
            src.location(node.span)
        })
        .unwrap_or(fallback);
    Diagnostic::error(p.code, p.message.clone(), location).with_hint(p.hint.clone())
}
