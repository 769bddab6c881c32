//! The checks `queue.declare` makes on a new queue's arguments, in RabbitMQ's order and with
//! its words: the dead-letter exchange's type (`rabbit_channel`), the queue type, then the
//! validator of each argument the type owns (`rabbit_amqqueue:declare_args/0`, reasons as
//! Erlang terms such as `{value_negative,-1}`), then an argument only another type owns
//! ([`arguments`]), then a quorum queue's properties. A redeclare is
//! checked for equivalence instead, elsewhere.

use crate::error::{BrokerError, Kind};
use crate::profile::Profile;
use crate::queue::arguments;
use crate::queue::config::{Overflow, QueueKind};
use crate::topology::QueueDecl;
use crate::value::{Table, Value};

/// The largest TTL RabbitMQ's `check_expiry` accepts: ten years in ms.
const MAX_EXPIRY_MS: i64 = crate::message::MAX_EXPIRATION_MS as i64;

type Check = fn(&Value, &Table) -> Result<(), String>;

/// The queue type first (RabbitMQ resolves it before the arguments), then the validators in
/// `declare_args/0` order.
const VALIDATORS: [(&str, Check); 13] = [
    ("x-queue-type", queue_type),
    ("x-expires", expires),
    ("x-message-ttl", message_ttl),
    ("x-dead-letter-exchange", dead_letter_exchange),
    ("x-dead-letter-routing-key", dead_letter_routing_key),
    ("x-dead-letter-strategy", dead_letter_strategy),
    ("x-max-length", non_negative),
    ("x-max-length-bytes", non_negative),
    ("x-max-priority", max_priority),
    ("x-overflow", overflow),
    ("x-queue-mode", queue_mode),
    ("x-single-active-consumer", boolean),
    ("x-delivery-limit", integer),
];

/// Checks a queue about to be created (`vhost` for the error text).
pub fn validate(decl: &QueueDecl, vhost: &str, profile: Profile) -> Result<(), BrokerError> {
    let args = &decl.arguments;
    if let Some(v) = args
        .get("x-dead-letter-exchange")
        .filter(|v| !matches!(v, Value::Str(_)))
    {
        return Err(BrokerError::InvalidArgumentType {
            kind: Kind::Queue,
            name: decl.name.clone(),
            vhost: vhost.to_owned(),
            argument: "x-dead-letter-exchange".to_owned(),
            type_name: v.type_name(),
        });
    }
    let invalid = |key: &str, reason| BrokerError::InvalidArgument {
        kind: Kind::Queue,
        name: decl.name.clone(),
        vhost: vhost.to_owned(),
        argument: key.to_owned(),
        reason,
    };
    // rabbit_amqqueue:check_declare_arguments/2 (v3.10.8 l. 797-804, v4.3.5 l. 903-913).
    let kind = QueueKind::of(args);
    let owned = arguments::owned(profile, kind);
    for (key, check) in VALIDATORS.iter().filter(|(key, _)| owned.contains(key)) {
        if let Some(value) = args.get(key) {
            check(value, args).map_err(|reason| invalid(key, reason))?;
        }
    }
    let mut keys = args.iter().map(|(key, _)| key);
    if let Some(key) = keys.find(|key| arguments::of_another_type(profile, kind, key)) {
        return Err(BrokerError::ArgumentOfAnotherQueueType {
            name: decl.name.clone(),
            vhost: vhost.to_owned(),
            argument: key.to_owned(),
            queue_type: kind.module(),
        });
    }
    if kind == QueueKind::Quorum {
        check_quorum(decl, vhost)?;
    }
    Ok(())
}

/// Quorum queues are never auto-delete or exclusive, always durable.
fn check_quorum(decl: &QueueDecl, vhost: &str) -> Result<(), BrokerError> {
    let property = if decl.auto_delete {
        "auto-delete"
    } else if decl.exclusive {
        "exclusive-owner"
    } else if !decl.durable {
        "non-durable"
    } else {
        return Ok(());
    };
    Err(BrokerError::InvalidProperty {
        name: decl.name.clone(),
        vhost: vhost.to_owned(),
        property,
    })
}

fn unacceptable(value: &Value) -> String {
    format!("{{unacceptable_type,{}}}", value.type_name())
}

fn integer(value: &Value, _: &Table) -> Result<(), String> {
    int(value).map(|_| ())
}

/// `check_int_arg`: RabbitMQ words a wrong type as a string term.
fn int(value: &Value) -> Result<i64, String> {
    value
        .as_i64()
        .ok_or_else(|| format!("\"expected integer, got {}\"", value.type_name()))
}

fn non_negative(value: &Value, _: &Table) -> Result<(), String> {
    match int(value)? {
        n if n < 0 => Err(format!("{{value_negative,{n}}}")),
        _ => Ok(()),
    }
}

