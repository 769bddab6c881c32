//! The in-flight scan's scratch set: which (message, slot) pairs one scan has met, a slot
//! being a node the message left or its signal back to the producer. Ids in flight sit close
//! together, so it is a bit per pair over their span, cleared per scan without allocating
//! (a hash set when the span is too wide). Plain data, tested natively.

use switchyard_core::MessageId;

use crate::stage::geometry::FastSet;

/// Pairs of a message and a slot (a node it left, or a signal back to its producer), for one
/// scan: a bit per pair over the span of ids in the scan, which the messages in flight keep
/// narrow (a hash set when it is not).
#[derive(Default)]
pub struct Seen {
    first: u64,
    /// Slots per message.
    stride: u64,
    bits: Vec<u64>,
    /// `None` while the bits serve.
    wide: Option<FastSet<(MessageId, u64)>>,
}

/// The most bits the set keeps (then 128 KB of them); past it, a hash set.
const NARROW: u64 = 1 << 20;

impl Seen {
    /// Empties the set, for ids from `lo` to `hi` with `stride` slots each.
    pub fn reset(&mut self, (lo, hi): (u64, u64), stride: u64) {
        self.bits.clear();
        let bits = hi
            .saturating_sub(lo)
            .saturating_add(1)
            .saturating_mul(stride.max(1));
        if bits <= NARROW {
            (self.first, self.stride) = (lo, stride.max(1));
            self.bits
                .resize(usize::try_from(bits / 64 + 1).unwrap_or(0), 0);
            self.wide = None;
        } else {
            self.wide.get_or_insert_with(FastSet::default).clear();
        }
    }

    /// Adds the pair; `true` if it was not there.
    pub fn insert(&mut self, m: MessageId, slot: u64) -> bool {
        if let Some(wide) = self.wide.as_mut() {
            return wide.insert((m, slot));
        }
        // Outside the span given to `reset` (a caller's mistake): counted as new.
        let Some((word, mask)) = self.locate(m, slot) else {
            return true;
        };
        let Some(word) = self.bits.get_mut(word) else {
            return true;
        };
        let new = *word & mask == 0;
        *word |= mask;
        new
    }

    pub fn contains(&self, m: MessageId, slot: u64) -> bool {
        if let Some(wide) = self.wide.as_ref() {
            return wide.contains(&(m, slot));
        }
        self.locate(m, slot)
            .and_then(|(word, mask)| Some(self.bits.get(word)? & mask != 0))
            .unwrap_or(false)
    }

    /// The word and bit of a pair.
    fn locate(&self, m: MessageId, slot: u64) -> Option<(usize, u64)> {
        if slot >= self.stride {
            return None;
        }
        let bit = m.0.checked_sub(self.first)?.checked_mul(self.stride)? + slot;
        Some((usize::try_from(bit / 64).ok()?, 1 << (bit % 64)))
    }
}
