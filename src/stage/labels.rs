//! Where each binding key is written: on its own link, clear of the node shapes, their names
//! and the other keys when there is such a place (tried along the link, nearer the source
//! first, then a little above or below it), else where it covers the least; and, in layout
//! units, room for the keys where a layout puts two linked columns too close. Plain
//! arithmetic, tested natively; it knows nothing of the canvas.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use switchyard_core::sim::{NodeId, NodeKind};

use crate::stage::layout::{Fit, Link, LinkKind, Scene, Shape, x_by_node};
use crate::stage::names::{self, Text};

/// A box in canvas pixels: left, top, width, height.
pub type Rect = (f64, f64, f64, f64);

/// A key to write: the visible part of its link (from the source's outline to the target's)
/// and the size of its text box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Want {
    pub a: (f64, f64),
    pub b: (f64, f64),
    pub w: f64,
    pub h: f64,
    /// Fractions are counted from the target: the link is one of a fan leaving its source,
    /// whose links are apart only near their targets.
    pub from_target: bool,
}

/// The keyed links (from, to) that are one of a fan: their source has keyed links to three or
/// more nodes, more than the keyed links that reach their target come from. One pass over the
/// links (a big export has thousands).
pub fn fans(links: &[Link]) -> HashSet<(NodeId, NodeId)> {
    let pairs: HashSet<(NodeId, NodeId)> = (links.iter())
        .filter(|l| !l.label.is_empty())
        .map(|l| (l.from, l.to))
        .collect();
    let mut targets: HashMap<NodeId, usize> = HashMap::default();
    let mut sources: HashMap<NodeId, usize> = HashMap::default();
    for (from, to) in &pairs {
        *targets.entry(*from).or_default() += 1;
        *sources.entry(*to).or_default() += 1;
    }
    let count = |m: &HashMap<NodeId, usize>, id| m.get(&id).copied().unwrap_or(0);
    (pairs.iter())
        .filter(|(from, to)| {
            let out = count(&targets, *from);
            out >= 3 && out > count(&sources, *to)
        })
        .copied()
        .collect()
}

/// Fractions of the link tried, in order of preference (nearer the source first; nearer the
/// target for a link of a fan, see [`Want::from_target`]).
const ALONG: [f64; 11] = [0.4, 0.3, 0.45, 0.5, 0.35, 0.55, 0.6, 0.2, 0.7, 0.1, 0.8];
/// Between a key of a fan and its target's outline, where it is placed the nearest (pixels).
const CLEAR: f64 = 2.0;
/// Vertical nudges tried at each fraction, in label heights.
const NUDGE: [f64; 5] = [0.0, -1.1, 1.1, -2.2, 2.2];

/// The centre of each wanted key's box, in the order given: each key in the first place
/// (see `ALONG`, `NUDGE`) overlapping no obstacle and no key placed before it, else
/// where it overlaps least (overlapping another key costs more than overlapping a name).
pub fn place(wants: &[Want], obstacles: &[Rect]) -> Vec<(f64, f64)> {
    let mut fixed = Grid::default();
    obstacles.iter().for_each(|o| fixed.insert(*o));
    let mut placed = Grid::default();
    let mut out = Vec::with_capacity(wants.len());
    for want in wants {
        let mut best: Option<(f64, (f64, f64))> = None;
        // A key of a fan is tried first as near its target as its box ends left or right of
        // the target's outline, where the links are the farthest apart.
        let dx = (want.b.0 - want.a.0).abs();
        let closest = (want.from_target && dx > want.w + 2.0 * CLEAR)
            .then(|| 1.0 - (want.w / 2.0 + CLEAR) / dx)
            .into_iter();
        let fractions = ALONG.map(|a| if want.from_target { 1.0 - a } else { a });
        'search: for nudge in NUDGE {
            for along in closest.clone().chain(fractions) {
                let (x, y) = (
                    want.a.0 + (want.b.0 - want.a.0) * along,
                    want.a.1 + (want.b.1 - want.a.1) * along + nudge * want.h,
                );
                let rect = (x - want.w / 2.0, y - want.h / 2.0, want.w, want.h);
                let cost = fixed.covered(&rect) + 3.0 * placed.covered(&rect);
                // A small preference for staying on the line, then for the earlier fraction.
                let cost = cost + nudge.abs() * 4.0;
                if best.is_none_or(|(c, _)| cost < c) {
                    best = Some((cost, (x, y)));
                }
                if cost <= nudge.abs() * 4.0 {
                    break 'search;
                }
            }
        }
        let at = best.map_or(want.a, |(_, at)| at);
        placed.insert((at.0 - want.w / 2.0, at.1 - want.h / 2.0, want.w, want.h));
        out.push(at);
    }
    out
}

