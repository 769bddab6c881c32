//! Fanout exchange: every binding matches, whatever the routing key or headers.

use std::fmt;

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::profile::Profile;
use crate::value::Table;

#[derive(Debug, Clone, Default)]
pub struct Fanout {
    slots: Vec<BindingSlot>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation;

impl Matcher for Fanout {
    type Explanation = Explanation;

    fn validate(_key: &str, _args: &Table, _profile: Profile) -> Result<(), BrokerError> {
        Ok(())
    }

    fn insert(&mut self, slot: BindingSlot, _key: &str, _args: &Table) {
        self.slots.push(slot);
    }

    fn remove(&mut self, slot: BindingSlot, _key: &str, _args: &Table) {
        self.slots.retain(|s| *s != slot);
    }

    fn matches(&self, _msg: &RoutingInput<'_>, _profile: Profile, out: &mut Vec<BindingSlot>) {
        out.extend_from_slice(&self.slots);
    }

    fn explain(
        _key: &str,
        _args: &Table,
        _msg: &RoutingInput<'_>,
        _profile: Profile,
    ) -> (bool, Explanation) {
        (true, Explanation)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fanout copies every message to every binding; the routing key is ignored")
    }
}
