//! The animation loop: a `requestAnimationFrame` closure, kept by a hook with cleanup, that
//! advances the player by wall time × speed (or by a step budget at "as fast as possible"),
//! fits the canvas to its box and devicePixelRatio, paints the frame and, at most four times a
//! second or when the run stops, tells Yew. It also keeps per-frame timings on
//! `window.__switchyardFrames` for the benchmark. Per-frame positions never enter Yew state.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::CanvasRenderingContext2d;
use yew::prelude::*;

use crate::sim_ref::Selection;
use crate::stage::draw::Palette;
use crate::stage::geometry::ease;
use crate::stage::layout::{Fit, Scene};
use crate::stage::pace::Pace;
use crate::stage::painter::{Look, Painter};
use crate::stage::player::{Moment, Stepped, Stop};
use crate::stage::shared::{Live, Shared};
use crate::stage::stats::Stats;
use crate::stage::view::View;
use crate::state::{Action, AppState, Level, Notice, PlayerRef};

/// Events handled per frame at "as fast as possible" at most, however fast the machine.
const FAST_BUDGET: u64 = 200_000;
/// Longest wall time one frame may advance (a background tab resumes without a leap).
const MAX_FRAME_MS: f64 = 100.0;
const REFRESH_MS: f64 = 250.0;
/// Wall time a hop stays on screen at least, however short its latency.
const MIN_HOP_ON_SCREEN_MS: f64 = 250.0;
/// Wall time a step forward takes to move its dots from where they set out.
const STEP_MOVE_MS: f64 = 400.0;
/// Wall time a step then takes for each hop its instant took no time for (an exchange's
/// copies into its queues).
const INSTANT_HOP_MS: f64 = 300.0;

/// Runs the loop for the open player; a new player restarts it.
#[hook]
pub fn use_frames(
    state: &UseReducerHandle<AppState>,
    canvas: NodeRef,
    live: Rc<RefCell<Live>>,
    shared: Rc<RefCell<Shared>>,
) {
    let dispatch = state.dispatcher();
    use_effect_with(state.player.clone(), move |player| {
        let stop = player
            .clone()
            .map(|p| start(Loop::new(p, canvas, live, shared, dispatch)));
        move || {
            if let Some(stop) = stop {
                stop();
            }
        }
    });
}

type FrameFn = Closure<dyn FnMut(f64)>;

fn start(mut lp: Loop) -> impl FnOnce() {
    let handle: Rc<RefCell<Option<FrameFn>>> = Rc::new(RefCell::new(None));
    let id = Rc::new(Cell::new(0));
    let (again, next_id) = (handle.clone(), id.clone());
    *handle.borrow_mut() = Some(Closure::new(move |ts: f64| {
        lp.frame(ts);
        if let Some(f) = again.borrow().as_ref() {
            next_id.set(request(f));
        }
    }));
    if let Some(f) = handle.borrow().as_ref() {
        id.set(request(f));
    }
    move || {
        if let Some(w) = web_sys::window() {
            let _ = w.cancel_animation_frame(id.get());
        }
        handle.borrow_mut().take();
    }
}

fn request(f: &FrameFn) -> i32 {
    web_sys::window()
        .and_then(|w| w.request_animation_frame(f.as_ref().unchecked_ref()).ok())
        .unwrap_or(0)
}

struct Loop {
    player: PlayerRef,
    canvas: NodeRef,
    live: Rc<RefCell<Live>>,
    shared: Rc<RefCell<Shared>>,
    dispatch: UseReducerDispatcher<AppState>,
    ctx: Option<CanvasRenderingContext2d>,
    /// CSS width, height and device pixel ratio the canvas was sized for.
    size: (f64, f64, f64),
    palette: Option<Palette>,
    /// How many times the palette changed (the layers' keys compare this, not the colours).
    theme: u64,
    reduced_motion: bool,
    last_ts: Option<f64>,
    last_refresh: f64,
    was_playing: bool,
    painter: Painter,
    /// How many times the scene changed (a broker restart can lose exchanges).
    scene_changes: u64,
    /// The `scene_changes` whose extent the canvas's box was last told (see `publish_extent`).
    extent_of: Option<u64>,
    /// The transform of the last frame painted (a zoom or a pan repaints).
    painted_fit: Option<Fit>,
    stats: Stats,
    /// How long a frame simulates at "as fast as possible".
    pace: Pace,
    /// The player's last step and when (ms) its movement started to be shown.
    step_move: Option<(Stepped, f64)>,
    /// The moment of the last frame painted.
    painted_at: Option<Moment>,
}

