//! Length limits, TTL expiry and the hand-off of dead letters, for one queue: which overflow
//! behaviour applies (`reject-publish-dlx` is `drop-head` on quorum queues), whether a new
//! message is refused (classic: `ready + 1 > max`; quorum: blocked once over the limit until at
//! or below 80%; held at-least-once dead letters count), `drop-head` from the head, expiry
//! only at the head, and dead letters queued for the broker to route (or held, at least once).

use crate::channel::ChannelId;
use crate::event::Event;
use crate::queue::Enqueuer;
use crate::queue::config::{DeadLetterStrategy, Overflow, QueueKind};
use crate::queue::death::{DeadLetter, DeathReason, Target};
use crate::queue::dlx::Discard;
use crate::queue::entry::Content;
use crate::queue::{Ctx, Queue};

impl Queue {
    pub(super) fn overflow(&self) -> Overflow {
        match (self.config.kind, self.config.overflow) {
            (QueueKind::Quorum, Overflow::RejectPublishDlx) => Overflow::DropHead,
            (_, overflow) => overflow,
        }
    }

    /// Whether the queue refuses a new message of `size` bytes from `enqueuer` (checked before
    /// any consumer). Classic: `ready + 1 > max`. Quorum: only an enqueuer (channel or
    /// dead-letter worker) marked blocked is refused; the queue itself accepts until it is
    /// *over* the limit.
    pub(super) fn refuses(&self, size: usize, enqueuer: Option<Enqueuer>) -> bool {
        match (self.config.kind, self.overflow()) {
            (_, Overflow::DropHead) => false,
            (QueueKind::Quorum, _) => enqueuer.is_some_and(|c| self.is_blocked(c)),
            (QueueKind::Classic, _) => {
                let len = self.store.len() as u64;
                let bytes = (self.store.bytes() + size) as u64;
                self.config.max_length.is_some_and(|m| len + 1 > m)
                    || self.config.max_length_bytes.is_some_and(|m| bytes > m)
            }
        }
    }

    /// Remembers an enqueuer of a quorum `reject-publish` queue (unblocked at first).
    pub(super) fn track_enqueuer(&mut self, enqueuer: Option<Enqueuer>) {
        if let Some(enqueuer) = enqueuer
            && self.config.kind == QueueKind::Quorum
            && self.overflow() == Overflow::RejectPublish
            && let Err(i) = self.find_enqueuer(enqueuer)
        {
            self.enqueuers.insert(i, (enqueuer, false));
        }
    }

    /// Where `enqueuer` is in the sorted `enqueuers`, or where it would go.
    fn find_enqueuer(&self, enqueuer: Enqueuer) -> Result<usize, usize> {
        self.enqueuers.binary_search_by_key(&enqueuer, |(e, _)| *e)
    }

    /// Whether `enqueuer` is tracked and blocked.
    fn is_blocked(&self, enqueuer: Enqueuer) -> bool {
        let at = self.find_enqueuer(enqueuer).ok();
        at.and_then(|i| self.enqueuers.get(i))
            .is_some_and(|(_, blocked)| *blocked)
    }

    /// A channel closed: it is no longer an enqueuer (a new channel starts unblocked).
    pub fn forget_enqueuer(&mut self, channel: ChannelId) {
        if let Ok(i) = self.find_enqueuer(Enqueuer::Channel(channel)) {
            self.enqueuers.remove(i);
        }
    }

    /// A copy rejected or nacked without requeue: dead-lettered (reason `rejected`) or dropped.
    pub fn reject_to_dead_letter(&mut self, content: Content, cx: &mut Ctx) {
        self.dead_letter(content, DeathReason::Rejected, cx);
    }

    /// Removes and dead-letters expired messages at the head.
    /// 4.3+ quorum queues look at the head of each priority level instead.
    ///
    /// Only a copy with an expiry can expire: that check is inlined (it runs around every
    /// dispatch), the expiry itself is not.
    #[inline]
    pub fn expire(&mut self, cx: &mut Ctx) {
        if self.store.ever_timed() {
            self.expire_timed(cx);
        }
    }

