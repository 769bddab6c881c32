//! A real panic after the app is mounted shows the overlay. Its own test binary: a panic traps
//! the WebAssembly instance, so nothing may run in it afterwards but this check.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use switchyard_app::{App, panic_overlay};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_panic_after_the_app_is_mounted_shows_the_overlay() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    // As `start()` does: the hook first, then Yew renders (which installs its own default hook
    // unless one was set through it).
    panic_overlay::install();
    yew::Renderer::<App>::with_root(root.clone()).render();
    for _ in 0..60 {
        if root.query_selector("header").unwrap().is_some() {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        root.query_selector("header").unwrap().is_some(),
        "the app rendered"
    );
    assert!(
        document
            .get_element_by_id(panic_overlay::OVERLAY_ID)
            .is_none()
    );

    // A real panic, in code called from JavaScript as an event handler would be: it traps, and
    // JavaScript sees the trap as an exception.
    let boom = Closure::<dyn Fn()>::new(|| panic!("deliberate panic from the test"));
    let thrown = boom
        .as_ref()
        .unchecked_ref::<js_sys::Function>()
        .call0(&JsValue::NULL);
    assert!(thrown.is_err(), "the panic trapped");

    let overlay = document
        .get_element_by_id(panic_overlay::OVERLAY_ID)
        .expect("the overlay is shown");
    let detail = overlay.query_selector("pre").unwrap().unwrap();
    assert!(
        detail
            .text_content()
            .unwrap()
            .contains("deliberate panic from the test"),
        "the overlay names the panic"
    );
}
