//! The operations of an OPS.jsonl script, read from JSON with errors that name the field.
//! Declarations use the fields of the definitions format; a publish carries AMQP properties.

use serde_json::{Map, Value as Json};
use switchyard_core::definitions;
use switchyard_core::fields::{FieldError, boolean, error, object, string, table};
use switchyard_core::{BindingDecl, ExchangeDecl, Properties, Publish, QueueDecl};

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
        }
    }
}

pub const OP_NAMES: &str =
    "publish, declare_exchange, declare_queue, bind, unbind, delete_exchange, delete_queue";

/// Reads one line's JSON as an operation.
pub fn parse(json: &Json) -> Result<Op, FieldError> {
    let obj = object(json, "")?;
    let op = string(obj, "op", "")?;
    let vhost = definitions::vhost(obj, "")?;
    Ok(match op.as_str() {
        "publish" => Op::Publish {
            vhost,
            publish: publish(obj)?,
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

fn optional_string(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
) -> Result<Option<String>, FieldError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(_) => string(obj, key, path).map(Some),
    }
}

fn optional_int(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    max: i64,
) -> Result<Option<i64>, FieldError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=max).contains(&n) => Ok(Some(n)),
            _ => Err(error(
                &switchyard_core::fields::join(path, key),
                format!("expected an integer from 0 to {max}"),
            )),
        },
    }
}

fn publish(obj: &Map<String, Json>) -> Result<Publish, FieldError> {
    let exchange = optional_string(obj, "exchange", "")?.unwrap_or_default();
    let routing_key = optional_string(obj, "routing_key", "")?.unwrap_or_default();
    let mut publish = Publish::new(exchange, routing_key);
    publish.mandatory = boolean(obj, "mandatory", "", false)?;
    publish.immediate = boolean(obj, "immediate", "", false)?;
    publish = publish.with_body(optional_string(obj, "body", "")?.unwrap_or_default());
    if let Some(props) = obj.get("properties") {
        publish.properties = properties(object(props, "properties")?)?;
    }
    Ok(publish)
}

fn properties(obj: &Map<String, Json>) -> Result<Properties, FieldError> {
    let path = "properties";
    let text = |key: &str| optional_string(obj, key, "properties");
    Ok(Properties {
        content_type: text("content_type")?,
        content_encoding: text("content_encoding")?,
        headers: table(obj, "headers", "properties")?,
        delivery_mode: optional_int(obj, "delivery_mode", path, 2)?.map(|n| n as u8),
        priority: optional_int(obj, "priority", path, 255)?.map(|n| n as u8),
        correlation_id: text("correlation_id")?,
        reply_to: text("reply_to")?,
        // Kept as the client sent it: the broker checks it (406 for "abc"), as RabbitMQ does.
        expiration: text("expiration")?,
        message_id: text("message_id")?,
        timestamp: optional_int(obj, "timestamp", path, i64::MAX)?,
        kind: text("type")?,
        user_id: text("user_id")?,
        app_id: text("app_id")?,
    })
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