/// How far beyond the box around its link a key's box of `w` × `h` may reach (see [`place`]):
/// half its width left and right, the largest nudge and half its height up and down.
pub fn reach(w: f64, h: f64) -> (f64, f64) {
    let nudge = NUDGE.iter().fold(0.0_f64, |most, n| most.max(n.abs()));
    (w / 2.0, nudge * h + h / 2.0)
}

/// Boxes filed by the cells of a square grid they cover, so the boxes a box may overlap are
/// found among its neighbours, not among all of them (a big export has thousands of keys).
#[derive(Default)]
pub struct Grid {
    boxes: Vec<Rect>,
    cells: HashMap<(i32, i32), Vec<usize>>,
    /// Per box: the last query that counted it (a box in several cells counts once).
    seen: Vec<u32>,
    query: u32,
}

/// A grid cell's side (pixels): about a key's width.
const CELL: f64 = 64.0;
/// The most cells a box is filed in along each side.
const MAX_CELLS: i32 = 64;

impl Grid {
    fn cells_of(r: &Rect) -> impl Iterator<Item = (i32, i32)> {
        let cell = |v: f64| (v / CELL).floor() as i32;
        // A box far larger than the canvas (or not a number) is filed in a bounded patch.
        let (x0, y0) = (cell(r.0), cell(r.1));
        let (x1, y1) = (
            cell(r.0 + r.2).clamp(x0, x0.saturating_add(MAX_CELLS)),
            cell(r.1 + r.3).clamp(y0, y0.saturating_add(MAX_CELLS)),
        );
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    pub fn insert(&mut self, r: Rect) {
        let i = self.boxes.len();
        self.boxes.push(r);
        self.seen.push(0);
        for c in Grid::cells_of(&r) {
            self.cells.entry(c).or_default().push(i);
        }
    }

    /// The area of `r` the filed boxes cover (summed: where they overlap, counted twice).
    pub fn covered(&mut self, r: &Rect) -> f64 {
        self.covered_but(r, usize::MAX)
    }

    /// [`Grid::covered`] by the boxes but the `skip`th filed.
    pub fn covered_but(&mut self, r: &Rect, skip: usize) -> f64 {
        self.query += 1;
        if let Some(seen) = self.seen.get_mut(skip) {
            *seen = self.query;
        }
        let mut sum = 0.0;
        for c in Grid::cells_of(r) {
            for &i in self.cells.get(&c).into_iter().flatten() {
                if let (Some(seen), Some(b)) = (self.seen.get_mut(i), self.boxes.get(i))
                    && *seen != self.query
                {
                    *seen = self.query;
                    sum += overlap(r, b);
                }
            }
        }
        sum
    }
}

/// Which placed keys to write: in order, each unless more than a quarter of it would lie under
/// a key already written (a crowded drawing's keys would otherwise pile into an unreadable
/// smear; zoom in and they come back).
pub fn readable(boxes: &[Rect]) -> Vec<bool> {
    let mut written = Grid::default();
    let mut out = Vec::with_capacity(boxes.len());
    for b in boxes {
        let keep = written.covered(b) <= 0.25 * b.2 * b.3;
        if keep {
            written.insert(*b);
        }
        out.push(keep);
    }
    out
}

/// The area two boxes share.
pub fn overlap(a: &Rect, b: &Rect) -> f64 {
    let w = (a.0 + a.2).min(b.0 + b.2) - a.0.max(b.0);
    let h = (a.1 + a.3).min(b.1 + b.3) - a.1.max(b.1);
    if w > 0.0 && h > 0.0 { w * h } else { 0.0 }
}

/// What a key must not cover: each node's shape and the text written with it, as `named`
/// (`names::named`) writes it: every line under it (name, type, depth, status), its name
/// alone under it or to its right, or nothing where a crowded drawing leaves its text out.
pub fn obstacles(scene: &Scene, fit: &Fit, named: &[(NodeId, Text)]) -> Vec<Rect> {
    let r = fit.radius();
    let mut out = Vec::with_capacity(scene.shapes.len() * 2);
    for s in &scene.shapes {
        out.push(names::shape_box(s, fit, r));
        let (text, full) = match names::text_of(named, s.id) {
            Some(Text::Full) => (names::text_box(s, fit, r), true),
            Some(Text::Name { status, shift }) => {
                (names::name_box(s, fit, r, status, shift), false)
            }
            Some(Text::Right { status }) => (names::right_box(s, fit, r, status), false),
            None => continue,
        };
        out.push(
            if full && s.kind == NodeKind::Queue && text.2 < QUEUE_TEXT {
                // Its depth line ("12 ready · 304 unacked") may be wider than its name.
                (
                    text.0 - (QUEUE_TEXT - text.2) / 2.0,
                    text.1,
                    QUEUE_TEXT,
                    text.3,
                )
            } else {
                text
            },
        );
    }
    out
}

/// The widest a queue's depth line is written (pixels), a key keeps clear of it.
const QUEUE_TEXT: f64 = 150.0;

/// Room for binding keys: where bindings with keys span too short a gap left to right
/// (adjacent columns, or a file's layout drawn tight), everything from the target's `x` on
/// moves right until the gap holds the longest text written there (the keys of the bindings
/// between two nodes share one box: "goal, penalty").
pub fn widen_key_gaps(shapes: &mut [Shape], links: &[Link]) {
    let x_of = x_by_node(shapes);
    let x = |id: NodeId| x_of.get(id.0 as usize).copied().flatten();
    // Per pair of nodes: the characters written between them (one pass: thousands of links).
    let mut chars_of: HashMap<(NodeId, NodeId), usize> = HashMap::default();
    let mut pairs: Vec<(NodeId, NodeId)> = Vec::new();
    for l in links.iter().filter(|l| l.kind == LinkKind::Binding) {
        let chars = l.label.chars().count();
        let written = chars_of.entry((l.from, l.to)).or_insert_with(|| {
            pairs.push((l.from, l.to));
            0
        });
        *written += match (*written, chars) {
            (_, 0) => 0,
            (0, n) => n,
            (_, n) => SEPARATOR_CHARS + n,
        };
    }
    let mut widen: Vec<(f64, f64)> = Vec::new();
    for (from, to) in pairs {
        let chars = chars_of.get(&(from, to)).copied().unwrap_or(0);
        let (Some(a), Some(b)) = (x(from), x(to)) else {
            continue;
        };
        let wanted = KEY_ROOM + chars as f64 * KEY_CHAR;
        if b > a && b - a < wanted {
            widen.push((b, wanted - (b - a)));
        }
    }
    // Per column where a short gap ends: the most room any key there needs.
    switchyard_core::order::sort_by(&mut widen, |p, q| p.0.total_cmp(&q.0));
    let mut shifts: Vec<(f64, f64)> = Vec::new();
    for (x, extra) in widen {
        match shifts.last_mut() {
            Some(last) if last.0 == x => last.1 = last.1.max(extra),
            _ => shifts.push((x, extra)),
        }
    }
    let originals: Vec<f64> = shapes.iter().map(|s| s.x).collect();
    for (s, x0) in shapes.iter_mut().zip(originals) {
        let shift: f64 = shifts
            .iter()
            .filter(|(x, _)| x0 >= *x)
            .map(|(_, e)| e)
            .sum();
        s.x += shift;
    }
}

/// Characters between two keys in one box (", ").
const SEPARATOR_CHARS: usize = 2;
/// Layout units a binding key's gap needs besides its text: the two shapes' halves.
const KEY_ROOM: f64 = 160.0;
/// Layout units per character of a binding key (12px monospace, at about the usual scale).
const KEY_CHAR: f64 = 8.0;

#[cfg(test)]
mod tests {
    use switchyard_core::sim::{NodeKind, Options, Scenario, SimTime, Simulation};

