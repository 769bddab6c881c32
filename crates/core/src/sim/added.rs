//! Actors added or changed while the scenario runs: a consumer on a queue, a producer on an
//! exchange, added on demand ([`Simulation::add_consumer`], [`Simulation::add_producer`]) or by
//! a script step (`add_consumer`, `add_producer`); a producer's rate and a consumer's
//! processing time and failure chance changed (`set_rate`, `set_processing`), kept in the
//! actor's run-time state so that checkpoints and seeks carry them.
//!
//! A script's actors join the scenario's own when it is built, after a flow's, each starting at
//! its step's moment. One added on demand joins the cast then, and an injected control starts
//! it, so it is made again by any re-simulation past that point like every change on demand.
//! Invariants: actor ids are indices into the scenario's lists and never move, so an actor
//! added on demand is always past the scenario's own, in the order they were added; going back
//! before one undoes it and every later one, and the lists are cut back to those still made
//! (the world keeps the actor's node, unused, and gives it again to an actor of that name).
//! The run-time state of an added actor is in [`State`](crate::sim::engine::State) from the
//! moment its control is handled, so checkpoints before it have no trace of it.

use crate::fields::{FieldError, error, join};
use crate::sim::actor::consumer::{ConsumerState, Pace};
use crate::sim::actor::producer::Producer;
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::engine::{Control, Simulation, consumer_id, producer_id};
use crate::sim::handle::SimEvent;
use crate::sim::metrics::Counters;
use crate::sim::rng::Dist;
use crate::sim::rng::Rng;
use crate::sim::scenario::actors::{MAX_ACTORS, MAX_TOTAL_BODY_BYTES};
use crate::sim::scenario::{Action, ConsumerSpec, ProducerSpec, Rate, Scenario};
use crate::sim::scheduler::SimTime;
use crate::sim::world::{NodeId, NodeKind};

/// Adds the actors the script's `add_consumer` and `add_producer` steps name to the
/// scenario's, in the order of their moments (as they would be added on demand), each starting
/// then. Errors name the step.
pub(crate) fn add_scripted(scenario: &mut Scenario) -> Result<(), FieldError> {
    let mut steps: Vec<(u64, usize)> = (scenario.script.iter().enumerate())
        .filter(|(_, s)| matches!(s.action, Action::AddConsumer(_) | Action::AddProducer(_)))
        .map(|(i, s)| (s.at, i))
        .collect();
    crate::order::sort_by_key(&mut steps, |step| *step);
    for (at, i) in steps {
        let path = format!("script[{i}].actor");
        let action = scenario.script.get(i).map(|s| s.action.clone());
        match action {
            Some(Action::AddConsumer(mut spec)) => {
                check_new(scenario, &spec.name, &path)?;
                spec.start = at;
                scenario.consumers.push(*spec);
            }
            Some(Action::AddProducer(mut spec)) => {
                check_new(scenario, &spec.name, &path)?;
                check_bodies(scenario, &spec, &path)?;
                spec.start = at;
                scenario.producers.push(*spec);
            }
            _ => {}
        }
    }
    Ok(())
}

/// An added actor's name is new among the scenario's actors and its flow's services (a name
/// picks an actor out in changes and script steps), and there is room for one more.
fn check_new(scenario: &Scenario, name: &str, path: &str) -> Result<(), FieldError> {
    let taken = if scenario.consumers.iter().any(|c| c.name == name) {
        Some("a consumer")
    } else if scenario.producers.iter().any(|p| p.name == name) {
        Some("a producer")
    } else if (scenario.flow.as_ref()).is_some_and(|f| f.is_service(name)) {
        Some("a service of the flow")
    } else {
        None
    };
    if let Some(what) = taken {
        let message = format!("`{name}` is already the name of {what}");
        return Err(error(&join(path, "name"), message));
    }
    if name.is_empty() {
        return Err(error(&join(path, "name"), "an actor needs a name"));
    }
    if scenario.consumers.len() + scenario.producers.len() >= 2 * MAX_ACTORS {
        let message =
            format!("a scenario has at most {MAX_ACTORS} producers and as many consumers");
        return Err(error(path, message));
    }
    Ok(())
}

