//! At-least-once dead-lettering, the worker's side (`rabbit_fifo_dlx_worker.erl` at v3.10.8
//! and v4.3.5, which differ here only in a retry's routing keys): each quorum queue with the
//! strategy has a worker that takes its dead letters (at most 32 at once), publishes each
//! through the dead-letter exchange with confirms, and lets the source queue drop it only once
//! every target confirmed. A target that refused it (full, `reject-publish`), a dead letter
//! without a route or a missing exchange waits for the worker's `settle_timeout` timer
//! (virtual time) to be published again, to the targets that have not confirmed yet.
//! Switching a queue away from the strategy deletes what it held; a restart hands the held
//! messages to a new worker. The queue side (what is held, the timer) is
//! [`crate::queue::dlx`]. It never reads a clock: the broker's virtual time drives the timer.

use std::rc::Rc;

use crate::broker::Broker;
use crate::event::{Event, Name};
use crate::queue::Enqueuer;
use crate::queue::config::{DeadLetterStrategy, QueueKind};
use crate::queue::death::{self, Target};
use crate::queue::dlx::{Discard, Pending};
use crate::queue::entry::{Content, Keys, Shared};

/// The source queue of a worker, as the worker looks it up (`lookup_topology`): read again at
/// every use, so a policy that changes the dead-letter exchange or routing key applies to the
/// held messages' next publish.
struct Source {
    vhost: Name,
    queue: Name,
    target: Target,
}

/// What a retry did with one dead letter.
enum Republish {
    /// Published to the targets that had not confirmed it.
    Sent,
    /// The exchange routes it nowhere now.
    NoRoute,
    /// Not due, no exchange, or every routed target confirmed or is stopped by the cycle rule.
    Nothing,
}

impl Broker {
    /// Runs the worker of the at-least-once queue in `slot`: it takes dead letters while it
    /// holds fewer than its prefetch and publishes each (`handle_deliver` / `forward`).
    pub(super) fn run_worker(&mut self, slot: usize) {
        while let Some(discard) = self.with_slot(slot, |q, _| q.dlx.checkout()).flatten() {
            let Some(source) = self.source(slot) else {
                return;
            };
            self.forward(slot, &source, discard);
        }
        let now = self.now;
        self.with_slot(slot, |q, _| {
            q.dlx.arm(now);
            q.update_blocked();
        });
    }

    /// The worker's timer fired (`redeliver_and_ack`): a dead letter never published, or
    /// published [`crate::queue::dlx::SETTLE_TIMEOUT_MS`] ago or more without every confirm,
    /// is published again; nothing is while the dead-letter exchange is missing.
    pub(super) fn retry_dead_letters(&mut self, slot: usize) {
        let Some(source) = self.source(slot) else {
            return;
        };
        let now = self.now;
        let exists = self.exchange_exists(&source.vhost, &source.target.exchange);
        let held = self.with_slot(slot, |q, _| q.dlx.take_pending());
        for mut pending in held.unwrap_or_default() {
            let outcome = if exists && pending.is_due(now) {
                self.republish(slot, &source, &mut pending)
            } else {
                Republish::Nothing
            };
            match outcome {
                Republish::Sent => self.settle_or_hold(slot, &source, pending),
                // `{[], [_|_]}` in `redeliver0`: no route any more, and some target confirmed
                // it (mandatory semantics): the source lets it go.
                Republish::NoRoute if !pending.settled.is_empty() => {
                    self.settle_dead_letter(&source, &pending)
                }
                Republish::NoRoute | Republish::Nothing => {
                    self.with_slot(slot, |q, _| q.dlx.hold(pending));
                }
            }
        }
        self.run_worker(slot);
    }

