//! The simulation: a broker, the actors and the scheduler, driven one event at a time in
//! virtual time — `step()`, `run_until(t)`, `advance_by(dt)` — with step back and seek over
//! checkpoints, failure injection on demand, the trace and the metrics. This file holds the
//! state, its construction from a scenario and the forward clock controls; `seek` moves back
//! and forth, `handle` runs each event, `control` injects failures, and `observe` turns the
//! broker's events into trace and metrics. Nothing reads a wall clock.

use std::rc::Rc;

use crate::broker::Broker;
use crate::channel::ChannelId;
use crate::event::Name;
use crate::exchange::ExchangeType;
use crate::fields::{FieldError, error, join};
use crate::profile::Profile;
use crate::sim::actor::consumer::ConsumerState;
use crate::sim::actor::producer::Producer;
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::checkpoint::Checkpoints;
use crate::sim::flow::ServiceId;
use crate::sim::flow::state::{FlowCast, FlowState};
use crate::sim::handle::SimEvent;
use crate::sim::hops::{HopCache, Hops};
use crate::sim::messages::Messages;
use crate::sim::metrics::{MAX_SAMPLES, Metrics, Sample};
use crate::sim::reply::PatternState;
use crate::sim::reshape::{check_patterns, declare_nodes, in_time};
use crate::sim::rng::Rng;
use crate::sim::scenario::{Action, LessonStep, Scenario};
use crate::sim::scheduler::{ScheduleError, Scheduler, SimTime};
use crate::sim::sourcing::{cast_sourcing, projection_index};
use crate::sim::timeline::Timeline;
use crate::sim::trace::Trace;
use crate::sim::world::{NodeId, NodeKind, World};

/// A failure or control action, scripted or injected on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    StopConsumer(ConsumerId),
    StartConsumer(ConsumerId),
    CrashConsumer(ConsumerId),
    RestartBroker,
    /// Applies the script step with this index (a `declare` or an `unbind`), or, past the
    /// script's steps, a change injected with [`Simulation::inject_topology`].
    ChangeTopology(u32),
    /// Resets the projection with this index to version 0 (it rebuilds by replaying).
    ReplayProjection(u32),
    /// A flow's service stops answering (choreography: its consumer's connection dies).
    TakeDown(ServiceId),
    BringBack(ServiceId),
    /// A flow's service answers every request with an error until healed.
    FailService(ServiceId),
    HealService(ServiceId),
    /// Deletes the exchange and declares it again with another type, keeping its bindings.
    SetExchangeType {
        exchange: NodeId,
        kind: ExchangeType,
    },
    /// One message more from a producer, with the routing key of the script step with this
    /// index (or, past the script's steps, of a publish injected with
    /// [`Simulation::inject_publish`]).
    Publish {
        producer: ProducerId,
        step: u32,
    },
    /// A plain message to an exchange, as the script step (or, past the script's steps, the
    /// send injected with [`Simulation::inject_send`]) with this index says.
    Send(u32),
    /// A consumer added on demand (with [`Simulation::add_consumer`]) subscribes.
    AddConsumer(ConsumerId),
    /// A producer added on demand (with [`Simulation::add_producer`]) starts publishing.
    AddProducer(ProducerId),
    /// The producer publishes at the rate of the script step with this index (or, past the
    /// script's steps, of the change made on demand) from its next message on.
    SetRate {
        producer: ProducerId,
        step: u32,
    },
    /// The consumer's processing time and failure chance, as the step with this index says.
    SetProcessing {
        consumer: ConsumerId,
        step: u32,
    },
    /// The producer stops publishing (what it sent is on its way still).
    StopProducer(ProducerId),
    /// A stopped producer publishes again, from now at its rate.
    StartProducer(ProducerId),
}

/// An action injected on demand, and where: after `steps` events, with the clock at
/// `time_us` (the clock may have moved past the last event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Injected {
    pub steps: u64,
    pub time_us: u64,
    pub control: Control,
}

