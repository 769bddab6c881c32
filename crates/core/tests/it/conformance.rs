//! Every routing group of the shared conformance vectors (`topic`, `topic_binding_validation`,
//! `headers`, `exchange_graph`), under both profiles. Each case is checked through the type's
//! index (the fast path), through the route explanation, and for graphs through `Broker::publish`.

use serde_json::Value as Json;
use switchyard_core::exchange::RoutingInput;
use switchyard_core::{
    BindingDecl, Broker, BrokerError, Destination, ExchangeDecl, ExchangeType, Profile, Publish,
    QueueDecl, Table,
};

use crate::vectors::{self, expected, sorted_strings, str_list, table};

const VHOST: &str = "/";
const X: &str = "x-under-test";

/// `exchange:NAME` is an exchange destination; anything else a queue.
fn destination(id: &str) -> Destination {
    match id.strip_prefix("exchange:") {
        Some(name) => Destination::Exchange(name.to_owned()),
        None => Destination::Queue(id.to_owned()),
    }
}

fn id_of(destination: &Destination) -> String {
    match destination {
        Destination::Queue(q) => q.clone(),
        Destination::Exchange(x) => format!("exchange:{x}"),
    }
}

/// A broker with exchange `X` of `kind`, ready for bindings to any destination.
fn single_exchange(kind: ExchangeType, profile: Profile) -> Broker {
    let mut broker = Broker::new(profile);
    broker
        .declare_exchange(VHOST, ExchangeDecl::new(X, kind))
        .unwrap();
    broker
}

fn bind(broker: &mut Broker, dest: &str, key: &str, args: Table) -> Result<(), BrokerError> {
    let destination = destination(dest);
    match &destination {
        Destination::Queue(q) => broker
            .declare_queue(VHOST, QueueDecl::new(q.clone()))
            .unwrap(),
        Destination::Exchange(x) => broker
            .declare_exchange(VHOST, ExchangeDecl::new(x.clone(), ExchangeType::Fanout))
            .unwrap(),
    }
    broker.bind(
        VHOST,
        BindingDecl {
            source: X.into(),
            destination,
            routing_key: key.into(),
            arguments: args,
        },
    )
}

/// The destinations exchange `X` itself matches, by the index and by the explanation (they must agree).
fn own_matches(broker: &Broker, routing_key: &str, headers: Table) -> Vec<String> {
    let keys = vec![routing_key.to_owned()];
    let input = RoutingInput {
        keys: &keys,
        headers: &headers,
    };
    let exchange = broker.topology(VHOST).unwrap().exchange(X).unwrap();
    let mut fast: Vec<String> = exchange
        .matching_destinations(&input, broker.profile())
        .into_iter()
        .map(id_of)
        .collect();
    fast.sort();
    let publish = Publish::new(X, routing_key).with_headers(headers);
    let explanation = broker.explain(VHOST, &publish).unwrap();
    let mut explained: Vec<String> = explanation.visits[0]
        .bindings
        .iter()
        .filter(|t| t.matched)
        .map(|t| id_of(&t.destination))
        .collect();
    explained.sort();
    explained.dedup();
    assert_eq!(
        fast, explained,
        "index and explanation disagree for routing key {routing_key:?}"
    );
    fast
}

fn binding_args(binding: &Json) -> Table {
    binding.get(2).map(table).unwrap_or_default()
}

/// Binds a topic vector's bindings; under a profile that refuses some keys (more than two `#`),
/// the refused bindings are left out and their destinations removed from the expectations.
fn bind_topic(broker: &mut Broker, bindings: &[&Json], refused: &mut Vec<String>) {
    for b in bindings {
        let (dest, key) = (b[0].as_str().unwrap(), b[1].as_str().unwrap());
        if let Err(error) = bind(broker, dest, key, binding_args(b)) {
            assert!(
                matches!(error, BrokerError::TooManyHashWords { .. }),
                "{key}: {error}"
            );
            assert_eq!(
                broker.profile(),
                Profile::RabbitMq4,
                "only 4.3.5+ refuses {key}"
            );
            refused.push(dest.to_owned());
        }
    }
}