impl Loop {
    fn new(
        player: PlayerRef,
        canvas: NodeRef,
        live: Rc<RefCell<Live>>,
        shared: Rc<RefCell<Shared>>,
        dispatch: UseReducerDispatcher<AppState>,
    ) -> Loop {
        if let Ok(p) = player.0.try_borrow()
            && let Some(sim) = p.sim().get()
        {
            shared.borrow_mut().scene = Scene::of(&sim);
        }
        // A new scenario opens fitted.
        shared.borrow_mut().view = View::default();
        let stats = Stats::new(canvas.get().as_ref());
        Loop {
            player,
            canvas,
            live,
            shared,
            dispatch,
            ctx: None,
            size: (0.0, 0.0, 0.0),
            palette: None,
            theme: 0,
            reduced_motion: false,
            last_ts: None,
            last_refresh: f64::MIN,
            was_playing: false,
            painter: Painter::new(),
            scene_changes: 0,
            extent_of: None,
            painted_fit: None,
            stats,
            pace: Pace::default(),
            step_move: None,
            painted_at: None,
        }
    }

    fn frame(&mut self, ts: f64) {
        let started = now_ms();
        let interval = self.last_ts.map(|last| ts - last);
        let dt = interval.map_or(0.0, |i| crate::stage::geometry::clamp(i, 0.0, MAX_FRAME_MS));
        self.last_ts = Some(ts);
        let (playing, speed) = {
            let l = self.live.borrow();
            (l.playing, l.speed)
        };
        if self.was_playing && !playing {
            // Paused: show exactly where the run stopped (the last refresh may be older).
            self.refresh();
        }
        self.was_playing = playing;
        let t0 = now_ms();
        let moved = playing && self.advance(dt, speed);
        let t1 = now_ms();
        self.stats.add("advanceMs", t1 - t0);
        if ts - self.last_refresh >= REFRESH_MS {
            self.last_refresh = ts;
            self.refresh_theme();
            if moved {
                self.refresh();
            }
        }
        let (dirty, changed) = {
            let mut live = self.live.borrow_mut();
            (
                std::mem::take(&mut live.dirty),
                std::mem::take(&mut live.changed),
            )
        };
        if changed {
            // The timeline may have forked (a seek, an injected action).
            self.painter.forget_timeline();
        }
        if changed && !moved {
            // Changed while paused (an exchange retyped): the scene may differ. A render for
            // anything else (a zoom, a selection) keeps the scene: a big one takes a while.
            self.rescene();
        }
        if self.extent_of != Some(self.scene_changes) {
            self.extent_of = Some(self.scene_changes);
            self.publish_extent();
        }
        let resized = self.fit_canvas();
        self.shared.borrow_mut().reveal_now();
        let viewed = self.viewed();
        let at = self.drawn_at(started);
        if resized || moved || dirty || viewed || self.painter.stale() || at != self.painted_at {
            self.paint(at);
        }
        let busy = now_ms() - started;
        if let (true, Some(interval)) = (playing && speed.is_infinite(), interval) {
            self.pace.after_frame(interval, busy - (t1 - t0));
        }
        self.stats.record(busy);
    }

