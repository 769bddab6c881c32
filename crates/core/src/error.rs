//! What a caller did wrong, as the channel or connection error a real RabbitMQ would answer with.
//! Each variant carries the data that names the problem; `code()` and `Display` give RabbitMQ's
//! reply code and reply text. Domain outcomes (returned, dropped, expired, ...) are *not* errors:
//! they are events.

use std::fmt;

/// AMQP 0-9-1 reply codes used by the broker model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyCode {
    AccessRefused = 403,
    NotFound = 404,
    ResourceLocked = 405,
    PreconditionFailed = 406,
    /// A connection error.
    NotAllowed = 530,
    /// A connection error.
    NotImplemented = 540,
}

impl ReplyCode {
    pub fn number(self) -> u16 {
        self as u16
    }

    /// 5xx codes close the whole connection, not just the channel.
    pub fn is_connection_error(self) -> bool {
        self.number() >= 500
    }

    pub fn name(self) -> &'static str {
        match self {
            ReplyCode::AccessRefused => "ACCESS_REFUSED",
            ReplyCode::NotFound => "NOT_FOUND",
            ReplyCode::ResourceLocked => "RESOURCE_LOCKED",
            ReplyCode::PreconditionFailed => "PRECONDITION_FAILED",
            ReplyCode::NotAllowed => "NOT_ALLOWED",
            ReplyCode::NotImplemented => "NOT_IMPLEMENTED",
        }
    }
}

/// Which kind of thing an error is about, for "no exchange 'x' in vhost '/'".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exchange,
    Queue,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Exchange => "exchange",
            Kind::Queue => "queue",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BrokerError {
    UnknownVhost {
        vhost: String,
    },
    NotFound {
        kind: Kind,
        name: String,
        vhost: String,
    },
    InternalExchange {
        name: String,
        vhost: String,
    },
    DefaultExchangeBinding,
    /// `exchange.delete` of an `amq.` exchange.
    SystemExchangeDeletion {
        name: String,
        vhost: String,
    },
    ReservedName {
        kind: Kind,
        name: String,
    },
    Inequivalent {
        kind: Kind,
        name: String,
        vhost: String,
        field: String,
        received: String,
        current: String,
    },
    /// A longstr `x-match` that is not a mode; `value` as an Erlang term (`<<"none">>`).
    InvalidXMatch {
        value: String,
    },
    /// An `x-match` that is not a longstr.
    InvalidXMatchType {
        type_name: &'static str,
        value: String,
    },
    /// An argument's validator refused it; `reason` is RabbitMQ's term (`{value_negative,-1}`).
    InvalidArgument {
        kind: Kind,
        name: String,
        vhost: String,
        argument: String,
        reason: String,
    },
    /// A queue argument that only another queue type owns (`x-max-priority` on a quorum queue).
    ArgumentOfAnotherQueueType {
        name: String,
        vhost: String,
        argument: String,
        /// RabbitMQ's module name for the queue's type (`rabbit_quorum_queue`).
        queue_type: &'static str,
    },
    /// An argument naming an exchange is not a string.
    InvalidArgumentType {
        kind: Kind,
        name: String,
        vhost: String,
        argument: String,
        type_name: &'static str,
    },
    /// A quorum queue declared auto-delete, exclusive or non-durable.
    InvalidProperty {
        name: String,
        vhost: String,
        property: &'static str,
    },
    /// `reason` as RabbitMQ's term: `no_integer`, `{value_negative,-1}`, `{value_too_large,N}`.
    InvalidExpiration {
        value: String,
        reason: String,
    },
    /// A `CC` / `BCC` header that is not an array; `type_name` is its AMQP type.
    InvalidRoutingHeader {
        header: &'static str,
        type_name: &'static str,
    },
    KeyTooLong {
        key_kind: &'static str,
        length: usize,
    },
    TooManyHashWords {
        key: String,
        given: usize,
        limit: usize,
    },
    ImmediateNotImplemented,
    InUse {
        kind: Kind,
        name: String,
        vhost: String,
    },
    ExclusiveConsumerUnavailable {
        queue: String,
        vhost: String,
    },
    ExclusiveQueueLocked {
        queue: String,
        vhost: String,
    },
    /// `basic.get` on a quorum queue with single active consumer.
    GetUnsupported {
        queue: String,
        vhost: String,
    },
    UnknownDeliveryTag {
        tag: u64,
    },
    UnknownConsumerTag {
        tag: String,
    },
    ConsumerTagInUse {
        tag: String,
    },
    /// The `user_id` property names another user than the authenticated one.
    UserIdMismatch {
        user_id: String,
        user: String,
    },
    /// Virtual time was asked to go back: `now` is before the broker's `current` time.
    TimeInPast {
        now: u64,
        current: u64,
    },
}