/// Engine settings that are not part of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How many trace events the ring keeps (the default, 262,144 events of about 100 bytes,
    /// is about 25 MB: sized for a browser tab).
    pub trace_capacity: usize,
    /// The shortest checkpoint interval in virtual µs (`u64::MAX`: the start only, for a run
    /// that never goes back). See [`crate::sim::checkpoint`] for when they are taken and which
    /// are kept.
    pub checkpoint_every_us: u64,
    pub max_checkpoints: usize,
    /// Events at one virtual instant after which `run_until` gives up: a cycle with no delay
    /// (a consumer that nacks with requeue in zero time, with zero latency) would otherwise
    /// spin forever without the clock moving.
    pub max_events_at_one_instant: u64,
    /// Message copies all checkpoints may hold together (each holds the broker's queues and
    /// what is in flight: a copy of the stress preset's state is about 300 bytes for each
    /// message copy it holds, so the default is some 120 MB at most).
    pub checkpoint_budget: u64,
    pub profile: Profile,
}

impl Options {
    /// For a run that never goes back (the headless runner, a comparison): no checkpoint but
    /// the start, where a long run of a deep backlog would keep hundreds of megabytes of them.
    pub fn forward_only(self) -> Options {
        Options {
            checkpoint_every_us: u64::MAX,
            ..self
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trace_capacity: 1 << 18,
            checkpoint_every_us: 1_000_000,
            max_checkpoints: 1024,
            checkpoint_budget: 400_000,
            max_events_at_one_instant: 1_000_000,
            profile: Profile::default(),
        }
    }
}

/// Everything that changes as the simulation runs, except the trace and the side tables
/// (which are append-only and truncated on restore): what a checkpoint copies.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub broker: Broker,
    pub sched: Scheduler<SimEvent>,
    pub producers: Vec<Producer>,
    pub consumers: Vec<ConsumerState>,
    pub metrics: Metrics,
    pub steps: u64,
    pub next_channel: u32,
    /// Broker restarts and exchange retypes so far (the topology may differ after each).
    pub restarts: u32,
    pub latency_rng: Rng,
    /// Which topology the broker has (a number never reused, also across seeks): what the hop
    /// cache is keyed by. Bumped by restarts and runtime topology changes.
    pub topology_epoch: u32,
    /// RPC, TTL wake-ups and the event store.
    pub patterns: PatternState,
    /// The business flow's state, when the scenario has one.
    pub flow: Option<FlowState>,
}

/// The cast's node ids, by actor.
#[derive(Debug, Clone)]
pub(crate) struct Cast {
    pub producers: Vec<NodeId>,
    pub producer_exchanges: Vec<Option<NodeId>>,
    /// Each producer's vhost as the world's shared name: what the message table keeps per
    /// publish, found without a string compare.
    pub producer_vhosts: Vec<Name>,
    pub consumers: Vec<NodeId>,
    pub consumer_queues: Vec<Option<NodeId>>,
    pub script: Vec<(u64, Control)>,
    /// The event store's node, when consumers append or projections read.
    pub store: Option<NodeId>,
    pub projections: Vec<NodeId>,
    pub flow: Option<FlowCast>,
}

