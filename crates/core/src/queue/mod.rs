//! What happens to a message after routing, in one queue: its ready messages in delivery order
//! ([`store`]), its effective settings ([`config`]), its consumers ([`consumer`]), TTL expiry at
//! the head, length limits with their overflow behaviours, requeues (classic: original
//! position; quorum: back or returns queue, delivery limit) and the dead letters it produces
//! ([`death`]), or holds until confirmed when it dead-letters at least once ([`dlx`]). Every
//! step is an [`Event`]; dead letters are handed to the broker as queued work, because routing
//! them needs the whole vhost. It never routes and never reads a clock.

pub mod arguments;
pub mod config;
pub mod consumer;
pub mod death;
pub mod dlx;
pub mod entry;
mod overflow;
pub mod store;
pub mod validate;

use std::collections::VecDeque;

use crate::channel::{ChannelId, Channels, Unacked};
use crate::event::{Delivered, Event, MessageId, Name, Record, Records};
use crate::profile::Profile;
use crate::topology::QueueDecl;
use config::{Config, Overflow, QueueKind};
use consumer::{ConsumeOptions, Consumer, Consumers, Sac};
use death::{DeadLetter, DeathReason};
use entry::{Content, Delivery, Entry, Expiry, MessageView, Seq};
use store::Store;

/// How a copy is handed out: to `basic.get`, to a consumer from the ready messages, or to a
/// consumer waiting when it arrived (its `Enqueued` and `Delivered` events are then one record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Get,
    Dispatch,
    Arrival,
}

/// What a queue operation writes to: the event log, the dead-letter work list and the
/// channels (delivery tags, unacked copies), at virtual time `now`.
pub struct Ctx<'a> {
    pub events: &'a mut Records,
    pub dead_letters: &'a mut VecDeque<DeadLetter>,
    pub channels: &'a mut Channels,
    pub profile: Profile,
    pub now: u64,
}

/// Who enqueues into a queue, as a quorum `reject-publish` queue tracks its enqueuers: a
/// publishing channel, or the at-least-once dead-letter worker of the queue in a slot (a
/// publisher with confirms of its own, `rabbit_fifo_dlx_worker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Enqueuer {
    Channel(ChannelId),
    DeadLetterWorker(usize),
}

/// How an unsettled copy comes back to its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Return {
    /// `basic.nack` / `basic.reject` with requeue; otherwise the channel closed.
    pub by_client: bool,
    /// Counts toward a quorum queue's delivery limit.
    pub counts: bool,
}

/// One queue's state.
#[derive(Debug, Clone)]
pub struct Queue {
    pub vhost: Name,
    pub decl: QueueDecl,
    /// `decl.name` as events carry it.
    label: Name,
    pub config: Config,
    store: Store,
    consumers: Consumers,
    next_seq: u64,
    /// Quorum `reject-publish`: the channels that published here and whether each is blocked
    /// (refused until the queue is at or below 80% of its limit), as `rabbit_fifo` tracks its
    /// enqueuers. A channel that never published here is not blocked.
    /// Sorted by enqueuer, no repeats: a map of a few entries (a `BTreeMap` would link a
    /// B-tree for them into the browser bundle).
    enqueuers: Vec<(Enqueuer, bool)>,
    /// At-least-once dead letters held until their targets confirm them.
    pub(crate) dlx: dlx::Backlog,
    /// Virtual time of the last use (`x-expires`).
    last_used: u64,
    /// Where the broker keeps it (its deliveries name it by this).
    pub(crate) slot: usize,
}

impl Queue {
    pub fn new(vhost: &str, decl: QueueDecl, config: Config, now: u64) -> Queue {
        Queue {
            vhost: vhost.into(),
            label: decl.name.as_str().into(),
            decl,
            config,
            store: Store::default(),
            consumers: Consumers::default(),
            next_seq: 1,
            enqueuers: Vec::new(),
            dlx: dlx::Backlog::default(),
            last_used: now,
            slot: 0,
        }
    }

    pub fn name(&self) -> &str {
        &self.decl.name
    }