    /// Moves the player `dt` ms of wall time at `speed`; `true` (it moved, or tried to).
    fn advance(&mut self, dt: f64, speed: f64) -> bool {
        let budget = self.pace.budget_ms();
        let outcome = self.player.0.try_borrow_mut().map(|mut p| {
            if speed.is_infinite() {
                let deadline = now_ms() + budget;
                Ok(p.run_fast(FAST_BUDGET, || now_ms() >= deadline))
            } else {
                p.advance((dt * 1000.0 * speed) as u64)
            }
        });
        match outcome {
            Ok(Ok(Some(stop))) => self.stopped(stop),
            Ok(Err(text)) => {
                self.live.borrow_mut().playing = false;
                self.dispatch.dispatch(Action::Pause);
                self.dispatch.dispatch(Action::Notify(Notice {
                    level: Level::Error,
                    text: text.into(),
                }));
            }
            _ => {}
        }
        true
    }

    /// The moment to draw at `now` (ms): the view; or, for [`STEP_MOVE_MS`] after a step
    /// forward, on the way there from where its hops set out (eased, so they leave and land
    /// gently), then [`INSTANT_HOP_MS`] for each hop its instant took no time for. A step back
    /// plays the same backwards. With reduced motion, the view at once.
    fn drawn_at(&mut self, now: f64) -> Option<Moment> {
        let p = self.player.0.try_borrow().ok()?;
        let (view, stepped) = (p.view(), p.stepped());
        if stepped.map(|s| s.id) != self.step_move.map(|(s, _)| s.id) {
            self.step_move = stepped.map(|s| (s, now));
        }
        let rest = Some(Moment::at(view));
        let Some((s, t0)) = self.step_move.filter(|_| !self.reduced_motion) else {
            return rest;
        };
        // A step back rests at or before where it is played back to.
        let current = if s.back { view <= s.from } else { view == s.to };
        if !current {
            return rest;
        }
        let move_ms = if s.from < s.to { STEP_MOVE_MS } else { 0.0 };
        let all_ms = move_ms + f64::from(s.instant_hops) * INSTANT_HOP_MS;
        let since = now - t0;
        if since >= all_ms {
            return rest;
        }
        // How far into the step forward the frame is.
        let played = if s.back { all_ms - since } else { since };
        if played < move_ms {
            let k = ease(played / move_ms);
            return Some(Moment::at(s.from + ((s.to - s.from) as f64 * k) as u64));
        }
        Some(Moment {
            at: s.to,
            instant: Some((played - move_ms) / INSTANT_HOP_MS),
        })
    }

    /// The shortest a hop is drawn (virtual µs): a quarter second on screen at this speed,
    /// at most half a virtual second; nothing at "as fast as possible", nor while stepping
    /// (each step shows where the messages are).
    fn min_span(&self) -> u64 {
        if self.step_move.is_some() {
            return 0;
        }
        let speed = self.live.borrow().speed;
        if speed.is_finite() {
            (MIN_HOP_ON_SCREEN_MS * 1000.0 * speed).min(500_000.0) as u64
        } else {
            0
        }
    }

    /// Tells Yew where the player is.
    fn refresh(&mut self) {
        self.rescene();
        let Ok(p) = self.player.0.try_borrow() else {
            return;
        };
        self.dispatch.dispatch(Action::Refresh {
            view_us: p.view(),
            end_us: p.furthest(),
            steps: p.steps(),
        });
    }

    /// Recomputes the scene from the simulation; a change is laid out and painted again.
    fn rescene(&mut self) {
        let Ok(p) = self.player.0.try_borrow() else {
            return;
        };
        if let Some(sim) = p.sim().get() {
            let scene = Scene::of(&sim);
            let mut shared = self.shared.borrow_mut();
            if shared.scene != scene {
                shared.scene = scene;
                self.scene_changes += 1;
                self.size.0 = -1.0;
                // Painted again, and where the nodes are published, even if the fit stays.
                self.painted_fit = None;
            }
        }
    }

