//! Turns the broker's events into trace events and metrics: which edge each copy travels on
//! (the exchange it came through is the one of the publish or dead letter just before it, or
//! the one `hops` found for a multi-hop publish), and which consumer a delivery goes to (by
//! channel), scheduling its arrival. It reads the broker's event stream; it never changes
//! broker state.

use crate::broker::Settle;
use crate::event::{Confirm, Delivered, Event, MessageId, Name, Record};
use crate::sim::actor::ProducerId;
use crate::sim::actor::consumer::Held;
use crate::sim::engine::Simulation;
use crate::sim::hops::Hops;
use crate::sim::messages::DeadLetterSeen;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::{Edge, TraceKind};
use crate::sim::world::NodeId;

/// What the events of one broker operation share.
struct Cx<'a> {
    /// The exchange of the publish or dead letter the next copies come through.
    exchange: Option<NodeId>,
    producer: Option<NodeId>,
    sent: Option<SimTime>,
    confirms: bool,
    hops: Option<&'a Hops>,
}

fn hop(from: Option<NodeId>, to: Option<NodeId>, depart: SimTime, arrive: SimTime) -> Option<Edge> {
    Some(Edge {
        from: from?,
        to: to?,
        depart,
        arrive,
    })
}

impl Simulation {
    /// Records what the broker did, after an operation that failed when `refused` (the node is
    /// where the refusal is shown). Inlined: after every settlement, it only passes the
    /// events on.
    #[inline(always)]
    pub(crate) fn after_broker(&mut self, t: SimTime, refused: bool, node: Option<NodeId>) {
        if let Some((how, slot)) = self.state.broker.take_settled_alone() {
            // A settlement's own record alone, the usual outcome of an ack: counted here,
            // without the set-up of the loop over records. No publish's hops are waiting: a
            // publish's are taken by the observation of its own records, never a lone
            // settlement.
            debug_assert!(self.hops.is_none(), "hops left by a publish");
            self.count_settled(how, slot);
        } else {
            self.observe_from(t, None, None, false);
        }
        if refused {
            self.state.metrics.count(None, |m| m.refused += 1);
            self.trace.record(t, TraceKind::Refused, None, None, node);
        }
    }

    /// Records the broker's events since the last call; `origin` is the producer and send time
    /// of the publish that caused them.
    pub(crate) fn observe(&mut self, t: SimTime, origin: Option<(ProducerId, SimTime)>) {
        let producer = origin.and_then(|(p, _)| self.cast.producers.get(p.0 as usize).copied());
        let confirms = origin
            .and_then(|(p, _)| self.scenario.producers.get(p.0 as usize))
            .is_some_and(|s| s.confirms);
        self.observe_from(t, producer, origin.map(|(_, s)| s), confirms);
    }

    /// [`Simulation::observe`] for a publish from any node (a consumer's reply, too).
    pub(crate) fn observe_from(
        &mut self,
        t: SimTime,
        producer: Option<NodeId>,
        sent: Option<SimTime>,
        confirms: bool,
    ) {
        let hops = self.hops.take();
        let mut cx = Cx {
            exchange: None,
            producer,
            sent,
            confirms,
            hops: hops.as_deref(),
        };
        let spare = std::mem::take(&mut self.spare_events);
        let mut records = self.state.broker.take_records(spare);
        // Each record is taken by value and dropped where its kind is known: a clear after the
        // loop went over the records again, with a call per record to find what to drop.
        for record in records.drain(..) {
            self.one_record(t, record, &mut cx);
        }
        self.spare_events = records;
    }

