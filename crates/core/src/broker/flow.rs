//! `basic.publish` from the checks to the confirm, and dead-lettering: the copies are offered
//! to every routed queue (a queue may refuse on overflow: nack, other queues keep theirs), then
//! the dead letters the queues produced are routed as queued work, in order, never by
//! recursion.

use std::rc::Rc;

use crate::broker::routes::{Place, Share};
use crate::broker::{Broker, PublishOutcome};
use crate::channel::ChannelId;
use crate::error::BrokerError;
use crate::event::{Confirm, Event, MessageId, Name, Record};
use crate::message::Publish;
use crate::queue::Enqueuer;
use crate::queue::death::{self, DeadLetter};
use crate::queue::entry::Content;

/// How many dead letters one operation may route before a loop is stopped.
pub const MAX_DEAD_LETTERS_PER_STEP: usize = 10_000;

impl Broker {
    /// `basic.publish` on the first channel; see [`Broker::publish_on`].
    pub fn publish(
        &mut self,
        vhost: &str,
        publish: &Publish,
        now: u64,
    ) -> Result<PublishOutcome, BrokerError> {
        self.publish_on(ChannelId::FIRST, vhost, publish, now)
    }

    /// [`Broker::publish`] of a message its publisher sent at `sent` (µs of its own clock;
    /// see [`Content::sent`]), which [`Broker::publish`] takes to be `now`.
    pub fn publish_sent(
        &mut self,
        vhost: &str,
        publish: &Publish,
        now: u64,
        sent: u64,
    ) -> Result<PublishOutcome, BrokerError> {
        let place = self.place_of(vhost, publish);
        let at = Stamp { now, sent };
        self.publish_placed(ChannelId::FIRST, vhost, publish, at, place)
    }

    /// `basic.publish` on `channel` at virtual time `now` (ms), with publisher confirms on: the
    /// message is offered to every routed queue; the confirm is a nack when any of them refused
    /// it. The channel matters to quorum queues, which block publishers per channel.
    pub fn publish_on(
        &mut self,
        channel: ChannelId,
        vhost: &str,
        publish: &Publish,
        now: u64,
    ) -> Result<PublishOutcome, BrokerError> {
        let place = self.place_of(vhost, publish);
        let at = Stamp::at(now);
        self.publish_placed(channel, vhost, publish, at, place)
    }

    /// [`Broker::publish`] by a publisher that remembers, per routing key, where the broker
    /// remembers the route (`hint`, updated when stale): a publish without headers whose
    /// exchange and vhost are always the same (a simulated producer's) skips the lookup by
    /// vhost, exchange and key.
    pub(crate) fn publish_hinted(
        &mut self,
        vhost: &str,
        publish: &Publish,
        at: Stamp,
        hint: &mut Option<Place>,
    ) -> Result<PublishOutcome, BrokerError> {
        let place = match *hint {
            Some(place) if self.routes.is_current(place) => Some(place),
            _ => {
                *hint = self.place_of(vhost, publish);
                *hint
            }
        };
        self.publish_placed(ChannelId::FIRST, vhost, publish, at, place)
    }

    /// [`Broker::publish_on`] with the remembered route's place found already.
    fn publish_placed(
        &mut self,
        channel: ChannelId,
        vhost: &str,
        publish: &Publish,
        at: Stamp,
        place: Option<Place>,
    ) -> Result<PublishOutcome, BrokerError> {
        if place.is_some() {
            self.check_remembered(publish)?;
        } else {
            self.check_publish(vhost, publish)?;
        }
        self.advance(at.now)?;
        let (routed, share) = self.route_publish(vhost, publish, place)?;
        let message = self.next_message_id();
        let keep = matches!(share, Share::Keep);
        let content = match share {
            // The properties and the body of an earlier publish of this route (its label, so
            // its keys and x-death too): what that one's content shares, this one shares, and
            // only its id is its own.
            Share::Found(shared) if Rc::ptr_eq(&shared.body, &publish.body) => {
                Content::new(message, shared)
            }
            Share::Found(shared) => {
                let (label, properties) = (routed.label.clone(), shared.properties.clone());
                Content::sharing(message, publish, label, properties, self.profile)
            }
            Share::Keep | Share::No => {
                let label = routed.label.clone();
                Content::labelled(message, publish, label, self.profile)
            }
        }
        .sent_at(at.sent);
        if keep && !place.is_some_and(|p| self.routes.share_at(p, content.shared())) {
            let (x, key) = (&publish.exchange, &publish.routing_key);
            self.routes.share(vhost, x, key, content.shared());
        }
        let queues = &routed.queues;
        let returned = queues.is_empty() && publish.mandatory;
        self.events.record(Record::Published {
            vhost: routed.vhost.clone(),
            content: content.clone(),
            routed: (!queues.is_empty()).then(|| queues.clone()),
        });
        if queues.is_empty() {
            self.events.record(match returned {
                true => Record::Returned { message },
                false => Record::Unroutable { message },
            });
        }
        let enqueuer = Some(Enqueuer::Channel(channel));
        let rejected = self.offer(queues, &routed.slots, &content, enqueuer);
        let confirm = if rejected.is_empty() {
            Confirm::Ack
        } else {
            Confirm::Nack
        };
        if !self.events.confirm_last(message, confirm) {
            self.events.record(Record::Confirmed { message, confirm });
        }
        self.run_dead_letters();
        Ok(PublishOutcome {
            message,
            queues: routed.queues.clone(),
            rejected,
            returned,
            confirm,
            content,
        })
    }

