//! The simulation on small topologies, checked through the trace: exchange-to-exchange hops,
//! dead letters in a message's lifecycle, a broker restart (persistent messages in durable
//! queues survive, the rest is lost and shown as such), stop and start of a consumer.

use serde_json::json;
use switchyard_core::MessageId;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation, TraceKind};

fn sim(
    topology: serde_json::Value,
    actors: serde_json::Value,
    script: serde_json::Value,
) -> Simulation {
    let text = json!({"switchyard": 1, "name": "t", "seed": 3, "topology": topology,
        "actors": actors, "script": script});
    Simulation::new(Scenario::from_json(&text).unwrap(), Options::default()).unwrap()
}

fn x(name: &str, kind: &str) -> serde_json::Value {
    json!({"name": name, "vhost": "/", "type": kind, "durable": true})
}

fn bind(source: &str, dest: &str, dest_type: &str, key: &str) -> serde_json::Value {
    json!({"source": source, "vhost": "/", "destination": dest, "destination_type": dest_type, "routing_key": key})
}

/// `kind from→to` (or `kind @node`) for each held event of `message`.
fn story(sim: &Simulation, message: u64) -> Vec<String> {
    let name = |id| sim.world().node(id).unwrap().name.clone();
    sim.trace()
        .lifecycle(MessageId(message))
        .iter()
        .map(|e| match (e.edge, e.node) {
            (Some(edge), _) => format!("{} {}→{}", e.kind.name(), name(edge.from), name(edge.to)),
            (None, Some(n)) => format!("{} @{}", e.kind.name(), name(n)),
            (None, None) => e.kind.name().to_owned(),
        })
        .collect()
}

#[test]
fn exchange_to_exchange_hops_are_drawn() {
    let topology = json!({"exchanges": [x("ingress", "topic"), x("orders", "topic")],
        "queues": [{"name": "q", "vhost": "/", "durable": true}, {"name": "side", "vhost": "/", "durable": true}],
        "bindings": [bind("ingress", "orders", "exchange", "#"), bind("orders", "q", "queue", "order.*"),
                     bind("ingress", "side", "queue", "order.eu")]});
    let actors = json!({"producers": [{"name": "p", "exchange": "ingress", "routing_key": "order.eu",
        "rate": {"kind": "script", "at_ms": [0]}}]});
    let mut s = sim(topology, actors, json!([]));
    s.run_until(SimTime::from_ms(10)).unwrap();
    assert_eq!(
        story(&s, 1),
        [
            "publish p→ingress",
            "forward ingress→orders",
            "enqueue orders→q",
            "enqueue ingress→side"
        ]
    );
}

#[test]
fn an_alternate_exchange_a_policy_gives_is_a_hop_even_for_an_exchange_a_step_declares() {
    // `orders` exists only from the step at 0 ms; the policy gives it an alternate exchange.
    let topology = json!({"exchanges": [x("unrouted", "fanout")],
        "queues": [{"name": "lost", "vhost": "/", "durable": true}],
        "bindings": [bind("unrouted", "lost", "queue", "")],
        "policies": [{"vhost": "/", "name": "ae", "pattern": "^orders$", "apply-to": "exchanges",
            "priority": 0, "definition": {"alternate-exchange": "unrouted"}}]});
    let actors = json!({"producers": [{"name": "p", "exchange": "orders", "routing_key": "nobody",
        "start_ms": 1, "rate": {"kind": "script", "at_ms": [0]}}]});
    let script = json!([{"at_ms": 0, "action": "declare",
        "definitions": {"exchanges": [x("orders", "direct")]}}]);
    let mut s = sim(topology, actors, script);
    s.run_until(SimTime::from_ms(10)).unwrap();
    assert_eq!(
        story(&s, 1),
        [
            "publish p→orders",
            "forward orders→unrouted",
            "enqueue unrouted→lost"
        ]
    );
}

#[test]
fn a_dead_letter_is_part_of_the_lifecycle() {
    // The dead-letter exchange set by the queue's argument, or by a policy.
    let by_argument = json!({"x-dead-letter-exchange": "dlx"});
    let policy = json!([{"vhost": "/", "name": "dl", "pattern": "^jobs$", "apply-to": "queues",
        "priority": 0, "definition": {"dead-letter-exchange": "dlx"}}]);
    for (arguments, policies) in [(by_argument, json!([])), (json!({}), policy)] {
        let topology = json!({"exchanges": [x("work", "direct"), x("dlx", "fanout")],
            "queues": [{"name": "jobs", "vhost": "/", "durable": true, "arguments": arguments},
                       {"name": "dead", "vhost": "/", "durable": true}],
            "bindings": [bind("work", "jobs", "queue", "job"), bind("dlx", "dead", "queue", "")],
            "policies": policies});
        let actors = json!({"producers": [{"name": "p", "exchange": "work", "routing_key": "job",
                "rate": {"kind": "script", "at_ms": [0]}}],
            "consumers": [{"name": "c", "queue": "jobs", "failure_probability": 1, "on_failure": "reject"}]});
        let mut s = sim(topology, actors, json!([]));
        s.run_until(SimTime::from_ms(10)).unwrap();
        assert_eq!(
            story(&s, 1),
            [
                "publish p→work",
                "enqueue work→jobs",
                "deliver jobs→c",
                "reject c→jobs",
                "dead_letter jobs→dlx",
                "enqueue dlx→dead"
            ]
        );
        assert_eq!(
            s.metrics()
                .queue(s.world().queue("/", "jobs").unwrap())
                .dead_lettered,
            1
        );
    }
}

