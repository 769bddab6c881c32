//! Actors added while the scenario runs: on demand (`Simulation::add_consumer`,
//! `add_producer`) or by a script step. They work as the scenario's own from that moment; going
//! back before one undoes it; the change list makes them again, exactly.

use serde_json::{Value as Json, json};
use switchyard_core::sim::edits;
use switchyard_core::sim::scenario::actors::{consumer, producer};
use switchyard_core::sim::scenario::{Action, ConsumerSpec, ProducerSpec};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{NodeKind, Options, Scenario, SimTime, Simulation, TraceKind};

fn file(name: &str) -> Json {
    let path = format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn build(json: &Json) -> Simulation {
    let scenario = Scenario::from_json(json).unwrap();
    Simulation::new(scenario, Options::default()).unwrap()
}

fn record(sim: &Simulation) -> String {
    let events = sim.trace().events().map(|e| to_json(&e, sim.world()));
    let lines: Vec<String> = events.map(|e| e.to_string()).collect();
    format!("{} {}\n{}", sim.steps(), sim.summary(), lines.join("\n"))
}

fn auditor() -> ConsumerSpec {
    let json = json!({"name": "auditor", "queue": "email-notifications", "prefetch": 1,
        "processing_ms": 5});
    consumer(&json, "actor").unwrap()
}

fn promo() -> ProducerSpec {
    let json = json!({"name": "promo", "exchange": "orders", "routing_key": "order.eu.promo",
        "rate": {"kind": "fixed", "per_second": 50}});
    producer(&json, "actor").unwrap()
}

/// How many deliveries the consumer named `name` processed, from the summary.
fn processed(sim: &Simulation, name: &str) -> Option<u64> {
    sim.summary()["consumers"][name]["processed"].as_u64()
}

/// Messages published with `key`.
fn published(sim: &Simulation, key: &str) -> usize {
    let ids = (sim.trace().events())
        .filter(|e| e.kind == TraceKind::Publish)
        .filter_map(|e| e.message);
    ids.filter(|id| sim.message(*id).is_some_and(|m| m.routing_key() == key))
        .count()
}

#[test]
fn a_consumer_added_on_demand_takes_its_share_and_going_back_undoes_it() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    let before = record(&s);
    s.add_consumer(auditor()).unwrap();
    let id = s.consumer_id("auditor").expect("in the cast");
    assert!(s.added_on_demand(NodeKind::Consumer, id.0 as usize));
    let node = s.consumer_node(id).expect("a node");
    assert_eq!(s.world().node(node).unwrap().name, "auditor");
    s.run_until(SimTime::from_ms(6_000)).unwrap();
    assert!(processed(&s, "auditor").unwrap() > 10, "{}", s.summary());
    assert_eq!(s.consumer_view(id).unwrap().status, "running");
    let q = s.broker().queue("/", "email-notifications").unwrap();
    assert_eq!(q.consumer_count(), 3);
    let straight = record(&s);

    // Anywhere past it, a seek makes it again: the same state as the straight run.
    s.seek(SimTime::from_ms(3_000)).unwrap();
    s.run_until(SimTime::from_ms(6_000)).unwrap();
    assert_eq!(record(&s), straight);

    // Before it: undone, and gone from the cast.
    s.seek(SimTime::from_ms(1_000)).unwrap();
    assert!(s.consumer_id("auditor").is_none());
    assert!(s.edits().is_empty());
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    assert_eq!(record(&s), before);
    s.run_until(SimTime::from_ms(6_000)).unwrap();
    assert_eq!(processed(&s, "auditor"), None);
    let q = s.broker().queue("/", "email-notifications").unwrap();
    assert_eq!(q.consumer_count(), 2);

    // Added again under the same name, it has its node back.
    s.add_consumer(auditor()).unwrap();
    let again = s.consumer_id("auditor").unwrap();
    assert_eq!(s.consumer_node(again), Some(node));
}

