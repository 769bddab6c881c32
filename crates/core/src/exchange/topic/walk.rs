//! One routing key's walk through the [`Trie`]: from the root, every state (node, routing words
//! consumed) that the key can reach, emitting the slots of nodes reached with every word
//! consumed. `#` nodes go on from every later position; a small memo keeps each state to one
//! visit, as RabbitMQ main does, so that many `#` against a long key stay polynomial.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::super::BindingSlot;
use super::trie::{Node, NodeId, Trie};
use super::word::Word;

/// One routing key's walk through the trie. A state is a node plus how many routing words the
/// path to it has consumed.
pub(super) struct Walk<'t, 'w, 'o> {
    trie: &'t Trie,
    words: &'w [Word<'w>],
    out: &'o mut Vec<BindingSlot>,
    memo: Memo,
}

impl<'t, 'w, 'o> Walk<'t, 'w, 'o> {
    /// Pushes onto `out` the slots of every binding in `trie` that matches `words`.
    pub(super) fn run(trie: &'t Trie, words: &'w [Word<'w>], out: &'o mut Vec<BindingSlot>) {
        let mut walk = Walk {
            trie,
            words,
            out,
            memo: Memo::default(),
        };
        walk.enter(trie.root(), 0);
    }

    fn enter(&mut self, id: NodeId, pos: usize) {
        let trie = self.trie;
        let Some(node) = trie.get(id) else {
            return;
        };
        if !node.is_hash {
            self.step(node, pos);
            return;
        }
        // A `#` absorbs any number of further words: it goes on from every later position.
        let end = self.words.len() + 1;
        let positions = if node.hashes_above < 2 {
            pos..end
        } else {
            self.memo.claim(id, pos, end)
        };
        if node.is_leaf() {
            if positions.contains(&self.words.len()) {
                self.out.extend_from_slice(&node.slots);
            }
        } else {
            for at in positions {
                self.step(node, at);
            }
        }
    }

    /// Follows `node`'s edges once exactly `pos` routing words are consumed.
    fn step(&mut self, node: &Node, pos: usize) {
        if let Some(hash) = node.hash {
            self.enter(hash, pos);
        }
        match self.words.get(pos) {
            None => self.out.extend_from_slice(&node.slots),
            Some(word) => {
                if let Some(next) = self.trie.literal(node, word) {
                    self.enter(next, pos + 1);
                }
                if let Some(star) = node.star {
                    self.enter(star, pos + 1);
                }
            }
        }
    }
}

/// What one walk has done at each `#` node below another `#`. Only there can a state be reached
/// twice: above the first `#` every node is reached once at its depth, a node entered by a literal
/// or `*` is reached once per state of its parent, and a `#` node reached from several positions
/// has always gone on from its lowest one to the end of the key. So one number per such `#` node
/// (that lowest position) makes every state be visited once, as RabbitMQ main's memo does.
#[derive(Default)]
struct Memo {
    /// Linear search while few: most walks reach none or a handful of these nodes.
    few: Vec<(NodeId, usize)>,
    many: FxHashMap<u32, usize>,
}

impl Memo {
    /// Tests overflow into the map early so that both halves are exercised.
    #[cfg(not(test))]
    const FEW: usize = 16;
    #[cfg(test)]
    const FEW: usize = 2;

    /// The positions from `pos` on that `#` node `id` has not gone on from yet (of `..end`).
    fn claim(&mut self, id: NodeId, pos: usize, end: usize) -> Range<usize> {
        let lowest = if let Some(i) = self.few.iter().position(|(n, _)| *n == id) {
            self.few.get_mut(i).map(|(_, lowest)| lowest)
        } else if let Some(lowest) = self.many.get_mut(&id.0) {
            Some(lowest)
        } else if self.few.len() < Self::FEW {
            self.few.push((id, end));
            self.few.last_mut().map(|(_, lowest)| lowest)
        } else {
            Some(self.many.entry(id.0).or_insert(end))
        };
        let Some(lowest) = lowest else {
            return pos..end;
        };
        let unseen = pos..(*lowest).max(pos);
        *lowest = (*lowest).min(pos);
        unseen
    }
}
