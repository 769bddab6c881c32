//! The `publish` operation: exchange, routing key, flags, body and AMQP properties, read with
//! errors that name the field (`properties.priority: ...`).

use serde_json::{Map, Value as Json};
use switchyard_core::fields::{FieldError, boolean, error, object, string, table};
use switchyard_core::{Properties, Publish};

pub fn optional_string(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
) -> Result<Option<String>, FieldError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(_) => string(obj, key, path).map(Some),
    }
}

pub fn optional_int(
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

pub fn publish(obj: &Map<String, Json>) -> Result<Publish, FieldError> {
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