/// A producer's body, with all the others', stays within what a scenario may allocate.
fn check_bodies(scenario: &Scenario, spec: &ProducerSpec, path: &str) -> Result<(), FieldError> {
    let others: u64 = scenario.producers.iter().map(|p| p.body_bytes).sum();
    if others.saturating_add(spec.body_bytes) > MAX_TOTAL_BODY_BYTES {
        let limit = crate::shown::bytes(MAX_TOTAL_BODY_BYTES);
        let message = format!("with the others' bodies, this one's would pass the {limit} allowed");
        return Err(error(&join(path, "body_bytes"), message));
    }
    Ok(())
}

impl Simulation {
    /// Adds a consumer now, on demand: it subscribes to its queue at once, as one of the
    /// scenario's would at its start (its `start` is this moment). Like [`Simulation::inject`],
    /// it changes the future, and going back before it undoes it (the consumer leaves).
    ///
    /// Refused, with the field named (`actor.queue`, `actor.name`, …): a name already used, a
    /// queue the broker does not have now, and the patterns whose queues are checked when a
    /// scenario opens (a retry policy; appending to an event store the scenario has none of).
    pub fn add_consumer(&mut self, mut spec: ConsumerSpec) -> Result<(), FieldError> {
        let path = "actor";
        check_new(&self.scenario, &spec.name, path)?;
        if self.state.broker.queue(&spec.vhost, &spec.queue).is_none() {
            let what = format!("vhost `{}` has no queue `{}` now", spec.vhost, spec.queue);
            return Err(error(&join(path, "queue"), what));
        }
        if spec.retry.is_some() {
            let what = "a consumer added while the scenario runs cannot retry: its delay queues \
                        are checked when a scenario opens (add it to the file's actors)";
            return Err(error(&join(path, "on_failure"), what));
        }
        if spec.append_to.is_some() && self.cast.store.is_none() {
            let what = "this scenario has no event store to append to";
            return Err(error(&join(path, "append_to"), what));
        }
        spec.start = self.now().0;
        let node = self.actor_node(NodeKind::Consumer, &spec.vhost, &spec.name);
        let queue = self.world.queue(&spec.vhost, &spec.queue);
        let id = ConsumerId(u32::try_from(self.scenario.consumers.len()).unwrap_or(u32::MAX));
        self.scenario.consumers.push(spec);
        self.cast.consumers.push(node);
        self.cast.consumer_queues.push(queue);
        self.inject(Control::AddConsumer(id));
        Ok(())
    }

    /// Adds a producer now, on demand: it publishes from this moment at its rate, as one of
    /// the scenario's would from its start. Like [`Simulation::inject`], going back before it
    /// undoes it.
    ///
    /// Refused, with the field named: a name already used, an exchange the broker does not
    /// have now, an RPC client (its reply queue is checked when a scenario opens), bodies past
    /// the scenario's limit.
    pub fn add_producer(&mut self, mut spec: ProducerSpec) -> Result<(), FieldError> {
        let path = "actor";
        check_new(&self.scenario, &spec.name, path)?;
        check_bodies(&self.scenario, &spec, path)?;
        let known = (self.state.broker.topology(&spec.vhost))
            .is_ok_and(|t| spec.exchange.is_empty() || t.exchange(&spec.exchange).is_some());
        if !known {
            let what = format!(
                "vhost `{}` has no exchange `{}` now",
                spec.vhost, spec.exchange
            );
            return Err(error(&join(path, "exchange"), what));
        }
        if spec.rpc.is_some() {
            let what = "a producer added while the scenario runs cannot be an RPC client: its \
                        reply queue is checked when a scenario opens (add it to the file's actors)";
            return Err(error(&join(path, "rpc"), what));
        }
        spec.start = self.now().0;
        let node = self.actor_node(NodeKind::Producer, &spec.vhost, &spec.name);
        let id = ProducerId(u32::try_from(self.scenario.producers.len()).unwrap_or(u32::MAX));
        self.cast.producers.push(node);
        self.cast
            .producer_exchanges
            .push(self.world.exchange(&spec.vhost, &spec.exchange));
        self.cast
            .producer_vhosts
            .push(self.world.vhost_name(&spec.vhost));
        self.scenario.producers.push(spec);
        self.inject(Control::AddProducer(id));
        Ok(())
    }