/// `rabbit_misc:check_expiry`.
fn expiry(n: i64) -> Result<(), String> {
    if n < 0 {
        Err(format!("{{value_negative,{n}}}"))
    } else if n > MAX_EXPIRY_MS {
        Err(format!("{{value_too_large,{n}}}"))
    } else {
        Ok(())
    }
}

fn expires(value: &Value, _: &Table) -> Result<(), String> {
    match int(value)? {
        0 => Err("{value_zero,0}".to_owned()),
        n => expiry(n),
    }
}

fn message_ttl(value: &Value, _: &Table) -> Result<(), String> {
    expiry(int(value)?)
}

fn dead_letter_exchange(value: &Value, _: &Table) -> Result<(), String> {
    match value {
        Value::Str(_) => Ok(()),
        other => Err(unacceptable(other)),
    }
}

fn dead_letter_routing_key(value: &Value, args: &Table) -> Result<(), String> {
    match (value, args.get("x-dead-letter-exchange")) {
        (Value::Str(_), None) => Err("routing_key_but_no_dlx_defined".to_owned()),
        (Value::Str(_), Some(_)) => Ok(()),
        (other, _) => Err(unacceptable(other)),
    }
}

fn max_priority(value: &Value, args: &Table) -> Result<(), String> {
    non_negative(value, args)?;
    match int(value)? {
        n if n > 255 => Err(format!("{{max_value_exceeded,{n}}}")),
        _ => Ok(()),
    }
}

fn one_of(value: &Value, ok: impl Fn(&str) -> bool, error: &str) -> Result<(), String> {
    match value {
        Value::Str(s) if ok(s) => Ok(()),
        Value::Str(_) => Err(error.to_owned()),
        other => Err(unacceptable(other)),
    }
}

fn overflow(value: &Value, _: &Table) -> Result<(), String> {
    one_of(value, |s| Overflow::parse(s).is_some(), "invalid_overflow")
}

/// `check_dlxstrategy_arg` (rabbit_amqqueue.erl v3.10.8 l. 1015-1029).
fn dead_letter_strategy(value: &Value, _: &Table) -> Result<(), String> {
    match value {
        Value::Str(s) if s == "at-most-once" || s == "at-least-once" => Ok(()),
        Value::Str(_) => Err("invalid_dlx_strategy".to_owned()),
        other => Err(unacceptable(other)),
    }
}

fn queue_mode(value: &Value, _: &Table) -> Result<(), String> {
    match value {
        Value::Str(s) if s == "default" || s == "lazy" => Ok(()),
        Value::Str(s) => Err(format!("\"unsupported queue mode '{s}'\"")),
        other => Err(unacceptable(other)),
    }
}

fn queue_type(value: &Value, _: &Table) -> Result<(), String> {
    match value {
        Value::Str(s) if s == "classic" || s == "quorum" => Ok(()),
        // RabbitMQ accepts it; this model does not have it (definitions leave streams out).
        Value::Str(s) if s == "stream" => {
            Err("\"stream queues are not modelled by Switchyard\"".to_owned())
        }
        Value::Str(s) => Err(format!("\"unsupported queue type '{s}'\"")),
        other => Err(unacceptable(other)),
    }
}

