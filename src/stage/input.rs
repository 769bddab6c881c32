//! The canvas's pointer and wheel: the wheel (and a trackpad pinch, which arrives as a wheel
//! event with Ctrl held, or in Safari as `gesturechange` events) zooms about the pointer, a drag
//! pans, two fingers pinch-zoom and pan, and a click that did not drag selects what is under it
//! through the composed transform. Handlers change the shared view;
//! the animation loop sees the new transform and repaints. It knows nothing of the drawing
//! itself.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::state::{Action, AppContext};

use super::geometry::hit;
use super::shared::Shared;
use super::view::wheel_factor;

/// CSS pixels a press may move and still count as a click.
const CLICK_SLOP: f64 = 4.0;

/// A press on the canvas: the pointers down (one drags, two pinch), where the first went
/// down, whether it has become a drag.
#[derive(Debug, Default)]
struct Press {
    /// Pointer id and where it is (client CSS pixels), as far as the view has followed it.
    down: Vec<(i32, (f64, f64))>,
    start: (f64, f64),
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
pub fn use_input(state: &AppContext, canvas: NodeRef, shared: Rc<RefCell<Shared>>) -> Handlers {
    let press: Rc<RefCell<Press>> = use_mut_ref(Press::default);
    use_safari_pinch(canvas, press.clone(), shared.clone());
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
            let mut s = shared.borrow_mut();
            let at = (f64::from(e.offset_x()), f64::from(e.offset_y()));
            let picked = hit(&s.scene, &s.fit, &s.dots, at.0, at.1);
            s.clicked = picked;
            drop(s);
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

/// Safari reports a trackpad pinch as `gesturestart` / `gesturechange` / `gestureend` (no wheel
/// event), each with the scale since the gesture began, and zooms the whole page unless they
/// are cancelled. Yew has no handler for these, so they are listened to directly. A touch pinch
/// (iOS) sends them too, beside the pointer events that already pinch: while a pointer is down
/// they are only cancelled.
#[hook]
fn use_safari_pinch(canvas: NodeRef, press: Rc<RefCell<Press>>, shared: Rc<RefCell<Shared>>) {
    use_effect_with(canvas, move |canvas| {
        let el = canvas.cast::<Element>();
        let last = Rc::new(std::cell::Cell::new(1.0_f64));
        let on = |kind: &'static str| {
            let (last, press, shared) = (last.clone(), press.clone(), shared.clone());
            move |e: &web_sys::Event| {
                e.prevent_default();
                let scale = number(e, "scale").filter(|s| s.is_finite() && *s > 0.0);
                let Some(scale) = scale else { return };
                if kind == "gesturestart" || !press.borrow().down.is_empty() {
                    last.set(scale);
                    return;
                }
                let factor = scale / last.replace(scale);
                let Some(el) = e
                    .current_target()
                    .and_then(|t| t.dyn_into::<Element>().ok())
                else {
                    return;
                };
                let r = el.get_bounding_client_rect();
                let client = (number(e, "clientX"), number(e, "clientY"));
                let at = match client {
                    (Some(x), Some(y)) => (x - r.left(), y - r.top()),
                    _ => (r.width() / 2.0, r.height() / 2.0),
                };
                let mut s = shared.borrow_mut();
                let view = s.view.zoom_about(factor, at, &s.base, s.size);
                s.set_view(view);
            }
        };
        // Not passive: a gesture not cancelled zooms the whole page.
        let listeners: Vec<EventListener> = (el.iter())
            .flat_map(|el| {
                ["gesturestart", "gesturechange", "gestureend"].map(|kind| {
                    let options = EventListenerOptions::enable_prevent_default();
                    EventListener::new_with_options(el, kind, options, on(kind))
                })
            })
            .collect();
        move || drop(listeners)
    });
}

/// A number property of a non-standard event (Safari's `GestureEvent`).
fn number(e: &web_sys::Event, key: &str) -> Option<f64> {
    js_sys::Reflect::get(e, &key.into()).ok()?.as_f64()
}

/// A primary press starts what may be a click or a drag; a second finger starts a pinch. The
/// canvas keeps the pointers until they are released, wherever they go.
fn pressed(press: &RefCell<Press>, e: &PointerEvent) {
    if e.button() != 0 {
        return;
    }
    let at = (f64::from(e.client_x()), f64::from(e.client_y()));
    let mut p = press.borrow_mut();
    match p.down.len() {
        0 => {
            *p = Press {
                down: vec![(e.pointer_id(), at)],
                start: at,
                ..Press::default()
            }
        }
        1 => {
            // A pinch is never a click.
            p.down.push((e.pointer_id(), at));
            p.dragging = true;
        }
        _ => return,
    }
    if let Some(el) = target(e) {
        let _ = el.set_pointer_capture(e.pointer_id());
    }
}

/// A pointer lifts; when the last one does, a press that dragged swallows its click.
fn released(press: &RefCell<Press>, e: &PointerEvent) {
    let mut p = press.borrow_mut();
    let before = p.down.len();
    p.down.retain(|(id, _)| *id != e.pointer_id());
    if before > 0 && p.down.is_empty() {
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

/// Moves the view with one pointer once it has gone further than a click may, or pinches
/// and pans it with two; with nothing pressed, only shows what a click would do.
fn drag(press: &RefCell<Press>, shared: &RefCell<Shared>, e: &PointerEvent) {
    let mut p = press.borrow_mut();
    let now = (f64::from(e.client_x()), f64::from(e.client_y()));
    let Some(i) = p.down.iter().position(|(id, _)| *id == e.pointer_id()) else {
        drop(p);
        hover(shared, e);
        return;
    };
    if !p.dragging && (now.0 - p.start.0).hypot(now.1 - p.start.1) <= CLICK_SLOP {
        // Still a click: the pan starts from the press, not from here.
        return;
    }
    if !p.dragging {
        p.dragging = true;
        if let Some(el) = target(e) {
            let _ = el.set_attribute("data-dragging", "");
        }
    }
    let before: Vec<(f64, f64)> = p.down.iter().map(|(_, at)| *at).collect();
    if let Some((_, at)) = p.down.get_mut(i) {
        *at = now;
    }
    let after: Vec<(f64, f64)> = p.down.iter().map(|(_, at)| *at).collect();
    let origin = target(e).map_or((0.0, 0.0), |el| {
        let r = el.get_bounding_client_rect();
        (r.left(), r.top())
    });
    let mut s = shared.borrow_mut();
    let view = match (before.as_slice(), after.as_slice()) {
        ([a0, b0], [a1, b1]) => {
            let local = |p: &(f64, f64)| (p.0 - origin.0, p.1 - origin.1);
            let (from, to) = ((local(a0), local(b0)), (local(a1), local(b1)));
            s.view.pinch(from, to, &s.base, s.size)
        }
        ([a0], [a1]) => s.view.pan_by(a1.0 - a0.0, a1.1 - a0.1),
        _ => return,
    };
    s.set_view(view);
}

/// Over something a click would select, the canvas shows a pointing hand (else an open one,
/// for dragging).
fn hover(shared: &RefCell<Shared>, e: &PointerEvent) {
    let Some(el) = target(e) else { return };
    let s = shared.borrow();
    let at = (f64::from(e.offset_x()), f64::from(e.offset_y()));
    let over = hit(&s.scene, &s.fit, &s.dots, at.0, at.1).is_some();
    if over != el.has_attribute("data-hover") {
        let _ = if over {
            el.set_attribute("data-hover", "")
        } else {
            el.remove_attribute("data-hover")
        };
    }
}

fn target(e: &PointerEvent) -> Option<Element> {
    e.target_dyn_into::<Element>()
}
