//! Operations whose status changed, matched by operation id and subject.

use foldhash::HashMap;
use moat_engine::OpId;
use moat_engine::ops::{OpResult, Status};
use moat_model::Address;
use serde::Serialize;

/// One operation for one subject whose status differs between BASE and HEAD.
#[derive(Clone, Debug, Serialize)]
pub struct OpChange {
    pub op: moat_engine::OpId,
    /// `workspace/ws`, `registry/contosoreg`, `online-endpoint/x`.
    pub subject: String,
    /// The status in BASE; `None` when BASE has no such subject.
    pub before: Option<Status>,
    /// The status in HEAD; `None` when HEAD has no such subject.
    pub after: Option<Status>,
    /// HEAD's result (BASE's when the subject is gone): its failing flows and requirements
    /// say why.
    pub result: OpResult,
}

/// The operations whose status differs. A subject present on one side only counts as a
/// change unless the operation does not apply to it there.
pub fn compare(base: &[OpResult], head: &[OpResult]) -> Vec<OpChange> {
    // Each side's results by operation and subject, the first of each kept: an estate has
    // thousands of subjects, and a scan per result would grow with their square.
    fn index(side: &[OpResult]) -> HashMap<(OpId, &Address), usize> {
        let mut m = HashMap::with_capacity_and_hasher(side.len(), Default::default());
        for (i, r) in side.iter().enumerate() {
            m.entry((r.op, &r.subject)).or_insert(i);
        }
        m
    }
    let (in_base, in_head) = (index(base), index(head));
    let find = |side: &[OpResult], ix: &HashMap<(OpId, &Address), usize>, r: &OpResult| {
        ix.get(&(r.op, &r.subject)).map(|&i| side[i].status)
    };
    let mut out = Vec::new();
    for h in head {
        let before = find(base, &in_base, h);
        if before == Some(h.status) || (before.is_none() && h.status == Status::NotApplicable) {
            continue;
        }
        out.push(OpChange {
            op: h.op,
            subject: h.subject.to_string(),
            before,
            after: Some(h.status),
            result: h.clone(),
        });
    }
    for b in base {
        if find(head, &in_head, b).is_none() && b.status != Status::NotApplicable {
            out.push(OpChange {
                op: b.op,
                subject: b.subject.to_string(),
                before: Some(b.status),
                after: None,
                result: b.clone(),
            });
        }
    }
    out
}