    use super::*;
    use crate::stage::geometry::half_size;

    fn want(a: (f64, f64), b: (f64, f64)) -> Want {
        Want {
            a,
            b,
            w: 120.0,
            h: 16.0,
            from_target: false,
        }
    }

    fn rect(at: (f64, f64), w: &Want) -> Rect {
        (at.0 - w.w / 2.0, at.1 - w.h / 2.0, w.w, w.h)
    }

    #[test]
    fn a_key_mostly_under_another_is_not_written() {
        let boxes = [
            (0.0, 0.0, 40.0, 16.0),
            (30.0, 0.0, 40.0, 16.0),  // a quarter under the first: written
            (5.0, 2.0, 40.0, 16.0),   // mostly under the first: not
            (200.0, 0.0, 40.0, 16.0), // clear
        ];
        assert_eq!(readable(&boxes), [true, true, false, true]);
    }

    #[test]
    fn a_key_on_a_clear_link_sits_on_it_nearer_the_source() {
        let w = want((0.0, 100.0), (400.0, 100.0));
        assert_eq!(place(&[w], &[]), vec![(160.0, 100.0)]);
        assert_eq!(
            overlap(&(0.0, 0.0, 10.0, 10.0), &(5.0, 5.0, 10.0, 10.0)),
            25.0
        );
        assert_eq!(
            overlap(&(0.0, 0.0, 10.0, 10.0), &(10.0, 0.0, 10.0, 10.0)),
            0.0
        );
    }

