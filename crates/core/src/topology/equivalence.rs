//! Redeclaration equivalence, as RabbitMQ checks it: for a queue, exclusive ownership first
//! (405), then `durable`, `auto_delete` and the arguments the queue's type owns, in its order
//! ([`arguments::owned`]); for an exchange,
//! type, flags and `alternate-exchange`. Other arguments are not compared. The words are
//! RabbitMQ's: a value set on one side only is "the value 'x' of type 'longstr'", two different
//! values are printed bare.

use crate::error::{BrokerError, Kind};
use crate::order::json_text;
use crate::profile::Profile;
use crate::queue::arguments;
use crate::queue::config::QueueKind;
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
        profile: Profile,
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
        // The existing queue's type decides which arguments count, in its order.
        let keys = arguments::owned(profile, QueueKind::of(&current.arguments));
        check_equivalent_args(&current.arguments, &new.arguments, &keys)
            .map_err(|(f, r, c)| error(&f, r, c))
    }
}

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
        Some(v) => format!(
            "the value '{}' of type '{}'",
            json_text(&v.to_json()),
            v.type_name()
        ),
        None => "none".to_owned(),
    };
    // Both set but different: RabbitMQ compares the values (`assert_field_equivalence`) and
    // prints them bare: received '0' but current is '3600000'.
    let bare = |v: &Value| match v {
        Value::Str(s) => format!("'{s}'"),
        Value::Binary(b) => format!("'{}'", String::from_utf8_lossy(b)),
        v => format!("'{}'", json_text(&v.to_json())),
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

#[cfg(test)]
mod tests {
    use crate::broker::Broker;
    use crate::profile::Profile;
    use crate::topology::QueueDecl;
    use crate::value::Table;

    fn declare(broker: &mut Broker, args: serde_json::Value) -> String {
        let mut decl = QueueDecl::new("q");
        decl.durable = true;
        decl.arguments = Table::from_json(&args).unwrap();
        match broker.declare_queue("/", decl) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.reply_text(),
        }
    }

    /// A redeclare compares the arguments the existing queue's type owns, in that type's order
    /// (rabbit_amqqueue:assert_args_equivalence/2 with its `queue_arguments`).
    #[test]
    fn a_redeclare_compares_the_arguments_of_the_queue_type_in_its_order() {
        use serde_json::json;
        let inequivalent = |arg: &str, received: &str, current: &str| {
            format!(
                "PRECONDITION_FAILED - inequivalent arg '{arg}' for queue 'q' in vhost '/': \
                 received {received} but current is {current}"
            )
        };
        for profile in Profile::ALL {
            let mut b = Broker::new(profile);
            let quorum = json!({"x-queue-type": "quorum", "x-overflow": "reject-publish",
                "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once",
                "x-expires": 60000});
            assert_eq!(declare(&mut b, quorum.clone()), "ok");
            assert_eq!(declare(&mut b, quorum), "ok");
            // The strategy is a quorum queue's argument: compared.
            let other = json!({"x-queue-type": "quorum", "x-overflow": "reject-publish",
                "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-most-once",
                "x-expires": 1000});
            // Quorum order: the dead-letter arguments come before x-expires.
            assert_eq!(
                declare(&mut b, other),
                inequivalent(
                    "x-dead-letter-strategy",
                    "'at-most-once'",
                    "'at-least-once'"
                ),
                "{profile}"
            );
            // A classic queue does not compare what it does not own.
            let mut b = Broker::new(profile);
            assert_eq!(declare(&mut b, json!({"x-max-priority": 5})), "ok");
            assert_eq!(
                declare(&mut b, json!({"x-max-priority": 5, "x-delivery-limit": 3})),
                "ok"
            );
            assert_eq!(
                declare(&mut b, json!({"x-max-priority": 4})),
                inequivalent("x-max-priority", "'4'", "'5'"),
            );
        }
    }
}
