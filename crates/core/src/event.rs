//! Every state change of the broker as a value: the stream the simulation engine records and the
//! animation draws. Events name things by vhost and name and carry the message id, never a
//! reference into broker state.

use crate::topology::Destination;

/// Identifies one publish; every queue's copy of it shares the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// A publisher confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Ack,
    Nack,
}

impl Confirm {
    pub fn name(self) -> &'static str {
        match self {
            Confirm::Ack => "ack",
            Confirm::Nack => "nack",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    ExchangeDeclared {
        vhost: String,
        exchange: String,
    },
    ExchangeDeleted {
        vhost: String,
        exchange: String,
        auto_deleted: bool,
    },
    QueueDeclared {
        vhost: String,
        queue: String,
    },
    QueueDeleted {
        vhost: String,
        queue: String,
    },
    Bound {
        vhost: String,
        source: String,
        destination: Destination,
        routing_key: String,
    },
    Unbound {
        vhost: String,
        source: String,
        destination: Destination,
        routing_key: String,
    },
    Published {
        message: MessageId,
        vhost: String,
        exchange: String,
        routing_key: String,
    },
    /// The queues that accepted a copy (sorted by name).
    Routed {
        message: MessageId,
        queues: Vec<String>,
    },
    /// Unroutable and mandatory: `basic.return` with 312 NO_ROUTE.
    Returned {
        message: MessageId,
    },
    /// Unroutable and not mandatory.
    Unroutable {
        message: MessageId,
    },
    Confirmed {
        message: MessageId,
        confirm: Confirm,
    },
}
