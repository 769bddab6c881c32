//! The broker: virtual hosts, their topologies, policies and queue states, and every AMQP
//! operation over them. This file holds the state and the topology operations; the queue
//! states' slots, which deliveries and routes hold instead of names (`slots`), `route` and
//! `explain` (`routing`), the routes of publishes remembered until the topology or the policies
//! change (`routes`), `publish` and dead-lettering (`flow`), the at-least-once dead-letter
//! workers of quorum queues (`dlx`), consuming and acknowledging (`consume`), and virtual time,
//! purge and restart (`clock`) live beside it. Everything it
//! does is recorded as an [`Event`]; what the caller did wrong is a [`BrokerError`] and leaves
//! the state as it was. Time is an argument (virtual milliseconds); nothing reads a clock.

mod clock;
mod consume;
mod dlx;
mod flow;
pub(crate) use flow::Stamp;
mod retype;
mod routes;

pub(crate) use routes::Place;
mod routing;
mod slots;

pub use consume::{GetOk, Settle};
pub use flow::MAX_DEAD_LETTERS_PER_STEP;

use std::collections::VecDeque;
use std::rc::Rc;

use crate::channel::Channels;
use crate::error::{BrokerError, Kind};
use crate::event::{Confirm, Event, MessageId, Name, Record, Records};
use crate::name_map::NameMap;
use crate::policy::{Policies, Policy};
use crate::profile::Profile;
use crate::queue::death::DeadLetter;
use crate::queue::entry::Content;
use crate::queue::{Queue, config, validate};
use crate::topology::{BindingDecl, ExchangeDecl, QueueDecl, Removed, Topology};
use crate::vec_map::VecMap;

pub const DEFAULT_VHOST: &str = "/";

/// The user a fresh RabbitMQ lets clients in as.
pub const DEFAULT_USER: &str = "guest";

/// What one publish did.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishOutcome {
    pub message: MessageId,
    /// The queues the message was routed to, sorted by name (shared with every publish of the
    /// same remembered route).
    pub queues: Rc<[Name]>,
    /// The routed queues that refused it on overflow (the reason for a nack).
    pub rejected: Vec<Name>,
    /// Unroutable and mandatory: returned with 312 NO_ROUTE.
    pub returned: bool,
    pub confirm: Confirm,
    /// What every copy shares (exchange, routing key, properties, body), as the queues hold it.
    pub content: Content,
}

#[derive(Debug, Clone)]
pub struct Broker {
    profile: Profile,
    vhosts: VecMap<String, Topology>,
    policies: Policies,
    events: Records,
    /// The record vector [`Broker::take_events`] emptied last, to record into again.
    spare_records: Vec<Record>,
    next_message: u64,
    /// The slot of every queue ever declared, by vhost then queue name.
    queues: VecMap<String, NameMap<usize>>,
    /// The (vhost, name) of every slot, which the records of its events stand for.
    slot_names: Vec<(Name, Name)>,
    /// Queue contents and consumers, by slot; `None` once deleted. A (vhost, name) keeps its
    /// slot for the broker's life (declared again, it gets its old slot back), so a slot names
    /// the same queue its names do: a delivery or a route holds the slot, not a lookup by name.
    slots: Vec<Option<Queue>>,
    channels: Channels,
    /// Dead letters waiting to be routed: queued work, processed in order.
    dead_letters: VecDeque<DeadLetter>,
    /// Virtual time in milliseconds: the latest `now` the broker was given.
    now: u64,
    /// The authenticated user of the (single) connection, checked against `user_id`.
    user: String,
    /// Whether some queue may ever fall due (an `x-expires`, or a copy with an expiry came
    /// in). Sticky: until it is set, the clock has nothing to look at.
    maybe_due: bool,
    /// Remembered routes of publishes; forgotten whenever the topology or the policies change.
    routes: routes::Routes,
}

impl Default for Broker {
    fn default() -> Self {
        Broker::new(Profile::default())
    }
}

