//! Painting one frame on the stage's canvas: links with their binding keys, the nodes as
//! RabbitMQ's tutorials draw them (producer circle P, exchange hexagon X with its type, queue
//! as a row of boxes filling up, consumer circle C), the pause-point and selection marks, and
//! the messages in flight (as dots, by `dots::Dots`; with reduced motion, rings by `marks`).
//! Through the composed transform: what lies wholly off the canvas is skipped (see
//! `stage::cull`), and nodes too small to name are drawn without text. It reads a [`Frame`]; it never touches the simulation or Yew.

use rustc_hash::FxHashMap as HashMap;
use std::f64::consts::PI;

use switchyard_core::MessageId;
use switchyard_core::shown::grouped;
use switchyard_core::sim::{NodeId, NodeKind, SimTime, TraceEvent};
use web_sys::CanvasRenderingContext2d as Ctx;

use crate::sim_ref::Selection;
use crate::stage::cull::{self, meets};
use crate::stage::dots::Dots;
use crate::stage::geometry::{Dot, ends, half_size, trim};
use crate::stage::labels::{self, Rect, Want};
use crate::stage::layout::{Fit, Link, LinkKind, NOT_DECLARED, Scene, Shape};
use crate::stage::marks;
use crate::stage::names::{self, Text, text_of};
pub use crate::stage::palette::Palette;

/// What one frame shows.
pub struct Frame<'a> {
    pub scene: &'a Scene,
    pub fit: Fit,
    /// The canvas's CSS width and height: what lies wholly outside is not drawn.
    pub area: (f64, f64),
    pub view: SimTime,
    /// Hops are drawn as taking at least this long (µs).
    pub min_span: u64,
    /// How far along a hop that takes no time is drawn (see `stage::instant`).
    pub instant: f64,
    /// Ready and unacked per queue node.
    pub depths: &'a [(NodeId, u64, u64)],
    pub flights: &'a [TraceEvent],
    pub pause_points: &'a [NodeId],
    pub selection: Option<Selection>,
    /// The nodes whose text is written, and how, sorted (`names::named`).
    pub named: &'a [(NodeId, Text)],
    pub reduced_motion: bool,
    /// A message's colour (index into [`crate::stage::geometry::KEY_COLOURS`], by its routing
    /// key), if the simulation knows the message.
    pub colour: &'a dyn Fn(MessageId) -> Option<u8>,
    /// A flow's waiting nodes and how many answers each is waiting for.
    pub waits: &'a [(NodeId, usize)],
}

/// The topology under the dots: links, nodes, depths and marks (then [`paint_moving`] and
/// [`paint_labels`]). Only what reaches the canvas is painted (see `stage::cull`).
pub fn paint_scene(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>, width: f64, height: f64) {
    ctx.clear_rect(0.0, 0.0, width, height);
    let r = frame.fit.radius();
    links(ctx, palette, frame);
    for shape in &frame.scene.shapes {
        let text = text_of(frame.named, shape.id);
        let on = |paused| {
            meets(
                &cull::node_box(shape, &frame.fit, r, text, paused),
                frame.area,
            )
        };
        // The pause points are looked through only where the badge alone would reach in.
        if on(false) || (on(true) && frame.pause_points.contains(&shape.id)) {
            node(ctx, palette, frame, shape, r);
        }
    }
}

/// The messages moving (or, with reduced motion, where they are heading) with `dots`; puts
/// the dots drawn in `out`.
pub fn paint_moving(
    ctx: &Ctx,
    palette: &Palette,
    frame: &Frame<'_>,
    dots: &mut Dots,
    out: &mut Vec<Dot>,
) {
    let r = frame.fit.radius();
    marks::waiting(ctx, palette, frame, r);
    if frame.reduced_motion {
        marks::arrivals(ctx, palette, frame, r);
        out.clear();
    } else {
        dots.paint(ctx, palette, frame, out);
    }
}

/// The opacity of a binding the recent messages no longer match.
const FADED: f64 = 0.25;

/// Links on a drawing with more than this many: those of a selected node stand out, the rest
/// recede (a big export's links cross everywhere).
const BUSY_LINKS: usize = 24;
/// The opacity of the links that recede.
const RECEDED: f64 = 0.3;

