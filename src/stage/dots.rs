//! The messages in flight as dots coloured by routing key, painted a few canvas paths per frame
//! whatever their number. It keeps what one frame can hand the next: each message's colour
//! (looking a routing key up in the simulation's message table costs more than drawing the
//! dot), and the buffers the dots are gathered in, so a frame allocates nothing once warm.
//! It reads a [`Frame`]; it never touches the simulation or Yew.

use std::collections::VecDeque;
use std::f64::consts::PI;

use switchyard_core::MessageId;
use switchyard_core::sim::{NodeId, TraceKind};
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::CanvasRenderingContext2d as Ctx;

use crate::sim_ref::Selection;
use crate::stage::draw::{Frame, Palette};
use crate::stage::geometry::{Dot, FastSet, half_size, lerp, progress};
use crate::stage::geometry::{ends, trim};

/// Colour and radius (pixels) of each kind of dot, painted in this order (later on top, where
/// dots overlap): by colour, then radius, as the app has always drawn them.
const INKS: [(&str, f64); 12] = [
    ("#0072b2", 5.5),
    ("#009e73", 5.5),
    (GREEN, 3.5),
    (GREEN, 4.5),
    ("#56b4e9", 5.5),
    ("#7f8c8d", 3.0),
    ("#8f7cf6", 5.5),
    ("#cc79a7", 5.5),
    ("#d55e00", 5.5),
    (RED, 3.5),
    (RED, 5.5),
    ("#e69f00", 5.5),
];
const GREEN: &str = "#2e8b57";
const RED: &str = "#d9453d";
const ACK: u8 = 2;
const GOOD_ANSWER: u8 = 3;
const SIGNAL: u8 = 5;
const REFUSAL: u8 = 9;
const FAILED_ANSWER: u8 = 10;
/// The ink of each of [`KEY_COLOURS`](crate::stage::geometry::KEY_COLOURS).
const KEY_INKS: [u8; 7] = [11, 4, 1, 0, 8, 7, 6];

/// Dots drawn round at most; more are drawn square.
const MAX_ROUND_DOTS: usize = 600;

type Segment = ((f64, f64), (f64, f64));

/// The dots' painter, kept by the animation loop from frame to frame.
#[derive(Default)]
pub struct Dots {
    /// Each message's colour: a message is in flight for many frames, its routing key is
    /// looked up once.
    colours: Colours,
    /// Per ink: x, y, x, y, …
    xy: Vec<Vec<f32>>,
    /// Ink and pixel cell of each dot painted this frame (see [`cell_key`]).
    painted: FastSet<u64>,
    /// Each edge's visible segment, worked out once per frame (a few edges, thousands of dots).
    segments: Vec<(NodeId, NodeId, Option<Segment>)>,
}

impl Dots {
    /// Forgets the messages' colours: the timeline may have forked (a seek, an injected
    /// action), and an id may now name another message.
    pub fn forget_colours(&mut self) {
        self.colours = Colours::default();
    }

    /// Paints the frame's dots, one canvas path per ink, and puts them in `out`.
    pub fn paint(&mut self, ctx: &Ctx, palette: &Palette, frame: &Frame<'_>, out: &mut Vec<Dot>) {
        self.gather(frame, out);
        // Past a few hundred dots, squares: a third of the cost of circles, and at that
        // density the eye cannot tell.
        let squares = self.painted.len() > MAX_ROUND_DOTS;
        // Nodes drawn smaller than usual (a huge drawing zoomed out) get smaller dots.
        let shrink = (frame.fit.radius() / 16.0).min(1.0);
        for ((colour, r), xy) in INKS.iter().zip(&self.xy) {
            if !xy.is_empty() {
                ctx.set_fill_style_str(colour);
                fill_dots(ctx, xy, (*r * shrink).max(1.0), squares);
            }
        }
        if let Some(selected @ (Selection::Message(_) | Selection::Request(_))) = frame.selection {
            ctx.set_stroke_style_str(&palette.brand);
            ctx.set_line_width(3.0);
            for d in out.iter().filter(|d| d.pick == Some(selected)) {
                ctx.begin_path();
                let _ = ctx.arc(d.x, d.y, 10.0, 0.0, 2.0 * PI);
                ctx.stroke();
            }
        }
    }

