//! The remembered routes' tests: found only with the same inputs, sharing properties, starting
//! over when full, and following every topology and policy change.

use super::*;
use crate::queue::entry::Keys;
use crate::value::Value;

fn table(value: Value) -> Table {
    let mut t = Table::new();
    t.insert("h", value);
    t
}

fn routed(exchange: &str, queues: &[&str]) -> Rc<Routed> {
    let publish = crate::message::Publish::new(exchange, "a.b");
    Rc::new(Routed {
        vhost: "/".into(),
        label: Label::new(&publish, &[("a.b".to_owned(), KeySource::RoutingKey)]),
        queues: queues.iter().map(|q| Name::from(*q)).collect(),
        slots: (0..queues.len()).collect(),
    })
}

fn key(k: &str, source: KeySource) -> Vec<(String, KeySource)> {
    vec![(k.to_owned(), source)]
}

#[test]
fn a_route_is_found_only_with_the_same_inputs() {
    let mut routes = Routes::default();
    let keys = key("a.b", KeySource::RoutingKey);
    let h = table(Value::Int(1));
    routes.insert(&keys, &h, routed("x", &["q"]));
    let found = |r: &Routes, v: &str, x: &str, k: &[(String, KeySource)], h: &Table| {
        r.get(v, x, k, h).map(|r| r.queues.to_vec())
    };
    assert_eq!(found(&routes, "/", "x", &keys, &h), Some(vec!["q".into()]));
    assert_eq!(found(&routes, "/", "y", &keys, &h), None);
    assert_eq!(found(&routes, "v", "x", &keys, &h), None);
    assert_eq!(
        found(&routes, "/", "x", &key("a.c", KeySource::RoutingKey), &h),
        None
    );
    assert_eq!(
        found(&routes, "/", "x", &key("a.b", KeySource::Bcc), &h),
        None
    );
    assert_eq!(found(&routes, "/", "x", &keys, &table(Value::Int(2))), None);
    assert_eq!(found(&routes, "/", "x", &keys, &Table::new()), None);
    let with_h = Properties {
        headers: h.clone(),
        ..Properties::default()
    };
    let plain = |r: &Routes, k: &str| {
        let found = r.get_plain("/", "x", k, &with_h);
        found.map(|(r, _)| r.queues.to_vec())
    };
    assert_eq!(plain(&routes, "a.b"), Some(vec!["q".into()]));
    assert_eq!(plain(&routes, "a.c"), None);
    let cc = [keys[0].clone(), ("c".to_owned(), KeySource::Cc)];
    routes.insert(&cc, &h, routed("y", &["q"]));
    assert!(routes.get("/", "y", &cc, &h).is_some());
    assert!(routes.get_plain("/", "y", "a.b", &with_h).is_none());
    routes.clear();
    assert_eq!(found(&routes, "/", "x", &keys, &h), None);
}

#[test]
fn a_route_shares_the_last_few_contents_with_properties_equal_to_a_publish() {
    let mut routes = Routes::default();
    let h = table(Value::Int(1));
    routes.insert(&key("a.b", KeySource::RoutingKey), &h, routed("x", &["q"]));
    let with = |mode: u8, app: &str| {
        let (headers, app_id) = (h.clone(), Some(app.to_owned()));
        let delivery_mode = Some(mode);
        let properties = Rc::new(Properties {
            headers,
            delivery_mode,
            app_id,
            ..Properties::default()
        });
        Rc::new(Shared {
            exchange: "x".into(),
            routing_key: "a.b".into(),
            properties,
            body: Rc::from(&b""[..]),
            keys: Rc::new(Keys::one("a.b")),
            deaths: Vec::new(),
        })
    };
    let shared = |r: &Routes, p: &Properties| {
        let (_, shared) = r.get_plain("/", "x", "a.b", p)?;
        shared.cloned()
    };
    let (persistent, transient) = (with(2, "a"), with(1, "a"));
    assert!(shared(&routes, &persistent.properties).is_none());
    routes.share("/", "x", "a.b", &persistent);
    routes.share("/", "x", "a.b", &transient);
    let found = shared(&routes, &with(2, "a").properties).unwrap();
    assert!(Rc::ptr_eq(&found, &persistent));
    assert!(Rc::ptr_eq(
        &shared(&routes, &with(1, "a").properties).unwrap(),
        &transient
    ));
    assert!(shared(&routes, &with(2, "b").properties).is_none());
    // Other headers are another route; another key is none.
    let other = Properties {
        headers: table(Value::Int(2)),
        ..(*persistent.properties).clone()
    };
    assert!(routes.get_plain("/", "x", "a.b", &other).is_none());
    routes.share("/", "x", "a.c", &persistent);
    // The oldest goes first.
    for app in ["b", "c", "d"] {
        routes.share("/", "x", "a.b", &with(2, app));
    }
    assert!(shared(&routes, &persistent.properties).is_none());
    assert!(shared(&routes, &transient.properties).is_some());
}