pub struct Simulation {
    pub(crate) scenario: Scenario,
    pub(crate) world: World,
    pub(crate) cast: Cast,
    pub(crate) state: State,
    pub(crate) trace: Trace,
    /// What each message was published with, for the inspector (bounded; see `messages`).
    pub(crate) messages: Messages,
    /// The metrics samples for charts (at most [`MAX_SAMPLES`]), with the same cursor as the
    /// trace.
    pub(crate) series: Timeline<Sample>,
    /// Which consumer owns each channel id.
    pub(crate) channel_owner: Vec<Option<ConsumerId>>,
    pub(crate) checkpoints: Checkpoints<State>,
    /// The hops of the publish being handled (multi-hop exchanges only), for `observe`.
    pub(crate) hops: Option<Rc<Hops>>,
    /// Hops by (restart count, exchange, routing key) for publishes without headers: they
    /// depend only on the topology, which changes only when a restart loses exchanges.
    pub(crate) hop_cache: HopCache,
    /// The actions injected on demand that the timeline holds, in the order they were made
    /// (each one forked the timeline; going back before one undoes it).
    pub(crate) injected: Vec<Injected>,
    /// The last topology epoch handed out.
    topology_epochs: u32,
    /// Topology changes injected on demand; `Control::ChangeTopology(i)` past the script's
    /// steps is `injected_changes[i - script.len()]`.
    pub(crate) injected_changes: Vec<Action>,
    stall_limit: u64,
    /// How many producers and consumers the scenario has of its own (with a flow's and those
    /// its script adds); those past them were added on demand.
    pub(crate) own_actors: (usize, usize),
    /// The broker's last event vector, handed back to it empty (no allocation per operation).
    pub(crate) spare_events: Vec<crate::event::Record>,
}

impl Simulation {
    /// Builds the broker from the scenario's topology and checks that every actor refers to
    /// something that exists (errors name the path).
    pub fn new(mut scenario: Scenario, options: Options) -> Result<Simulation, FieldError> {
        let mut broker = scenario
            .topology
            .to_broker(options.profile)
            .map_err(|e| error(&join("topology", &e.path), e.message))?;
        crate::sim::flow::build::prepare(&mut scenario, &mut broker)?;
        crate::sim::added::add_scripted(&mut scenario)?;
        // The topology's own declarations are not part of the run.
        broker.drain_events();
        let mut world = World::from_broker(&broker);
        let flow = crate::sim::flow::build::cast(&scenario, &mut world);
        let mut cast = cast(&scenario, &broker, &mut world, flow.as_ref())?;
        let seed = scenario.seed;
        let flow_state = flow.as_ref().map(|f| FlowState::new(f, seed));
        cast.flow = flow;
        let consumers = (0..scenario.consumers.len())
            .map(|i| {
                ConsumerState::new(Rng::stream(seed, 2 * i as u64 + 1), ChannelId(i as u32 + 1))
            })
            .collect();
        let producers = scenario
            .producers
            .iter()
            .enumerate()
            .map(|(i, spec)| Producer::new(spec, Rng::stream(seed, 2 * i as u64)))
            .collect();
        let n = scenario.consumers.len();
        let own_actors = (scenario.producers.len(), n);
        let state = State {
            broker,
            sched: Scheduler::default(),
            producers,
            consumers,
            metrics: Metrics::new(world.nodes().len()),
            steps: 0,
            restarts: 0,
            next_channel: n as u32 + 1,
            latency_rng: Rng::stream(seed, u64::MAX),
            topology_epoch: 0,
            patterns: PatternState::new(scenario.projections.len()),
            flow: flow_state,
        };
        let mut sim = Simulation {
            channel_owner: (0..=n)
                .map(|i| i.checked_sub(1).map(|c| ConsumerId(c as u32)))
                .collect(),
            scenario,
            world,
            cast,
            state,
            trace: Trace::new(options.trace_capacity),
            messages: Messages::default(),
            series: Timeline::new(MAX_SAMPLES),
            checkpoints: Checkpoints::new(
                options.checkpoint_every_us,
                options.max_checkpoints,
                options.checkpoint_budget,
            ),
            injected: Vec::new(),
            topology_epochs: 0,
            injected_changes: Vec::new(),
            stall_limit: options.max_events_at_one_instant.max(1),
            own_actors,
            hops: None,
            hop_cache: HopCache::default(),
            spare_events: Vec::new(),
        };
        sim.schedule_start();
        sim.checkpoint();
        Ok(sim)
    }

    pub fn now(&self) -> SimTime {
        self.state.sched.now()
    }

    /// Events handled so far.
    pub fn steps(&self) -> u64 {
        self.state.steps
    }

    /// Events scheduled and not yet handled.
    pub fn pending(&self) -> usize {
        self.state.sched.len()
    }

