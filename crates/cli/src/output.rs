//! How the runner prints what the broker hands out: a message object (`delivery_tag` when it
//! is a delivery, `message_id`, `exchange`, `routing_key`, `redelivered`, `body`, and the
//! `properties` that are set, headers in the runner's JSON mapping), and the `deliver` event
//! lines a consumer receives.

use serde_json::{Map, Value as Json, json};
use switchyard_core::{Delivery, Event, MessageView, Properties};

/// A message object; `delivery_tag` is left out for a message still in its queue (dump).
pub fn message(view: &MessageView, delivery_tag: Option<u64>) -> Json {
    let mut out = Map::new();
    if let Some(tag) = delivery_tag {
        out.insert("delivery_tag".into(), json!(tag));
    }
    out.insert("message_id".into(), json!(view.properties.message_id));
    out.insert("exchange".into(), json!(&*view.exchange));
    out.insert("routing_key".into(), json!(&*view.routing_key));
    out.insert("redelivered".into(), json!(view.redelivered));
    out.insert(
        "body".into(),
        json!(String::from_utf8_lossy(&view.body).into_owned()),
    );
    out.insert("properties".into(), properties(&view.properties));
    Json::Object(out)
}

pub fn delivery(delivery: &Delivery) -> Json {
    message(&delivery.message, Some(delivery.delivery_tag))
}

/// The properties that are set, named as in the publish operation.
pub fn properties(p: &Properties) -> Json {
    let mut out = Map::new();
    let mut text = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.insert(key.into(), json!(v));
        }
    };
    text("content_type", &p.content_type);
    text("content_encoding", &p.content_encoding);
    text("correlation_id", &p.correlation_id);
    text("reply_to", &p.reply_to);
    text("expiration", &p.expiration);
    text("message_id", &p.message_id);
    text("type", &p.kind);
    text("user_id", &p.user_id);
    text("app_id", &p.app_id);
    if let Some(mode) = p.delivery_mode {
        out.insert("delivery_mode".into(), json!(mode));
    }
    if let Some(priority) = p.priority {
        out.insert("priority".into(), json!(priority));
    }
    if let Some(timestamp) = p.timestamp {
        out.insert("timestamp".into(), json!(timestamp));
    }
    if !p.headers.is_empty() {
        out.insert("headers".into(), p.headers.to_json());
    }
    Json::Object(out)
}

/// The `deliver` lines of the deliveries to consumers among `events`, in order.
pub fn deliveries(events: &[Event]) -> Vec<Json> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Delivered {
                consumer: Some(tag),
                delivery: d,
                ..
            } => Some(json!({"event": "deliver", "consumer_tag": &**tag, "message": delivery(d)})),
            _ => None,
        })
        .collect()
}
