//! The exchange-to-exchange hops of a publish, for the trace: when the exchange published to
//! has exchange-to-exchange bindings or an alternate exchange, the broker's route explanation
//! (computed on the same state, just before the publish) says which exchange forwarded to
//! which, and through which exchange each queue was reached. Publishes to single-hop
//! exchanges skip this (the explanation costs more than the publish), and publishes without
//! headers reuse the hops of the same exchange and routing key (the engine caches them).

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::explain::{Reached, RouteExplanation};
use crate::sim::world::{NodeId, World};
use crate::topology::Destination;

/// Cached hops, by (topology epoch, exchange), then routing key: looked up by the publish's key
/// in place, without copying it.
pub(crate) type HopCache = FxHashMap<(u32, NodeId), FxHashMap<String, Rc<Hops>>>;

/// The hops of one publish.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Hops {
    /// exchange → exchange, in walk order.
    pub forwards: Vec<(NodeId, NodeId)>,
    /// queue ← the exchange whose binding reached it first.
    pub sources: Vec<(NodeId, NodeId)>,
}

impl Hops {
    pub fn from_explanation(explanation: &RouteExplanation, world: &World) -> Hops {
        let vhost = explanation.vhost.as_str();
        let mut hops = Hops::default();
        for visit in &explanation.visits {
            let Some(x) = world.exchange(vhost, &visit.exchange) else {
                continue;
            };
            if let Reached::Binding { from } | Reached::Alternate { from } = &visit.reached
                && let Some(from) = world.exchange(vhost, from)
            {
                hops.forwards.push((from, x));
            }
            for trial in visit.bindings.iter().filter(|b| b.matched) {
                let Destination::Queue(name) = &trial.destination else {
                    continue;
                };
                if let Some(q) = world.queue(vhost, name)
                    && !hops.sources.iter().any(|(seen, _)| *seen == q)
                {
                    hops.sources.push((q, x));
                }
            }
        }
        hops
    }

    /// The exchange a queue's copy came through.
    pub fn source(&self, queue: NodeId) -> Option<NodeId> {
        self.sources
            .iter()
            .find(|(q, _)| *q == queue)
            .map(|(_, x)| *x)
    }
}
