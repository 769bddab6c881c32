//! Browser tests: wiring only (the logic is tested natively in the core). They run in headless
//! Chromium through wasm-bindgen-test-runner: `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchyard_app::{App, panic_overlay};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, InputEvent, InputEventInit};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn mount() -> web_sys::Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    root
}

#[wasm_bindgen_test]
async fn app_mounts_with_header_and_explanation() {
    let root = mount().await;
    let title = root.query_selector("h1.title").unwrap().unwrap();
    assert_eq!(title.text_content().unwrap(), "Switchyard");
    let explanation = root
        .query_selector("#explanation")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        explanation.contains("routed to 2 queues: `Q1`, `Q2`"),
        "{explanation}"
    );
}

#[wasm_bindgen_test]
async fn typing_a_routing_key_re_explains() {
    let root = mount().await;
    let input: HtmlInputElement = root
        .query_selector("#routing-key")
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value("lazy.brown.fox");
    let init = InputEventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    let explanation = root
        .query_selector("#explanation")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        explanation.contains("routed to 1 queue: `Q2`"),
        "{explanation}"
    );
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