    /// Whether the actor with this index was added on demand (not one of the scenario's own).
    pub fn added_on_demand(&self, kind: NodeKind, index: usize) -> bool {
        match kind {
            NodeKind::Producer => index >= self.own_actors.0,
            _ => index >= self.own_actors.1,
        }
    }

    /// The world's node for an actor of this kind, vhost and name: the one an earlier actor
    /// of that name had (added, then undone), or a new one.
    fn actor_node(&mut self, kind: NodeKind, vhost: &str, name: &str) -> NodeId {
        let mut nodes = self.world.nodes().iter();
        let had = nodes.position(|n| n.kind == kind && n.vhost == vhost && n.name == name);
        let node = match had {
            Some(i) => NodeId(u32::try_from(i).unwrap_or(u32::MAX)),
            None => self.world.add(kind, vhost, name),
        };
        self.grow_metrics();
        node
    }

    /// Counters for every node of the world (one added since the state was saved counts from
    /// zero).
    pub(crate) fn grow_metrics(&mut self) {
        let nodes = self.world.nodes().len();
        let counters = &mut self.state.metrics.per_queue;
        if counters.len() < nodes {
            counters.resize(nodes, Counters::default());
        }
    }

    /// The consumer added on demand joins the run (its state is made here, so a state saved
    /// before has none) and subscribes.
    pub(crate) fn start_added_consumer(&mut self, t: SimTime, consumer: ConsumerId) {
        let i = consumer.0 as usize;
        if i >= self.scenario.consumers.len() || i > self.state.consumers.len() {
            return;
        }
        self.grow_metrics();
        if i == self.state.consumers.len() {
            let channel = self.new_channel(consumer);
            let rng = Rng::stream(self.scenario.seed, 2 * i as u64 + 1);
            self.state.consumers.push(ConsumerState::new(rng, channel));
        }
        self.control(t, Control::StartConsumer(consumer));
    }

    /// The producer added on demand joins the run (its state is made here) and its first
    /// message is scheduled, as a producer of the scenario's schedules it at its start.
    pub(crate) fn start_added_producer(&mut self, t: SimTime, producer: ProducerId) {
        let i = producer.0 as usize;
        if i != self.state.producers.len() {
            return;
        }
        self.grow_metrics();
        let Some(spec) = self.scenario.producers.get(i) else {
            return;
        };
        let mut state = Producer::new(spec, Rng::stream(self.scenario.seed, 2 * i as u64));
        let first = state.first(spec);
        self.state.producers.push(state);
        if let Some(at) = first {
            let event = SimEvent::Produce(producer);
            self.state.sched.schedule_in(at.saturating_sub(t.0), event);
        }
    }

    /// After going back before some changes made on demand: the actors they added leave the
    /// scenario and the cast (those still made are the first ones added, in order).
    pub(crate) fn forget_added(&mut self) {
        let (mut producers, mut consumers) = self.own_actors;
        for e in &self.injected {
            match e.control {
                Control::AddProducer(_) => producers += 1,
                Control::AddConsumer(_) => consumers += 1,
                _ => {}
            }
        }
        self.scenario.producers.truncate(producers);
        self.cast.producers.truncate(producers);
        self.cast.producer_exchanges.truncate(producers);
        self.cast.producer_vhosts.truncate(producers);
        self.scenario.consumers.truncate(consumers);
        self.cast.consumers.truncate(consumers);
        self.cast.consumer_queues.truncate(consumers);
    }
}

