//! Business flows end to end on the shipped presets: each runs to 60 s twice in each style
//! with the same seed and gives the same trace; requests and messages are accounted for; the
//! comparison of the two styles comes out as the theory says (choreography answers the caller
//! faster, keeps answering while a service is down and catches up later, and its triggering
//! service depends on no one); the saga compensates whichever step fails; the circuit breaker
//! opens, half-opens and closes; seek is exact with a flow; an exchange's type changes in place.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_core::MessageId;
use switchyard_core::sim::flow::breaker::BreakerState;
use switchyard_core::sim::flow::{Style, StyleFigures, compare};
use switchyard_core::sim::scenario::{Action, ScriptStep};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Control, Options, Scenario, SimTime, Simulation, TraceKind};

const PRESETS: [(&str, &str); 3] = [
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

fn preset(name: &str, style: Style) -> Scenario {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).unwrap();
    let mut s = Scenario::from_json_text(text).unwrap();
    s.flow.as_mut().unwrap().style = style;
    s
}

fn run(scenario: Scenario, until_ms: u64) -> Simulation {
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(until_ms)).unwrap();
    sim
}

fn trace_lines(sim: &Simulation) -> String {
    sim.trace()
        .events()
        .map(|e| to_json(e, sim.world()).to_string() + "\n")
        .collect()
}

fn kinds(sim: &Simulation) -> Vec<&'static str> {
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

/// Per flow: how the saga ended (completed, compensated) and how many compensations it had.
fn saga_endings(sim: &Simulation) -> BTreeMap<u32, (u32, u32)> {
    let mut out: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for e in sim.trace().events() {
        match e.kind {
            TraceKind::SagaCompleted { flow } => out.entry(flow).or_default().0 += 1,
            TraceKind::SagaCompensated { flow } => out.entry(flow).or_default().1 += 1,
            _ => {}
        }
    }
    out
}

#[test]
fn a_failure_at_any_saga_step_undoes_the_steps_before_it_in_both_styles() {
    // Step index (1 = payment) failing from the start ⇒ compensations per saga.
    for (step, service) in [(1u64, "payment"), (2, "stock"), (3, "shipping")] {
        for style in Style::ALL {
            let mut scenario = preset("saga", style);
            // The load stops at 15 s, so every saga has ended by 20 s.
            scenario.flow.as_mut().unwrap().trigger.stop = Some(15_000_000);
            scenario.script = vec![ScriptStep {
                at: 0,
                action: Action::FailService {
                    service: service.into(),
                },
            }];
            let sim = run(scenario, 20_000);
            let f = sim.flow_figures().unwrap();
            let what = format!("{service} failing, {style:?}: {f:?}");
            assert_eq!(f.sagas_completed, 0, "{what}");
            assert_eq!(
                f.sagas_compensated,
                f.answered_ok + f.answered_error,
                "{what}"
            );
            assert!(f.sagas_compensated > 50, "{what}");
            assert_eq!(f.compensations, f.sagas_compensated * (step - 1), "{what}");
            let endings = saga_endings(&sim);
            assert!(endings.values().all(|e| *e == (0, 1)), "{what}");
        }
    }
}

#[test]
fn the_saga_preset_compensates_while_stock_fails_and_completes_otherwise() {
    for style in Style::ALL {
        let sim = run(preset("saga", style), 60_000);
        let f = sim.flow_figures().unwrap();
        let endings = saga_endings(&sim);
        assert!(
            endings.values().all(|e| *e == (1, 0) || *e == (0, 1)),
            "{style:?}"
        );
        assert!(f.sagas_completed > 200 && f.sagas_compensated > 50, "{f:?}");
        // Stock failing (about 50 sagas) costs one compensation each, shipping two.
        assert!(f.compensations > f.sagas_compensated, "{f:?}");
        let k = kinds(&sim);
        match style {
            Style::Orchestration => assert!(k.contains(&"compensate")),
            Style::Choreography => {
                let refunds = sim.broker().queue("/", "payment.events").unwrap();
                assert_eq!(refunds.message_count(), 0, "caught up");
            }
        }
    }
}

