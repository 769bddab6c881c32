//! What consumers do beyond settling, for the patterns built from the broker: an RPC server
//! publishes its reply to the request's `reply_to` through the default exchange with the same
//! `correlation_id`; an RPC client's reply closes a round trip (the metrics keep its time); a
//! consumer with the retry policy rejects a failed delivery into its queue's dead-letter path
//! while the broker's `x-death` count allows, then parks it. Also the wake-ups that make
//! per-queue TTLs expire on time (the broker only expires messages when it is called). Each
//! consumer publish travels consumer → exchange with the publish latency and is traced as a
//! publish from the consumer's node.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::broker::Settle;
use crate::event::Delivered;
use crate::message::Publish;
use crate::queue::death::DeathReason;
use crate::queue::entry::MessageView;
use crate::sim::actor::ConsumerId;
use crate::sim::actor::consumer::Outcome;
use crate::sim::engine::Simulation;
use crate::sim::event_store::{EventStore, ProjectionState};
use crate::sim::handle::SimEvent;
use crate::sim::scenario::OnFailure;
use crate::sim::scheduler::SimTime;
use crate::value::Value;
use crate::vec_map::VecMap;

/// Requests awaiting a reply that are remembered at most (older ones are not timed).
pub const MAX_PENDING_RPC: usize = 65_536;

/// The run-time state of the patterns, part of what checkpoints copy.
#[derive(Debug, Clone)]
pub(crate) struct PatternState {
    /// RPC requests awaiting a reply: correlation id → send time (µs), bounded. Never iterated,
    /// so a hash map (a `BTreeMap` of this type would be a B-tree copy in the browser bundle).
    pub rpc_pending: FxHashMap<String, u64>,
    /// The earliest wake-up scheduled for a queue expiry (µs).
    pub wake: Option<u64>,
    pub store: EventStore,
    /// Each projection's state, by index.
    pub projections: Vec<ProjectionState>,
    /// The version of each stream each writer read when it started on its message.
    pub known_versions: VecMap<(u32, String), u64>,
}

impl PatternState {
    pub fn new(projections: usize) -> PatternState {
        PatternState {
            rpc_pending: FxHashMap::default(),
            wake: None,
            store: EventStore::default(),
            projections: vec![ProjectionState::default(); projections],
            known_versions: VecMap::new(),
        }
    }
}

impl Simulation {
    /// Whether this consumer needs what it is delivered (properties and body), not just ids.
    fn keeps_content(&self, consumer: ConsumerId) -> bool {
        let spec = self.scenario.consumers.get(consumer.0 as usize);
        let rpc_client = !self.state.patterns.rpc_pending.is_empty();
        let needs = |s: &crate::sim::scenario::ConsumerSpec| {
            s.replies || s.on_failure == OnFailure::Retry || s.append_to.is_some()
        };
        spec.is_some_and(needs) || rpc_client
    }

    /// Keeps a delivery's content for the consumer it goes to, when it needs it.
    pub(crate) fn keep_content(&mut self, consumer: ConsumerId, delivered: &Delivered) {
        if !self.keeps_content(consumer) {
            return;
        }
        if let Some(c) = self.state.consumers.get_mut(consumer.0 as usize) {
            let delivery = delivered.delivery();
            c.kept
                .insert(delivery.delivery_tag, Rc::new(delivery.message));
        }
    }

    /// A request about to be sent: remembers when, to time its round trip.
    pub(crate) fn request_sent(&mut self, correlation_id: &str, at: u64) {
        if self.state.patterns.rpc_pending.len() < MAX_PENDING_RPC {
            self.state
                .patterns
                .rpc_pending
                .insert(correlation_id.to_owned(), at);
        }
    }

    /// After a delivery was processed (`kept`: what its consumer kept of it): closes an RPC
    /// round trip, sends an RPC reply, or turns a retry failure into a reject or a park. Gives
    /// the settlement to send.
    pub(crate) fn after_processing(
        &mut self,
        t: SimTime,
        consumer: ConsumerId,
        kept: Option<Rc<MessageView>>,
        outcome: Outcome,
    ) -> Outcome {
        let Some(content) = kept else {
            return match outcome {
                Outcome::Retry => Outcome::Settle(Settle::Reject { requeue: false }),
                other => other,
            };
        };
        let outcome = match outcome {
            Outcome::Done | Outcome::Settle(Settle::Ack) => {
                self.append(t, consumer, &content, outcome)
            }
            other => other,
        };
        let ok = matches!(outcome, Outcome::Done | Outcome::Settle(Settle::Ack));
        if let Some(id) = content.properties.correlation_id.as_deref()
            && let Some(sent) = self.state.patterns.rpc_pending.remove(id).filter(|_| ok)
        {
            self.state.metrics.rpc.record(t.0.saturating_sub(sent));
        }
        let spec = self.scenario.consumers.get(consumer.0 as usize);
        if ok
            && spec.is_some_and(|s| s.replies)
            && let Some(to) = content.properties.reply_to.clone()
        {
            let mut reply = Publish::new("", to);
            reply.properties.correlation_id = content.properties.correlation_id.clone();
            reply.properties.delivery_mode = Some(1);
            reply.body = content.body.clone();
            self.consumer_publish(t, consumer, reply);
        }
        if outcome != Outcome::Retry {
            return outcome;
        }
        self.retry(t, consumer, &content)
    }

