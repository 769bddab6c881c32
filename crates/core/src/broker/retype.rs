//! Changing an exchange's type in place. A real broker refuses to redeclare an exchange with
//! another type (406 PRECONDITION_FAILED, inequivalent arg 'type'); what a user does instead
//! is delete it and declare it again, then bind everything again. This does that in one step:
//! the same flags and arguments, every binding where it is the source and every binding where
//! it is the destination, recorded as the usual delete / declare / bind events. Bindings the
//! new type refuses make the whole change fail, leaving the broker as it was.

use crate::broker::Broker;
use crate::error::BrokerError;
use crate::exchange::ExchangeType;
use crate::topology::{BindingDecl, Destination};

impl Broker {
    /// Deletes exchange `name` and declares it again as `kind`, keeping its bindings in both
    /// directions. The default and `amq.*` exchanges cannot be changed.
    pub fn set_exchange_type(
        &mut self,
        vhost: &str,
        name: &str,
        kind: ExchangeType,
    ) -> Result<(), BrokerError> {
        let topology = self.topology(vhost)?;
        let Some(exchange) = topology.exchange(name) else {
            // Deleting the default or an `amq.*` exchange gives the broker's own refusal.
            let mut probe = self.clone();
            probe.delete_exchange(vhost, name, false)?;
            return Err(BrokerError::NotFound {
                kind: crate::error::Kind::Exchange,
                name: name.to_owned(),
                vhost: vhost.to_owned(),
            });
        };
        let mut decl = exchange.decl.clone();
        decl.kind = kind;
        let destination = Destination::Exchange(name.to_owned());
        let mut bindings: Vec<BindingDecl> = Vec::new();
        for x in topology.exchanges() {
            for (_, b) in x.bindings() {
                if x.name() == name || b.destination == destination {
                    bindings.push(BindingDecl {
                        source: x.name().to_owned(),
                        destination: b.destination.clone(),
                        routing_key: b.key.clone(),
                        arguments: b.arguments.clone(),
                    });
                }
            }
        }
        let mut next = self.clone();
        next.delete_exchange(vhost, name, false)?;
        next.declare_exchange(vhost, decl)?;
        for binding in bindings {
            next.bind(vhost, binding)?;
        }
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::broker::Broker;
    use crate::event::Event;
    use crate::exchange::ExchangeType;
    use crate::message::Publish;
    use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};
    use crate::value::Table;

    fn bind(b: &mut Broker, source: &str, to: Destination, key: &str) {
        let decl = BindingDecl {
            source: source.into(),
            destination: to,
            routing_key: key.into(),
            arguments: Table::new(),
        };
        b.bind("/", decl).unwrap();
    }

    /// `up` → `x` (e2e, key `a.*`), `x` → queue `q1` (key `a.b`), `x` → exchange `down`
    /// (key `#`), `down` → queue `q2`.
    fn broker() -> Broker {
        let mut b = Broker::default();
        for (name, kind) in [
            ("up", ExchangeType::Topic),
            ("x", ExchangeType::Direct),
            ("down", ExchangeType::Fanout),
        ] {
            b.declare_exchange("/", ExchangeDecl::new(name, kind))
                .unwrap();
        }
        for q in ["q1", "q2"] {
            b.declare_queue("/", QueueDecl::new(q)).unwrap();
        }
        bind(&mut b, "up", Destination::Exchange("x".into()), "a.*");
        bind(&mut b, "x", Destination::Queue("q1".into()), "a.b");
        bind(&mut b, "x", Destination::Exchange("down".into()), "#");
        bind(&mut b, "down", Destination::Queue("q2".into()), "");
        b.drain_events();
        b
    }

    fn routes(b: &Broker, exchange: &str, key: &str) -> Vec<String> {
        b.route("/", &Publish::new(exchange, key)).unwrap()
    }

    #[test]
    fn keeps_bindings_in_both_directions_and_routes_by_the_new_type() {
        let mut b = broker();
        // Direct: `a.b` matches only the `a.b` binding; `#` is a literal key.
        assert_eq!(routes(&b, "up", "a.b"), ["q1"]);
        b.set_exchange_type("/", "x", ExchangeType::Topic).unwrap();
        assert_eq!(
            b.topology("/").unwrap().exchange("x").unwrap().kind(),
            ExchangeType::Topic
        );
        // Topic: `#` now matches everything, so `down` (and q2) get a copy too; the binding
        // from `up` still brings the message to `x`.
        assert_eq!(routes(&b, "up", "a.b"), ["q1", "q2"]);
        assert_eq!(routes(&b, "x", "z"), ["q2"]);
        let events: Vec<String> = b
            .drain_events()
            .iter()
            .map(|e| match e {
                Event::ExchangeDeleted { exchange, .. } => format!("deleted {exchange}"),
                Event::ExchangeDeclared { exchange, .. } => format!("declared {exchange}"),
                Event::Bound {
                    source,
                    destination,
                    ..
                } => {
                    format!("bound {source}->{}", destination.name())
                }
                Event::Unbound { .. } => "unbound".into(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            events,
            [
                "deleted x",
                "unbound",
                "unbound",
                "unbound",
                "declared x",
                "bound up->x",
                "bound x->q1",
                "bound x->down"
            ]
        );
    }

    #[test]
    fn refusals_leave_the_broker_as_it_was() {
        let cases: &[(&str, ExchangeType, &str)] = &[
            ("missing", ExchangeType::Topic, "NOT_FOUND"),
            ("amq.direct", ExchangeType::Topic, "ACCESS_REFUSED"),
            ("", ExchangeType::Topic, "ACCESS_REFUSED"),
        ];
        for (name, kind, code) in cases {
            let mut b = broker();
            let err = b.set_exchange_type("/", name, *kind).unwrap_err();
            assert!(
                err.reply_text().contains(code),
                "{name}: {}",
                err.reply_text()
            );
            assert_eq!(routes(&b, "up", "a.b"), ["q1"], "{name}");
            assert!(b.drain_events().is_empty(), "{name}");
        }
    }
}
