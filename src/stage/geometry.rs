//! The arithmetic of the drawing: where a dot is on its edge at a frame time, which colour a
//! routing key gets, and what a click at a pixel hits (a dot before a node). Plain functions
//! over plain data, tested natively; it knows nothing of the canvas.

use switchyard_core::sim::{Edge, NodeId, NodeKind, SimTime};

use crate::sim_ref::Selection;
use crate::stage::layout::{Fit, Scene};

/// A set for the frame loop's per-dot bookkeeping (thousands of small integer keys a frame):
/// FxHash rather than SipHash, which there is no attacker to resist.
pub type FastSet<T> = rustc_hash::FxHashSet<T>;

/// A dot drawn this frame: where, and whose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    /// What a click on it selects: its message, or the request a flow's call belongs to.
    pub pick: Option<Selection>,
}

/// How far along its edge a hop is at `at`, from 0 (departing) to 1 (arriving), for a hop
/// drawn as taking at least `min_span` µs (see [`crate::stage::player::Player::flights`]). A
/// hop that takes no time is `instant` along (1 unless a step is showing it).
pub fn progress(edge: &Edge, at: SimTime, min_span: u64, instant: f64) -> f64 {
    let span = edge.arrive.0.saturating_sub(edge.depart.0).max(min_span);
    if span == 0 {
        return clamp(instant, 0.0, 1.0);
    }
    clamp(
        at.0.saturating_sub(edge.depart.0) as f64 / span as f64,
        0.0,
        1.0,
    )
}

/// `x` within `lo..=hi`, as `x.clamp(lo, hi)` where `lo <= hi`, but it never panics: where the
/// bounds cross (a canvas too small for its margins) `hi` wins, and a NaN bound or `x` is
/// ignored. (`f64::clamp` panics there, and its message also links ~12 KB of float printing.)
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

/// Smoothstep: `k` in 0..=1 eased, so that a movement leaves and lands gently.
pub fn ease(k: f64) -> f64 {
    let k = clamp(k, 0.0, 1.0);
    k * k * (3.0 - 2.0 * k)
}

/// The point a fraction `f` of the way from `a` to `b`.
pub fn lerp(a: (f64, f64), b: (f64, f64), f: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f)
}

/// Okabe–Ito's colour-blind-safe palette (less black and yellow, which vanish on one theme).
pub const KEY_COLOURS: [&str; 7] = [
    "#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#8f7cf6",
];

/// The colour of a routing key: the same key always gets the same colour.
pub fn key_colour(key: &str) -> &'static str {
    KEY_COLOURS
        .get(usize::from(key_index(key)))
        .copied()
        .unwrap_or("#e69f00")
}

/// The index of a routing key's colour in [`KEY_COLOURS`].
pub fn key_index(key: &str) -> u8 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (hash % KEY_COLOURS.len() as u32) as u8
}

/// What a click at (`px`, `py`) canvas pixels selects: the nearest dot within a few pixels,
/// else the node whose shape contains the point.
pub fn hit(scene: &Scene, fit: &Fit, dots: &[Dot], px: f64, py: f64) -> Option<Selection> {
    let near = |x: f64, y: f64| (x - px).powi(2) + (y - py).powi(2);
    let dot = dots
        .iter()
        .filter_map(|d| Some((near(d.x, d.y), d.pick?)))
        .filter(|(d2, _)| *d2 <= 9.0 * 9.0)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, pick)) = dot {
        return Some(pick);
    }
    let r = fit.radius();
    scene
        .shapes
        .iter()
        .filter(|s| {
            let (x, y) = fit.at(s.x, s.y);
            let (half_w, half_h) = half_size(s.kind, r);
            (px - x).abs() <= half_w && (py - y).abs() <= half_h
        })
        .map(|s| Selection::Node(s.id))
        .next()
}

/// Half the width and height of a node's clickable box for radius `r`.
pub fn half_size(kind: NodeKind, r: f64) -> (f64, f64) {
    match kind {
        NodeKind::Queue => (r * 1.6, r * 0.75),
        _ => (r, r),
    }
}

/// The part of the line from `a` to `b` outside both shapes (reaching `ra` and `rb` from the
/// centres): where dots travel, so a dot never hides a node's centre. A line shorter than the
/// shapes stays as it is.
pub fn trim(a: (f64, f64), b: (f64, f64), ra: f64, rb: f64) -> ((f64, f64), (f64, f64)) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    if len <= ra + rb {
        return (a, b);
    }
    (lerp(a, b, ra / len), lerp(a, b, 1.0 - rb / len))
}