#[test]
fn a_copy_remembers_nothing() {
    let mut routes = Routes::default();
    let keys = key("a.b", KeySource::RoutingKey);
    routes.insert(&keys, &Table::new(), routed("x", &["q"]));
    assert!(routes.get("/", "x", &keys, &Table::new()).is_some());
    let copy = routes.clone();
    assert!(copy.get("/", "x", &keys, &Table::new()).is_none());
    assert_eq!(copy.slab.len(), 0);
}

#[test]
fn the_cache_starts_over_when_full() {
    let mut routes = Routes::default();
    let none = Table::new();
    for i in 0..MAX_ROUTES {
        routes.insert(
            &key(&i.to_string(), KeySource::RoutingKey),
            &none,
            routed("x", &[]),
        );
    }
    let zero = key("0", KeySource::RoutingKey);
    assert!(routes.get("/", "x", &zero, &none).is_some());
    routes.insert(&key("new", KeySource::RoutingKey), &none, routed("x", &[]));
    assert_eq!(routes.slab.len(), 1);
    assert!(routes.get("/", "x", &zero, &none).is_none());
}

/// Every change to what routing reads shows in the next publish.
#[test]
fn publishes_follow_topology_and_policy_changes() {
    use crate::broker::Broker;
    use crate::exchange::ExchangeType;
    use crate::message::Publish;
    use crate::policy::{ApplyTo, Policy};
    use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};

    fn binding(source: &str, queue: &str, key: &str) -> BindingDecl {
        BindingDecl {
            source: source.into(),
            destination: Destination::Queue(queue.into()),
            routing_key: key.into(),
            arguments: Table::new(),
        }
    }
    fn reached(b: &mut Broker) -> Vec<String> {
        let outcome = b.publish("/", &Publish::new("x", "a.b"), 0).unwrap();
        outcome.queues.iter().map(|q| q.to_string()).collect()
    }
    let mut b = Broker::default();
    b.declare_exchange("/", ExchangeDecl::new("x", ExchangeType::Topic))
        .unwrap();
    b.declare_exchange("/", ExchangeDecl::new("ae", ExchangeType::Fanout))
        .unwrap();
    for q in ["q1", "q2", "alt"] {
        b.declare_queue("/", QueueDecl::new(q)).unwrap();
    }
    b.bind("/", binding("x", "q1", "a.*")).unwrap();
    b.bind("/", binding("ae", "alt", "")).unwrap();
    assert_eq!(reached(&mut b), ["q1"]);
    assert_eq!(reached(&mut b), ["q1"]);
    b.bind("/", binding("x", "q2", "#")).unwrap();
    assert_eq!(reached(&mut b), ["q1", "q2"]);
    b.unbind("/", &binding("x", "q1", "a.*")).unwrap();
    assert_eq!(reached(&mut b), ["q2"]);
    b.delete_queue("/", "q2").unwrap();
    assert!(reached(&mut b).is_empty());
    let mut definition = Table::new();
    definition.insert("alternate-exchange", Value::Str("ae".into()));
    b.set_policy(Policy::new("/", "p", "^x$", ApplyTo::Exchanges, 0, definition).unwrap());
    assert_eq!(reached(&mut b), ["alt"]);
    b.set_exchange_type("/", "x", ExchangeType::Fanout).unwrap();
    b.bind("/", binding("x", "q1", "")).unwrap();
    assert_eq!(reached(&mut b), ["q1"]);
}

