//! The route explanation as text: a key or name with a character nobody can see, or one that
//! reverses the line, is written as an escape, so the text says why two keys that look the same
//! differ, and reads in order.

use switchyard_core::{
    BindingDecl, Broker, Destination, ExchangeDecl, ExchangeType, Profile, Publish, QueueDecl,
    Table,
};

/// Exchange `x` of `kind` with queue `q` bound with `key`.
fn bound(kind: ExchangeType, key: &str) -> Broker {
    let mut broker = Broker::new(Profile::default());
    broker
        .declare_exchange("/", ExchangeDecl::new("x", kind))
        .unwrap();
    broker.declare_queue("/", QueueDecl::new("q")).unwrap();
    let binding = BindingDecl {
        source: "x".into(),
        destination: Destination::Queue("q".into()),
        routing_key: key.into(),
        arguments: Table::new(),
    };
    broker.bind("/", binding).unwrap();
    broker
}

fn explained(broker: &Broker, routing_key: &str) -> String {
    broker
        .explain("/", &Publish::new("x", routing_key))
        .unwrap()
        .to_string()
}

#[test]
fn an_invisible_character_in_a_routing_key_is_written_as_an_escape() {
    let broker = bound(ExchangeType::Direct, "order.created");
    let text = explained(&broker, "order.created\u{200B}");
    assert!(
        text.contains(
            "binding key `order.created` equals none of the routing keys `order.created\\u{200b}`"
        ),
        "{text}"
    );
    assert!(!text.contains('\u{200B}'), "{text}");
}

#[test]
fn a_right_to_left_override_cannot_reorder_the_explanation() {
    let broker = bound(ExchangeType::Topic, "order.*.created");
    let text = explained(&broker, "order.\u{202E}ue.created");
    assert!(!text.contains('\u{202E}'), "{text}");
    assert!(text.contains("`*` took `\\u{202e}ue`"), "{text}");
    assert!(text.contains("=> routed to 1 queue: `q`"), "{text}");
}

#[test]
fn a_binding_key_with_a_control_character_is_shown_escaped() {
    let broker = bound(ExchangeType::Direct, "a\u{7}b");
    let text = explained(&broker, "a\u{7}b");
    assert!(
        text.contains("binding key `a\\u{7}b` equals routing key `a\\u{7}b`"),
        "{text}"
    );
}