/// Where a hop from `from` to `to` starts and ends on screen.
pub fn ends(
    scene: &Scene,
    fit: &Fit,
    from: NodeId,
    to: NodeId,
) -> Option<((f64, f64), (f64, f64))> {
    let a = scene.shape(from)?;
    let b = scene.shape(to)?;
    Some((fit.at(a.x, a.y), fit.at(b.x, b.y)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::layout::Shape;
    use switchyard_core::MessageId;

    fn edge(depart: u64, arrive: u64) -> Edge {
        Edge {
            from: NodeId(0),
            to: NodeId(1),
            depart: SimTime(depart),
            arrive: SimTime(arrive),
        }
    }

    #[test]
    fn clamp_never_panics() {
        assert_eq!(clamp(5.0, 0.0, 1.0), 1.0);
        assert_eq!(clamp(-5.0, 0.0, 1.0), 0.0);
        assert_eq!(clamp(0.5, 0.0, 1.0), 0.5);
        assert_eq!(
            clamp(5.0, 80.0, 30.0),
            30.0,
            "crossed bounds: the upper one wins"
        );
        assert_eq!(clamp(f64::NAN, 0.0, 1.0), 0.0);
        assert_eq!(clamp(0.5, f64::NAN, 1.0), 0.5);
    }

    #[test]
    fn progress_runs_from_departure_to_arrival() {
        for (depart, arrive, at, min_span, want) in [
            (10, 30, 10, 0, 0.0),
            (10, 30, 20, 0, 0.5),
            (10, 30, 30, 0, 1.0),
            (10, 30, 5, 0, 0.0),
            (10, 30, 99, 0, 1.0),
            (10, 10, 10, 0, 1.0),
            (10, 12, 30, 40, 0.5),
            (10, 10, 10, 40, 0.0),
            (10, 30, 20, 4, 0.5),
        ] {
            assert_eq!(
                progress(&edge(depart, arrive), SimTime(at), min_span, 1.0),
                want,
                "{depart}..{arrive} at {at}"
            );
        }
        // A step shows a hop that takes no time as it goes.
        assert_eq!(progress(&edge(10, 10), SimTime(10), 0, 0.25), 0.25);
        assert_eq!(progress(&edge(10, 12), SimTime(11), 0, 0.25), 0.5);
        assert_eq!(lerp((0.0, 0.0), (10.0, 20.0), 0.5), (5.0, 10.0));
        assert_eq!(
            trim((0.0, 0.0), (100.0, 0.0), 10.0, 50.0),
            ((10.0, 0.0), (50.0, 0.0))
        );
        assert_eq!(
            trim((0.0, 0.0), (0.0, 10.0), 10.0, 5.0),
            ((0.0, 0.0), (0.0, 10.0))
        );
    }

    #[test]
    fn a_key_keeps_its_colour_and_keys_spread_over_the_palette() {
        assert_eq!(
            key_colour("order.eu.created"),
            key_colour("order.eu.created")
        );
        let keys = [
            "order.eu.created",
            "order.us.created",
            "order.apac.created",
            "black",
            "green",
            "orange",
            "lazy.orange.elephant",
        ];
        let mut seen: Vec<&str> = keys.iter().map(|k| key_colour(k)).collect();
        seen.sort();
        seen.dedup();
        assert!(seen.len() >= 3, "{seen:?}");
    }

    fn scene() -> Scene {
        let shape = |id, kind, x| Shape {
            id: NodeId(id),
            kind,
            name: format!("n{id}"),
            tag: None,
            status: None,
            x,
            y: 0.0,
        };
        let shapes = vec![
            shape(0, NodeKind::Producer, 0.0),
            shape(1, NodeKind::Queue, 200.0),
        ];
        Scene::new(shapes, Vec::new())
    }

    #[test]
    fn a_click_hits_the_nearest_dot_then_a_node_then_nothing() {
        let fit = Fit {
            scale: 1.0,
            stretch: 1.0,
            dx: 100.0,
            dy: 100.0,
            zoom: 1.0,
        };
        let dots = [
            Dot {
                x: 150.0,
                y: 100.0,
                pick: Some(Selection::Message(MessageId(7))),
            },
            Dot {
                x: 156.0,
                y: 100.0,
                pick: Some(Selection::Message(MessageId(8))),
            },
            Dot {
                x: 150.0,
                y: 130.0,
                pick: Some(Selection::Request(3)),
            },
        ];
        let m = |id| Some(Selection::Message(MessageId(id)));
        let n = |id| Some(Selection::Node(NodeId(id)));
        let r = fit.radius();
        for (px, py, want) in [
            (151.0, 101.0, m(7)),
            (155.0, 100.0, m(8)),
            (152.0, 128.0, Some(Selection::Request(3))),
            (100.0, 100.0, n(0)),
            (100.0 + r - 1.0, 100.0, n(0)),
            (300.0 + r * 1.5, 100.0, n(1)),
            (300.0, 100.0 + r, None),
            (200.0, 160.0, None),
        ] {
            assert_eq!(
                hit(&scene(), &fit, &dots, px, py),
                want,
                "click at {px},{py}"
            );
        }
    }

    #[test]
    fn a_click_through_a_zoomed_and_panned_view_hits_what_is_drawn_there() {
        use crate::stage::view::View;
        let size = (800.0, 600.0);
        let base = Fit {
            scale: 1.0,
            stretch: 1.0,
            dx: 100.0,
            dy: 300.0,
            zoom: 1.0,
        };
        // Zoomed 4× about the queue (drawn at 300, 300), then moved 50 px left.
        let view = View::default()
            .zoom_about(4.0, (300.0, 300.0), &base, size)
            .pan_by(-50.0, 0.0);
        let fit = view.compose(&base, size.0, size.1);
        assert_eq!(fit.at(200.0, 0.0), (250.0, 300.0));
        let r = fit.radius();
        assert!(r > 100.0, "a zoomed node is big: {r}");
        let n = |id| Some(Selection::Node(NodeId(id)));
        for (px, py, want) in [
            (250.0, 300.0, n(1)),
            (250.0 + r * 1.5, 300.0 + r * 0.7, n(1)),
            (250.0 + r * 1.7, 300.0, None),
            // The producer, 200 layout units left: 800 px left now, off the canvas.
            (250.0 - 800.0, 300.0, n(0)),
            (40.0, 300.0, None),
        ] {
            assert_eq!(hit(&scene(), &fit, &[], px, py), want, "click at {px},{py}");
        }
    }
}
