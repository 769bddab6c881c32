//! The benchmark's workloads and the engines compared: a seeded generator of binding and routing
//! keys, the naive scan with the reference backtracking matcher, and zenoh-keyexpr's `KeBoxTree`.

use switchyard_core::Profile;
use switchyard_core::Table;
use switchyard_core::exchange::topic::Topic;
use switchyard_core::exchange::{BindingSlot, Matcher, RoutingInput};
use zenoh_keyexpr::OwnedKeyExpr;
use zenoh_keyexpr::keyexpr_tree::{
    IKeyExprTree, IKeyExprTreeMut, IKeyExprTreeNode, IKeyExprTreeNodeMut, KeBoxTree,
};

/// SplitMix64: a seeded, deterministic generator (no `rand` crate).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SYLLABLES: [&str; 20] = [
    "ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "bo", "da", "fi", "gu", "he", "jo",
    "ly", "mo", "ne", "wi",
];

/// 300 distinct words (`kalo`, `kami`, ...), never empty and never `*`/`#`, so zenoh can express
/// every key.
pub fn vocabulary() -> Vec<String> {
    let mut words = Vec::new();
    for a in SYLLABLES {
        for b in SYLLABLES {
            if words.len() < 300 {
                words.push(format!("{a}{b}"));
            }
        }
    }
    words
}

/// Picks a word with a skew towards the front of the vocabulary, as real topic names cluster.
fn word<'v>(rng: &mut Rng, vocabulary: &'v [String]) -> &'v str {
    let u = rng.unit();
    let i = (u * u * vocabulary.len() as f64) as usize;
    vocabulary[i.min(vocabulary.len() - 1)].as_str()
}

/// A binding key of 3–6 words: mostly vocabulary words, ~12% `*`, ~3% `#` (at most two, so
/// RabbitMQ 4.3.5+ accepts it).
pub fn binding_key(rng: &mut Rng, vocabulary: &[String]) -> String {
    loop {
        let n = 3 + rng.below(4);
        let key = (0..n)
            .map(|_| match rng.below(100) {
                0..=11 => "*",
                12..=14 => "#",
                _ => word(rng, vocabulary),
            })
            .collect::<Vec<_>>()
            .join(".");
        if Topic::validate(&key, &Table::new(), Profile::RabbitMq4).is_ok() {
            return key;
        }
    }
}

/// A routing key of 3–6 vocabulary words.
pub fn routing_key(rng: &mut Rng, vocabulary: &[String]) -> String {
    let n = 3 + rng.below(4);
    (0..n)
        .map(|_| word(rng, vocabulary))
        .collect::<Vec<_>>()
        .join(".")
}

/// Splits like the broker: `""` is zero words, otherwise every `.` splits.
pub fn split(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

/// RabbitMQ's `ref_match/2`: plain backtracking.
pub fn ref_match(binding: &[Box<str>], routing: &[&str]) -> bool {
    match binding.split_first() {
        None => routing.is_empty(),
        Some((first, rest)) => match first.as_ref() {
            "#" => (0..=routing.len()).any(|i| ref_match(rest, &routing[i..])),
            "*" => !routing.is_empty() && ref_match(rest, &routing[1..]),
            w => routing.first() == Some(&w) && ref_match(rest, &routing[1..]),
        },
    }
}

/// Every engine routes one key to the sorted, deduplicated slots of the bindings it matches.
pub struct Engines {
    pub trie: Topic,
    /// Binding keys split into words once, at bind time.
    pub naive: Vec<(BindingSlot, Vec<Box<str>>)>,
    pub zenoh: KeBoxTree<Vec<BindingSlot>>,
}

impl Engines {
    pub fn new(bindings: &[String]) -> Self {
        let mut trie = Topic::default();
        let mut naive = Vec::new();
        let mut zenoh: KeBoxTree<Vec<BindingSlot>> = KeBoxTree::new();
        for (i, key) in bindings.iter().enumerate() {
            let slot = BindingSlot(i as u32);
            trie.insert(slot, key, &Table::new());
            naive.push((slot, split(key).into_iter().map(Box::from).collect()));
            let node = zenoh.node_mut_or_create(&zenoh_pattern(key));
            match node.weight_mut() {
                Some(slots) => slots.push(slot),
                None => {
                    node.insert_weight(vec![slot]);
                }
            }
        }
        Engines { trie, naive, zenoh }
    }

    pub fn trie(&self, key: &[String], out: &mut Vec<BindingSlot>) {
        out.clear();
        let headers = Table::new();
        let msg = RoutingInput {
            keys: key,
            headers: &headers,
        };
        self.trie.matches(&msg, Profile::RabbitMq4, out);
        out.sort_unstable();
        out.dedup();
    }

    pub fn naive(&self, key: &str, out: &mut Vec<BindingSlot>) {
        out.clear();
        let words = split(key);
        for (slot, binding) in &self.naive {
            if ref_match(binding, &words) {
                out.push(*slot);
            }
        }
    }

    pub fn zenoh(&self, key: &OwnedKeyExpr, out: &mut Vec<BindingSlot>) {
        out.clear();
        for node in self.zenoh.nodes_including(key) {
            if let Some(slots) = node.weight() {
                out.extend_from_slice(slots);
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// An AMQP binding key in zenoh syntax: `.`→`/`, `#`→`**`, canonised (`**/**`→`**`).
pub fn zenoh_pattern(key: &str) -> OwnedKeyExpr {
    let chunks: Vec<&str> = split(key)
        .into_iter()
        .map(|w| if w == "#" { "**" } else { w })
        .collect();
    OwnedKeyExpr::autocanonize(chunks.join("/")).expect("expressible in zenoh")
}

/// A routing key in zenoh syntax (converted before timing, in zenoh's favour).
pub fn zenoh_key(key: &str) -> OwnedKeyExpr {
    OwnedKeyExpr::new(key.replace('.', "/")).expect("expressible in zenoh")
}
