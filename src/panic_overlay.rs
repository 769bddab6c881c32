//! A panic kills the WASM app. Instead of a frozen page the user sees an overlay that says so and
//! offers a reload; the panic message goes to the console for bug reports.

use wasm_bindgen::JsCast;

pub const OVERLAY_ID: &str = "panic-overlay";

/// Replaces the default panic hook with one that logs and shows the overlay. Through Yew's
/// `set_custom_panic_hook`: a plain `std::panic::set_hook` is overwritten by Yew's default
/// (`console_error_panic_hook`) when the app is rendered, and the overlay never showed.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&format!("Switchyard crashed: {message}").into());
        show(&message);
    }));
}

/// Shows the overlay (once) with `message` as the technical detail.
pub fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(OVERLAY_ID).is_some() {
        return;
    }
    let Some(body) = document.body() else { return };
    let build = || -> Result<web_sys::Element, wasm_bindgen::JsValue> {
        let overlay = document.create_element("div")?;
        overlay.set_id(OVERLAY_ID);
        overlay.set_attribute("role", "alertdialog")?;
        overlay.set_inner_html(
            "<div class=\"panic-box\"><h2>Something broke</h2>\
             <p>Switchyard hit an internal error and stopped. Your saved scenario is safe; reload to continue.</p>\
             <button type=\"button\" onclick=\"location.reload()\">Reload</button>\
             <details><summary>Technical detail</summary><pre></pre></details></div>",
        );
        if let Some(pre) = overlay.query_selector("pre")? {
            pre.set_text_content(Some(message));
        }
        Ok(overlay)
    };
    if let Ok(overlay) = build() {
        let _ = body.append_child(overlay.unchecked_ref());
        // In fullscreen only the app's element is drawn: leave it, so the overlay is seen.
        if document.fullscreen_element().is_some() {
            document.exit_fullscreen();
        }
    }
}