    /// What the broker does to every copy of every message, recorded compactly; the rest is
    /// looked at as an [`Event`]. Inlined into the loop over the records (its only caller).
    #[inline(always)]
    fn one_record(&mut self, t: SimTime, record: Record, cx: &mut Cx) {
        match record {
            Record::Published {
                vhost,
                content,
                routed,
            } => {
                self.published(t, content.id, &vhost, &content.exchange, cx);
                if routed.is_some() {
                    self.state.metrics.count(None, |c| c.routed += 1);
                }
            }
            Record::Delivered(d) => {
                // One lookup of the queue, and one count, for both events of a copy delivered
                // as it arrived.
                let slot = d.slot as usize;
                let q = self.queue_in_slot(slot);
                let (arrived, redelivered) = (d.arrived, d.redelivered);
                self.state.metrics.count(q, |c| {
                    c.enqueued += u64::from(arrived);
                    c.delivered += 1;
                    c.redelivered += u64::from(redelivered);
                });
                if arrived {
                    self.enqueued(t, d.content.id, slot, q, cx);
                }
                self.delivery(t, &d, q);
                if let Some(confirm) = d.confirm {
                    self.confirmed(t, d.content.id, confirm, cx);
                }
            }
            Record::Settled { how, slot, .. } => self.count_settled(how, slot),
            Record::Requeued { message, slot } => {
                self.wake_for_slot(slot);
                let q = self.queue_in_slot(slot);
                self.state.metrics.count(q, |c| c.requeued += 1);
                self.trace
                    .record(t, TraceKind::Requeue, Some(message), None, q);
            }
            Record::Other(event) => self.one(t, &event, cx),
            other => self.at_exchange(t, &other, cx),
        }
    }

    /// A settlement of a copy from the queue in `slot`.
    fn count_settled(&mut self, how: Settle, slot: usize) {
        let q = self.queue_in_slot(slot);
        self.state.metrics.count(q, |c| match how {
            Settle::Ack => c.acked += 1,
            Settle::Nack { .. } => c.nacked += 1,
            Settle::Reject { .. } => c.rejected += 1,
        });
    }

    /// The node of the queue in the broker's `slot`.
    fn queue_in_slot(&mut self, slot: usize) -> Option<NodeId> {
        let broker = &self.state.broker;
        self.world.queue_in_slot(slot, || broker.slot_names(slot))
    }

    fn one(&mut self, t: SimTime, event: &Event, cx: &mut Cx) {
        if self.topology_event(t, event) {
            return;
        }
        match event {
            Event::DeadLettered {
                message,
                vhost,
                queue,
                exchange,
                dead_letter,
                reason,
                ..
            } => {
                let seen = DeadLetterSeen {
                    id: *dead_letter,
                    from: *message,
                    vhost,
                    queue,
                    exchange,
                    reason: *reason,
                };
                self.remember_dead_letter(t, seen);
                let q = self.world.queue_of(vhost, queue);
                cx.exchange = self.world.exchange(vhost, exchange);
                // A dead letter's copies come through the dead-letter exchange.
                cx.hops = None;
                self.state.metrics.count(q, |c| c.dead_lettered += 1);
                let kind = TraceKind::DeadLetter {
                    dead_letter: *dead_letter,
                };
                let edge = hop(q, cx.exchange, t, t);
                self.trace.record(t, kind, Some(*message), edge, None);
            }
            Event::Restarted => {
                let kind = TraceKind::BrokerRestarted;
                self.trace.record(t, kind, None, None, None);
            }
            Event::QueueLost { vhost, queue } => {
                let q = self.world.queue_of(vhost, queue);
                self.trace.record(t, TraceKind::QueueLost, None, None, q);
            }
            Event::DeadLetterRetried {
                message,
                vhost,
                queue,
                exchange,
                dead_letter,
                ..
            } => {
                // A held dead letter published again: its copies come through the exchange.
                let q = self.world.queue_of(vhost, queue);
                cx.exchange = self.world.exchange(vhost, exchange);
                cx.hops = None;
                let kind = TraceKind::DeadLetter {
                    dead_letter: *dead_letter,
                };
                let edge = hop(q, cx.exchange, t, t);
                self.trace.record(t, kind, Some(*message), edge, None);
                self.wake_for(vhost, queue);
            }
            // The source keeps it: its dead-letter worker's timer must wake the broker.
            Event::DeadLetterHeld { vhost, queue, .. } => self.wake_for(vhost, queue),
            Event::DeadLettersDeleted {
                vhost,
                queue,
                messages,
            } => {
                let q = self.world.queue_of(vhost, queue);
                for message in messages {
                    self.state.metrics.count(q, |c| c.purged += 1);
                    self.trace
                        .record(t, TraceKind::Purge, Some(*message), None, q);
                }
            }
            other => self.at_queue(t, other),
        }
    }

