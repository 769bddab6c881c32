//! Browser tests of the panels: wiring only (what each shows is computed and tested natively in
//! the core). Each mounts one component on a simulation of the first preset and reads the DOM.
//! Run: `cargo test -p switchyard-app --target wasm32-unknown-unknown --test panels`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use switchyard_app::download::Saved;
use switchyard_app::explorer::Explorer;
use switchyard_app::inspector::{Inspector, InspectorProps};
use switchyard_app::metrics_panel::{MetricsPanel, MetricsPanelProps};
use switchyard_app::narration::{Narration, NarrationProps};
use switchyard_app::preset_picker::{PresetPicker, PresetPickerProps};
use switchyard_app::presets;
use switchyard_app::route_view::{RouteView, RouteViewProps};
use switchyard_app::sim_ref::{Selection, SimRef};
use switchyard_core::MessageId;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, InputEvent, InputEventInit};
use yew::{BaseComponent, Callback};

wasm_bindgen_test_configure!(run_in_browser);

/// The first preset, run for `ms` of virtual time.
fn sim(ms: u64) -> SimRef {
    SimRef::new(preset_run(presets::first().unwrap().id, ms))
}

/// The preset with this id, run for `ms` of virtual time.
fn preset_run(id: &str, ms: u64) -> Simulation {
    let scenario = Scenario::from_json_text(presets::find(id).unwrap().json).unwrap();
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(ms)).unwrap();
    sim
}

async fn mount<C: BaseComponent>(props: C::Properties) -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(50)).await;
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

fn click(root: &Element, selector: &str) {
    let el: HtmlElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .unchecked_into();
    el.click();
}

/// Types `value` into the input `selector` as a user would (an `input` event that bubbles).
async fn type_into(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value(value);
    let init = InputEventInit::new();
    init.set_bubbles(true);
    let event = InputEvent::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    settle().await;
}

/// A callback that keeps what it was called with.
fn recorder<T: 'static>() -> (Callback<T>, Rc<RefCell<Vec<T>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let keep = seen.clone();
    (Callback::from(move |v| keep.borrow_mut().push(v)), seen)
}

#[wasm_bindgen_test]
async fn the_inspector_shows_a_message_with_its_route_and_links_its_destinations() {
    let (on_select, selected) = recorder();
    let props = InspectorProps {
        sim: sim(3000),
        selection: Some(Selection::Message(MessageId(1))),
        on_select,
    };
    let root = mount::<Inspector>(props).await;
    assert_eq!(texts(&root, "h2"), ["Message #1"]);
    let matched = texts(&root, ".route .trial.matched .dest");
    assert_eq!(matched, ["email-notifications"], "{}", root.inner_html());
    assert!(texts(&root, ".lifecycle .what").contains(&"published".to_owned()));
    click(&root, ".route .trial.matched button.dest");
    let picked = selected.borrow().clone();
    assert!(
        matches!(picked.as_slice(), [Selection::Node(_)]),
        "{picked:?}"
    );
}

#[wasm_bindgen_test]
async fn the_inspector_shows_a_flow_s_request_with_its_calls_and_links_its_services() {
    let (on_select, selected) = recorder();
    let sim = preset_run("saga", 2000);
    let shop = sim.flow_caller().unwrap();
    let props = InspectorProps {
        sim: SimRef::new(sim),
        selection: Some(Selection::Request(0)),
        on_select,
    };
    let root = mount::<Inspector>(props).await;
    assert_eq!(texts(&root, "h2"), ["Request #0"]);
    let calls = texts(&root, "ol.calls .what");
    assert_eq!(
        calls.first().map(String::as_str),
        Some("request"),
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.starts_with("answered ok in")),
        "{calls:?}"
    );
    click(&root, ".origin button.link");
    assert_eq!(selected.borrow().as_slice(), [Selection::Node(shop)]);
}

