//! Traces and operations over a deployment some of whose resources may or may not exist.
//!
//! The deployment is analysed as written (every may-exist resource present) and in each
//! [`variant`](moat_model::presence::variants): without some of them, with open values taken
//! to be some of their possible values, or both. A verdict or status that is the same in all
//! of them is decided; one that differs is unknown, and says what it depends on. When the
//! variants do not cover every combination of what is open, nothing is decided
//! ([`moat_model::presence::unexplored`]).

use crate::Engine;
use crate::intent::Intent;
use crate::op_id::OpId;
use crate::ops::{self, Filter, OpResult, Status};
use crate::trace::{self, Query, Trace, Verdict};
use foldhash::HashMap;
use moat_model::Address;
use moat_model::presence::Variant;

/// The trace of `q` on every variant: the deployment's own trace when all agree, unknown
/// otherwise (with what it depends on in `missing`).
pub fn trace(e: &Engine, variants: &[Variant], q: &Query) -> Result<Trace, String> {
    let engines: Vec<(&Variant, Engine)> = variants
        .iter()
        .map(|v| (v, e.variant(&v.topology)))
        .collect();
    trace_on(e, &engines, q)
}

/// [`trace`] with the variants' engines prepared once, for callers that trace many flows.
pub fn trace_on(e: &Engine, variants: &[(&Variant, Engine)], q: &Query) -> Result<Trace, String> {
    let mut base = trace::trace(e, q)?;
    // Each variant is compared with the deployment as written, not with what earlier
    // variants made of it: a variant that agrees with it is no reason the flow is unknown.
    let written = base.verdict;
    // The variants already named: one that refines them adds nothing to say.
    let mut named: Vec<&Variant> = Vec::new();
    for (v, ve) in variants {
        // An end that the variant lacks cannot be reached there: a different outcome.
        let verdict = trace::trace(ve, q).map(|t| t.verdict).ok();
        if verdict != Some(written) {
            let other = match verdict {
                Some(v) => word(v),
                None => {
                    // Without them the flow has no end: the question does not arise.
                    base.assumptions
                        .push(format!("{} is deployed", v.subject()));
                    continue;
                }
            };
            if !named.iter().any(|u| v.refines(u)) {
                base.missing.push(format!(
                    "{}: {} the flow is {other}",
                    v.question(),
                    v.condition()
                ));
                named.push(v);
            }
            base.verdict = Verdict::Unknown;
            base.fix = None;
        }
    }
    if let Some(question) = variants.first().and_then(|(v, _)| v.unexplored.as_deref())
        && base.verdict != Verdict::Unknown
    {
        base.missing.push(format!(
            "{question}: the flow is {} in those analysed",
            word(written)
        ));
        base.verdict = Verdict::Unknown;
        base.fix = None;
    }
    Ok(base)
}

/// The operations on every variant: each result as on the deployment itself, unknown where
/// a variant gives another status.
pub fn evaluate(
    e: &Engine,
    variants: &[Variant],
    intent: &Intent,
    filter: &Filter,
) -> Vec<OpResult> {
    let mut base = ops::evaluate(e, intent, filter);
    // Each variant is compared with the deployment as written, not with what earlier
    // variants left of it: one that agrees with it is no reason the status is unknown.
    let written: Vec<Status> = base.iter().map(|r| r.status).collect();
    // Per result, the variants already named: one that refines them adds nothing to say.
    let mut named: Vec<Vec<&Variant>> = vec![Vec::new(); base.len()];
    // "Only if" is what one variant shows only when it is the one way to differ.
    let only = moat_model::presence::one_dimension(variants);
    for v in variants {
        let ve = e.variant(&v.topology);
        let vi = Intent::of(&v.topology);
        let other = ops::evaluate(&ve, &vi, filter);
        let by_subject: HashMap<(&OpId, &Address), &OpResult> =
            other.iter().map(|o| ((&o.op, &o.subject), o)).collect();
        for ((r, &as_written), named) in base.iter_mut().zip(&written).zip(&mut named) {
            let theirs = by_subject.get(&(&r.op, &r.subject)).copied();
            let status = theirs.map(|o| o.status);
            // An operation that only some variants perform is decided by those that do.
            if matches!(status, None | Some(Status::NotApplicable))
                && as_written != Status::NotApplicable
            {
                r.notes.push(if only {
                    format!("performed only {}", v.performed_if())
                } else {
                    format!("not performed if {}, the rest as written", v.stated())
                });
                continue;
            }
            // One that does not apply as written, and whose subject the variant lacks, is
            // performed in none of them: it does not apply either way.
            if status.is_none() && as_written == Status::NotApplicable {
                continue;
            }
            // Each flow too: an operation failing either way may fail through another flow,
            // and a flow blocked only with some resources is not decided blocked.
            if let Some(o) = theirs {
                unsettle_flows(r, o, v);
            }
            if status != Some(as_written) {
                let what = match status {
                    Some(Status::Works) => "works",
                    Some(Status::Fails) => "fails",
                    Some(Status::Unknown) => "is unknown",
                    Some(Status::NotApplicable) => "does not apply",
                    None => "has no subject",
                };
                if !named.iter().any(|u| v.refines(u)) {
                    r.notes.push(format!(
                        "depends on {}: {} it {what}",
                        v.question(),
                        v.condition()
                    ));
                    named.push(v);
                }
                r.status = Status::Unknown;
            }
        }
    }
    if let Some(question) = moat_model::presence::unexplored(variants) {
        for r in &mut base {
            unexplored(r, question);
        }
    }
    base
}

/// Marks `r` and its decided flows unknown: they depend on combinations of may-exist
/// resources that were not analysed (`question`).
fn unexplored(r: &mut OpResult, question: &str) {
    if matches!(r.status, Status::NotApplicable | Status::Unknown) {
        return;
    }
    r.notes.push(format!("depends on {question}"));
    r.status = Status::Unknown;
    for f in &mut r.flows {
        if f.verdict == Verdict::Unknown {
            continue;
        }
        let t = std::sync::Arc::make_mut(&mut f.trace);
        t.missing.push(format!(
            "{question}: the flow is {} in those analysed",
            word(f.verdict)
        ));
        t.verdict = Verdict::Unknown;
        t.fix = None;
        f.verdict = Verdict::Unknown;
    }
}

/// Marks unknown the flows of `r` whose verdict `other` (the same operation in variant `v`)
/// gives otherwise, saying what they depend on; a flow the variant does not ask keeps its own.
fn unsettle_flows(r: &mut OpResult, other: &OpResult, v: &Variant) {
    let key = |t: &Trace| (t.from.clone(), t.to.clone(), t.protocol.clone(), t.port);
    let theirs: foldhash::HashMap<_, Verdict> = other
        .flows
        .iter()
        .map(|f| (key(&f.trace), f.verdict))
        .collect();
    for f in &mut r.flows {
        let Some(&verdict) = theirs.get(&key(&f.trace)) else {
            continue;
        };
        if verdict == f.verdict || f.verdict == Verdict::Unknown {
            continue;
        }
        let other = word(verdict);
        f.verdict = Verdict::Unknown;
        let t = std::sync::Arc::make_mut(&mut f.trace);
        t.missing.push(format!(
            "{}: {} the flow is {other}",
            v.question(),
            v.condition()
        ));
        t.verdict = Verdict::Unknown;
        t.fix = None;
    }
}

/// A verdict as the notes on a variant say it.
fn word(v: Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "allowed",
        Verdict::Denied => "denied",
        Verdict::Unknown => "unknown",
    }
}
