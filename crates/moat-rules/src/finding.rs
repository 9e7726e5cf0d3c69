//! Findings: what a rule reports.

use moat_engine::Trace;
use moat_model::Provenance;
use serde::{Serialize, Serializer};
use std::sync::Arc;

/// A finding's trace as the trace itself.
fn serialize_trace<S: Serializer>(t: &Option<Arc<Trace>>, s: S) -> Result<S::Ok, S::Error> {
    t.as_deref().serialize(s)
}

/// How bad a finding is (rules.md: error = a documented operation fails or a requirement is
/// broken; warning = works today but a documented risk; info = a fact worth knowing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// The resource concerned, as an address (`workspace/ws`, `subnet/vnet/training`).
    pub resource: String,
    pub message: String,
    pub fix: String,
    /// The failing flow's trace, for path rules (behind a pointer: most findings have none,
    /// and a finding is moved and sorted many times; shared: a finding about an operation's
    /// flow holds the operation result's trace, not a copy).
    #[serde(serialize_with = "serialize_trace")]
    pub trace: Option<Arc<Trace>>,
    /// Where the resource is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Provenance>,
    /// What the input leaves open that a finding without trace depends on (a located unknown
    /// of a value the rule read): such a finding is not decided. Path findings say it through
    /// their trace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Set when a `moat:ignore` annotation or a configuration's suppression suppresses the
    /// finding: the reason given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The changes that remove the finding, as data (the report renders them in the input's
    /// language).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<crate::change::Change>,
    /// Where the suppression is written, when it is not in the input (`moat.toml:12:1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<String>,
    /// The fingerprint of the finding that reports this one's cause (see `cause`): this
    /// finding repeats it and is shown with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
    /// The codes of the findings that repeat this one's cause and refer to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<&'static str>,
}

impl Finding {
    /// A finding without trace.
    pub fn new(
        doc: &crate::RuleDoc,
        resource: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
        at: &Provenance,
    ) -> Finding {
        Finding {
            code: doc.code,
            severity: doc.severity,
            resource: resource.into(),
            message: message.into(),
            fix: fix.into(),
            trace: None,
            at: if at.is_unknown() {
                None
            } else {
                Some(at.clone())
            },
            needs: Vec::new(),
            suppressed: None,
            changes: Vec::new(),
            suppressed_by: None,
            caused_by: None,
            related: Vec::new(),
        }
    }

    /// The same finding, undecided when the value it read is unknown.
    pub fn needing(mut self, unknown: Option<String>) -> Finding {
        self.needs.extend(unknown);
        self
    }

    /// Whether the finding is established: nothing it needs is open, and its flow (for a path
    /// finding) is decided. An undecided one rests on a value the input leaves open.
    pub fn decided(&self) -> bool {
        self.needs.is_empty()
            && self
                .trace
                .as_ref()
                .is_none_or(|t| t.verdict != moat_engine::Verdict::Unknown)
    }

    /// The same finding with a change that removes it.
    pub fn with_change(mut self, c: crate::change::Change) -> Finding {
        self.changes.push(c);
        self
    }

    /// The same finding with the changes that remove it, if any.
    pub fn with_changes(mut self, c: impl IntoIterator<Item = crate::change::Change>) -> Finding {
        self.changes.extend(c);
        self
    }

    /// The same finding with the trace of its failing flow (a trace, or one shared).
    pub fn with_trace(mut self, t: impl Into<Arc<Trace>>) -> Finding {
        self.trace = Some(t.into());
        self
    }

    /// The finding's identity across runs and edits: FNV-1a over its code, the resource it
    /// names and its message, never its file position, so moving a resource in its file or
    /// reordering files keeps it. Stable across runs, platforms and versions of Rust (baselines
    /// record it; `moat diff` matches findings of two deployments by it). Two identical
    /// findings share a fingerprint: callers match them by count.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [self.code, &self.resource, &self.message] {
            for b in part.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
}
