//! Exchanges, queues and the bindings between them inside one virtual host, with RabbitMQ's
//! declaration rules: reserved `amq.` names, the default exchange, equivalence on redeclare,
//! binding identity (source, destination, key, sorted arguments), auto-delete cascades.
//! It owns the shape of the graph, not what flows through it (`route`, `queue`).

mod equivalence;
mod exchange;

pub use exchange::{Binding, Exchange};

use crate::error::{BrokerError, Kind};
use crate::exchange::{ExchangeType, Index};
use crate::name_map::NameMap;
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
    exchanges: NameMap<Exchange>,
    queues: NameMap<QueueDecl>,
}

impl Topology {
    pub fn new(vhost: impl Into<String>) -> Self {
        let mut topology = Topology {
            vhost: vhost.into(),
            exchanges: NameMap::new(),
            queues: NameMap::new(),
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

    /// `queue.declare` as far as the graph is concerned: existence and equivalence (the
    /// arguments the queue's type owns under `profile`).
    pub fn declare_queue(
        &mut self,
        decl: QueueDecl,
        profile: Profile,
    ) -> Result<bool, BrokerError> {
        if decl.name.starts_with("amq.") {
            return Err(BrokerError::ReservedName {
                kind: Kind::Queue,
                name: decl.name,
            });
        }
        if let Some(current) = self.queues.get(&decl.name) {
            self.check_equivalent_queue(current, &decl, profile)?;
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