fn check_topic_cases(broker: &Broker, cases: &Json, refused: &[String], id: &str) -> usize {
    let mut count = 0;
    for case in str_list(cases) {
        let key = case["routing_key"].as_str().unwrap();
        let mut want = sorted_strings(expected(case, "expected", broker.profile()));
        want.retain(|d| !refused.contains(d));
        assert_eq!(
            own_matches(broker, key, Table::new()),
            want,
            "{id} ({}) routing key {key:?}",
            broker.profile()
        );
        count += 1;
    }
    count
}

#[test]
fn topic_vectors() {
    let Some(all) = vectors::load() else { return };
    for profile in Profile::ALL {
        let mut cases = 0;
        for group in str_list(&all["topic"]) {
            let id = group["id"].as_str().unwrap();
            let mut broker = single_exchange(ExchangeType::Topic, profile);
            let mut refused = Vec::new();
            bind_topic(&mut broker, &str_list(&group["bindings"]), &mut refused);
            cases += check_topic_cases(&broker, &group["cases"], &refused, id);
            for phase in str_list(&group["then"]) {
                for b in str_list(&phase["unbind"]) {
                    let decl = BindingDecl {
                        source: X.into(),
                        destination: destination(b[0].as_str().unwrap()),
                        routing_key: b[1].as_str().unwrap().into(),
                        arguments: binding_args(b),
                    };
                    broker.unbind(VHOST, &decl).unwrap();
                }
                bind_topic(&mut broker, &str_list(&phase["bind"]), &mut refused);
                cases += check_topic_cases(&broker, &phase["cases"], &refused, id);
            }
        }
        eprintln!("topic vectors under {profile}: {cases} cases passed");
        assert!(cases > 100);
    }
}

#[test]
fn topic_binding_validation_vectors() {
    let Some(all) = vectors::load() else { return };
    for group in str_list(&all["topic_binding_validation"]) {
        for profile in Profile::ALL {
            let mut broker = single_exchange(ExchangeType::Topic, profile);
            for key in str_list(&group["accept"]) {
                let key = key.as_str().unwrap();
                assert!(
                    bind(&mut broker, "q", key, Table::new()).is_ok(),
                    "{profile} must accept {key:?}"
                );
            }
            for key in str_list(&group["reject"]) {
                let key = key.as_str().unwrap();
                let result = bind(&mut broker, "q", key, Table::new());
                match profile {
                    Profile::RabbitMq4 => {
                        assert_eq!(result.unwrap_err().code().number(), 406, "{key:?}")
                    }
                    Profile::RabbitMq310 => {
                        assert!(result.is_ok(), "3.10 accepts every key: {key:?}")
                    }
                }
            }
        }
    }
}

fn bind_headers(broker: &mut Broker, bindings: &Json) {
    for b in str_list(bindings) {
        bind(broker, b["dest"].as_str().unwrap(), "", table(&b["args"])).unwrap();
    }
}

fn check_headers_cases(broker: &Broker, cases: &Json, id: &str) -> usize {
    let mut count = 0;
    for case in str_list(cases) {
        let want = sorted_strings(expected(case, "expected", broker.profile()));
        let got = own_matches(broker, "ignored", table(&case["headers"]));
        assert_eq!(
            got,
            want,
            "{id} ({}) headers {}",
            broker.profile(),
            case["headers"]
        );
        count += 1;
    }
    count
}

#[test]
fn headers_vectors() {
    let Some(all) = vectors::load() else { return };
    for profile in Profile::ALL {
        let mut cases = 0;
        for group in str_list(&all["headers"]) {
            let id = group["id"].as_str().unwrap();
            let mut broker = single_exchange(ExchangeType::Headers, profile);
            bind_headers(&mut broker, &group["bindings"]);
            cases += check_headers_cases(&broker, &group["cases"], id);
            for phase in str_list(&group["then"]) {
                for b in str_list(&phase["unbind"]) {
                    let decl = BindingDecl {
                        source: X.into(),
                        destination: destination(b["dest"].as_str().unwrap()),
                        routing_key: String::new(),
                        arguments: table(&b["args"]),
                    };
                    broker.unbind(VHOST, &decl).unwrap();
                }
                bind_headers(&mut broker, &phase["bind"]);
                cases += check_headers_cases(&broker, &phase["cases"], id);
            }
            for bad in str_list(&group["bind_errors"]) {
                let error = bind(&mut broker, "q-bad", "", table(&bad["args"])).unwrap_err();
                assert_eq!(
                    error.code().number() as i64,
                    bad["expected_error"].as_i64().unwrap(),
                    "{id}: {}",
                    bad["args"]
                );
                cases += 1;
            }
        }
        eprintln!("headers vectors under {profile}: {cases} cases passed");
        assert!(cases > 50);
    }
}

