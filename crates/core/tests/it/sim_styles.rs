//! Business flows end to end on the shipped presets: each runs to 60 s twice in each style
//! with the same seed and gives the same trace; requests and messages are accounted for; the
//! comparison of the two styles comes out as the theory says (choreography answers the caller
//! faster, keeps answering while a service is down and catches up later, and its triggering
//! service depends on no one); services go down and come back on demand; seek is exact with a
//! flow; a built scenario builds again in the other style. Sagas, the circuit breaker and the
//! exchange retype are in `sim_flow_patterns`.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_core::MessageId;
use switchyard_core::sim::flow::{Style, StyleFigures, compare};
use switchyard_core::sim::scenario::{Action, ScriptStep};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Control, Options, Scenario, SimTime, Simulation, TraceKind};

pub(crate) const PRESETS: [(&str, &str); 3] = [
    (
        "payment-flow",
        include_str!("../../../../scenarios/payment-flow.json"),
    ),
    ("saga", include_str!("../../../../scenarios/saga.json")),
    (
        "circuit-breaker",
        include_str!("../../../../scenarios/circuit-breaker.json"),
    ),
];

pub(crate) fn preset(name: &str, style: Style) -> Scenario {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).unwrap();
    let mut s = Scenario::from_json_text(text).unwrap();
    s.flow.as_mut().unwrap().style = style;
    s
}

pub(crate) fn run(scenario: Scenario, until_ms: u64) -> Simulation {
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(until_ms)).unwrap();
    sim
}

pub(crate) fn trace_lines(sim: &Simulation) -> String {
    sim.trace()
        .events()
        .map(|e| to_json(&e, sim.world()).to_string() + "\n")
        .collect()
}

pub(crate) fn kinds(sim: &Simulation) -> Vec<&'static str> {
    sim.trace().events().map(|e| e.kind.name()).collect()
}

/// Every message published through the broker was acked exactly once or is still in a queue.
fn assert_messages_conserved(sim: &Simulation, what: &str) {
    let mut published = BTreeSet::new();
    let mut acked: BTreeMap<MessageId, usize> = BTreeMap::new();
    for e in sim.trace().events() {
        match (e.kind, e.message) {
            (TraceKind::Publish, Some(m)) => {
                published.insert(m);
            }
            (TraceKind::Ack, Some(m)) => *acked.entry(m).or_default() += 1,
            _ => {}
        }
    }
    let b = sim.broker();
    let mut held: BTreeSet<MessageId> = b.queue_states("/").flat_map(|q| q.message_ids()).collect();
    held.extend(b.unsettled().into_iter().map(|(_, _, m, _, _)| m));
    let copies = |m: &MessageId| {
        // A plain flow's event reaches every service's queue; a saga's exactly one.
        let routed = sim
            .trace()
            .events()
            .filter(|e| e.kind == TraceKind::Enqueue && e.message == Some(*m))
            .count();
        routed.max(1)
    };
    for m in &published {
        let done = acked.get(m).copied().unwrap_or(0);
        assert!(
            done == copies(m) || held.contains(m),
            "{what}: {m:?} acked {done} times and not held"
        );
    }
    assert_eq!(
        sim.metrics().total.published as usize,
        published.len(),
        "{what}"
    );
}

/// Every request the caller sent was answered, timed out or is still awaited.
fn assert_requests_conserved(f: &StyleFigures, what: &str) {
    assert!(f.requests > 100, "{what}: {f:?}");
    let ended = f.answered_ok + f.answered_error + f.caller_timeouts + f.in_progress;
    assert_eq!(ended, f.requests, "{what}: {f:?}");
}

#[test]
fn every_preset_runs_twice_to_the_same_trace_in_each_style_and_conserves() {
    for (name, _) in PRESETS {
        for style in Style::ALL {
            let what = format!("{name} in {}", style.name());
            let a = run(preset(name, style), 60_000);
            let b = run(preset(name, style), 60_000);
            let lines = trace_lines(&a);
            assert!(lines.lines().count() > 1000, "{what}");
            assert_eq!(lines, trace_lines(&b), "{what}");
            assert_eq!(a.summary(), b.summary(), "{what}");
            assert_messages_conserved(&a, &what);
            assert_requests_conserved(&a.flow_figures().unwrap(), &what);
            if style == Style::Orchestration {
                assert_eq!(a.metrics().total.published, 0, "{what}: no broker");
            }
        }
    }
}