#[test]
fn a_producer_added_on_demand_publishes_at_its_rate_until_undone() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.add_producer(promo()).unwrap();
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    // 50 a second, the first at once (the last may still be on its way to the exchange).
    let n = published(&s, "order.eu.promo");
    assert!((50..=51).contains(&n), "{n}");
    let from = s
        .producer_node(switchyard_core::sim::ProducerId(1))
        .unwrap();
    let first = (s.trace().events())
        .find(|e| e.kind == TraceKind::Publish && e.edge.is_some_and(|e| e.from == from))
        .expect("a publish from the new producer");
    assert_eq!(first.edge.unwrap().depart, SimTime::from_ms(1_000));
    let straight = record(&s);
    s.seek(SimTime::from_ms(1_500)).unwrap();
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    assert_eq!(record(&s), straight);
    s.seek_step(0);
    assert_eq!(s.scenario().producers.len(), 1);
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    assert_eq!(published(&s, "order.eu.promo"), 0);
}

#[test]
fn added_actors_are_kept_as_changes_and_made_again_exactly() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_500)).unwrap();
    s.add_producer(promo()).unwrap();
    s.run_until(SimTime::from_ms(2_500)).unwrap();
    s.add_consumer(auditor()).unwrap();
    // A crash of the consumer added, and a restart that reconnects it.
    s.run_until(SimTime::from_ms(3_000)).unwrap();
    s.inject(switchyard_core::sim::Control::CrashConsumer(
        s.consumer_id("auditor").unwrap(),
    ));
    s.run_until(SimTime::from_ms(3_500)).unwrap();
    s.inject(switchyard_core::sim::Control::RestartBroker);
    let changes = s.edits();
    let kinds: Vec<String> = (edits::to_json(&changes).as_array().unwrap().iter())
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "add_producer",
            "add_consumer",
            "crash_consumer",
            "restart_broker"
        ]
    );
    let text = edits::to_json(&changes).to_string();
    let read = edits::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(read, changes);
    let mut again = build(&file("orders-topic.json"));
    again.apply_edits(&read).unwrap();
    for sim in [&mut s, &mut again] {
        sim.run_until(SimTime::from_ms(8_000)).unwrap();
    }
    assert_eq!(record(&again), record(&s));
    assert!(processed(&again, "auditor").unwrap() > 0);
}

/// Saved with the scenario, added actors are script steps: read back, each starts at its
/// step's moment, after the scenario's own (a flow's included).
#[test]
fn added_actors_saved_as_script_steps_start_at_their_moment() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.add_consumer(auditor()).unwrap();
    s.add_producer(promo()).unwrap();
    let mut json = file("orders-topic.json");
    json["script"] = Json::Array(edits::to_script(&s.edits()));
    let scenario = Scenario::from_json(&json).unwrap();
    assert!(matches!(scenario.script[0].action, Action::AddConsumer(_)));
    assert_eq!(scenario.consumers.len(), 2, "the file's own actors");
    let mut read = Simulation::new(scenario, Options::default()).unwrap();
    let spec = &read.scenario().consumers[2];
    assert_eq!((spec.name.as_str(), spec.start), ("auditor", 1_000_000));
    assert_eq!(read.scenario().producers[1].start, 1_000_000);
    assert!(!read.added_on_demand(NodeKind::Consumer, 2));
    read.run_until(SimTime::from_ms(999)).unwrap();
    let id = read.consumer_id("auditor").unwrap();
    assert_eq!(read.consumer_view(id).unwrap().status, "idle");
    assert_eq!(published(&read, "order.eu.promo"), 0);
    for sim in [&mut s, &mut read] {
        sim.run_until(SimTime::from_ms(3_000)).unwrap();
    }
    assert_eq!(
        published(&read, "order.eu.promo"),
        published(&s, "order.eu.promo")
    );
    assert!(processed(&read, "auditor").unwrap() > 0);

    // A name used twice is named.
    json["script"][1]["actor"]["name"] = json!("mailer-1");
    let scenario = Scenario::from_json(&json).unwrap();
    let err = Simulation::new(scenario, Options::default()).err().unwrap();
    assert_eq!(
        err.to_string(),
        "script[1].actor.name: `mailer-1` is already the name of a consumer"
    );
}