#[test]
fn a_restart_keeps_persistent_messages_in_durable_queues_and_shows_the_rest_lost() {
    let topology = json!({"exchanges": [x("work", "fanout")],
        "queues": [{"name": "kept", "vhost": "/", "durable": true}, {"name": "temp", "vhost": "/", "durable": false}],
        "bindings": [bind("work", "kept", "queue", ""), bind("work", "temp", "queue", "")]});
    let actors = json!({"producers": [
        {"name": "safe", "exchange": "work", "persistent": true, "rate": {"kind": "script", "at_ms": [0]}},
        {"name": "fast", "exchange": "work", "persistent": false, "rate": {"kind": "script", "at_ms": [1]}}]});
    let mut s = sim(
        topology,
        actors,
        json!([{"at_ms": 5, "action": "restart_broker"}]),
    );
    s.run_until(SimTime::from_ms(10)).unwrap();
    let kept = s.broker().queue("/", "kept").unwrap().message_ids();
    assert_eq!(kept, [MessageId(1)]);
    assert!(s.broker().queue("/", "temp").is_none());
    let lost: Vec<(u64, String)> = s
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::LostOnRestart)
        .map(|e| {
            (
                e.message.unwrap().0,
                s.world().node(e.node.unwrap()).unwrap().name.clone(),
            )
        })
        .collect();
    assert_eq!(
        lost,
        [
            (2, "kept".to_owned()),
            (1, "temp".to_owned()),
            (2, "temp".to_owned())
        ]
    );
    assert!(s.trace().events().any(|e| e.kind == TraceKind::QueueLost));
}

#[test]
fn a_stopped_consumer_gets_nothing_new_until_started() {
    let topology = json!({"queues": [{"name": "q", "vhost": "/", "durable": true}]});
    let actors = json!({"producers": [{"name": "p", "exchange": "", "routing_key": "q",
            "rate": {"kind": "fixed", "per_second": 1000}, "stop_ms": 30}],
        "consumers": [{"name": "c", "queue": "q", "prefetch": 1}]});
    let script = json!([{"at_ms": 10, "action": "stop_consumer", "consumer": "c"},
                        {"at_ms": 20, "action": "start_consumer", "consumer": "c"}]);
    let mut s = sim(topology, actors, script);
    let delivered_between = |s: &Simulation, from: u64, to: u64| {
        s.trace()
            .events()
            .filter(|e| {
                matches!(e.kind, TraceKind::Deliver { .. })
                    && (from * 1000..to * 1000).contains(&e.time.0)
            })
            .count()
    };
    s.run_until(SimTime::from_ms(40)).unwrap();
    assert_eq!(delivered_between(&s, 11, 20), 0);
    assert!(delivered_between(&s, 0, 10) >= 9);
    assert!(
        delivered_between(&s, 20, 40) >= 19,
        "the backlog and the rest"
    );
    assert_eq!(s.broker().queue("/", "q").unwrap().message_count(), 0);
}

#[test]
fn a_loop_with_no_delay_is_a_typed_error_not_a_hang() {
    let topology = json!({"queues": [{"name": "q", "vhost": "/", "durable": true}]});
    let actors = json!({"producers": [{"name": "p", "exchange": "", "routing_key": "q",
            "rate": {"kind": "script", "at_ms": [1]}}],
        "consumers": [{"name": "c", "queue": "q", "failure_probability": 1, "on_failure": "nack_requeue"}]});
    let text = json!({"switchyard": 1, "name": "t", "topology": topology, "actors": actors});
    let options = Options {
        max_events_at_one_instant: 2_000,
        ..Options::default()
    };
    let mut s = Simulation::new(Scenario::from_json(&text).unwrap(), options).unwrap();
    let err = s.run_until(SimTime::from_ms(5)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("2000 events happened at 1.000 ms without time moving"),
        "{err}"
    );
    assert!(s.step().is_some(), "the state stays usable");
}
