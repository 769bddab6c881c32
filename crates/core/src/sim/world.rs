//! The fixed cast of a simulation: every node an edge can start or end at (producers,
//! exchanges, queues, consumers), numbered once when the simulation is built, with lookups by
//! name. The trace stores node ids, not names, so recording an event never allocates. It knows
//! nothing of what happens at the nodes.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::broker::{Broker, DEFAULT_VHOST};
use crate::event::Name;
use crate::shown::visible;
use crate::topology::Destination;

/// A node of the drawing: index into [`World::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    Producer,
    Exchange,
    Queue,
    Consumer,
    /// The event store (event sourcing).
    Store,
    /// A projection of an event-store stream.
    Projection,
    /// A service of a business flow (or its caller).
    Service,
}

impl NodeKind {
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Producer => "producer",
            NodeKind::Exchange => "exchange",
            NodeKind::Queue => "queue",
            NodeKind::Consumer => "consumer",
            NodeKind::Store => "store",
            NodeKind::Projection => "projection",
            NodeKind::Service => "service",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub vhost: String,
    pub name: String,
}

/// Node ids by vhost, then name. Looked up on every miss of the label caches below, so hashed
/// with FxHash rather than SipHash (names come from the scenario file; there is no attacker to
/// resist).
type Names = FxHashMap<String, FxHashMap<String, NodeId>>;

/// How many entries a label cache holds (a power of two, see [`LABEL_BITS`]). Direct-mapped,
/// it must be roomy: every remembered route has its own exchange name, and two busy routes
/// whose names share a slot would evict each other at every publish (the reference scenario
/// missed 2,400 times in 2 s with 512 slots, 840 with 4,096). 160 KB each, made when first used.
const LABEL_SLOTS: usize = 1 << LABEL_BITS;
const LABEL_BITS: u32 = 12;

/// Node ids by the address of a shared name: a queue keeps one label and one vhost name for its
/// whole life and puts clones of them in every event, and a publish's exchange name is shared by
/// every publish of its route, so the address answers without hashing the text. Direct-mapped:
/// an address has one slot (Fibonacci hashing), and a newcomer simply replaces what was there,
/// so the cache stays bounded. An entry holds clones of the names: an address cannot be reused
/// while it is cached, and a new name (a redeclared queue) simply misses.
#[derive(Debug, Clone, Default)]
struct ByLabel(Vec<Option<(Name, Name, Option<NodeId>)>>);