    /// When the next event is due (what [`Simulation::step`] would handle), if any is.
    pub fn next_at(&self) -> Option<SimTime> {
        self.state.sched.peek_time()
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn broker(&self) -> &Broker {
        &self.state.broker
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    pub fn metrics(&self) -> &Metrics {
        &self.state.metrics
    }

    /// The sampled metrics for charts, oldest first.
    pub fn series(&self) -> impl DoubleEndedIterator<Item = &Sample> + '_ {
        self.series.past_from(0)
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The first lesson step strictly after `t`, with its index: where to pause next.
    pub fn next_pause_after(&self, t: SimTime) -> Option<(usize, &LessonStep)> {
        (self.scenario.lesson.iter().enumerate())
            .filter(|(_, s)| s.at > t.0)
            .min_by_key(|(i, s)| (s.at, *i))
    }

    pub fn consumer_id(&self, name: &str) -> Option<ConsumerId> {
        let i = self
            .scenario
            .consumers
            .iter()
            .position(|c| c.name == name)?;
        Some(ConsumerId(i as u32))
    }

    pub fn producer_node(&self, id: ProducerId) -> Option<NodeId> {
        self.cast.producers.get(id.0 as usize).copied()
    }

    pub fn consumer_node(&self, id: ConsumerId) -> Option<NodeId> {
        self.cast.consumers.get(id.0 as usize).copied()
    }

    /// Handles the next event; `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<SimTime> {
        if self.state.sched.peek_time().is_none() {
            // Nothing to handle; a checkpoint due is still saved, as before any event.
            self.checkpoint_if_due();
            return None;
        }
        self.run_events(SimTime(u64::MAX), 1, u64::MAX)
            .ok()
            .flatten()
    }

    /// Saves a checkpoint if one is due here. Inlined: the check is one comparison, made
    /// before every event.
    #[inline(always)]
    fn checkpoint_if_due(&mut self) {
        let steps = self.state.steps;
        if self.checkpoints.due(steps) && self.checkpoints.wanted(steps, self.now().0) {
            self.checkpoint();
        }
    }

    /// Handles every event up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) -> Result<(), ScheduleError> {
        if t < self.now() {
            return Err(ScheduleError::InPast {
                at: t,
                now: self.now(),
            });
        }
        self.run_events(t, u64::MAX, self.stall_limit)?;
        self.state.sched.advance_to(t)
    }

    /// Handles events in order while the next one is due at or before `until`, at most `max`
    /// of them; gives the time of the last one handled. More than `stall_limit` events in a
    /// row at one instant (counting from the clock's) is [`ScheduleError::Stalled`], found
    /// before the next is handled. Each event first saves a checkpoint if one is due.
    ///
    /// The one loop that [`Simulation::step`] and [`Simulation::run_until`] share, and the one
    /// place where the event handlers are inlined: a run goes from event to event without a
    /// call (and its register saves) per event, and the handlers' code is not copied.
    #[inline(never)]
    pub(crate) fn run_events(
        &mut self,
        until: SimTime,
        max: u64,
        stall_limit: u64,
    ) -> Result<Option<SimTime>, ScheduleError> {
        let mut instant = (self.now(), 0u64);
        let mut last = None;
        let mut handled = 0;
        while handled < max {
            let Some(next) = self.state.sched.peek_time().filter(|next| *next <= until) else {
                break;
            };
            instant = if next == instant.0 {
                (next, instant.1 + 1)
            } else {
                (next, 1)
            };
            if instant.1 > stall_limit {
                return Err(ScheduleError::Stalled {
                    at: next,
                    events: stall_limit,
                });
            }
            self.checkpoint_if_due();
            let Some((t, event)) = self.state.sched.pop() else {
                break;
            };
            self.state.steps += 1;
            self.handle(t, event);
            last = Some(t);
            handled += 1;
        }
        Ok(last)
    }

