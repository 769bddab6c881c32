//! Redeclaration equivalence, as RabbitMQ checks it: for a queue, exclusive ownership first
//! (405), then `durable`, `auto_delete` and the `declare_args` keys in order; for an exchange,
//! type, flags and `alternate-exchange`. Other arguments are not compared. The words are
//! RabbitMQ's: a value set on one side only is "the value 'x' of type 'longstr'", two different
//! values are printed bare.

use crate::error::{BrokerError, Kind};
use crate::topology::{ExchangeDecl, QueueDecl, Topology};
use crate::value::{Table, Value};

impl Topology {
    /// `exchange.declare` of an existing exchange: type, flags, then `alternate-exchange`.
    pub(super) fn check_equivalent_exchange(
        &self,
        current: &ExchangeDecl,
        new: &ExchangeDecl,
    ) -> Result<(), BrokerError> {
        let error = |field: &str, received: String, current: String| BrokerError::Inequivalent {
            kind: Kind::Exchange,
            name: new.name.clone(),
            vhost: self.vhost.clone(),
            field: field.to_owned(),
            received,
            current,
        };
        if current.kind != new.kind {
            let (a, b) = (new.kind, current.kind);
            return Err(error("type", format!("'{a}'"), format!("'{b}'")));
        }
        for (field, a, b) in [
            ("durable", new.durable, current.durable),
            ("auto_delete", new.auto_delete, current.auto_delete),
            ("internal", new.internal, current.internal),
        ] {
            if a != b {
                return Err(error(field, format!("'{a}'"), format!("'{b}'")));
            }
        }
        check_equivalent_args(
            &current.arguments,
            &new.arguments,
            &EXCHANGE_EQUIVALENCE_KEYS,
        )
        .map_err(|(f, r, c)| error(&f, r, c))
    }

    pub(super) fn check_equivalent_queue(
        &self,
        current: &QueueDecl,
        new: &QueueDecl,
    ) -> Result<(), BrokerError> {
        let error = |field: &str, received: String, current: String| BrokerError::Inequivalent {
            kind: Kind::Queue,
            name: new.name.clone(),
            vhost: self.vhost.clone(),
            field: field.to_owned(),
            received,
            current,
        };
        // RabbitMQ checks exclusive ownership first (`check_exclusive_access`, strict): with a
        // single connection, a different `exclusive` flag is a different owner.
        if new.exclusive != current.exclusive {
            return Err(BrokerError::ExclusiveQueueLocked {
                queue: new.name.clone(),
                vhost: self.vhost.clone(),
            });
        }
        for (field, a, b) in [
            ("durable", new.durable, current.durable),
            ("auto_delete", new.auto_delete, current.auto_delete),
        ] {
            if a != b {
                return Err(error(field, format!("'{a}'"), format!("'{b}'")));
            }
        }
        check_equivalent_args(&current.arguments, &new.arguments, &QUEUE_EQUIVALENCE_KEYS)
            .map_err(|(f, r, c)| error(&f, r, c))
    }
}

/// The queue arguments `queue.declare` compares on a redeclare, in RabbitMQ's order
/// (`rabbit_amqqueue:declare_args/0`); any other argument is not compared.
pub const QUEUE_EQUIVALENCE_KEYS: [&str; 19] = [
    "x-expires",
    "x-message-ttl",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-in-memory-length",
    "x-max-in-memory-bytes",
    "x-max-priority",
    "x-overflow",
    "x-queue-mode",
    "x-single-active-consumer",
    "x-queue-type",
    "x-quorum-initial-group-size",
    "x-max-age",
    "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size",
    "x-queue-leader-locator",
    "x-delivery-limit",
];

/// The only exchange argument `exchange.declare` compares on a redeclare.
pub const EXCHANGE_EQUIVALENCE_KEYS: [&str; 1] = ["alternate-exchange"];

/// Compares the declaration arguments named by `keys`, in that order, as RabbitMQ's
/// `assert_args_equivalence` does; on a difference gives (argument, received, current) in
/// RabbitMQ's words (a string value unquoted, as `~ts` prints a binary).
fn check_equivalent_args(
    current: &Table,
    new: &Table,
    keys: &[&str],
) -> Result<(), (String, String, String)> {
    let describe = |v: Option<&Value>| match v {
        Some(Value::Str(s)) => format!("the value '{s}' of type 'longstr'"),
        Some(Value::Binary(b)) => {
            format!(
                "the value '{}' of type 'binary'",
                String::from_utf8_lossy(b)
            )
        }
        Some(v) => format!("the value '{}' of type '{}'", v.to_json(), v.type_name()),
        None => "none".to_owned(),
    };
    // Both set but different: RabbitMQ compares the values (`assert_field_equivalence`) and
    // prints them bare: received '0' but current is '3600000'.
    let bare = |v: &Value| match v {
        Value::Str(s) => format!("'{s}'"),
        Value::Binary(b) => format!("'{}'", String::from_utf8_lossy(b)),
        v => format!("'{}'", v.to_json()),
    };
    // An absent x-queue-type is a classic queue's.
    let classic = Value::Str("classic".to_owned());
    let get = |table: &Table, name: &str| -> Option<Value> {
        match table.get(name) {
            None if name == "x-queue-type" => Some(classic.clone()),
            value => value.cloned(),
        }
    };
    for name in keys {
        if get(new, name) == get(current, name) {
            continue;
        }
        // The words use the values as declared (an absent type is "none").
        match (new.get(name), current.get(name)) {
            (Some(a), Some(b)) => return Err(((*name).to_owned(), bare(a), bare(b))),
            (a, b) => return Err(((*name).to_owned(), describe(a), describe(b))),
        }
    }
    Ok(())
}
