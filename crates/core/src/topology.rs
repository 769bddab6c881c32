//! Exchanges, queues and the bindings between them inside one virtual host, with RabbitMQ's
//! declaration rules: reserved `amq.` names, the default exchange, equivalence on redeclare,
//! binding identity (source, destination, key, sorted arguments), auto-delete cascades.
//! It owns the shape of the graph, not what flows through it (`route`, `queue`).

use std::collections::{BTreeMap, HashMap};

mod equivalence;

use crate::error::{BrokerError, Kind};
use crate::exchange::{BindingSlot, ExchangeType, Index, RoutingInput};
use crate::profile::Profile;
use crate::value::Table;

/// Where a binding leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Destination {
    Queue(String),
    Exchange(String),
}

impl Destination {
    pub fn name(&self) -> &str {
        match self {
            Destination::Queue(n) | Destination::Exchange(n) => n,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Destination::Queue(_) => Kind::Queue,
            Destination::Exchange(_) => Kind::Exchange,
        }
    }
}

/// `exchange.declare` (and an exchange of a definitions file).
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeDecl {
    pub name: String,
    pub kind: ExchangeType,
    pub durable: bool,
    pub auto_delete: bool,
    pub internal: bool,
    pub arguments: Table,
}

impl ExchangeDecl {
    pub fn new(name: impl Into<String>, kind: ExchangeType) -> Self {
        ExchangeDecl {
            name: name.into(),
            kind,
            durable: true,
            auto_delete: false,
            internal: false,
            arguments: Table::new(),
        }
    }
}

