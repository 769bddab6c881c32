//! The patterns on flows, through the presets and small scenarios: a saga compensates
//! whichever step fails, in both styles; the circuit breaker opens, half-opens and closes and
//! spares the caller the timeouts; an exchange's type changes in place (scripted or on demand,
//! exact under seek); the flow's errors name the field and its defaults are as documented; a
//! request's events run from its request to its answer, and in choreography each event it
//! caused carries its correlation id; the call rates sampled add up to the flow's counters and
//! are sampled again exactly after a seek.

use std::collections::BTreeMap;

use switchyard_core::sim::flow::Style;
use switchyard_core::sim::flow::breaker::BreakerState;
use switchyard_core::sim::scenario::{Action, ScriptStep};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Control, Options, Scenario, SimTime, Simulation, TraceKind};

use crate::sim_styles::{PRESETS, kinds, preset, run, trace_lines};

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
fn a_request_s_events_run_from_the_caller_s_request_through_its_calls_to_its_answer() {
    let mut scenario = preset("saga", Style::Orchestration);
    scenario.flow.as_mut().unwrap().trigger.stop = Some(15_000_000);
    scenario.script = vec![ScriptStep {
        at: 0,
        action: Action::FailService {
            service: "stock".into(),
        },
    }];
    let sim = run(scenario, 20_000);
    let caller = sim.flow_caller().unwrap();
    let node = |name: &str| sim.world().service(name).unwrap();
    let (checkout, payment, stock) = (node("checkout"), node("payment"), node("stock"));
    let requests = u32::try_from(sim.flow_figures().unwrap().requests).unwrap();
    assert!(requests > 50, "{requests}");
    let mut held = 0;
    for flow in 0..requests {
        let events = sim.trace().flow_events(flow);
        held += events.len();
        let hops: Vec<_> = events
            .iter()
            .map(|e| (e.kind, e.edge.map(|h| (h.from, h.to)), e.node))
            .collect();
        // payment takes it, stock fails it, payment's step is undone, the caller gets an error.
        let expected = vec![
            (TraceKind::Request { flow }, Some((caller, checkout)), None),
            (TraceKind::Request { flow }, Some((checkout, payment)), None),
            (
                TraceKind::Response { flow, ok: true },
                Some((payment, checkout)),
                None,
            ),
            (TraceKind::Request { flow }, Some((checkout, stock)), None),
            (
                TraceKind::Response { flow, ok: false },
                Some((stock, checkout)),
                None,
            ),
            (
                TraceKind::Compensate { flow },
                Some((checkout, payment)),
                None,
            ),
            (
                TraceKind::Response { flow, ok: true },
                Some((payment, checkout)),
                None,
            ),
            (TraceKind::SagaCompensated { flow }, None, Some(checkout)),
            (
                TraceKind::Response { flow, ok: false },
                Some((checkout, caller)),
                None,
            ),
        ];
        assert_eq!(hops, expected, "request {flow}");
        assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
    }
    let all = sim.trace().events().filter(|e| e.kind.flow().is_some());
    assert_eq!(held, all.count(), "every flow event belongs to one request");
    assert!(sim.trace().flow_events(requests).is_empty(), "not sent");
}