impl ByLabel {
    fn slot(name: &Name) -> usize {
        let address = Name::as_ptr(name).cast::<u8>() as usize as u64;
        (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - LABEL_BITS)) as usize
    }

    /// The (vhost, name, node) cached for `name`'s address.
    fn get(&self, name: &Name) -> Option<&(Name, Name, Option<NodeId>)> {
        let entry = self.0.get(Self::slot(name))?.as_ref()?;
        Name::ptr_eq(&entry.1, name).then_some(entry)
    }

    fn insert(&mut self, vhost: Name, name: Name, id: Option<NodeId>) {
        if self.0.is_empty() {
            self.0.resize(LABEL_SLOTS, None);
        }
        if let Some(place) = self.0.get_mut(Self::slot(&name)) {
            *place = Some((vhost, name, id));
        }
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Every node, and the lookups from broker names to node ids.
#[derive(Debug, Clone, Default)]
pub struct World {
    nodes: Vec<Node>,
    exchanges: Names,
    queues: Names,
    by_label: ByLabel,
    /// Exchange node ids by the address of a publish's shared exchange name (the same scheme).
    by_exchange_label: ByLabel,
    /// Queue node ids by the broker's queue slot, which is what the broker's records name
    /// (`None` until looked up). Forgotten when a node is added or the broker is restored.
    by_slot: Vec<Option<Option<NodeId>>>,
    /// Exchanges that can forward to another exchange (e2e binding or alternate exchange).
    multi_hop: Vec<NodeId>,
    /// One shared name per vhost (at most [`MAX_VHOST_NAMES`]), for what records a vhost per
    /// message.
    vhost_names: Vec<Name>,
}

/// Vhosts whose names [`World::vhost_name`] shares; past that, each call makes its own.
const MAX_VHOST_NAMES: usize = 64;

/// `a == b` for short strings, without a call to `memcmp`.
fn same_short(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl World {
    /// The exchanges and queues of every vhost of `broker`, in name order.
    pub fn from_broker(broker: &Broker) -> World {
        let mut world = World::default();
        for topology in broker.vhosts() {
            let vhost = topology.vhost.as_str();
            if topology.exchange("").is_none() {
                // The default exchange is implicit in the topology, but messages still pass it.
                world.add(NodeKind::Exchange, vhost, "");
            }
            for x in topology.exchanges() {
                let id = world.add(NodeKind::Exchange, vhost, x.name());
                let e2e = x
                    .bindings()
                    .any(|(_, b)| matches!(b.destination, Destination::Exchange(_)));
                let alternate = x.decl.arguments.get("alternate-exchange").is_some()
                    || broker
                        .policies()
                        .exchange_alternate(vhost, x.name())
                        .is_some();
                if e2e || alternate {
                    world.multi_hop.push(id);
                }
            }
            for q in topology.queues() {
                world.add(NodeKind::Queue, vhost, &q.name);
            }
        }
        world
    }

    pub fn add(&mut self, kind: NodeKind, vhost: &str, name: &str) -> NodeId {
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        let map = match kind {
            NodeKind::Exchange => Some(&mut self.exchanges),
            NodeKind::Queue => Some(&mut self.queues),
            NodeKind::Producer
            | NodeKind::Consumer
            | NodeKind::Service
            | NodeKind::Store
            | NodeKind::Projection => None,
        };
        // A cached miss may name the node added now.
        self.by_label.clear();
        self.by_exchange_label.clear();
        self.by_slot.clear();
        if let Some(map) = map {
            map.entry(vhost.to_owned())
                .or_default()
                .insert(name.to_owned(), id);
        }
        self.nodes.push(Node {
            kind,
            vhost: vhost.to_owned(),
            name: name.to_owned(),
        });
        id
    }

    /// Notes that this exchange may forward to others (declared so by a script step).
    pub fn mark_multi_hop(&mut self, vhost: &str, exchange: &str) {
        if let Some(id) = self.exchange(vhost, exchange)
            && !self.multi_hop.contains(&id)
        {
            self.multi_hop.push(id);
        }
    }

    /// Whether a publish to this exchange may travel on to other exchanges.
    pub fn is_multi_hop(&self, exchange: NodeId) -> bool {
        self.multi_hop.contains(&exchange)
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    /// A node's name as people read it: `(AMQP default)` for the default exchange (as the
    /// management UI writes it), and the vhost beside the name of an exchange or queue outside
    /// `/` when the world has exchanges or queues of several vhosts (`orders (vhost staging)`),
    /// where the name alone would not say which is meant; hidden characters escaped
    /// ([`visible`]). `?` for an unknown id.
    pub fn title(&self, id: NodeId) -> String {
        let Some(node) = self.node(id) else {
            return "?".to_owned();
        };
        let name = match (node.kind, node.name.as_str()) {
            (NodeKind::Exchange, "") => Cow::Borrowed("(AMQP default)"),
            (_, name) => visible(name),
        };
        let broker_node = matches!(node.kind, NodeKind::Exchange | NodeKind::Queue);
        if broker_node && node.vhost != DEFAULT_VHOST && self.spans_vhosts() {
            format!("{name} (vhost {})", visible(&node.vhost))
        } else {
            name.into_owned()
        }
    }

    /// Whether exchanges or queues of more than one vhost were declared (the exchanges every
    /// vhost has aside: the default one and `amq.*`).
    pub fn spans_vhosts(&self) -> bool {
        let own = |name: &String| !name.is_empty() && !name.starts_with("amq.");
        let mut vhosts = (self.exchanges.iter())
            .filter(|(_, names)| names.keys().any(own))
            .chain(self.queues.iter())
            .map(|(vhost, _)| vhost);
        let first = vhosts.next();
        vhosts.any(|v| Some(v) != first)
    }

    pub fn exchange(&self, vhost: &str, name: &str) -> Option<NodeId> {
        self.exchanges.get(vhost)?.get(name).copied()
    }

    pub fn queue(&self, vhost: &str, name: &str) -> Option<NodeId> {
        self.queues.get(vhost)?.get(name).copied()
    }

    /// [`World::queue`] for the names a queue's events carry, remembered by the label's address.
    /// Inlined: a remembered answer (nearly every call: several per message) costs the caller
    /// the check alone; a miss goes out of line.
    #[inline]
    pub fn queue_of(&mut self, vhost: &Name, queue: &Name) -> Option<NodeId> {
        if let Some((v, _, id)) = self.by_label.get(queue)
            && Name::ptr_eq(v, vhost)
        {
            return *id;
        }
        self.queue_missed(vhost, queue)
    }

    /// [`World::queue_of`] for a label not remembered: looked up by name, then remembered.
    #[cold]
    #[inline(never)]
    fn queue_missed(&mut self, vhost: &Name, queue: &Name) -> Option<NodeId> {
        let id = self.queue(vhost, queue);
        self.by_label.insert(vhost.clone(), queue.clone(), id);
        id
    }

    /// [`World::queue`] for the queue in the broker's `slot`, whose names `names` gives: looked
    /// up by name once, then remembered by slot.
    #[inline]
    pub(crate) fn queue_in_slot(
        &mut self,
        slot: usize,
        names: impl FnOnce() -> (Name, Name),
    ) -> Option<NodeId> {
        if let Some(Some(id)) = self.by_slot.get(slot) {
            return *id;
        }
        self.slot_missed(slot, names())
    }

    #[cold]
    #[inline(never)]
    fn slot_missed(&mut self, slot: usize, (vhost, queue): (Name, Name)) -> Option<NodeId> {
        let id = self.queue(&vhost, &queue);
        if self.by_slot.len() <= slot {
            self.by_slot.resize(slot + 1, None);
        }
        if let Some(place) = self.by_slot.get_mut(slot) {
            *place = Some(id);
        }
        id
    }

    /// Forgets the nodes remembered by slot: the broker was restored to an earlier state, in
    /// which a slot may come to name another queue.
    pub(crate) fn forget_slots(&mut self) {
        self.by_slot.clear();
    }

    /// [`World::exchange`] for the exchange name a message's content shares with every publish
    /// of its route, remembered by the name's address as [`World::queue_of`] does (and inlined
    /// as it is).
    #[inline]
    pub fn exchange_of(&mut self, vhost: &str, exchange: &Name) -> Option<NodeId> {
        // The shared vhost name (see `exchange_missed`) is the same pointer: no bytes compared.
        // Another (a remembered route's) is compared inline, byte by byte: vhost names are
        // short, and a call to `memcmp` cost more than the comparison.
        if let Some((v, _, id)) = self.by_exchange_label.get(exchange)
            && (std::ptr::eq(&**v, vhost) || same_short(v, vhost))
        {
            return *id;
        }
        self.exchange_missed(vhost, exchange)
    }

    /// [`World::exchange_of`] for a name not remembered: looked up, then remembered.
    #[cold]
    #[inline(never)]
    fn exchange_missed(&mut self, vhost: &str, exchange: &Name) -> Option<NodeId> {
        let id = self.exchange(vhost, exchange);
        let vhost = self.vhost_name(vhost);
        (self.by_exchange_label).insert(vhost, exchange.clone(), id);
        id
    }

    /// `vhost` as a name shared by every caller (one allocation per vhost, not per message).
    pub fn vhost_name(&mut self, vhost: &str) -> Name {
        if let Some(name) = self.vhost_names.iter().find(|n| ***n == *vhost) {
            return name.clone();
        }
        let name = Name::from(vhost);
        if self.vhost_names.len() < MAX_VHOST_NAMES {
            self.vhost_names.push(name.clone());
        }
        name
    }

    /// The service node with this name (a flow's services and caller).
    pub fn service(&self, name: &str) -> Option<NodeId> {
        let i = self
            .nodes
            .iter()
            .position(|n| n.kind == NodeKind::Service && n.name == name)?;
        Some(NodeId(i as u32))
    }

    /// The queue nodes, in the order they were added.
    pub fn queue_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Queue)
            .map(|(i, _)| NodeId(i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_of_agrees_with_queue_by_name() {
        let mut world = World::default();
        world.add(NodeKind::Queue, "/", "a");
        let (vhost, a, b): (Name, Name, Name) = ("/".into(), "a".into(), "b".into());
        assert_eq!(world.queue_of(&vhost, &a), Some(NodeId(0)));
        // Cached: the same answer again, and for a new label with the same text.
        assert_eq!(world.queue_of(&vhost, &a), Some(NodeId(0)));
        assert_eq!(world.queue_of(&vhost, &"a".into()), Some(NodeId(0)));
        assert_eq!(world.queue_of(&"other".into(), &a), None);
        // A miss is forgotten once the node is added.
        assert_eq!(world.queue_of(&vhost, &b), None);
        world.add(NodeKind::Queue, "/", "b");
        assert_eq!(world.queue_of(&vhost, &b), Some(NodeId(1)));
    }

    #[test]
    fn a_vhost_name_is_shared() {
        let mut world = World::default();
        let (a, b) = (world.vhost_name("/"), world.vhost_name("/"));
        assert!(Name::ptr_eq(&a, &b));
        assert_eq!(&*world.vhost_name("other"), "other");
        for i in 0..MAX_VHOST_NAMES {
            world.vhost_name(&i.to_string());
        }
        assert_eq!(world.vhost_names.len(), MAX_VHOST_NAMES);
        assert!(Name::ptr_eq(&world.vhost_name("/"), &a));
    }

    #[test]
    fn exchange_of_agrees_with_exchange_by_name() {
        let mut world = World::default();
        world.add(NodeKind::Exchange, "/", "x");
        let (x, y): (Name, Name) = ("x".into(), "y".into());
        assert_eq!(world.exchange_of("/", &x), Some(NodeId(0)));
        assert_eq!(world.exchange_of("/", &x), Some(NodeId(0)));
        assert_eq!(world.exchange_of("other", &x), None);
        assert_eq!(world.exchange_of("/", &x), Some(NodeId(0)));
        assert_eq!(world.exchange_of("/", &"x".into()), Some(NodeId(0)));
        assert_eq!(world.exchange_of("/", &y), None);
        world.add(NodeKind::Exchange, "/", "y");
        assert_eq!(world.exchange_of("/", &y), Some(NodeId(1)));
        world.add(NodeKind::Queue, "/", "x");
        assert_eq!(world.exchange_of("/", &x), Some(NodeId(0)));
    }

    #[test]
    fn a_title_names_the_vhost_only_where_several_are_declared() {
        let mut world = World::default();
        for vhost in ["/", "staging"] {
            world.add(NodeKind::Exchange, vhost, "");
            world.add(NodeKind::Exchange, vhost, "amq.topic");
        }
        let orders = world.add(NodeKind::Queue, "staging", "orders");
        let producer = world.add(NodeKind::Producer, "staging", "shop");
        // The broker's own exchanges are in both vhosts; only `staging` has one of the user's.
        assert_eq!(world.title(orders), "orders");
        assert_eq!(world.title(NodeId(0)), "(AMQP default)");
        let home = world.add(NodeKind::Queue, "/", "orders");
        assert_eq!(world.title(home), "orders");
        assert_eq!(world.title(orders), "orders (vhost staging)");
        assert_eq!(world.title(NodeId(2)), "(AMQP default) (vhost staging)");
        assert_eq!(world.title(producer), "shop");
        let hidden = world.add(NodeKind::Queue, "/", "orders\u{200b}");
        assert_eq!(world.title(hidden), "orders\\u{200b}");
        assert_eq!(world.title(NodeId(99)), "?");
    }
}
