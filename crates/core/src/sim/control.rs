//! Failure injection and consumer control: start (`basic.consume`), stop (`basic.cancel`),
//! crash (the connection dies: the broker requeues what was unacked, and what the consumer held
//! or had on the way is abandoned, or lost if it was auto-acked), recovery after a delay, and broker restart (durable state and
//! persistent messages survive; every consumer reconnects on a new channel), and an exchange's
//! type changed in place (deleted and redeclared, bindings kept). Each new
//! connection bumps the consumer's epoch so stale deliveries and acks are recognised.
//!
//! A consumer's queue may go while it is away: an exclusive queue with the connection that
//! owns it (the consumer's, when it crashes), an auto-delete queue with its last consumer, a
//! queue that is not durable with a broker restart, and so may its bindings (with an exchange
//! that is not durable). Like the clients of RabbitMQ's tutorials, which declare their
//! exchange, queue and binding before consuming, a consumer that (re)connects declares again,
//! as the scenario does, whatever of those is gone.

use crate::broker::Broker;
use crate::channel::ChannelId;
use crate::definitions::Definitions;
use crate::exchange::ExchangeType;
use crate::queue::consumer::ConsumeOptions;
use crate::sim::actor::consumer::{Held, Status};
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::engine::{Control, Simulation};
use crate::sim::handle::SimEvent;
use crate::sim::scenario::Action;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::TraceKind;
use crate::sim::world::NodeId;
use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};

/// A queue as the scenario declares it, with the bindings to it and their exchanges.
struct Declaration {
    queue: QueueDecl,
    bindings: Vec<BindingDecl>,
    exchanges: Vec<ExchangeDecl>,
}

impl Simulation {
    pub(crate) fn control(&mut self, t: SimTime, control: Control) {
        match control {
            Control::StartConsumer(c) => {
                let status = self.state.consumers.get(c.0 as usize).map(|s| s.status);
                if matches!(status, Some(Status::Idle | Status::Stopped | Status::Down)) {
                    self.subscribe(t, c);
                }
            }
            Control::StopConsumer(c) => self.stop(t, c),
            Control::CrashConsumer(c) => self.crash(t, c),
            Control::RestartBroker => self.restart(t),
            Control::ChangeTopology(step) => self.change_topology(t, step),
            Control::ReplayProjection(p) => self.replay_projection(t, p),
            Control::TakeDown(_)
            | Control::BringBack(_)
            | Control::FailService(_)
            | Control::HealService(_) => self.service_control(t, control),
            Control::SetExchangeType { exchange, kind } => self.retype(t, exchange, kind),
            Control::Publish { producer, step } => self.publish_once(t, producer, step),
            Control::Send(step) => self.send_once(t, step),
            Control::AddConsumer(c) => self.start_added_consumer(t, c),
            Control::AddProducer(p) => self.start_added_producer(t, p),
            Control::SetRate { producer, step } => self.set_rate_now(producer, step),
            Control::SetProcessing { consumer, step } => self.set_processing_now(consumer, step),
            Control::StopProducer(p) => self.producer_switch(t, p, false),
            Control::StartProducer(p) => self.producer_switch(t, p, true),
        }
    }

    /// A producer stopped (its next message is not sent, nor any after) or started again (it
    /// publishes at once, then at its rate, unless its scenario has stopped it for good).
    fn producer_switch(&mut self, t: SimTime, p: ProducerId, on: bool) {
        let i = p.0 as usize;
        let (Some(spec), Some(producer)) = (
            self.scenario.producers.get(i),
            self.state.producers.get_mut(i),
        ) else {
            return;
        };
        if producer.stopped != on {
            return;
        }
        producer.stopped = !on;
        let node = self.cast.producers.get(i).copied();
        let kind = if on {
            TraceKind::ProducerStarted
        } else {
            TraceKind::ProducerStopped
        };
        self.trace.record(t, kind, None, None, node);
        if !on {
            return;
        }
        // Stopped and started before its next message was due: that timer still runs.
        let waiting =
            (self.state.sched.pending()).any(|e| matches!(e, SimEvent::Produce(q) if *q == p));
        if !waiting && let Some(at) = producer.resume_at(spec, t.0) {
            (self.state.sched).schedule_in(at.saturating_sub(t.0), SimEvent::Produce(p));
        }
    }

