//! What rules see: the model, the path engine, the intent, and operation results computed once.

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult, evaluate};
use moat_engine::trace::{Query, Trace, trace, traced};
use moat_engine::{Engine, OpId};
use moat_exfil::invariant::{Invariant, Proof};
use moat_model::{Address, Topology};
use moat_packets::Protocol;
use std::cell::OnceCell;

/// The deployment as rules see it.
pub struct Context<'a, 't> {
    pub t: &'t Topology,
    pub e: &'a Engine<'t>,
    pub intent: Intent,
    /// Reachability invariants the user wrote (moat.toml, `--policy`); the built-in ones of a
    /// deployment that declares exfiltration protection are added when proving.
    pub invariants: Vec<Invariant>,
    ops: OnceCell<Vec<OpResult>>,
    proofs: OnceCell<Vec<Proof>>,
    declared: OnceCell<std::collections::HashSet<String>>,
    endpoint_subnets: OnceCell<std::collections::HashMap<String, String>>,
}

impl<'a, 't> Context<'a, 't> {
    /// A context over an engine.
    pub fn new(e: &'a Engine<'t>) -> Context<'a, 't> {
        Context {
            t: e.t,
            e,
            intent: Intent::of(e.t),
            invariants: Vec::new(),
            ops: OnceCell::new(),
            proofs: OnceCell::new(),
            declared: OnceCell::new(),
            endpoint_subnets: OnceCell::new(),
        }
    }

    /// The same context proving `invariants` too.
    pub fn with_invariants(mut self, invariants: Vec<Invariant>) -> Context<'a, 't> {
        self.invariants = invariants;
        self.proofs = OnceCell::new();
        self
    }

    /// The proof of every invariant, the user's and the built-in ones (computed on first use,
    /// shared by the INV rules).
    pub fn proofs(&self) -> &[Proof] {
        self.proofs.get_or_init(|| {
            let mut all = self.invariants.clone();
            let declared = self.declared();
            all.extend(
                moat_exfil::invariant::builtin(self.t)
                    .into_iter()
                    .filter(|i| declared.contains(&i.from)),
            );
            if all.is_empty() {
                return Vec::new();
            }
            let p = moat_exfil::Prepared::new(self.t);
            let e = self.e.variant(&p.topology);
            let o = moat_exfil::Oracle::new(&e, &p.variants, p.stand_ins.clone());
            all.iter()
                .map(|i| moat_exfil::invariant::prove(&o, i))
                .collect()
        })
    }

    /// Whether `place` (`subnet/vnet/name`, `managed-network/ws`) is one where the deployment
    /// declares exfiltration protection (computed on first use: rules ask it per compute group).
    pub fn declares_protection(&self, place: &str) -> bool {
        self.declared().contains(place)
    }

    fn declared(&self) -> &std::collections::HashSet<String> {
        self.declared.get_or_init(|| {
            moat_exfil::invariant::declared_places(self.t)
                .into_iter()
                .map(|(p, _)| p)
                .collect()
        })
    }

    /// The same context over a variant of `base`'s deployment (a value the input leaves open
    /// fixed to one it may take, a may-exist resource left out): a place declares
    /// exfiltration protection only where the input itself declares it, so the intent a
    /// variant reads into an open setting adds no built-in invariant, and the place keeps
    /// the probes of places without the intent.
    pub fn variant_of(self, base: &Context) -> Context<'a, 't> {
        let within = base.declared();
        let own: std::collections::HashSet<String> = self
            .declared()
            .iter()
            .filter(|p| within.contains(*p))
            .cloned()
            .collect();
        Context {
            declared: OnceCell::from(own),
            proofs: OnceCell::new(),
            ..self
        }
    }

    /// The subnet of `vnet` that holds the most private endpoints (the first by name of those
    /// that tie), where a user puts the next one. Counted once for every VNet.
    pub fn endpoint_subnet_of(&self, vnet: &str) -> Option<&str> {
        self.endpoint_subnets
            .get_or_init(|| {
                let mut count: std::collections::BTreeMap<&str, usize> = Default::default();
                for p in &self.t.private_endpoints {
                    *count.entry(p.subnet.as_str()).or_default() += 1;
                }
                let mut best: std::collections::HashMap<String, (usize, String)> =
                    Default::default();
                for (subnet, n) in count {
                    let v = subnet.split('/').next().unwrap_or(subnet);
                    let e = best.entry(v.to_string()).or_insert((0, String::new()));
                    // Subnets come in name order: a later one wins only with more endpoints.
                    if n > e.0 {
                        *e = (n, subnet.to_string());
                    }
                }
                best.into_iter().map(|(v, (_, s))| (v, s)).collect()
            })
            .get(vnet)
            .map(String::as_str)
    }

    /// Every operation result (evaluated on first use, shared by all rules).
    pub fn ops(&self) -> &[OpResult] {
        self.ops
            .get_or_init(|| evaluate(self.e, &self.intent, &Filter::default()))
    }

    /// Every operation result, taken from the context (evaluated now if no rule asked):
    /// a caller that keeps them after the rules ran needs no copy.
    pub fn into_ops(self) -> Vec<OpResult> {
        self.ops();
        self.ops.into_inner().unwrap_or_default()
    }

    /// The results of one operation.
    pub fn op(&self, id: OpId) -> impl Iterator<Item = &OpResult> {
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
        let q = Query {
            from,
            to,
            protocol,
            port,
        };
        // Rules ask many of the questions the operations asked (a compute's outbound, a
        // client's way to the workspace): a copy of that answer is cheaper than the walk. The
        // rules' own answers are not kept: most are dropped as soon as they are read.
        if let Some(t) = traced(self.e, &q) {
            return t.ok().map(|t| Trace::clone(&t));
        }
        trace(self.e, &q).ok()
    }
}
