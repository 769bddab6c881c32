//! What lies wholly off the canvas, so that a repaint of a zoomed-in big drawing costs what it
//! shows: the box each thing painted may cover (its outline with the stroke, a badge, the text
//! beside or under it), grown to err on the side of painting, and the test of a box against
//! the canvas. A box touching the canvas's edge counts as on it. Plain arithmetic, tested
//! natively; it knows nothing of the canvas or of what the text says.

use switchyard_core::sim::NodeKind;

use crate::stage::geometry::half_size;
use crate::stage::labels::Rect;
use crate::stage::layout::{Fit, Shape};
use crate::stage::names::{self, Text};

/// Beyond a shape's outline: half the widest stroke (4 px, selected) and a pixel of
/// antialiasing.
const STROKE: f64 = 3.0;
/// A line of text under or beside a node (13 px type; 16 px apart).
const LINE: f64 = 16.0;

/// Whether `rect` meets a canvas `area` (CSS width, height) large: what does not, is not
/// painted.
pub fn meets(rect: &Rect, area: (f64, f64)) -> bool {
    let (x, y, w, h) = *rect;
    x <= area.0 && x + w >= 0.0 && y <= area.1 && y + h >= 0.0
}

/// The box around the points `a` and `b`, grown by `pad` on every side.
pub fn around(a: (f64, f64), b: (f64, f64), pad: f64) -> Rect {
    let (x0, y0) = (a.0.min(b.0) - pad, a.1.min(b.1) - pad);
    let (x1, y1) = (a.0.max(b.0) + pad, a.1.max(b.1) + pad);
    (x0, y0, x1 - x0, y1 - y0)
}

/// The smallest box holding `a` and `b`.
pub fn union(a: Rect, b: Rect) -> Rect {
    let (x0, y0) = (a.0.min(b.0), a.1.min(b.1));
    let (x1, y1) = ((a.0 + a.2).max(b.0 + b.2), (a.1 + a.3).max(b.1 + b.3));
    (x0, y0, x1 - x0, y1 - y0)
}

/// At least how wide `text` is written in `px` type: a glyph of these fonts is no wider than
/// its size, a character of a name is a byte or more, and the length in bytes is at hand where
/// counting characters would walk the text. Only text partly on the canvas may get drawn for
/// it.
pub fn text_width(text: &str, px: f64) -> f64 {
    text.len() as f64 * px
}

/// All a node at radius `r` may paint on the still layer: its outline, the pause-point badge
/// if `paused`, and its text written as `text` (see [`names::named`]).
pub fn node_box(s: &Shape, fit: &Fit, r: f64, text: Option<Text>, paused: bool) -> Rect {
    let (x, y) = fit.at(s.x, s.y);
    let (hw, hh) = half_size(s.kind, r);
    let shape = around((x, y), (x, y), hw.max(hh) + STROKE);
    // The pause-point badge: 9 px around (x + 0.9 r, y - 0.9 r).
    let badge = (x + r * 0.9, y - r * 0.9);
    let whole = if paused {
        union(shape, around(badge, badge, 10.0))
    } else {
        shape
    };
    let one_line = |status| one_line_bytes(s, status) as f64 * 13.0;
    let top = text_top(s, y, r);
    match text {
        None => whole,
        Some(Text::Full) => {
            let tag = s.tag.map_or(0, |t| t.len() + 2);
            let status = s.status.map_or(0, str::len);
            let widest = s.name.len().max(tag).max(status) as f64 * 13.0;
            union(whole, (x - widest / 2.0, top, widest, 3.0 * LINE + 4.0))
        }
        Some(Text::Name { status, shift }) => {
            let w = one_line(status);
            let x = x + f64::from(shift);
            union(whole, (x - w / 2.0, top, w, LINE + 4.0))
        }
        Some(Text::Right { status }) => {
            let left = x + hw + names::GAP;
            union(
                whole,
                (left, y - LINE / 2.0 - 2.0, one_line(status), LINE + 4.0),
            )
        }
    }
}

/// How long [`names::one_line`] is in bytes, without writing it (names are chosen among every
/// node at each view).
fn one_line_bytes(s: &Shape, status: bool) -> usize {
    let status = s.status.filter(|_| status);
    s.name.len() + status.map_or(0, |st| " · ".len() + st.len())
}

