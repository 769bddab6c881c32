//! The operations after routing: `get`, `ack` / `nack` / `reject`, `consume` / `cancel`,
//! `advance`, `purge`, `dump`, `restart` and `close`, read with errors that name the field.

use serde_json::{Map, Value as Json};
use switchyard_core::fields::{FieldError, boolean, error, string};

use super::Op;
use super::publish::optional_int;

/// `"ack": "auto" | "manual"` as `auto_ack` (AMQP's default is manual).
fn auto_ack(obj: &Map<String, Json>) -> Result<bool, FieldError> {
    match obj.get("ack") {
        None | Some(Json::Null) => Ok(false),
        Some(Json::String(s)) if s == "auto" => Ok(true),
        Some(Json::String(s)) if s == "manual" => Ok(false),
        Some(_) => Err(error("ack", "expected \"auto\" or \"manual\"")),
    }
}

fn delivery_tag(obj: &Map<String, Json>) -> Result<u64, FieldError> {
    match obj.get("delivery_tag") {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| error("delivery_tag", "expected a non-negative integer")),
        None => Err(error("delivery_tag", "is missing")),
    }
}

/// The operations of this module; `None` when `op` is not one of them.
pub fn parse(op: &str, obj: &Map<String, Json>, vhost: String) -> Result<Option<Op>, FieldError> {
    let queue = || string(obj, "queue", "");
    let multiple = || boolean(obj, "multiple", "", false);
    let requeue = || boolean(obj, "requeue", "", true);
    Ok(Some(match op {
        "get" => Op::Get {
            vhost,
            queue: queue()?,
            auto_ack: auto_ack(obj)?,
        },
        "ack" => Op::Ack {
            delivery_tag: delivery_tag(obj)?,
            multiple: multiple()?,
        },
        "nack" => Op::Nack {
            delivery_tag: delivery_tag(obj)?,
            multiple: multiple()?,
            requeue: requeue()?,
        },
        "reject" => Op::Reject {
            delivery_tag: delivery_tag(obj)?,
            requeue: requeue()?,
        },
        "consume" => consume(obj, vhost)?,
        "cancel" => Op::Cancel {
            consumer_tag: string(obj, "consumer_tag", "")?,
        },
        "advance" => Op::Advance {
            ms: match obj.get("ms") {
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| error("ms", "expected a non-negative integer"))?,
                None => return Err(error("ms", "is missing")),
            },
        },
        "purge" => Op::Purge {
            vhost,
            queue: queue()?,
        },
        "dump" => Op::Dump { vhost },
        "restart" => Op::Restart,
        "close" => Op::Close,
        _ => return Ok(None),
    }))
}

fn consume(obj: &Map<String, Json>, vhost: String) -> Result<Op, FieldError> {
    let priority = match obj.get("priority") {
        None | Some(Json::Null) => 0,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| error("priority", "expected an integer"))?,
    };
    Ok(Op::Consume {
        vhost,
        queue: string(obj, "queue", "")?,
        consumer_tag: string(obj, "consumer_tag", "")?,
        prefetch: optional_int(obj, "prefetch", "", i64::from(u16::MAX))?.unwrap_or(0) as u32,
        auto_ack: auto_ack(obj)?,
        exclusive: boolean(obj, "exclusive", "", false)?,
        priority,
    })
}

#[cfg(test)]
mod tests {
    use crate::ops::parse as parse_op;

    fn check(line: &str, expected: &str) {
        let json = serde_json::from_str(line).unwrap();
        let got = match parse_op(&json) {
            Ok(op) => format!("{op:?}"),
            Err(e) => format!("error: {e}"),
        };
        assert!(got.contains(expected), "{line}: {got}");
    }

    #[test]
    fn queue_operations() {
        check(r#"{"op":"get","queue":"q","ack":"auto"}"#, "auto_ack: true");
        check(r#"{"op":"get","queue":"q"}"#, "auto_ack: false");
        check(r#"{"op":"get"}"#, "error: queue: is missing");
        check(
            r#"{"op":"get","queue":"q","ack":"yes"}"#,
            "error: ack: expected \"auto\" or \"manual\"",
        );
        check(
            r#"{"op":"ack","delivery_tag":3,"multiple":true}"#,
            "delivery_tag: 3, multiple: true",
        );
        check(
            r#"{"op":"ack","delivery_tag":-1}"#,
            "error: delivery_tag: expected a non-negative integer",
        );
        check(r#"{"op":"nack","delivery_tag":1}"#, "requeue: true");
        check(
            r#"{"op":"reject","delivery_tag":1,"requeue":false}"#,
            "requeue: false",
        );
        check(
            r#"{"op":"consume","queue":"q","consumer_tag":"c1","prefetch":2,"ack":"manual"}"#,
            "prefetch: 2",
        );
        check(
            r#"{"op":"consume","queue":"q"}"#,
            "error: consumer_tag: is missing",
        );
        check(r#"{"op":"cancel","consumer_tag":"c1"}"#, "Cancel");
        check(
            r#"{"op":"advance","ms":"10"}"#,
            "error: ms: expected a non-negative integer",
        );
        check(r#"{"op":"advance","ms":10}"#, "Advance { ms: 10 }");
        check(r#"{"op":"purge","queue":"q"}"#, "Purge");
        check(r#"{"op":"dump"}"#, "Dump");
        check(r#"{"op":"restart"}"#, "Restart");
        check(r#"{"op":"close"}"#, "Close");
    }
}