#[test]
fn a_choreographed_request_s_events_carry_its_correlation_id_and_lead_back_to_it() {
    let sim = run(preset("saga", Style::Choreography), 20_000);
    let requests = u32::try_from(sim.flow_figures().unwrap().requests).unwrap();
    assert!(requests > 50, "{requests}");
    let (mut compensated, mut held) = (0, 0);
    for flow in 0..requests {
        let events = sim.request_messages(flow);
        held += events.len();
        let keys: Vec<_> = (events.iter())
            .map(|id| sim.message(*id).unwrap().routing_key().to_owned())
            .collect();
        // The saga's first event, then each step's (or a failed step's compensation).
        assert!(!keys.is_empty(), "request {flow}");
        for id in &events {
            assert_eq!(sim.message_request(*id), Some(flow));
            let correlation = sim
                .message(*id)
                .unwrap()
                .properties()
                .correlation_id
                .clone();
            assert_eq!(correlation, Some(format!("request-{flow}")));
        }
        let undo = ["refund_payment", "release_stock", "cancel_shipping"];
        compensated += usize::from(keys.iter().any(|k| undo.contains(&k.as_str())));
        assert!(events.windows(2).all(|w| w[0] < w[1]), "oldest first");
    }
    assert!(compensated >= 10, "{compensated}");
    // Every event the flow's services published belongs to one request.
    let published = sim.flow_figures().unwrap().events_published;
    assert_eq!(held as u64, published);
    assert!(sim.request_messages(requests).is_empty(), "not sent");
    // A call is no message: in orchestration nothing is published for a request.
    let orchestrated = run(preset("saga", Style::Orchestration), 5_000);
    assert!(orchestrated.request_messages(0).is_empty());
}

#[test]
fn the_call_rates_sampled_add_up_to_the_flow_s_counters_at_each_sample() {
    for style in Style::ALL {
        let scenario = preset("saga", style);
        let mut sim = Simulation::new(scenario, Options::default()).unwrap();
        let (mut samples, mut then) = (0, 0);
        let mut sum = [0.0; 4];
        while sim.now() < SimTime::from_ms(30_000) {
            sim.step().unwrap();
            if sim.series().count() == samples {
                continue;
            }
            samples += 1;
            // Read as the sample was taken: the counters then are the rates' sum.
            let s = sim.series().last().unwrap();
            let r = s.calls.expect("a flow's scenario samples its rates");
            let secs = (s.time_us - then) as f64 / 1e6;
            then = s.time_us;
            for (sum, rate) in sum
                .iter_mut()
                .zip([r.requests, r.calls, r.answered_ok, r.failed])
            {
                *sum += rate * secs;
            }
            let f = sim.flow_figures().unwrap();
            let counts = [
                f.requests,
                f.calls,
                f.answered_ok,
                f.answered_error + f.caller_timeouts,
            ];
            let summed = sum.map(|v| v.round() as u64);
            assert_eq!(summed, counts, "{style:?} at {} µs", s.time_us);
        }
        assert!(samples >= 29, "{samples}");
        assert!(sum[0] > 100.0 && sum[2] > 50.0, "{style:?}: {sum:?}");
        match style {
            // Stock fails a saga in three: the caller hears of it.
            Style::Orchestration => assert!(sum[1] > sum[0] && sum[3] > 10.0, "{sum:?}"),
            // The triggering service answers once its event is out: a failure comes later,
            // in events, and no call is made.
            Style::Choreography => assert_eq!((sum[1], sum[3]), (0.0, 0.0), "{sum:?}"),
        }
    }
}

#[test]
fn a_seek_back_samples_the_call_rates_again_as_a_fresh_run_does() {
    let samples = |sim: &Simulation| sim.series().cloned().collect::<Vec<_>>();
    let fresh = |ms| run(preset("circuit-breaker", Style::Orchestration), ms);
    let mut sim = fresh(40_000);
    for ms in [12_500, 30_000, 3_000] {
        sim.seek(SimTime::from_ms(ms)).unwrap();
        assert_eq!(samples(&sim), samples(&fresh(ms)), "back to {ms} ms");
    }
    sim.seek(SimTime::from_ms(40_000)).unwrap();
    let end = samples(&sim);
    assert_eq!(end, samples(&fresh(40_000)));
    assert!(end.iter().any(|s| s.calls.is_some_and(|c| c.failed > 0.0)));
}

#[test]
fn messages_only_sample_no_call_rates() {
    let text = include_str!("../../../../scenarios/orders-topic.json");
    let mut sim =
        Simulation::new(Scenario::from_json_text(text).unwrap(), Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(5_000)).unwrap();
    assert!(sim.series().count() >= 4);
    assert!(sim.series().all(|s| s.calls.is_none()));
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
    let line = to_json(&retyped[0], sim.world()).to_string();
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
