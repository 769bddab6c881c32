//! Why one topic binding matches a message or not, as data a UI can draw: the binding key and
//! each routing key aligned word by word. The alignment is found by a depth-first search over
//! (binding word, routing word) states that tries `#` absorbing as few words as possible first,
//! so the match shown is the leftmost-shortest one. A failed search reports its furthest dead
//! end: most binding words aligned, then most routing words consumed. This module shares only
//! `words` with the trie; the property test checks that both agree.

use std::fmt;
use std::ops::Range;

use super::words;
use crate::shown::Code;

/// One binding's verdict against every routing key of a message (publish key, then CC/BCC).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub binding_key: String,
    pub binding_words: Vec<String>,
    pub per_key: Vec<KeyAlignment>,
}

/// The binding key aligned against one routing key. `steps[i]` says what binding word `i` took;
/// on a match every binding word has a step, on a failure the steps are the partial alignment
/// that got furthest and `failure` says why it could not go on.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAlignment {
    pub routing_key: String,
    pub routing_words: Vec<String>,
    pub steps: Vec<Step>,
    pub failure: Option<Failure>,
}

/// What one binding word took from the routing key. `at` and `range` index `routing_words`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A literal binding word equal to routing word `at`.
    Literal { word: String, at: usize },
    /// `*` took routing word `at` (which may be the empty word).
    Star { word: String, at: usize },
    /// `#` absorbed the routing words in `range` (possibly none, then `range` is empty at the
    /// position where it stood).
    Hash {
        words: Vec<String>,
        range: Range<usize>,
    },
}

/// Why the furthest partial alignment stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Binding word `binding_at` (a literal) differs from routing word `at`.
    LiteralDiffers {
        expected: String,
        binding_at: usize,
        found: String,
        at: usize,
    },
    /// The routing key ran out of words while binding words from `binding_at` on were left.
    RoutingKeyTooShort {
        binding_at: usize,
        remaining: Vec<String>,
    },
    /// The binding key ended while routing words from `from` on were left over.
    RoutingKeyTooLong { from: usize, left_over: Vec<String> },
}

impl KeyAlignment {
    pub fn matched(&self) -> bool {
        self.failure.is_none()
    }
}

impl Explanation {
    pub fn matched(&self) -> bool {
        self.per_key.iter().any(KeyAlignment::matched)
    }
}

/// Explains `binding_key` against every routing key.
pub(super) fn explain(binding_key: &str, routing_keys: &[String]) -> Explanation {
    let binding = words(binding_key);
    Explanation {
        binding_key: binding_key.to_owned(),
        binding_words: binding.iter().map(|w| (*w).to_owned()).collect(),
        per_key: routing_keys
            .iter()
            .map(|key| align(&binding, key))
            .collect(),
    }
}

fn align(binding: &[&str], routing_key: &str) -> KeyAlignment {
    let routing = words(routing_key);
    let mut search = Search::new(binding, &routing);
    let found = search.run(0, 0);
    let end = if found {
        (binding.len(), routing.len())
    } else {
        search.furthest_dead_end()
    };
    KeyAlignment {
        routing_key: routing_key.to_owned(),
        routing_words: owned(&routing),
        steps: search.steps_to(end),
        failure: (!found).then(|| failure_at(binding, &routing, end)),
    }
}

/// A state `(i, j)`: binding words before `i` aligned with routing words before `j`. When binding
/// word `i` is `#`, it may absorb routing word `j` (to `(i, j + 1)`) or stop (to `(i + 1, j)`).
struct Search<'a> {
    binding: &'a [&'a str],
    routing: &'a [&'a str],
    /// For each state, the state it was first reached from (`usize::MAX` if never).
    parent: Vec<usize>,
}

const UNSEEN: usize = usize::MAX;

