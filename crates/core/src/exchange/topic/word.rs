//! Words as the trie compares them: split from a routing key once, each with a hash and its
//! first sixteen bytes packed into an integer, so that finding a child and confirming it is the
//! right word costs integer compares and no pointer chasing for most words. Knows nothing of
//! nodes or bindings.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Tests keep two bits of each word hash so that sibling words collide and the collision path
/// (comparing the words themselves) is exercised by every test.
#[cfg(test)]
const HASH_MASK: u64 = 0b11;
#[cfg(not(test))]
const HASH_MASK: u64 = u64::MAX;

/// How many words a routing key may have before [`split_inline`] gives up on its buffer.
pub(super) const INLINE_WORDS: usize = 16;

/// A borrowed word with its hash and packed head, computed once.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Word<'a> {
    pub(super) text: &'a str,
    pub(super) hash: u64,
    /// The first 16 bytes, little-endian, zero-padded.
    head: u128,
}

/// A word kept by a trie node, comparable with a [`Word`] without reading `text` when the word
/// has at most 16 bytes.
#[derive(Debug, Clone, Default)]
pub(super) struct OwnedWord {
    text: Box<str>,
    head: u128,
}

impl<'a> Word<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut builder = WordBuilder::default();
        for &byte in text.as_bytes() {
            builder.push(byte);
        }
        builder.finish(text)
    }

    pub(super) fn to_owned_word(self) -> OwnedWord {
        OwnedWord {
            text: self.text.into(),
            head: self.head,
        }
    }
}

/// Hashes a word byte by byte, so that splitting a key and hashing its words is one pass.
#[derive(Default)]
struct WordBuilder {
    /// FxHash (rustc's): a multiply per 8-byte chunk; collisions are resolved by comparing the
    /// words.
    hasher: FxHasher,
    /// Bytes of the current 8-byte chunk, little-endian; `filled` of them so far.
    chunk: u64,
    filled: u32,
    chunks: u32,
    head: u128,
}

impl WordBuilder {
    fn push(&mut self, byte: u8) {
        self.chunk |= u64::from(byte) << (8 * self.filled);
        self.filled += 1;
        if self.filled == 8 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.hasher.write_u64(self.chunk);
        if self.chunks < 2 {
            self.head |= u128::from(self.chunk) << (64 * self.chunks);
        }
        self.chunks += 1;
        self.chunk = 0;
        self.filled = 0;
    }

    /// The word, whose bytes were all pushed.
    fn finish(mut self, text: &str) -> Word<'_> {
        if self.filled > 0 {
            self.flush();
        }
        self.hasher.write_u64(text.len() as u64);
        Word {
            text,
            hash: self.hasher.finish() & HASH_MASK,
            head: self.head,
        }
    }
}

impl OwnedWord {
    pub(super) fn is(&self, word: &Word<'_>) -> bool {
        self.head == word.head
            && self.text.len() == word.text.len()
            && (word.text.len() <= 16 || *self.text == *word.text)
    }
}

/// Splits and hashes `key` into `buffer` in one pass over its bytes (`str::split` and then
/// hashing took half of routing time for small tries); `None` if it has more words than the
/// buffer holds. `""` is zero words.
pub(super) fn split_inline<'k, 'b>(
    key: &'k str,
    buffer: &'b mut [Word<'k>; INLINE_WORDS],
) -> Option<&'b [Word<'k>]> {
    if key.is_empty() {
        return Some(&[]);
    }
    let mut count = 0;
    let mut start = 0;
    let mut builder = WordBuilder::default();
    for (i, &byte) in key.as_bytes().iter().enumerate() {
        if byte == b'.' {
            let word = std::mem::take(&mut builder).finish(key.get(start..i)?);
            *buffer.get_mut(count)? = word;
            count += 1;
            start = i + 1;
        } else {
            builder.push(byte);
        }
    }
    *buffer.get_mut(count)? = builder.finish(key.get(start..)?);
    buffer.get(..=count)
}
