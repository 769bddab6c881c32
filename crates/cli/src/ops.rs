//! The operations of an OPS.jsonl script, read from JSON with errors that name the field.
//! Declarations use the fields of the definitions format; a publish carries AMQP properties
//! ([`publish`]); the operations after routing (get, acknowledgements, consumers, time,
//! restart) are read in [`queue`].

mod publish;
mod queue;

use serde_json::{Map, Value as Json};
use switchyard_core::definitions;
use switchyard_core::fields::{FieldError, boolean, error, object, string};
use switchyard_core::{BindingDecl, ExchangeDecl, Publish, QueueDecl};

/// One operation; each carries its vhost (`/` when the line has none). Parsed once per line, so
/// the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Publish {
        vhost: String,
        publish: Publish,
    },
    DeclareExchange {
        vhost: String,
        decl: ExchangeDecl,
    },
    DeclareQueue {
        vhost: String,
        decl: QueueDecl,
    },
    Bind {
        vhost: String,
        decl: BindingDecl,
    },
    Unbind {
        vhost: String,
        decl: BindingDecl,
    },
    DeleteExchange {
        vhost: String,
        name: String,
        if_unused: bool,
    },
    DeleteQueue {
        vhost: String,
        name: String,
    },
    Get {
        vhost: String,
        queue: String,
        auto_ack: bool,
    },
    Ack {
        delivery_tag: u64,
        multiple: bool,
    },
    Nack {
        delivery_tag: u64,
        multiple: bool,
        requeue: bool,
    },
    Reject {
        delivery_tag: u64,
        requeue: bool,
    },
    Consume {
        vhost: String,
        queue: String,
        consumer_tag: String,
        prefetch: u32,
        auto_ack: bool,
        exclusive: bool,
        priority: i64,
    },
    Cancel {
        consumer_tag: String,
    },
    /// Virtual time moves forward by `ms`.
    Advance {
        ms: u64,
    },
    Purge {
        vhost: String,
        queue: String,
    },
    Dump {
        vhost: String,
    },
    /// A broker restart.
    Restart,
    /// Channel close: unsettled deliveries are requeued.
    Close,
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Publish { .. } => "publish",
            Op::DeclareExchange { .. } => "declare_exchange",
            Op::DeclareQueue { .. } => "declare_queue",
            Op::Bind { .. } => "bind",
            Op::Unbind { .. } => "unbind",
            Op::DeleteExchange { .. } => "delete_exchange",
            Op::DeleteQueue { .. } => "delete_queue",
            Op::Get { .. } => "get",
            Op::Ack { .. } => "ack",
            Op::Nack { .. } => "nack",
            Op::Reject { .. } => "reject",
            Op::Consume { .. } => "consume",
            Op::Cancel { .. } => "cancel",
            Op::Advance { .. } => "advance",
            Op::Purge { .. } => "purge",
            Op::Dump { .. } => "dump",
            Op::Restart => "restart",
            Op::Close => "close",
        }
    }
}

pub const OP_NAMES: &str = "publish, declare_exchange, declare_queue, bind, unbind, \
delete_exchange, delete_queue, get, ack, nack, reject, consume, cancel, advance, purge, dump, \
restart, close";

/// Reads one line's JSON as an operation.
pub fn parse(json: &Json) -> Result<Op, FieldError> {
    let obj = object(json, "")?;
    let op = string(obj, "op", "")?;
    let vhost = definitions::vhost(obj, "")?;
    if let Some(op) = queue::parse(&op, obj, vhost.clone())? {
        return Ok(op);
    }
    Ok(match op.as_str() {
        "publish" => Op::Publish {
            vhost,
            publish: publish::publish(obj)?,
        },
        "declare_exchange" => Op::DeclareExchange {
            vhost,
            decl: definitions::exchange(obj, "")?.1,
        },
        "declare_queue" => Op::DeclareQueue {
            vhost,
            decl: definitions::queue(obj, "")?.1,
        },
        "bind" => Op::Bind {
            vhost,
            decl: binding(obj)?,
        },
        "unbind" => Op::Unbind {
            vhost,
            decl: binding(obj)?,
        },
        "delete_exchange" => Op::DeleteExchange {
            vhost,
            name: string(obj, "name", "")?,
            if_unused: boolean(obj, "if_unused", "", false)?,
        },
        "delete_queue" => Op::DeleteQueue {
            vhost,
            name: string(obj, "name", "")?,
        },
        other => {
            return Err(error(
                "op",
                format!("unknown operation \"{other}\": expected one of {OP_NAMES}"),
            ));
        }
    })
}

/// A binding line: the definitions fields, with `destination_type` defaulting to queue.
fn binding(obj: &Map<String, Json>) -> Result<BindingDecl, FieldError> {
    if obj.contains_key("destination_type") {
        return Ok(definitions::binding(obj, "")?.1);
    }
    let mut with_type = obj.clone();
    with_type.insert("destination_type".into(), Json::String("queue".into()));
    Ok(definitions::binding(&with_type, "")?.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_error(line: &str, expected: &str) {
        let json: Json = serde_json::from_str(line).unwrap();
        assert_eq!(parse(&json).unwrap_err().to_string(), expected, "{line}");
    }

    #[test]
    fn errors_name_the_field() {
        check_error(
            r#"{"op":"fly"}"#,
            &format!("op: unknown operation \"fly\": expected one of {OP_NAMES}"),
        );
        check_error(r#"{"exchange":"x"}"#, "op: is missing");
        check_error(
            r#"{"op":"publish","mandatory":"yes"}"#,
            "mandatory: expected true or false",
        );
        check_error(
            r#"{"op":"publish","properties":{"priority":300}}"#,
            "properties.priority: expected an integer from 0 to 255",
        );
        check_error(
            r#"{"op":"publish","properties":{"expiration":5}}"#,
            "properties.expiration: expected a string",
        );
        check_error(r#"{"op":"bind","source":"x"}"#, "destination: is missing");
        check_error(
            r#"{"op":"declare_exchange","name":"x","type":"nope"}"#,
            "type: unknown exchange type `nope`: expected direct, fanout, topic or headers",
        );
    }

    #[test]
    fn publish_reads_properties() {
        let json: Json = serde_json::from_str(
            r#"{"op":"publish","exchange":"x","routing_key":"a.b","mandatory":true,"body":"text",
                "properties":{"message_id":"m1","headers":{"h":1},"expiration":"1000","priority":3,"delivery_mode":2}}"#,
        )
        .unwrap();
        let Op::Publish { vhost, publish } = parse(&json).unwrap() else {
            panic!("not a publish")
        };
        assert_eq!(vhost, "/");
        assert!(publish.mandatory);
        assert_eq!(&*publish.body, b"text");
        assert_eq!(publish.properties.priority, Some(3));
        assert!(publish.properties.persistent());
        assert_eq!(
            publish.properties.headers.get("h"),
            Some(&switchyard_core::Value::Int(1))
        );
    }
}
