//! Which nodes get their names (and type, status, depth) written: on a crowded drawing, text
//! that would overlap text already written, or another node's shape, is left out, so what is
//! written can be read. The selected node is written first, then the rest in scene order; zoom
//! in and more names fit. It measures text roughly (by characters) and knows nothing of Yew.

use std::borrow::Cow;

use switchyard_core::sim::{NodeId, NodeKind};

use crate::stage::cull;
use crate::stage::geometry::half_size;
use crate::stage::labels::{Grid, Rect};
use crate::stage::layout::{Fit, Scene, Shape, x_by_node};

/// Pixels per character of a node's name (600 13px system-ui), roughly: 7.3 on macOS, 8.5
/// with Linux's DejaVu Sans (there a name is narrowed to it: see [`width`]).
pub const NAME_CHAR: f64 = 7.6;
/// A text line under a node.
const LINE: f64 = 16.0;

/// How wide a name is reckoned to be written (six characters at least), and the most it is
/// written in: a font wider than reckoned is narrowed to it, so that two names never touch
/// however the system draws them.
pub fn width(text: &str) -> f64 {
    text.chars().count().max(6) as f64 * NAME_CHAR
}

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
    let w = width(&s.name).max(if queue { 14.0 * NAME_CHAR } else { 0.0 });
    (x - w / 2.0, top, w, lines * LINE)
}

/// The one line written where the lines under a node do not fit: its name, with its status if
/// `status` and it has one (a service or consumer `down`, a queue `not declared`: too telling
/// to leave out where there is room).
pub fn one_line(s: &Shape, status: bool) -> Cow<'_, str> {
    match s.status.filter(|_| status) {
        Some(status) => Cow::Owned(format!("{} · {status}", s.name)),
        None => Cow::Borrowed(&s.name),
    }
}

/// [`one_line`] under the node (its type and depth left out), `shift` pixels to the right.
pub fn name_box(s: &Shape, fit: &Fit, r: f64, status: bool, shift: i16) -> Rect {
    let full = text_box(s, fit, r);
    let w = width(&one_line(s, status));
    (
        full.0 + (full.2 - w) / 2.0 + f64::from(shift),
        full.1,
        w,
        LINE,
    )
}

/// The shifts a name under its node is tried at, in pixels for a name `w` wide: centred, then
/// a sixth and a third of its width either way (it still lies under its node).
pub fn shifts(w: f64) -> [i16; 5] {
    let small = (w / 6.0).round() as i16;
    let large = (w / 3.0).round() as i16;
    [0, small, -small, large, -large]
}

/// [`one_line`] to the right of the node, level with its centre.
pub fn right_box(s: &Shape, fit: &Fit, r: f64, status: bool) -> Rect {
    let (x, y) = fit.at(s.x, s.y);
    let w = width(&one_line(s, status));
    (x + half_size(s.kind, r).0 + GAP, y - LINE / 2.0, w, LINE)
}

/// Between a node's outline and a name written beside it.
pub const GAP: f64 = 6.0;

/// How a node's text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Every line under the node: name, type or status, depth.
    Full,
    /// [`one_line`] under the node, `shift` pixels to the right of its centre (left if
    /// negative): a name that would just touch a neighbour's text moves aside rather than go.
    Name { status: bool, shift: i16 },
    /// [`one_line`] to its right (a node nothing links to further right).
    Right { status: bool },
}