impl<'a> Search<'a> {
    fn new(binding: &'a [&'a str], routing: &'a [&'a str]) -> Self {
        let states = (binding.len() + 1) * (routing.len() + 1);
        Search {
            binding,
            routing,
            parent: vec![UNSEEN; states],
        }
    }

    fn index(&self, i: usize, j: usize) -> usize {
        i * (self.routing.len() + 1) + j
    }

    /// Depth-first from `(i, j)`, `#` stopping before absorbing; true once the end is reached.
    /// Each state is expanded once, so this is O(binding words × routing words).
    fn run(&mut self, i: usize, j: usize) -> bool {
        let here = self.index(i, j);
        let mut stack = vec![(i, j)];
        if let Some(p) = self.parent.get_mut(here) {
            *p = here;
        }
        while let Some((i, j)) = stack.pop() {
            if i == self.binding.len() && j == self.routing.len() {
                return true;
            }
            let from = self.index(i, j);
            // Pushed in reverse preference order: the last pushed is expanded first.
            for (ni, nj) in self.successors(i, j).into_iter().rev().flatten() {
                let next = self.index(ni, nj);
                if let Some(p) = self.parent.get_mut(next)
                    && *p == UNSEEN
                {
                    *p = from;
                    stack.push((ni, nj));
                }
            }
        }
        false
    }

    /// The states reachable in one move from `(i, j)`, preferred first.
    fn successors(&self, i: usize, j: usize) -> [Option<(usize, usize)>; 2] {
        let word = self.binding.get(i);
        let routing_word = self.routing.get(j);
        match (word, routing_word) {
            (Some(&"#"), Some(_)) => [Some((i + 1, j)), Some((i, j + 1))],
            (Some(&"#"), None) => [Some((i + 1, j)), None],
            (Some(&"*"), Some(_)) => [Some((i + 1, j + 1)), None],
            (Some(b), Some(r)) if b == r => [Some((i + 1, j + 1)), None],
            _ => [None, None],
        }
    }

    /// The reached state with no way on that aligned the most binding words, then routing words.
    fn furthest_dead_end(&self) -> (usize, usize) {
        let columns = self.routing.len() + 1;
        (0..self.parent.len())
            .filter(|&s| self.parent.get(s).is_some_and(|p| *p != UNSEEN))
            .map(|s| (s / columns, s % columns))
            .filter(|&(i, j)| self.successors(i, j) == [None, None])
            .max()
            .unwrap_or((0, 0))
    }

    /// The alignment steps along the first-found path from `(0, 0)` to `end`.
    fn steps_to(&self, end: (usize, usize)) -> Vec<Step> {
        let mut path = vec![end];
        let mut at = self.index(end.0, end.1);
        let columns = self.routing.len() + 1;
        while let Some(&p) = self.parent.get(at) {
            if p == at || p == UNSEEN {
                break;
            }
            path.push((p / columns, p % columns));
            at = p;
        }
        path.reverse();
        self.steps_along(&path)
    }

    fn steps_along(&self, path: &[(usize, usize)]) -> Vec<Step> {
        let mut steps = Vec::new();
        // Where the `#` being walked started absorbing, if binding word `i` is a `#`.
        let mut hash_from = None;
        for pair in path.windows(2) {
            let (Some(&(i, j)), Some(&(ni, _))) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let word = self.binding.get(i).copied().unwrap_or_default();
            if word == "#" {
                let from = *hash_from.get_or_insert(j);
                if ni > i {
                    hash_from = None;
                    let absorbed = self.routing.get(from..j).unwrap_or_default();
                    steps.push(Step::Hash {
                        words: owned(absorbed),
                        range: from..j,
                    });
                }
                continue;
            }
            let taken = self.routing.get(j).copied().unwrap_or_default().to_owned();
            steps.push(if word == "*" {
                Step::Star { word: taken, at: j }
            } else {
                Step::Literal { word: taken, at: j }
            });
        }
        steps
    }
}

fn failure_at(binding: &[&str], routing: &[&str], (i, j): (usize, usize)) -> Failure {
    match (binding.get(i), routing.get(j)) {
        (Some(expected), Some(found)) => Failure::LiteralDiffers {
            expected: (*expected).to_owned(),
            binding_at: i,
            found: (*found).to_owned(),
            at: j,
        },
        (Some(_), None) => Failure::RoutingKeyTooShort {
            binding_at: i,
            remaining: owned(binding.get(i..).unwrap_or_default()),
        },
        (None, _) => Failure::RoutingKeyTooLong {
            from: j,
            left_over: owned(routing.get(j..).unwrap_or_default()),
        },
    }
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// A word as the terminal shows it: in backticks, or `(empty word)`.
struct Word<'a>(&'a str);

impl fmt::Display for Word<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(empty word)")
        } else {
            Code(self.0).fmt(f)
        }
    }
}

/// Consecutive words as the terminal shows them: `` `c.d` ``, or `(empty word)` for one empty word.
struct Words<'a>(&'a [String]);

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Word(&self.0.join(".")).fmt(f)
    }
}

/// A whole key: in backticks, or `(empty key)`.
struct Key<'a>(&'a str);

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(empty key)")
        } else {
            Code(self.0).fmt(f)
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Literal { word, .. } => write!(f, "{}={}", Word(word), Word(word)),
            Step::Star { word, .. } => write!(f, "`*` took {}", Word(word)),
            Step::Hash { words, .. } if words.is_empty() => f.write_str("`#` absorbed nothing"),
            Step::Hash { words, .. } => write!(f, "`#` absorbed {}", Words(words)),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::LiteralDiffers {
                expected,
                found,
                at,
                ..
            } => write!(
                f,
                "{}≠{} (routing word {})",
                Word(expected),
                Word(found),
                at + 1
            ),
            Failure::RoutingKeyTooShort { remaining, .. } => write!(
                f,
                "the routing key ran out of words while the binding still had {}",
                Words(remaining)
            ),
            Failure::RoutingKeyTooLong { left_over, .. } => write!(
                f,
                "the binding key ended with {} left over in the routing key",
                Words(left_over)
            ),
        }
    }
}

impl fmt::Display for KeyAlignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.matched() {
            "matches"
        } else {
            "does not match"
        };
        write!(f, "{verb} routing key {}", Key(&self.routing_key))?;
        let mut separator = ": ";
        for step in &self.steps {
            write!(f, "{separator}{step}")?;
            separator = ", ";
        }
        if let Some(failure) = &self.failure {
            write!(f, "{separator}{failure}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per_key.is_empty() {
            return write!(
                f,
                "binding key {} matches nothing: the message has no routing key",
                Key(&self.binding_key)
            );
        }
        for (n, key) in self.per_key.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "binding key {} {key}", Key(&self.binding_key))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
