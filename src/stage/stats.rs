//! What the animation loop publishes on `window.__switchyardFrames` (and on its canvas's own
//! `__switchyardFrames`, for tests that mount several apps on one page) for the benchmark and
//! the end-to-end tests: frames drawn and script time spent in them, where each node is on the
//! canvas, the zoom, and the first few dots of the last frame. Writing it costs a few property
//! sets a frame (their names made JavaScript strings once); it never reads anything back.

use wasm_bindgen::JsValue;

use crate::sim_ref::Selection;
use crate::stage::geometry::Dot;
use crate::stage::layout::{Fit, Scene};

/// Frame count and script time, published on `window.__switchyardFrames` for the benchmark.
pub struct Stats {
    frames: f64,
    busy_ms: f64,
    /// Time by phase of the frame (ms, summed), with the property's name.
    phases: Vec<(&'static str, JsValue, f64)>,
    object: js_sys::Object,
    /// The names of the properties written every frame.
    keys: [JsValue; 5],
    /// Whether the last frame painted showed a step's movement.
    step_moving: bool,
}

impl Stats {
    pub fn new(canvas: Option<&web_sys::Node>) -> Stats {
        let object = js_sys::Object::new();
        if let Some(w) = web_sys::window() {
            let _ = js_sys::Reflect::set(&w, &"__switchyardFrames".into(), &object);
        }
        if let Some(canvas) = canvas {
            let _ = js_sys::Reflect::set(canvas, &"__switchyardFrames".into(), &object);
        }
        Stats {
            phases: Vec::new(),
            frames: 0.0,
            busy_ms: 0.0,
            object,
            keys: ["frames", "busyMs", "dots", "dotCount", "calls"].map(JsValue::from_str),
            step_moving: false,
        }
    }

    fn set(&self, key: &str, value: &wasm_bindgen::JsValue) {
        let _ = js_sys::Reflect::set(&self.object, &key.into(), value);
    }

    /// Where each node is on the canvas (CSS pixels), by name, and the zoom from the fit: for
    /// end-to-end tests to click.
    pub fn nodes(&self, scene: &Scene, fit: &Fit) {
        self.set("zoom", &fit.zoom.into());
        let nodes = js_sys::Object::new();
        for s in &scene.shapes {
            let (x, y) = fit.at(s.x, s.y);
            let at = js_sys::Array::of2(&x.into(), &y.into());
            let _ = js_sys::Reflect::set(&nodes, &s.name.as_str().into(), &at);
        }
        self.set("nodes", &nodes);
    }

    /// The first few dots of the frame that are messages (x, y, message id) and that are a
    /// flow's calls (x, y, request): for end-to-end tests to click.
    pub fn dots(&self, dots: &[Dot]) {
        const SHOWN: u32 = 8;
        let (messages, calls) = (js_sys::Array::new(), js_sys::Array::new());
        // The first few hundred dots hold plenty of both: no frame scans thousands for calls a
        // preset without a flow never has.
        for d in dots.iter().take(256) {
            let (list, id) = match d.pick {
                Some(Selection::Message(m)) => (&messages, m.0 as f64),
                Some(Selection::Request(flow)) => (&calls, f64::from(flow)),
                _ => continue,
            };
            if list.length() < SHOWN {
                list.push(&js_sys::Array::of3(&d.x.into(), &d.y.into(), &id.into()));
            }
        }
        let [_, _, dots_key, count_key, calls_key] = &self.keys;
        let _ = js_sys::Reflect::set(&self.object, dots_key, &messages);
        let _ = js_sys::Reflect::set(&self.object, calls_key, &calls);
        let _ = js_sys::Reflect::set(&self.object, count_key, &(dots.len() as f64).into());
    }

    /// Whether the frame painted shows a step's movement (`stepMoving`): the end-to-end tests
    /// read the dots once they rest.
    pub fn step_moving(&mut self, moving: bool) {
        if self.step_moving != moving {
            self.step_moving = moving;
            self.set("stepMoving", &moving.into());
        }
    }

    /// Adds `ms` to the phase `name` (published with the next `record`).
    pub fn add(&mut self, name: &'static str, ms: f64) {
        match self.phases.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, _, total)) => *total += ms,
            None => self.phases.push((name, JsValue::from_str(name), ms)),
        }
    }

    pub fn record(&mut self, ms: f64) {
        for (_, key, total) in &self.phases {
            let _ = js_sys::Reflect::set(&self.object, key, &(*total).into());
        }
        if self.frames == 0.0 {
            // When the first frame was painted (ms since navigation start).
            self.set("firstFrameMs", &super::frames::now_ms().into());
        }
        self.frames += 1.0;
        self.busy_ms += ms;
        let [frames_key, busy_key, _, _, _] = &self.keys;
        let _ = js_sys::Reflect::set(&self.object, frames_key, &self.frames.into());
        let _ = js_sys::Reflect::set(&self.object, busy_key, &self.busy_ms.into());
    }
}