    /// Places the frame's dots: all in `out`, and per ink those to paint.
    fn gather(&mut self, frame: &Frame<'_>, out: &mut Vec<Dot>) {
        out.clear();
        let mut oldest = u64::MAX;
        self.painted.clear();
        self.segments.clear();
        self.xy.resize_with(INKS.len(), Vec::new);
        self.xy.iter_mut().for_each(Vec::clear);
        for e in frame.flights {
            let Some(edge) = e.edge else { continue };
            let Some((a, b)) = self.segment(frame, edge.from, edge.to) else {
                continue;
            };
            let (x, y) = lerp(
                a,
                b,
                progress(&edge, frame.view, frame.min_span, frame.instant),
            );
            let ink = match e.kind {
                TraceKind::Ack => ACK,
                TraceKind::Nack { .. } | TraceKind::Reject { .. } => REFUSAL,
                TraceKind::Confirm { .. } | TraceKind::Return => SIGNAL,
                // A flow's calls: a failed answer is red, a good one green.
                TraceKind::Response { ok: false, .. } => FAILED_ANSWER,
                TraceKind::Response { ok: true, .. } => GOOD_ANSWER,
                _ => {
                    let key = e.message.map_or(0, |m| {
                        oldest = oldest.min(m.0);
                        self.colours.get(m, frame.colour)
                    });
                    KEY_INKS.get(usize::from(key)).copied().unwrap_or(0)
                }
            };
            // Dots of one ink closer than a pixel and a half look like one: paint one.
            if self.painted.insert(cell_key(ink, x, y))
                && let Some(xy) = self.xy.get_mut(usize::from(ink))
            {
                xy.push(x as f32);
                xy.push(y as f32);
            }
            out.push(Dot {
                x,
                y,
                pick: Selection::of_event(e),
            });
        }
        self.colours.forget_before(oldest);
    }

    fn segment(&mut self, frame: &Frame<'_>, from: NodeId, to: NodeId) -> Option<Segment> {
        if let Some((_, _, s)) = self
            .segments
            .iter()
            .find(|(f, t, _)| *f == from && *t == to)
        {
            return *s;
        }
        let s = segment(frame, from, to);
        self.segments.push((from, to, s));
        s
    }
}

/// Message ids from this far apart are not kept in one table.
const MAX_SPAN: u64 = 1 << 16;
/// A colour not looked up yet.
const UNKNOWN: u8 = u8::MAX;

/// Colours (index into [`KEY_COLOURS`](crate::stage::geometry::KEY_COLOURS)) of consecutive
/// message ids from `first` on: ids grow with the run, and the messages in flight at a frame
/// span a few thousand of them.
#[derive(Default)]
struct Colours {
    first: u64,
    ink: VecDeque<u8>,
}

impl Colours {
    /// Message `m`'s colour, from the table or else from `lookup` (kept only if it knew `m`).
    fn get(&mut self, m: MessageId, lookup: &dyn Fn(MessageId) -> Option<u8>) -> u8 {
        let Some(i) = self.slot(m.0) else {
            return lookup(m).unwrap_or(0);
        };
        match self.ink.get_mut(i) {
            Some(c) if *c != UNKNOWN => *c,
            Some(c) => {
                let known = lookup(m);
                *c = known.unwrap_or(UNKNOWN);
                known.unwrap_or(0)
            }
            None => lookup(m).unwrap_or(0),
        }
    }

    /// Where id `id` is in the table, growing it to hold `id` if that is not too far.
    fn slot(&mut self, id: u64) -> Option<usize> {
        if self.ink.is_empty() {
            self.first = id;
        }
        if id < self.first {
            let grow = self.first - id;
            if grow + self.ink.len() as u64 > MAX_SPAN {
                return None;
            }
            (0..grow).for_each(|_| self.ink.push_front(UNKNOWN));
            self.first = id;
        }
        let i = id - self.first;
        if i >= MAX_SPAN {
            return None;
        }
        let i = usize::try_from(i).ok()?;
        if i >= self.ink.len() {
            self.ink.resize(i + 1, UNKNOWN);
        }
        Some(i)
    }

    /// Forgets the ids before `id` (no message older than it is in flight any more).
    fn forget_before(&mut self, id: u64) {
        while self.first < id && self.ink.pop_front().is_some() {
            self.first += 1;
        }
    }
}

/// One number for an ink and the 1.5-pixel cell (x, y) falls in.
fn cell_key(ink: u8, x: f64, y: f64) -> u64 {
    let cell = |v: f64| u64::from((v / 1.5).floor() as i32 as u32) & 0x0fff_ffff;
    (u64::from(ink) << 56) | (cell(x) << 28) | cell(y)
}

