//! The actors' run-time state: producers (when the next message goes out, what its routing key
//! and headers are) and consumers (channel, local buffer of deliveries, busy time, up or down).
//! Each actor draws from its own random stream, so adding one actor does not change the
//! others' draws. Actors never touch the broker: the engine does, with what they decide.

pub mod consumer;
pub mod producer;

/// Index of a producer in the scenario's `actors.producers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProducerId(pub u32);

/// Index of a consumer in the scenario's `actors.consumers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsumerId(pub u32);
