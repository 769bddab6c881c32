//! The canvas's pointer and wheel: the wheel (and a trackpad pinch, which arrives as a wheel
//! event with Ctrl held) zooms about the pointer, a drag pans, and a click that did not drag
//! selects what is under it through the composed transform. Handlers change the shared view;
//! the animation loop sees the new transform and repaints. It knows nothing of the drawing
//! itself.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::{Element, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::state::{Action, AppContext};

use super::geometry::hit;
use super::shared::Shared;
use super::view::wheel_factor;

/// CSS pixels a press may move and still count as a click.
const CLICK_SLOP: f64 = 4.0;

/// A press on the canvas: where it was last, whether it has become a drag.
#[derive(Debug, Default)]
struct Press {
    pointer: Option<i32>,
    last: (f64, f64),
    travelled: f64,
    dragging: bool,
    /// The press that just ended was a drag: the click it makes selects nothing.
    swallow_click: bool,
}

/// The canvas's handlers.
pub struct Handlers {
    pub onwheel: Callback<WheelEvent>,
    pub onpointerdown: Callback<PointerEvent>,
    pub onpointermove: Callback<PointerEvent>,
    pub onpointerup: Callback<PointerEvent>,
    pub onclick: Callback<MouseEvent>,
}

#[hook]
pub fn use_input(state: &AppContext, shared: Rc<RefCell<Shared>>) -> Handlers {
    let press: Rc<RefCell<Press>> = use_mut_ref(Press::default);
    let onwheel = {
        let shared = shared.clone();
        Callback::from(move |e: WheelEvent| wheel(&shared, &e))
    };
    let onpointerdown = {
        let press = press.clone();
        Callback::from(move |e: PointerEvent| pressed(&press, &e))
    };
    let onpointermove = {
        let (press, shared) = (press.clone(), shared.clone());
        Callback::from(move |e: PointerEvent| drag(&press, &shared, &e))
    };
    let onpointerup = {
        let press = press.clone();
        Callback::from(move |e: PointerEvent| released(&press, &e))
    };
    let onclick = {
        let state = state.clone();
        Callback::from(move |e: MouseEvent| {
            if std::mem::take(&mut press.borrow_mut().swallow_click) {
                return;
            }
            let s = shared.borrow();
            let at = (f64::from(e.offset_x()), f64::from(e.offset_y()));
            let picked = hit(&s.scene, &s.fit, &s.dots, at.0, at.1);
            state.dispatch(Action::Select(picked));
        })
    };
    Handlers {
        onwheel,
        onpointerdown,
        onpointermove,
        onpointerup,
        onclick,
    }
}

/// Zooms about the pointer, and keeps the page from scrolling (or the browser from zooming
/// on a pinch).
fn wheel(shared: &RefCell<Shared>, e: &WheelEvent) {
    e.prevent_default();
    let factor = wheel_factor(e.delta_y(), e.delta_mode(), e.ctrl_key());
    let at = (f64::from(e.offset_x()), f64::from(e.offset_y()));
    let mut s = shared.borrow_mut();
    let view = s.view.zoom_about(factor, at, &s.base, s.size);
    s.set_view(view);
}

/// A primary press starts what may be a click or a drag; the canvas keeps the pointer until
/// it is released, wherever it goes.
fn pressed(press: &RefCell<Press>, e: &PointerEvent) {
    if e.button() != 0 {
        return;
    }
    *press.borrow_mut() = Press {
        pointer: Some(e.pointer_id()),
        last: (f64::from(e.client_x()), f64::from(e.client_y())),
        ..Press::default()
    };
    if let Some(el) = target(e) {
        let _ = el.set_pointer_capture(e.pointer_id());
    }
}

/// The press ends; if it dragged, the click that follows is swallowed.
fn released(press: &RefCell<Press>, e: &PointerEvent) {
    let mut p = press.borrow_mut();
    if p.pointer == Some(e.pointer_id()) {
        let dragged = p.dragging;
        *p = Press {
            swallow_click: dragged,
            ..Press::default()
        };
        if let Some(el) = target(e) {
            let _ = el.remove_attribute("data-dragging");
        }
    }
}

/// Moves the view with the pointer once the press has travelled further than a click may.
fn drag(press: &RefCell<Press>, shared: &RefCell<Shared>, e: &PointerEvent) {
    let mut p = press.borrow_mut();
    if p.pointer != Some(e.pointer_id()) {
        return;
    }
    let now = (f64::from(e.client_x()), f64::from(e.client_y()));
    let (dx, dy) = (now.0 - p.last.0, now.1 - p.last.1);
    p.travelled += dx.hypot(dy);
    if !p.dragging && p.travelled <= CLICK_SLOP {
        // Still a click: the pan starts from the press, not from here.
        return;
    }
    if !p.dragging {
        p.dragging = true;
        if let Some(el) = target(e) {
            let _ = el.set_attribute("data-dragging", "");
        }
    }
    p.last = now;
    let mut s = shared.borrow_mut();
    let view = s.view.pan_by(dx, dy);
    s.set_view(view);
}

fn target(e: &PointerEvent) -> Option<Element> {
    e.target_dyn_into::<Element>()
}