/// `queue.bind` / `exchange.bind`.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingDecl {
    pub source: String,
    pub destination: Destination,
    pub routing_key: String,
    pub arguments: Table,
}

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
    fn new(decl: ExchangeDecl) -> Self {
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
        let mut destinations: Vec<&Destination> = slots
            .iter()
            .filter_map(|s| self.binding(*s))
            .map(|b| &b.destination)
            .collect();
        destinations.sort_unstable();
        destinations.dedup();
        destinations
    }

    /// The `alternate-exchange` argument, if it is a string.
    pub fn alternate_argument(&self) -> Option<&str> {
        self.decl.arguments.get_str("alternate-exchange")
    }

    fn identity_of(
        destination: &Destination,
        key: &str,
        args: &Table,
    ) -> (Destination, String, String) {
        let args = serde_json::to_string(&args.sorted().to_json()).unwrap_or_default();
        (destination.clone(), key.to_owned(), args)
    }

    /// Adds a binding; `false` when an identical one exists (a no-op, as in RabbitMQ).
    fn add(&mut self, binding: Binding) -> bool {
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

    fn remove_slot(&mut self, slot: BindingSlot) -> Option<Binding> {
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

    fn remove(&mut self, destination: &Destination, key: &str, args: &Table) -> Option<Binding> {
        let slot = *self
            .identity
            .get(&Self::identity_of(destination, key, args))?;
        self.remove_slot(slot)
    }

    fn remove_to(&mut self, destination: &Destination) -> usize {
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

/// `queue.declare`: what the topology needs to know about a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDecl {
    pub name: String,
    pub durable: bool,
    pub exclusive: bool,
    pub auto_delete: bool,
    pub arguments: Table,
}

impl QueueDecl {
    pub fn new(name: impl Into<String>) -> Self {
        QueueDecl {
            name: name.into(),
            durable: true,
            exclusive: false,
            auto_delete: false,
            arguments: Table::new(),
        }
    }
}

/// What changed in the graph, for events and for the caller's own cleanup.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Removed {
    pub bindings: Vec<(String, Binding)>,
    /// Auto-delete exchanges that lost their last binding as source.
    pub auto_deleted: Vec<String>,
}

/// The built-in exchanges every virtual host has.
pub const BUILT_IN_EXCHANGES: [(&str, ExchangeType); 6] = [
    ("amq.direct", ExchangeType::Direct),
    ("amq.fanout", ExchangeType::Fanout),
    ("amq.topic", ExchangeType::Topic),
    ("amq.headers", ExchangeType::Headers),
    ("amq.match", ExchangeType::Headers),
    ("amq.rabbitmq.trace", ExchangeType::Topic),
];

/// One virtual host's graph. Queue contents live elsewhere; here a queue is its declaration.
#[derive(Debug, Clone)]
pub struct Topology {
    pub vhost: String,
    exchanges: BTreeMap<String, Exchange>,
    queues: BTreeMap<String, QueueDecl>,
}

impl Topology {
    pub fn new(vhost: impl Into<String>) -> Self {
        let mut topology = Topology {
            vhost: vhost.into(),
            exchanges: BTreeMap::new(),
            queues: BTreeMap::new(),
        };
        for (name, kind) in BUILT_IN_EXCHANGES {
            let mut decl = ExchangeDecl::new(name, kind);
            decl.internal = name == "amq.rabbitmq.trace";
            topology
                .exchanges
                .insert(name.to_owned(), Exchange::new(decl));
        }
        topology
    }

    pub fn exchange(&self, name: &str) -> Option<&Exchange> {
        self.exchanges.get(name)
    }

    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.values()
    }

    pub fn queue(&self, name: &str) -> Option<&QueueDecl> {
        self.queues.get(name)
    }

    pub fn queues(&self) -> impl Iterator<Item = &QueueDecl> {
        self.queues.values()
    }

    pub fn has_queue(&self, name: &str) -> bool {
        self.queues.contains_key(name)
    }

    pub fn is_built_in(name: &str) -> bool {
        BUILT_IN_EXCHANGES.iter().any(|(n, _)| *n == name)
    }

    fn not_found(&self, kind: Kind, name: &str) -> BrokerError {
        BrokerError::NotFound {
            kind,
            name: name.to_owned(),
            vhost: self.vhost.clone(),
        }
    }

    /// `exchange.declare`: creates the exchange, or checks an existing one (built-in ones
    /// included) is equivalent. Only a *new* `amq.` name is refused, as in RabbitMQ.
    pub fn declare_exchange(&mut self, decl: ExchangeDecl) -> Result<bool, BrokerError> {
        if decl.name.is_empty() {
            return Err(BrokerError::DefaultExchangeBinding);
        }
        if let Some(existing) = self.exchanges.get(&decl.name) {
            self.check_equivalent_exchange(&existing.decl, &decl)?;
            return Ok(false);
        }
        if decl.name.starts_with("amq.") {
            return Err(BrokerError::ReservedName {
                kind: Kind::Exchange,
                name: decl.name,
            });
        }
        self.exchanges
            .insert(decl.name.clone(), Exchange::new(decl));
        Ok(true)
    }

    /// `exchange.delete`. Removes bindings to and from it (which may auto-delete others).
    pub fn delete_exchange(&mut self, name: &str, if_unused: bool) -> Result<Removed, BrokerError> {
        if name.is_empty() {
            return Err(BrokerError::DefaultExchangeBinding);
        }
        if name.starts_with("amq.") {
            return Err(BrokerError::SystemExchangeDeletion {
                name: name.to_owned(),
                vhost: self.vhost.clone(),
            });
        }
        let exchange = self
            .exchanges
            .get(name)
            .ok_or_else(|| self.not_found(Kind::Exchange, name))?;
        if if_unused && exchange.binding_count() > 0 {
            return Err(BrokerError::InUse {
                kind: Kind::Exchange,
                name: name.to_owned(),
                vhost: self.vhost.clone(),
            });
        }
        let mut removed = Removed::default();
        if let Some(exchange) = self.exchanges.remove(name) {
            removed.bindings.extend(
                exchange
                    .bindings()
                    .map(|(_, b)| (name.to_owned(), b.clone())),
            );
        }
        self.remove_bindings_to(&Destination::Exchange(name.to_owned()), &mut removed);
        Ok(removed)
    }

    /// `queue.declare` as far as the graph is concerned: existence and equivalence.
    pub fn declare_queue(&mut self, decl: QueueDecl) -> Result<bool, BrokerError> {
        if decl.name.starts_with("amq.") {
            return Err(BrokerError::ReservedName {
                kind: Kind::Queue,
                name: decl.name,
            });
        }
        if let Some(current) = self.queues.get(&decl.name) {
            self.check_equivalent_queue(current, &decl)?;
            return Ok(false);
        }
        self.queues.insert(decl.name.clone(), decl);
        Ok(true)
    }

    /// `queue.delete`: removes the queue and every binding to it.
    pub fn delete_queue(&mut self, name: &str) -> Result<Removed, BrokerError> {
        if self.queues.remove(name).is_none() {
            return Err(self.not_found(Kind::Queue, name));
        }
        let mut removed = Removed::default();
        self.remove_bindings_to(&Destination::Queue(name.to_owned()), &mut removed);
        Ok(removed)
    }

    /// `queue.bind` / `exchange.bind`. `Ok(false)` when the identical binding already exists.
    pub fn bind(&mut self, decl: BindingDecl, profile: Profile) -> Result<bool, BrokerError> {
        self.check_binding_ends(&decl)?;
        let Some(source) = self.exchanges.get_mut(&decl.source) else {
            return Err(self.not_found(Kind::Exchange, &decl.source));
        };
        Index::validate(source.kind(), &decl.routing_key, &decl.arguments, profile)?;
        Ok(source.add(Binding {
            destination: decl.destination,
            key: decl.routing_key,
            arguments: decl.arguments,
        }))
    }

    /// `queue.unbind` / `exchange.unbind`. Unbinding what does not exist is a no-op, as in
    /// RabbitMQ, even when its source or destination is gone; the removed binding may
    /// auto-delete its source.
    pub fn unbind(&mut self, decl: &BindingDecl) -> Result<Removed, BrokerError> {
        // Only the default exchange is refused: a binding whose source or destination does not
        // exist does not exist either, and removing it is a no-op (seen live on 3.10.8).
        if decl.source.is_empty()
            || matches!(&decl.destination, Destination::Exchange(d) if d.is_empty())
        {
            return Err(BrokerError::DefaultExchangeBinding);
        }
        let mut removed = Removed::default();
        let source = self.exchanges.get_mut(&decl.source);
        if let Some(binding) =
            source.and_then(|x| x.remove(&decl.destination, &decl.routing_key, &decl.arguments))
        {
            removed.bindings.push((decl.source.clone(), binding));
            self.auto_delete_if_unbound(&decl.source, &mut removed);
        }
        Ok(removed)
    }

    fn check_binding_ends(&self, decl: &BindingDecl) -> Result<(), BrokerError> {
        if decl.source.is_empty()
            || matches!(&decl.destination, Destination::Exchange(d) if d.is_empty())
        {
            return Err(BrokerError::DefaultExchangeBinding);
        }
        let destination_exists = match &decl.destination {
            Destination::Queue(q) => self.queues.contains_key(q),
            Destination::Exchange(x) => self.exchanges.contains_key(x),
        };
        if !destination_exists {
            return Err(self.not_found(decl.destination.kind(), decl.destination.name()));
        }
        if !self.exchanges.contains_key(&decl.source) {
            return Err(self.not_found(Kind::Exchange, &decl.source));
        }
        Ok(())
    }

    /// Removes every binding leading to `destination`, then auto-deletes the sources left bare,
    /// which in turn removes the bindings leading to them (a work list, not recursion).
    fn remove_bindings_to(&mut self, destination: &Destination, removed: &mut Removed) {
        let mut work = vec![destination.clone()];
        while let Some(destination) = work.pop() {
            let mut bare = Vec::new();
            for exchange in self.exchanges.values_mut() {
                let before = removed.bindings.len();
                let bindings: Vec<Binding> = exchange
                    .bindings()
                    .filter(|(_, b)| b.destination == destination)
                    .map(|(_, b)| b.clone())
                    .collect();
                if exchange.remove_to(&destination) > 0 {
                    removed.bindings.extend(
                        bindings
                            .into_iter()
                            .map(|b| (exchange.decl.name.clone(), b)),
                    );
                }
                if removed.bindings.len() > before
                    && exchange.decl.auto_delete
                    && exchange.binding_count() == 0
                {
                    bare.push(exchange.decl.name.clone());
                }
            }
            for name in bare {
                if let Some(gone) = self.exchanges.remove(&name) {
                    removed
                        .bindings
                        .extend(gone.bindings().map(|(_, b)| (name.clone(), b.clone())));
                    removed.auto_deleted.push(name.clone());
                    work.push(Destination::Exchange(name));
                }
            }
        }
    }

    fn auto_delete_if_unbound(&mut self, name: &str, removed: &mut Removed) {
        let bare = self
            .exchanges
            .get(name)
            .is_some_and(|x| x.decl.auto_delete && x.binding_count() == 0);
        if bare && self.exchanges.remove(name).is_some() {
            removed.auto_deleted.push(name.to_owned());
            self.remove_bindings_to(&Destination::Exchange(name.to_owned()), removed);
        }
    }
}