    /// producer → exchange, then any exchange → exchange hops.
    fn published(&mut self, t: SimTime, message: MessageId, vhost: &str, x: &Name, cx: &mut Cx) {
        // The message table found the exchange's node as it recorded the publish, just before.
        let recorded = self.messages.newest().filter(|m| m.id == message);
        cx.exchange = match recorded {
            Some(info) => info.exchange_node,
            None => self.world.exchange_of(vhost, x),
        };
        let sent = cx.sent.unwrap_or(t);
        self.state.metrics.count(None, |c| c.published += 1);
        let edge = hop(cx.producer, cx.exchange, sent, t);
        self.trace
            .record(t, TraceKind::Publish, Some(message), edge, None);
        for (from, to) in cx.hops.map_or(&[][..], |h| &h.forwards) {
            let edge = hop(Some(*from), Some(*to), t, t);
            self.trace
                .record(t, TraceKind::Forward, Some(message), edge, None);
        }
    }

    /// queue → consumer (from the queue's node `q`), whose arrival is scheduled (counted by the
    /// caller).
    fn delivery(&mut self, t: SimTime, d: &Delivered, q: Option<NodeId>) {
        let redelivered = d.redelivered;
        let message = d.content.id;
        let held = Held {
            tag: d.delivery_tag,
            message,
            sent: d.content.sent,
        };
        let to = self.route_delivery(t, d.channel, held);
        if let Some((consumer, _)) = to {
            self.keep_content(consumer, d);
        }
        let edge = to.and_then(|(c, at)| hop(q, self.consumer_at(c), t, at));
        let node = if edge.is_none() { q } else { None };
        let kind = TraceKind::Deliver { redelivered };
        self.trace.record(t, kind, Some(message), edge, node);
    }

    /// What happens at the exchange of a publish: routed, returned, unroutable, confirmed, and
    /// each queue's copy.
    fn at_exchange(&mut self, t: SimTime, record: &Record, cx: &mut Cx) {
        // A return or confirm travels back to the producer with the publish hop's latency.
        let mut back = || {
            let latency = &self.scenario.latency.publish;
            let arrive = t.plus(latency.sample(&mut self.state.latency_rng));
            hop(cx.exchange, cx.producer, t, arrive)
        };
        let (kind, message, edge, node) = match record {
            Record::Returned { message } => {
                self.state.metrics.count(None, |c| c.returned += 1);
                (TraceKind::Return, *message, back(), None)
            }
            Record::Unroutable { message } => {
                self.state.metrics.count(None, |c| c.unroutable += 1);
                (TraceKind::Unroutable, *message, None, cx.exchange)
            }
            Record::Confirmed { message, confirm } => {
                return self.confirmed(t, *message, *confirm, cx);
            }
            Record::Enqueued {
                message,
                slot,
                confirm,
            } => {
                let q = self.queue_in_slot(*slot);
                self.state.metrics.count(q, |c| c.enqueued += 1);
                self.enqueued(t, *message, *slot, q, cx);
                if let Some(confirm) = confirm {
                    self.confirmed(t, *message, *confirm, cx);
                }
                return;
            }
            _ => return,
        };
        self.trace.record(t, kind, Some(message), edge, node);
    }

