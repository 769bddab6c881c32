//! Topic exchange (interim naive version; to be replaced by the trie).

use std::fmt;

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::profile::Profile;
use crate::value::Table;

#[derive(Debug, Clone, Default)]
pub struct Topic {
    bindings: Vec<(BindingSlot, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub binding_key: String,
    pub matched_key: Option<String>,
}

/// Splits a key into words: `""` is zero words, otherwise every `.` splits (empty words count).
pub fn words(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

fn matches_words(pattern: &[&str], words: &[&str]) -> bool {
    match pattern.split_first() {
        None => words.is_empty(),
        Some((&"#", rest)) => {
            (0..=words.len()).any(|i| matches_words(rest, words.get(i..).unwrap_or(&[])))
        }
        Some((&p, rest)) => match words.split_first() {
            Some((&w, tail)) => (p == "*" || p == w) && matches_words(rest, tail),
            None => false,
        },
    }
}

impl Matcher for Topic {
    type Explanation = Explanation;

    fn validate(key: &str, _args: &Table, profile: Profile) -> Result<(), BrokerError> {
        super::check_key_length(key, "binding key")?;
        let hashes = words(key).iter().filter(|w| **w == "#").count();
        match profile.max_hash_words() {
            Some(limit) if hashes > limit => Err(BrokerError::TooManyHashWords {
                key: key.to_owned(),
                given: hashes,
                limit,
            }),
            _ => Ok(()),
        }
    }

    fn insert(&mut self, slot: BindingSlot, key: &str, _args: &Table) {
        self.bindings.push((slot, key.to_owned()));
    }

    fn remove(&mut self, slot: BindingSlot, _key: &str, _args: &Table) {
        self.bindings.retain(|(s, _)| *s != slot);
    }

    fn matches(&self, msg: &RoutingInput<'_>, _profile: Profile, out: &mut Vec<BindingSlot>) {
        for (slot, key) in &self.bindings {
            if msg
                .keys
                .iter()
                .any(|k| matches_words(&words(key), &words(k)))
            {
                out.push(*slot);
            }
        }
    }

    fn explain(
        key: &str,
        _args: &Table,
        msg: &RoutingInput<'_>,
        _profile: Profile,
    ) -> (bool, Explanation) {
        let matched_key = msg
            .keys
            .iter()
            .find(|k| matches_words(&words(key), &words(k)))
            .cloned();
        (
            matched_key.is_some(),
            Explanation {
                binding_key: key.to_owned(),
                matched_key,
            },
        )
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.matched_key {
            Some(k) => write!(
                f,
                "binding key `{}` matches routing key `{k}`",
                self.binding_key
            ),
            None => write!(
                f,
                "binding key `{}` matches no routing key",
                self.binding_key
            ),
        }
    }
}
