//! Where each node of the topology is drawn: the scenario's `layout` positions when it has
//! them, else columns (producers | exchanges by depth | queues | consumers); the links between
//! them (publishes, bindings with their keys, alternate and dead-letter exchanges, consumers);
//! and the fit of those layout units onto a canvas of some size. Plain data and arithmetic:
//! it knows the simulation's world and topology, nothing of the browser.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use switchyard_core::Destination;
use switchyard_core::order::json_text;
use switchyard_core::shown::visible;
use switchyard_core::sim::{ConsumerId, NodeId, NodeKind, ProducerId, Simulation};

use crate::stage::geometry::clamp;

/// One node as drawn, in layout units.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub id: NodeId,
    pub kind: NodeKind,
    /// The name as people read it ([`switchyard_core::sim::World::title`]).
    pub name: String,
    /// An exchange's type (`topic`, `direct`, …).
    pub tag: Option<&'static str>,
    /// What is not as usual: a flow's service `down` or `failing`; a consumer `not started`,
    /// `stopped` or `down` (crashed); a producer `stopped`; an exchange or queue the broker does not have now
    /// ([`NOT_DECLARED`]: declared later, deleted, lost in a restart). None when as usual.
    pub status: Option<&'static str>,
    pub x: f64,
    pub y: f64,
}

/// Each shape's `x` by node id (ids index the world's nodes; the last of repeated ids wins): a
/// dense `Vec` rather than a hash map, as quick over thousands of links and without a copy of
/// the hash table's code for this type in the bundle.
pub fn x_by_node(shapes: &[Shape]) -> Vec<Option<f64>> {
    let len = shapes
        .iter()
        .map(|s| s.id.0 as usize + 1)
        .max()
        .unwrap_or(0);
    let mut x_of = vec![None; len];
    for s in shapes {
        if let Some(x) = x_of.get_mut(s.id.0 as usize) {
            *x = Some(s.x);
        }
    }
    x_of
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Publish,
    Binding,
    Alternate,
    DeadLetter,
    Consume,
}

/// A line between two drawn nodes, with the text written on it (a binding key).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: LinkKind,
    pub label: String,
    /// A binding none of the recent messages through its exchange matches now (drawn faded).
    pub faded: bool,
}

/// The status of an exchange or queue the broker does not have now.
pub const NOT_DECLARED: &str = "not declared";

/// Marks the consumers not consuming, the producers stopped, and the exchanges and queues the
/// broker lacks now.
fn mark_absent(sim: &Simulation, shapes: &mut [Shape]) {
    let mut actors: Vec<Option<&'static str>> = vec![None; sim.world().nodes().len()];
    for i in 0..sim.scenario().consumers.len() {
        let id = ConsumerId(i as u32);
        let (Some(node), Some(view)) = (sim.consumer_node(id), sim.consumer_view(id)) else {
            continue;
        };
        if let Some(slot) = actors.get_mut(node.0 as usize) {
            *slot = match view.status {
                "running" => None,
                "idle" => Some("not started"),
                other => Some(other),
            };
        }
    }
    for i in 0..sim.scenario().producers.len() {
        let id = ProducerId(i as u32);
        let node = sim.producer_node(id).map(|n| n.0 as usize);
        if sim.producer_stopped(id) == Some(true)
            && let Some(slot) = node.and_then(|n| actors.get_mut(n))
        {
            *slot = Some("stopped");
        }
    }
    let broker = sim.broker();
    for s in shapes {
        let Some(node) = sim.world().node(s.id) else {
            continue;
        };
        let declared = match s.kind {
            NodeKind::Queue => broker.queue(&node.vhost, &node.name).is_some(),
            // The default exchange is always there (and not kept as the others are).
            NodeKind::Exchange => {
                node.name.is_empty()
                    || (broker.topology(&node.vhost))
                        .is_ok_and(|t| t.exchange(&node.name).is_some())
            }
            NodeKind::Consumer | NodeKind::Producer => {
                s.status = actors.get(s.id.0 as usize).copied().flatten();
                continue;
            }
            _ => continue,
        };
        if !declared {
            s.status = Some(NOT_DECLARED);
        }
    }
}