    pub(crate) fn subscribe(&mut self, t: SimTime, consumer: ConsumerId) {
        let Some(spec) = self.scenario.consumers.get(consumer.0 as usize) else {
            return;
        };
        let (vhost, queue) = (spec.vhost.clone(), spec.queue.clone());
        self.declare_own(t, &vhost, &queue);
        let (Some(spec), Some(c)) = (
            self.scenario.consumers.get(consumer.0 as usize),
            self.state.consumers.get_mut(consumer.0 as usize),
        ) else {
            return;
        };
        let mut options = ConsumeOptions::new(c.channel, spec.name.clone());
        options.prefetch = u32::from(spec.prefetch);
        options.auto_ack = spec.auto_ack;
        options.exclusive = spec.exclusive;
        options.priority = spec.priority;
        let result = self
            .state
            .broker
            .consume(&spec.vhost, &spec.queue, options, t.as_ms());
        let node = self.consumer_at(consumer);
        if result.is_ok()
            && let Some(c) = self.state.consumers.get_mut(consumer.0 as usize)
        {
            c.status = Status::Running;
            self.trace
                .record(t, TraceKind::ConsumerStarted, None, None, node);
        }
        self.after_broker(t, result.is_err(), node);
    }

    fn stop(&mut self, t: SimTime, consumer: ConsumerId) {
        let (Some(spec), Some(c)) = (
            self.scenario.consumers.get(consumer.0 as usize),
            self.state.consumers.get_mut(consumer.0 as usize),
        ) else {
            return;
        };
        if c.status != Status::Running {
            return;
        }
        c.status = Status::Stopped;
        let result = self.state.broker.cancel(c.channel, &spec.name, t.as_ms());
        let node = self.consumer_at(consumer);
        self.trace
            .record(t, TraceKind::ConsumerStopped, None, None, node);
        self.after_broker(t, result.is_err(), node);
    }

    /// The consumer's connection dies: the broker requeues its unacked deliveries.
    pub(crate) fn crash(&mut self, t: SimTime, consumer: ConsumerId) {
        let node = self.consumer_at(consumer);
        let channel = self.new_channel(consumer);
        let Some(c) = self.state.consumers.get_mut(consumer.0 as usize) else {
            return;
        };
        if c.status == Status::Idle || c.status == Status::Down {
            return;
        }
        let old = c.channel;
        c.status = Status::Down;
        let closed = c.epoch;
        let held = c.disconnect(channel, t.0);
        let epoch = c.epoch;
        self.trace
            .record(t, TraceKind::ConsumerCrashed, None, None, node);
        self.drop_held(t, consumer, closed, &held);
        let broker = &mut self.state.broker;
        let mut refused = broker.close_channel(old, t.as_ms()).is_err();
        // Its exclusive queue belongs to the connection that died: it goes, with what it held.
        if let Some(spec) = self.scenario.consumers.get(consumer.0 as usize)
            && broker
                .queue(&spec.vhost, &spec.queue)
                .is_some_and(|q| q.decl.exclusive)
        {
            refused |= broker.delete_queue(&spec.vhost, &spec.queue).is_err();
            self.new_topology_epoch();
        }
        self.after_broker(t, refused, node);
        self.schedule_recovery(consumer, epoch, false);
    }