/// Everything a node's text could ever cover, however [`names::named`] writes it: whether the
/// node can be named on a canvas of `area` at all.
pub fn reach_box(s: &Shape, fit: &Fit, r: f64) -> Rect {
    let under = node_box(s, fit, r, Some(Text::Full), false);
    // A name under it goes at most a third of its width aside.
    let most = names::shifts(names::width(&names::one_line(s, true)))[3];
    let aside = |shift| Text::Name {
        status: true,
        shift,
    };
    let name = union(
        node_box(s, fit, r, Some(aside(most)), false),
        node_box(s, fit, r, Some(aside(-most)), false),
    );
    let right = node_box(s, fit, r, Some(Text::Right { status: true }), false);
    union(union(under, name), right)
}

/// The top of the first line written under a node at (`_`, `y`) of radius `r`.
pub fn text_top(s: &Shape, y: f64, r: f64) -> f64 {
    if s.kind == NodeKind::Queue {
        // Under the queue's box (`draw::queue_rect`: 1.3 r high).
        y + r * 0.65 + 6.0
    } else {
        y + r + 14.0
    }
}

/// What a queue's depth paints each frame at radius `r`: its cells, and with its lines under
/// it written (`full`) the depth line `ready_unacked` digits long in all.
pub fn depth_box(s: &Shape, fit: &Fit, r: f64, full: bool, digits: usize) -> Rect {
    let (x, y) = fit.at(s.x, s.y);
    let (hw, hh) = half_size(NodeKind::Queue, r);
    let cells = around((x, y), (x, y), hw.max(hh) + STROKE);
    if !full {
        return cells;
    }
    // "{ready} ready · {unacked} unacked", 12 px type, on the second line under the box.
    let w = (digits + " ready · unacked".len()) as f64 * 12.0;
    union(
        cells,
        (x - w / 2.0, text_top(s, y, r) + LINE, w, LINE + 4.0),
    )
}

/// The box an arrow head with its tip at `tip` covers (8 px long, 9 px wide).
pub fn head_box(tip: (f64, f64)) -> Rect {
    around(tip, tip, 10.0)
}

/// How far a link's stroke (2.5 px at most) and dashes reach beyond its centre line.
pub const LINK_PAD: f64 = 2.5;