#[wasm_bindgen_test]
async fn a_choreographed_request_shows_no_step_of_the_services_but_its_events_which_lead_back_to_it()
 {
    let (on_select, selected) = recorder();
    let sim = preset_run("payment-flow", 2000);
    let sim = SimRef::new(sim);
    let props = InspectorProps {
        sim: sim.clone(),
        selection: Some(Selection::Request(0)),
        on_select: on_select.clone(),
    };
    let root = mount::<Inspector>(props).await;
    let steps = texts(&root, ".milestones li");
    assert_eq!(steps, ["✓sent", "✓answered ok"], "{}", root.inner_html());
    assert!(root.text_content().unwrap().contains("In choreography"));
    // Its event is listed, and leads to its message, which leads back to the request.
    let events = texts(&root, "ul.events li");
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e.contains("payment_succeeded by payment")),
        "{events:?}"
    );
    click(&root, "ul.events li button.link");
    let picked = selected.borrow().first().cloned();
    let id = match picked {
        Some(Selection::Message(id)) => Some(id),
        _ => None,
    };
    let id = id.expect("a message selected");
    let props = InspectorProps {
        sim: sim.clone(),
        selection: Some(Selection::Message(id)),
        on_select: on_select.clone(),
    };
    let root = mount::<Inspector>(props).await;
    let origin = texts(&root, ".origin").concat();
    assert!(origin.ends_with(", for request #0"), "{origin}");
    click(&root, ".origin button.link:last-child");
    assert_eq!(selected.borrow().last(), Some(&Selection::Request(0)));
}

#[wasm_bindgen_test]
async fn the_inspector_shows_a_queue_with_its_counts_and_bindings() {
    let sim = sim(3000);
    let queue = sim
        .get()
        .unwrap()
        .world()
        .queue("/", "email-notifications")
        .unwrap();
    let (on_select, _) = recorder();
    let props = InspectorProps {
        sim,
        selection: Some(Selection::Node(queue)),
        on_select,
    };
    let root = mount::<Inspector>(props).await;
    assert_eq!(
        texts(&root, ".counts .label"),
        ["Ready", "Unacked", "Total"]
    );
    let keys = texts(&root, "table.bindings td code");
    assert!(keys.contains(&"order.*.created".to_owned()), "{keys:?}");
}

/// A quorum queue that dead-letters at least once says so in its settings, with how many
/// dead letters it holds.
#[wasm_bindgen_test]
async fn the_inspector_names_a_quorum_queues_at_least_once_dead_lettering() {
    let text = r#"{"switchyard": 1, "name": "alo", "topology": {
        "exchanges": [{"name": "dlx", "type": "fanout"}],
        "queues": [{"name": "work", "durable": true, "arguments": {"x-queue-type": "quorum",
            "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish"}}]}}"#;
    let scenario = Scenario::from_json_text(text).unwrap();
    let sim = Simulation::new(scenario, Options::default()).unwrap();
    let queue = sim.world().queue("/", "work").unwrap();
    let (on_select, _) = recorder();
    let props = InspectorProps {
        sim: SimRef::new(sim),
        selection: Some(Selection::Node(queue)),
        on_select,
    };
    let root = mount::<Inspector>(props).await;
    let settings = texts(&root, "table.settings").concat();
    assert!(
        settings.contains("at least once (0 held until their targets confirm)"),
        "{settings}"
    );
}

/// 45 queues bound to the direct exchange `x` with their names, with a consumer each.
fn many_queues() -> SimRef {
    let names: Vec<String> = (0..45).map(|i| format!("q{i:02}")).collect();
    let list =
        |each: &dyn Fn(&str) -> String| names.iter().map(|n| each(n)).collect::<Vec<_>>().join(",");
    let queues = list(&|n| format!(r#"{{"name":"{n}"}}"#));
    let bindings = list(&|n| {
        format!(
            r#"{{"source":"x","destination":"{n}","destination_type":"queue","routing_key":"{n}"}}"#
        )
    });
    let consumers = list(&|n| format!(r#"{{"name":"c-{n}","queue":"{n}"}}"#));
    let json = format!(
        r#"{{"switchyard":1,"name":"many","topology":{{"exchanges":[{{"name":"x","type":"direct"}}],
            "queues":[{queues}],"bindings":[{bindings}]}},"actors":{{"consumers":[{consumers}]}}}}"#
    );
    let scenario = Scenario::from_json_text(&json).unwrap();
    SimRef::new(Simulation::new(scenario, Options::default()).unwrap())
}