impl Simulation {
    /// Changes the rate of the producer named `producer` now, on demand: from its next message
    /// on (the one already due is sent when due). Like [`Simulation::inject`], going back
    /// before it undoes it.
    pub fn set_rate(&mut self, producer: &str, rate: Rate) -> Result<(), FieldError> {
        let id = producer_id(&self.scenario, producer, "set_rate")?;
        let step = self.keep_injected(Action::SetRate {
            producer: producer.to_owned(),
            rate,
        });
        self.inject(Control::SetRate { producer: id, step });
        Ok(())
    }

    /// Changes how long the consumer named `consumer` takes per delivery, and how often it
    /// fails (when given), now, on demand: from its next delivery on. Like
    /// [`Simulation::inject`], going back before it undoes it.
    pub fn set_processing(
        &mut self,
        consumer: &str,
        processing: Dist,
        failure_probability: Option<f64>,
    ) -> Result<(), FieldError> {
        let id = consumer_id(&self.scenario, consumer, "set_processing")?;
        if failure_probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            let what = "expected a number from 0 to 1";
            return Err(error("set_processing.failure_probability", what));
        }
        let step = self.keep_injected(Action::SetProcessing {
            consumer: consumer.to_owned(),
            processing,
            failure_probability,
        });
        self.inject(Control::SetProcessing { consumer: id, step });
        Ok(())
    }

    /// The rate the producer publishes at now (its spec's unless changed on demand).
    pub fn producer_rate(&self, producer: ProducerId) -> Option<&Rate> {
        let i = producer.0 as usize;
        let spec = self.scenario.producers.get(i)?;
        let changed = self.state.producers.get(i).and_then(|p| p.rate.as_ref());
        Some(changed.unwrap_or(&spec.rate))
    }

    /// The consumer's processing time and failure chance now (its spec's unless changed).
    pub fn consumer_pace(&self, consumer: ConsumerId) -> Option<(&Dist, f64)> {
        let i = consumer.0 as usize;
        let spec = self.scenario.consumers.get(i)?;
        let pace = self.state.consumers.get(i).and_then(|c| c.pace.as_deref());
        Some(match pace {
            Some(p) => (&p.processing, p.failure_probability),
            None => (&spec.processing, spec.failure_probability),
        })
    }

    /// Applies the `set_rate` step with index `step` to the producer.
    pub(crate) fn set_rate_now(&mut self, producer: ProducerId, step: u32) {
        let Some(Action::SetRate { rate, .. }) = self.step_action(step) else {
            return;
        };
        let rate = rate.clone();
        if let Some(p) = self.state.producers.get_mut(producer.0 as usize) {
            p.rate = Some(rate);
        }
    }

    /// Applies the `set_processing` step with index `step` to the consumer.
    pub(crate) fn set_processing_now(&mut self, consumer: ConsumerId, step: u32) {
        let Some(Action::SetProcessing {
            processing,
            failure_probability,
            ..
        }) = self.step_action(step)
        else {
            return;
        };
        let i = consumer.0 as usize;
        let spec_failure = self
            .scenario
            .consumers
            .get(i)
            .map(|s| s.failure_probability);
        let (Some(spec_failure), Some(c)) = (spec_failure, self.state.consumers.get(i)) else {
            return;
        };
        let current = c
            .pace
            .as_ref()
            .map_or(spec_failure, |p| p.failure_probability);
        let pace = Pace {
            processing: *processing,
            failure_probability: failure_probability.unwrap_or(current),
        };
        if let Some(c) = self.state.consumers.get_mut(i) {
            c.pace = Some(Box::new(pace));
        }
    }
}
