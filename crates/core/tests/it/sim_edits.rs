//! Changes made on demand, kept as a list (`Simulation::edits`), written as JSON and made again
//! on a new simulation of the same scenario: the run is exactly the same. A list that does not
//! fit the scenario is an error naming the change.

use serde_json::json;
use switchyard_core::definitions::Definitions;
use switchyard_core::sim::edits::{self, Edit};
use switchyard_core::sim::scenario::Action;
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Control, Options, Origin, Scenario, SimTime, Simulation, TraceKind};
use switchyard_core::{ExchangeType, Table};

fn build(file: &str) -> Simulation {
    let path = format!("{}/../../scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    Simulation::new(Scenario::from_json_text(&text).unwrap(), Options::default()).unwrap()
}

/// The summary and every trace event.
fn record(sim: &Simulation) -> String {
    let events = sim.trace().events().map(|e| to_json(&e, sim.world()));
    let lines: Vec<String> = events.map(|e| e.to_string()).collect();
    format!("{} {}\n{}", sim.steps(), sim.summary(), lines.join("\n"))
}

fn definitions(json: serde_json::Value) -> Definitions {
    Definitions::from_json(&json).unwrap()
}

/// The orders example with one change of each kind its inspector offers, at 2 to 4.5 s.
fn edited_orders() -> Simulation {
    let mut s = build("orders-topic.json");
    let at = |s: &mut Simulation, ms| s.run_until(SimTime::from_ms(ms)).unwrap();
    at(&mut s, 2_000);
    s.inject(Control::CrashConsumer(s.consumer_id("mailer-1").unwrap()));
    at(&mut s, 3_000);
    let audit = json!({"queues": [{"name": "audit", "vhost": "/", "durable": true}],
        "bindings": [{"source": "orders", "vhost": "/", "destination": "audit",
            "destination_type": "queue", "routing_key": "#"}]});
    let declare = Action::Declare {
        definitions: definitions(audit),
    };
    s.inject_topology(declare).unwrap();
    // A second change at the same moment.
    let orders = s.world().exchange("/", "orders").unwrap();
    s.inject(Control::SetExchangeType {
        exchange: orders,
        kind: ExchangeType::Fanout,
    });
    at(&mut s, 4_000);
    let unbind = json!({"bindings": [{"source": "orders", "vhost": "/", "destination": "audit",
        "destination_type": "queue", "routing_key": "#"}]});
    let unbind = Action::Unbind {
        definitions: definitions(unbind),
    };
    s.inject_topology(unbind).unwrap();
    at(&mut s, 4_500);
    s.inject(Control::StartConsumer(s.consumer_id("mailer-1").unwrap()));
    // A queue's limits, as the inspector sets them: a policy.
    at(&mut s, 5_000);
    let limits = json!({"policies": [{"vhost": "/", "name": "switchyard-email-notifications",
        "pattern": "^email\\-notifications$", "apply-to": "queues", "priority": 1,
        "definition": {"max-length": 1, "overflow": "reject-publish"}}]});
    let limits = Action::Declare {
        definitions: definitions(limits),
    };
    s.inject_topology(limits).unwrap();
    // One message more, with a key of one's own.
    let typed = Table::from_json(&json!({"typed": "yes"})).unwrap();
    s.inject_publish("orders-service", "order.eu.mine", Some(typed))
        .unwrap();
    // And a plain one, from no producer.
    let headers = Table::from_json(&json!({"format": "pdf"})).unwrap();
    s.inject_send("/", "orders", "order.us.created", headers)
        .unwrap();
    s
}

#[test]
fn changes_written_and_made_again_give_the_same_run() {
    let mut edited = edited_orders();
    let changes = edited.edits();
    let kinds: Vec<&str> = changes.iter().map(|e| name(&e.action)).collect();
    assert_eq!(
        kinds,
        [
            "crash_consumer",
            "declare",
            "set_exchange_type",
            "unbind",
            "start_consumer",
            "declare",
            "publish",
            "send"
        ]
    );
    let text = edits::to_json(&changes).to_string();
    let read = edits::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(read, changes);

    let mut again = build("orders-topic.json");
    again.apply_edits(&read).unwrap();
    assert_eq!(again.edits(), changes);
    // The publish with headers typed carries them, not the producer's own.
    again.run_until(SimTime::from_ms(5_200)).unwrap();
    let published = again
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Publish);
    let mine = published
        .filter_map(|e| again.message(e.message?))
        .find(|m| m.routing_key() == "order.eu.mine")
        .expect("published");
    let headers = &mine.properties().headers;
    assert_eq!(headers.get_str("typed"), Some("yes"));
    assert!(headers.get("region").is_none(), "not the producer's");
    for s in [&mut edited, &mut again] {
        s.run_until(SimTime::from_ms(10_000)).unwrap();
    }
    assert_eq!(record(&again), record(&edited));
    assert!(again.broker().queue("/", "audit").is_some());
    let policies = again.broker().policies();
    assert!(
        policies
            .iter()
            .any(|p| p.name == "switchyard-email-notifications")
    );
}