    /// `switch_from(at_least_once, ...)`: the queue in `slot` no longer dead-letters at least
    /// once (or is being deleted); every message it held is deleted.
    pub(super) fn drop_dead_letter_backlog(&mut self, slot: usize) {
        self.with_slot(slot, |q, cx| {
            let messages = q.dlx.clear();
            q.update_blocked();
            if !messages.is_empty() {
                cx.events.push(Event::DeadLettersDeleted {
                    vhost: q.vhost.clone(),
                    queue: q.label().clone(),
                    messages,
                });
            }
        });
    }

    /// After a restart every at-least-once queue gets a new worker: the dead letters the old
    /// one held go back in front, forgetting which targets confirmed, and are published again.
    pub(super) fn restart_workers(&mut self) {
        let slots: Vec<usize> = self
            .all_queues()
            .filter(|q| !q.dlx.is_empty())
            .map(|q| q.slot)
            .collect();
        for slot in slots {
            self.with_slot(slot, |q, _| q.dlx.return_checked_out());
            self.run_worker(slot);
        }
        self.run_dead_letters();
    }

    fn source(&self, slot: usize) -> Option<Source> {
        let queue = self.slots.get(slot)?.as_ref()?;
        if queue.config.dead_letter_strategy != DeadLetterStrategy::AtLeastOnce {
            return None;
        }
        Some(Source {
            vhost: queue.vhost.clone(),
            queue: queue.label().clone(),
            target: Target {
                exchange: queue.config.dead_letter_exchange.clone()?,
                routing_key: queue.config.dead_letter_routing_key.clone(),
            },
        })
    }

    fn exchange_exists(&self, vhost: &str, exchange: &str) -> bool {
        self.topology(vhost)
            .is_ok_and(|t| exchange.is_empty() || t.exchange(exchange).is_some())
    }

    /// `forward/6`: the dead letter is made (its `x-death` recorded) and published to every
    /// target the cycle rule lets through; with no target, or no exchange, it waits.
    fn forward(&mut self, slot: usize, source: &Source, discard: Discard) {
        let id = self.next_message_id();
        let letter = death::dead_letter(
            &discard.content,
            &source.queue,
            discard.reason,
            &source.target,
            self.now,
            self.profile,
            id,
        );
        let mut pending = Pending::new(discard, letter);
        if self.exchange_exists(&source.vhost, &source.target.exchange) {
            let routed = self.existing_targets(&source.vhost, &pending.letter);
            let reason = pending.discard.reason;
            let (cycles, queues): (Vec<Name>, Vec<Name>) = routed
                .into_iter()
                .partition(|q| death::is_cycle(&pending.letter.deaths, q, reason));
            self.events.push(Event::DeadLettered {
                message: pending.discard.content.id,
                vhost: source.vhost.clone(),
                queue: source.queue.clone(),
                reason,
                exchange: source.target.exchange.as_str().into(),
                dead_letter: id,
                queues: queues.clone(),
                cycles,
            });
            if !queues.is_empty() {
                self.send(slot, source, &mut pending, &queues, Vec::new());
            }
        }
        self.settle_or_hold(slot, source, pending);
    }

