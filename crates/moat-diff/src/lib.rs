//! # moat-diff
//!
//! What a change does to a deployment. Two deployments — BASE and HEAD, read from any input
//! kind — are each analysed into a [`Snapshot`] (findings, operation statuses), and
//! [`compare`] says what differs:
//!
//! - **findings** new, fixed and unchanged, matched by [`Finding::fingerprint`] (code,
//!   resource, message; never a file position), counted, so a second identical finding is new;
//! - **operations** whose status changed, matched by operation id and subject;
//! - **flows** opened and closed: the pairs of [`flows`] (computes, clients, VMs, subnets ×
//!   private endpoints, service tags, the internet) whose verdict changed, each with its
//!   trace before and after and the hop at which they part.
//!
//! Everything is matched by stable identity (names and addresses), never by position in a
//! list, so reordering or moving resources in their files changes nothing. What is unknown
//! stays unknown: an operation that went from failing to unknown is a change to unknown, not
//! a fix, and a flow that went from denied to unknown *may have opened*; it has not opened.
//!
//! Both sides are analysed apart (each may run on its own thread: an [`Engine`] is not
//! shared; HEAD's findings and operations may take BASE's recorded traces, and its subnet
//! sweep BASE's recorded verdicts, where [`changed`] shows the change cannot matter), then [`requests`] says which pairs each side must still trace (the sweep gives
//! verdicts without traces), [`fill`] traces them on their side, and [`compare`] reports.

pub mod changed;
mod findings;
pub mod flows;
mod ops;

pub use findings::{FindingChanges, new_in_head};
pub use flows::{Change, FlowChange, Reachability, Request, fill, verdicts_only};
pub use ops::OpChange;

use moat_engine::Engine;
use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult};
use moat_model::presence::Variant;
use moat_rules::check::Selection;
use moat_rules::{Context, Finding, Severity};
use serde::Serialize;

/// One deployment, analysed: what `moat check` and `moat ops` say about it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Every finding of the selected rules, suppressed ones included.
    pub findings: Vec<Finding>,
    /// Every operation for every subject, as `moat ops` gives them.
    pub operations: Vec<OpResult>,
    /// The verdict of every pair.
    pub reach: Reachability,
}

/// Analyses one deployment (with its may-exist `variants`) as `check` and `ops` do.
pub fn analyse(e: &Engine, variants: &[Variant], sel: &Selection) -> Snapshot {
    analyse_with(e, variants, sel, Vec::new())
}

/// [`analyse`], proving the reachability `invariants` a configuration declares as `check`
/// does (INV001, INV002).
pub fn analyse_with(
    e: &Engine,
    variants: &[Variant],
    sel: &Selection,
    invariants: Vec<moat_exfil::invariant::Invariant>,
) -> Snapshot {
    let (findings, operations) = judge(e, variants, sel, invariants);
    Snapshot {
        findings,
        operations,
        reach: flows::reachability(e, variants),
    }
}

/// The findings and operations of [`analyse_with`], without the reachability (which
/// [`flows::reachability_with`] gives, perhaps from the other side's record).
pub fn judge(
    e: &Engine,
    variants: &[Variant],
    sel: &Selection,
    invariants: Vec<moat_exfil::invariant::Invariant>,
) -> (Vec<Finding>, Vec<OpResult>) {
    let cx = Context::new(e).with_invariants(invariants);
    let findings = moat_rules::check::run_variants(&cx, variants, sel);
    // Without variants the operations are those the rules already evaluated.
    let operations = if variants.is_empty() {
        cx.into_ops()
    } else {
        moat_engine::presence::evaluate(e, variants, &Intent::of(e.t), &Filter::default())
    };
    (findings, operations)
}

/// [`judge`], recording every trace with what it read: HEAD's engine takes those the change
/// cannot have altered ([`changed::reuse`]).
pub fn judge_recording(
    e: &Engine,
    variants: &[Variant],
    sel: &Selection,
    invariants: Vec<moat_exfil::invariant::Invariant>,
) -> (Vec<Finding>, Vec<OpResult>, moat_engine::reads::Traces) {
    e.record_traces();
    let (findings, operations) = judge(e, variants, sel, invariants);
    (findings, operations, e.recorded_traces())
}

/// The pairs each side must still trace: `(BASE's, HEAD's)`; give them to [`fill`] on each
/// side before [`compare`].
pub fn requests(base: &Snapshot, head: &Snapshot) -> (Vec<Request>, Vec<Request>) {
    flows::requests(&base.reach, &head.reach)
}

/// What changed between two deployments.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub findings: FindingChanges,
    /// Operations whose status differs, by operation id and subject.
    pub operations: Vec<OpChange>,
    /// Pairs whose verdict changed, in the order of their addresses.
    pub flows: Vec<FlowChange>,
}

/// Compares two analysed deployments.
pub fn compare(base: &Snapshot, head: &Snapshot) -> Diff {
    Diff {
        findings: findings::compare(&base.findings, &head.findings),
        operations: ops::compare(&base.operations, &head.operations),
        flows: flows::compare(&base.reach, &head.reach),
    }
}

impl Diff {
    /// Whether nothing changed: no finding new or fixed, no operation status or flow
    /// verdict changed.
    pub fn is_empty(&self) -> bool {
        self.findings.new.is_empty()
            && self.findings.fixed.is_empty()
            && self.operations.is_empty()
            && self.flows.is_empty()
    }

    /// The flows the change surely opens from the deployment to the internet or to storage
    /// outside it (a Storage service tag): they fail the run whatever the threshold. With
    /// `undecided`, also those it may have opened (unknown now, not surely open before).
    pub fn opened_outward(&self, undecided: bool) -> impl Iterator<Item = &FlowChange> {
        self.flows
            .iter()
            .filter(move |f| f.opens_outward() || (undecided && f.may_open_outward()))
    }

    /// The flows of one kind of change.
    pub fn flows_of(&self, change: Change) -> impl Iterator<Item = &FlowChange> {
        self.flows.iter().filter(move |f| f.change == change)
    }

    /// The new findings that fail a run at `threshold` (as `moat check --severity` decides:
    /// not suppressed, at or above the threshold, and decided unless `undecided`).
    pub fn failing(&self, threshold: Severity, undecided: bool) -> impl Iterator<Item = &Finding> {
        self.findings.new.iter().filter(move |f| {
            f.suppressed.is_none() && f.severity >= threshold && (undecided || f.decided())
        })
    }
}

impl Snapshot {
    /// Renames the files that findings and traces point at: `rename` gives the new name of a
    /// file, or `None` to keep it (a BASE read from a temporary copy of a git revision names
    /// its files `<rev>:<path>` instead).
    pub fn rename_files(&mut self, rename: impl Fn(&str) -> Option<String>) {
        let fix = |p: Option<&mut moat_model::Provenance>| {
            if let Some(p) = p
                && let Some(n) = rename(&p.file)
            {
                p.file = n;
            }
        };
        let fix_trace = |t: &mut moat_engine::Trace| {
            for h in t.hops.iter_mut() {
                fix(h.at.as_mut().map(std::sync::Arc::make_mut));
            }
        };
        for f in &mut self.findings {
            fix(f.at.as_mut());
            if let Some(t) = &mut f.trace {
                fix_trace(std::sync::Arc::make_mut(t));
            }
        }
        for r in &mut self.operations {
            for fl in &mut r.flows {
                fix_trace(std::sync::Arc::make_mut(&mut fl.trace));
            }
        }
        for x in self.reach.pairs.values_mut() {
            if let Some(t) = &mut x.trace {
                fix_trace(std::sync::Arc::make_mut(t));
            }
        }
    }
}