/// Saved with the scenario, the changes are its script steps (a queue's limits, a policy,
/// included).
#[test]
fn changes_saved_as_script_steps_read_back() {
    let changes = edited_orders().edits();
    let path = format!(
        "{}/../../scenarios/orders-topic.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["script"] = serde_json::Value::Array(edits::to_script(&changes));
    let scenario = Scenario::from_json_text(&file.to_string()).unwrap();
    let script: Vec<(u64, &Action)> = scenario.script.iter().map(|s| (s.at, &s.action)).collect();
    let made: Vec<(u64, &Action)> = changes.iter().map(|e| (e.at_us, &e.action)).collect();
    assert_eq!(script, made);
    let Action::Declare { definitions } = &scenario.script[5].action else {
        panic!("a declare");
    };
    assert_eq!(definitions.policies.len(), 1);
}

/// The message published on demand: from its producer, to its exchange, with its key, at
/// once; a publish step in a script does the same at its time.
#[test]
fn a_message_published_on_demand_goes_out_with_its_key() {
    let mine = |s: &Simulation| {
        let published = s.trace().events().filter(|e| e.kind == TraceKind::Publish);
        let ids: Vec<_> = published.filter_map(|e| e.message).collect();
        ids.into_iter().find_map(|id| {
            let info = s.message(id)?;
            (info.routing_key() == "order.eu.mine").then(|| (info.exchange().to_owned(), info.at))
        })
    };
    let mut s = build("orders-topic.json");
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    s.inject_publish("orders-service", "order.eu.mine", None)
        .unwrap();
    s.run_until(SimTime::from_ms(1_500)).unwrap();
    let (exchange, at) = mine(&s).expect("published");
    assert_eq!(exchange, "orders");
    assert!(
        at >= SimTime::from_ms(1_000) && at < SimTime::from_ms(1_100),
        "{at}"
    );
    // Going back before it undoes it.
    s.seek(SimTime::from_ms(900)).unwrap();
    s.run_until(SimTime::from_ms(1_500)).unwrap();
    assert!(mine(&s).is_none());

    let err = s.inject_publish("nobody", "k", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "publish.producer: no producer is named `nobody`"
    );
    let err = s
        .inject_publish("orders-service", &"k".repeat(256), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "publish.routing_key: a routing key is at most 255 bytes"
    );

    // Scripted.
    let path = format!(
        "{}/../../scenarios/orders-topic.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["script"] = json!([{"at_ms": 1000, "action": "publish", "producer": "orders-service",
        "routing_key": "order.eu.mine"}]);
    let scenario = Scenario::from_json_text(&file.to_string()).unwrap();
    let mut s = Simulation::new(scenario, Options::default()).unwrap();
    s.run_until(SimTime::from_ms(1_500)).unwrap();
    assert_eq!(mine(&s).map(|m| m.0).as_deref(), Some("orders"));
    file["script"][0]["producer"] = json!("nobody");
    let scenario = Scenario::from_json_text(&file.to_string()).unwrap();
    let err = Simulation::new(scenario, Options::default()).err().unwrap();
    assert_eq!(
        err.to_string(),
        "script[0].producer: no producer is named `nobody`"
    );
}

/// Any producer of any shipped scenario, in either style, may publish one message more with
/// any key (a flow's own producers included): the run goes on, and the changes made again
/// give the same run.
#[test]
fn every_producer_of_every_scenario_publishes_on_demand() {
    use switchyard_core::sim::flow::Style;
    let dir = format!("{}/../../scenarios", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        for style in Style::ALL {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut scenario = Scenario::from_json_text(&text).unwrap();
            if let Some(flow) = scenario.flow.as_mut() {
                flow.style = style;
            }
            let names: Vec<String> = scenario.producers.iter().map(|p| p.name.clone()).collect();
            let build = || Simulation::new(scenario.clone(), Options::default()).unwrap();
            let mut s = build();
            s.run_until(SimTime::from_ms(500)).unwrap();
            for name in &names {
                s.inject_publish(name, "no.such.key", None).unwrap();
                s.inject_publish(name, "", None).unwrap();
            }
            s.run_until(SimTime::from_ms(1_500)).unwrap();
            let mut again = build();
            again.apply_edits(&s.edits()).unwrap();
            again.run_until(SimTime::from_ms(1_500)).unwrap();
            assert_eq!(record(&again), record(&s), "{}", path.display());
        }
    }
}

