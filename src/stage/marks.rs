//! Marks over the nodes while messages move: a flow's callers waiting for answers (a dashed
//! ring and a count) and, with reduced motion, the nodes messages are heading to (a ring and
//! how many), instead of flying dots. It reads a [`Frame`]; it never touches the simulation.

use std::f64::consts::PI;

use switchyard_core::sim::{NodeId, NodeKind};
use web_sys::CanvasRenderingContext2d as Ctx;

use crate::stage::cull::{self, meets};
use crate::stage::draw::{Frame, Palette};

/// A flow's waiting callers: a dashed ring and how many answers they wait for.
pub fn waiting(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>, r: f64) {
    if frame.waits.is_empty() {
        return;
    }
    let dash = js_sys::Array::new();
    dash.push(&3.0.into());
    dash.push(&3.0.into());
    let _ = ctx.set_line_dash(&dash);
    ctx.set_line_width(2.0);
    ctx.set_stroke_style_str(&palette.brand);
    ctx.set_fill_style_str(&palette.brand);
    ctx.set_font("bold 11px system-ui, sans-serif");
    ctx.set_text_align("left");
    ctx.set_text_baseline("middle");
    for (id, n) in frame.waits {
        let Some(s) = frame.scene.shape(*id) else {
            continue;
        };
        let (x, y) = frame.fit.at(s.x, s.y);
        let text = format!("waits ×{n}");
        let ring = cull::around((x, y), (x, y), r + 8.0);
        let label = (
            x + r + 4.0,
            y - r - 12.0,
            cull::text_width(&text, 11.0),
            16.0,
        );
        if !meets(&cull::union(ring, label), frame.area) {
            continue;
        }
        ctx.begin_path();
        let _ = ctx.arc(x, y, r + 6.0, 0.0, 2.0 * PI);
        ctx.stroke();
        let _ = ctx.fill_text(&text, x + r + 4.0, y - r - 4.0);
    }
    let _ = ctx.set_line_dash(&js_sys::Array::new());
}

/// Reduced motion: ring each node messages are heading to and count them.
pub fn arrivals(ctx: &Ctx, palette: &Palette, frame: &Frame<'_>, r: f64) {
    // The destinations sorted and counted in runs, in id order as a map would give them (a
    // map of this type would compile another B-tree into the bundle, a sort another sort).
    let mut heading: Vec<NodeId> = (frame.flights.iter())
        .filter_map(|e| e.edge.as_ref().map(|edge| edge.to))
        .collect();
    switchyard_core::order::sort_by_key(&mut heading, |id| *id);
    let runs = heading.chunk_by(|a, b| a == b);
    ctx.set_stroke_style_str(&palette.brand);
    ctx.set_line_width(3.0);
    ctx.set_font("700 13px system-ui, sans-serif");
    ctx.set_text_align("left");
    ctx.set_text_baseline("middle");
    for (node, n) in runs.filter_map(|run| Some((*run.first()?, run.len()))) {
        let Some(s) = frame.scene.shape(node) else {
            continue;
        };
        let (x, y) = frame.fit.at(s.x, s.y);
        let rr = if s.kind == NodeKind::Queue {
            r * 1.9
        } else {
            r + 6.0
        };
        let text = format!("+{n}");
        let ring = cull::around((x, y), (x, y), rr + 3.0);
        let label = (
            x + rr + 4.0,
            y - rr * 0.6 - 10.0,
            cull::text_width(&text, 13.0),
            20.0,
        );
        if !meets(&cull::union(ring, label), frame.area) {
            continue;
        }
        ctx.begin_path();
        let _ = ctx.arc(x, y, rr, 0.0, 2.0 * PI);
        ctx.stroke();
        ctx.set_fill_style_str(&palette.brand);
        let _ = ctx.fill_text(&text, x + rr + 4.0, y - rr * 0.6);
    }
}
