//! Switchyard's pure core: a broker model with RabbitMQ's semantics, route explanations and the
//! RabbitMQ definitions format. No web dependencies, no clock, no global randomness: time is an
//! argument and every outcome is a value.
//!
//! # Layout
//! - [`value`]: AMQP field values and tables, their JSON mapping, and RabbitMQ's header equality.
//! - [`profile`]: which RabbitMQ release to imitate where releases differ.
//! - [`error`]: what a caller did wrong, as RabbitMQ's reply code and text.
//! - [`message`]: a publish, its properties, and the checks on the message itself.
//! - [`exchange`]: one module per exchange type behind the [`exchange::Matcher`] contract.
//! - [`topology`]: exchanges, queues and bindings of one vhost, with declaration rules.
//! - [`policy`]: policies and which one applies.
//! - [`route`]: the route walk (e2e bindings, alternate exchanges, one copy per queue).
//! - [`explain`]: why a message went where it went, as data and as text.
//! - [`shown`]: user text as explanations show it, with invisible characters escaped.
//! - [`queue`]: what happens to a message after routing, per queue: ordering, TTL, length
//!   limits, requeue, dead letters (`x-death`; at-least-once ones held until confirmed),
//!   priorities, consumers and delivery limits.
//! - [`channel`]: delivery tags and the unsettled deliveries of each channel.
//! - [`event`]: every state change as a value, and the broker's compact records of them.
//! - [`broker`]: vhosts, publishing (with the routes of repeated publishes remembered until the
//!   topology or the policies change), consuming, acknowledging, virtual time and restart, an
//!   exchange's type changed in place, and the event log, over all of the above.
//! - [`fields`]: reading JSON inputs with errors that name the field.
//! - [`order`]: one shared sort, for the size of the browser bundle.
//! - [`decimal`]: numbers with a fixed count of decimals, without the float printer.
//! - [`definitions`]: RabbitMQ definitions files in and out.
//! - `vec_map`: small maps as sorted vectors, for the size of the browser bundle; `name_map`:
//!   the maps a file can make large (a vhost's exchanges and queues), one B-tree of names for all.
//! - [`sim`]: the simulation engine: virtual time, producers and consumers, failures, the
//!   trace the animation reads, metrics, step back and seek, scenario files; business flows
//!   run as orchestration or choreography (sagas, circuit breaker, the comparison); and the
//!   patterns built on the broker (runtime topology changes, RPC, retry with backoff,
//!   CloudEvents, an event store with projections).

pub mod broker;
pub mod channel;
pub mod decimal;
pub mod definitions;
pub mod error;
pub mod event;
pub mod exchange;
pub mod explain;
pub mod fields;
pub mod message;
mod name_map;
pub mod order;
pub mod policy;
pub mod profile;
pub mod queue;
pub mod route;
pub mod shown;
pub mod sim;
pub mod topology;
pub mod value;
mod vec_map;

pub use broker::{Broker, DEFAULT_VHOST, GetOk, PublishOutcome, Settle};
pub use channel::ChannelId;
pub use error::{BrokerError, ReplyCode};
pub use event::{Confirm, Event, MessageId, Name};
pub use exchange::ExchangeType;
pub use explain::RouteExplanation;
pub use message::{Properties, Publish};
pub use profile::Profile;
pub use queue::consumer::ConsumeOptions;
pub use queue::death::DeathReason;
pub use queue::entry::{Delivery, MessageView};
pub use topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};
pub use value::{Table, Value};