#[test]
fn what_cannot_be_added_is_named() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(500)).unwrap();
    let refused = |s: &mut Simulation, json: Json, as_consumer: bool| {
        let result = if as_consumer {
            s.add_consumer(consumer(&json, "actor").unwrap())
        } else {
            s.add_producer(producer(&json, "actor").unwrap())
        };
        result.unwrap_err().to_string()
    };
    let c = |extra: Json| {
        let mut base = json!({"name": "c9", "queue": "email-notifications"});
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    assert_eq!(
        refused(&mut s, c(json!({"name": "mailer-2"})), true),
        "actor.name: `mailer-2` is already the name of a consumer"
    );
    assert_eq!(
        refused(&mut s, c(json!({"name": "orders-service"})), true),
        "actor.name: `orders-service` is already the name of a producer"
    );
    assert_eq!(
        refused(&mut s, c(json!({"queue": "nope"})), true),
        "actor.queue: vhost `/` has no queue `nope` now"
    );
    let retry = json!({"on_failure": {"retry": {"max_attempts": 2, "parking_lot": "p"}}});
    assert!(refused(&mut s, c(retry), true).starts_with("actor.on_failure: a consumer added"));
    let rate = json!({"kind": "fixed", "per_second": 1});
    let p = json!({"name": "p9", "exchange": "nope", "rate": rate});
    assert_eq!(
        refused(&mut s, p, false),
        "actor.exchange: vhost `/` has no exchange `nope` now"
    );
    let rpc = json!({"name": "p9", "exchange": "orders", "rate": rate,
        "rpc": {"reply_to": "email-notifications"}});
    assert!(refused(&mut s, rpc, false).starts_with("actor.rpc: a producer added"));
    assert!(s.edits().is_empty(), "nothing refused is kept");
    assert_eq!(s.scenario().consumers.len(), 2);
    assert_eq!(s.scenario().producers.len(), 1);

    // Bodies past what a scenario may allocate: 15 producers of 1 MiB fit, a 16th does not.
    let mib = |i: usize| {
        json!({"name": format!("big-{i}"), "exchange": "orders", "rate": rate,
        "body_bytes": 1 << 20})
    };
    for i in 0..15 {
        s.add_producer(producer(&mib(i), "actor").unwrap()).unwrap();
    }
    assert!(
        refused(&mut s, mib(15), false).starts_with("actor.body_bytes: with the others' bodies")
    );

    // A hostile change list: the actor's own fields are checked as in a scenario file.
    let list = json!([{"steps": 1, "at_us": 0, "action": "add_consumer",
        "actor": {"name": "x", "queue": "q", "prefetch": 70000}}]);
    let err = edits::from_json(&list).unwrap_err();
    assert_eq!(
        err.to_string(),
        "edits[0].actor.prefetch: expected a number from 0 to 65535"
    );
}

/// Every added actor leaves the run before it exactly as it was: the events up to the moment
/// it was added are the same as without it, in each shipped scenario with a queue and an
/// exchange.
#[test]
fn adding_changes_nothing_before_it() {
    for name in [
        "tutorial-3-publish-subscribe.json",
        "retry-backoff.json",
        "live-match.json",
    ] {
        let json = file(name);
        let mut plain = build(&json);
        plain.run_until(SimTime::from_ms(1_200)).unwrap();
        let before = record(&plain);
        let (vhost, queue, exchange) = {
            let world = plain.world();
            let queue = (world.nodes().iter())
                .find(|n| n.kind == NodeKind::Queue)
                .unwrap();
            let exchange = (world.nodes().iter())
                .find(|n| {
                    n.kind == NodeKind::Exchange
                        && !n.name.is_empty()
                        && !n.name.starts_with("amq.")
                })
                .unwrap();
            (
                queue.vhost.clone(),
                queue.name.clone(),
                exchange.name.clone(),
            )
        };
        let mut s = build(&json);
        s.run_until(SimTime::from_ms(1_200)).unwrap();
        let c = json!({"name": "added-c", "vhost": vhost, "queue": queue, "prefetch": 2});
        s.add_consumer(consumer(&c, "actor").unwrap()).unwrap();
        let p = json!({"name": "added-p", "vhost": vhost, "exchange": exchange, "routing_key": "k",
            "rate": {"kind": "poisson", "per_second": 30}});
        s.add_producer(producer(&p, "actor").unwrap()).unwrap();
        s.run_until(SimTime::from_ms(3_000)).unwrap();
        s.seek(SimTime::from_ms(1_100)).unwrap();
        s.run_until(SimTime::from_ms(1_200)).unwrap();
        assert_eq!(record(&s), before, "{name}");
    }
}