    /// Declares what a consumer of `queue` declares before consuming (the tutorials' clients
    /// declare the exchange, the queue and the binding), as the scenario's topology (or the
    /// script step that declares the queue) does: whatever of it is gone now (the queue, its
    /// bindings, their exchanges) is declared again; the rest is left as it is.
    fn declare_own(&mut self, t: SimTime, vhost: &str, queue: &str) {
        let Some(Declaration {
            queue: decl,
            bindings,
            exchanges,
        }) = self.declaration(vhost, queue)
        else {
            return;
        };
        let broker = &mut self.state.broker;
        let has_exchange = |broker: &Broker, name: &str| {
            (broker.topology(vhost)).is_ok_and(|x| x.exchange(name).is_some())
        };
        let has_binding = |broker: &Broker, b: &BindingDecl| {
            let Some(x) = broker
                .topology(vhost)
                .ok()
                .and_then(|x| x.exchange(&b.source))
            else {
                return false;
            };
            x.bindings().any(|(_, have)| {
                have.destination == b.destination
                    && have.key == b.routing_key
                    && have.arguments == b.arguments
            })
        };
        let exchanges: Vec<ExchangeDecl> = (exchanges.into_iter())
            .filter(|x| !has_exchange(broker, &x.name))
            .collect();
        let queue_gone = broker.queue(vhost, queue).is_none();
        let bindings: Vec<BindingDecl> = (bindings.into_iter())
            .filter(|b| !has_binding(broker, b))
            .collect();
        if exchanges.is_empty() && !queue_gone && bindings.is_empty() {
            return;
        }
        let mut refused = broker.advance(t.as_ms()).is_err();
        for exchange in exchanges {
            refused |= broker.declare_exchange(vhost, exchange).is_err();
        }
        if queue_gone {
            refused |= broker.declare_queue(vhost, decl).is_err();
        }
        for binding in bindings {
            if has_exchange(broker, &binding.source) {
                refused |= broker.bind(vhost, binding).is_err();
            }
        }
        self.new_topology_epoch();
        let node = self.world.queue(vhost, queue);
        self.after_broker(t, refused, node);
    }

    /// How the scenario declares `queue`: in its topology, or else in the first script step
    /// that does, with the bindings to it there and the exchanges they come from.
    fn declaration(&self, vhost: &str, queue: &str) -> Option<Declaration> {
        self.declarations().find_map(|defs| {
            let (_, decl) = (defs.queues.iter()).find(|(v, q)| v == vhost && q.name == queue)?;
            let bindings: Vec<BindingDecl> = (defs.bindings.iter())
                .filter(|(v, b)| {
                    v == vhost && matches!(&b.destination, Destination::Queue(q) if q == queue)
                })
                .map(|(_, b)| b.clone())
                .collect();
            let exchanges = (defs.exchanges.iter())
                .filter(|(v, x)| v == vhost && bindings.iter().any(|b| b.source == x.name))
                .map(|(_, x)| x.clone())
                .collect();
            Some(Declaration {
                queue: decl.clone(),
                bindings,
                exchanges,
            })
        })
    }

    /// The broker goes down and comes back: every consumer's connection closes first (what it
    /// held is abandoned, or lost when auto-acked), then the broker recovers its durable state
    /// and requeues the persistent deliveries that were unacked, so a message's lifecycle reads
    /// "abandoned" before "requeued", as after a crash.
    fn restart(&mut self, t: SimTime) {
        let mut reconnect = Vec::new();
        for i in 0..self.state.consumers.len() {
            let consumer = ConsumerId(i as u32);
            let channel = self.new_channel(consumer);
            let Some(c) = self.state.consumers.get_mut(i) else {
                continue;
            };
            if c.status == Status::Idle {
                continue;
            }
            let closed = c.epoch;
            let held = c.disconnect(channel, t.0);
            let epoch = c.epoch;
            if c.status != Status::Stopped {
                c.status = Status::Down;
                reconnect.push((consumer, epoch));
            }
            self.drop_held(t, consumer, closed, &held);
        }
        let result = self.state.broker.restart(t.as_ms());
        self.state.restarts += 1;
        self.new_topology_epoch();
        self.after_broker(t, result.is_err(), None);
        for (consumer, epoch) in reconnect {
            self.schedule_recovery(consumer, epoch, true);
        }
        self.declare_producer_exchanges(t);
    }

    /// After a restart the producers reconnect and, like the tutorials' publishers, declare
    /// their exchange before publishing: each one that is gone is declared again as the
    /// scenario declares it.
    fn declare_producer_exchanges(&mut self, t: SimTime) {
        let mut wanted: Vec<(String, ExchangeDecl)> = Vec::new();
        for p in &self.scenario.producers {
            let listed = wanted
                .iter()
                .any(|(v, x)| *v == p.vhost && x.name == p.exchange);
            if p.exchange.is_empty() || listed {
                continue;
            }
            if let Some(decl) = self.exchange_declaration(&p.vhost, &p.exchange) {
                wanted.push((p.vhost.clone(), decl));
            }
        }
        let broker = &mut self.state.broker;
        wanted.retain(|(vhost, x)| {
            (broker.topology(vhost)).is_ok_and(|have| have.exchange(&x.name).is_none())
        });
        if wanted.is_empty() {
            return;
        }
        let mut refused = false;
        for (vhost, decl) in wanted {
            refused |= broker.declare_exchange(&vhost, decl).is_err();
        }
        self.new_topology_epoch();
        self.after_broker(t, refused, None);
    }

