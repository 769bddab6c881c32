//! The stage: one `<canvas>` where the topology is drawn and messages fly, animated by a
//! requestAnimationFrame loop that moves the [`player::Player`] by wall time × speed and paints
//! straight from the trace; Yew only hears about it a few times a second (`Action::Refresh`)
//! and when the run stops (a lesson step, a pause point, an error). A click on the canvas
//! selects the dot or node under it.
//!
//! # Layout
//! - [`layout`]: node positions (scenario layout or columns), links, fit to the canvas.
//! - [`geometry`]: dot positions, colour by routing key, hit-testing.
//! - [`player`]: the playhead over the simulation: advance, pause points, step, seek.
//! - `seen`: the in-flight scan's scratch set.
//! - [`labels`]: where each binding key is written, clear of the nodes and the other keys.
//! - [`draw`]: painting one frame.
//! - `dots`: the messages in flight, and what one frame hands the next to paint them.
//! - [`palette`]: the theme's colours from the page's CSS variables.
//! - `frames`: the animation loop hook.
//! - `painter`: one frame's painting, phase by phase, and what frames share to paint it.
//! - `layer`: the still parts of the frame (under and over the dots), painted off-screen once
//!   per change.
//! - `stats`: frame timings and positions published for the benchmark and the e2e tests.

mod arrange;
mod dots;
pub mod draw;
mod frames;
pub mod geometry;
pub mod labels;
mod layer;
pub mod layout;
mod painter;
pub mod palette;
pub mod player;
mod seen;
mod stats;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::state::{Action, AppContext};
use frames::{Live, Shared, use_frames};
use geometry::hit;

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
    }
    use_frames(&state, canvas.clone(), live.clone(), shared.clone());
    let onclick = {
        let state = state.clone();
        let shared = shared.clone();
        Callback::from(move |e: MouseEvent| {
            let s = shared.borrow();
            let picked = hit(
                &s.scene,
                &s.fit,
                &s.dots,
                f64::from(e.offset_x()),
                f64::from(e.offset_y()),
            );
            state.dispatch(Action::Select(picked));
        })
    };
    let label =
        "The topology and the messages moving through it. Click a node or a message to inspect it.";
    html! {
        <canvas ref={canvas} class="stage-canvas" id="stage-canvas" role="img" aria-label={label}
            tabindex="0" {onclick}></canvas>
    }
}

/// The canvas element behind a node ref, if mounted.
fn canvas_of(node: &NodeRef) -> Option<HtmlCanvasElement> {
    node.cast::<HtmlCanvasElement>()
}