/// A plain message sent on demand, from no producer: published at once, recorded as sent,
/// routed as any; an exchange that is not there is the broker's refusal.
#[test]
fn a_message_sent_on_demand_is_published_at_once() {
    let mut s = build("orders-topic.json");
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    let headers = Table::from_json(&json!({"format": "pdf"})).unwrap();
    s.inject_send("/", "orders", "order.us.created", headers)
        .unwrap();
    s.inject_send("/", "nowhere", "k", Table::new()).unwrap();
    s.run_until(SimTime::from_ms(1_000)).unwrap();
    let sent: Vec<_> = (s.trace().events())
        .filter(|e| e.kind == TraceKind::Publish)
        .filter_map(|e| s.message(e.message?))
        .filter(|m| m.origin == Origin::Sent)
        .map(|m| (m.routing_key().to_owned(), m.at))
        .collect();
    assert_eq!(
        sent,
        [("order.us.created".to_owned(), SimTime::from_ms(1_000))]
    );
    let enqueued = s.trace().events().filter(|e| e.kind == TraceKind::Enqueue);
    assert!(
        enqueued
            .filter_map(|e| s.message(e.message?))
            .any(|m| m.origin == Origin::Sent)
    );
    let refused = s.trace().events().filter(|e| e.kind == TraceKind::Refused);
    assert_eq!(
        refused
            .filter(|e| e.time == SimTime::from_ms(1_000))
            .count(),
        1
    );
    let err = (s.inject_send("/", "orders", &"k".repeat(256), Table::new())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "send.routing_key: a routing key is at most 255 bytes"
    );
}

#[test]
fn a_flow_service_taken_down_is_made_again() {
    let mut s = build("saga.json");
    s.run_until(SimTime::from_ms(3_000)).unwrap();
    let stock = s.services().into_iter().nth(2).unwrap();
    s.inject(Control::TakeDown(stock.id));
    s.run_until(SimTime::from_ms(5_000)).unwrap();
    let changes = s.edits();
    assert_eq!(
        edits::to_json(&changes),
        json!([{"steps": changes[0].steps, "at_us": 3_000_000, "action": "take_down",
            "service": "stock"}])
    );
    let mut again = build("saga.json");
    again.apply_edits(&changes).unwrap();
    again.run_until(SimTime::from_ms(5_000)).unwrap();
    assert_eq!(record(&again), record(&s));
}

#[test]
fn changes_that_do_not_fit_the_scenario_are_named() {
    let changes = edited_orders().edits();
    let crash = |steps, at_us, consumer: &str| Edit {
        steps,
        at_us,
        action: Action::CrashConsumer {
            consumer: consumer.into(),
        },
    };
    let first = changes[0].clone();
    let cases = [
        (
            vec![crash(first.steps, first.at_us, "nobody")],
            "edits[0].consumer: no consumer is named `nobody`",
        ),
        (
            vec![crash(1_000_000_000, 1_000, "mailer-1")],
            "edits[0].steps: this run handles 3 events by 1.000 ms, not 1000000000",
        ),
        (
            vec![crash(first.steps, first.at_us + 5_000_000, "mailer-1")],
            "edits[0].at_us: this run handles more events by then: the change was not made in it",
        ),
        (
            vec![
                first.clone(),
                crash(first.steps - 1, first.at_us, "mailer-2"),
            ],
            "edits[1]: comes before the change before it",
        ),
    ];
    for (list, want) in cases {
        let err = build("orders-topic.json").apply_edits(&list).unwrap_err();
        assert_eq!(err.to_string(), want);
    }
    // The list of another scenario: its consumers are not in this one.
    let err = build("tutorial-1-hello-world.json")
        .apply_edits(&changes)
        .unwrap_err();
    assert!(err.to_string().starts_with("edits[0]"), "{err}");
}

#[test]
fn a_hostile_or_mistyped_list_is_refused_with_what_is_wrong() {
    let cases = [
        (json!({"steps": 1}), "edits: expected an array"),
        (json!([5]), "edits[0]: expected an object"),
        (
            json!([{"at_us": 1, "action": "restart_broker"}]),
            "edits[0].steps: is missing",
        ),
        (
            json!([{"steps": -1, "at_us": 1, "action": "restart_broker"}]),
            "edits[0].steps: expected a number from 0 to 18446744073709551615",
        ),
        (
            json!([{"steps": 1, "at_us": 1, "action": "restart_broker", "x": 1}]),
            "edits[0].x: unknown field (expected one of: action, steps, at_us)",
        ),
        (
            json!([{"steps": 1, "at_us": 1, "action": "explode"}]),
            "edits[0].action: expected one of",
        ),
    ];
    for (json, want) in cases {
        let err = edits::from_json(&json).unwrap_err().to_string();
        assert!(err.starts_with(want), "{json}: {err}");
    }
    let many = vec![json!({"steps": 1, "at_us": 1, "action": "restart_broker"}); 10_001];
    let err = edits::from_json(&json!(many)).unwrap_err().to_string();
    assert_eq!(err, "edits: 10001 entries is more than the 10000 allowed");
}

fn name(action: &Action) -> &'static str {
    match action {
        Action::CrashConsumer { .. } => "crash_consumer",
        Action::StartConsumer { .. } => "start_consumer",
        Action::Declare { .. } => "declare",
        Action::Unbind { .. } => "unbind",
        Action::SetExchangeType { .. } => "set_exchange_type",
        Action::Publish { .. } => "publish",
        Action::Send { .. } => "send",
        _ => "other",
    }
}