/// A publish whose route is remembered skips looking up its exchange, yet fails every check
/// a first publish would, in RabbitMQ's order.
#[test]
fn a_remembered_route_keeps_every_check_of_a_publish() {
    use crate::broker::Broker;
    use crate::error::BrokerError;
    use crate::exchange::ExchangeType;
    use crate::message::Publish;
    use crate::topology::ExchangeDecl;

    fn check(b: &mut Broker, publish: &Publish, expected: Option<&str>) {
        let got = b.publish("/", publish, 0).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), expected, "{publish:?}");
    }
    let mut b = Broker::default();
    b.declare_exchange("/", ExchangeDecl::new("x", ExchangeType::Fanout))
        .unwrap();
    let plain = Publish::new("x", "k");
    check(&mut b, &plain, None);
    check(&mut b, &plain, None);
    let mut immediate = plain.clone();
    immediate.immediate = true;
    let immediate_error = BrokerError::ImmediateNotImplemented.to_string();
    check(&mut b, &immediate, Some(&immediate_error));
    let mut other_user = plain.clone();
    other_user.properties.user_id = Some("someone".into());
    let user_error = b.publish("/", &other_user, 0).unwrap_err().to_string();
    assert!(user_error.contains("someone"), "{user_error}");
    let mut bad_expiry = plain.clone();
    bad_expiry.properties.expiration = Some("soon".into());
    assert!(b.publish("/", &bad_expiry, 0).is_err());
    b.delete_exchange("/", "x", false).unwrap();
    let missing = b.publish("/", &plain, 0).unwrap_err();
    assert!(
        matches!(missing, BrokerError::NotFound { .. }),
        "{missing:?}"
    );
    let mut internal = ExchangeDecl::new("x", ExchangeType::Fanout);
    internal.internal = true;
    b.declare_exchange("/", internal).unwrap();
    let refused = b.publish("/", &plain, 0).unwrap_err();
    assert!(
        matches!(refused, BrokerError::InternalExchange { .. }),
        "{refused:?}"
    );
}

#[test]
fn a_place_is_stale_once_the_routes_are_cleared_and_in_a_copy() {
    let mut routes = Routes::default();
    routes.insert(
        &key("a.b", KeySource::RoutingKey),
        &Table::new(),
        routed("x", &["q"]),
    );
    let place = routes.place_plain("/", "x", "a.b", &Table::new());
    let place = place.expect("remembered");
    assert!(routes.is_current(place));
    assert!(!routes.clone().is_current(place));
    routes.clear();
    assert!(!routes.is_current(place));
}

/// A publisher's hint gives the same queues as a publish without one, across a topology
/// change and in a copy of the broker (a simulation checkpoint).
#[test]
fn a_hinted_publish_follows_the_topology() {
    use crate::broker::Broker;
    use crate::message::Publish;
    use crate::topology::QueueDecl;
    let mut b = Broker::default();
    for q in ["a", "b"] {
        b.declare_queue("/", QueueDecl::new(q)).unwrap();
    }
    let mut hint = None;
    let mut send = |b: &mut Broker, key: &str| {
        let publish = Publish::new("", key);
        let hinted = b
            .publish_hinted("/", &publish, crate::broker::Stamp::at(0), &mut hint)
            .unwrap();
        let plain = b.publish("/", &publish, 0).unwrap();
        assert_eq!(hinted.queues, plain.queues, "{key}");
        hinted
            .queues
            .iter()
            .map(|q| q.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(send(&mut b, "a"), ["a"]);
    assert_eq!(send(&mut b, "a"), ["a"]);
    b.delete_queue("/", "a").unwrap();
    assert_eq!(send(&mut b, "a"), Vec::<String>::new());
    b.declare_queue("/", QueueDecl::new("a")).unwrap();
    assert_eq!(send(&mut b, "a"), ["a"]);
    let mut copy = b.clone();
    copy.delete_queue("/", "a").unwrap();
    assert_eq!(send(&mut copy, "a"), Vec::<String>::new());
    assert_eq!(send(&mut b, "a"), ["a"]);
}