fn graph_broker(group: &Json, profile: Profile) -> Broker {
    let mut broker = Broker::new(profile);
    for x in str_list(&group["exchanges"]) {
        let mut decl = ExchangeDecl::new(
            x["name"].as_str().unwrap(),
            x["type"].as_str().unwrap().parse().unwrap(),
        );
        decl.internal = x["internal"].as_bool().unwrap_or(false);
        decl.arguments = table(&x["args"]);
        broker.declare_exchange(VHOST, decl).unwrap();
    }
    for q in str_list(&group["queues"]) {
        broker
            .declare_queue(VHOST, QueueDecl::new(q.as_str().unwrap()))
            .unwrap();
    }
    broker
}

fn graph_binding(b: &Json) -> BindingDecl {
    let dest = b["dest"].as_str().unwrap().to_owned();
    BindingDecl {
        source: b["source"].as_str().unwrap().into(),
        destination: if b["dest_kind"] == "exchange" {
            Destination::Exchange(dest)
        } else {
            Destination::Queue(dest)
        },
        routing_key: b["key"].as_str().unwrap().into(),
        arguments: table(&b["args"]),
    }
}

fn check_graph_publish(broker: &mut Broker, p: &Json, id: &str) {
    let mut publish = Publish::new(
        p["exchange"].as_str().unwrap(),
        p["routing_key"].as_str().unwrap(),
    )
    .with_headers(table(&p["headers"]));
    publish.mandatory = p["mandatory"].as_bool().unwrap_or(false);
    if let Some(code) = p.get("expected_error") {
        let error = broker.publish(VHOST, &publish, 0).unwrap_err();
        assert_eq!(
            error.code().number() as i64,
            code.as_i64().unwrap(),
            "{id}: {error}"
        );
        return;
    }
    let want = sorted_strings(expected(p, "expected", broker.profile()));
    let explanation = broker.explain(VHOST, &publish).unwrap();
    assert_eq!(
        explanation.queues(),
        want.as_slice(),
        "{id}: explanation of {p}\n{explanation}"
    );
    let outcome = broker.publish(VHOST, &publish, 0).unwrap();
    let routed: Vec<&str> = outcome.queues.iter().map(|q| &**q).collect();
    assert_eq!(routed, want, "{id}: {p}");
    assert_eq!(
        outcome.returned,
        p["expected_returned"].as_bool().unwrap(),
        "{id}: returned for {p}"
    );
}

#[test]
fn exchange_graph_vectors() {
    let Some(all) = vectors::load() else { return };
    for profile in Profile::ALL {
        let mut steps = 0;
        for group in str_list(&all["exchange_graph"]) {
            let id = group["id"].as_str().unwrap();
            let mut broker = graph_broker(group, profile);
            for step in str_list(&group["steps"]) {
                if let Some(bindings) = step.get("bind") {
                    for b in str_list(bindings) {
                        broker.bind(VHOST, graph_binding(b)).unwrap();
                    }
                } else if let Some(p) = step.get("publish") {
                    check_graph_publish(&mut broker, p, id);
                } else if let Some(bad) = step.get("bind_error") {
                    let error = broker
                        .bind(VHOST, graph_binding(&bad["binding"]))
                        .unwrap_err();
                    assert_eq!(
                        error.code().number() as i64,
                        bad["expected_error"].as_i64().unwrap(),
                        "{id}"
                    );
                } else {
                    panic!("{id}: unknown step {step}");
                }
                steps += 1;
            }
        }
        eprintln!("exchange_graph vectors under {profile}: {steps} steps passed");
    }
}