#[test]
fn the_circuit_breaker_opens_half_opens_and_closes_and_spares_the_caller_the_timeouts() {
    let sim = run(preset("circuit-breaker", Style::Orchestration), 60_000);
    let states: Vec<(u64, &str)> = sim
        .trace()
        .events()
        .filter(|e| e.kind.name().starts_with("circuit_"))
        .map(|e| (e.time.as_ms(), e.kind.name()))
        .collect();
    // Stock is down from 20 s to 40 s: opened after 5 timeouts (about 21 s), half-open every
    // 3 s and open again while it is down, closed soon after 40 s.
    let (first, _) = states[0];
    assert_eq!(states[0].1, "circuit_opened");
    assert!((20_000..23_000).contains(&first), "{states:?}");
    let pairs: Vec<&str> = states.iter().map(|s| s.1).collect();
    assert!(pairs.windows(2).all(|w| w[0] != w[1]), "{states:?}");
    let (last_t, last) = states.last().unwrap();
    assert_eq!(*last, "circuit_closed");
    assert!((40_000..45_000).contains(last_t), "{states:?}");
    let with = sim.flow_figures().unwrap();
    assert!(with.calls_rejected > 100, "{with:?}");
    // Mid-outage the app sees stock down behind an open circuit.
    let mid = run(preset("circuit-breaker", Style::Orchestration), 30_000);
    let views = mid.services();
    let name = |v: &switchyard_core::sim::flow::ServiceView| {
        mid.world().node(v.node).unwrap().name.clone()
    };
    let stock = views.iter().find(|v| name(v) == "stock").unwrap();
    assert!(!stock.up);
    assert_ne!(stock.circuit, Some(BreakerState::Closed));
    let checkout = views.iter().find(|v| name(v) == "checkout").unwrap();
    assert!(checkout.up && checkout.circuit.is_none() && checkout.handled > 200);
    let mut without = preset("circuit-breaker", Style::Orchestration);
    without.flow.as_mut().unwrap().breaker = None;
    let without = run(without, 60_000).flow_figures().unwrap();
    assert_eq!(without.calls_rejected, 0);
    // Without it every call to stock waits the full second; with it the wait is rare.
    assert!(without.response_p95_us.unwrap() > 1_000_000, "{without:?}");
    assert!(with.response_p95_us.unwrap() < 200_000, "{with:?}");
    assert!(
        with.call_timeouts * 5 < without.call_timeouts,
        "{with:?} {without:?}"
    );
}

