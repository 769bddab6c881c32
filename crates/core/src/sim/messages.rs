//! What each message was published with, by id: the exchange, routing key and properties
//! (headers included) of a producer's publish, and of each dead letter as the broker
//! re-published it (with its `x-death` and `x-{first,last}-death-*` headers), for the
//! inspector. The trace keeps only ids; this side table keeps the rest, bounded (the newest
//! [`DEFAULT_MESSAGE_CAPACITY`] messages). Ids grow with the steps of one timeline, so the
//! table is in id order; an entry recorded after the current step is a known future (hidden,
//! re-recorded identically by a re-run) and is dropped when an injected action forks the
//! timeline. It reads the broker and the producers; it changes neither.
//!
//! A dead letter's content is rebuilt with the broker's own [`death::dead_letter`] from the
//! recorded content of the message that died and the dying queue's dead-letter settings, at
//! the broker's clock of that operation: exactly what the broker built (a test compares it
//! with the copy in the target queue).

use std::collections::VecDeque;

use crate::error::BrokerError;
use crate::event::{MessageId, Name};
use crate::explain::RouteExplanation;
use crate::message::{Properties, Publish};
use crate::queue::death::{self, DeathReason, Target};
use crate::queue::entry::Content;
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::engine::Simulation;
use crate::sim::scheduler::SimTime;
use crate::sim::world::{NodeId, World};

/// How many messages the table keeps by default (each holds its properties: about 0.5 KB).
pub const DEFAULT_MESSAGE_CAPACITY: usize = 1 << 15;

/// Where a message came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A producer's publish.
    Producer(ProducerId),
    /// A consumer's publish: an RPC reply, or a message it parked after its last retry.
    Consumer(ConsumerId),
    /// A plain message sent on demand (the explorer's, or a script's `send` step).
    Sent,
    /// The broker re-published `from` after it died in `queue`.
    DeadLetter {
        from: MessageId,
        queue: String,
        reason: DeathReason,
    },
}

/// One message as it was published.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageInfo {
    pub id: MessageId,
    /// Shared by every message of the vhost.
    pub vhost: Name,
    /// The exchange's node (`None` when the world does not hold it).
    pub exchange_node: Option<NodeId>,
    /// Exchange, routing key, properties with headers (BCC stripped), routing keys and the
    /// death history, as every copy of the message shares them.
    pub content: Content,
    pub mandatory: bool,
    /// When it reached its exchange (a producer's send time is in the trace's publish edge).
    pub at: SimTime,
    pub origin: Origin,
    /// The step that recorded it: later than the simulation's steps means a known future.
    step: u64,
}

impl MessageInfo {
    pub fn exchange(&self) -> &str {
        &self.content.exchange
    }

    pub fn routing_key(&self) -> &str {
        &self.content.routing_key
    }

    pub fn properties(&self) -> &Properties {
        &self.content.properties
    }

    /// The publish that would route this message again (for [`crate::broker::Broker::explain`]).
    pub fn as_publish(&self) -> Publish {
        Publish {
            exchange: self.content.exchange.to_string(),
            routing_key: self.content.routing_key.to_string(),
            mandatory: self.mandatory,
            immediate: false,
            properties: (*self.content.properties).clone(),
            body: self.content.body.clone(),
        }
    }
}

/// The bounded table, in id order.
#[derive(Debug, Clone)]
pub struct Messages {
    ring: VecDeque<MessageInfo>,
    capacity: usize,
}