#[test]
fn switching_style_keeps_the_load_and_the_comparison_follows_the_theory() {
    let scenario = preset("payment-flow", Style::Choreography);
    let c = compare(&scenario, SimTime::from_ms(60_000)).unwrap();
    let orch = c.style(Style::Orchestration).unwrap();
    let chor = c.style(Style::Choreography).unwrap();
    assert_eq!(orch.requests, chor.requests, "same seed, same load");
    // Choreography answers the caller at once, so faster.
    assert!(chor.response_p50_us.unwrap() * 3 < orch.response_p50_us.unwrap());
    assert!(chor.response_p95_us.unwrap() < orch.response_p95_us.unwrap());
    // The triggering service depends on no one in choreography, on every service otherwise.
    assert!(chor.dependencies.is_empty());
    assert_eq!(orch.dependencies, ["order", "messenger", "customer"]);
    assert_eq!((chor.calls, orch.events_published), (0, 0));
    assert_eq!(chor.events_published, chor.answered_ok);
    // Order is down from 20 s to 35 s (about 150 requests at 10 a second).
    assert_eq!((chor.answered_error, chor.caller_timeouts), (0, 0));
    assert_eq!(chor.failed_during_outage, 0);
    assert!(orch.failed_during_outage > 100, "{orch:?}");
    assert_eq!(orch.call_timeouts, orch.failed_during_outage);
    // Choreography's order queue grew while order was down and drained after.
    let backlog = |pairs: &[(String, u64)]| {
        pairs
            .iter()
            .find(|(n, _)| n == "order")
            .map(|(_, v)| *v)
            .unwrap()
    };
    assert!(backlog(chor.max_backlog.as_deref().unwrap()) > 100);
    assert!(backlog(&chor.backlog_at_end) < 10, "{chor:?}");
    // Orchestration does not pile work up for a down service: it fails the caller instead.
    assert!(
        backlog(orch.max_backlog.as_deref().unwrap()) < 10,
        "{orch:?}"
    );
    let handled = |f: &StyleFigures| backlog(&f.handled);
    assert!(
        handled(chor) + 10 > chor.requests,
        "order caught up: {chor:?}"
    );
    assert!(
        handled(orch) + 100 < orch.requests,
        "order missed the outage: {orch:?}"
    );
}

#[test]
fn a_service_taken_down_on_demand_is_shown_and_brought_back() {
    for style in Style::ALL {
        let mut sim = Simulation::new(preset("payment-flow", style), Options::default()).unwrap();
        sim.scenario();
        let messenger = sim.service_id("messenger").unwrap();
        assert!(sim.service_id("nobody").is_none());
        sim.run_until(SimTime::from_ms(5_000)).unwrap();
        sim.inject(Control::TakeDown(messenger));
        sim.run_until(SimTime::from_ms(5_900)).unwrap();
        // Orchestration: payment waits on messenger and the front end waits on payment.
        let name = |id| sim.world().node(id).unwrap().name.clone();
        let waits: BTreeSet<(String, String)> = sim
            .flow_waits()
            .iter()
            .map(|w| (name(w.waiter), name(w.on)))
            .collect();
        let on_messenger = ("payment".to_owned(), "messenger".to_owned());
        let on_payment = ("frontend".to_owned(), "payment".to_owned());
        match style {
            Style::Orchestration => {
                assert!(waits.contains(&on_messenger) && waits.contains(&on_payment));
                let oldest = sim.flow_waits().iter().map(|w| w.since).min().unwrap();
                assert!(oldest < 5_000_000, "waiting since before the outage");
            }
            Style::Choreography => assert!(!waits.contains(&on_messenger), "{waits:?}"),
        }
        sim.run_until(SimTime::from_ms(8_000)).unwrap();
        sim.inject(Control::BringBack(messenger));
        sim.run_until(SimTime::from_ms(12_000)).unwrap();
        let k = kinds(&sim);
        let down = k.iter().position(|k| *k == "service_down").unwrap();
        let up = k.iter().position(|k| *k == "service_up").unwrap();
        assert!(down < up, "{style:?}");
        let f = sim.flow_figures().unwrap();
        match style {
            Style::Orchestration => assert!(f.call_timeouts > 10, "{f:?}"),
            Style::Choreography => {
                assert!(k.contains(&"consumer_crashed") && k.contains(&"consumer_started"));
                assert_eq!(f.answered_error + f.caller_timeouts, 0, "{f:?}");
            }
        }
    }
}