/// A queue declared on demand counts what it receives in a re-simulation too: a seek that
/// restores a state saved before the queue's node was added (which has no counters for it)
/// gives the counts of the straight run.
#[test]
fn a_queue_declared_on_demand_keeps_its_counts_across_a_seek() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    let audit = json!({"queues": [{"name": "audit", "vhost": "/", "durable": true}],
        "bindings": [{"source": "orders", "vhost": "/", "destination": "audit",
            "destination_type": "queue", "routing_key": "#"}]});
    let definitions = switchyard_core::definitions::Definitions::from_json(&audit).unwrap();
    s.inject_topology(Action::Declare { definitions }).unwrap();
    // A second queue at the same moment: the state saved there is from before the first.
    let text = audit.to_string().replace("audit", "audit-2");
    let audit_2 = serde_json::from_str(&text).unwrap();
    let definitions = switchyard_core::definitions::Definitions::from_json(&audit_2).unwrap();
    s.inject_topology(Action::Declare { definitions }).unwrap();
    s.run_until(SimTime::from_ms(2_500)).unwrap();
    let node = s.world().queue("/", "audit-2").unwrap();
    let straight = s.metrics().queue(node).enqueued;
    assert!(straight > 0);
    s.seek(SimTime::from_ms(2_200)).unwrap();
    s.run_until(SimTime::from_ms(2_500)).unwrap();
    assert_eq!(s.metrics().queue(node).enqueued, straight);
}

/// Departures of messages published by producer `index` in `(from, to]` ms.
fn sent_between(sim: &Simulation, index: u32, from: u64, to: u64) -> usize {
    let node = sim.producer_node(switchyard_core::sim::ProducerId(index));
    (sim.trace().events())
        .filter(|e| e.kind == TraceKind::Publish)
        .filter_map(|e| e.edge)
        .filter(|e| Some(e.from) == node)
        .filter(|e| e.depart > SimTime::from_ms(from) && e.depart <= SimTime::from_ms(to))
        .count()
}

