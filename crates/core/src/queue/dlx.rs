//! At-least-once dead-lettering as the source quorum queue holds it: when the strategy applies,
//! the dead-lettered messages it keeps (`rabbit_fifo_dlx`'s `discards`), the ones checked out
//! to its dead-letter worker (at most [`WORKER_PREFETCH`]) with the target queues that
//! confirmed or refused each (`rabbit_fifo_dlx_worker`'s `pendings`), and the worker's retry
//! timer (`settle_timeout`).
//! Routing a dead letter and offering it to the targets is the broker's job (`broker::dlx`);
//! this module never routes and never reads a clock: time is an argument.

use std::collections::VecDeque;

use crate::event::{MessageId, Name};
use crate::queue::Queue;
use crate::queue::config::{DeadLetterStrategy, Overflow, QueueKind};
use crate::queue::death::DeathReason;
use crate::queue::entry::Content;

/// `dead_letter_worker_publisher_confirm_timeout`, the same in 3.10.8 and 4.3.5
/// (deps/rabbit/Makefile: 180000): how long the worker waits before it publishes again a dead
/// letter that a target refused, that had no route, or whose exchange was missing.
pub const SETTLE_TIMEOUT_MS: u64 = 180_000;

/// `dead_letter_worker_consumer_prefetch` (deps/rabbit/Makefile: 32): how many dead letters
/// the worker holds unconfirmed at once; the rest wait in the source queue.
pub const WORKER_PREFETCH: usize = 32;

/// `rabbit_quorum_queue:dlh/5` (v3.10.8 l. 1287-1319, v4.3.5 l. 2012-2034): at-least-once
/// only on a quorum queue with a dead-letter exchange whose effective overflow is
/// `reject-publish` (the argument beats the policy, as for the exchange). With `drop-head`
/// (which is also what `reject-publish-dlx` means on a quorum queue) RabbitMQ logs "Falling
/// back to dead-letter-strategy at-most-once"; without a dead-letter exchange dead-lettering
/// is off. Classic queues have no such strategy (the policy key does not apply to them).
pub fn strategy(
    kind: QueueKind,
    has_exchange: bool,
    requested: Option<String>,
    overflow: Overflow,
) -> DeadLetterStrategy {
    let at_least_once = kind == QueueKind::Quorum
        && has_exchange
        && requested.as_deref() == Some("at-least-once")
        && overflow == Overflow::RejectPublish;
    if at_least_once {
        DeadLetterStrategy::AtLeastOnce
    } else {
        DeadLetterStrategy::AtMostOnce
    }
}

impl Queue {
    /// `messages_dlx` and `message_bytes_dlx`: the dead letters held at-least-once, not
    /// ready and not unacked, yet counted in the management UI's Total and toward the length
    /// limits (`rabbit_fifo:messages_total/1`, `is_over_limit/1`).
    pub fn messages_dlx(&self) -> (usize, usize) {
        self.dlx.stat()
    }

    /// The ids of the dead letters held at-least-once.
    pub fn dlx_messages(&self) -> Vec<MessageId> {
        self.dlx.messages()
    }

    /// The unconfirmed dead letters its at-least-once worker holds.
    pub fn dlx_pending(&self) -> &[Pending] {
        self.dlx.pending()
    }
}

/// A message dead-lettered at least once, as its source keeps it.
#[derive(Debug, Clone)]
pub struct Discard {
    pub reason: DeathReason,
    /// The message as it died (its dead letter is made when the worker takes it).
    pub content: Content,
}

/// A dead letter the worker published (or tried to) and that not every target confirmed.
#[derive(Debug, Clone)]
pub struct Pending {
    pub discard: Discard,
    /// The dead letter, `x-death` recorded once when the worker took it; a retry changes
    /// only its exchange and routing keys (`redeliver0`).
    pub letter: Content,
    /// Targets that confirmed it: never published to again.
    pub settled: Vec<Name>,
    /// Targets that refused it (full with `reject-publish`): published to again at a retry.
    pub rejected: Vec<Name>,
    /// Targets it awaits a confirm from that will never come (a retry that the cycle rule
    /// stopped still lists them, as `redeliver0` does).
    pub unsettled: Vec<Name>,
    /// Virtual time of the last publish; `None` while it never had a route.
    pub last_published_at: Option<u64>,
}