    #[test]
    fn keys_of_links_leaving_one_exchange_do_not_cover_each_other_or_names() {
        // Three links fanning out of one exchange, with a name box near each target.
        let wants = [
            want((30.0, 200.0), (300.0, 100.0)),
            want((30.0, 200.0), (300.0, 200.0)),
            want((30.0, 200.0), (300.0, 300.0)),
        ];
        let obstacles = [
            (0.0, 170.0, 30.0, 60.0),
            (260.0, 115.0, 120.0, 16.0),
            (260.0, 215.0, 120.0, 16.0),
            (260.0, 315.0, 120.0, 16.0),
        ];
        let at = place(&wants, &obstacles);
        assert_eq!(at.len(), 3);
        let rects: Vec<Rect> = at.iter().zip(&wants).map(|(p, w)| rect(*p, w)).collect();
        for (i, r) in rects.iter().enumerate() {
            for o in &obstacles {
                assert_eq!(overlap(r, o), 0.0, "key {i} at {r:?} covers {o:?}");
            }
            for (j, q) in rects.iter().enumerate().filter(|(j, _)| *j != i) {
                assert_eq!(overlap(r, q), 0.0, "keys {i} and {j} overlap");
            }
        }
    }

    #[test]
    fn with_no_free_place_a_key_goes_where_it_covers_least() {
        let w = want((0.0, 0.0), (100.0, 0.0));
        // Everything near the line is covered but a thin strip at its far end.
        let obstacles = [(-200.0, -100.0, 260.0, 200.0)];
        let at = place(&[w], &obstacles);
        let first = overlap(&rect((40.0, 0.0), &w), &obstacles[0]);
        let got = at.first().map(|p| overlap(&rect(*p, &w), &obstacles[0]));
        assert!(got.is_some_and(|g| g < first), "{at:?}");
    }