impl Messages {
    pub fn new(capacity: usize) -> Messages {
        Messages {
            ring: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Entries held, the known future included.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    fn position(&self, id: MessageId) -> Result<usize, usize> {
        self.ring.binary_search_by_key(&id, |m| m.id)
    }

    /// The newest entry, known future included.
    pub(crate) fn newest(&self) -> Option<&MessageInfo> {
        self.ring.back()
    }

    /// The entry for `id`, known future included.
    fn any(&self, id: MessageId) -> Option<&MessageInfo> {
        self.ring.get(self.position(id).ok()?)
    }

    /// The entry for `id` if it was recorded at or before step `steps`.
    pub fn get(&self, id: MessageId, steps: u64) -> Option<&MessageInfo> {
        self.any(id).filter(|m| m.step <= steps)
    }

    /// Records (or, re-simulating, records again) one message. An id older than everything a
    /// full table holds is not kept. Inlined: running forward, each id is newer than all the
    /// table holds, and the entry is appended where it is built.
    #[inline(always)]
    fn record(&mut self, info: MessageInfo) {
        if self.ring.back().is_none_or(|last| last.id < info.id) {
            self.ring.push_back(info);
            if self.ring.len() > self.capacity {
                self.ring.pop_front();
            }
        } else {
            self.record_again(info);
        }
    }

    /// [`Messages::record`] of an id not newer than the table's newest (a re-run after a seek).
    #[inline(never)]
    fn record_again(&mut self, info: MessageInfo) {
        match self.position(info.id) {
            Ok(i) => {
                if let Some(slot) = self.ring.get_mut(i) {
                    *slot = info;
                }
            }
            Err(i) if i == 0 && self.ring.len() >= self.capacity => {}
            Err(i) => {
                self.ring.insert(i, info);
                if self.ring.len() > self.capacity {
                    self.ring.pop_front();
                }
            }
        }
    }

    /// Drops the entries recorded after step `steps` (an injected action forked the timeline).
    pub(crate) fn forget_after(&mut self, steps: u64) {
        self.ring.retain(|m| m.step <= steps);
    }
}

impl Default for Messages {
    fn default() -> Self {
        Messages::new(DEFAULT_MESSAGE_CAPACITY)
    }
}

impl Simulation {
    /// What message `id` was published with, if it has been published in this timeline and
    /// the table still holds it.
    pub fn message(&self, id: MessageId) -> Option<&MessageInfo> {
        self.messages.get(id, self.state.steps)
    }

    /// How message `id` would be routed by the topology as it is now (not necessarily as it
    /// was when it was published: a restart may have lost exchanges or bindings since).
    pub fn explain_message(&self, id: MessageId) -> Option<Result<RouteExplanation, BrokerError>> {
        let info = self.message(id)?;
        Some(self.state.broker.explain(&info.vhost, &info.as_publish()))
    }

    /// The messages published so far in this timeline that the table holds, oldest first.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &MessageInfo> + '_ {
        let steps = self.state.steps;
        self.messages.ring.iter().filter(move |m| m.step <= steps)
    }

    /// Messages the table holds, the known future after a seek back included.
    pub fn messages_held(&self) -> usize {
        self.messages.len()
    }

    /// Keeps at most `capacity` messages in the table from now on (the oldest go first).
    pub fn keep_messages(&mut self, capacity: usize) {
        self.messages.capacity = capacity.max(1);
        while self.messages.ring.len() > self.messages.capacity {
            self.messages.ring.pop_front();
        }
    }

    /// Records producer `p`'s publish, accepted at `t` with the content every copy shares.
    /// Inlined: it is on every publish's path, and a flow's events call it too, which made it
    /// a call (15 instructions a message more on the reference scenario).
    #[inline(always)]
    pub(crate) fn remember_publish(&mut self, p: ProducerId, content: Content, t: SimTime) {
        let (Some(vhost), Some(producer)) = (
            self.cast.producer_vhosts.get(p.0 as usize),
            self.state.producers.get(p.0 as usize),
        ) else {
            return;
        };
        let origin = Origin::Producer(p);
        let at = (t, self.state.steps);
        let (vhost, mandatory) = (vhost.clone(), producer.publish.mandatory);
        let info = published_info(&mut self.world, vhost, mandatory, content, at, origin);
        self.messages.record(info);
    }

    /// Records consumer `c`'s publish (an RPC reply, a parked message) accepted at `t`, with its shared content.
    pub(crate) fn remember_consumer_publish(
        &mut self,
        c: ConsumerId,
        publish: &Publish,
        content: Content,
        t: SimTime,
    ) {
        let Some(spec) = self.scenario.consumers.get(c.0 as usize) else {
            return;
        };
        let (at, origin) = ((t, self.state.steps), Origin::Consumer(c));
        let vhost = self.world.vhost_name(&spec.vhost);
        let mandatory = publish.mandatory;
        let info = published_info(&mut self.world, vhost, mandatory, content, at, origin);
        self.messages.record(info);
    }

    /// Records a plain message sent on demand to `vhost` and accepted at `t`.
    pub(crate) fn remember_sent(
        &mut self,
        vhost: &str,
        publish: &Publish,
        content: Content,
        t: SimTime,
    ) {
        let at = (t, self.state.steps);
        let vhost = self.world.vhost_name(vhost);
        let (world, mandatory) = (&mut self.world, publish.mandatory);
        let info = published_info(world, vhost, mandatory, content, at, Origin::Sent);
        self.messages.record(info);
    }

    /// Records the dead letter `id` of `from`, which died in `queue` (of `vhost`) and was
    /// re-published through `exchange`. Not recorded when `from` is no longer in the table.
    pub(crate) fn remember_dead_letter(&mut self, t: SimTime, letter: DeadLetterSeen<'_>) {
        let broker = &self.state.broker;
        let Some(source) = self.messages.any(letter.from) else {
            return;
        };
        let routing_key = broker
            .queue(letter.vhost, letter.queue)
            .and_then(|q| q.config.dead_letter_routing_key.clone());
        let target = Target {
            exchange: letter.exchange.to_owned(),
            routing_key,
        };
        let content = death::dead_letter(
            &source.content,
            letter.queue,
            letter.reason,
            &target,
            broker.now(),
            broker.profile(),
            letter.id,
        );
        let info = MessageInfo {
            id: letter.id,
            vhost: self.world.vhost_name(letter.vhost),
            exchange_node: self.world.exchange(letter.vhost, letter.exchange),
            content,
            mandatory: false,
            at: t,
            origin: Origin::DeadLetter {
                from: letter.from,
                queue: letter.queue.to_owned(),
                reason: letter.reason,
            },
            step: self.state.steps,
        };
        self.messages.record(info);
    }
}

/// What the table keeps of a publish accepted at `at` (time, step) with `content`, in `vhost`
/// (the world's shared name of it).
fn published_info(
    world: &mut World,
    vhost: Name,
    mandatory: bool,
    content: Content,
    (t, step): (SimTime, u64),
    origin: Origin,
) -> MessageInfo {
    MessageInfo {
        id: content.id,
        exchange_node: world.exchange_of(&vhost, &content.exchange),
        vhost,
        content,
        mandatory,
        at: t,
        origin,
        step,
    }
}

/// A `DeadLettered` event's fields, as `observe` sees them.
pub(crate) struct DeadLetterSeen<'a> {
    pub id: MessageId,
    pub from: MessageId,
    pub vhost: &'a str,
    pub queue: &'a str,
    pub exchange: &'a str,
    pub reason: DeathReason,
}