    pub fn advance_by(&mut self, dt_us: u64) -> Result<(), ScheduleError> {
        self.run_until(self.now().plus(dt_us))
    }

    /// As fast as possible: up to `max_steps` events; gives how many were handled.
    pub fn run_steps(&mut self, max_steps: u64) -> u64 {
        let start = self.state.steps;
        while self.state.steps - start < max_steps && self.step().is_some() {}
        self.state.steps - start
    }

    /// Gives the broker's topology a new epoch (after a restart or a change).
    pub(crate) fn new_topology_epoch(&mut self) {
        self.topology_epochs += 1;
        self.state.topology_epoch = self.topology_epochs;
    }

    fn schedule_start(&mut self) {
        let sched = &mut self.state.sched;
        for (i, (spec, p)) in self
            .scenario
            .producers
            .iter()
            .zip(&mut self.state.producers)
            .enumerate()
        {
            if let Some(t) = p.first(spec) {
                sched.schedule_in(t, SimEvent::Produce(ProducerId(i as u32)));
            }
        }
        // A consumer may start at the instant its queue is declared: the declaration goes first.
        let (changes, others): (Vec<_>, Vec<_>) = self
            .cast
            .script
            .iter()
            .copied()
            .partition(|(_, c)| matches!(c, Control::ChangeTopology(_)));
        for (at, control) in changes {
            sched.schedule_in(at, SimEvent::Control(control));
        }
        for (i, spec) in self.scenario.consumers.iter().enumerate() {
            sched.schedule_in(
                spec.start,
                SimEvent::Control(Control::StartConsumer(ConsumerId(i as u32))),
            );
        }
        for (at, control) in others {
            sched.schedule_in(at, SimEvent::Control(control));
        }
        for (i, p) in self.scenario.projections.iter().enumerate() {
            sched.schedule_in(p.start, SimEvent::Project(i as u32));
        }
        for (i, step) in self.scenario.lesson.iter().enumerate() {
            sched.schedule_in(step.at, SimEvent::Lesson(i as u32));
        }
        sched.schedule_in(self.scenario.sample_every, SimEvent::Sample);
        self.schedule_flow_start();
    }
}

/// Node ids for the actors, with the checks that they refer to what exists.
fn cast(
    scenario: &Scenario,
    broker: &Broker,
    world: &mut World,
    flow: Option<&FlowCast>,
) -> Result<Cast, FieldError> {
    let mut cast = Cast {
        producers: Vec::new(),
        producer_exchanges: Vec::new(),
        producer_vhosts: Vec::new(),
        consumers: Vec::new(),
        consumer_queues: Vec::new(),
        script: Vec::new(),
        store: None,
        projections: Vec::new(),
        flow: None,
    };
    let declared = declare_nodes(scenario, broker, world);
    check_patterns(scenario, broker, &declared)?;
    for (i, p) in scenario.producers.iter().enumerate() {
        let path = format!("actors.producers[{i}]");
        let known = broker
            .topology(&p.vhost)
            .is_ok_and(|t| p.exchange.is_empty() || t.exchange(&p.exchange).is_some());
        if !known {
            let name = (NodeKind::Exchange, p.vhost.as_str(), p.exchange.as_str());
            in_time(&declared, name, p.start, &join(&path, "exchange"))?;
        }
        let node = world.service(&p.name);
        cast.producers
            .push(node.unwrap_or_else(|| world.add(NodeKind::Producer, &p.vhost, &p.name)));
        cast.producer_exchanges
            .push(world.exchange(&p.vhost, &p.exchange));
        cast.producer_vhosts.push(world.vhost_name(&p.vhost));
    }
    for (i, c) in scenario.consumers.iter().enumerate() {
        let path = format!("actors.consumers[{i}].queue");
        if broker.queue(&c.vhost, &c.queue).is_none() {
            in_time(
                &declared,
                (NodeKind::Queue, &c.vhost, &c.queue),
                c.start,
                &path,
            )?;
        }
        let Some(queue) = world.queue(&c.vhost, &c.queue) else {
            let what = format!("queue `{}` is not declared in vhost `{}`", c.queue, c.vhost);
            return Err(error(&path, what));
        };
        let node = world.service(&c.name);
        cast.consumers
            .push(node.unwrap_or_else(|| world.add(NodeKind::Consumer, &c.vhost, &c.name)));
        cast.consumer_queues.push(Some(queue));
    }
    (cast.store, cast.projections) = cast_sourcing(scenario, world);
    for (i, step) in scenario.script.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let control = match &step.action {
            Action::Declare { .. }
            | Action::Unbind { .. }
            | Action::DeleteQueue { .. }
            | Action::DeleteExchange { .. } => Control::ChangeTopology(index),
            Action::Publish { producer, .. } => Control::Publish {
                producer: producer_id(scenario, producer, &format!("script[{i}]"))?,
                step: index,
            },
            Action::Send { .. } => Control::Send(index),
            Action::SetRate { producer, .. } => Control::SetRate {
                producer: producer_id(scenario, producer, &format!("script[{i}]"))?,
                step: index,
            },
            Action::SetProcessing { consumer, .. } => Control::SetProcessing {
                consumer: consumer_id(scenario, consumer, &format!("script[{i}]"))?,
                step: index,
            },
            // Added to the cast above, starting at the step's moment.
            Action::AddConsumer(_) | Action::AddProducer(_) => continue,
            other => resolve(other, scenario, flow, world, &format!("script[{i}]"))?,
        };
        cast.script.push((step.at, control));
    }
    Ok(cast)
}