    pub(super) fn next_message_id(&mut self) -> MessageId {
        let id = MessageId(self.next_message);
        self.next_message += 1;
        id
    }

    /// Offers a copy to each queue (`slots` are the slots of `queues`); gives the queues that
    /// refused it. `enqueuer` is the publishing channel or dead-letter worker (`None` for an
    /// at-most-once dead letter).
    pub(super) fn offer(
        &mut self,
        queues: &[Name],
        slots: &[usize],
        content: &Content,
        enqueuer: Option<Enqueuer>,
    ) -> Vec<Name> {
        let mut rejected = Vec::new();
        for (name, &slot) in queues.iter().zip(slots) {
            let admitted =
                self.with_slot(slot, |queue, cx| queue.admit(content.clone(), enqueuer, cx));
            if admitted == Some(false) {
                rejected.push(name.clone());
            }
        }
        rejected
    }

    /// Routes the queued dead letters, in order, until none is left (a dead letter may make
    /// more: a full target queue drops its head, a `reject-publish-dlx` target refuses).
    ///
    /// A history with a `rejected` death defeats the cycle rule for good, so a zero TTL or a
    /// zero length limit can make a loop that RabbitMQ would spin forever. After
    /// [`MAX_DEAD_LETTERS_PER_STEP`] dead letters in one step the rest are stopped, each with an
    /// event, so the model (and the browser) never hangs.
    ///
    /// Inlined: most operations queue no dead letter, and the check costs less than a call.
    #[inline]
    pub(crate) fn run_dead_letters(&mut self) {
        if !self.dead_letters.is_empty() {
            self.route_dead_letters();
        }
    }

    /// [`Broker::run_dead_letters`] when some are queued.
    #[inline(never)]
    fn route_dead_letters(&mut self) {
        let mut routed = 0;
        while let Some(letter) = self.dead_letters.pop_front() {
            if routed >= MAX_DEAD_LETTERS_PER_STEP {
                // A held one stays in its queue; the worker's timer takes it up.
                if letter.held.is_some() {
                    continue;
                }
                self.events.push(Event::DeadLetterLoopStopped {
                    message: letter.content.id,
                    vhost: letter.vhost,
                    queue: letter.queue,
                    reason: letter.reason,
                });
                continue;
            }
            routed += 1;
            match letter.held {
                Some(slot) => self.run_worker(slot),
                None => self.dead_letter(letter),
            }
        }
    }

    fn dead_letter(&mut self, letter: DeadLetter) {
        let DeadLetter {
            held: _,
            vhost,
            queue,
            reason,
            content,
            target,
        } = letter;
        let exists = self
            .topology(&vhost)
            .is_ok_and(|t| target.exchange.is_empty() || t.exchange(&target.exchange).is_some());
        if !exists {
            self.events.push(Event::DeadLetterDropped {
                message: content.id,
                vhost,
                queue,
                reason,
                exchange: target.exchange.into(),
            });
            return;
        }
        let id = self.next_message_id();
        let next = death::dead_letter(
            &content,
            &queue,
            reason,
            &target,
            self.now,
            self.profile,
            id,
        );
        let routed = self.route_content(&vhost, &next);
        let (cycles, queues): (Vec<Name>, Vec<Name>) = routed
            .into_iter()
            .partition(|q| death::is_cycle(&next.deaths, q, reason));
        self.events.push(Event::DeadLettered {
            message: content.id,
            vhost: vhost.clone(),
            queue,
            reason,
            exchange: target.exchange.into(),
            dead_letter: id,
            queues: queues.clone(),
            cycles,
        });
        let slots = self.slots_of(&vhost, &queues);
        self.offer(&queues, &slots, &next, None);
    }

    /// The queues a message's content reaches from its exchange, with its routing keys.
    fn route_content(&self, vhost: &str, content: &Content) -> Vec<Name> {
        let headers = &content.properties.headers;
        self.route_labels(vhost, &content.exchange, &content.keys.route, headers)
    }
}

/// When a publish reaches the broker (`now`, ms of the broker's clock) and when its publisher
/// sent it (`sent`, µs of the publisher's clock; see [`Content::sent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub now: u64,
    pub sent: u64,
}

impl Stamp {
    /// Sent as it reached the broker.
    pub fn at(now: u64) -> Stamp {
        Stamp {
            now,
            sent: now.saturating_mul(1000),
        }
    }
}