#[wasm_bindgen_test]
async fn a_long_queue_list_is_paged_and_filtered_by_name() {
    let props = MetricsPanelProps {
        sim: many_queues(),
        on_select: Callback::noop(),
    };
    let root = mount::<MetricsPanel>(props).await;
    let rows = || texts(&root, "tr.queue-row th");
    let shown = || texts(&root, ".queues .page-shown").concat();
    assert_eq!(rows().len(), 20);
    assert_eq!(rows().first().map(String::as_str), Some("q00"));
    assert_eq!(shown(), "1–20 of 45");
    click(&root, ".queues .page-next");
    settle().await;
    assert_eq!(rows().first().map(String::as_str), Some("q20"));
    assert_eq!(shown(), "21–40 of 45");
    type_into(&root, ".queues input[type=search]", "Q1").await;
    assert_eq!(
        rows(),
        (10..20).map(|i| format!("q{i}")).collect::<Vec<_>>()
    );
    assert_eq!(shown(), "1–10 of 10 matching, of 45");
    // The consumers' list has its own pages.
    assert_eq!(texts(&root, ".utilisation-list .name").len(), 20);
    assert_eq!(
        texts(&root, ".consumers .page-shown").concat(),
        "1–20 of 45"
    );
}

#[wasm_bindgen_test]
async fn an_exchanges_long_binding_list_is_paged_and_filtered() {
    let sim = many_queues();
    let x = sim.get().unwrap().world().exchange("/", "x").unwrap();
    let (on_select, _) = recorder();
    let props = InspectorProps {
        sim,
        selection: Some(Selection::Node(x)),
        on_select,
    };
    let root = mount::<Inspector>(props).await;
    let keys = || texts(&root, "table.bindings td code");
    assert_eq!(keys().len(), 20);
    assert_eq!(texts(&root, ".page-shown").concat(), "1–20 of 45");
    click(&root, ".page-next");
    settle().await;
    click(&root, ".page-next");
    settle().await;
    assert_eq!(keys(), ["q40", "q41", "q42", "q43", "q44"]);
    type_into(&root, ".list-pager input[type=search]", "q3").await;
    assert_eq!(keys().len(), 10);
    assert_eq!(
        texts(&root, ".page-shown").concat(),
        "1–10 of 10 matching, of 45"
    );
}

/// An exchange with 45 bindings: the one that matched and five that did not are listed, the
/// other 39 fold under a button that shows them.
#[wasm_bindgen_test]
async fn a_route_through_many_bindings_folds_those_that_did_not_match() {
    let sim = many_queues();
    let explanation = {
        let sim = sim.get().unwrap();
        switchyard_app::explorer::explain(sim.broker(), "/", "x", "q30", Default::default(), false)
            .unwrap()
    };
    let props = RouteViewProps {
        explanation: Rc::new(explanation),
        on_destination: None,
    };
    let root = mount::<RouteView>(props).await;
    let listed = || texts(&root, ".trial .dest");
    assert_eq!(listed(), ["q00", "q01", "q02", "q03", "q04", "q30"]);
    assert_eq!(
        texts(&root, "button.unfold").concat(),
        "✗ 39 more bindings did not match: show them"
    );
    click(&root, "button.unfold");
    settle().await;
    assert_eq!(listed().len(), 45);
    assert!(texts(&root, "button.unfold").is_empty());
}

