//! One exchange as the topology stores it: its declaration, its bindings (those where it is the
//! source) in a slot table with identity by (destination, key, sorted arguments), and its
//! exchange type's index over them. It knows nothing of other exchanges or of queues.

use std::collections::HashMap;

use super::{Destination, ExchangeDecl};
use crate::exchange::{BindingSlot, ExchangeType, Index, RoutingInput};
use crate::profile::Profile;
use crate::value::Table;
use crate::vec_map::sort_dedup;

/// A binding as stored on its source exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub destination: Destination,
    pub key: String,
    pub arguments: Table,
}

/// A declared exchange with its bindings (those where it is the source).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub decl: ExchangeDecl,
    slots: Vec<Option<Binding>>,
    free: Vec<u32>,
    identity: HashMap<(Destination, String, String), BindingSlot>,
    pub(crate) index: Index,
}

impl Exchange {
    pub(super) fn new(decl: ExchangeDecl) -> Self {
        let index = Index::new(decl.kind);
        Exchange {
            decl,
            slots: Vec::new(),
            free: Vec::new(),
            identity: HashMap::new(),
            index,
        }
    }

    pub fn name(&self) -> &str {
        &self.decl.name
    }

    pub fn kind(&self) -> ExchangeType {
        self.decl.kind
    }

    pub fn binding(&self, slot: BindingSlot) -> Option<&Binding> {
        self.slots.get(slot.0 as usize).and_then(Option::as_ref)
    }

    /// The bindings whose source is this exchange, in the order they were made.
    pub fn bindings(&self) -> impl Iterator<Item = (BindingSlot, &Binding)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.as_ref().map(|b| (BindingSlot(i as u32), b)))
    }

    pub fn binding_count(&self) -> usize {
        self.identity.len()
    }

    /// The distinct destinations of this exchange's own matching bindings (no e2e walk, no
    /// alternate exchange), from the type's index.
    pub fn matching_destinations(
        &self,
        msg: &RoutingInput<'_>,
        profile: Profile,
    ) -> Vec<&Destination> {
        let mut slots = Vec::new();
        self.index.matches(msg, profile, &mut slots);
        let mut destinations: Vec<&Destination> = (slots.iter())
            .filter_map(|s| self.binding(*s))
            .map(|b| &b.destination)
            .collect();
        sort_dedup(&mut destinations);
        destinations
    }

    /// The `alternate-exchange` argument, if it is a string.
    pub fn alternate_argument(&self) -> Option<&str> {
        self.decl.arguments.get_str("alternate-exchange")
    }

    pub(super) fn identity_of(
        destination: &Destination,
        key: &str,
        args: &Table,
    ) -> (Destination, String, String) {
        let args = serde_json::to_string(&args.sorted().to_json()).unwrap_or_default();
        (destination.clone(), key.to_owned(), args)
    }

    /// Adds a binding; `false` when an identical one exists (a no-op, as in RabbitMQ).
    pub(super) fn add(&mut self, binding: Binding) -> bool {
        let id = Self::identity_of(&binding.destination, &binding.key, &binding.arguments);
        if self.identity.contains_key(&id) {
            return false;
        }
        let slot = match self.free.pop() {
            Some(free) => BindingSlot(free),
            None => {
                self.slots.push(None);
                BindingSlot(self.slots.len().saturating_sub(1) as u32)
            }
        };
        self.index.insert(slot, &binding.key, &binding.arguments);
        if let Some(place) = self.slots.get_mut(slot.0 as usize) {
            *place = Some(binding);
        }
        self.identity.insert(id, slot);
        true
    }

    pub(super) fn remove_slot(&mut self, slot: BindingSlot) -> Option<Binding> {
        let binding = self.slots.get_mut(slot.0 as usize)?.take()?;
        self.index.remove(slot, &binding.key, &binding.arguments);
        self.identity.remove(&Self::identity_of(
            &binding.destination,
            &binding.key,
            &binding.arguments,
        ));
        self.free.push(slot.0);
        Some(binding)
    }

    pub(super) fn remove(
        &mut self,
        destination: &Destination,
        key: &str,
        args: &Table,
    ) -> Option<Binding> {
        let slot = *self
            .identity
            .get(&Self::identity_of(destination, key, args))?;
        self.remove_slot(slot)
    }

    pub(super) fn remove_to(&mut self, destination: &Destination) -> usize {
        let slots: Vec<BindingSlot> = self
            .bindings()
            .filter(|(_, b)| &b.destination == destination)
            .map(|(slot, _)| slot)
            .collect();
        slots
            .iter()
            .filter(|slot| self.remove_slot(**slot).is_some())
            .count()
    }
}