#[test]
fn a_producer_stopped_publishes_nothing_until_started_again() {
    use switchyard_core::sim::{Control, ProducerId};
    let p = ProducerId(0);
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.inject(Control::StopProducer(p));
    s.run_until(SimTime::from_ms(3_000)).unwrap();
    assert_eq!(s.producer_stopped(p), Some(true));
    assert_eq!(sent_between(&s, 0, 1_000, 3_000), 0);
    s.inject(Control::StartProducer(p));
    s.run_until(SimTime::from_ms(4_000)).unwrap();
    assert_eq!(s.producer_stopped(p), Some(false));
    // At once, then about 20 a second (Poisson).
    assert_eq!(sent_between(&s, 0, 2_999, 3_000), 1);
    let after = sent_between(&s, 0, 3_000, 4_000);
    assert!((8..=40).contains(&after), "{after}");
    let kinds = (s.trace().events()).filter(|e| {
        matches!(
            e.kind,
            TraceKind::ProducerStopped | TraceKind::ProducerStarted
        )
    });
    assert_eq!(kinds.count(), 2);

    // Kept as changes, made again exactly; a seek between them keeps the first only.
    let changes = s.edits();
    let text = edits::to_json(&changes).to_string();
    assert!(text.contains(r#""action":"stop_producer""#), "{text}");
    assert!(text.contains(r#""producer":"orders-service""#), "{text}");
    let read = edits::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    let mut again = build(&file("orders-topic.json"));
    again.apply_edits(&read).unwrap();
    again.run_until(SimTime::from_ms(4_000)).unwrap();
    assert_eq!(record(&again), record(&s));
    s.seek(SimTime::from_ms(2_000)).unwrap();
    assert_eq!(s.edits().len(), 1);
    assert_eq!(s.producer_stopped(p), Some(true));
}

/// Stopped and started again before its next message was due, a producer goes on as if
/// nothing happened: one timer, not two.
#[test]
fn a_producer_stopped_and_started_at_once_keeps_one_timer() {
    use switchyard_core::sim::{Control, ProducerId};
    let mut plain = build(&file("orders-topic.json"));
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.inject(Control::StopProducer(ProducerId(0)));
    s.inject(Control::StartProducer(ProducerId(0)));
    for sim in [&mut plain, &mut s] {
        sim.run_until(SimTime::from_ms(5_000)).unwrap();
    }
    assert_eq!(
        sent_between(&s, 0, 0, 5_000),
        sent_between(&plain, 0, 0, 5_000)
    );
    // Scripted, by name; a name the scenario lacks is named.
    let mut json = file("orders-topic.json");
    json["script"] =
        json!([{"at_ms": 500, "action": "stop_producer", "producer": "orders-service"}]);
    let mut scripted = build(&json);
    scripted.run_until(SimTime::from_ms(2_000)).unwrap();
    assert_eq!(sent_between(&scripted, 0, 500, 2_000), 0);
    json["script"][0]["producer"] = json!("nobody");
    let scenario = Scenario::from_json(&json).unwrap();
    let err = Simulation::new(scenario, Options::default()).err().unwrap();
    assert_eq!(
        err.to_string(),
        "script[0].producer: no producer is named `nobody`"
    );
}

/// A producer's rate and a consumer's processing time changed on demand take effect from the
/// next message or delivery, are kept as changes (made again exactly), undone by going back,
/// and scripted by name.
#[test]
fn a_rate_and_a_processing_time_changed_while_it_runs() {
    use switchyard_core::sim::ProducerId;
    use switchyard_core::sim::rng::Dist;
    use switchyard_core::sim::scenario::Rate;
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.set_rate("orders-service", Rate::Fixed { interval: 10_000 })
        .unwrap();
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    let sent = sent_between(&s, 0, 1_000, 2_000);
    // From its next message on (the one due at the old pace), 100 a second.
    assert!((85..=101).contains(&sent), "100 a second: {sent}");
    assert_eq!(
        s.producer_rate(ProducerId(0)),
        Some(&Rate::Fixed { interval: 10_000 })
    );
    let mailer = s.consumer_id("mailer-2").unwrap();
    s.set_processing("mailer-2", Dist::Fixed(400_000), Some(1.0))
        .unwrap();
    s.run_until(SimTime::from_ms(4_000)).unwrap();
    assert_eq!(s.consumer_pace(mailer), Some((&Dist::Fixed(400_000), 1.0)));
    // Every delivery fails now (nack, requeue): redeliveries follow.
    assert!(
        s.summary()["messages"]["redelivered"].as_u64() > Some(0),
        "{}",
        s.summary()
    );

    let changes = s.edits();
    let text = edits::to_json(&changes).to_string();
    let read = edits::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(read, changes);
    let mut again = build(&file("orders-topic.json"));
    again.apply_edits(&read).unwrap();
    again.run_until(SimTime::from_ms(4_000)).unwrap();
    assert_eq!(record(&again), record(&s));

    s.seek(SimTime::from_ms(500)).unwrap();
    assert_eq!(s.edits().len(), 0);
    assert_eq!(
        s.producer_rate(ProducerId(0)),
        Some(&s.scenario().producers[0].rate)
    );

    let err = s
        .set_rate("nobody", Rate::Fixed { interval: 1 })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "set_rate.producer: no producer is named `nobody`"
    );
    let err = s
        .set_processing("mailer-2", Dist::Fixed(1), Some(2.0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "set_processing.failure_probability: expected a number from 0 to 1"
    );

    // Scripted.
    let mut json = file("orders-topic.json");
    json["script"] = json!([{"at_ms": 1000, "action": "set_rate", "producer": "orders-service",
        "rate": {"kind": "fixed", "per_second": 100}}]);
    let mut scripted = build(&json);
    scripted.run_until(SimTime::from_ms(2_000)).unwrap();
    let sent = sent_between(&scripted, 0, 1_000, 2_000);
    assert!((85..=101).contains(&sent), "{sent}");
}

/// The new script steps are written back as they were read: a scenario with them reads the
/// same after `Scenario::to_json`.
#[test]
fn the_new_steps_are_written_back_as_read() {
    let mut json = file("orders-topic.json");
    json["script"] = json!([
        {"at_ms": 100, "action": "add_consumer", "actor": {"name": "c9", "queue": "email-notifications",
            "prefetch": 3, "processing_ms": {"exponential": 20}, "on_failure": "reject"}},
        {"at_ms": 200, "action": "add_producer", "actor": {"name": "p9", "exchange": "orders",
            "routing_key": "order.{seq}", "rate": {"kind": "bursts", "size": 3, "every_ms": 500}}},
        {"at_ms": 300, "action": "set_rate", "producer": "p9", "rate": {"kind": "poisson", "per_second": 7}},
        {"at_ms": 400, "action": "set_processing", "consumer": "c9", "processing_ms": {"uniform": [5, 9]},
            "failure_probability": 0.25},
        {"at_ms": 450, "action": "set_processing", "consumer": "mailer-1", "processing_ms": 3},
        {"at_ms": 500, "action": "stop_producer", "producer": "p9"},
        {"at_ms": 600, "action": "start_producer", "producer": "p9"},
        {"at_ms": 700, "action": "publish", "producer": "p9", "routing_key": "k", "headers": {"x": 1}},
        {"at_ms": 800, "action": "delete_queue", "queue": "email-notifications"},
        {"at_ms": 900, "action": "delete_exchange", "vhost": "/", "exchange": "orders"}
    ]);
    let scenario = Scenario::from_json(&json).unwrap();
    let again = Scenario::from_json(&scenario.to_json().unwrap()).unwrap();
    assert_eq!(again.script, scenario.script);
    // And it runs: every step applies by name.
    let mut s = Simulation::new(scenario, Options::default()).unwrap();
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    let c9 = s.consumer_id("c9").unwrap();
    assert!(
        s.consumer_pace(c9)
            .is_some_and(|(_, failing)| failing == 0.25)
    );
}

/// A queue deleted while it runs: its messages go, its consumers are cancelled (stopped, and
/// they finish what they hold), publishes that reached it are unroutable; starting a consumer
/// again declares it as the scenario does. An exchange deleted: publishing to it is refused.
/// Both are changes, made again exactly and undone by going back.
#[test]
fn a_queue_or_an_exchange_deleted_while_it_runs() {
    let mut s = build(&file("orders-topic.json"));
    s.run_until(SimTime::from_ms(2_000)).unwrap();
    s.inject_topology(Action::DeleteQueue {
        vhost: "/".into(),
        queue: "email-notifications".into(),
    })
    .unwrap();
    s.run_until(SimTime::from_ms(3_000)).unwrap();
    assert!(s.broker().queue("/", "email-notifications").is_none());
    let mailer = s.consumer_id("mailer-1").unwrap();
    assert_eq!(s.consumer_view(mailer).unwrap().status, "stopped");
    let summary = s.summary();
    assert!(
        summary["messages"]["unroutable"].as_u64() > Some(0),
        "{summary}"
    );
    let deleted = (s.trace().events()).filter(|e| e.kind == TraceKind::Deleted);
    assert_eq!(deleted.count(), 1);
    // Started again, it declares its queue first.
    s.inject(switchyard_core::sim::Control::StartConsumer(mailer));
    s.run_until(SimTime::from_ms(3_500)).unwrap();
    assert!(s.broker().queue("/", "email-notifications").is_some());
    assert_eq!(s.consumer_view(mailer).unwrap().status, "running");

    let mut x = build(&file("orders-topic.json"));
    x.run_until(SimTime::from_ms(1_000)).unwrap();
    x.inject_topology(Action::DeleteExchange {
        vhost: "/".into(),
        exchange: "orders".into(),
    })
    .unwrap();
    x.run_until(SimTime::from_ms(2_000)).unwrap();
    let refused = (x.trace().events()).filter(|e| e.kind == TraceKind::Refused);
    assert!(
        refused.count() > 0,
        "publishing to a deleted exchange is refused"
    );

    let changes = s.edits();
    let text = edits::to_json(&changes).to_string();
    assert!(text.contains(r#""action":"delete_queue""#), "{text}");
    let read = edits::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    let mut again = build(&file("orders-topic.json"));
    again.apply_edits(&read).unwrap();
    again.run_until(SimTime::from_ms(3_500)).unwrap();
    assert_eq!(record(&again), record(&s));
    s.seek(SimTime::from_ms(1_500)).unwrap();
    assert!(s.broker().queue("/", "email-notifications").is_some());
    assert_eq!(s.consumer_view(mailer).unwrap().status, "running");
}
