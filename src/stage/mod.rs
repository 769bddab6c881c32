//! The stage: one `<canvas>` where the topology is drawn and messages fly, animated by a
//! requestAnimationFrame loop that moves the [`player::Player`] by wall time × speed and paints
//! straight from the trace; Yew only hears about it a few times a second (`Action::Refresh`)
//! and when the run stops (a lesson step, a pause point, an error). A click on the canvas
//! selects the dot or node under it; the wheel zooms, a drag pans, and the toolbar's zoom
//! buttons and keys arrive as [`crate::state::Action::View`].
//!
//! # Layout
//! - [`layout`]: node positions (scenario layout or columns), links, fit to the canvas.
//! - [`geometry`]: dot positions, colour by routing key, hit-testing.
//! - [`player`]: the playhead over the simulation: advance, pause points, step, seek.
//! - `instant`: the hops an instant takes no time for, which a step shows one after another.
//! - `seen`: the in-flight scan's scratch set.
//! - [`labels`]: where each binding key is written, clear of the nodes and the other keys.
//! - `names`: which nodes get their names written, so that no two overlap.
//! - [`draw`]: painting one frame.
//! - `cull`: what lies wholly off the canvas, so that painting skips it.
//! - `marks`: rings over waiting callers and, with reduced motion, over where messages head.
//! - `dots`: the messages in flight, and what one frame hands the next to paint them.
//! - [`palette`]: the theme's colours from the page's CSS variables.
//! - `frames`: the animation loop hook.
//! - `painter`: one frame's painting, phase by phase, and what frames share to paint it.
//! - `layer`: the still parts of the frame (under and over the dots), painted off-screen once
//!   per change.
//! - [`view`]: the user's zoom and pan, composed with the fit.
//! - `input`: the canvas's wheel, drag and click.
//! - `shared`: what the loop and the handlers share (the drawing, the view).
//! - `stats`: frame timings and positions published for the benchmark and the e2e tests.

mod arrange;
mod cull;
mod dots;
pub mod draw;
mod frames;
pub mod geometry;
mod input;
mod instant;
pub mod labels;
mod layer;
pub mod layout;
mod marks;
mod names;
mod pace;
mod painter;
pub mod palette;
pub mod player;
mod seen;
mod shared;
mod stats;
#[cfg(test)]
mod tests;
pub mod view;

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::sim_ref::Selection;
use crate::state::AppContext;
use frames::use_frames;
use shared::{Live, Shared};

#[component]
pub fn Stage() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let canvas = use_node_ref();
    let live = use_mut_ref(Live::default);
    let shared: Rc<RefCell<Shared>> = use_mut_ref(Shared::default);
    {
        let mut l = live.borrow_mut();
        l.playing = state.playing;
        l.speed = state.speed();
        l.selection = state.selection;
        l.dirty = true;
        if l.revision != state.sim {
            l.revision.clone_from(&state.sim);
            l.changed = true;
        }
    }
    use_frames(&state, canvas.clone(), live.clone(), shared.clone());
    {
        // A zoom button or key: the view changes; the loop repaints.
        let shared = shared.clone();
        let selection = state.selection;
        use_effect_with(state.view_ask, move |ask| {
            if let Some((_, ask)) = ask {
                let mut s = shared.borrow_mut();
                let at = anchor(&s, selection);
                let view = s.view.ask(*ask, at, &s.base, s.size);
                s.set_view(view);
            }
        });
    }
    {
        // A node selected elsewhere than on the canvas (a key, a link in the inspector or the
        // metrics, a session restored) that lies off it or near its edge, zoomed in, is
        // brought to its centre, at the next frame (`Shared::reveal_now`).
        let shared = shared.clone();
        use_effect_with(state.selection, move |selection| {
            let mut s = shared.borrow_mut();
            let clicked = s.clicked.take();
            s.reveal = match selection {
                Some(Selection::Node(id)) if clicked != *selection => Some(*id),
                _ => None,
            };
        });
    }
    let h = input::use_input(&state, canvas.clone(), shared);
    let label = "The topology and the messages moving through it. Click a node or a message to \
        inspect it; drag to pan, scroll or pinch to zoom.";
    html! {
        <canvas ref={canvas} class="stage-canvas" id="stage-canvas" role="img" aria-label={label}
            tabindex="0" onclick={h.onclick} onwheel={h.onwheel} onpointerdown={h.onpointerdown}
            onpointermove={h.onpointermove} onpointerup={h.onpointerup.clone()}
            onpointercancel={h.onpointerup}></canvas>
    }
}

/// Where a zoom key or button zooms about: the selected node if it is on the canvas, else the
/// canvas's centre.
fn anchor(s: &Shared, selection: Option<Selection>) -> (f64, f64) {
    let (w, h) = s.size;
    let node = match selection {
        Some(Selection::Node(id)) => s.scene.shape(id).map(|n| s.fit.at(n.x, n.y)),
        _ => None,
    };
    node.filter(|&(x, y)| (0.0..=w).contains(&x) && (0.0..=h).contains(&y))
        .unwrap_or((w / 2.0, h / 2.0))
}

/// The canvas element behind a node ref, if mounted.
fn canvas_of(node: &NodeRef) -> Option<HtmlCanvasElement> {
    node.cast::<HtmlCanvasElement>()
}