/// Whether each node, by id, is one of the scenario's producers or consumers now.
fn acting(sim: &Simulation) -> Vec<bool> {
    let mut acting = vec![false; sim.world().nodes().len()];
    let scenario = sim.scenario();
    let producers = (0..scenario.producers.len()).map(|i| sim.producer_node(ProducerId(i as u32)));
    let consumers = (0..scenario.consumers.len()).map(|i| sim.consumer_node(ConsumerId(i as u32)));
    for node in producers.chain(consumers).flatten() {
        if let Some(at) = acting.get_mut(node.0 as usize) {
            *at = true;
        }
    }
    acting
}

/// Everything static about the drawing of one simulation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scene {
    pub shapes: Vec<Shape>,
    pub links: Vec<Link>,
    /// Each node's place in `shapes`, by node id: a shape is looked up for every link and
    /// every dot drawn, and a big export has thousands of each.
    places: Vec<Option<u32>>,
}

pub(super) const COLUMN: f64 = 220.0;
pub(super) const ROW: f64 = 110.0;

impl Scene {
    pub fn new(shapes: Vec<Shape>, links: Vec<Link>) -> Scene {
        let len = (shapes.iter().map(|s| s.id.0 as usize + 1).max()).unwrap_or(0);
        let mut places = vec![None; len];
        for (i, s) in shapes.iter().enumerate() {
            if let Some(place) = places.get_mut(s.id.0 as usize) {
                *place = u32::try_from(i).ok();
            }
        }
        Scene {
            shapes,
            links,
            places,
        }
    }

    /// The scene of `sim`'s current topology and cast.
    pub fn of(sim: &Simulation) -> Scene {
        let world = sim.world();
        let scenario = sim.scenario();
        let links = links(sim);
        let used_default = scenario.producers.iter().any(|p| p.exchange.is_empty());
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); 8];
        let depth = exchange_depths(&links);
        // Whether a link starts or ends at each node, by id: one pass over the links.
        let mut linked = vec![false; world.nodes().len()];
        for l in &links {
            for end in [l.from, l.to] {
                if let Some(at) = linked.get_mut(end.0 as usize) {
                    *at = true;
                }
            }
        }
        let acting = acting(sim);
        let mut shapes = Vec::new();
        for (i, node) in world.nodes().iter().enumerate() {
            let id = NodeId(i as u32);
            let actor = matches!(node.kind, NodeKind::Producer | NodeKind::Consumer);
            if actor && !acting.get(i).copied().unwrap_or(false) {
                // An actor added on demand and undone: its node stays in the world, unused.
                continue;
            }
            let linked = linked.get(i).copied().unwrap_or(false);
            let builtin = node.name.is_empty() || node.name.starts_with("amq.");
            if node.kind == NodeKind::Exchange
                && builtin
                && !linked
                && !(node.name.is_empty() && used_default)
            {
                // The broker's own exchanges, when nothing in the scenario uses them.
                continue;
            }
            let column = match node.kind {
                NodeKind::Producer => 0,
                NodeKind::Exchange => 1 + depth.get(&id).copied().unwrap_or(0).min(3),
                NodeKind::Queue => 5,
                NodeKind::Consumer | NodeKind::Service => 6,
                NodeKind::Store | NodeKind::Projection => 7,
            };
            if let Some(c) = columns.get_mut(column) {
                c.push(shapes.len());
            }
            shapes.push(Shape {
                id,
                kind: node.kind,
                name: world.title(id),
                tag: exchange_tag(sim, &node.vhost, &node.name, node.kind),
                status: None,
                x: 0.0,
                y: 0.0,
            });
        }
        super::arrange::order_rows(&shapes, &mut columns, &links);
        super::arrange::place_columns(&mut shapes, &columns);
        for service in sim.services() {
            let status = if !service.up {
                Some("down")
            } else if service.failing {
                Some("failing")
            } else {
                None
            };
            if let Some(s) = shapes.iter_mut().find(|s| s.id == service.node) {
                s.status = status;
            }
        }
        mark_absent(sim, &mut shapes);
        let placed: HashMap<&str, (f64, f64)> = scenario
            .layout
            .iter()
            .map(|(name, x, y)| (name.as_str(), (*x, *y)))
            .collect();
        if !placed.is_empty() {
            for (i, shape) in shapes.iter_mut().enumerate() {
                let raw = world
                    .nodes()
                    .get(shape.id.0 as usize)
                    .map(|n| n.name.as_str());
                if let Some((x, y)) = raw.and_then(|n| placed.get(n)) {
                    (shape.x, shape.y) = (*x, *y);
                } else {
                    // Not in the file's layout: below everything else, out of the way.
                    shape.y = 10_000.0 + i as f64 * ROW;
                }
            }
            tuck_unplaced(&mut shapes, &links);
        }
        crate::stage::labels::widen_key_gaps(&mut shapes, &links);
        // Whether each node is drawn, by id: a big export has as many links as shapes.
        let drawn = x_by_node(&shapes);
        let is_drawn = |id: NodeId| drawn.get(id.0 as usize).is_some_and(Option::is_some);
        let links = links
            .into_iter()
            .filter(|l| is_drawn(l.from) && is_drawn(l.to))
            .collect();
        Scene::new(shapes, links)
    }

    pub fn shape(&self, id: NodeId) -> Option<&Shape> {
        let place = (*self.places.get(id.0 as usize)?)?;
        self.shapes.get(place as usize)
    }

    /// The nodes as people read the drawing: column by column from the left, each from the
    /// top (the order the keyboard steps through them in).
    pub fn reading_order(&self) -> Vec<NodeId> {
        let mut shapes: Vec<&Shape> = self.shapes.iter().collect();
        switchyard_core::order::sort_by(&mut shapes, |a, b| {
            a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
        });
        shapes.into_iter().map(|s| s.id).collect()
    }

    /// The smallest box holding every shape's centre: (min x, min y, max x, max y).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for s in &self.shapes {
            b = (b.0.min(s.x), b.1.min(s.y), b.2.max(s.x), b.3.max(s.y));
        }
        if self.shapes.is_empty() {
            (0.0, 0.0, 0.0, 0.0)
        } else {
            b
        }
    }
}