    fn flow_scene(style: switchyard_core::sim::flow::Style, at_s: u64) -> Scene {
        preset_scene("payment-flow", style, at_s)
    }

    fn preset_scene(id: &str, style: switchyard_core::sim::flow::Style, at_s: u64) -> Scene {
        let preset = crate::presets::find(id).expect("preset");
        let mut scenario = Scenario::from_json_text(preset.json).expect("scenario");
        if let Some(flow) = scenario.flow.as_mut() {
            flow.style = style;
        }
        let mut sim = Simulation::new(scenario, Options::default()).expect("simulation");
        sim.run_until(SimTime(at_s * 1_000_000)).expect("run");
        Scene::of(&sim)
    }

    /// The live-match preset at 1 s fitted to a canvas of `area`, and the text written on it.
    fn live_match_on(area: (f64, f64)) -> (Scene, Fit, Vec<(NodeId, Text)>) {
        let style = switchyard_core::sim::flow::Style::Choreography;
        let scene = preset_scene("live-match", style, 1);
        let fit = Fit::new(&scene, area.0, area.1);
        let named = names::named(&scene, &fit, None, area);
        (scene, fit, named)
    }

    /// The live-match preset fans one exchange out to eight queues, each with a consumer, on
    /// the stage of a 1366 px wide window (708 × 490): every node keeps its name (the queues
    /// theirs alone under them, the consumers theirs to their right, inside the canvas), and
    /// the keys are placed from the queues' end, where the links are apart.
    #[test]
    fn a_fan_of_eight_queues_keeps_every_name() {
        let area = (708.0, 490.0);
        let (scene, fit, named) = live_match_on(area);
        assert_eq!(named.len(), scene.shapes.len(), "{named:?}");
        let r = fit.radius();
        for s in &scene.shapes {
            let how = names::text_of(&named, s.id);
            let text = match how {
                Some(names::Text::Right { status }) => names::right_box(s, &fit, r, status),
                Some(names::Text::Name { status, shift }) => {
                    names::name_box(s, &fit, r, status, shift)
                }
                _ => names::text_box(s, &fit, r),
            };
            assert!(
                text.0 >= 0.0 && text.0 + text.2 <= area.0,
                "{} at {text:?}",
                s.name
            );
            if s.kind == NodeKind::Consumer && s.name != "betting-odds" {
                assert!(matches!(how, Some(names::Text::Right { .. })), "{}", s.name);
            }
        }
        let keyed: Vec<&Link> = (scene.links.iter())
            .filter(|l| l.kind == LinkKind::Binding && !l.label.is_empty())
            .collect();
        assert!(keyed.len() > 16, "{keyed:?}");
        let fans = fans(&scene.links);
        assert!(keyed.iter().all(|l| fans.contains(&(l.from, l.to))));
    }

