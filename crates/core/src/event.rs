//! Every state change of the broker as a value: the stream the simulation engine records and the
//! animation draws. Events name things by vhost and name and carry the message id, never a
//! reference into broker state.

pub use crate::channel::ChannelId;
use crate::queue::death::DeathReason;
use crate::queue::entry::Delivery;
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
    /// A queue accepted a copy (from a publish or a dead letter).
    Enqueued {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// A queue refused a copy on overflow (`reject-publish`, `reject-publish-dlx`): the
    /// publisher gets a nack; other queues keep theirs.
    PublishRejected {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// `basic.deliver` (with a consumer) or `basic.get-ok` (without). With `auto_ack` the copy
    /// is settled as it is sent.
    Delivered {
        vhost: String,
        queue: String,
        channel: ChannelId,
        consumer: Option<String>,
        auto_ack: bool,
        delivery: Box<Delivery>,
    },
    Acked {
        message: MessageId,
        vhost: String,
        queue: String,
        channel: ChannelId,
        delivery_tag: u64,
    },
    /// `basic.nack`; the outcome (requeued, dead-lettered, dropped) follows.
    Nacked {
        message: MessageId,
        vhost: String,
        queue: String,
        channel: ChannelId,
        delivery_tag: u64,
        requeue: bool,
    },
    /// `basic.reject`; the outcome follows.
    Rejected {
        message: MessageId,
        vhost: String,
        queue: String,
        channel: ChannelId,
        delivery_tag: u64,
        requeue: bool,
    },
    /// An unsettled copy went back to its queue (nack/reject with requeue, channel close).
    Requeued {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// A copy reached the head of its queue past its TTL. A dead-lettering may follow.
    Expired {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// `drop-head` removed the copy at the head. A dead-lettering may follow.
    DroppedOnOverflow {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// Quorum queue: a return pushed the copy over `x-delivery-limit`. A dead-lettering may follow.
    DeliveryLimitExceeded {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// A copy that died in `queue` was re-published through `exchange` as `dead_letter`;
    /// `queues` are its targets, `cycles` the targets dropped by the cycle rule.
    DeadLettered {
        message: MessageId,
        vhost: String,
        queue: String,
        reason: DeathReason,
        exchange: String,
        dead_letter: MessageId,
        queues: Vec<String>,
        cycles: Vec<String>,
    },
    /// The dead-letter exchange does not exist: the dead letter is silently dropped.
    DeadLetterDropped {
        message: MessageId,
        vhost: String,
        queue: String,
        reason: DeathReason,
        exchange: String,
    },
    /// A dead letter not routed because one operation already routed
    /// `MAX_DEAD_LETTERS_PER_STEP` of them: a loop RabbitMQ would spin forever (a `rejected`
    /// death in the history disables its cycle rule), stopped by the model.
    DeadLetterLoopStopped {
        message: MessageId,
        vhost: String,
        queue: String,
        reason: DeathReason,
    },
    /// A copy removed by `queue.purge` or with its queue (deletion, expiry, auto-delete), or
    /// returned to a queue that no longer exists.
    Purged {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    ConsumerAdded {
        vhost: String,
        queue: String,
        channel: ChannelId,
        consumer: String,
    },
    ConsumerCancelled {
        vhost: String,
        queue: String,
        channel: ChannelId,
        consumer: String,
    },
    /// `x-expires`: the queue was unused for that long and is deleted.
    QueueExpired {
        vhost: String,
        queue: String,
    },
    /// An auto-delete queue lost its last consumer (or an exclusive queue its connection).
    QueueAutoDeleted {
        vhost: String,
        queue: String,
    },
    /// The broker restarted.
    Restarted,
    /// A copy lost on restart (transient message, or a queue that is not durable).
    LostOnRestart {
        message: MessageId,
        vhost: String,
        queue: String,
    },
    /// A queue that did not survive the restart (not durable, or exclusive).
    QueueLost {
        vhost: String,
        queue: String,
    },
    /// An exchange that did not survive the restart (not durable).
    ExchangeLost {
        vhost: String,
        exchange: String,
    },
}
