//! Browser tests: wiring only (the logic is tested natively in the core). They run in headless
//! Chromium through wasm-bindgen-test-runner: `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use switchyard_app::{App, panic_overlay};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, InputEvent, InputEventInit, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

thread_local! {
    /// The apps earlier tests mounted: each test destroys them first, so no earlier stage keeps
    /// animating (and loading the machine) while it runs.
    static MOUNTED: std::cell::RefCell<Vec<(yew::AppHandle<App>, web_sys::Element)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Mounts the app in a fresh element, and waits (up to 3 s: Yew renders when it gets to it,
/// later on a busy machine) until its header is rendered.
async fn mount() -> web_sys::Element {
    for (app, root) in MOUNTED.with_borrow_mut(std::mem::take) {
        app.destroy();
        root.remove();
    }
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let app = yew::Renderer::<App>::with_root(root.clone()).render();
    MOUNTED.with_borrow_mut(|apps| apps.push((app, root.clone())));
    rendered(&root, "h1.title").await;
    root
}

/// Waits (up to 3 s) until `done()` holds; the caller then asserts what it waited for.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..60 {
        if done() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (up to 3 s) until `selector` is rendered under `root`, and gives it.
async fn rendered(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    for _ in 0..60 {
        if let Some(element) = root.query_selector(selector).unwrap() {
            return element;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("`{selector}` is not rendered after 3 s");
}

/// Mounts the app with no saved session (so the first preset opens), and waits (up to 2 s)
/// until the explorer follows that preset's scenario.
async fn mount_on_the_first_preset() -> web_sys::Element {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(switchyard_app::storage::KEY).unwrap();
    let root = mount().await;
    let mut shown = false;
    for _ in 0..40 {
        shown = root.query_selector("#explorer-exchange").unwrap().is_some();
        if shown {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shown, "the explorer shows the scenario's exchanges");
    root
}

#[wasm_bindgen_test]
async fn app_mounts_with_header_and_explanation() {
    let root = mount_on_the_first_preset().await;
    let title = root.query_selector("h1.title").unwrap().unwrap();
    assert_eq!(title.text_content().unwrap(), "Switchyard");
    // The first preset's producer publishes order.<region>.created to the topic exchange orders.
    let explanation = text(&root, "#explanation");
    assert!(
        explanation.contains("routed to 1 queue: `email-notifications`"),
        "{explanation}"
    );
}

#[wasm_bindgen_test]
async fn typing_a_routing_key_re_explains() {
    let root = mount_on_the_first_preset().await;
    let input: HtmlInputElement = root
        .query_selector("#routing-key")
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value("order.eu.shipped");
    let init = InputEventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    until(|| text(&root, "#explanation").contains("dropped")).await;
    let explanation = text(&root, "#explanation");
    assert!(explanation.contains("dropped"), "{explanation}");
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .expect("the element is rendered")
        .text_content()
        .unwrap()
}

/// The event counter; 0 until it is rendered.
fn events(root: &web_sys::Element) -> u64 {
    let Some(steps) = root.query_selector("#steps").unwrap() else {
        return 0;
    };
    steps
        .text_content()
        .unwrap()
        .trim_end_matches(" events")
        .parse()
        .unwrap()
}

/// Waits (up to 2 s: Yew renders when it gets to it, later on a busy machine) for the event
/// counter to show `want`, and gives what it shows then.
async fn events_become(root: &web_sys::Element, want: u64) -> u64 {
    for _ in 0..200 {
        if events(root) == want {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    events(root)
}

/// The event counter once two readings 150 ms apart agree (after a step has been drawn).
async fn events_settled(root: &web_sys::Element) -> u64 {
    let mut last = events(root);
    for _ in 0..20 {
        yew::platform::time::sleep(Duration::from_millis(150)).await;
        let now = events(root);
        if now == last {
            break;
        }
        last = now;
    }
    last
}

#[wasm_bindgen_test]
async fn the_first_preset_opens_playing_with_the_stage_and_the_panels() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(switchyard_app::storage::KEY).unwrap();
    let root = mount().await;
    rendered(&root, "#stage-canvas").await;
    let play = rendered(&root, "#play").await;
    assert_eq!(play.get_attribute("aria-label").unwrap(), "Pause");
    until(|| events(&root) > 0).await;
    assert!(events(&root) > 0, "the simulation moved");
    assert!(root.query_selector(".metrics").unwrap().is_some());
    assert!(text(&root, ".presets").contains("Orders on a topic exchange"));
}

#[wasm_bindgen_test]
async fn a_corrupt_saved_session_is_discarded_with_a_notice() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item(
            switchyard_app::storage::KEY,
            "{\"v\": 1, \"at_us\": \"soon\"}",
        )
        .unwrap();
    let root = mount().await;
    let banner = rendered(&root, "#banner").await.text_content().unwrap();
    assert!(
        banner.contains("could not be restored (`at_us`: expected a whole number)"),
        "{banner}"
    );
    assert!(
        root.query_selector("#stage-canvas").unwrap().is_some(),
        "not a blank page"
    );
}

#[wasm_bindgen_test]
async fn keys_open_help_and_step_the_simulation() {
    let root = mount().await;
    let press = |key: &str| {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        web_sys::window().unwrap().dispatch_event(&event).unwrap();
    };
    press("?");
    let help = rendered(&root, "#help-overlay").await;
    assert!(help.text_content().unwrap().contains("PageDown"));
    press("Escape");
    press(" ");
    let label = || {
        root.query_selector("#play")
            .unwrap()
            .and_then(|play| play.get_attribute("aria-label"))
    };
    let closed = || root.query_selector("#help-overlay").unwrap().is_none();
    until(|| closed() && label().as_deref() == Some("Play")).await;
    assert!(closed(), "Escape closed the help");
    assert_eq!(label().as_deref(), Some("Play"), "Space paused");
    // The first step brings the engine back from its lead to the view, so only the steps after
    // it move the counter by exactly one.
    press("PageDown");
    let first = events_settled(&root).await;
    press("ArrowRight");
    let forward = events_become(&root, first + 1).await;
    assert_eq!(forward, first + 1, "one event forward");
    press("PageUp");
    assert_eq!(events_become(&root, first).await, first, "one event back");
    press("PageDown");
    let again = events_become(&root, first + 1).await;
    assert_eq!(again, first + 1, "and forward again");
}

/// What the stage drawing on `canvas` published there (read anew each time: a new scenario
/// starts a new loop with new figures).
fn frames_of(canvas: &wasm_bindgen::JsValue) -> Option<wasm_bindgen::JsValue> {
    js_sys::Reflect::get(canvas, &"__switchyardFrames".into())
        .ok()
        .filter(|f| f.is_object())
}

/// A number the stage drawing on `canvas` published.
fn published(canvas: &wasm_bindgen::JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(&frames_of(canvas)?, &key.into())
        .ok()?
        .as_f64()
}

/// Where the stage last drew the node `name` (CSS pixels).
fn node_at(canvas: &wasm_bindgen::JsValue, name: &str) -> Option<(f64, f64)> {
    let nodes = js_sys::Reflect::get(&frames_of(canvas)?, &"nodes".into()).ok()?;
    let at: js_sys::Array = js_sys::Reflect::get(&nodes, &name.into())
        .ok()?
        .dyn_into()
        .ok()?;
    Some((at.get(0).as_f64()?, at.get(1).as_f64()?))
}

/// Waits (up to 2 s) until the stage on `canvas` publishes a zoom `pred` accepts; gives the
/// last one.
async fn zoom_when(canvas: &wasm_bindgen::JsValue, pred: impl Fn(f64) -> bool) -> f64 {
    let mut zoom = f64::NAN;
    for _ in 0..40 {
        zoom = published(canvas, "zoom").unwrap_or(f64::NAN);
        if pred(zoom) {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    zoom
}

#[wasm_bindgen_test]
async fn the_wheel_zooms_the_stage_about_the_pointer_and_fit_restores_it() {
    let root = mount_on_the_first_preset().await;
    let canvas: web_sys::HtmlElement = root
        .query_selector("#stage-canvas")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    // This app's figures, from its own canvas: other tests' apps may still be mounted, and
    // any of them may have published on `window` last.
    let frames: wasm_bindgen::JsValue = canvas.clone().into();
    assert_eq!(zoom_when(&frames, |z| z == 1.0).await, 1.0, "opens fitted");
    let fitted = node_at(&frames, "orders").expect("the exchange is drawn");
    let rect = canvas.get_bounding_client_rect();
    let init = web_sys::WheelEventInit::new();
    init.set_delta_y(-200.0);
    init.set_client_x((rect.left() + fitted.0) as i32);
    init.set_client_y((rect.top() + fitted.1) as i32);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let wheel = web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).unwrap();
    canvas.dispatch_event(&wheel).unwrap();
    assert!(wheel.default_prevented(), "the page does not scroll");
    let zoomed = zoom_when(&frames, |z| z > 1.0).await;
    assert!(zoomed > 1.4, "scrolling up zooms in: {zoomed}");
    let (x, y) = node_at(&frames, "orders").unwrap();
    // About the pointer: the exchange stays under it (to the pixel the event could name).
    assert!(
        (x - fitted.0).abs() < 2.0 * zoomed && (y - fitted.1).abs() < 2.0 * zoomed,
        "{fitted:?} -> {x},{y}"
    );
    let far = node_at(&frames, "email-notifications").unwrap();
    let fit: web_sys::HtmlElement = root
        .query_selector("#zoom-fit")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    fit.click();
    assert_eq!(
        zoom_when(&frames, |z| z == 1.0).await,
        1.0,
        "the fit button"
    );
    let back = node_at(&frames, "email-notifications").unwrap();
    assert_ne!(back, far, "the drawing moved back");
    assert_eq!(node_at(&frames, "orders"), Some(fitted));
}

#[wasm_bindgen_test]
fn panic_overlay_offers_a_reload() {
    panic_overlay::show("boom <b>not html</b>");
    let overlay = document()
        .get_element_by_id(panic_overlay::OVERLAY_ID)
        .unwrap();
    assert!(
        overlay
            .query_selector("button")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("Reload")
    );
    assert_eq!(
        overlay
            .query_selector("pre")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "boom <b>not html</b>"
    );
}