impl BrokerError {
    pub fn code(&self) -> ReplyCode {
        use BrokerError::*;
        match self {
            UnknownVhost { .. } | NotFound { .. } => ReplyCode::NotFound,
            InternalExchange { .. }
            | DefaultExchangeBinding
            | SystemExchangeDeletion { .. }
            | ReservedName { .. }
            | ExclusiveConsumerUnavailable { .. } => ReplyCode::AccessRefused,
            ExclusiveQueueLocked { .. } | GetUnsupported { .. } => ReplyCode::ResourceLocked,
            ImmediateNotImplemented => ReplyCode::NotImplemented,
            Inequivalent { .. }
            | InvalidXMatch { .. }
            | InvalidXMatchType { .. }
            | InvalidArgument { .. }
            | ArgumentOfAnotherQueueType { .. }
            | InvalidArgumentType { .. }
            | InvalidProperty { .. }
            | InvalidExpiration { .. }
            | InvalidRoutingHeader { .. }
            | KeyTooLong { .. }
            | TooManyHashWords { .. }
            | InUse { .. }
            | UnknownDeliveryTag { .. }
            | UnknownConsumerTag { .. }
            | UserIdMismatch { .. }
            | TimeInPast { .. } => ReplyCode::PreconditionFailed,
            ConsumerTagInUse { .. } => ReplyCode::NotAllowed,
        }
    }

    /// The reply text as RabbitMQ words it: `NOT_FOUND - no exchange 'x' in vhost '/'`.
    pub fn reply_text(&self) -> String {
        format!("{} - {}", self.code().name(), self)
    }
}

impl fmt::Display for BrokerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BrokerError::*;
        match self {
            UnknownVhost { vhost } => write!(f, "no vhost '{vhost}'"),
            NotFound { kind, name, vhost } => write!(f, "no {kind} '{name}' in vhost '{vhost}'"),
            InternalExchange { name, vhost } => {
                write!(
                    f,
                    "cannot publish to internal exchange '{name}' in vhost '{vhost}'"
                )
            }
            DefaultExchangeBinding => write!(f, "operation not permitted on the default exchange"),
            SystemExchangeDeletion { name, vhost } => write!(
                f,
                "deletion of system exchange '{name}' in vhost '{vhost}' not allowed"
            ),
            ReservedName { kind, name } => {
                write!(f, "{kind} name '{name}' contains reserved prefix 'amq.*'")
            }
            Inequivalent {
                kind,
                name,
                vhost,
                field,
                received,
                current,
            } => write!(
                f,
                "inequivalent arg '{field}' for {kind} '{name}' in vhost '{vhost}': received {received} but current is {current}"
            ),
            InvalidXMatch { value } => write!(
                f,
                "Invalid x-match field value {value}; expected all, any, all-with-x, or any-with-x"
            ),
            InvalidXMatchType { type_name, value } => write!(
                f,
                "Invalid x-match field type {type_name} (value {value}); expected longstr"
            ),
            InvalidArgument {
                kind,
                name,
                vhost,
                argument,
                reason,
            } => write!(
                f,
                "invalid arg '{argument}' for {kind} '{name}' in vhost '{vhost}': {reason}"
            ),
            ArgumentOfAnotherQueueType {
                name,
                vhost,
                argument,
                queue_type,
            } => write!(
                f,
                "invalid arg '{argument}' for queue '{name}' in vhost '{vhost}' of queue type {queue_type}"
            ),
            InvalidArgumentType {
                kind,
                name,
                vhost,
                argument,
                type_name,
            } => write!(
                f,
                "invalid type '{type_name}' for arg '{argument}' in {kind} '{name}' in vhost '{vhost}'"
            ),
            InvalidProperty {
                name,
                vhost,
                property,
            } => write!(
                f,
                "invalid property '{property}' for queue '{name}' in vhost '{vhost}'"
            ),
            InvalidExpiration { value, reason } => {
                write!(f, "invalid expiration '{value}': {reason}")
            }
            InvalidRoutingHeader { header, type_name } => write!(
                f,
                "invalid message: {{unacceptable_type_in_header,\"{header}\",{type_name}}}"
            ),
            KeyTooLong { key_kind, length } => {
                write!(
                    f,
                    "{key_kind} is {length} bytes long; AMQP allows at most 255"
                )
            }
            TooManyHashWords { key, given, limit } => write!(
                f,
                "binding key '{key}' has {given} '#' words; at most {limit} are allowed"
            ),
            ImmediateNotImplemented => write!(f, "immediate=true"),
            InUse { kind, name, vhost } => write!(f, "{kind} '{name}' in vhost '{vhost}' in use"),
            ExclusiveConsumerUnavailable { queue, vhost } => {
                write!(f, "queue '{queue}' in vhost '{vhost}' in exclusive use")
            }
            ExclusiveQueueLocked { queue, vhost } => write!(
                f,
                "cannot obtain exclusive access to locked queue '{queue}' in vhost '{vhost}'. \
                 It could be originally declared on another connection or the exclusive property \
                 value does not match that of the original declaration."
            ),
            GetUnsupported { queue, vhost } => write!(
                f,
                "cannot obtain access to locked queue '{queue}' in vhost '{vhost}'. \
                 basic.get operations are not supported by quorum queues with single active consumer"
            ),
            UnknownDeliveryTag { tag } => write!(f, "unknown delivery tag {tag}"),
            UnknownConsumerTag { tag } => write!(f, "unknown consumer tag '{tag}'"),
            ConsumerTagInUse { tag } => write!(f, "attempt to reuse consumer tag '{tag}'"),
            UserIdMismatch { user_id, user } => write!(
                f,
                "user_id property set to '{user_id}' but authenticated user was '{user}'"
            ),
            TimeInPast { now, current } => write!(
                f,
                "virtual time {now} ms is before the broker's current time {current} ms"
            ),
        }
    }
}

impl std::error::Error for BrokerError {}