    /// Ready messages (including expired ones not yet at the head).
    pub fn message_count(&self) -> usize {
        self.store.len()
    }

    pub fn consumers(&self) -> impl Iterator<Item = &Consumer> {
        self.consumers.iter()
    }

    pub fn consumer_count(&self) -> usize {
        self.consumers.len()
    }

    /// With single active consumer: the active consumer's tag, and whether it is quiescing (a
    /// higher-priority consumer waits for its deliveries to be settled).
    pub fn single_active(&self) -> Option<(&str, bool)> {
        self.consumers.active()
    }

    pub fn ever_had_consumer(&self) -> bool {
        self.consumers.ever_had_one
    }

    /// The ready messages in delivery order, as a client would see them.
    pub fn messages(&self) -> Vec<MessageView> {
        self.store.iter().map(|e| e.view(None)).collect()
    }

    pub fn message_ids(&self) -> Vec<MessageId> {
        self.store.iter().map(|e| e.content.id).collect()
    }

    /// Redeclaration, `basic.get` and consumers count as use.
    pub fn touch(&mut self, now: u64) {
        self.last_used = now;
    }

    /// Whether this queue can ever need the clock's attention: it has `x-expires`, or a copy
    /// with an expiry came in (sticky).
    pub fn may_fall_due(&self) -> bool {
        self.store.ever_timed() || self.config.expires.is_some() || self.dlx.timer().is_some()
    }

    /// When this queue next needs attention: its head's expiry, its own `x-expires` or its
    /// dead-letter worker's retry.
    pub fn next_due(&self) -> Option<u64> {
        if !self.may_fall_due() {
            return None;
        }
        let head = if self.config.expiry_scans_levels {
            let heads = self.store.level_heads();
            heads.iter().filter_map(|e| e.expires_at.get()).min()
        } else {
            self.store.head().and_then(|e| e.expires_at.get())
        };
        let unused = match (self.config.expires, self.consumers.is_empty()) {
            (Some(ms), true) => Some(self.last_used.saturating_add(ms)),
            _ => None,
        };
        [head, unused, self.dlx.timer()].into_iter().flatten().min()
    }

    pub fn is_unused_since_expiry(&self, now: u64) -> bool {
        self.consumers.is_empty()
            && self
                .config
                .expires
                .is_some_and(|ms| self.last_used.saturating_add(ms) <= now)
    }

    /// The queue's name as events carry it.
    pub fn label(&self) -> &Name {
        &self.label
    }

    fn event(&self, make: impl FnOnce(Name, Name) -> Event) -> Event {
        make(self.vhost.clone(), self.label.clone())
    }

    /// A message arrives (publish or dead letter). `false` when the queue refused it.
    /// `enqueuer` is the publishing channel or dead-letter worker; `None` for an at-most-once
    /// dead letter, which nobody tracks.
    pub fn admit(&mut self, content: Content, enqueuer: Option<Enqueuer>, cx: &mut Ctx) -> bool {
        let message = content.id;
        if self.refuses(content.size(), enqueuer) {
            cx.events
                .push(self.event(|vhost, queue| Event::PublishRejected {
                    message,
                    vhost,
                    queue,
                }));
            if self.overflow() == Overflow::RejectPublishDlx {
                self.dead_letter(content, DeathReason::MaxLen, cx);
            }
            return false;
        }
        self.track_enqueuer(enqueuer);
        let entry = self.new_entry(content, cx);
        if self.store.is_empty()
            && let Some(consumer) = self.consumers.choose()
        {
            self.deliver_to(entry, consumer, Via::Arrival, cx);
            return true;
        }
        let slot = self.slot;
        cx.events.record(Record::Enqueued {
            message,
            slot,
            confirm: None,
        });
        self.store.insert(entry);
        self.enforce_limit(cx);
        self.expire(cx);
        self.update_blocked();
        true
    }