/// The nodes whose text is written, with how (sorted by id), for a canvas of `area`: none when
/// nodes are too small to write in; else the node `first` and then each in scene order, in
/// the first of these that overlaps neither text already written nor another node's shape:
/// every line under it, its name alone under it (centred, else moved a little aside, within the
/// canvas), its name alone to its right (only where no link goes on further right, so the name
/// lies on no link, and the canvas holds it).
pub fn named(
    scene: &Scene,
    fit: &Fit,
    first: Option<NodeId>,
    area: (f64, f64),
) -> Vec<(NodeId, Text)> {
    if !fit.legible() {
        return Vec::new();
    }
    let r = fit.radius();
    // Those whose text could reach the canvas, written in any of the ways.
    let visible: Vec<&Shape> = (scene.shapes.iter())
        .filter(|s| cull::meets(&cull::reach_box(s, fit, r), area))
        .collect();
    // The visible shapes, filed in the order of `visible`, and the text written.
    let mut shapes = Grid::default();
    visible
        .iter()
        .for_each(|s| shapes.insert(shape_box(s, fit, r)));
    let mut written = Grid::default();
    // The nodes linked to something further right (their name must not go there): one pass
    // over the links (a big export has thousands).
    let x_of = x_by_node(&scene.shapes);
    let x = |id: NodeId| x_of.get(id.0 as usize).copied().flatten();
    // By node id, as `x_of`.
    let mut linked_right = vec![false; x_of.len()];
    for l in &scene.links {
        if let (Some(a), Some(b)) = (x(l.from), x(l.to)) {
            let right = if b > a {
                Some(l.from)
            } else if a > b {
                Some(l.to)
            } else {
                None
            };
            if let Some(linked) = right.and_then(|id| linked_right.get_mut(id.0 as usize)) {
                *linked = true;
            }
        }
    }
    let indexed = visible.iter().enumerate();
    let order = (indexed.clone().filter(|(_, s)| Some(s.id) == first))
        .chain(indexed.filter(|(_, s)| Some(s.id) != first));
    let mut out = Vec::new();
    for (i, s) in order {
        let mut fits =
            |text: &Rect| written.covered(text) <= 0.0 && shapes.covered_but(text, i) <= 0.0;
        let full = text_box(s, fit, r);
        let linked = linked_right.get(s.id.0 as usize) == Some(&true);
        // The name with its status, under the node or to its right; then the name alone.
        let statuses: &[bool] = if s.status.is_some() {
            &[true, false]
        } else {
            &[false]
        };
        let one_line = statuses.iter().find_map(|&status| {
            let centred = name_box(s, fit, r, status, 0);
            for shift in shifts(centred.2) {
                let name = name_box(s, fit, r, status, shift);
                let inside = name.0 >= 0.0 && name.0 + name.2 <= area.0;
                if (shift == 0 || inside) && fits(&name) {
                    return Some((Text::Name { status, shift }, name));
                }
            }
            let right = right_box(s, fit, r, status);
            let inside = right.0 + right.2 <= area.0;
            (!linked && inside && fits(&right)).then_some((Text::Right { status }, right))
        });
        let choice = if fits(&full) {
            Some((Text::Full, full))
        } else {
            one_line
        };
        if let Some((how, text)) = choice {
            written.insert(text);
            out.push((s.id, how));
        }
    }
    // The shared sort (one id per shape, so stable or not is the same order): a sort of
    // this element type would compile another copy of the standard sort into the bundle.
    switchyard_core::order::sort_by_key(&mut out, |(id, _)| *id);
    out
}