    #[test]
    fn the_payment_flows_keys_cover_no_queue_name_nor_each_other() {
        let scene = flow_scene(switchyard_core::sim::flow::Style::Choreography, 0);
        let keyed: Vec<_> = scene
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Binding && !l.label.is_empty())
            .collect();
        assert_eq!(keyed.len(), 3, "{:?}", scene.links);
        for (w, h) in [(740.0, 590.0), (1200.0, 700.0)] {
            let fit = Fit::new(&scene, w, h);
            let r = fit.radius();
            let wants: Vec<Want> = keyed
                .iter()
                .filter_map(|l| {
                    let (a, b) = (scene.shape(l.from)?, scene.shape(l.to)?);
                    let (a, b) = (fit.at(a.x, a.y), fit.at(b.x, b.y));
                    let (ra, rb) = (r, half_size(NodeKind::Queue, r).0);
                    let (a, b) = crate::stage::geometry::trim(a, b, ra, rb);
                    Some(Want {
                        a,
                        b,
                        w: 17.0 * 7.3 + 8.0,
                        h: 16.0,
                        from_target: fans(&scene.links).contains(&(l.from, l.to)),
                    })
                })
                .collect();
            let named = names::named(&scene, &fit, None, (w, h));
            let obstacles = obstacles(&scene, &fit, &named);
            let at = place(&wants, &obstacles);
            let rects: Vec<Rect> = at.iter().zip(&wants).map(|(p, w)| rect(*p, w)).collect();
            for (i, k) in rects.iter().enumerate() {
                for (j, q) in rects.iter().enumerate().filter(|(j, _)| *j != i) {
                    assert_eq!(overlap(k, q), 0.0, "{w}×{h}: keys {i} and {j} overlap");
                }
                let covered: f64 = obstacles.iter().map(|o| overlap(k, o)).sum();
                assert_eq!(covered, 0.0, "{w}×{h}: key {i} at {k:?} covers a node");
            }
        }
    }

    /// On a stage 622 × 420 (a 1280 px wide window, a little short) the live-match preset's
    /// eight queues are too close to write their names under them (at 494 high, its rows
    /// spread into the height and every name is written). Their keys then go where those names
    /// would have been, one above the other near the queues, each clear of the others and of
    /// every text that is written (the exchange's name among them) but for a sliver. Before,
    /// the unwritten names still kept keys away, which pushed them onto the exchange's name.
    #[test]
    fn the_keys_of_a_fan_take_the_room_of_names_left_out() {
        let area = (622.0, 420.0);
        let (scene, fit, named) = live_match_on(area);
        let queues = scene.shapes.iter().filter(|s| s.kind == NodeKind::Queue);
        let unnamed = queues.filter(|s| names::text_of(&named, s.id).is_none());
        assert!(unnamed.count() >= 4, "{named:?}");
        // One box per pair of nodes: its keys joined by ", " (12px monospace, 7.3 px a
        // character), as the stage writes them.
        let mut pairs: Vec<((NodeId, NodeId), usize)> = Vec::new();
        for l in scene.links.iter().filter(|l| !l.label.is_empty()) {
            match pairs.iter_mut().find(|(p, _)| *p == (l.from, l.to)) {
                Some((_, chars)) => *chars += 2 + l.label.len(),
                None => pairs.push(((l.from, l.to), l.label.len())),
            }
        }
        assert_eq!(pairs.len(), 8, "{pairs:?}");
        let fans = fans(&scene.links);
        let r = fit.radius();
        let wants: Vec<Want> = (pairs.iter())
            .filter_map(|((from, to), chars)| {
                let (a, b) = (scene.shape(*from)?, scene.shape(*to)?);
                let (a, b) = (fit.at(a.x, a.y), fit.at(b.x, b.y));
                let (a, b) = crate::stage::geometry::trim(a, b, r, half_size(NodeKind::Queue, r).0);
                Some(Want {
                    a,
                    b,
                    w: *chars as f64 * 7.3 + 8.0,
                    h: 16.0,
                    from_target: fans.contains(&(*from, *to)),
                })
            })
            .collect();
        let obstacles = obstacles(&scene, &fit, &named);
        let rects: Vec<Rect> = (place(&wants, &obstacles).iter().zip(&wants))
            .map(|(p, w)| rect(*p, w))
            .collect();
        assert!(readable(&rects).iter().all(|k| *k));
        for (i, k) in rects.iter().enumerate() {
            for (j, q) in rects.iter().enumerate().filter(|(j, _)| *j != i) {
                assert_eq!(overlap(k, q), 0.0, "keys {i} and {j} overlap");
            }
            // At most a sliver of the corridor between the exchange's name and the queues
            // (the old placement covered up to 281 px² of names and shapes, 12% of a key).
            let covered: f64 = obstacles.iter().map(|o| overlap(k, o)).sum();
            assert!(
                covered < 0.01 * k.2 * k.3,
                "key {i} at {k:?} covers {covered} px²"
            );
        }
    }

