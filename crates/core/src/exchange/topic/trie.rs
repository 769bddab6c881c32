//! The topic exchange's binding index: a trie over binding-key words, as
//! `rabbit_db_topic_exchange.erl` keeps one. Each node has its literal children (a hash table
//! from `children`), a `*` child, a `#` child and the slots of the bindings whose key ends there.
//! Nodes live in an arena whose freed places are reused, so memory stays bounded by the largest
//! the trie has been. Routing is `walk`'s; this module knows words and slots, not messages.

use super::super::BindingSlot;
use super::children::Children;
use super::walk::Walk;
use super::word::{INLINE_WORDS, OwnedWord, Word, split_inline};
use super::words;

/// A node's place in the trie's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NodeId(pub(super) u32);

#[derive(Debug, Clone, Default)]
pub(super) struct Node {
    /// The literal word that leads here (empty for the root, `*` and `#` nodes).
    word: OwnedWord,
    /// Literal children by the hash of their word; equal hashes are told apart by `word`.
    literals: Children,
    pub(super) star: Option<NodeId>,
    pub(super) hash: Option<NodeId>,
    /// Bindings whose key ends here, sorted.
    pub(super) slots: Vec<BindingSlot>,
    /// Whether this node was reached through a `#` edge.
    pub(super) is_hash: bool,
    /// `#` edges from the root to here, this node's own included; only `#` nodes with two or
    /// more need the walk's memo.
    pub(super) hashes_above: u16,
}

impl Node {
    pub(super) fn is_leaf(&self) -> bool {
        self.literals.is_empty() && self.star.is_none() && self.hash.is_none()
    }

    fn is_unused(&self) -> bool {
        self.slots.is_empty() && self.is_leaf()
    }
}

/// How a binding-key word leads from a node to its child.
#[derive(Debug, Clone, Copy)]
enum Edge<'a> {
    Literal(Word<'a>),
    Star,
    Hash,
}

impl<'a> Edge<'a> {
    fn of(word: &'a str) -> Self {
        match word {
            "*" => Edge::Star,
            "#" => Edge::Hash,
            _ => Edge::Literal(Word::new(word)),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Trie {
    nodes: Vec<Node>,
    free: Vec<NodeId>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![Node::default()],
            free: Vec::new(),
        }
    }
}

impl Trie {
    pub(super) fn insert(&mut self, slot: BindingSlot, key: &str) {
        let mut at = self.root();
        for word in words(key) {
            match self.child_or_create(at, Edge::of(word)) {
                Some(next) => at = next,
                None => return,
            }
        }
        if let Some(node) = self.get_mut(at)
            && let Err(i) = node.slots.binary_search(&slot)
        {
            node.slots.insert(i, slot);
        }
    }

    /// Removes one binding and prunes the nodes it alone kept alive.
    pub(super) fn remove(&mut self, slot: BindingSlot, key: &str) {
        let mut path = Vec::new();
        let mut at = self.root();
        for word in words(key) {
            let edge = Edge::of(word);
            let Some(next) = self.get(at).and_then(|n| self.child(n, edge)) else {
                return;
            };
            path.push(at);
            at = next;
        }
        if let Some(node) = self.get_mut(at)
            && let Ok(i) = node.slots.binary_search(&slot)
        {
            node.slots.remove(i);
        }
        while let Some(parent) = path.pop() {
            if !self.get(at).is_some_and(Node::is_unused) {
                break;
            }
            self.unlink(parent, at);
            self.release(at);
            at = parent;
        }
    }

    /// Pushes the slots of every binding whose key matches `routing_key`.
    pub(super) fn collect(&self, routing_key: &str, out: &mut Vec<BindingSlot>) {
        let mut buffer = [Word::default(); INLINE_WORDS];
        match split_inline(routing_key, &mut buffer) {
            Some(words) => Walk::run(self, words, out),
            None => {
                // More words than the buffer holds: rare, so allocating is fine.
                let all: Vec<Word<'_>> = words(routing_key).into_iter().map(Word::new).collect();
                Walk::run(self, &all, out);
            }
        }
    }

    /// Nodes in use, the root included (for tests of pruning).
    #[cfg(test)]
    pub(super) fn live_nodes(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    pub(super) fn root(&self) -> NodeId {
        NodeId(0)
    }

    pub(super) fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id.0 as usize)
    }

    /// `parent`'s literal child for `word`.
    pub(super) fn literal(&self, parent: &Node, word: &Word<'_>) -> Option<NodeId> {
        parent.literals.find(word.hash, |id| {
            self.get(id).is_some_and(|n| n.word.is(word))
        })
    }

    fn child(&self, node: &Node, edge: Edge<'_>) -> Option<NodeId> {
        match edge {
            Edge::Literal(word) => self.literal(node, &word),
            Edge::Star => node.star,
            Edge::Hash => node.hash,
        }
    }

    fn child_or_create(&mut self, at: NodeId, edge: Edge<'_>) -> Option<NodeId> {
        let parent = self.get(at)?;
        if let Some(existing) = self.child(parent, edge) {
            return Some(existing);
        }
        let is_hash = matches!(edge, Edge::Hash);
        let id = self.allocate(Node {
            word: match edge {
                Edge::Literal(word) => word.to_owned_word(),
                Edge::Star | Edge::Hash => OwnedWord::default(),
            },
            is_hash,
            hashes_above: parent.hashes_above.saturating_add(u16::from(is_hash)),
            ..Node::default()
        })?;
        let parent = self.get_mut(at)?;
        match edge {
            Edge::Star => parent.star = Some(id),
            Edge::Hash => parent.hash = Some(id),
            Edge::Literal(word) => parent.literals.insert(word.hash, id),
        }
        Some(id)
    }

    fn allocate(&mut self, node: Node) -> Option<NodeId> {
        if let Some(id) = self.free.pop()
            && let Some(place) = self.get_mut(id)
        {
            *place = node;
            return Some(id);
        }
        let id = NodeId(u32::try_from(self.nodes.len()).ok()?);
        self.nodes.push(node);
        Some(id)
    }

    fn unlink(&mut self, parent: NodeId, child: NodeId) {
        if let Some(parent) = self.get_mut(parent) {
            if parent.star == Some(child) {
                parent.star = None;
            }
            if parent.hash == Some(child) {
                parent.hash = None;
            }
            parent.literals.remove(child);
        }
    }

    fn release(&mut self, id: NodeId) {
        if let Some(node) = self.get_mut(id) {
            *node = Node::default();
            self.free.push(id);
        }
    }
}
