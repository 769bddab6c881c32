//! Topology changes while the simulation runs: a script's `declare` step (a RabbitMQ
//! definitions fragment: exchanges, queues, bindings) and `unbind` step, applied to the broker
//! by the same import code as the scenario's topology, so a new subscriber can appear without
//! any change to the publisher. At load, every exchange and queue a step may declare gets its
//! node in the world (node ids never change while running, so checkpoints need not copy the
//! world), and actors may refer to them when the step comes no later than the actor's start.
//! A change injected on demand adds its nodes then. The broker's declare, delete, bind and
//! unbind events are traced here (`observe` hands them over). Also the load-time checks of the
//! queues the patterns name (retry, RPC).

use crate::broker::Broker;
use crate::definitions::Definitions;
use crate::event::Event;
use crate::fields::{FieldError, error};
use crate::sim::engine::{Control, Simulation};
use crate::sim::scenario::{Action, Scenario, ScriptStep, check_routing_key};
use crate::sim::scheduler::SimTime;
use crate::sim::trace::{Edge, TraceKind};
use crate::sim::world::{NodeKind, World};
use crate::topology::Destination;
use crate::value::Table;

/// When the script first declares each (kind, vhost, name), with the step's index. Sorted by
/// the key, no repeats: a map built once at load, so a sorted `Vec` rather than a `BTreeMap` (no
/// B-tree of this key type in the browser bundle).
#[derive(Debug, Default)]
pub(crate) struct Declared(Vec<(Declaration, (u64, usize))>);

/// What a script step declares: (kind, vhost, name).
type Declaration = (NodeKind, String, String);

impl Declared {
    /// Keeps the first declaration of `key`.
    fn first(&mut self, key: Declaration, when: (u64, usize)) {
        if let Err(i) = self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            self.0.insert(i, (key, when));
        }
    }

    fn get(&self, (kind, vhost, name): (NodeKind, &str, &str)) -> Option<&(u64, usize)> {
        let i = self
            .0
            .binary_search_by(|((k, v, n), _)| {
                (*k, v.as_str(), n.as_str()).cmp(&(kind, vhost, name))
            })
            .ok()?;
        self.0.get(i).map(|(_, when)| when)
    }
}

/// Adds a node for every exchange and queue the script declares (in script order) and marks
/// the exchanges that may forward to others; gives when each is first declared.
pub(crate) fn declare_nodes(scenario: &Scenario, broker: &Broker, world: &mut World) -> Declared {
    let mut steps: Vec<(usize, u64, &Definitions)> = scenario
        .script
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.action {
            Action::Declare { definitions } => Some((i, s.at, definitions)),
            _ => None,
        })
        .collect();
    crate::order::sort_by_key(&mut steps, |(i, at, _)| (*at, *i));
    let mut declared = Declared::default();
    for (i, at, defs) in steps {
        for key in add_nodes(world, broker, defs) {
            declared.first(key, (at, i));
        }
    }
    declared
}

/// Adds a node for each exchange and queue of `defs` the world lacks and marks the exchanges
/// that may forward to others; gives every (kind, vhost, name) the fragment declares.
fn add_nodes(
    world: &mut World,
    broker: &Broker,
    defs: &Definitions,
) -> Vec<(NodeKind, String, String)> {
    let names: Vec<(NodeKind, String, String)> = defs
        .exchanges
        .iter()
        .map(|(v, x)| (NodeKind::Exchange, v.clone(), x.name.clone()))
        .chain(
            defs.queues
                .iter()
                .map(|(v, q)| (NodeKind::Queue, v.clone(), q.name.clone())),
        )
        .collect();
    for (kind, vhost, name) in &names {
        let known = match kind {
            NodeKind::Exchange => world.exchange(vhost, name),
            _ => world.queue(vhost, name),
        };
        if known.is_none() {
            world.add(*kind, vhost, name);
        }
    }
    for (vhost, x) in &defs.exchanges {
        // An alternate exchange of its own, or one the policies give it (steps declare no
        // policies: the topology's are all there is).
        let alternate = x.arguments.get("alternate-exchange").is_some()
            || (broker.policies())
                .exchange_alternate(vhost, &x.name)
                .is_some();
        if alternate {
            world.mark_multi_hop(vhost, &x.name);
        }
    }
    for (vhost, b) in &defs.bindings {
        if matches!(b.destination, Destination::Exchange(_)) {
            world.mark_multi_hop(vhost, &b.source);
        }
    }
    names
}

/// Checks that an actor starting at `start` may use an exchange or queue the topology lacks:
/// a script step must declare it no later than that.
pub(crate) fn in_time(
    declared: &Declared,
    (kind, vhost, name): (NodeKind, &str, &str),
    start: u64,
    path: &str,
) -> Result<(), FieldError> {
    let Some((at, step)) = declared.get((kind, vhost, name)) else {
        let what = format!(
            "{} `{name}` is not declared in vhost `{vhost}`",
            kind.name()
        );
        return Err(error(path, what));
    };
    if *at > start {
        let what = format!(
            "{} `{name}` is declared by script[{step}] at {} ms, after this actor starts at {} ms",
            kind.name(),
            crate::decimal::short(*at as f64 / 1000.0, 3),
            crate::decimal::short(start as f64 / 1000.0, 3)
        );
        return Err(error(path, what));
    }
    Ok(())
}