/// How many characters `n` is written with (its digits and the commas between their groups).
pub fn digits(n: u64) -> usize {
    let digits = n.checked_ilog10().map_or(1, |d| d as usize + 1);
    // With the commas between groups of three.
    digits + (digits - 1) / 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::sim::NodeId;

    const AREA: (f64, f64) = (800.0, 600.0);

    fn shape(kind: NodeKind, name: &str, x: f64, y: f64) -> Shape {
        Shape {
            id: NodeId(1),
            kind,
            name: name.to_string(),
            tag: None,
            status: None,
            x,
            y,
        }
    }

    /// The identity fit: layout units are pixels.
    fn fit() -> Fit {
        Fit {
            scale: 1.0,
            stretch: 1.0,
            dx: 0.0,
            dy: 0.0,
            zoom: 1.0,
        }
    }

    #[test]
    fn a_box_meets_the_canvas_unless_wholly_outside() {
        for (rect, want) in [
            ((10.0, 10.0, 5.0, 5.0), true),
            // Straddling each edge, or only touching it.
            ((-3.0, 100.0, 5.0, 5.0), true),
            ((798.0, 100.0, 5.0, 5.0), true),
            ((100.0, -4.0, 5.0, 5.0), true),
            ((100.0, 599.0, 5.0, 5.0), true),
            ((-5.0, 100.0, 5.0, 5.0), true),
            ((800.0, 600.0, 5.0, 5.0), true),
            // Bigger than the canvas, all round it.
            ((-100.0, -100.0, 1000.0, 1000.0), true),
            // Wholly beyond each edge.
            ((-6.0, 100.0, 5.0, 5.0), false),
            ((800.5, 100.0, 5.0, 5.0), false),
            ((100.0, -5.5, 5.0, 5.0), false),
            ((100.0, 600.5, 5.0, 5.0), false),
            // Level with the canvas but beside it, and beyond a corner.
            ((-50.0, -50.0, 10.0, 700.0), false),
            ((900.0, 700.0, 10.0, 10.0), false),
        ] {
            assert_eq!(meets(&rect, AREA), want, "{rect:?}");
        }
    }

    #[test]
    fn a_link_is_culled_only_if_its_box_with_the_stroke_is_off_the_canvas() {
        for (a, b, want) in [
            ((10.0, 10.0), (300.0, 200.0), true),
            // Crossing the canvas with both ends outside.
            ((-100.0, 300.0), (900.0, 310.0), true),
            // Level with the top edge: its stroke shows.
            ((100.0, -2.0), (300.0, -2.0), true),
            ((100.0, -3.0), (300.0, -3.0), false),
            ((-50.0, 10.0), (-20.0, 500.0), false),
        ] {
            assert_eq!(meets(&around(a, b, LINK_PAD), AREA), want, "{a:?}..{b:?}");
        }
        // An arrow head whose tip is just off the canvas still shows its barbs.
        assert!(meets(&head_box((400.0, -8.0)), AREA));
        assert!(!meets(&head_box((400.0, -11.0)), AREA));
    }

    #[test]
    fn a_node_counts_with_its_outline_badge_and_text() {
        let r = 20.0;
        let f = fit();
        let on = |s: &Shape, text| meets(&node_box(s, &f, r, text, false), AREA);
        // Centre off the left edge by less than the outline and its stroke.
        let producer = shape(NodeKind::Producer, "p", -22.0, 300.0);
        assert!(on(&producer, None));
        assert!(!on(&shape(NodeKind::Producer, "p", -24.0, 300.0), None));
        // A queue is wider than it is high (1.6 r each side).
        assert!(on(&shape(NodeKind::Queue, "q", -34.0, 300.0), None));
        assert!(!on(&shape(NodeKind::Queue, "q", -36.0, 300.0), None));
        // Below the canvas, the pause badge sticks up into it.
        let below = shape(NodeKind::Producer, "p", 400.0, 625.0);
        assert!(!on(&below, None));
        assert!(meets(&node_box(&below, &f, r, None, true), AREA));
        // Above the canvas, only the name under it shows.
        let above = shape(NodeKind::Consumer, "audit", 400.0, -40.0);
        assert!(!on(&above, None));
        assert!(on(&above, Some(Text::Full)));
        assert!(on(
            &above,
            Some(Text::Name {
                status: false,
                shift: 0
            })
        ));
        // Left of the canvas, a long name written beside it reaches in.
        let long = "a-consumer-with-a-rather-long-name-indeed";
        let left = shape(NodeKind::Consumer, long, -300.0, 300.0);
        assert!(!on(&left, None));
        assert!(
            !on(&left, Some(Text::Full)),
            "centred under it, 533 px wide"
        );
        assert!(on(&left, Some(Text::Right { status: false })));
        // And the node is a candidate for naming there.
        assert!(meets(&reach_box(&left, &f, r), AREA));
        assert!(!meets(
            &reach_box(&shape(NodeKind::Consumer, long, -900.0, 300.0), &f, r),
            AREA
        ));
    }

    #[test]
    fn a_depth_counts_with_its_line_under_the_queue() {
        let (f, r) = (fit(), 20.0);
        let queue = shape(NodeKind::Queue, "q", 400.0, -40.0);
        let count = digits(123) + digits(0);
        assert!(!meets(&depth_box(&queue, &f, r, false, count), AREA));
        assert!(meets(&depth_box(&queue, &f, r, true, count), AREA));
        assert_eq!(
            [0, 9, 10, 99, 100, 999, 1000, 123_456, 1_234_567, u64::MAX].map(digits),
            [1, 1, 2, 2, 3, 3, 5, 7, 9, 26]
        );
    }

    #[test]
    fn one_line_is_measured_as_written() {
        let mut s = shape(NodeKind::Queue, "jobs", 0.0, 0.0);
        assert_eq!(one_line_bytes(&s, true), names::one_line(&s, true).len());
        s.status = Some("not declared");
        for status in [false, true] {
            assert_eq!(
                one_line_bytes(&s, status),
                names::one_line(&s, status).len()
            );
        }
    }

    #[test]
    fn text_is_never_wider_than_its_bound() {
        // 13 px characters at most: wider than any glyph of a name, by bytes.
        assert_eq!(text_width("orders", 13.0), 78.0);
        assert_eq!(text_width("über", 13.0), 65.0);
    }
}