#[test]
fn an_exchange_changes_type_in_place_and_the_trace_says_so() {
    let text = include_str!("../../../../scenarios/orders-topic.json");
    let mut scenario = Scenario::from_json_text(text).unwrap();
    scenario.script = vec![ScriptStep {
        at: 10_000_000,
        action: Action::SetExchangeType {
            vhost: "/".into(),
            exchange: "orders".into(),
            kind: switchyard_core::ExchangeType::Direct,
        },
    }];
    let mut sim = run(scenario.clone(), 20_000);
    let retyped: Vec<_> = sim
        .trace()
        .events()
        .filter(|e| e.kind.name() == "exchange_retyped")
        .collect();
    assert_eq!(retyped.len(), 1);
    let line = to_json(retyped[0], sim.world()).to_string();
    assert!(line.contains(r#""node":"orders""#) && line.contains(r#""type":"direct""#));
    let x = sim
        .broker()
        .topology("/")
        .unwrap()
        .exchange("orders")
        .unwrap();
    assert_eq!(x.kind(), switchyard_core::ExchangeType::Direct);
    assert_eq!(x.bindings().count(), 1, "the binding is kept");
    // order.eu.created no longer matches the binding key order.*.created literally.
    let unroutable_after = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Unroutable)
        .all(|e| e.time.as_ms() >= 10_000);
    assert!(unroutable_after && sim.metrics().total.unroutable > 100);
    // Seeking back across the change is exact.
    sim.seek(SimTime::from_ms(9_000)).unwrap();
    sim.run_until(SimTime::from_ms(20_000)).unwrap();
    let scripted = trace_lines(&sim);
    assert_eq!(scripted, trace_lines(&run(scenario.clone(), 20_000)));
    // On demand, at the same instant, it is the same change.
    scenario.script.clear();
    let mut live = run(scenario, 10_000);
    let orders = live.world().exchange("/", "orders").unwrap();
    live.inject(Control::SetExchangeType {
        exchange: orders,
        kind: switchyard_core::ExchangeType::Direct,
    });
    live.run_until(SimTime::from_ms(20_000)).unwrap();
    assert_eq!(trace_lines(&live), scripted);
}

#[test]
fn flow_errors_name_the_field() {
    let text = PRESETS[0].1;
    let cases = [
        (
            "\"style\": \"choreography\"",
            "\"style\": \"mesh\"",
            "flow.style: expected one of: orchestration, choreography",
        ),
        (
            "{\"name\": \"customer\"",
            "{\"name\": \"order\"",
            "flow.services[2].name: `order` is used twice",
        ),
        (
            "\"caller\": \"frontend\"",
            "\"caller\": \"payment\"",
            "flow.caller: `payment` is also a service",
        ),
        (
            "\"service\": \"payment\"",
            "\"service\": \"pay ment\"",
            "flow.trigger.service: expected a name of letters, digits",
        ),
        (
            "\"timeout_ms\": 1000",
            "\"timeout_ms\": -1",
            "flow.call.timeout_ms: expected a number from 0",
        ),
        (
            "\"call\": {",
            "\"circuit_breaker\": {\"failure_threshold\": 0}, \"call\": {",
            "flow.circuit_breaker.failure_threshold: expected a number from 1",
        ),
        (
            "\"kind\": \"poisson\", \"per_second\": 10",
            "\"kind\": \"poisson\"",
            "flow.trigger.rate.per_second: is missing",
        ),
        (
            "{\"name\": \"messenger\", \"processing_ms\"",
            "{\"name\": \"messenger\", \"procesing_ms\"",
            "flow.services[1].procesing_ms: unknown field",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(text.contains(from), "{from}");
        let err = Scenario::from_json_text(&text.replacen(from, to, 1)).unwrap_err();
        assert!(err.to_string().starts_with(expected), "{to}: {err}");
    }
    let script = [
        (
            "\"action\": \"take_down\", \"service\": \"order\"",
            "\"action\": \"take_down\", \"service\": \"billing\"",
            "script[0].service: no service of the scenario's flow is named `billing`",
        ),
        (
            "\"action\": \"take_down\", \"service\": \"order\"",
            "\"action\": \"set_exchange_type\", \"exchange\": \"ms.payment\", \"type\": \"ring\"",
            "script[0].type: expected one of: direct, fanout, topic, headers",
        ),
        (
            "\"action\": \"take_down\", \"service\": \"order\"",
            "\"action\": \"set_exchange_type\", \"exchange\": \"nope\", \"type\": \"fanout\"",
            "script[0].exchange: exchange `nope` is not declared in vhost `/`",
        ),
    ];
    for (from, to, expected) in script {
        let scenario = Scenario::from_json_text(&text.replacen(from, to, 1));
        let err = scenario
            .and_then(|s| Simulation::new(s, Options::default()).map(|_| ()))
            .unwrap_err();
        assert!(err.to_string().starts_with(expected), "{to}: {err}");
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
fn a_minimal_flow_gets_the_documented_defaults() {
    let text = r#"{"switchyard": 1, "name": "m", "topology": {}, "flow": {
        "trigger": {"service": "payment", "rate": {"kind": "fixed", "per_second": 1}},
        "services": [{"name": "order"}]}}"#;
    let s = Scenario::from_json_text(text).unwrap();
    let f = s.flow.as_ref().unwrap();
    assert_eq!(f.style, Style::Orchestration);
    assert_eq!(f.caller, "frontend");
    assert_eq!(f.trigger.event, "payment_succeeded");
    assert_eq!(f.trigger.exchange, "ms.payment");
    assert_eq!(
        (f.timeout, f.caller_timeout, f.saga, f.breaker),
        (1_000_000, 5_000_000, false, None)
    );
    let order = &f.services[0];
    assert_eq!(
        (order.event.as_str(), order.compensation.as_str()),
        ("order_done", "undo_order")
    );
    // In choreography the exchange, the queue and the binding are built.
    let mut s = s;
    s.flow.as_mut().unwrap().style = Style::Choreography;
    let sim = run(s, 3_500);
    let b = sim.broker();
    let x = b.topology("/").unwrap().exchange("ms.payment").unwrap();
    assert_eq!(x.kind(), switchyard_core::ExchangeType::Topic);
    let keys: Vec<(String, String)> = x
        .bindings()
        .map(|(_, b)| (b.destination.name().to_owned(), b.key.clone()))
        .collect();
    assert_eq!(
        keys,
        [("order.events".to_owned(), "payment_succeeded".to_owned())]
    );
    let f = sim.flow_figures().unwrap();
    assert_eq!((f.requests, f.events_published), (4, 4));
}
