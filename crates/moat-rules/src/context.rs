//! What rules see: the model, the path engine, the intent, and operation results computed once.

use moat_engine::Engine;
use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult, evaluate};
use moat_engine::trace::{Query, Trace, trace};
use moat_model::{Address, Topology};
use moat_packets::Protocol;
use std::cell::OnceCell;

/// The deployment as rules see it.
pub struct Context<'a, 't> {
    pub t: &'t Topology,
    pub e: &'a Engine<'t>,
    pub intent: Intent,
    ops: OnceCell<Vec<OpResult>>,
}

impl<'a, 't> Context<'a, 't> {
    /// A context over an engine.
    pub fn new(e: &'a Engine<'t>) -> Context<'a, 't> {
        Context {
            t: e.t,
            e,
            intent: Intent::of(e.t),
            ops: OnceCell::new(),
        }
    }

    /// Every operation result (evaluated on first use, shared by all rules).
    pub fn ops(&self) -> &[OpResult] {
        self.ops
            .get_or_init(|| evaluate(self.e, &self.intent, &Filter::default()))
    }

    /// The results of one operation.
    pub fn op(&self, id: &str) -> impl Iterator<Item = &OpResult> {
        self.ops().iter().filter(move |r| r.op == id)
    }

    /// Traces one flow.
    pub fn trace(
        &self,
        from: Address,
        to: Address,
        protocol: Protocol,
        port: u16,
    ) -> Option<Trace> {
        trace(
            self.e,
            &Query {
                from,
                to,
                protocol,
                port,
            },
        )
        .ok()
    }
}