#[wasm_bindgen_test]
async fn the_metrics_panel_has_a_row_per_queue_whose_name_selects_it() {
    let (on_select, selected) = recorder();
    let sim = sim(5000);
    let world = sim.get().unwrap().world().clone();
    let root = mount::<MetricsPanel>(MetricsPanelProps { sim, on_select }).await;
    let rows = texts(&root, "tr.queue-row th");
    assert_eq!(rows, ["email-notifications"]);
    click(&root, "tr.queue-row th button.link");
    click(&root, ".utilisation-list button.link");
    let picked = selected.borrow().clone();
    let names: Vec<_> = (picked.iter())
        .map(|s| match s {
            Selection::Node(id) => world.node(*id).map(|n| n.name.clone()),
            Selection::Message(_) | Selection::Request(_) => None,
        })
        .collect();
    assert_eq!(
        names,
        [Some("email-notifications".into()), Some("mailer-1".into())]
    );
    assert_eq!(
        texts(&root, ".latency dt"),
        ["p50", "p95", "p99", "messages"]
    );
    assert_eq!(
        root.query_selector_all(".rates-chart polyline")
            .unwrap()
            .length(),
        4
    );
}

#[wasm_bindgen_test]
async fn the_metrics_panel_of_an_orchestration_shows_its_calls_not_messages() {
    let sim = preset_run("saga", 5000);
    let figures = sim.flow_figures().unwrap();
    let props = MetricsPanelProps {
        sim: SimRef::new(sim),
        on_select: Callback::noop(),
    };
    let root = mount::<MetricsPanel>(props).await;
    let titles = texts(&root, "h3");
    assert_eq!(
        titles.get(..3),
        Some(&["Call rates", "Caller response time", "Requests so far"].map(String::from)[..]),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|t| t.starts_with("Message")),
        "{titles:?}"
    );
    assert_eq!(
        texts(&root, ".rate th"),
        ["requests", "calls", "answered ok", "failed"]
    );
    let values = texts(&root, ".rate td");
    assert!(
        values
            .iter()
            .take(2)
            .all(|v| v.ends_with("/s") && v != "0.00/s"),
        "{values:?}"
    );
    assert_eq!(
        root.query_selector_all(".rates-chart polyline")
            .unwrap()
            .length(),
        4
    );
    let tiles: Vec<_> = texts(&root, ".requests dt")
        .into_iter()
        .zip(texts(&root, ".requests dd"))
        .collect();
    assert_eq!(
        tiles.first(),
        Some(&("requests".to_owned(), figures.requests.to_string())),
        "{tiles:?}"
    );
}

#[wasm_bindgen_test]
async fn the_metrics_panel_of_a_choreography_shows_its_messages_and_the_caller_s_response_time() {
    let props = MetricsPanelProps {
        sim: SimRef::new(preset_run("payment-flow", 5000)),
        on_select: Callback::noop(),
    };
    let root = mount::<MetricsPanel>(props).await;
    let titles = texts(&root, "h3");
    assert_eq!(
        titles.get(..4),
        Some(
            &[
                "Message rates",
                "End-to-end latency",
                "Caller response time",
                "Messages so far"
            ]
            .map(String::from)[..]
        ),
        "{titles:?}"
    );
    let answered = texts(&root, ".latency dt");
    assert_eq!(answered.get(7).map(String::as_str), Some("answered"));
}

#[wasm_bindgen_test]
async fn the_picker_lists_every_preset_and_picks_one() {
    let (on_pick, picked) = recorder();
    let (on_load, _) = recorder();
    let (on_save, saved) = recorder();
    let first = presets::first().unwrap().id;
    let props = PresetPickerProps {
        current: first.into(),
        loaded: None,
        on_pick,
        on_load,
        on_error: Callback::noop(),
        on_save,
    };
    let root = mount::<PresetPicker>(props).await;
    let names = texts(&root, "button.preset .preset-name");
    assert_eq!(names.len(), presets::PRESETS.len());
    let current = root
        .query_selector("button.preset[aria-current=true]")
        .unwrap();
    assert_eq!(
        current.unwrap().get_attribute("data-preset").as_deref(),
        Some(first)
    );
    click(&root, "button.preset");
    assert_eq!(picked.borrow().as_slice(), [first]);
    assert!(root.query_selector("input[type=file]").unwrap().is_some());
    click(&root, "#save-definitions");
    click(&root, "#save-scenario");
    assert_eq!(
        saved.borrow().as_slice(),
        [Saved::Definitions, Saved::Scenario]
    );
}