    fn stopped(&mut self, stop: Stop) {
        self.live.borrow_mut().playing = false;
        let Ok(p) = self.player.0.try_borrow() else {
            return;
        };
        let Some(sim) = p.sim().get() else { return };
        match stop {
            Stop::Lesson(i) => {
                if let Some(step) = sim.scenario().lesson.get(i) {
                    self.dispatch.dispatch(Action::Lesson(i, step.clone()));
                }
            }
            Stop::Arrival { node, pick } => {
                let name = sim.world().title(node);
                let at = p.view() as f64 / 1000.0;
                let what = match pick {
                    Some(Selection::Request(_)) => "a call",
                    _ => "a message",
                };
                let why = format!(
                    "Paused at {} ms: {what} arrived at {name}.",
                    switchyard_core::decimal::fixed(at, 1)
                );
                self.dispatch.dispatch(Action::Stopped(why.into()));
                if pick.is_some() {
                    self.dispatch.dispatch(Action::Select(pick));
                }
            }
        }
        drop(sim);
        drop(p);
        self.last_refresh = f64::MIN;
        self.refresh();
    }

    fn refresh_theme(&mut self) {
        let Some(canvas) = super::canvas_of(&self.canvas) else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        self.reduced_motion = window
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let Some(palette) = Palette::of(&window, &canvas) else {
            return;
        };
        if self.palette.as_ref() != Some(&palette) {
            self.palette = Some(palette);
            self.theme += 1;
            self.live.borrow_mut().dirty = true;
        }
    }

    /// Tells the canvas's box how wide and tall the drawing is (layout units, `--drawing-w` and
    /// `--drawing-h`): on a phone held upright the stylesheet makes the box as tall as the
    /// drawing needs at the phone's width, not a fixed height mostly left blank.
    fn publish_extent(&self) {
        let Some(wrap) = super::canvas_of(&self.canvas).and_then(|c| c.parent_element()) else {
            return;
        };
        let (x0, y0, x1, y1) = self.shared.borrow().scene.bounds();
        let style = format!(
            "--drawing-w:{};--drawing-h:{}",
            (x1 - x0).round() as i64,
            (y1 - y0).round() as i64
        );
        let _ = wrap.set_attribute("style", &style);
    }

    /// Sizes the canvas to its box × devicePixelRatio; `true` when it changed.
    fn fit_canvas(&mut self) -> bool {
        let Some(canvas) = super::canvas_of(&self.canvas) else {
            return false;
        };
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let size = (
            f64::from(canvas.client_width()),
            f64::from(canvas.client_height()),
            dpr,
        );
        if size == self.size {
            return false;
        }
        self.size = size;
        canvas.set_width((size.0 * dpr) as u32);
        canvas.set_height((size.1 * dpr) as u32);
        self.ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
        if let Some(ctx) = &self.ctx {
            let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        }
        let mut shared = self.shared.borrow_mut();
        shared.refit(size.0, size.1);
        if self.palette.is_none() {
            drop(shared);
            self.refresh_theme();
        }
        true
    }

    /// Whether the view changed since the last frame painted (then publishes where the nodes
    /// are now).
    fn viewed(&mut self) -> bool {
        let shared = self.shared.borrow();
        if self.painted_fit == Some(shared.fit) {
            return false;
        }
        self.painted_fit = Some(shared.fit);
        self.stats.nodes(&shared.scene, &shared.fit);
        true
    }

    fn paint(&mut self, at: Option<Moment>) {
        let (Some(ctx), Some(palette)) = (&self.ctx, &self.palette) else {
            return;
        };
        let Ok(p) = self.player.0.try_borrow() else {
            return;
        };
        let moment = at.unwrap_or(Moment::at(p.view()));
        self.painted_at = Some(moment);
        self.stats.step_moving(moment != Moment::at(p.view()));
        let look = Look {
            ctx,
            palette,
            theme: self.theme,
            scene_changes: self.scene_changes,
            size: self.size,
            selection: self.live.borrow().selection,
            reduced_motion: self.reduced_motion,
            min_span: self.min_span(),
            moment,
        };
        let mut shared = self.shared.borrow_mut();
        self.painter.paint(&look, &p, &mut shared, &mut self.stats);
    }
}

thread_local! {
    /// The page's clock, looked up once: a frame reads it a dozen times.
    static PERFORMANCE: Option<web_sys::Performance> =
        web_sys::window().and_then(|w| w.performance());
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now()))
}