    /// exchange → producer: the publisher confirm of `message`, which travels back with the
    /// publish hop's latency (recorded only for a producer with confirms on). Inlined into its
    /// callers, as [`Simulation::enqueued`] is.
    #[inline(always)]
    fn confirmed(&mut self, t: SimTime, message: MessageId, confirm: Confirm, cx: &Cx) {
        let ack = confirm == Confirm::Ack;
        self.state.metrics.count(None, |c| {
            c.confirmed_ack += u64::from(ack);
            c.confirmed_nack += u64::from(!ack);
        });
        if !cx.confirms {
            return;
        }
        let latency = &self.scenario.latency.publish;
        let arrive = t.plus(latency.sample(&mut self.state.latency_rng));
        let edge = hop(cx.exchange, cx.producer, t, arrive);
        self.trace
            .record(t, TraceKind::Confirm { ack }, Some(message), edge, None);
    }

    /// exchange → queue: the queue in `slot` (node `q`) accepted a copy (counted by the caller). Inlined into its two callers
    /// (a copy enqueued, a copy delivered as it arrived): out of line it cost a call per copy.
    #[inline(always)]
    fn enqueued(
        &mut self,
        t: SimTime,
        message: MessageId,
        slot: usize,
        q: Option<NodeId>,
        cx: &Cx,
    ) {
        self.wake_for_slot(slot);
        let from = q.and_then(|q| cx.hops.and_then(|h| h.source(q)));
        let edge = hop(from.or(cx.exchange), q, t, t);
        self.trace
            .record(t, TraceKind::Enqueue, Some(message), edge, None);
    }

    /// Events that happen to a copy inside one queue.
    fn at_queue(&mut self, t: SimTime, event: &Event) {
        let (kind, message, vhost, queue) = match event {
            Event::PublishRejected {
                message,
                vhost,
                queue,
            } => (TraceKind::PublishRejected, *message, vhost, queue),
            Event::Requeued {
                message,
                vhost,
                queue,
            } => {
                self.wake_for(vhost, queue);
                (TraceKind::Requeue, *message, vhost, queue)
            }
            Event::Expired {
                message,
                vhost,
                queue,
            } => (TraceKind::Expire, *message, vhost, queue),
            Event::DroppedOnOverflow {
                message,
                vhost,
                queue,
            } => (TraceKind::DropOnOverflow, *message, vhost, queue),
            Event::DeliveryLimitExceeded {
                message,
                vhost,
                queue,
            } => (TraceKind::DeliveryLimit, *message, vhost, queue),
            Event::DeadLetterDropped {
                message,
                vhost,
                queue,
                ..
            } => (TraceKind::DeadLetterDropped, *message, vhost, queue),
            Event::DeadLetterLoopStopped {
                message,
                vhost,
                queue,
                ..
            } => (TraceKind::DeadLetterLoopStopped, *message, vhost, queue),
            Event::Purged {
                message,
                vhost,
                queue,
            } => (TraceKind::Purge, *message, vhost, queue),
            Event::LostOnRestart {
                message,
                vhost,
                queue,
            } => (TraceKind::LostOnRestart, *message, vhost, queue),
            _ => return,
        };
        let q = self.world.queue_of(vhost, queue);
        self.state.metrics.count(q, |c| match kind {
            TraceKind::PublishRejected => c.publish_rejected += 1,
            TraceKind::Requeue => c.requeued += 1,
            TraceKind::Expire => c.expired += 1,
            TraceKind::DropOnOverflow => c.dropped_on_overflow += 1,
            TraceKind::DeliveryLimit => c.delivery_limit += 1,
            TraceKind::DeadLetterDropped | TraceKind::DeadLetterLoopStopped => {
                c.dead_letter_dropped += 1;
            }
            TraceKind::Purge => c.purged += 1,
            _ => c.lost_on_restart += 1,
        });
        self.trace.record(t, kind, Some(message), None, q);
    }
}