/// Where dots travel from `from` to `to`: between the shapes' outlines.
fn segment(frame: &Frame<'_>, from: NodeId, to: NodeId) -> Option<Segment> {
    let (a, b) = ends(frame.scene, &frame.fit, from, to)?;
    let r = frame.fit.radius();
    let reach = |id| frame.scene.shape(id).map_or(r, |s| half_size(s.kind, r).0);
    Some(trim(a, b, reach(from), reach(to)))
}

// One call per colour: thousands of `arc` calls each crossing from WebAssembly to JavaScript
// (with a try/catch shim, since `arc` can throw) cost more than the drawing.
#[wasm_bindgen(inline_js = "export function fill_dots(ctx, xy, r, squares) {
  ctx.beginPath();
  for (let i = 0; i + 1 < xy.length; i += 2) {
    if (squares) {
      ctx.rect(xy[i] - r * 0.6, xy[i + 1] - r * 0.6, r * 1.2, r * 1.2);
    } else {
      ctx.moveTo(xy[i] + r, xy[i + 1]);
      ctx.arc(xy[i], xy[i + 1], r, 0, 6.283185307179586);
    }
  }
  ctx.fill();
}")]
extern "C" {
    /// Fills a circle of radius `r` (or a square as wide) at each (x, y) of `xy`, one path.
    fn fill_dots(ctx: &Ctx, xy: &[f32], r: f64, squares: bool);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::geometry::KEY_COLOURS;
    use std::cell::Cell;

    #[test]
    fn a_colour_is_looked_up_once_while_its_message_is_in_the_table() {
        let mut colours = Colours::default();
        let calls = Cell::new(0);
        // Message `m` has colour m % 7; 13 is not known to the simulation.
        let lookup = |m: MessageId| {
            calls.set(calls.get() + 1);
            (m.0 != 13).then_some((m.0 % 7) as u8)
        };
        // (id asked, colour given, lookups so far)
        for (id, colour, calls_after) in [
            (100, 2, 1),
            (100, 2, 1),
            (98, 0, 2),
            (105, 0, 3),
            (98, 0, 3),
            (13, 0, 4),
            (100 + MAX_SPAN, (100 + MAX_SPAN) % 7, 5),
            (13, 0, 6),
            (99, 1, 7),
            (99, 1, 7),
        ] {
            assert_eq!(colours.get(MessageId(id), &lookup), colour as u8, "id {id}");
            assert_eq!(calls.get(), calls_after, "lookups after id {id}");
        }
        colours.forget_before(100);
        assert_eq!((colours.first, colours.ink.len()), (100, 6));
        assert_eq!(colours.get(MessageId(99), &lookup), 1);
        assert_eq!(calls.get(), 8, "99 was forgotten");
        colours.forget_before(u64::MAX);
        assert!(colours.ink.is_empty());
        assert_eq!(colours.get(MessageId(5), &lookup), 5);
        assert_eq!((colours.first, colours.ink.len()), (5, 1));
    }

    #[test]
    fn inks_are_in_painting_order_and_dots_share_a_cell_when_closer_than_it() {
        for (key, ink) in KEY_COLOURS.iter().zip(KEY_INKS) {
            assert_eq!(INKS.get(usize::from(ink)), Some(&(*key, 5.5)));
        }
        for pair in INKS.windows(2) {
            assert!(pair[0].0 < pair[1].0 || pair[0] < pair[1], "{pair:?}");
        }
        for (ink, x, y, same_as) in [
            (0, 0.0, 0.0, (0, 1.4, 1.4)),
            (3, 100.6, 40.6, (3, 101.9, 41.9)),
            (0, -0.5, 7.0, (0, -1.4, 7.4)),
        ] {
            assert_eq!(
                cell_key(ink, x, y),
                cell_key(same_as.0, same_as.1, same_as.2)
            );
        }
        for (a, b) in [
            ((0, 0.0, 0.0), (1, 0.0, 0.0)),
            ((0, 0.0, 0.0), (0, 1.6, 0.0)),
            ((0, 0.0, 0.0), (0, 0.0, -0.1)),
            ((0, 0.0, 3.0), (0, 3.0, 0.0)),
        ] {
            assert_ne!(
                cell_key(a.0, a.1, a.2),
                cell_key(b.0, b.1, b.2),
                "{a:?} {b:?}"
            );
        }
    }
}