/// The links, then those of the selected node over them in the brand colour. Links that look
/// the same (colour, opacity, dashes) are one path, and their heads another: a big export has
/// thousands, and a stroke each is slow to paint.
fn links(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>) {
    let selected = match frame.selection {
        Some(Selection::Node(id)) => Some(id),
        _ => None,
    };
    let touches = |l: &Link| selected.is_some_and(|id| l.from == id || l.to == id);
    let recede = selected.is_some() && frame.scene.links.len() > BUSY_LINKS;
    let alpha = |l: &Link| match (l.faded, recede) {
        (true, _) => FADED,
        (false, true) => RECEDED,
        (false, false) => 1.0,
    };
    let all = &frame.scene.links;
    ctx.set_line_width(1.5);
    for dashed in [false, true] {
        for opacity in [1.0, RECEDED, FADED] {
            let batch = all
                .iter()
                .filter(|l| !touches(l) && is_dashed(l) == dashed && alpha(l) == opacity);
            link_batch(ctx, &palette.muted, frame, batch, opacity, dashed);
        }
    }
    ctx.set_line_width(2.5);
    for dashed in [false, true] {
        let batch = all.iter().filter(|l| touches(l) && is_dashed(l) == dashed);
        link_batch(ctx, &palette.brand, frame, batch, 1.0, dashed);
    }
    ctx.set_global_alpha(1.0);
    let _ = ctx.set_line_dash(&js_sys::Array::new());
}

/// Whether a link is drawn dashed: to an alternate exchange or of dead letters.
fn is_dashed(link: &Link) -> bool {
    matches!(link.kind, LinkKind::Alternate | LinkKind::DeadLetter)
}

/// `links` on screen, with their arrow heads, in `colour` at opacity `alpha`.
fn link_batch<'a>(
    ctx: &Ctx,
    colour: &str,
    frame: &Frame<'_>,
    links: impl Iterator<Item = &'a Link>,
    alpha: f64,
    dashed: bool,
) {
    let mut heads = Vec::new();
    let mut drawn = false;
    ctx.begin_path();
    for link in links {
        let Some((a, b)) = ends(frame.scene, &frame.fit, link.from, link.to) else {
            continue;
        };
        if !meets(&cull::around(a, b, cull::LINK_PAD), frame.area) {
            continue;
        }
        ctx.move_to(a.0, a.1);
        ctx.line_to(b.0, b.1);
        drawn = true;
        let head = arrow_tip(a, b, reach(frame, link.to) + 2.0);
        if let Some(head) = head.filter(|(tip, _)| meets(&cull::head_box(*tip), frame.area)) {
            heads.push(head);
        }
    }
    if !drawn {
        return;
    }
    let dash = js_sys::Array::new();
    if dashed {
        dash.push(&6.0.into());
        dash.push(&4.0.into());
    }
    let _ = ctx.set_line_dash(&dash);
    ctx.set_global_alpha(alpha);
    ctx.set_stroke_style_str(colour);
    ctx.stroke();
    ctx.begin_path();
    for (tip, along) in heads {
        arrow_head(ctx, tip, along);
    }
    ctx.set_fill_style_str(colour);
    ctx.fill();
}

/// How far a node's outline reaches from its centre along a horizontal line (pixels).
fn reach(frame: &Frame<'_>, id: NodeId) -> f64 {
    let r = frame.fit.radius();
    frame.scene.shape(id).map_or(r, |s| half_size(s.kind, r).0)
}

