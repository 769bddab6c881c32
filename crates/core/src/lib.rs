//! Switchyard's pure core: a broker model with RabbitMQ's semantics, route explanations and the
//! RabbitMQ definitions format. No web dependencies, no clock, no global randomness: time is an
//! argument and every outcome is a value.
//!
//! # Layout
//! - [`value`]: AMQP field values and tables, their JSON mapping, and RabbitMQ's header equality.
//! - [`profile`]: which RabbitMQ release to imitate where releases differ.
//! - [`error`]: what a caller did wrong, as RabbitMQ's reply code and text.
//! - [`exchange`]: one module per exchange type behind the [`exchange::Matcher`] contract.

pub mod error;
pub mod exchange;
pub mod profile;
pub mod value;

pub use error::{BrokerError, ReplyCode};
pub use exchange::ExchangeType;
pub use profile::Profile;
pub use value::{Table, Value};