/// The index of the `what` named `name` among `names`; the error names `path`'s field `what`
/// ("script[2].consumer: no consumer is named `c9`").
pub(crate) fn index_named<'a>(
    mut names: impl Iterator<Item = &'a str>,
    name: &str,
    path: &str,
    what: &str,
) -> Result<u32, FieldError> {
    let at = names.position(|n| n == name);
    at.map(|i| i as u32).ok_or_else(|| {
        let message = format!("no {what} is named `{name}`");
        error(&format!("{path}.{what}"), message)
    })
}

/// The producer named `name` (the error names `path`'s `producer`).
pub(crate) fn producer_id(
    scenario: &Scenario,
    name: &str,
    path: &str,
) -> Result<ProducerId, FieldError> {
    let names = scenario.producers.iter().map(|p| p.name.as_str());
    index_named(names, name, path, "producer").map(ProducerId)
}

/// The consumer named `name` (the error names `path`'s `consumer`).
pub(crate) fn consumer_id(
    scenario: &Scenario,
    name: &str,
    path: &str,
) -> Result<ConsumerId, FieldError> {
    let names = scenario.consumers.iter().map(|c| c.name.as_str());
    index_named(names, name, path, "consumer").map(ConsumerId)
}

/// The control an action that is not a topology change stands for: the actor, projection,
/// service or exchange it names found by name (the error names `path`'s field that is wrong).
pub(crate) fn resolve(
    action: &Action,
    scenario: &Scenario,
    flow: Option<&FlowCast>,
    world: &World,
    path: &str,
) -> Result<Control, FieldError> {
    let id = |name: &str| consumer_id(scenario, name, path);
    Ok(match action {
        Action::StopConsumer { consumer } => Control::StopConsumer(id(consumer)?),
        Action::StartConsumer { consumer } => Control::StartConsumer(id(consumer)?),
        Action::CrashConsumer { consumer } => Control::CrashConsumer(id(consumer)?),
        Action::StopProducer { producer } => {
            Control::StopProducer(producer_id(scenario, producer, path)?)
        }
        Action::StartProducer { producer } => {
            Control::StartProducer(producer_id(scenario, producer, path)?)
        }
        Action::RestartBroker => Control::RestartBroker,
        Action::ReplayProjection { projection } => {
            Control::ReplayProjection(projection_index(scenario, projection, path)?)
        }
        other => crate::sim::flow::build::control(other, flow, world, path)?,
    })
}
