//! What the inspector shows of a node that the public state does not already say: a
//! consumer's status, deliveries processed, the deliveries it holds and its channel (for its
//! unacked messages in [`crate::broker::Broker::unsettled`]); and any node's message rates
//! over a recent window of virtual time, counted from the trace. It reads; it changes nothing.

use crate::channel::ChannelId;
use crate::event::MessageId;
use crate::sim::actor::ConsumerId;
use crate::sim::engine::Simulation;
use crate::sim::trace::TraceKind;
use crate::sim::world::NodeId;

/// One consumer as the inspector shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerView {
    /// `running`, `stopped`, `down` or `idle`.
    pub status: &'static str,
    pub processed: u64,
    pub channel: ChannelId,
    /// Deliveries that reached it and are waiting or being processed, oldest first.
    pub in_hand: Vec<MessageId>,
    /// Share of the time since it started spent processing, 0 to 1.
    pub utilisation: f64,
}

/// Messages per second through one node over a window of virtual time, in the management
/// UI's words: into it and out of it (publish, forward, enqueue, dead letter, deliver hops),
/// delivered (first time) and redelivered from or to it, acked to or from it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    pub incoming: f64,
    pub outgoing: f64,
    pub deliver: f64,
    pub redeliver: f64,
    pub ack: f64,
}

impl Simulation {
    /// `node`'s rates over the last `window_us` of virtual time (or since the start, if
    /// shorter), from the trace events still held.
    pub fn rates(&self, node: NodeId, window_us: u64) -> Rates {
        let now = self.now().0;
        let since = now.saturating_sub(window_us);
        let mut counts = [0u64; 5];
        let recent = self.trace.events().rev().take_while(|e| e.time.0 > since);
        for (kind, edge) in recent.filter_map(|e| Some((e.kind, e.edge?))) {
            let touches = edge.from == node || edge.to == node;
            let carries = matches!(
                kind,
                TraceKind::Publish
                    | TraceKind::Forward
                    | TraceKind::Enqueue
                    | TraceKind::DeadLetter { .. }
                    | TraceKind::Deliver { .. }
            );
            let slot = match kind {
                TraceKind::Deliver { redelivered: false } if touches => Some(2),
                TraceKind::Deliver { redelivered: true } if touches => Some(3),
                TraceKind::Ack if touches => Some(4),
                _ => None,
            };
            if let Some(c) = slot.and_then(|i| counts.get_mut(i)) {
                *c += 1;
            }
            if carries {
                counts[0] += u64::from(edge.to == node);
                counts[1] += u64::from(edge.from == node);
            }
        }
        let seconds = now.min(window_us).max(1) as f64 / 1e6;
        let [incoming, outgoing, deliver, redeliver, ack] = counts.map(|n| n as f64 / seconds);
        Rates {
            incoming,
            outgoing,
            deliver,
            redeliver,
            ack,
        }
    }

    /// Whether the producer was stopped on demand (`None`: no such producer now).
    pub fn producer_stopped(&self, producer: crate::sim::ProducerId) -> Option<bool> {
        let p = self.state.producers.get(producer.0 as usize)?;
        Some(p.stopped)
    }

    pub fn consumer_view(&self, consumer: ConsumerId) -> Option<ConsumerView> {
        let c = self.state.consumers.get(consumer.0 as usize)?;
        Some(ConsumerView {
            status: c.status.name(),
            processed: c.processed,
            channel: c.channel,
            in_hand: c.held.iter().map(|h| h.message).collect(),
            utilisation: self.utilisation(consumer.0 as usize),
        })
    }
}