    fn expire_timed(&mut self, cx: &mut Ctx) {
        let mut gone = Vec::new();
        if self.config.expiry_scans_levels {
            gone = self.store.pop_expired_level_heads(cx.now);
        } else {
            while self.store.head().is_some_and(|e| e.is_expired(cx.now)) {
                gone.extend(self.store.pop_head());
            }
        }
        for entry in gone {
            let message = entry.content.id;
            cx.events.push(self.event(|vhost, queue| Event::Expired {
                message,
                vhost,
                queue,
            }));
            self.dead_letter(entry.content, DeathReason::Expired, cx);
        }
    }

    /// `drop-head`: drops from the head until within the limits (the checks of the overflow
    /// behaviour and of a limit inlined, as [`Queue::expire`]'s: most queues have none).
    #[inline]
    pub(super) fn enforce_limit(&mut self, cx: &mut Ctx) {
        if self.overflow() == Overflow::DropHead && self.config.has_limit() {
            self.drop_head(cx);
        }
    }

    fn drop_head(&mut self, cx: &mut Ctx) {
        while self.config.over_limit(self.store.len(), self.store.bytes()) {
            let Some(entry) = self.store.pop_head() else {
                break;
            };
            let message = entry.content.id;
            cx.events
                .push(self.event(|vhost, queue| Event::DroppedOnOverflow {
                    message,
                    vhost,
                    queue,
                }));
            self.dead_letter(entry.content, DeathReason::MaxLen, cx);
        }
    }

    /// Quorum `reject-publish`: once over the limit every known enqueuer is blocked; at or
    /// below 80% of it every one is unblocked (`rabbit_fifo`'s `LOW_LIMIT`). The dead letters
    /// held at-least-once count as well (`is_over_limit/1`, `is_below_soft_limit/1`:
    /// `messages_ready(State) + NumDlx`, `BytesEnq + BytesDlx`, v3.10.8 l. 2175-2195).
    /// The check of the queue's kind is inlined (it runs after every dispatch).
    #[inline]
    pub(crate) fn update_blocked(&mut self) {
        if self.config.kind == QueueKind::Quorum && self.overflow() == Overflow::RejectPublish {
            self.block_or_unblock();
        }
    }

    fn block_or_unblock(&mut self) {
        let (held, held_bytes) = self.dlx.stat();
        let (len, bytes) = (self.store.len() + held, self.store.bytes() + held_bytes);
        if self.config.over_limit(len, bytes) {
            self.enqueuers
                .iter_mut()
                .for_each(|(_, blocked)| *blocked = true);
        } else if self.enqueuers.iter().any(|(_, blocked)| *blocked) {
            let below = |max: Option<u64>, n: usize| max.is_none_or(|m| n as u64 <= m * 8 / 10);
            if below(self.config.max_length, len) && below(self.config.max_length_bytes, bytes) {
                self.enqueuers
                    .iter_mut()
                    .for_each(|(_, blocked)| *blocked = false);
            }
        }
    }

    /// Hands a dead message on: at-most-once as queued work for the broker to route; at-least-once
    /// into the backlog the queue holds (`rabbit_fifo_dlx:discard/4`), with a work item that
    /// tells the broker to run this queue's worker.
    pub(super) fn dead_letter(&mut self, content: Content, reason: DeathReason, cx: &mut Ctx) {
        let Some(exchange) = self.config.dead_letter_exchange.clone() else {
            return;
        };
        let held = self.config.dead_letter_strategy == DeadLetterStrategy::AtLeastOnce;
        if held {
            self.dlx.push(Discard {
                reason,
                content: content.clone(),
            });
            self.update_blocked();
        }
        cx.dead_letters.push_back(DeadLetter {
            held: held.then_some(self.slot),
            vhost: self.vhost.clone(),
            queue: self.label.clone(),
            reason,
            content,
            target: Target {
                exchange,
                routing_key: self.config.dead_letter_routing_key.clone(),
            },
        });
    }
}