#[wasm_bindgen_test]
async fn a_loaded_file_is_shown_by_its_name_above_the_load_button() {
    let (on_pick, _) = recorder();
    let (on_load, _) = recorder();
    let props = PresetPickerProps {
        current: "".into(),
        loaded: Some(("My own orders".into(), "Orders, my way.".into())),
        on_pick,
        on_load,
        on_error: Callback::noop(),
        on_save: Callback::noop(),
    };
    let root = mount::<PresetPicker>(props).await;
    let card = texts(&root, ".loaded-file");
    assert_eq!(card.len(), 1);
    let text = card.join("");
    assert!(
        text.contains("My own orders") && text.contains("Orders, my way."),
        "{text}"
    );
    let current = root
        .query_selector("button.preset[aria-current=true]")
        .unwrap();
    assert!(current.is_none(), "no preset is current");
}

#[wasm_bindgen_test]
async fn the_narration_shows_the_step_and_continues() {
    let scenario = Scenario::from_json_text(presets::first().unwrap().json).unwrap();
    let step = scenario.lesson.first().cloned().unwrap();
    let (on_continue, continued) = recorder();
    let props = NarrationProps {
        step: Some((0, step.clone())),
        on_continue,
        of: scenario.lesson.len(),
    };
    let root = mount::<Narration>(props).await;
    assert_eq!(texts(&root, "h2"), [step.title]);
    click(&root, "button.continue");
    assert_eq!(continued.borrow().len(), 1);
}

/// Without a running scenario the explorer explains tutorial 5's topic exchange; headers typed
/// beside the key take part (CC adds a routing key), mandatory returns what is unroutable, and
/// headers that are not a JSON object say so, leaving what was typed in place.
#[wasm_bindgen_test]
async fn the_explorer_takes_headers_and_names_what_is_wrong_with_them() {
    let root = mount::<Explorer>(()).await;
    type_into(&root, "#routing-key", "quick.brown.fox").await;
    assert!(texts(&root, "#explanation").concat().contains("dropped"));
    type_into(&root, "#explorer-headers", r#"{"CC": ["lazy.dog"]}"#).await;
    let explained = texts(&root, "#explanation").concat();
    assert!(explained.contains("routed to 1 queue: `Q2`"), "{explained}");
    // Mandatory: the unroutable message is returned instead of dropped.
    type_into(&root, "#explorer-headers", "").await;
    click(&root, "#explorer-mandatory");
    settle().await;
    let explained = texts(&root, "#explanation").concat();
    assert!(
        explained.contains("returned to the publisher (312 NO_ROUTE)"),
        "{explained}"
    );
    type_into(&root, "#explorer-headers", r#"{"CC": [lazy]}"#).await;
    let error = texts(&root, "p.error").concat();
    assert!(error.starts_with("Headers: this is not JSON"), "{error}");
    let input: HtmlInputElement = root
        .query_selector("#explorer-headers")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(input.value(), r#"{"CC": [lazy]}"#);
}

/// The filter lowers a name that is not ASCII through JavaScript: the same matches as Rust's
/// `to_lowercase` would give, final sigma and expansions included.
#[wasm_bindgen_test]
fn a_filter_ignores_case_beyond_ascii_as_rust_does() {
    use switchyard_app::paging::{ListView, page_of};
    let names = [
        "ÉCOLE.orders",
        "Straße",
        "ΟΔΟΣ",
        "ΟΔΟΣ.events",
        "İstanbul",
        "plain",
        "ǅ",
    ];
    let filters = [
        "école",
        "STRASSE",
        "straße",
        "οδος",
        "οδοσ",
        "i̇stanbul",
        "ǆ",
        "ΣΑ",
        "e",
    ];
    for filter in filters {
        let lower = filter.to_lowercase();
        let expected: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, name)| name.to_lowercase().contains(&lower))
            .map(|(i, _)| i)
            .collect();
        let view = ListView {
            filter: filter.to_owned(),
            page: 0,
        };
        let (shown, _, _) = page_of(names.iter().copied().enumerate(), &view);
        assert_eq!(shown, expected, "filter {filter}");
    }
}