/// The binding keys, on a box of the panel's colour where it covers no node, name or other
/// key (see [`labels`]); gives the boxes. The keys of the bindings between the same two nodes
/// share one box, written one after the other ("goal, penalty"), each faded on its own. They go
/// over the dots, so they stay readable: painted once on a layer of their own and copied box by
/// box each frame.
pub fn paint_labels(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>) -> Vec<Rect> {
    if !frame.fit.legible() {
        return Vec::new();
    }
    ctx.set_font("12px ui-monospace, Menlo, monospace");
    ctx.set_text_baseline("middle");
    ctx.set_text_align("left");
    let links = &frame.scene.links;
    // The selected node's keys first: where keys crowd, those placed first are written.
    let selected = match frame.selection {
        Some(Selection::Node(id)) => Some(id),
        _ => None,
    };
    let touches = |l: &&Link| selected.is_some_and(|id| l.from == id || l.to == id);
    let keyed = links.iter().filter(|l| !l.label.is_empty());
    // The keys of each pair of nodes, in order of first appearance.
    let mut pairs: Vec<Vec<&Link>> = Vec::new();
    let mut index: HashMap<(NodeId, NodeId), usize> = HashMap::default();
    for link in keyed
        .clone()
        .filter(touches)
        .chain(keyed.filter(|l| !touches(l)))
    {
        let at = *index.entry((link.from, link.to)).or_insert_with(|| {
            pairs.push(Vec::new());
            pairs.len() - 1
        });
        if let Some(pair) = pairs.get_mut(at) {
            pair.push(link);
        }
    }
    let width = |text: &str| {
        ctx.measure_text(text)
            .map_or(7.3 * text.len() as f64, |m| m.width())
    };
    let sep = width(SEPARATOR);
    let fans = labels::fans(links);
    let mut keyed = Vec::new();
    let mut wants = Vec::new();
    for pair in pairs {
        let Some(first) = pair.first().copied() else {
            continue;
        };
        let Some((a, b)) = ends(frame.scene, &frame.fit, first.from, first.to) else {
            continue;
        };
        let (a, b) = trim(a, b, reach(frame, first.from), reach(frame, first.to));
        // Where the box could go, however wide its text (measured only if on the canvas).
        let most = (pair.iter().map(|l| cull::text_width(&l.label, 12.0))).sum::<f64>()
            + cull::text_width(SEPARATOR, 12.0) * pair.len().saturating_sub(1) as f64;
        let (dx, dy) = labels::reach(most + 8.0, 16.0);
        let (x, y, w, h) = cull::around(a, b, 0.0);
        if !meets(&(x - dx, y - dy, w + 2.0 * dx, h + 2.0 * dy), frame.area) {
            continue;
        }
        let parts: Vec<(&Link, f64)> = pair.iter().map(|l| (*l, width(&l.label))).collect();
        let text =
            parts.iter().map(|(_, w)| w).sum::<f64>() + sep * parts.len().saturating_sub(1) as f64;
        wants.push(Want {
            a,
            b,
            w: text + 8.0,
            h: 16.0,
            from_target: fans.contains(&(first.from, first.to)),
        });
        keyed.push((parts, text));
    }
    if wants.is_empty() {
        return Vec::new();
    }
    let mut obstacles = labels::obstacles(frame.scene, &frame.fit, frame.named);
    // Only what is on screen can be in a key's way (a zoomed-in huge drawing has thousands).
    obstacles.retain(|o| meets(o, frame.area));
    let at = labels::place(&wants, &obstacles);
    let rects: Vec<Rect> = (wants.iter().zip(&at))
        .map(|(want, (mx, my))| (mx - want.w / 2.0, my - want.h / 2.0, want.w, want.h))
        .collect();
    let keep = labels::readable(&rects);
    let mut boxes = Vec::with_capacity(at.len());
    for (((parts, text), rect), ((mx, my), keep)) in
        keyed.iter().zip(rects).zip(at.into_iter().zip(keep))
    {
        if !keep {
            continue;
        }
        ctx.set_fill_style_str(&palette.panel);
        ctx.fill_rect(rect.0, rect.1, rect.2, rect.3);
        let mut x = mx - text / 2.0;
        for (i, (link, w)) in parts.iter().enumerate() {
            if i > 0 {
                ctx.set_fill_style_str(&palette.muted);
                let _ = ctx.fill_text(SEPARATOR, x, my);
                x += sep;
            }
            ctx.set_fill_style_str(if link.faded {
                &palette.muted
            } else {
                &palette.text
            });
            let _ = ctx.fill_text(&link.label, x, my);
            x += w;
        }
        boxes.push(rect);
    }
    boxes
}

/// Between the keys of one box.
const SEPARATOR: &str = ", ";