impl Broker {
    /// A broker with the default vhost `/` and its built-in exchanges.
    pub fn new(profile: Profile) -> Self {
        let mut vhosts = VecMap::new();
        vhosts.insert(DEFAULT_VHOST.to_owned(), Topology::new(DEFAULT_VHOST));
        Broker {
            profile,
            vhosts,
            policies: Policies::default(),
            events: Records::default(),
            spare_records: Vec::new(),
            next_message: 1,
            queues: VecMap::new(),
            slot_names: Vec::new(),
            slots: Vec::new(),
            channels: Channels::default(),
            dead_letters: VecDeque::new(),
            now: 0,
            user: DEFAULT_USER.to_owned(),
            maybe_due: false,
            routes: routes::Routes::default(),
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn add_vhost(&mut self, name: &str) {
        self.routes.clear();
        if !self.vhosts.contains_key(name) {
            self.vhosts.insert(name.to_owned(), Topology::new(name));
        }
    }

    pub fn vhosts(&self) -> impl Iterator<Item = &Topology> {
        self.vhosts.values()
    }

    pub fn topology(&self, vhost: &str) -> Result<&Topology, BrokerError> {
        self.vhosts
            .get(vhost)
            .ok_or_else(|| BrokerError::UnknownVhost {
                vhost: vhost.to_owned(),
            })
    }

    /// The only way to change a topology: it forgets the remembered routes.
    fn topology_mut(&mut self, vhost: &str) -> Result<&mut Topology, BrokerError> {
        self.routes.clear();
        self.vhosts
            .get_mut(vhost)
            .ok_or_else(|| BrokerError::UnknownVhost {
                vhost: vhost.to_owned(),
            })
    }

    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    /// Adds or replaces a policy; queue settings follow at once.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policies.set(policy);
        self.policies_changed();
    }

    /// Removes the policy `name` of `vhost`; gives whether there was one. Queue settings
    /// follow at once.
    pub fn clear_policy(&mut self, vhost: &str, name: &str) -> bool {
        let had = self.policies.clear(vhost, name);
        if had {
            self.policies_changed();
        }
        had
    }

    /// Every queue's settings again. A quorum queue that stops dead-lettering at least once
    /// deletes the messages it held (`rabbit_fifo_dlx:update_config/4`).
    fn policies_changed(&mut self) {
        self.routes.clear();
        let (policies, profile) = (&self.policies, self.profile);
        let mut switched = Vec::new();
        for queue in self.slots.iter_mut().flatten() {
            let before = queue.config.dead_letter_strategy;
            queue.config = config::resolve(&queue.decl, &queue.vhost, policies, profile);
            if before != queue.config.dead_letter_strategy {
                switched.push(queue.slot);
            }
            self.maybe_due |= queue.may_fall_due();
        }
        for slot in switched {
            self.drop_dead_letter_backlog(slot);
        }
    }

    /// Every unsettled delivery: channel, delivery tag, message, vhost and queue.
    pub fn unsettled(&self) -> Vec<(crate::channel::ChannelId, u64, MessageId, &str, &str)> {
        self.channels
            .iter()
            .flat_map(|(id, ch)| {
                ch.unacked().map(move |(tag, u)| {
                    let (vhost, queue) = self.slot_name(u.slot);
                    (id, tag, u.entry.content.id, vhost, queue)
                })
            })
            .collect()
    }

    /// How many deliveries are unsettled, by the slot of their queue ([`Broker::queue_slot`]):
    /// one pass over the channels.
    pub fn unacked_counts(&self) -> Vec<u64> {
        let mut counts = vec![0; self.slots.len()];
        for (_, channel) in self.channels.iter() {
            for (_, u) in channel.unacked() {
                if let Some(n) = counts.get_mut(u.slot) {
                    *n += 1;
                }
            }
        }
        counts
    }

    /// The user the connection authenticated as (`guest` unless set): a publish whose
    /// `user_id` property names someone else is refused with 406.
    pub fn set_user(&mut self, user: impl Into<String>) {
        self.user = user.into();
    }

    /// The id the next message will get: every message with a lower one has been published
    /// (or re-published as a dead letter) by now.
    pub fn next_message(&self) -> MessageId {
        MessageId(self.next_message)
    }

    /// The virtual time (ms) the broker is at.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The events recorded since the last call, oldest first.
    pub fn drain_events(&mut self) -> Vec<Event> {
        self.take_events(Vec::new())
    }

    /// [`Broker::drain_events`] into `spare` (emptied first), so a caller that gives back the
    /// vector it was handed last time allocates no new one.
    pub fn take_events(&mut self, mut spare: Vec<Event>) -> Vec<Event> {
        spare.clear();
        let mut records = self.events.take(std::mem::take(&mut self.spare_records));
        for record in records.drain(..) {
            record.into_events(|s| self.slot_names(s), &mut spare);
        }
        self.spare_records = records;
        spare
    }

    /// [`Broker::take_events`] as the broker records them, for the simulation to read in place.
    pub(crate) fn take_records(&mut self, spare: Vec<Record>) -> Vec<Record> {
        self.events.take(spare)
    }

    /// Takes the record of a settlement when it is the only one (see
    /// [`Records::take_settled_alone`]).
    pub(crate) fn take_settled_alone(&mut self) -> Option<(Settle, usize)> {
        self.events.take_settled_alone()
    }

    pub fn declare_exchange(&mut self, vhost: &str, decl: ExchangeDecl) -> Result<(), BrokerError> {
        let name = decl.name.clone();
        let topology = self.topology(vhost)?;
        let ae = decl.arguments.get("alternate-exchange");
        let new =
            !name.is_empty() && !name.starts_with("amq.") && topology.exchange(&name).is_none();
        if let Some(v) = ae.filter(|v| new && !matches!(v, crate::value::Value::Str(_))) {
            return Err(BrokerError::InvalidArgumentType {
                kind: Kind::Exchange,
                name,
                vhost: vhost.to_owned(),
                argument: "alternate-exchange".to_owned(),
                type_name: v.type_name(),
            });
        }
        if self.topology_mut(vhost)?.declare_exchange(decl)? {
            self.events.push(Event::ExchangeDeclared {
                vhost: vhost.into(),
                exchange: name.into(),
            });
        }
        Ok(())
    }

    pub fn delete_exchange(
        &mut self,
        vhost: &str,
        name: &str,
        if_unused: bool,
    ) -> Result<(), BrokerError> {
        // Deleting an exchange that does not exist is not an error (RabbitMQ answers `delete-ok`).
        let topology = self.topology(vhost)?;
        let reserved = name.is_empty() || name.starts_with("amq.");
        if !reserved && topology.exchange(name).is_none() {
            return Ok(());
        }
        let removed = self.topology_mut(vhost)?.delete_exchange(name, if_unused)?;
        self.events.push(Event::ExchangeDeleted {
            vhost: vhost.into(),
            exchange: name.into(),
            auto_deleted: false,
        });
        self.record_removed(vhost, removed);
        Ok(())
    }

    /// `queue.declare`: checks the arguments (406 naming the argument), creates the queue or
    /// checks an existing one is equivalent (a redeclare counts as use for `x-expires`).
    pub fn declare_queue(&mut self, vhost: &str, mut decl: QueueDecl) -> Result<(), BrokerError> {
        // rabbit_channel: `Durable = DurableDeclare andalso not ExclusiveDeclare`.
        decl.durable &= !decl.exclusive;
        let topology = self.topology(vhost)?;
        if !decl.name.starts_with("amq.") && !topology.has_queue(&decl.name) {
            validate::validate(&decl, vhost, self.profile)?;
        }
        let name = decl.name.clone();
        let state = decl.clone();
        let profile = self.profile;
        if self.topology_mut(vhost)?.declare_queue(decl, profile)? {
            let config = config::resolve(&state, vhost, &self.policies, self.profile);
            let queue = Queue::new(vhost, state, config, self.now);
            self.maybe_due |= queue.may_fall_due();
            self.insert_queue(queue);
            self.events.push(Event::QueueDeclared {
                vhost: vhost.into(),
                queue: name.into(),
            });
        } else {
            let now = self.now;
            self.with_queue(vhost, &name, |q, _| q.touch(now));
        }
        Ok(())
    }

    /// `queue.delete`: its ready messages are purged, its consumers cancelled.
    /// Deleting a queue that does not exist is not an error (RabbitMQ answers `delete-ok`).
    pub fn delete_queue(&mut self, vhost: &str, name: &str) -> Result<(), BrokerError> {
        self.topology(vhost)?;
        if self.queue(vhost, name).is_some() {
            self.remove_queue(vhost, name, None);
        }
        Ok(())
    }

    /// Removes a queue with its contents, consumers and bindings; `why` is the event that
    /// explains an automatic deletion.
    fn remove_queue(&mut self, vhost: &str, name: &str, why: Option<Event>) {
        if let Some(slot) = self.slot_of(vhost, name) {
            self.drop_dead_letter_backlog(slot);
        }
        self.with_queue(vhost, name, |q, cx| {
            q.purge(cx);
            let tags: Vec<(Name, crate::channel::ChannelId)> = q
                .consumers()
                .map(|c| (c.options.tag.clone(), c.options.channel))
                .collect();
            for (tag, channel) in tags {
                q.remove_consumer(channel, &tag, cx.now);
                cx.events.push(Event::ConsumerCancelled {
                    vhost: vhost.into(),
                    queue: name.into(),
                    channel,
                    consumer: tag,
                });
            }
        });
        if let Some(place) = self
            .slot_of(vhost, name)
            .and_then(|s| self.slots.get_mut(s))
        {
            *place = None;
        }
        let Ok(removed) = self.topology_mut(vhost).and_then(|t| t.delete_queue(name)) else {
            return;
        };
        self.events.extend(why);
        self.events.push(Event::QueueDeleted {
            vhost: vhost.into(),
            queue: name.into(),
        });
        self.record_removed(vhost, removed);
    }

    pub fn bind(&mut self, vhost: &str, decl: BindingDecl) -> Result<(), BrokerError> {
        let profile = self.profile;
        let event = Event::Bound {
            vhost: vhost.into(),
            source: decl.source.as_str().into(),
            destination: decl.destination.clone(),
            routing_key: decl.routing_key.as_str().into(),
        };
        if self.topology_mut(vhost)?.bind(decl, profile)? {
            self.events.push(event);
        }
        Ok(())
    }

    pub fn unbind(&mut self, vhost: &str, decl: &BindingDecl) -> Result<(), BrokerError> {
        let removed = self.topology_mut(vhost)?.unbind(decl)?;
        self.record_removed(vhost, removed);
        Ok(())
    }

    fn record_removed(&mut self, vhost: &str, removed: Removed) {
        for (source, binding) in removed.bindings {
            self.events.push(Event::Unbound {
                vhost: vhost.into(),
                source: source.into(),
                destination: binding.destination,
                routing_key: binding.key.into(),
            });
        }
        for exchange in removed.auto_deleted {
            self.events.push(Event::ExchangeDeleted {
                vhost: vhost.into(),
                exchange: exchange.into(),
                auto_deleted: true,
            });
        }
    }
}