impl Simulation {
    /// Applies a `declare`, `unbind`, `delete_queue` or `delete_exchange` now, on demand: like
    /// [`Simulation::inject`], it changes the future and seeking back before it undoes it. The
    /// world gains nodes for what it declares (they stay, unused, if the change is undone).
    pub fn inject_topology(&mut self, action: Action) -> Result<(), FieldError> {
        match &action {
            Action::Declare { definitions } | Action::Unbind { definitions } => {
                add_nodes(&mut self.world, &self.state.broker, definitions);
            }
            Action::DeleteQueue { .. } | Action::DeleteExchange { .. } => {}
            _ => {
                let what = "expected a declare, unbind, delete_queue or delete_exchange step";
                return Err(error("action", what));
            }
        }
        self.grow_metrics();
        let index = self.keep_injected(action);
        self.inject(Control::ChangeTopology(index));
        Ok(())
    }

    /// Publishes one message more now, on demand, from the producer named `producer`: drawn
    /// as it draws its messages (its exchange and properties, and its headers unless `headers`
    /// are given instead) but with `routing_key`. Like [`Simulation::inject`], it changes the
    /// future and seeking back before it undoes it.
    pub fn inject_publish(
        &mut self,
        producer: &str,
        routing_key: &str,
        headers: Option<Table>,
    ) -> Result<(), FieldError> {
        let id = crate::sim::engine::producer_id(&self.scenario, producer, "publish")?;
        check_routing_key(routing_key, "publish")?;
        let step = self.keep_injected(Action::Publish {
            producer: producer.to_owned(),
            routing_key: routing_key.to_owned(),
            headers,
        });
        self.inject(Control::Publish { producer: id, step });
        Ok(())
    }

    /// Publishes a plain message now, on demand, to `exchange` of `vhost` with `routing_key`
    /// and `headers` (no producer: it is published at once, with default properties otherwise).
    /// An exchange that is not there is the broker's refusal, traced at the moment. Like
    /// [`Simulation::inject`], seeking back before it undoes it.
    pub fn inject_send(
        &mut self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        headers: Table,
    ) -> Result<(), FieldError> {
        check_routing_key(routing_key, "send")?;
        let step = self.keep_injected(Action::Send {
            vhost: vhost.to_owned(),
            exchange: exchange.to_owned(),
            routing_key: routing_key.to_owned(),
            headers,
        });
        self.inject(Control::Send(step));
        Ok(())
    }

