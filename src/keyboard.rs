//! Keys and a presenter remote: one `keydown` listener on the window, installed by a hook and
//! removed on unmount, that turns keys into [`Command`]s (see [`commands::for_key`], and
//! [`commands::for_shifted_key`] with Shift). Keys
//! typed into an input, a select or a text area are left alone.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::commands::{self, Command};
use crate::state::AppContext;

/// Whether a key event comes from somewhere the user types.
fn typing(e: &KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || el
            .get_attribute("contenteditable")
            .is_some_and(|v| v != "false")
}

/// Turns a key into a command on the latest state, if it gives one.
fn on_key(latest: &RefCell<AppContext>, e: &KeyboardEvent) {
    if e.ctrl_key() || e.meta_key() || e.alt_key() || typing(e) {
        return;
    }
    let command = if e.shift_key() {
        commands::for_shifted_key(&e.key())
    } else {
        commands::for_key(&e.key())
    };
    let Some(command) = command else {
        return;
    };
    // A focused button would also "click" on Space; the key does it once (and the arrows
    // would scroll the page).
    if matches!(
        command,
        Command::TogglePlay | Command::StepForward | Command::StepBack | Command::View(_)
    ) {
        e.prevent_default();
    }
    let state = latest.borrow().clone();
    commands::run(&state, command);
}

#[hook]
pub fn use_keyboard(state: &AppContext) {
    let latest: Rc<RefCell<AppContext>> = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    use_effect_with((), move |_| {
        // Not passive: Space and the arrows are kept from scrolling the page.
        let listener = web_sys::window().map(|w| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&w, "keydown", options, move |e| {
                if let Some(e) = e.dyn_ref::<KeyboardEvent>() {
                    on_key(&latest, e);
                }
            })
        });
        move || drop(listener)
    });
}