fn exchange_tag(sim: &Simulation, vhost: &str, name: &str, kind: NodeKind) -> Option<&'static str> {
    if kind != NodeKind::Exchange {
        return None;
    }
    if name.is_empty() {
        return Some("direct");
    }
    let topology = sim.broker().topology(vhost).ok()?;
    Some(topology.exchange(name)?.kind().name())
}

/// Shapes the file's layout left out (a queue or consumer added while the scenario runs) go
/// beside what they are linked from: in the column of the other nodes that source links to
/// (those right of it), under the lowest shape there, or a column to its right if it links to
/// nothing else placed. One linked from nothing placed goes in a row under everything. In scene
/// order, so a new queue's new consumer follows it. Each lookup is by index: a file may leave
/// thousands of nodes out.
fn tuck_unplaced(shapes: &mut [Shape], links: &[Link]) {
    const UNPLACED: f64 = 10_000.0;
    let slots = (shapes.iter().map(|s| s.id.0 as usize + 1))
        .max()
        .unwrap_or(0);
    let mut at: Vec<Option<(f64, f64)>> = vec![None; slots];
    // The lowest shape of each column, by its x rounded (a layout's columns share one x).
    let mut lowest: FxHashMap<i64, f64> = FxHashMap::default();
    let column = |x: f64| x.round() as i64;
    for s in shapes.iter().filter(|s| s.y < UNPLACED) {
        if let Some(slot) = at.get_mut(s.id.0 as usize) {
            *slot = Some((s.x, s.y));
        }
        let low = lowest.entry(column(s.x)).or_insert(s.y);
        *low = low.max(s.y);
    }
    let placed_bottom = lowest.values().copied().fold(0.0, f64::max);
    let mut from_of: FxHashMap<NodeId, Vec<NodeId>> = FxHashMap::default();
    let mut to_of: FxHashMap<NodeId, Vec<NodeId>> = FxHashMap::default();
    for l in links {
        from_of.entry(l.to).or_default().push(l.from);
        to_of.entry(l.from).or_default().push(l.to);
    }
    let mut next = 0.0;
    for shape in shapes.iter_mut().filter(|s| s.y >= UNPLACED) {
        let placed = |id: &NodeId| at.get(id.0 as usize).copied().flatten();
        let source = (from_of.get(&shape.id).into_iter().flatten())
            .find_map(|from| Some((*from, placed(from)?)));
        // A producer (no link into it) goes left of what it publishes to, with the others that do.
        let target =
            (to_of.get(&shape.id).into_iter().flatten()).find_map(|to| Some((*to, placed(to)?)));
        let (x, y) = match (source, target) {
            (Some((from, (sx, sy))), _) => {
                let siblings = to_of.get(&from).into_iter().flatten().filter_map(placed);
                let x = (siblings.map(|p| p.0).filter(|x| *x > sx)).fold(f64::NAN, f64::min);
                let x = if x.is_nan() { sx + COLUMN } else { x };
                let y = lowest.get(&column(x)).map_or(sy, |low| low + ROW);
                (x, y)
            }
            (None, Some((to, (tx, ty)))) => {
                let siblings = from_of.get(&to).into_iter().flatten().filter_map(placed);
                let x = (siblings.map(|p| p.0).filter(|x| *x < tx)).fold(f64::NAN, f64::max);
                let x = if x.is_nan() { tx - COLUMN } else { x };
                let y = lowest.get(&column(x)).map_or(ty, |low| low + ROW);
                (x, y)
            }
            (None, None) => {
                next += COLUMN * 0.8;
                (next - COLUMN * 0.8, placed_bottom + ROW)
            }
        };
        (shape.x, shape.y) = (x, y);
        if let Some(slot) = at.get_mut(shape.id.0 as usize) {
            *slot = Some((x, y));
        }
        let low = lowest.entry(column(x)).or_insert(y);
        *low = low.max(y);
    }
}