/// The tip of the arrow head of a line from `a` to `b`, `back` short of `b`, and the line's
/// direction; none on a line too short for one.
fn arrow_tip(a: (f64, f64), b: (f64, f64), back: f64) -> Option<((f64, f64), (f64, f64))> {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    if len < back * 2.0 {
        return None;
    }
    let (ux, uy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    Some(((b.0 - ux * back, b.1 - uy * back), (ux, uy)))
}

/// Adds an arrow head at `tip` pointing along the unit vector (`ux`, `uy`) to the path.
fn arrow_head(ctx: &Ctx, tip: (f64, f64), (ux, uy): (f64, f64)) {
    ctx.move_to(tip.0, tip.1);
    ctx.line_to(tip.0 - ux * 8.0 - uy * 4.5, tip.1 - uy * 8.0 + ux * 4.5);
    ctx.line_to(tip.0 - ux * 8.0 + uy * 4.5, tip.1 - uy * 8.0 - ux * 4.5);
    ctx.close_path();
}

fn node(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>, s: &Shape, r: f64) {
    let (x, y) = frame.fit.at(s.x, s.y);
    let selected = frame.selection == Some(Selection::Node(s.id));
    let (fill, letter) = match s.kind {
        NodeKind::Producer => (&palette.producer, "P"),
        NodeKind::Exchange => (&palette.exchange, "X"),
        NodeKind::Queue => (&palette.queue, ""),
        NodeKind::Consumer => (&palette.consumer, "C"),
        NodeKind::Service => (&palette.consumer, "S"),
        NodeKind::Store => (&palette.queue, "E"),
        NodeKind::Projection => (&palette.consumer, "V"),
    };
    ctx.set_line_width(if selected { 4.0 } else { 2.0 });
    ctx.set_stroke_style_str(if selected {
        &palette.brand
    } else {
        &palette.text
    });
    // What is down or gone is greyed; anything not as usual has a dashed outline.
    let fill = if matches!(s.status, Some("down" | NOT_DECLARED)) {
        &palette.muted
    } else {
        fill
    };
    ctx.set_fill_style_str(fill);
    dashed(ctx, s.status.is_some());
    ctx.begin_path();
    let mut label_y = y + r + 14.0;
    match s.kind {
        NodeKind::Producer
        | NodeKind::Consumer
        | NodeKind::Service
        | NodeKind::Store
        | NodeKind::Projection => {
            let _ = ctx.arc(x, y, r, 0.0, 2.0 * PI);
        }
        NodeKind::Exchange => hexagon(ctx, x, y, r),
        NodeKind::Queue => {
            // A dashed outline shows its gaps at any size.
            label_y = queue_box(ctx, palette, (x, y, r), selected, s.status.is_none());
        }
    }
    if s.kind != NodeKind::Queue {
        ctx.fill();
        ctx.stroke();
    }
    dashed(ctx, false);
    if frame.fit.legible() && s.kind != NodeKind::Queue {
        node_letter(ctx, letter, (x, y, r));
    }
    match text_of(frame.named, s.id) {
        Some(Text::Full) => node_text(ctx, palette, s, (x, label_y), None),
        Some(Text::Name { status, shift }) => {
            let x = x + f64::from(shift);
            node_text(ctx, palette, s, (x, label_y), Some(status));
        }
        Some(Text::Right { status }) => {
            let left = x + half_size(s.kind, r).0 + names::GAP;
            ctx.set_text_align("left");
            ctx.set_font("600 13px system-ui, sans-serif");
            ctx.set_fill_style_str(&palette.text);
            ctx.set_text_baseline("middle");
            let line = names::one_line(s, status);
            haloed(ctx, palette, &line, (left, y), names::width(&line));
        }
        None => {}
    }
    if frame.pause_points.contains(&s.id) {
        pause_mark(ctx, palette, (x + r * 0.9, y - r * 0.9));
    }
}

/// The pause-point badge at (`bx`, `by`).
fn pause_mark(ctx: &Ctx, palette: &Palette, (bx, by): (f64, f64)) {
    ctx.set_fill_style_str(&palette.brand);
    ctx.begin_path();
    let _ = ctx.arc(bx, by, 9.0, 0.0, 2.0 * PI);
    ctx.fill();
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(bx - 4.0, by - 4.5, 3.0, 9.0);
    ctx.fill_rect(bx + 1.0, by - 4.5, 3.0, 9.0);
}

/// The letter inside a node (at its centre and radius).
fn node_letter(ctx: &Ctx, letter: &str, (x, y, r): (f64, f64, f64)) {
    ctx.set_fill_style_str("#ffffff");
    ctx.set_font(&format!(
        "700 {}px system-ui, sans-serif",
        switchyard_core::decimal::fixed(r * 0.9, 0)
    ));
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    let _ = ctx.fill_text(letter, x, y + 1.0);
}

/// A node's name, type and status from `label_y` down, centred on `x`; or only
/// [`names::one_line`] with (or without) the status when `one_line` says which.
fn node_text(
    ctx: &Ctx,
    palette: &Palette,
    s: &Shape,
    (x, label_y): (f64, f64),
    one_line: Option<bool>,
) {
    ctx.set_text_align("center");
    ctx.set_font("600 13px system-ui, sans-serif");
    ctx.set_fill_style_str(&palette.text);
    ctx.set_text_baseline("top");
    if let Some(status) = one_line {
        let line = names::one_line(s, status);
        haloed(ctx, palette, &line, (x, label_y), names::width(&line));
        return;
    }
    haloed(ctx, palette, &s.name, (x, label_y), names::width(&s.name));
    if let Some(tag) = s.tag {
        ctx.set_font("12px system-ui, sans-serif");
        ctx.set_fill_style_str(&palette.muted);
        let _ = ctx.fill_text(&format!("({tag})"), x, label_y + 16.0);
    }
    if let Some(status) = s.status {
        ctx.set_font("italic 700 12px system-ui, sans-serif");
        ctx.set_fill_style_str(&palette.text);
        let below = if s.tag.is_some() { 32.0 } else { 16.0 };
        let _ = ctx.fill_text(status, x, label_y + below);
    }
}

/// A node's name in the fill style set, at most `max` wide, over a halo of the canvas's own
/// colour: a link that runs under it (a fan's links reach their queues beneath the names of
/// the queues above) is cut where the letters are, so the name reads.
fn haloed(ctx: &Ctx, palette: &Palette, text: &str, (x, y): (f64, f64), max: f64) {
    ctx.save();
    ctx.set_stroke_style_str(&palette.panel);
    ctx.set_line_width(4.0);
    ctx.set_line_join("round");
    let _ = ctx.stroke_text_with_max_width(text, x, y, max);
    ctx.restore();
    let _ = ctx.fill_text_with_max_width(text, x, y, max);
}

/// Dashes the outlines stroked from now on, or makes them solid again.
fn dashed(ctx: &Ctx, on: bool) {
    let dash = js_sys::Array::new();
    if on {
        dash.push(&5.0.into());
        dash.push(&4.0.into());
    }
    let _ = ctx.set_line_dash(&dash);
}

/// The hexagon's corners on the unit circle: `((PI / 3.0 * k).cos(), (PI / 3.0 * k).sin())`
/// for k = 0..6, the very values (a test checks), so the bundle links no sine and cosine and
/// their argument reduction (5 KB) for the one shape that turns.
const HEX_CORNERS: [(f64, f64); 6] = [
    (1.0, 0.0),
    (0.5000000000000001, 0.8660254037844386),
    (-0.4999999999999998, 0.8660254037844387),
    (-1.0, 1.2246467991473532e-16),
    (-0.5000000000000004, -0.8660254037844384),
    (0.49999999999999933, -0.866025403784439),
];

fn hexagon(ctx: &Ctx, x: f64, y: f64, r: f64) {
    for (i, (cos, sin)) in HEX_CORNERS.iter().enumerate() {
        let (px, py) = (x + r * cos, y + r * sin);
        if i == 0 {
            ctx.move_to(px, py)
        } else {
            ctx.line_to(px, py)
        }
    }
    ctx.close_path();
}

/// Boxes a queue draws: the stack shows depth up to this, the number says the rest.
const CELLS: u64 = 6;

/// Where a queue's cells are at most this wide (pixels), the strokes between them (2 px) cover
/// them: the queue is one block of its outline's colour, and its depth shows nothing more.
const CELL_COVERED: f64 = 2.0;

/// A queue's box: a row of cells (filled by [`paint_depths`]); gives where its label goes.
/// Where its cells are covered by their strokes ([`CELL_COVERED`]) and it is `solid` (its
/// outline not dashed), one block of the strokes' colour: a big export zoomed out has
/// thousands of queues a few pixels wide, and one rectangle each paints much faster.
fn queue_box(
    ctx: &Ctx,
    p: &Palette,
    (x, y, r): (f64, f64, f64),
    selected: bool,
    solid: bool,
) -> f64 {
    let (x0, y0, w, h) = queue_rect(x, y, r);
    if solid && covered(w) {
        // What the strokes of `queue_lines` cover: the box and half their width around it.
        let half = if selected { 2.0 } else { 1.0 };
        ctx.set_fill_style_str(if selected { &p.brand } else { &p.text });
        ctx.fill_rect(x0 - half, y0 - half, w + 2.0 * half, h + 2.0 * half);
        return y0 + h + 6.0;
    }
    ctx.set_fill_style_str(&p.panel);
    ctx.fill_rect(x0, y0, w, h);
    queue_lines(ctx, p, x, y, r, selected);
    y0 + h + 6.0
}

/// Whether the cells of a queue's box `w` pixels wide are covered by their strokes.
fn covered(w: f64) -> bool {
    w / CELLS as f64 <= CELL_COVERED
}

/// A queue's box at (`x`, `y`): left, top, width, height.
fn queue_rect(x: f64, y: f64, r: f64) -> (f64, f64, f64, f64) {
    let (w, h) = (r * 3.2, r * 1.3);
    (x - w / 2.0, y - h / 2.0, w, h)
}

fn queue_lines(ctx: &Ctx, p: &Palette, x: f64, y: f64, r: f64, selected: bool) {
    let (x0, y0, w, h) = queue_rect(x, y, r);
    let cell = w / CELLS as f64;
    ctx.set_line_width(if selected { 4.0 } else { 2.0 });
    ctx.set_stroke_style_str(if selected { &p.brand } else { &p.text });
    ctx.begin_path();
    for i in 1..CELLS {
        ctx.move_to(x0 + cell * i as f64, y0);
        ctx.line_to(x0 + cell * i as f64, y0 + h);
    }
    ctx.stroke();
    ctx.stroke_rect(x0, y0, w, h);
}

/// Each queue's depth: its cells filled from the consumer's end, and the counts under its name.
pub fn paint_depths(ctx: &Ctx, p: &Palette, frame: &Frame<'_>) {
    let r = frame.fit.radius();
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_text_align("center");
    // Under the queue's name (above it, the binding keys need the room).
    ctx.set_text_baseline("top");
    for (id, ready, unacked) in frame.depths {
        // A queue not declared now has no depth to show (its status says so instead).
        let Some(s) = frame
            .scene
            .shape(*id)
            .filter(|s| s.status != Some(NOT_DECLARED))
        else {
            continue;
        };
        let full = text_of(frame.named, *id) == Some(Text::Full);
        let count = cull::digits(*ready) + cull::digits(*unacked);
        if !meets(&cull::depth_box(s, &frame.fit, r, full, count), frame.area) {
            continue;
        }
        let (x, y) = frame.fit.at(s.x, s.y);
        let (x0, y0, w, h) = queue_rect(x, y, r);
        let cell = w / CELLS as f64;
        // Cells this narrow are covered by the strokes between them (see `queue_box`).
        let stack = !covered(w) || s.status.is_some();
        if *ready > 0 && stack {
            ctx.set_fill_style_str(&p.queue);
            let n = (*ready).min(CELLS) as f64;
            ctx.fill_rect(x0 + w - cell * n, y0, cell * n, h);
            queue_lines(
                ctx,
                p,
                x,
                y,
                r,
                frame.selection == Some(Selection::Node(*id)),
            );
        }
        if !full {
            continue;
        }
        ctx.set_fill_style_str(&p.text);
        let depth = if *unacked > 0 {
            format!("{} ready · {} unacked", grouped(*ready), grouped(*unacked))
        } else {
            format!("{} ready", grouped(*ready))
        };
        let _ = ctx.fill_text(&depth, x, y0 + h + 6.0 + 16.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_corners_are_the_sines_and_cosines() {
        for (k, corner) in HEX_CORNERS.iter().enumerate() {
            let a = PI / 3.0 * k as f64;
            assert_eq!(*corner, (a.cos(), a.sin()), "corner {k}");
        }
    }

    #[test]
    fn a_queue_drawn_as_one_block_is_what_its_strokes_cover() {
        // The strokes (2 px wide) of the outline and between the cells, left to right: where
        // the box counts as covered, each meets the next, so one block paints the same.
        for (w, want) in [
            (6.0, true),
            (11.9, true),
            (12.0, true),
            (12.1, false),
            (40.0, false),
        ] {
            assert_eq!(covered(w), want, "{w} px");
            let cell = w / CELLS as f64;
            let gapless =
                (0..CELLS).all(|i| (i as f64 * cell + 1.0) >= ((i + 1) as f64 * cell - 1.0));
            assert_eq!(gapless, want, "{w} px");
        }
    }
}
