//! Event sourcing in the simulation: consumers that append what they process to an event-store
//! stream (expecting the version they read when they started on the message: a conflict is
//! traced and sends the message back with a nack and requeue), projections that read the
//! stream every so often from their position and fold it into state (a projection that starts
//! late catches up from version 0), and the script's `replay_projection`, which resets one to
//! version 0 so it rebuilds its state by replaying. The store and the projections' state live
//! in the engine's `State`, so checkpoints and seeks restore them.

use crate::broker::{DEFAULT_VHOST, Settle};
use crate::fields::FieldError;
use crate::queue::entry::MessageView;
use crate::sim::actor::ConsumerId;
use crate::sim::actor::consumer::Outcome;
use crate::sim::engine::Simulation;
use crate::sim::event_store::{AppendError, EventStore, ProjectionState};
use crate::sim::handle::SimEvent;
use crate::sim::scenario::Scenario;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::{Edge, TraceKind};
use crate::sim::world::{NodeId, NodeKind, World};
use serde_json::{Value as Json, json};

/// A hop that takes no time.
fn instant((from, to, t): (NodeId, NodeId, SimTime)) -> Edge {
    Edge {
        from,
        to,
        depart: t,
        arrive: t,
    }
}

/// The event store's node (when consumers append or projections read) and the projections'.
pub(crate) fn cast_sourcing(
    scenario: &Scenario,
    world: &mut World,
) -> (Option<NodeId>, Vec<NodeId>) {
    let used = !scenario.projections.is_empty()
        || scenario.consumers.iter().any(|c| c.append_to.is_some());
    let store = used.then(|| world.add(NodeKind::Store, DEFAULT_VHOST, "event store"));
    let projections = scenario
        .projections
        .iter()
        .map(|p| world.add(NodeKind::Projection, DEFAULT_VHOST, &p.name))
        .collect();
    (store, projections)
}

/// The index of the projection a script step names.
pub(crate) fn projection_index(
    scenario: &Scenario,
    name: &str,
    path: &str,
) -> Result<u32, FieldError> {
    let names = scenario.projections.iter().map(|p| p.name.as_str());
    crate::sim::engine::index_named(names, name, path, "projection")
}

impl Simulation {
    pub fn event_store(&self) -> &EventStore {
        &self.state.patterns.store
    }

    /// The event store's node, the consumers that append to it and the projections that read
    /// it (what a drawing links it to); `None` without a store.
    pub fn sourcing_nodes(&self) -> Option<(NodeId, Vec<NodeId>, &[NodeId])> {
        let store = self.cast.store?;
        let writers = (self.scenario.consumers.iter().zip(&self.cast.consumers))
            .filter(|(spec, _)| spec.append_to.is_some())
            .map(|(_, &node)| node)
            .collect();
        Some((store, writers, &self.cast.projections))
    }

    /// A projection's state by name.
    pub fn projection_state(&self, name: &str) -> Option<&ProjectionState> {
        let i = self
            .scenario
            .projections
            .iter()
            .position(|p| p.name == name)?;
        self.state.patterns.projections.get(i)
    }

    /// A writer starts handling a message: like a command handler loading its aggregate, it
    /// reads the version of its stream, which its append will expect.
    pub(crate) fn load_stream(&mut self, consumer: ConsumerId) {
        let Some(stream) = self
            .scenario
            .consumers
            .get(consumer.0 as usize)
            .and_then(|s| s.append_to.as_ref())
        else {
            return;
        };
        let version = self.state.patterns.store.version(stream);
        self.state
            .patterns
            .known_versions
            .insert((consumer.0, stream.clone()), version);
    }

    /// Appends a processed message to the consumer's stream with the version read when its
    /// processing started; a conflict (the other writer appended meanwhile) turns an ack into
    /// a nack with requeue: the message will be handled again, on the new version.
    pub(crate) fn append(
        &mut self,
        t: SimTime,
        consumer: ConsumerId,
        content: &MessageView,
        outcome: Outcome,
    ) -> Outcome {
        let Some(stream) = self
            .scenario
            .consumers
            .get(consumer.0 as usize)
            .and_then(|s| s.append_to.clone())
        else {
            return outcome;
        };
        let key = (consumer.0, stream.clone());
        let expected = self
            .state
            .patterns
            .known_versions
            .get(&key)
            .copied()
            .unwrap_or(0);
        let kind = content
            .properties
            .kind
            .clone()
            .unwrap_or_else(|| content.routing_key.to_string());
        let result =
            self.state
                .patterns
                .store
                .append(&stream, expected, &kind, content.body.clone(), t.0);
        let from = self.consumer_at(consumer);
        let message = Some(content.message);
        match result {
            Ok(version) => {
                let edge = from.zip(self.cast.store).map(|(from, to)| (from, to, t));
                let kind = TraceKind::Appended { version };
                self.trace.record(t, kind, message, edge.map(instant), None);
                outcome
            }
            Err(AppendError::Conflict { .. }) => {
                self.trace
                    .record(t, TraceKind::AppendConflict, message, None, from);
                match outcome {
                    Outcome::Settle(Settle::Ack) => Outcome::Settle(Settle::Nack { requeue: true }),
                    other => other,
                }
            }
            Err(AppendError::Full) => {
                self.trace
                    .record(t, TraceKind::Refused, message, None, from);
                outcome
            }
        }
    }

    /// Projection `i` reads what was appended since its position, folds it in, and comes back
    /// after its interval.
    pub(crate) fn project(&mut self, t: SimTime, i: u32) {
        let Some(spec) = self.scenario.projections.get(i as usize) else {
            return;
        };
        let Some(state) = self.state.patterns.projections.get_mut(i as usize) else {
            return;
        };
        let from = state.position;
        let events = self
            .state
            .patterns
            .store
            .read(&spec.stream, from, spec.batch as usize);
        for event in events {
            state.apply(event, spec.sum.as_deref());
        }
        let read = u32::try_from(events.len()).unwrap_or(u32::MAX);
        if read > 0 {
            let node = self.cast.projections.get(i as usize).copied();
            let edge = self
                .cast
                .store
                .zip(node)
                .map(|(from, to)| instant((from, to, t)));
            let kind = TraceKind::ProjectionRead { from, events: read };
            self.trace.record(t, kind, None, edge, None);
        }
        self.state
            .sched
            .schedule_in(spec.every, SimEvent::Project(i));
    }

    /// Resets projection `i` to version 0: its next reads rebuild its state from the start.
    pub(crate) fn replay_projection(&mut self, t: SimTime, i: u32) {
        if let Some(state) = self.state.patterns.projections.get_mut(i as usize) {
            *state = ProjectionState::default();
            let node = self.cast.projections.get(i as usize).copied();
            self.trace
                .record(t, TraceKind::ProjectionReplay, None, None, node);
        }
    }

    /// The event store and the projections for the summary (`None` when the scenario has
    /// neither writers nor projections).
    pub(crate) fn sourcing_json(&self) -> Option<Json> {
        self.cast.store?;
        let streams = crate::order::map(
            self.state
                .patterns
                .store
                .streams()
                .map(|(name, version)| (name.to_owned(), json!(version))),
        );
        let projections = crate::order::map(
            self.scenario
                .projections
                .iter()
                .zip(&self.state.patterns.projections)
                .map(|(spec, state)| (spec.name.clone(), state.to_json())),
        );
        Some(
            json!({"streams": streams, "appended": self.state.patterns.store.appended(),
            "conflicts": self.state.patterns.store.conflicts(), "projections": projections}),
        )
    }
}