/// How `id`'s text is written, if it is (`named` is sorted by id).
pub fn text_of(named: &[(NodeId, Text)], id: NodeId) -> Option<Text> {
    let at = named.binary_search_by_key(&id, |(n, _)| *n).ok()?;
    named.get(at).map(|(_, how)| *how)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::layout::{Link, LinkKind};

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
        Scene::new(shapes, Vec::new())
    }

    const AREA: (f64, f64) = (1000.0, 800.0);

    fn at(scale: f64) -> Fit {
        Fit {
            scale,
            stretch: 1.0,
            dx: 100.0,
            dy: 100.0,
            zoom: 1.0,
        }
    }

    #[test]
    fn a_name_is_written_in_the_box_reckoned_for_it_six_characters_at_least() {
        assert_eq!(width("shop"), 6.0 * NAME_CHAR);
        assert_eq!(width("match-feed"), 10.0 * NAME_CHAR);
        let q = queue(1, 0.0, 0.0);
        let r = at(1.0).radius();
        assert_eq!(name_box(&q, &at(1.0), r, false, 0).2, width("queue-1"));
        assert_eq!(right_box(&q, &at(1.0), r, false).2, width("queue-1"));
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
        assert_eq!(ids(&named(&s, &at(1.0), None, AREA)), [1, 2, 3]);
        // At 0.5 (75 px apart) the second's lines would overlap the first's, and its name alone
        // centred would reach 4.6 px into them: the name goes a sixth of its width (9 px) to
        // the right, still under its queue.
        let crowded = named(&s, &at(0.5), None, AREA);
        assert_eq!(ids(&crowded), [1, 2, 3]);
        let aside = Text::Name {
            status: false,
            shift: 9,
        };
        assert_eq!(text_of(&crowded, NodeId(2)), Some(aside));
        // At 0.4 (60 px apart) it would have to go 20 px, more than a third of its width
        // (18 px): it goes to the queue's right.
        let closer = named(&s, &at(0.4), None, AREA);
        assert_eq!(
            text_of(&closer, NodeId(2)),
            Some(Text::Right { status: false })
        );
        // The other way round (the right-hand queue written first), the name goes left; but
        // only within the canvas: 27 px from its left edge it has no room there (nor to its
        // right, where the other queue is), and is left out.
        let swapped = scene(vec![queue(2, 150.0, 0.0), queue(1, 0.0, 0.0)]);
        let left = Text::Name {
            status: false,
            shift: -9,
        };
        let named_left = named(&swapped, &at(0.5), None, AREA);
        assert_eq!(text_of(&named_left, NodeId(1)), Some(left));
        let at_edge = Fit {
            dx: 27.0,
            ..at(0.5)
        };
        assert_eq!(
            text_of(&named(&swapped, &at_edge, None, AREA), NodeId(1)),
            None
        );
        let selected = named(&s, &at(0.5), Some(NodeId(2)), AREA);
        assert_eq!(text_of(&selected, NodeId(2)), Some(Text::Full));
        // Too small to write in: nothing.
        assert!(named(&s, &at(0.1), None, AREA).is_empty());
        // Off the canvas: not written.
        let far = scene(vec![queue(1, 0.0, 0.0), queue(2, 5000.0, 0.0)]);
        assert_eq!(ids(&named(&far, &at(1.0), None, AREA)), [1]);
    }

    #[test]
    fn a_status_stays_on_the_one_line_a_crowded_node_gets_if_it_fits() {
        let mut down = queue(1, 0.0, 0.0);
        down.kind = NodeKind::Service;
        down.status = Some("down");
        assert_eq!(one_line(&down, true), "queue-1 · down");
        assert_eq!(one_line(&down, false), "queue-1");
        assert_eq!(one_line(&queue(3, 0.0, 0.0), true), "queue-3");
        // A queue under it, its top between where one line and two lines under the service end.
        let r = at(1.0).radius();
        let s = scene(vec![down.clone(), queue(2, 0.0, 1.75 * r + 38.0)]);
        let named = named(&s, &at(1.0), None, AREA);
        assert_eq!(
            text_of(&named, NodeId(1)),
            Some(Text::Name {
                status: true,
                shift: 0
            })
        );
        let wide = name_box(&down, &at(1.0), r, true, 0).2;
        assert_eq!(wide, "queue-1 · down".chars().count() as f64 * NAME_CHAR);
        // Queues beside the name's line leave room for the name alone, not with its status,
        // and one to its right leaves none there: the name is written alone rather than not at
        // all.
        let half = "queue-1".chars().count() as f64 * NAME_CHAR / 2.0;
        let aside = half + 5.0 + 1.6 * r;
        let tight = scene(vec![
            down.clone(),
            queue(2, 0.0, 1.75 * r + 38.0),
            queue(4, -aside, r + 22.0),
            queue(5, aside, r + 22.0),
            queue(6, r + 36.0 + 1.6 * r, 0.0),
        ]);
        let named = super::named(&tight, &at(1.0), None, AREA);
        assert_eq!(
            text_of(&named, NodeId(1)),
            Some(Text::Name {
                status: false,
                shift: 0
            })
        );
    }

    fn ids(named: &[(NodeId, Text)]) -> Vec<u32> {
        named.iter().map(|(id, _)| id.0).collect()
    }

    #[test]
    fn a_name_is_not_written_over_another_node() {
        // A queue right under another: the first one's text would cross the second's box, its
        // name alone too, and to its right it would lie on nothing but a link may go on there.
        let s = scene(vec![queue(1, 0.0, 0.0), queue(2, 0.0, 40.0)]);
        let named = named(&s, &at(1.0), None, AREA);
        let right = Text::Right { status: false };
        assert_eq!(named, [(NodeId(1), right), (NodeId(2), Text::Full)]);
        assert_eq!(text_of(&named, NodeId(1)), Some(right));
        assert_eq!(text_of(&named, NodeId(3)), None);
    }

    #[test]
    fn a_crowded_column_keeps_its_names_and_drops_the_lines_under_them() {
        // The live-match preset: queues 75 units apart fitted at 0.78 (58 px): the depth line
        // under each would reach the next queue, the name alone fits. Consumers beside them
        // have room only to their right, where no link goes on.
        let mut shapes: Vec<Shape> = (0..8).map(|i| queue(i, 0.0, f64::from(i) * 75.0)).collect();
        let mut links = Vec::new();
        for i in 0..8 {
            let mut c = queue(100 + i, 200.0, f64::from(i) * 75.0);
            c.kind = NodeKind::Consumer;
            shapes.push(c);
            links.push(Link {
                from: NodeId(i),
                to: NodeId(100 + i),
                kind: LinkKind::Consume,
                label: String::new(),
                faded: false,
            });
        }
        let s = Scene::new(shapes, links);
        let fit = Fit {
            scale: 0.78,
            stretch: 1.0,
            dx: 100.0,
            dy: 100.0,
            zoom: 1.0,
        };
        let named = named(&s, &fit, None, AREA);
        assert_eq!(named.len(), 16, "{named:?}");
        for (id, how) in named {
            let want = match id.0 {
                7 => Text::Full,
                0..8 => Text::Name {
                    status: false,
                    shift: 0,
                },
                107 => Text::Full,
                _ => Text::Right { status: false },
            };
            assert_eq!(how, want, "{id:?}");
        }
    }
}
