//! Browser tests of the flow views' data: the style switch's rebuild, the lines each style adds
//! to the drawing, and the comparison the card draws (computed natively in wasm, cached).
//! Run: `cargo test -p switchyard-app --target wasm32-unknown-unknown --test flows`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::rc::Rc;

use switchyard_app::exchange_type::{faded, matching_bindings, type_of};
use switchyard_app::flow_view::links::{FlowLink, flow_links};
use switchyard_app::flow_view::{comparison, horizon};
use switchyard_app::session::build_styled;
use switchyard_app::state::Source;
use switchyard_core::ExchangeType;
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::{Control, SimTime};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn kinds(source: &Source, style: Style) -> Vec<FlowLink> {
    let player = build_styled(source, Some(style)).unwrap();
    let sim = player.sim().get().unwrap();
    assert_eq!(sim.flow().unwrap().style, style);
    flow_links(&sim).into_iter().map(|l| l.2).collect()
}

#[wasm_bindgen_test]
fn each_style_draws_its_own_lines() {
    for (preset, services) in [("payment-flow", 3), ("saga", 3), ("circuit-breaker", 2)] {
        let source = Source::Preset(preset);
        let orchestrated = kinds(&source, Style::Orchestration);
        assert!(
            orchestrated.iter().all(|k| *k == FlowLink::Call),
            "{preset}"
        );
        let choreographed = kinds(&source, Style::Choreography);
        assert!(choreographed.contains(&FlowLink::Publish), "{preset}");
        if services > 0 {
            assert_eq!(orchestrated.len(), 1 + services, "{preset}");
            let consume = choreographed.iter().filter(|k| **k == FlowLink::Consume);
            assert_eq!(consume.count(), services, "{preset}");
        }
    }
    // No flow, no lines.
    let player = build_styled(&Source::Preset("orders-topic"), Some(Style::Orchestration)).unwrap();
    assert!(flow_links(&player.sim().get().unwrap()).is_empty());
}

#[wasm_bindgen_test]
fn the_comparison_runs_both_styles_once_per_scenario() {
    let source = Source::Preset("payment-flow");
    let player = build_styled(&source, None).unwrap();
    let sim = player.sim().get().unwrap();
    let scenario = sim.scenario();
    assert_eq!(horizon(scenario).0, 60_000_000);
    let first = comparison(&source, scenario).unwrap();
    let c = first.as_ref().as_ref().unwrap();
    let orch = c.style(Style::Orchestration).unwrap();
    let chor = c.style(Style::Choreography).unwrap();
    assert!(orch.failed_during_outage > 0);
    assert_eq!(chor.failed_during_outage, 0);
    assert!(!orch.response_histogram.is_empty() && !chor.response_histogram.is_empty());
    assert!(orch.response_p50_us > chor.response_p50_us);
    assert_eq!(orch.dependencies.len(), 3);
    assert!(chor.dependencies.is_empty());
    let again = comparison(&source, scenario).unwrap();
    assert!(Rc::ptr_eq(&first, &again), "cached");
}

#[wasm_bindgen_test]
fn a_retyped_exchange_fades_the_bindings_its_messages_no_longer_match() {
    let player = build_styled(&Source::Preset("tutorial-5-topics"), None).unwrap();
    let sim = player.sim();
    let x = sim
        .get()
        .unwrap()
        .world()
        .exchange("/", "topic_logs")
        .unwrap();
    let q = |name: &str| sim.get().unwrap().world().queue("/", name).unwrap();
    let (q1, q2) = (q("Q1"), q("Q2"));
    sim.update(|s| s.run_until(SimTime(3_000_000)).unwrap());
    let m = matching_bindings(&sim.get().unwrap());
    for (to, key) in [(q1, "*.orange.*"), (q2, "*.*.rabbit"), (q2, "lazy.#")] {
        assert!(
            !faded(&m, x, to, key),
            "{key} matches a recent message under topic"
        );
    }
    sim.update(|s| {
        s.inject(Control::SetExchangeType {
            exchange: x,
            kind: ExchangeType::Direct,
        });
        s.run_until(SimTime(6_000_000)).unwrap();
    });
    assert_eq!(type_of(&sim.get().unwrap(), x), Some(ExchangeType::Direct));
    let m = matching_bindings(&sim.get().unwrap());
    for (to, key) in [(q1, "*.orange.*"), (q2, "*.*.rabbit"), (q2, "lazy.#")] {
        assert!(faded(&m, x, to, key), "{key} matches nothing under direct");
    }
    // Back to topic: the next messages match again.
    sim.update(|s| {
        s.inject(Control::SetExchangeType {
            exchange: x,
            kind: ExchangeType::Topic,
        });
        s.run_until(SimTime(9_000_000)).unwrap();
    });
    let m = matching_bindings(&sim.get().unwrap());
    assert!(!faded(&m, x, q1, "*.orange.*"));
}