    #[test]
    fn a_service_taken_down_or_failing_is_marked_so() {
        let style = switchyard_core::sim::flow::Style::Choreography;
        let status = |scene: &Scene| {
            scene
                .shapes
                .iter()
                .find(|s| s.kind == NodeKind::Service && s.name == "order")
                .map(|s| s.status)
        };
        assert_eq!(status(&flow_scene(style, 1)), Some(None));
        // The file's script takes `order` down at 20 s.
        assert_eq!(status(&flow_scene(style, 21)), Some(Some("down")));
        // The saga's script makes `stock` fail at 20 s.
        let stock = |at_s| {
            preset_scene("saga", style, at_s)
                .shapes
                .iter()
                .find(|s| s.kind == NodeKind::Service && s.name == "stock")
                .map(|s| s.status)
        };
        assert_eq!(stock(1), Some(None));
        assert_eq!(stock(21), Some(Some("failing")));
    }

    #[test]
    fn a_crashed_consumer_and_its_lost_queue_are_marked_until_it_reconnects() {
        let preset = crate::presets::find("tutorial-6-rpc").expect("preset");
        let mut json: serde_json::Value = serde_json::from_str(preset.json).expect("json");
        let client = "rpc_client.py (replies)";
        json["topology"]["queues"][1]["auto_delete"] = serde_json::json!(false);
        json["actors"]["consumers"][2]["recover_after_ms"] = serde_json::json!(2000);
        json["script"] =
            serde_json::json!([{"at_ms": 3000, "action": "crash_consumer", "consumer": client}]);
        let scenario = Scenario::from_json_text(&json.to_string()).expect("scenario");
        let mut sim = Simulation::new(scenario, Options::default()).expect("simulation");
        let mut status = |at_ms: u64, name: &str| {
            sim.run_until(SimTime(at_ms * 1000)).expect("run");
            let scene = Scene::of(&sim);
            let shape = scene.shapes.iter().find(|s| s.name == name).expect(name);
            shape.status
        };
        assert_eq!(status(1000, client), None);
        assert_eq!(status(1000, "rpc_server-2"), Some("not started"));
        assert_eq!(status(1000, "(AMQP default)"), None);
        assert_eq!(status(4000, client), Some("down"));
        assert_eq!(
            status(4000, "rpc_client.replies"),
            Some(crate::stage::layout::NOT_DECLARED)
        );
        assert_eq!(status(6000, client), None);
        assert_eq!(status(6000, "rpc_client.replies"), None);
    }

    #[test]
    fn a_tight_gap_under_a_key_widens_and_everything_right_of_it_follows() {
        let shape = |id, x| Shape {
            id: NodeId(id),
            kind: NodeKind::Exchange,
            name: format!("n{id}"),
            tag: None,
            status: None,
            x,
            y: 0.0,
        };
        let mut shapes = vec![shape(0, 0.0), shape(1, 220.0), shape(2, 440.0)];
        let link = |from, to, label: &str| Link {
            from: NodeId(from),
            to: NodeId(to),
            kind: LinkKind::Binding,
            label: label.to_owned(),
            faded: false,
        };
        // 20 characters: 160 + 20 × 8 = 320 units wanted between 0 and 220.
        let links = [link(0, 1, "aaaaaaaaaaaaaaaaaaaa"), link(1, 2, "")];
        widen_key_gaps(&mut shapes, &links);
        let xs: Vec<f64> = shapes.iter().map(|s| s.x).collect();
        assert_eq!(xs, vec![0.0, 320.0, 540.0]);
        // Wide enough already: nothing moves.
        widen_key_gaps(&mut shapes, &links);
        assert_eq!(shapes.iter().map(|s| s.x).collect::<Vec<_>>(), xs);
    }
}