    /// `redeliver0`: publishes again, through the exchange and routing key configured now
    /// (without a dead-letter routing key, see [`crate::Profile::dlx_retry_keys_from_x_death`]),
    /// to the routed targets that have not confirmed.
    fn republish(&mut self, slot: usize, source: &Source, pending: &mut Pending) -> Republish {
        let mut letter = Shared::clone(&pending.letter);
        letter.exchange = source.target.exchange.as_str().into();
        letter.keys = Rc::new(Keys {
            route: self.retry_keys(source, pending),
            visible: letter.keys.visible.clone(),
        });
        let routed = self.existing_targets(&source.vhost, &letter);
        if routed.is_empty() {
            return Republish::NoRoute;
        }
        let unsettled: Vec<Name> = routed
            .into_iter()
            .filter(|q| !pending.settled.contains(q))
            .collect();
        // A quorum target still owed a confirm is left to its client to resend.
        let resent_by_client = |q: &Name| {
            pending.unsettled.contains(q)
                && self
                    .queue(&source.vhost, q)
                    .is_some_and(|q| q.config.kind == QueueKind::Quorum)
        };
        let candidates: Vec<Name> = unsettled
            .iter()
            .filter(|q| !resent_by_client(q))
            .cloned()
            .collect();
        let reason = pending.discard.reason;
        let (cycles, queues): (Vec<Name>, Vec<Name>) = candidates
            .into_iter()
            .partition(|q| death::is_cycle(&letter.deaths, q, reason));
        if queues.is_empty() {
            return Republish::Nothing;
        }
        let awaited = unsettled
            .into_iter()
            .filter(|q| !queues.contains(q))
            .collect();
        let (id, sent) = (pending.letter.id, pending.letter.sent);
        pending.letter = Content::new(id, Rc::new(letter)).sent_at(sent);
        // Before the copies' own events, which come through this exchange.
        self.events.push(Event::DeadLetterRetried {
            message: pending.discard.content.id,
            vhost: source.vhost.clone(),
            queue: source.queue.clone(),
            exchange: source.target.exchange.as_str().into(),
            dead_letter: pending.letter.id,
            queues: queues.clone(),
            cycles,
        });
        self.send(slot, source, pending, &queues, awaited);
        Republish::Sent
    }

    /// The routing keys of a retry: the dead-letter routing key configured now, else
    /// (`redeliver/4`) the latest `x-death` entry's keys (3.10) or the original keys (4.x).
    fn retry_keys(&self, source: &Source, pending: &Pending) -> Vec<String> {
        match &source.target.routing_key {
            Some(key) => vec![key.clone()],
            None if self.profile.dlx_retry_keys_from_x_death() => pending
                .letter
                .deaths
                .first()
                .map_or_else(Vec::new, |d| d.routing_keys.clone()),
            None => pending.discard.content.keys.route.clone(),
        }
    }

    /// Offers the dead letter to `queues` as the worker (an enqueuer a quorum target can
    /// block) and records who confirmed and who refused.
    fn send(
        &mut self,
        slot: usize,
        source: &Source,
        pending: &mut Pending,
        queues: &[Name],
        awaited: Vec<Name>,
    ) {
        let slots = self.slots_of(&source.vhost, queues);
        let worker = Some(Enqueuer::DeadLetterWorker(slot));
        let refused = self.offer(queues, &slots, &pending.letter, worker);
        pending.published(self.now, queues, refused, awaited);
    }

    /// Every target confirmed: the source lets the message go; otherwise the worker keeps it.
    fn settle_or_hold(&mut self, slot: usize, source: &Source, pending: Pending) {
        if pending.is_confirmed() {
            self.settle_dead_letter(source, &pending);
            return;
        }
        self.events.push(Event::DeadLetterHeld {
            message: pending.discard.content.id,
            vhost: source.vhost.clone(),
            queue: source.queue.clone(),
            exchange: source.target.exchange.as_str().into(),
            dead_letter: pending.letter.id,
            refused: pending.rejected.clone(),
        });
        self.with_slot(slot, |q, _| q.dlx.hold(pending));
    }

    /// The worker settles the message with its source (`rabbit_fifo_dlx:apply` for
    /// `#settle{}`): it leaves the queue.
    fn settle_dead_letter(&mut self, source: &Source, pending: &Pending) {
        self.events.push(Event::DeadLetterConfirmed {
            message: pending.discard.content.id,
            vhost: source.vhost.clone(),
            queue: source.queue.clone(),
            dead_letter: pending.letter.id,
        });
    }

    /// The queues the dead letter reaches from its exchange that exist (the worker drops
    /// routes to missing queues: `rabbit_amqqueue:lookup/1`).
    fn existing_targets(&self, vhost: &str, letter: &Shared) -> Vec<Name> {
        let headers = &letter.properties.headers;
        self.route_labels(vhost, &letter.exchange, &letter.keys.route, headers)
            .into_iter()
            .filter(|q| self.queue(vhost, q).is_some())
            .collect()
    }
}
