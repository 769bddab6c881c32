//! Direct exchange: a binding matches when its binding key is byte-equal to one of the
//! message's routing keys. Binding arguments are ignored; matching is case-sensitive.

use std::collections::HashMap;
use std::fmt;

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::profile::Profile;
use crate::shown::Code;
use crate::value::Table;

#[derive(Debug, Clone, Default)]
pub struct Direct {
    by_key: HashMap<String, Vec<BindingSlot>>,
}

/// The binding key and the routing key that equalled it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub binding_key: String,
    pub routing_keys: Vec<String>,
    pub equal_to: Option<String>,
}

impl Matcher for Direct {
    type Explanation = Explanation;

    fn validate(_key: &str, _args: &Table, _profile: Profile) -> Result<(), BrokerError> {
        Ok(())
    }

    fn insert(&mut self, slot: BindingSlot, key: &str, _args: &Table) {
        self.by_key.entry(key.to_owned()).or_default().push(slot);
    }

    fn remove(&mut self, slot: BindingSlot, key: &str, _args: &Table) {
        if let Some(slots) = self.by_key.get_mut(key) {
            slots.retain(|s| *s != slot);
            if slots.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    fn matches(&self, msg: &RoutingInput<'_>, _profile: Profile, out: &mut Vec<BindingSlot>) {
        for key in msg.keys {
            if let Some(slots) = self.by_key.get(key.as_str()) {
                out.extend_from_slice(slots);
            }
        }
    }

    fn explain(
        key: &str,
        _args: &Table,
        msg: &RoutingInput<'_>,
        _profile: Profile,
    ) -> (bool, Explanation) {
        let equal_to = msg.keys.iter().find(|k| k.as_str() == key).cloned();
        let explanation = Explanation {
            binding_key: key.to_owned(),
            routing_keys: msg.keys.to_vec(),
            equal_to,
        };
        (explanation.equal_to.is_some(), explanation)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.equal_to {
            Some(k) => write!(
                f,
                "binding key {} equals routing key {}",
                Code(&self.binding_key),
                Code(k)
            ),
            None => write!(
                f,
                "binding key {} equals none of the routing keys {} (direct compares whole keys, byte for byte)",
                Code(&self.binding_key),
                super::quote_list(&self.routing_keys)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bindings: &[&str], keys: &[&str], expected: &[u32]) {
        let mut index = Direct::default();
        for (i, key) in bindings.iter().enumerate() {
            index.insert(BindingSlot(i as u32), key, &Table::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let headers = Table::new();
        let msg = RoutingInput {
            keys: &keys,
            headers: &headers,
        };
        let mut out = Vec::new();
        index.matches(&msg, Profile::default(), &mut out);
        out.sort();
        out.dedup();
        assert_eq!(
            out,
            expected.iter().map(|&i| BindingSlot(i)).collect::<Vec<_>>(),
            "{bindings:?} {keys:?}"
        );
        for (i, key) in bindings.iter().enumerate() {
            let (matched, _) = Direct::explain(key, &Table::new(), &msg, Profile::default());
            assert_eq!(
                matched,
                expected.contains(&(i as u32)),
                "explain {key} {keys:?}"
            );
        }
    }

    #[test]
    fn direct_matching() {
        check(&["k", "K"], &["k"], &[0]);
        check(&["k", "K"], &["K"], &[1]);
        check(&["k", ""], &[""], &[1]);
        check(&["a", "b", "c"], &["a", "c"], &[0, 2]);
        check(&["a.*"], &["a.b"], &[]);
        check(&["a", "a"], &["a"], &[0, 1]);
        check(&["orange"], &[], &[]);
    }

    #[test]
    fn removing_one_of_two_equal_keys_keeps_the_other() {
        let mut index = Direct::default();
        index.insert(BindingSlot(0), "a", &Table::new());
        index.insert(BindingSlot(1), "a", &Table::new());
        index.remove(BindingSlot(0), "a", &Table::new());
        let keys = vec!["a".to_string()];
        let headers = Table::new();
        let mut out = Vec::new();
        index.matches(
            &RoutingInput {
                keys: &keys,
                headers: &headers,
            },
            Profile::default(),
            &mut out,
        );
        assert_eq!(out, vec![BindingSlot(1)]);
    }
}