/// Every link of the topology and the cast.
fn links(sim: &Simulation) -> Vec<Link> {
    let world = sim.world();
    let scenario = sim.scenario();
    let mut out = Vec::new();
    let mut push = |from: Option<NodeId>, to: Option<NodeId>, kind, label: String| {
        if let (Some(from), Some(to)) = (from, to) {
            out.push(Link {
                from,
                to,
                kind,
                label,
                faded: false,
            });
        }
    };
    for (i, p) in scenario.producers.iter().enumerate() {
        let from = sim.producer_node(switchyard_core::sim::ProducerId(i as u32));
        push(
            from,
            world.exchange(&p.vhost, &p.exchange),
            LinkKind::Publish,
            String::new(),
        );
    }
    for topology in sim.broker().vhosts() {
        let vhost = topology.vhost.as_str();
        for x in topology.exchanges() {
            let from = world.exchange(vhost, x.name());
            for (_, b) in x.bindings() {
                let to = match &b.destination {
                    Destination::Queue(q) => world.queue(vhost, q),
                    Destination::Exchange(e) => world.exchange(vhost, e),
                };
                push(
                    from,
                    to,
                    LinkKind::Binding,
                    binding_label(&b.key, &b.arguments),
                );
            }
            // The argument beats a policy, as when routing.
            let alternate = match x.alternate_argument() {
                Some(ae) => Some((ae.to_owned(), "alternate")),
                None => (sim.broker().policies())
                    .exchange_alternate(vhost, x.name())
                    .map(|ae| (ae, "alternate (policy)")),
            };
            if let Some((ae, label)) = alternate {
                push(
                    from,
                    world.exchange(vhost, &ae),
                    LinkKind::Alternate,
                    label.into(),
                );
            }
        }
        for q in topology.queues() {
            // The queue's effective setting: its argument, or else a policy's.
            let state = sim.broker().queue(vhost, &q.name);
            let dlx = state.and_then(|s| s.config.dead_letter_exchange.as_deref());
            if let Some(dlx) = dlx {
                let label = match q.arguments.get_str("x-dead-letter-exchange") {
                    Some(_) => "dead letters",
                    None => "dead letters (policy)",
                };
                push(
                    world.queue(vhost, &q.name),
                    world.exchange(vhost, dlx),
                    LinkKind::DeadLetter,
                    label.into(),
                );
            }
        }
        if scenario
            .producers
            .iter()
            .any(|p| p.exchange.is_empty() && p.vhost == vhost)
        {
            for q in topology.queues() {
                let to = world.queue(vhost, &q.name);
                push(
                    world.exchange(vhost, ""),
                    to,
                    LinkKind::Binding,
                    q.name.clone(),
                );
            }
        }
    }
    for (i, c) in scenario.consumers.iter().enumerate() {
        let to = sim.consumer_node(switchyard_core::sim::ConsumerId(i as u32));
        push(
            world.queue(&c.vhost, &c.queue),
            to,
            LinkKind::Consume,
            String::new(),
        );
    }
    // The event store's: its writers append to it, its projections read from it.
    if let Some((store, writers, projections)) = sim.sourcing_nodes() {
        for writer in writers {
            push(
                Some(writer),
                Some(store),
                LinkKind::Publish,
                "append".into(),
            );
        }
        for &projection in projections {
            push(
                Some(store),
                Some(projection),
                LinkKind::Consume,
                "read".into(),
            );
        }
    }
    // A business flow's lines (calls in orchestration; event, queues in choreography).
    for (from, to, kind, label) in crate::flow_view::links::flow_links(sim) {
        let kind = match kind {
            crate::flow_view::links::FlowLink::Call
            | crate::flow_view::links::FlowLink::Publish => LinkKind::Publish,
            crate::flow_view::links::FlowLink::Consume => LinkKind::Consume,
        };
        if !out.iter().any(|l| l.from == from && l.to == to) {
            out.push(Link {
                from,
                to,
                kind,
                label,
                faded: false,
            });
        }
    }
    for link in consumer_sends(sim) {
        if !out.iter().any(|l| l.from == link.from && l.to == link.to) {
            out.push(link);
        }
    }
    // Bindings the recent messages no longer match (an exchange retyped) fade.
    let matching = crate::exchange_type::matching_bindings(sim);
    for l in out.iter_mut().filter(|l| l.kind == LinkKind::Binding) {
        l.faded = crate::exchange_type::faded(&matching, l.from, l.to, &l.label);
    }
    out
}