    fn new_entry(&mut self, content: Content, cx: &Ctx) -> Entry {
        let seq = Seq(self.next_seq);
        self.next_seq += 1;
        // Most messages have no expiration: no call to parse nothing.
        let per_message = (content.properties.expiration.as_deref())
            .and_then(|e| crate::message::parse_expiration(Some(e)).ok().flatten());
        Entry {
            priority: self
                .config
                .priority(content.properties.priority, cx.profile),
            expires_at: Expiry::at(
                self.config
                    .ttl(per_message)
                    .map(|ttl| cx.now.saturating_add(ttl)),
            ),
            content,
            seq,
            redelivered: false,
            delivery_count: 0,
        }
    }

    /// `basic.get`: the head (after expiring what is due) and the count of messages left.
    pub fn get(
        &mut self,
        channel: ChannelId,
        auto_ack: bool,
        cx: &mut Ctx,
    ) -> Option<(Delivery, usize)> {
        self.last_used = cx.now;
        self.expire(cx);
        let entry = self.store.pop_head()?;
        // RabbitMQ's `fetch` drops what is expired at the new head before counting.
        self.expire(cx);
        let left = self.store.len();
        let delivery = self.hand_out(entry, None, channel, auto_ack, Via::Get, cx);
        self.update_blocked();
        Some((delivery?, left))
    }

    /// Hands ready messages to consumers with spare capacity, expiring heads first.
    ///
    /// Inlined for an empty queue (nothing to expire or hand out: the usual case after a
    /// settlement when consumers keep up), which only updates the blocked state.
    #[inline]
    pub fn dispatch(&mut self, cx: &mut Ctx) {
        if self.store.is_empty() {
            self.update_blocked();
        } else {
            self.dispatch_ready(cx);
        }
    }

    /// [`Queue::dispatch`] with ready messages.
    #[inline(never)]
    fn dispatch_ready(&mut self, cx: &mut Ctx) {
        loop {
            self.expire(cx);
            if self.store.is_empty() {
                break;
            }
            let Some(consumer) = self.consumers.choose() else {
                break;
            };
            let Some(entry) = self.store.pop_head() else {
                break;
            };
            self.deliver_to(entry, consumer, Via::Dispatch, cx);
        }
        self.update_blocked();
    }

    /// A first delivery of `entry` to `consumer` (`basic.deliver`). Inlined: it only unpacks
    /// the consumer for [`Queue::hand_out`].
    #[inline]
    fn deliver_to(&mut self, entry: Entry, consumer: ConsumeOptions, via: Via, cx: &mut Ctx) {
        let ConsumeOptions {
            channel,
            tag,
            auto_ack,
            ..
        } = consumer;
        self.hand_out(entry, Some(tag), channel, auto_ack, via, cx);
    }

    /// Records a delivery (its event, and its unsettled copy); gives a copy of it to a
    /// `basic.get` ([`Via::Get`]), whose caller answers with it. Inlined: out of line, the
    /// entry and the consumer were passed through memory, once per delivery.
    #[inline(always)]
    fn hand_out(
        &mut self,
        entry: Entry,
        consumer: Option<Name>,
        channel: ChannelId,
        auto_ack: bool,
        via: Via,
        cx: &mut Ctx,
    ) -> Option<Delivery> {
        let via_get = via == Via::Get;
        let count = self.delivery_count_header(&entry, via_get, cx.profile);
        let ch = cx.channels.open(channel);
        let delivery_tag = ch.next_tag();
        let delivered = Delivered {
            slot: self.slot as u32,
            channel,
            consumer: consumer.clone(),
            auto_ack,
            delivery_tag,
            redelivered: entry.redelivered,
            delivery_count: count,
            content: entry.content.clone(),
            arrived: via == Via::Arrival,
            confirm: None,
        };
        let answer = via_get.then(|| delivered.delivery());
        cx.events.record(Record::Delivered(delivered));
        if !auto_ack {
            let unacked = Unacked {
                slot: self.slot,
                consumer,
                entry,
            };
            ch.record(delivery_tag, unacked);
        }
        answer
    }

    /// `x-delivery-count` on quorum deliveries: on redeliveries, and in 3.10 on every get.
    fn delivery_count_header(&self, entry: &Entry, via_get: bool, profile: Profile) -> Option<u32> {
        let first_get = via_get && profile.delivery_count_on_first_get();
        (self.config.kind == QueueKind::Quorum && (entry.delivery_count > 0 || first_get))
            .then_some(entry.delivery_count)
    }