    /// How the scenario declares exchange `name`: in its topology, or else in the first script
    /// step that does.
    fn exchange_declaration(&self, vhost: &str, name: &str) -> Option<ExchangeDecl> {
        self.declarations().find_map(|defs| {
            let (_, decl) = (defs.exchanges.iter()).find(|(v, x)| v == vhost && x.name == name)?;
            Some(decl.clone())
        })
    }

    /// The scenario's topology, then each script step's declarations, in script order.
    fn declarations(&self) -> impl Iterator<Item = &Definitions> {
        let steps = self.scenario.script.iter().filter_map(|s| match &s.action {
            Action::Declare { definitions } => Some(definitions),
            _ => None,
        });
        std::iter::once(&self.scenario.topology).chain(steps)
    }

    /// Deletes and redeclares an exchange with another type, bindings kept; the trace says so
    /// (or shows the refusal). Routing may change, so cached hops are keyed anew.
    fn retype(&mut self, t: SimTime, exchange: NodeId, kind: ExchangeType) {
        let Some(node) = self.world.node(exchange) else {
            return;
        };
        let (vhost, name) = (node.vhost.clone(), node.name.clone());
        let result = self.state.broker.set_exchange_type(&vhost, &name, kind);
        if result.is_ok() {
            self.state.restarts += 1;
            self.new_topology_epoch();
            let kind = TraceKind::ExchangeRetyped { to: kind };
            self.trace.record(t, kind, None, None, Some(exchange));
        }
        self.after_broker(t, result.is_err(), Some(exchange));
    }

    fn schedule_recovery(&mut self, consumer: ConsumerId, epoch: u32, reconnect: bool) {
        let spec = self.scenario.consumers.get(consumer.0 as usize);
        let after = spec
            .and_then(|s| s.recover_after)
            .or(reconnect.then_some(0));
        if let Some(after) = after {
            self.state
                .sched
                .schedule_in(after, SimEvent::Recover { consumer, epoch });
        }
    }

    /// A consumer's connection `epoch` closed with `held` in its hands. Auto-acked deliveries,
    /// those it held and those still on their way to it, are lost: the broker let go of them
    /// when it sent them. They are all counted now, and those on their way are recorded when
    /// they arrive. Unacked ones are only abandoned: the broker requeues them.
    fn drop_held(&mut self, t: SimTime, consumer: ConsumerId, epoch: u32, held: &[Held]) {
        let node = self.consumer_at(consumer);
        let kind = self.dropped_kind(consumer);
        for h in held {
            self.trace.record(t, kind, Some(h.message), None, node);
        }
        if kind == TraceKind::LostInFlight {
            let on_the_way = (self.state.sched.pending())
                .filter(|e| matches!(e, SimEvent::Deliver { consumer: c, epoch: e, .. } if *c == consumer && *e == epoch))
                .count();
            let lost = (held.len() + on_the_way) as u64;
            self.state.metrics.count(None, |m| m.lost_in_flight += lost);
        }
    }

    /// What becomes of a delivery a consumer held when its connection closed.
    pub(crate) fn dropped_kind(&self, consumer: ConsumerId) -> TraceKind {
        let auto_ack =
            (self.scenario.consumers.get(consumer.0 as usize)).is_some_and(|s| s.auto_ack);
        if auto_ack {
            TraceKind::LostInFlight
        } else {
            TraceKind::Abandoned
        }
    }

    pub(crate) fn new_channel(&mut self, consumer: ConsumerId) -> ChannelId {
        let id = ChannelId(self.state.next_channel);
        self.state.next_channel += 1;
        let slot = id.0 as usize;
        if self.channel_owner.len() <= slot {
            self.channel_owner.resize(slot + 1, None);
        }
        if let Some(owner) = self.channel_owner.get_mut(slot) {
            *owner = Some(consumer);
        }
        id
    }
}