impl Pending {
    pub fn new(discard: Discard, letter: Content) -> Pending {
        Pending {
            discard,
            letter,
            settled: Vec::new(),
            rejected: Vec::new(),
            unsettled: Vec::new(),
            last_published_at: None,
        }
    }

    /// A publish to `sent` at `now`: the ones in `refused` said no, the others confirmed.
    /// `awaited` are targets still owed a confirm though not published to.
    pub fn published(&mut self, now: u64, sent: &[Name], refused: Vec<Name>, awaited: Vec<Name>) {
        self.last_published_at = Some(now);
        for queue in sent.iter().filter(|q| !refused.contains(q)) {
            if !self.settled.contains(queue) {
                self.settled.push(queue.clone());
            }
        }
        self.rejected = refused;
        self.unsettled = awaited;
    }

    /// Every target it was published to confirmed it (`handle_settled0`).
    pub fn is_confirmed(&self) -> bool {
        self.last_published_at.is_some() && self.rejected.is_empty() && self.unsettled.is_empty()
    }

    /// Whether a retry at `now` publishes it again: never published, or published at least
    /// [`SETTLE_TIMEOUT_MS`] ago (`redeliver_messages`).
    pub fn is_due(&self, now: u64) -> bool {
        self.last_published_at
            .is_none_or(|at| at.saturating_add(SETTLE_TIMEOUT_MS) <= now)
    }
}

/// What a quorum queue holds for at-least-once dead-lettering.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    /// Waiting for the worker, oldest first.
    discards: VecDeque<Discard>,
    /// Checked out to the worker, in the order it took them.
    pending: Vec<Pending>,
    /// When the worker's `settle_timeout` timer fires.
    timer: Option<u64>,
    /// Body bytes of what is held, waiting or checked out (kept up to date: the length
    /// limits read it on every publish).
    bytes: usize,
}