fn boolean(value: &Value, _: &Table) -> Result<(), String> {
    match value {
        Value::Bool(_) => Ok(()),
        other => Err(unacceptable(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Declares a queue named `q` with `args` (JSON) and flags under `profile`; gives the
    /// error text or "ok".
    fn check_in(profile: Profile, args: serde_json::Value, durable: bool, expected: &str) {
        let mut decl = QueueDecl::new("q");
        decl.durable = durable;
        decl.arguments = Table::from_json(&args).unwrap();
        let got = match validate(&decl, "/", profile) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.reply_text(),
        };
        assert_eq!(got, expected, "{profile} {args}");
    }

    /// The same under every profile.
    fn check(args: serde_json::Value, durable: bool, expected: &str) {
        for profile in Profile::ALL {
            check_in(profile, args.clone(), durable, expected);
        }
    }

    #[test]
    fn declare_argument_checks() {
        use serde_json::json;
        let arg = |a: &str, r: &str| {
            format!("PRECONDITION_FAILED - invalid arg '{a}' for queue 'q' in vhost '/': {r}")
        };
        check(
            json!({"x-max-length": 5, "x-overflow": "reject-publish-dlx"}),
            true,
            "ok",
        );
        check(
            json!({"x-max-length": -1}),
            true,
            &arg("x-max-length", "{value_negative,-1}"),
        );
        check(
            json!({"x-max-length": "5"}),
            true,
            &arg("x-max-length", "\"expected integer, got longstr\""),
        );
        check(
            json!({"x-max-length": 1.5}),
            true,
            &arg("x-max-length", "\"expected integer, got double\""),
        );
        check(
            json!({"x-message-ttl": -5}),
            true,
            &arg("x-message-ttl", "{value_negative,-5}"),
        );
        check(json!({"x-message-ttl": 0}), true, "ok");
        check(
            json!({"x-expires": 0}),
            true,
            &arg("x-expires", "{value_zero,0}"),
        );
        check(
            json!({"x-expires": -1}),
            true,
            &arg("x-expires", "{value_negative,-1}"),
        );
        check(
            json!({"x-overflow": "bogus"}),
            true,
            &arg("x-overflow", "invalid_overflow"),
        );
        check(
            json!({"x-overflow": 1}),
            true,
            &arg("x-overflow", "{unacceptable_type,long}"),
        );
        check(
            json!({"x-max-priority": 256}),
            true,
            &arg("x-max-priority", "{max_value_exceeded,256}"),
        );
        check(
            json!({"x-max-priority": -1}),
            true,
            &arg("x-max-priority", "{value_negative,-1}"),
        );
        check(
            json!({"x-queue-type": "bogus"}),
            true,
            &arg("x-queue-type", "\"unsupported queue type 'bogus'\""),
        );
        check(
            json!({"x-queue-type": "stream"}),
            true,
            &arg(
                "x-queue-type",
                "\"stream queues are not modelled by Switchyard\"",
            ),
        );
        check(
            json!({"x-queue-mode": "bogus"}),
            true,
            &arg("x-queue-mode", "\"unsupported queue mode 'bogus'\""),
        );
        check(
            json!({"x-single-active-consumer": "yes"}),
            true,
            &arg("x-single-active-consumer", "{unacceptable_type,longstr}"),
        );
        check(
            json!({"x-dead-letter-routing-key": "k"}),
            true,
            &arg(
                "x-dead-letter-routing-key",
                "routing_key_but_no_dlx_defined",
            ),
        );
        check(
            json!({"x-dead-letter-routing-key": 5, "x-dead-letter-exchange": ""}),
            true,
            &arg("x-dead-letter-routing-key", "{unacceptable_type,long}"),
        );
        check(
            json!({"x-dead-letter-exchange": 5}),
            true,
            "PRECONDITION_FAILED - invalid type 'long' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'",
        );
        check(
            json!({"x-expires": 0, "x-max-length": -1}),
            true,
            &arg("x-expires", "{value_zero,0}"),
        );
        check(json!({"x-queue-type": "quorum"}), true, "ok");
        check(
            json!({"x-queue-type": "quorum"}),
            false,
            "PRECONDITION_FAILED - invalid property 'non-durable' for queue 'q' in vhost '/'",
        );
        check(json!({"x-custom": "anything"}), true, "ok");
        // check_dlxstrategy_arg, rabbit_amqqueue.erl v3.10.8 l. 1015-1029
        check(
            json!({"x-queue-type": "quorum", "x-dead-letter-strategy": "at-least-once"}),
            true,
            "ok",
        );
        // rabbit_amqqueue:check_declare_arguments/2: an argument only another queue type owns
        // is refused (v3.10.8 l. 797-804 and 827-839; quorum_queue_SUITE:declare_invalid_arg_1).
        let other_type = |a: &str, t: &str| {
            format!(
                "PRECONDITION_FAILED - invalid arg '{a}' for queue 'q' in vhost '/' of queue type {t}"
            )
        };
        check(
            json!({"x-dead-letter-strategy": "at-least-once"}),
            true,
            &other_type("x-dead-letter-strategy", "rabbit_classic_queue"),
        );
        check(
            json!({"x-queue-type": "quorum", "x-queue-mode": "default"}),
            true,
            &other_type("x-queue-mode", "rabbit_quorum_queue"),
        );
        // Only the type's own validators run: a bad x-max-priority on a quorum queue is
        // refused for its type, not for its value; the first foreign key in table order wins.
        check(
            json!({"x-queue-type": "quorum", "x-max-priority": 300, "x-queue-mode": "lazy"}),
            true,
            &other_type("x-max-priority", "rabbit_quorum_queue"),
        );
        // The type's own validators run before the foreign-key check.
        check(
            json!({"x-max-age": "1D", "x-max-length": -1}),
            true,
            &arg("x-max-length", "{value_negative,-1}"),
        );
        check(
            json!({"x-max-age": "1D"}),
            true,
            &other_type("x-max-age", "rabbit_classic_queue"),
        );
        // 4.x classic queues own a leader locator; 3.10 ones do not.
        let leader = json!({"x-queue-leader-locator": "balanced"});
        check_in(Profile::RabbitMq4, leader.clone(), true, "ok");
        let refused = other_type("x-queue-leader-locator", "rabbit_classic_queue");
        check_in(Profile::RabbitMq310, leader, true, &refused);
        check(
            json!({"x-queue-type": "quorum", "x-dead-letter-strategy": "sometimes"}),
            true,
            &arg("x-dead-letter-strategy", "invalid_dlx_strategy"),
        );
        check(
            json!({"x-queue-type": "quorum", "x-dead-letter-strategy": 1}),
            true,
            &arg("x-dead-letter-strategy", "{unacceptable_type,long}"),
        );
    }
}
