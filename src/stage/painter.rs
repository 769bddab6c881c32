//! One frame's painting for the animation loop: it reads the player (hops to draw, queue
//! depths, flows' waits) and paints the still layer, the depths, the dots and the binding keys
//! in that order, timing each phase for the benchmark. It keeps what frames can share (the two
//! cached layers, the dots' painter, the buffers of the in-flight scan) so a frame repaints
//! only what moved and allocates nothing once warm. It knows nothing of Yew.

use switchyard_core::sim::{NodeId, SimTime, TraceEvent};
use web_sys::CanvasRenderingContext2d as Ctx;

use crate::sim_ref::Selection;
use crate::stage::dots::Dots;
use crate::stage::draw::{Frame, Palette, paint_depths, paint_labels, paint_moving, paint_scene};
use crate::stage::frames::now_ms;
use crate::stage::geometry::{ease, key_index};
use crate::stage::labels::Rect;
use crate::stage::layer::{LabelKey, Layer, LayerKey, Shown};
use crate::stage::layout::Fit;
use crate::stage::names::{Text, named};
use crate::stage::player::{Moment, Player, Seen};
use crate::stage::shared::Shared;
use crate::stage::stats::Stats;

/// How the frame is to be painted, besides what the player holds.
pub struct Look<'a> {
    pub ctx: &'a Ctx,
    pub palette: &'a Palette,
    /// How many times the palette changed, and the scene: the layers repaint on a change.
    pub theme: u64,
    pub scene_changes: u64,
    /// CSS width, height and device pixel ratio.
    pub size: (f64, f64, f64),
    pub selection: Option<Selection>,
    pub reduced_motion: bool,
    /// Hops are drawn as taking at least this long (µs).
    pub min_span: u64,
    /// The moment drawn: the view, or on the way to it after a step.
    pub moment: Moment,
}

/// What the written names were chosen for: the scene, the fit, the selection, the canvas.
type NamedKey = (u64, Fit, Option<Selection>, (f64, f64));

/// The view rests once it has not moved for this long (ms): slow layers are repainted then.
const SETTLE_MS: f64 = 150.0;

/// What one frame hands the next.
pub struct Painter {
    /// The still part of the frame under the dots.
    layer: Option<Layer<LayerKey>>,
    /// The binding keys over the dots, and their boxes.
    labels: Option<Layer<LabelKey>>,
    label_boxes: Vec<Rect>,
    /// The nodes whose text is written, and what they were chosen for.
    named: Vec<(NodeId, Text)>,
    named_for: Option<NamedKey>,
    dots: Dots,
    /// The frame's hops and the scan's scratch set.
    flights: Vec<TraceEvent>,
    seen: Seen,
    /// The view of the last frame, and when it last changed (ms).
    view: Option<Fit>,
    view_moved_at: f64,
    /// Whether the last frame showed a layer moved rather than repainted.
    stale: bool,
    /// Each queue's (ready, unacked), and how many events the simulation had handled then:
    /// only an event changes them (a forked timeline is forgotten), and a big export has
    /// thousands of queues to count while the clock runs with nothing happening.
    depths: Vec<(NodeId, u64, u64)>,
    depths_for: Option<u64>,
    /// The depths drawn while a step is shown (see [`Player::depths_at`]).
    step_depths: Vec<(NodeId, u64, u64)>,
}

impl Painter {
    pub fn new() -> Painter {
        Painter {
            layer: Layer::new(),
            labels: Layer::new(),
            label_boxes: Vec::new(),
            named: Vec::new(),
            named_for: None,
            dots: Dots::default(),
            flights: Vec::new(),
            seen: Seen::default(),
            view: None,
            view_moved_at: 0.0,
            stale: false,
            depths: Vec::new(),
            depths_for: None,
            step_depths: Vec::new(),
        }
    }

    /// Whether the last frame showed a layer moved with the view rather than repainted: a
    /// frame is due once the view rests, even with nothing else to paint.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Forgets the messages' colours and the queues' depths: the timeline may have forked.
    pub fn forget_timeline(&mut self) {
        self.depths_for = None;
        self.dots.forget_colours();
    }