#[test]
fn seek_back_equals_a_fresh_run_with_a_flow() {
    for (name, _) in PRESETS {
        for style in Style::ALL {
            let mut sim = run(preset(name, style), 45_000);
            for t in [30_000, 20_500, 1] {
                sim.seek(SimTime::from_ms(t)).unwrap();
                let fresh = run(preset(name, style), t);
                assert_eq!(trace_lines(&sim), trace_lines(&fresh), "{name} {t}");
                assert_eq!(sim.summary(), fresh.summary(), "{name} {t}");
            }
        }
    }
}

#[test]
fn a_built_scenario_switches_style_and_writes_back_as_it_was_read() {
    for style in Style::ALL {
        let original = preset("payment-flow", style);
        let sim = Simulation::new(original.clone(), Options::default()).unwrap();
        assert_eq!(
            sim.scenario().to_json().unwrap(),
            original.to_json().unwrap()
        );
        for next in Style::ALL {
            let mut again = sim.scenario().clone();
            again.flow.as_mut().unwrap().style = next;
            let rebuilt = run(again, 5_000);
            let fresh = run(preset("payment-flow", next), 5_000);
            assert_eq!(
                trace_lines(&rebuilt),
                trace_lines(&fresh),
                "{style:?} → {next:?}"
            );
        }
    }
    let text = include_str!("../../../../scenarios/orders-topic.json")
        .replace("\"mailer-2\"", "\"order\"");
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let flow: serde_json::Value = serde_json::from_str(PRESETS[0].1).unwrap();
    json["flow"] = flow["flow"].clone();
    let err = Scenario::from_json(&json).unwrap_err().to_string();
    assert!(
        err.starts_with("actors.consumers[1].name: `order` is a service of the flow"),
        "{err}"
    );
}

#[test]
fn a_service_taken_down_stays_down_through_a_broker_restart() {
    let mut scenario = preset("payment-flow", Style::Choreography);
    scenario.script = vec![
        ScriptStep {
            at: 5_000_000,
            action: Action::TakeDown {
                service: "order".into(),
            },
        },
        ScriptStep {
            at: 6_000_000,
            action: Action::RestartBroker,
        },
    ];
    let sim = run(scenario, 10_000);
    let order = sim.world().service("order").unwrap();
    let started: Vec<u64> = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::ConsumerStarted && e.node == Some(order))
        .map(|e| e.time.as_ms())
        .collect();
    assert_eq!(started, [0], "order must not reconnect while down");
    let others = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::ConsumerStarted && e.time.as_ms() >= 6_000)
        .count();
    assert_eq!(
        others, 2,
        "messenger and customer reconnect after the restart"
    );
}

#[test]
fn a_choreography_event_is_held_for_the_inspector_with_its_publisher_and_route() {
    let sim = run(preset("payment-flow", Style::Choreography), 5_000);
    let published: Vec<MessageId> = (sim.trace().events())
        .filter(|e| e.kind == TraceKind::Publish)
        .filter_map(|e| e.message)
        .collect();
    assert!(!published.is_empty());
    for id in published {
        let info = sim.message(id).unwrap_or_else(|| panic!("#{} held", id.0));
        let switchyard_core::sim::Origin::Producer(p) = info.origin else {
            panic!(
                "#{} published by its service's producer: {:?}",
                id.0, info.origin
            );
        };
        assert!(sim.producer_node(p).is_some());
        let route = sim.explain_message(id).unwrap().unwrap();
        assert!(!route.visits.is_empty(), "#{} explained", id.0);
    }
}
