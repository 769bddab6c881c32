//! The simulation engine: a discrete-event clock in virtual time (µs) driving the broker with
//! producers and consumers, deterministic for a scenario and seed (same scenario + seed ⇒ same
//! trace, byte for byte), with failure injection, a bounded trace for the animation, metrics,
//! step back and seek. No wall clock, no global randomness, no threads.
//!
//! Invariants: events at equal times run in the order they were scheduled; a seek restores a
//! checkpoint and re-simulates, and re-simulation records exactly what the first run recorded
//! (debug builds assert it); the broker is only driven through its public API.
//!
//! # Layout
//! - [`scheduler`]: the event queue and clock (`SimTime`); equal times keep insertion order;
//!   the past is a typed error.
//! - [`rng`]: the seeded generator and duration distributions.
//! - [`scenario`]: the versioned scenario file (topology as RabbitMQ definitions, actors,
//!   layout, script, lesson) with path-named errors.
//! - [`world`]: the nodes an edge joins (producers, exchanges, queues, consumers, the event
//!   store and its projections) by id.
//! - [`actor`]: producers' and consumers' run-time state and decisions; beside it, private,
//!   `added`: actors added while the scenario runs (on demand, or by a script step).
//! - [`flow`]: business flows (the scenario's `"flow"`): one flow run as orchestration
//!   (synchronous calls) or choreography (events through a built exchange), sagas with
//!   compensation, the circuit breaker, service take down / bring back, and the comparison of
//!   both styles on the same seed.
//! - [`engine`]: [`Simulation`]: `step`, `run_until`, `advance_by`, `run_steps`. Beside it,
//!   private: `seek` (`seek`, `seek_step`, `step_back`, `inject`), `handle` (each event),
//!   `control` (failures, consumer control, exchange retype), `observe` (broker events into trace and
//!   metrics), `hops` (exchange-to-exchange hops), `summary` (the metrics as JSON),
//!   `reshape` (runtime topology changes: `declare` and `unbind` script steps), `reply` (what
//!   consumers publish: RPC replies and parked retries; RPC round trips; TTL wake-ups),
//!   `sourcing` (writers appending to the event store, projections, replay).
//! - [`cloudevents`]: CloudEvents 1.0 bodies (structured mode) with RFC 3339 virtual times.
//! - [`event_store`]: append-only versioned streams with optimistic concurrency, and the
//!   projections' fold.
//! - [`histogram`]: log-bucketed durations (the RPC round trips).
//! - [`trace`]: the ring buffer of [`TraceEvent`]s, what is in flight at a frame, and the
//!   lifecycle query.
//! - [`metrics`]: counters, rates, latency percentiles and the samples for charts.
//! - [`inspect`]: a consumer's status and deliveries in hand, a node's recent message rates,
//!   for the inspector.
//! - [`messages`]: what each message was published with (properties, headers, `x-death` of
//!   dead letters), bounded, for the inspector.
//! - [`checkpoint`]: saved states for seek and step back, with bounded memory.
//! - [`timeline`]: the bounded record with a cursor that the trace and series are kept in.

pub mod actor;
mod added;
pub mod checkpoint;
pub mod cloudevents;
mod control;
pub mod edits;
pub mod engine;
pub mod event_store;
pub mod flow;
mod handle;
pub mod histogram;
mod hops;
pub mod inspect;
pub mod messages;
pub mod metrics;
mod observe;
mod reply;
mod reshape;
pub mod rng;
pub mod scenario;
pub mod scheduler;
mod seek;
mod sourcing;
mod summary;
pub mod timeline;
pub mod trace;
pub mod world;

pub use actor::{ConsumerId, ProducerId};
pub use edits::Edit;
pub use engine::{Control, Options, Simulation};
pub use inspect::{ConsumerView, Rates};
pub use messages::{MessageInfo, Origin};
pub use scenario::Scenario;
pub use scheduler::{ScheduleError, Scheduler, SimTime};
pub use trace::{Edge, Trace, TraceEvent, TraceKind};
pub use world::{NodeId, NodeKind, World};