/// What consumers publish themselves, through the default exchange: an RPC server's replies
/// (to the queues its clients name) and a retry policy's parking lot. Their dots fly there; the
/// lines show the way (and bring the default exchange on stage).
fn consumer_sends(sim: &Simulation) -> Vec<Link> {
    let (world, scenario) = (sim.world(), sim.scenario());
    let link = |from, to, kind, label: &str| Link {
        from,
        to,
        kind,
        label: label.into(),
        faded: false,
    };
    let mut out = Vec::new();
    for (i, c) in scenario.consumers.iter().enumerate() {
        let from = sim.consumer_node(switchyard_core::sim::ConsumerId(i as u32));
        let Some((from, default)) = from.zip(world.exchange(&c.vhost, "")) else {
            continue;
        };
        let mut sends: Vec<(&str, &String)> = Vec::new();
        if c.replies {
            let clients = scenario.producers.iter().filter(|p| p.vhost == c.vhost);
            let reply_queues = clients.filter_map(|p| p.rpc.as_ref().map(|r| &r.reply_to));
            sends.extend(reply_queues.map(|q| ("replies", q)));
        }
        if let Some(retry) = &c.retry {
            sends.push(("parking lot", &retry.parking_lot));
        }
        if let Some((label, _)) = sends.first() {
            out.push(link(from, default, LinkKind::Publish, label));
        }
        for (_, queue) in sends {
            if let Some(to) = world.queue(&c.vhost, queue) {
                out.push(link(default, to, LinkKind::Binding, queue));
            }
        }
    }
    out
}

/// A binding's key, or a headers binding's arguments (`x-match=all, format=pdf`).
pub(crate) fn binding_label(key: &str, arguments: &switchyard_core::Table) -> String {
    if !key.is_empty() || arguments.is_empty() {
        return visible(key).into_owned();
    }
    let mut parts: Vec<String> = arguments
        .iter()
        .map(|(k, v)| format!("{k}={}", json_text(&v.to_json())).replace('"', ""))
        .collect();
    switchyard_core::order::sort_by(&mut parts, Ord::cmp);
    parts.join(", ")
}

/// How many exchange-to-exchange hops lead to each exchange (0 for a producer's target).
/// An `FxHashMap`: the same map type as the label pass's, so one copy of its code in the bundle.
fn exchange_depths(links: &[Link]) -> FxHashMap<NodeId, usize> {
    let mut depth: FxHashMap<NodeId, usize> = FxHashMap::default();
    let hops: Vec<&Link> = links
        .iter()
        .filter(|l| matches!(l.kind, LinkKind::Alternate) || l.kind == LinkKind::Binding)
        .collect();
    // Bounded relaxation: cycles (an e2e loop) stop at the bound.
    for _ in 0..4 {
        for l in &hops {
            let from = depth.get(&l.from).copied().unwrap_or(0);
            let entry = depth.entry(l.to).or_insert(0);
            *entry = (*entry).max(from + 1).min(3);
        }
    }
    depth
}

