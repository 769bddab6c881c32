//! Which nodes get their names (and type, status, depth) written: on a crowded drawing, text
//! that would overlap text already written, or another node's shape, is left out, so what is
//! written can be read. The selected node is written first, then the rest in scene order; zoom
//! in and more names fit. It measures text roughly (by characters) and knows nothing of Yew.

use switchyard_core::sim::{NodeId, NodeKind};

use crate::stage::geometry::{half_size, on_screen};
use crate::stage::labels::{Rect, overlap};
use crate::stage::layout::{Fit, Scene, Shape};

/// Pixels per character of a node's name (600 13px system-ui), roughly.
const NAME_CHAR: f64 = 7.6;
/// A text line under a node.
const LINE: f64 = 16.0;

/// A node's shape at radius `r`, on the canvas.
pub fn shape_box(s: &Shape, fit: &Fit, r: f64) -> Rect {
    let (x, y) = fit.at(s.x, s.y);
    let (hw, hh) = half_size(s.kind, r);
    (x - hw, y - hh, hw * 2.0, hh * 2.0)
}

/// The lines of text under a node at radius `r` (name, type, depth, status), on the canvas.
pub fn text_box(s: &Shape, fit: &Fit, r: f64) -> Rect {
    let (x, y) = fit.at(s.x, s.y);
    let queue = s.kind == NodeKind::Queue;
    let top = if queue {
        y + r * 0.65 + 6.0
    } else {
        y + r + 14.0
    };
    let lines = 1.0
        + f64::from(u8::from(s.tag.is_some()))
        + f64::from(u8::from(queue))
        + f64::from(u8::from(s.status.is_some()));
    let chars = s.name.chars().count().max(if queue { 14 } else { 6 });
    let w = chars as f64 * NAME_CHAR;
    (x - w / 2.0, top, w, lines * LINE)
}

/// The nodes whose text is written (sorted), for a canvas of `area`: none when nodes are too
/// small to write in; else, the node `first` and then each in scene order whose text overlaps
/// neither text already written nor another node's shape.
pub fn named(scene: &Scene, fit: &Fit, first: Option<NodeId>, area: (f64, f64)) -> Vec<NodeId> {
    if !fit.legible() {
        return Vec::new();
    }
    let r = fit.radius();
    let visible: Vec<&Shape> = (scene.shapes.iter())
        .filter(|s| {
            let at = fit.at(s.x, s.y);
            on_screen(at, at, r * 2.0 + 160.0, area)
        })
        .collect();
    let shapes: Vec<(NodeId, Rect)> = (visible.iter())
        .map(|s| (s.id, shape_box(s, fit, r)))
        .collect();
    let order = (visible.iter().filter(|s| Some(s.id) == first))
        .chain(visible.iter().filter(|s| Some(s.id) != first));
    let mut written: Vec<Rect> = Vec::new();
    let mut out = Vec::new();
    for s in order {
        let text = text_box(s, fit, r);
        let clear = |b: &Rect| overlap(&text, b) <= 0.0;
        let on_shapes = shapes.iter().all(|(id, b)| *id == s.id || clear(b));
        if written.iter().all(clear) && on_shapes {
            written.push(text);
            out.push(s.id);
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(id: u32, x: f64, y: f64) -> Shape {
        Shape {
            id: NodeId(id),
            kind: NodeKind::Queue,
            name: format!("queue-{id}"),
            tag: None,
            status: None,
            x,
            y,
        }
    }

    fn scene(shapes: Vec<Shape>) -> Scene {
        Scene {
            shapes,
            links: Vec::new(),
        }
    }

    const AREA: (f64, f64) = (1000.0, 800.0);

    fn at(scale: f64) -> Fit {
        Fit {
            scale,
            dx: 100.0,
            dy: 100.0,
            zoom: 1.0,
        }
    }

    #[test]
    fn text_that_would_overlap_is_left_out_and_the_selected_node_goes_first() {
        // Two queues side by side 150 units apart: at scale 1 both names fit, at 0.5 the second
        // overlaps the first (75 px apart, each name about 106 px wide).
        let s = scene(vec![
            queue(1, 0.0, 0.0),
            queue(2, 150.0, 0.0),
            queue(3, 0.0, 400.0),
        ]);
        assert_eq!(
            named(&s, &at(1.0), None, AREA),
            [NodeId(1), NodeId(2), NodeId(3)]
        );
        assert_eq!(named(&s, &at(0.5), None, AREA), [NodeId(1), NodeId(3)]);
        assert_eq!(
            named(&s, &at(0.5), Some(NodeId(2)), AREA),
            [NodeId(2), NodeId(3)]
        );
        // Too small to write in: nothing.
        assert!(named(&s, &at(0.1), None, AREA).is_empty());
        // Off the canvas: not written.
        let far = scene(vec![queue(1, 0.0, 0.0), queue(2, 5000.0, 0.0)]);
        assert_eq!(named(&far, &at(1.0), None, AREA), [NodeId(1)]);
    }

    #[test]
    fn a_name_is_not_written_over_another_node() {
        // A queue right under another: the first one's text would cross the second's box.
        let s = scene(vec![queue(1, 0.0, 0.0), queue(2, 0.0, 40.0)]);
        assert_eq!(named(&s, &at(1.0), None, AREA), [NodeId(2)]);
    }
}