    /// A failed delivery under the retry policy: reject it into the dead-letter path while
    /// fewer than `max_attempts` attempts failed, else publish it to the parking lot and ack.
    fn retry(&mut self, t: SimTime, consumer: ConsumerId, content: &MessageView) -> Outcome {
        let Some(spec) = self.scenario.consumers.get(consumer.0 as usize) else {
            return Outcome::Settle(Settle::Reject { requeue: false });
        };
        let Some(retry) = &spec.retry else {
            return Outcome::Settle(Settle::Reject { requeue: false });
        };
        let failed_before = rejections(content, &spec.queue);
        if failed_before + 1 < u64::from(retry.max_attempts) {
            return Outcome::Settle(Settle::Reject { requeue: false });
        }
        let mut park = Publish::new("", retry.parking_lot.clone());
        park.properties = (*content.properties).clone();
        park.body = content.body.clone();
        self.consumer_publish(t, consumer, park);
        Outcome::Settle(Settle::Ack)
    }

    /// Sends `publish` from the consumer: it reaches the exchange after the publish latency.
    fn consumer_publish(&mut self, t: SimTime, consumer: ConsumerId, publish: Publish) {
        let delay = self
            .scenario
            .latency
            .publish
            .sample(&mut self.state.latency_rng);
        let publish = Box::new(publish);
        let sent = t.0;
        self.state.sched.schedule_in(
            delay,
            SimEvent::ConsumerPublish {
                consumer,
                sent,
                publish,
            },
        );
    }

    /// A consumer's publish reaches its exchange.
    pub(crate) fn consumer_publish_arrives(
        &mut self,
        t: SimTime,
        consumer: ConsumerId,
        sent: u64,
        publish: &Publish,
    ) {
        let Some(spec) = self.scenario.consumers.get(consumer.0 as usize) else {
            return;
        };
        let result = (self.state.broker).publish_sent(&spec.vhost, publish, t.as_ms(), sent);
        let from = self.consumer_at(consumer);
        match result {
            Ok(outcome) => {
                self.remember_consumer_publish(consumer, publish, outcome.content, t);
                self.observe_from(t, from, Some(SimTime(sent)), false);
            }
            Err(_) => self.after_broker(t, true, from),
        }
    }

    /// Makes sure the broker is called when the earliest expiry (ms) of a queue falls due.
    pub(crate) fn wake_for(&mut self, vhost: &str, queue: &str) {
        if !self.state.broker.has_timers() {
            return;
        }
        let due = self
            .state
            .broker
            .queue(vhost, queue)
            .and_then(|q| q.next_due());
        if let Some(due) = due {
            self.wake_at(due);
        }
    }

    /// [`Simulation::wake_for`] the queue in the broker's `slot`.
    pub(crate) fn wake_for_slot(&mut self, slot: usize) {
        if !self.state.broker.has_timers() {
            return;
        }
        let due = (self.state.broker.queue_in_slot(slot)).and_then(|q| q.next_due());
        if let Some(due) = due {
            self.wake_at(due);
        }
    }

    fn wake_at(&mut self, due_ms: u64) {
        let at = due_ms.saturating_mul(1000);
        let now = self.now().0;
        if at <= now || self.state.patterns.wake.is_some_and(|w| w <= at) {
            return;
        }
        self.state.patterns.wake = Some(at);
        self.state.sched.schedule_in(at - now, SimEvent::Wake);
    }

    /// A wake-up: the broker expires what is due; then the next one is set.
    pub(crate) fn wake(&mut self, t: SimTime) {
        if self.state.patterns.wake == Some(t.0) {
            self.state.patterns.wake = None;
        }
        let result = self.state.broker.advance(t.as_ms());
        self.after_broker(t, result.is_err(), None);
        if let Some(due) = self.state.broker.next_due() {
            self.wake_at(due);
        }
    }
}

/// How many times the broker recorded this message rejected from `queue` (its `x-death`).
fn rejections(content: &MessageView, queue: &str) -> u64 {
    let Some(Value::Array(deaths)) = content.properties.headers.get("x-death") else {
        return 0;
    };
    deaths
        .iter()
        .filter_map(|d| match d {
            Value::Table(t) => Some(t),
            _ => None,
        })
        .filter(|t| {
            t.get("queue").and_then(Value::as_str) == Some(queue)
                && t.get("reason").and_then(Value::as_str) == Some(DeathReason::Rejected.name())
        })
        .filter_map(|t| match t.get("count") {
            Some(Value::Int(n)) => u64::try_from(*n).ok(),
            _ => None,
        })
        .sum()
}