    /// Paints the player's frame; the dots drawn go to `shared` for the click handler.
    pub fn paint(&mut self, look: &Look<'_>, p: &Player, shared: &mut Shared, stats: &mut Stats) {
        let Some(sim) = p.sim().get() else { return };
        let t0 = now_ms();
        let mut flights = std::mem::take(&mut self.flights);
        p.flights_into(look.moment, look.min_span, &mut flights, &mut self.seen);
        let t1 = now_ms();
        if self.depths_for != Some(sim.steps()) {
            self.depths = sim.queue_depths();
            self.depths_for = Some(sim.steps());
        }
        let depths = std::mem::take(&mut self.depths);
        let mut step_depths = std::mem::take(&mut self.step_depths);
        let stepping = p.depths_at(look.moment, &depths, &mut step_depths);
        let t2 = now_ms();
        stats.add("flightsMs", t1 - t0);
        stats.add("depthsMs", t2 - t1);
        let colour = |m| sim.message(m).map(|info| key_index(info.routing_key()));
        let waits = crate::flow_view::links::waiting(&sim.flow_waits());
        let Shared {
            scene, fit, dots, ..
        } = shared;
        let area = (look.size.0, look.size.1);
        if self.view != Some(*fit) {
            self.view = Some(*fit);
            self.view_moved_at = t0;
        }
        let moving = t0 - self.view_moved_at < SETTLE_MS;
        let still_key = LayerKey {
            size: look.size,
            theme: look.theme,
            selection: look.selection,
            pause_points: p.pause_points().to_vec(),
            scene: look.scene_changes,
        };
        let still = (self.layer.as_ref()).map(|l| l.shown_for(&still_key, *fit, moving));
        let key = (look.scene_changes, *fit, look.selection, area);
        // The names are placed for the view the still layer is painted for.
        if self.named_for != Some(key) && !matches!(still, Some(Shown::Moved { .. })) {
            let first = match look.selection {
                Some(Selection::Node(id)) => Some(id),
                _ => None,
            };
            self.named = named(scene, fit, first, area);
            self.named_for = Some(key);
        }
        let names = std::mem::take(&mut self.named);
        let frame = Frame {
            scene,
            fit: *fit,
            area,
            view: SimTime(look.moment.at),
            min_span: look.min_span,
            instant: (look.moment.instant).map_or(1.0, |phase| ease(phase.fract())),
            depths: if stepping { &step_depths } else { &depths },
            flights: &flights,
            pause_points: p.pause_points(),
            selection: look.selection,
            named: &names,
            reduced_motion: look.reduced_motion,
            colour: &colour,
            waits: &waits,
        };
        let still = self.still(look, &frame, still_key, moving);
        paint_depths(look.ctx, look.palette, &frame);
        let t3 = now_ms();
        paint_moving(look.ctx, look.palette, &frame, &mut self.dots, dots);
        let t4 = now_ms();
        let keys = self.keys(look, &frame, moving);
        self.stale = still != Shown::Fresh || keys != Shown::Fresh;
        stats.add("sceneMs", t3 - t2);
        stats.add("dotsMs", t4 - t3);
        stats.add("labelsMs", now_ms() - t4);
        stats.dots(dots);
        self.flights = flights;
        self.named = names;
        self.depths = depths;
        self.step_depths = step_depths;
    }

    /// The still layer under the dots, repainted if what it shows changed (a slow one only
    /// once the view rests).
    fn still(&mut self, look: &Look<'_>, frame: &Frame<'_>, key: LayerKey, moving: bool) -> Shown {
        let (ctx, palette, size) = (look.ctx, look.palette, look.size);
        let Some(layer) = self.layer.as_mut() else {
            paint_scene(ctx, palette, frame, size.0, size.1);
            return Shown::Fresh;
        };
        let shown = layer.update_unless_moving(key, frame.fit, size, moving, |c| {
            paint_scene(c, palette, frame, size.0, size.1)
        });
        match shown {
            Shown::Fresh => layer.show(ctx),
            Shown::Moved { from } => layer.show_moved(ctx, &from, &frame.fit),
        }
        shown
    }

    /// The binding keys over the dots, from their layer (a slow one repainted only once the
    /// view rests).
    fn keys(&mut self, look: &Look<'_>, frame: &Frame<'_>, moving: bool) -> Shown {
        let Some(layer) = self.labels.as_mut() else {
            paint_labels(look.ctx, look.palette, frame);
            return Shown::Fresh;
        };
        let key = LabelKey {
            size: look.size,
            theme: look.theme,
            scene: look.scene_changes,
            selection: look.selection,
        };
        let boxes = &mut self.label_boxes;
        let shown = layer.update_unless_moving(key, frame.fit, look.size, moving, |c| {
            *boxes = paint_labels(c, look.palette, frame);
        });
        match shown {
            Shown::Fresh => layer.show_parts(look.ctx, boxes),
            Shown::Moved { from } => layer.draw_moved(look.ctx, &from, &frame.fit),
        }
        shown
    }
}