    /// A delivery to `consumer` on `channel` was settled: it has room for one more.
    pub fn settled(&mut self, channel: ChannelId, consumer: Option<&str>) {
        if let Some(tag) = consumer {
            self.consumers.settled(channel, tag);
        }
    }

    /// An unsettled copy comes back. `how` says whether a client asked (nack/reject with
    /// requeue) or its channel went away, and whether the return counts toward a quorum
    /// delivery limit. Call [`Queue::after_returns`] once the batch is back.
    pub fn take_back(&mut self, mut entry: Entry, how: Return, cx: &mut Ctx) {
        let counts = how.counts;
        let message = entry.content.id;
        entry.redelivered = true;
        if self.config.kind == QueueKind::Classic {
            self.store.insert(entry);
        } else {
            if counts {
                entry.delivery_count = entry.delivery_count.saturating_add(1);
            }
            let limit = self.config.delivery_limit;
            if limit.is_some_and(|limit| u64::from(entry.delivery_count) > limit) {
                cx.events
                    .push(self.event(|vhost, queue| Event::DeliveryLimitExceeded {
                        message,
                        vhost,
                        queue,
                    }));
                self.dead_letter(entry.content, DeathReason::DeliveryLimit, cx);
                return;
            }
            // 3.10 without a limit re-enqueues a client's return at the back; a channel that
            // goes away returns its messages to the returns queue (seen live on 3.10.8).
            if how.by_client && cx.profile.quorum_requeue_to_back(limit.is_some()) {
                entry.seq = Seq(self.next_seq);
                self.next_seq += 1;
                self.store.insert(entry);
            } else {
                self.store.push_return(entry);
            }
        }
        let slot = self.slot;
        cx.events.record(Record::Requeued { message, slot });
    }

    /// After returns: the length limit (which may drop a returned message), then dispatch.
    /// Inlined: after a settlement both are usually a check each.
    #[inline(always)]
    pub fn after_returns(&mut self, cx: &mut Ctx) {
        self.enforce_limit(cx);
        self.dispatch(cx);
    }

    /// `queue.purge` (and deletion): removes every ready message; gives the count.
    pub fn purge(&mut self, cx: &mut Ctx) -> usize {
        let gone = self.store.drain();
        for entry in &gone {
            let message = entry.content.id;
            cx.events.push(self.event(|vhost, queue| Event::Purged {
                message,
                vhost,
                queue,
            }));
        }
        self.update_blocked();
        gone.len()
    }

    /// Restart: keeps what survives (`keep`), gives back the lost copies' ids.
    pub fn keep_only(&mut self, keep: impl FnMut(&Entry) -> bool) -> Vec<MessageId> {
        let lost = self.store.split_off(keep);
        self.consumers.clear();
        self.enqueuers.clear();
        self.update_blocked();
        lost.iter().map(|e| e.content.id).collect()
    }

    /// Puts a copy back as it was (restart of a durable queue's unacked persistent message).
    pub fn restore(&mut self, mut entry: Entry) {
        entry.redelivered = true;
        self.store.insert(entry);
        self.update_blocked();
    }

    /// `basic.consume`: `false` when exclusivity forbids it (403).
    #[must_use]
    pub fn add_consumer(&mut self, options: ConsumeOptions, now: u64) -> bool {
        self.last_used = now;
        let sac = match (
            self.config.single_active_consumer,
            self.config.sac_by_priority,
        ) {
            (false, _) => Sac::Off,
            (true, false) => Sac::FirstRegistered,
            (true, true) => Sac::ByPriority,
        };
        self.consumers.add(options, self.config.kind, sac)
    }

    pub fn remove_consumer(&mut self, channel: ChannelId, tag: &str, now: u64) -> Option<Consumer> {
        self.last_used = now;
        self.consumers.remove(channel, tag)
    }

    pub fn consumers_on(&self, channel: ChannelId) -> Vec<Name> {
        self.consumers.on_channel(channel)
    }
}