/// Layout units to canvas pixels: `px = x * scale + dx`, `py = y * scale * stretch + dy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub scale: f64,
    /// How much further apart the rows are drawn than the scale alone puts them (1 or more):
    /// a drawing wider than the stage's shape spreads its rows into the height it would leave
    /// empty. The shapes and the text keep the scale.
    pub stretch: f64,
    pub dx: f64,
    pub dy: f64,
    /// How far the user zoomed from the fit (1 at the fit; see [`crate::stage::view`]).
    pub zoom: f64,
}

/// Pixels left and right of a fitted drawing (for the names under its nodes).
const MARGIN_X: f64 = 80.0;
/// Pixels a node's name takes under it, from the outline (a gap and one line).
const NAME_UNDER: f64 = 30.0;
/// The largest scale a fit uses (a small drawing is not blown up beyond it).
const MAX_FIT: f64 = 1.6;
/// A node's radius at scale 1, and its bounds at the fit (pixels).
const RADIUS: f64 = 26.0;
const MIN_RADIUS: f64 = 16.0;
const MAX_RADIUS: f64 = 30.0;

impl Fit {
    /// Fits `scene` into `width` × `height` CSS pixels with a margin for the shapes and labels:
    /// the whole drawing, however large (zoom in to read a big one).
    ///
    /// Where the rightmost column's nodes come too close for a name under each, their names go
    /// to their right (see `stage::names`): the margin on that side then holds the
    /// longest of them.
    pub fn new(scene: &Scene, width: f64, height: f64) -> Fit {
        let fit = Fit::with_margins(scene, width, height, MARGIN_X);
        let (_, _, x1, _) = scene.bounds();
        let mut right: Vec<&Shape> = scene.shapes.iter().filter(|s| s.x >= x1).collect();
        switchyard_core::order::sort_by(&mut right, |a, b| a.y.total_cmp(&b.y));
        let r = fit.radius();
        let crowded = (right.windows(2))
            .filter_map(|w| Some(w.get(1)?.y - w.first()?.y))
            .any(|gap| gap * fit.scale * fit.stretch < 2.0 * r + NAME_UNDER);
        if !crowded || !fit.legible() {
            return fit;
        }
        let longest = right
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        let beside = r + crate::stage::names::GAP + longest as f64 * crate::stage::names::NAME_CHAR;
        Fit::with_margins(
            scene,
            width,
            height,
            clamp(beside + 8.0, MARGIN_X, width / 3.0),
        )
    }

    /// Fits with `right` pixels of margin on the right ([`MARGIN_X`] on the left).
    fn with_margins(scene: &Scene, width: f64, height: f64, right: f64) -> Fit {
        let (x0, y0, x1, y1) = scene.bounds();
        let margin_y = 70.0;
        let w = (x1 - x0).max(1.0);
        let h = (y1 - y0).max(1.0);
        let down = (height - 2.0 * margin_y) / h;
        let scale = clamp(((width - MARGIN_X - right) / w).min(down), 1e-4, MAX_FIT);
        // The height a wide drawing leaves: its rows spread into it, up to the pitch they have
        // at scale 1 (a small drawing, drawn large, is not pulled apart).
        let stretch = clamp(down / scale, 1.0, (1.0 / scale).max(1.0));
        let sy = scale * stretch;
        Fit {
            scale,
            stretch,
            dx: (width - right + MARGIN_X - w * scale) / 2.0 - x0 * scale,
            dy: (height - h * sy) / 2.0 - y0 * sy,
            zoom: 1.0,
        }
    }

    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (
            x * self.scale + self.dx,
            y * self.scale * self.stretch + self.dy,
        )
    }

    /// A shape's radius in pixels: with the scale, within 16 to 30 at the fit, but no more
    /// than 40% of a row (a huge drawing's nodes do not overlap) and, zoomed in, up to 30 ×
    /// the zoom (a node can be made big).
    pub fn radius(&self) -> f64 {
        let least = MIN_RADIUS.min(ROW * self.scale * 0.4);
        let most = MAX_RADIUS * self.zoom.max(1.0);
        clamp(RADIUS * self.scale, least, most.max(least))
    }

    /// Whether nodes are drawn large enough to write their names and numbers.
    pub fn legible(&self) -> bool {
        self.radius() >= 10.0
    }
}
