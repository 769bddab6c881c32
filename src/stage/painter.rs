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
use crate::stage::geometry::key_index;
use crate::stage::labels::Rect;
use crate::stage::layer::{LabelKey, Layer, LayerKey};
use crate::stage::layout::Fit;
use crate::stage::names::{Text, named};
use crate::stage::player::{Player, Seen};
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
}

/// What the written names were chosen for: the scene, the fit, the selection, the canvas.
type NamedKey = (u64, Fit, Option<Selection>, (f64, f64));

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
        }
    }

    /// Forgets the messages' colours: the timeline may have forked.
    pub fn forget_colours(&mut self) {
        self.dots.forget_colours();
    }

    /// Paints the player's frame; the dots drawn go to `shared` for the click handler.
    pub fn paint(&mut self, look: &Look<'_>, p: &Player, shared: &mut Shared, stats: &mut Stats) {
        let Some(sim) = p.sim().get() else { return };
        let t0 = now_ms();
        let mut flights = std::mem::take(&mut self.flights);
        p.flights_into(look.min_span, &mut flights, &mut self.seen);
        let t1 = now_ms();
        let depths: Vec<(NodeId, u64, u64)> = sim.queue_depths();
        let t2 = now_ms();
        stats.add("flightsMs", t1 - t0);
        stats.add("depthsMs", t2 - t1);
        let colour = |m| sim.message(m).map(|info| key_index(info.routing_key()));
        let waits = crate::flow_view::links::waiting(&sim.flow_waits());
        let Shared {
            scene, fit, dots, ..
        } = shared;
        let area = (look.size.0, look.size.1);
        let key = (look.scene_changes, *fit, look.selection, area);
        if self.named_for != Some(key) {
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
            view: SimTime(p.view()),
            min_span: look.min_span,
            depths: &depths,
            flights: &flights,
            pause_points: p.pause_points(),
            selection: look.selection,
            named: &names,
            reduced_motion: look.reduced_motion,
            colour: &colour,
            waits: &waits,
        };
        self.still(look, &frame);
        paint_depths(look.ctx, look.palette, &frame);
        let t3 = now_ms();
        paint_moving(look.ctx, look.palette, &frame, &mut self.dots, dots);
        let t4 = now_ms();
        self.keys(look, &frame);
        stats.add("sceneMs", t3 - t2);
        stats.add("dotsMs", t4 - t3);
        stats.add("labelsMs", now_ms() - t4);
        stats.dots(dots);
        self.flights = flights;
        self.named = names;
    }

    /// The still layer under the dots, repainted if what it shows changed.
    fn still(&mut self, look: &Look<'_>, frame: &Frame<'_>) {
        let (ctx, palette, size) = (look.ctx, look.palette, look.size);
        let Some(layer) = self.layer.as_mut() else {
            paint_scene(ctx, palette, frame, size.0, size.1);
            return;
        };
        let key = LayerKey {
            size,
            theme: look.theme,
            selection: frame.selection,
            pause_points: frame.pause_points.clone(),
            scene: look.scene_changes,
            fit: frame.fit,
        };
        layer.update(key, size, |c| {
            paint_scene(c, palette, frame, size.0, size.1)
        });
        layer.show(ctx);
    }

    /// The binding keys over the dots, from their layer.
    fn keys(&mut self, look: &Look<'_>, frame: &Frame<'_>) {
        let Some(layer) = self.labels.as_mut() else {
            paint_labels(look.ctx, look.palette, frame);
            return;
        };
        let key = LabelKey {
            size: look.size,
            theme: look.theme,
            scene: look.scene_changes,
            fit: frame.fit,
            selection: look.selection,
        };
        let boxes = &mut self.label_boxes;
        layer.update(key, look.size, |c| {
            *boxes = paint_labels(c, look.palette, frame);
        });
        layer.show_parts(look.ctx, boxes);
    }
}