    /// Keeps an injected action's details; gives the index [`Simulation::step_action`] finds
    /// it by.
    pub(crate) fn keep_injected(&mut self, action: Action) -> u32 {
        let index = self.scenario.script.len() + self.injected_changes.len();
        self.injected_changes.push(action);
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    /// The script step with index `step`, or past the script's steps, an action injected with
    /// [`Simulation::inject_topology`] or [`Simulation::inject_publish`].
    pub(crate) fn step_action(&self, step: u32) -> Option<&Action> {
        step_action(&self.scenario.script, &self.injected_changes, step)
    }

    /// Traces a declaration, deletion or binding change; `false` for any other event (which is
    /// looked at in place: moving a delivery's event costs more than this whole check).
    pub(crate) fn topology_event(&mut self, t: SimTime, event: &Event) -> bool {
        match event {
            Event::ExchangeDeclared { vhost, exchange } => {
                let x = self.world.exchange(vhost, exchange);
                self.trace.record(t, TraceKind::Declared, None, None, x);
            }
            Event::QueueDeclared { vhost, queue } => {
                let q = self.world.queue(vhost, queue);
                self.trace.record(t, TraceKind::Declared, None, None, q);
            }
            Event::QueueDeleted { vhost, queue } => {
                let q = self.world.queue(vhost, queue);
                self.trace.record(t, TraceKind::Deleted, None, None, q);
            }
            Event::ExchangeDeleted {
                vhost, exchange, ..
            } => {
                let x = self.world.exchange(vhost, exchange);
                self.trace.record(t, TraceKind::Deleted, None, None, x);
            }
            Event::Bound {
                vhost,
                source,
                destination,
                ..
            } => self.binding(t, TraceKind::Bound, vhost, source, destination),
            Event::Unbound {
                vhost,
                source,
                destination,
                ..
            } => self.binding(t, TraceKind::Unbound, vhost, source, destination),
            _ => return false,
        }
        true
    }

    /// A binding added or removed: drawn as a hop from its source to its destination.
    fn binding(
        &mut self,
        t: SimTime,
        kind: TraceKind,
        vhost: &str,
        source: &str,
        to: &Destination,
    ) {
        let from = self.world.exchange(vhost, source);
        let to = match to {
            Destination::Queue(q) => self.world.queue(vhost, q),
            Destination::Exchange(x) => self.world.exchange(vhost, x),
        };
        let edge = from.zip(to).map(|(from, to)| Edge {
            from,
            to,
            depart: t,
            arrive: t,
        });
        let node = if edge.is_none() { from } else { None };
        self.trace.record(t, kind, None, edge, node);
    }

    /// The broker cancelled the consumers of a queue deleted (`basic.cancel` from the server):
    /// each is stopped, finishing what it holds (acks for a queue that is gone change nothing),
    /// and starting it again declares the queue as the scenario does.
    fn queue_deleted(&mut self, t: SimTime, vhost: &str, queue: &str) {
        let ids: Vec<usize> = (self.scenario.consumers.iter().enumerate())
            .filter(|(_, c)| c.vhost == vhost && c.queue == queue)
            .map(|(i, _)| i)
            .collect();
        for i in ids {
            let node = self.cast.consumers.get(i).copied();
            if let Some(c) = self.state.consumers.get_mut(i)
                && c.status == crate::sim::actor::consumer::Status::Running
            {
                c.status = crate::sim::actor::consumer::Status::Stopped;
                self.trace
                    .record(t, TraceKind::ConsumerStopped, None, None, node);
            }
        }
    }

    /// Applies script step `step` (a `declare`, an `unbind` or a deletion).
    pub(crate) fn change_topology(&mut self, t: SimTime, step: u32) {
        // A state saved before the change was injected has no counters for its nodes.
        self.grow_metrics();
        let (script, injected) = (&self.scenario.script, &self.injected_changes);
        let Some(action) = step_action(script, injected, step) else {
            return;
        };
        let broker = &mut self.state.broker;
        let mut refused = broker.advance(t.as_ms()).is_err();
        match action {
            Action::Declare { definitions } => {
                refused |= definitions.load_into(broker).is_err();
            }
            Action::Unbind { definitions } => {
                for (vhost, binding) in &definitions.bindings {
                    refused |= broker.unbind(vhost, binding).is_err();
                }
            }
            Action::DeleteQueue { vhost, queue } => {
                refused |= broker.delete_queue(vhost, queue).is_err();
                let (vhost, queue) = (vhost.clone(), queue.clone());
                self.queue_deleted(t, &vhost, &queue);
            }
            Action::DeleteExchange { vhost, exchange } => {
                let reserved = exchange.is_empty() || exchange.starts_with("amq.");
                refused |= reserved || broker.delete_exchange(vhost, exchange, false).is_err();
            }
            _ => return,
        }
        self.new_topology_epoch();
        self.after_broker(t, refused, None);
    }
}

/// [`Simulation::step_action`] from the simulation's fields (borrowing them alone).
fn step_action<'a>(
    script: &'a [ScriptStep],
    injected: &'a [Action],
    step: u32,
) -> Option<&'a Action> {
    let i = step as usize;
    match i.checked_sub(script.len()) {
        None => script.get(i).map(|s| &s.action),
        Some(j) => injected.get(j),
    }
}

/// The queues the patterns refer to: a retry consumer's queue needs a dead-letter exchange and
/// its parking lot must exist; an RPC client's `reply_to` queue must exist.
pub(crate) fn check_patterns(
    scenario: &Scenario,
    broker: &crate::broker::Broker,
    declared: &Declared,
) -> Result<(), FieldError> {
    let exists = |vhost: &str, queue: &str, start: u64, path: &str| {
        if broker.queue(vhost, queue).is_some() {
            return Ok(());
        }
        in_time(declared, (NodeKind::Queue, vhost, queue), start, path)
    };
    for (i, c) in scenario.consumers.iter().enumerate() {
        let Some(retry) = &c.retry else { continue };
        let path = format!("actors.consumers[{i}].on_failure.retry");
        if c.auto_ack {
            let what = "needs manual acknowledgement: with auto_ack nothing can be rejected";
            return Err(error(&path, what));
        }
        exists(
            &c.vhost,
            &retry.parking_lot,
            c.start,
            &format!("{path}.parking_lot"),
        )?;
        for (j, delay) in retry.delay_queues.iter().enumerate() {
            let at = format!("{path}.delay_queues[{j}]");
            exists(&c.vhost, delay, c.start, &at)?;
            let config = broker.queue(&c.vhost, delay).map(|q| &q.config);
            if config.is_some_and(|q| q.message_ttl.is_none() || q.dead_letter_exchange.is_none()) {
                let what = format!(
                    "queue `{delay}` needs a message TTL (x-message-ttl) and a dead-letter \
                     exchange to send messages back after the delay"
                );
                return Err(error(&at, what));
            }
        }
        let dlx = broker
            .queue(&c.vhost, &c.queue)
            .map(|q| q.config.dead_letter_exchange.is_some());
        if dlx == Some(false) {
            let what = format!(
                "queue `{}` has no dead-letter exchange (x-dead-letter-exchange): a rejected \
                 message would be dropped, not retried",
                c.queue
            );
            return Err(error(&path, what));
        }
    }
    for (i, p) in scenario.producers.iter().enumerate() {
        let Some(rpc) = &p.rpc else { continue };
        let path = format!("actors.producers[{i}].rpc.reply_to");
        exists(&p.vhost, &rpc.reply_to, p.start, &path)?;
    }
    Ok(())
}