impl Backlog {
    /// `rabbit_fifo_dlx:stat/1`: waiting plus checked out; with the body bytes.
    pub fn stat(&self) -> (usize, usize) {
        (self.discards.len() + self.pending.len(), self.bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.discards.is_empty() && self.pending.is_empty()
    }

    /// The held messages' ids: checked out first, then waiting.
    pub fn messages(&self) -> Vec<MessageId> {
        let held = self.pending.iter().map(|p| p.discard.content.id);
        held.chain(self.discards.iter().map(|d| d.content.id))
            .collect()
    }

    /// The unconfirmed dead letters the worker holds, in the order it took them.
    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    pub fn push(&mut self, discard: Discard) {
        self.bytes += discard.content.size();
        self.discards.push_back(discard);
    }

    /// The next message for the worker, if it holds fewer than [`WORKER_PREFETCH`]. Until
    /// [`Backlog::hold`] takes it back (or its targets confirm it at once) it is the broker's.
    pub fn checkout(&mut self) -> Option<Discard> {
        if self.pending.len() >= WORKER_PREFETCH {
            return None;
        }
        let discard = self.discards.pop_front()?;
        self.bytes = self.bytes.saturating_sub(discard.content.size());
        Some(discard)
    }

    /// The worker keeps `pending` until its targets confirm.
    pub fn hold(&mut self, pending: Pending) {
        self.bytes += pending.discard.content.size();
        self.pending.push(pending);
    }

    /// Takes the pending dead letters out for a retry; [`Backlog::hold`] puts back the ones
    /// still unconfirmed.
    pub fn take_pending(&mut self) -> Vec<Pending> {
        let taken = std::mem::take(&mut self.pending);
        let size: usize = taken.iter().map(|p| p.discard.content.size()).sum();
        self.bytes = self.bytes.saturating_sub(size);
        taken
    }

    pub fn timer(&self) -> Option<u64> {
        self.timer
    }

    /// The timer fired at `now` (it is set again by [`Backlog::arm`]).
    pub fn fire(&mut self, now: u64) -> bool {
        let due = self.timer.is_some_and(|at| at <= now);
        if due {
            self.timer = None;
        }
        due
    }

    /// `maybe_set_timer` / `maybe_cancel_timer`: a timer runs while something is held (in
    /// RabbitMQ, pending with the worker; a message waits in the queue only while the worker
    /// is full, or when the model stopped a dead-letter loop); one already running keeps its
    /// time.
    pub fn arm(&mut self, now: u64) {
        if self.is_empty() {
            self.timer = None;
        } else if self.timer.is_none() {
            self.timer = Some(now.saturating_add(SETTLE_TIMEOUT_MS));
        }
    }

    /// A new worker (restart): what the old one held goes back in front of the waiting
    /// messages in its original order, and what it knew of confirms is forgotten
    /// (`rabbit_fifo_dlx:apply` for a second `#checkout{}`).
    pub fn return_checked_out(&mut self) {
        for pending in self.pending.drain(..).rev() {
            self.discards.push_front(pending.discard);
        }
        self.timer = None;
    }

    /// `switch_from(at_least_once, ...)`: every held message is deleted; gives their ids.
    pub fn clear(&mut self) -> Vec<MessageId> {
        let gone = self.messages();
        *self = Backlog::default();
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Publish;
    use crate::profile::Profile;

    fn discard(id: u64) -> Discard {
        let publish = Publish::new("", "q").with_body(b"body");
        let content = Content::labelled(
            MessageId(id),
            &publish,
            crate::queue::entry::Label::new(&publish, &[]),
            Profile::default(),
        );
        Discard {
            reason: DeathReason::Rejected,
            content,
        }
    }

    #[test]
    fn prefetch_timer_and_return() {
        let mut b = Backlog::default();
        for id in 1..=40 {
            b.push(discard(id));
        }
        assert_eq!(b.stat(), (40, 160));
        let mut taken = 0;
        while let Some(d) = b.checkout() {
            let letter = d.content.clone();
            b.hold(Pending::new(d, letter));
            taken += 1;
        }
        assert_eq!(taken, WORKER_PREFETCH);
        assert_eq!(b.stat(), (40, 160));
        let taken = b.take_pending();
        assert_eq!(b.stat(), (8, 32));
        taken.into_iter().for_each(|p| b.hold(p));
        b.arm(1_000);
        assert_eq!(b.timer(), Some(181_000));
        b.arm(5_000);
        assert_eq!(b.timer(), Some(181_000), "a running timer keeps its time");
        assert!(!b.fire(180_999));
        assert!(b.fire(181_000));
        b.return_checked_out();
        assert_eq!(b.messages().first(), Some(&MessageId(1)));
        assert_eq!(b.messages().len(), 40);
        assert_eq!(b.clear().len(), 40);
        assert!(b.is_empty());
    }

    #[test]
    fn confirmed_and_due() {
        let d = discard(1);
        let mut p = Pending::new(d.clone(), d.content);
        assert!(!p.is_confirmed(), "never published");
        assert!(p.is_due(0));
        let (a, b): (Name, Name) = ("a".into(), "b".into());
        p.published(10, &[a.clone(), b.clone()], vec![b.clone()], Vec::new());
        assert!(!p.is_confirmed());
        assert_eq!(p.settled, vec![a.clone()]);
        assert!(!p.is_due(10 + SETTLE_TIMEOUT_MS - 1));
        assert!(p.is_due(10 + SETTLE_TIMEOUT_MS));
        p.published(200_000, std::slice::from_ref(&b), Vec::new(), Vec::new());
        assert!(p.is_confirmed());
        assert_eq!(p.settled, vec![a, b]);
    }
}
