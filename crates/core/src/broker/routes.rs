//! Remembered routes: the queues a publish reached, by vhost, exchange, routing keys and
//! headers, so that the next publish with the same inputs skips the route walk. A route reads
//! only the topology, the policies and the profile (fixed for a broker's life), so the broker
//! forgets every route whenever the topology or the policies may change. It knows nothing of
//! how a route is found.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::event::Name;
use crate::value::{Table, Value};

/// Most routes remembered before starting over (many distinct routing keys would otherwise
/// grow the cache forever).
const MAX_ROUTES: usize = 4096;

/// Routes by a hash of (vhost, exchange, keys); a bucket holds every route with that hash.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    by_hash: BTreeMap<u64, Vec<Route>>,
    len: usize,
}

#[derive(Debug, Clone)]
struct Route {
    vhost: String,
    exchange: String,
    keys: Vec<String>,
    headers: Table,
    queues: Vec<Name>,
}

impl Routes {
    /// The queues remembered for these inputs.
    pub(crate) fn get(
        &self,
        vhost: &str,
        exchange: &str,
        keys: &[String],
        headers: &Table,
    ) -> Option<&[Name]> {
        let bucket = self.by_hash.get(&hash(vhost, exchange, keys))?;
        bucket
            .iter()
            .find(|r| {
                r.vhost == vhost
                    && r.exchange == exchange
                    && r.keys == keys
                    && same_table(&r.headers, headers)
            })
            .map(|r| r.queues.as_slice())
    }

    pub(crate) fn insert(
        &mut self,
        vhost: &str,
        exchange: &str,
        keys: &[String],
        headers: &Table,
        queues: &[Name],
    ) {
        if self.len >= MAX_ROUTES {
            self.clear();
        }
        self.by_hash
            .entry(hash(vhost, exchange, keys))
            .or_default()
            .push(Route {
                vhost: vhost.to_owned(),
                exchange: exchange.to_owned(),
                keys: keys.to_vec(),
                headers: headers.clone(),
                queues: queues.to_vec(),
            });
        self.len += 1;
    }

    /// Forgets every route (the topology or the policies may have changed).
    pub(crate) fn clear(&mut self) {
        if self.len > 0 {
            self.by_hash.clear();
            self.len = 0;
        }
    }
}

fn hash(vhost: &str, exchange: &str, keys: &[String]) -> u64 {
    let mut h = DefaultHasher::new();
    (vhost, exchange, keys).hash(&mut h);
    h.finish()
}

/// Equal in every bit that routing could look at: the same entries in the same order, floats
/// compared by their bits (`PartialEq` has -0.0 equal to 0.0, and NaN unequal to itself).
fn same_table(a: &Table, b: &Table) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Table(x), Value::Table(y)) => same_table(x, y),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(value: Value) -> Table {
        let mut t = Table::new();
        t.insert("h", value);
        t
    }

    #[test]
    fn a_route_is_found_only_with_the_same_inputs() {
        let mut routes = Routes::default();
        let keys = ["a.b".to_owned()];
        let q: Vec<Name> = vec!["q".into()];
        let h = table(Value::Int(1));
        routes.insert("/", "x", &keys, &h, &q);
        assert_eq!(routes.get("/", "x", &keys, &h), Some(&q[..]));
        assert_eq!(routes.get("/", "y", &keys, &h), None);
        assert_eq!(routes.get("v", "x", &keys, &h), None);
        assert_eq!(routes.get("/", "x", &["a.c".to_owned()], &h), None);
        assert_eq!(routes.get("/", "x", &keys, &table(Value::Int(2))), None);
        assert_eq!(routes.get("/", "x", &keys, &Table::new()), None);
        routes.clear();
        assert_eq!(routes.get("/", "x", &keys, &h), None);
    }

    #[test]
    fn floats_match_by_their_bits() {
        let (zero, minus) = (table(Value::Float(0.0)), table(Value::Float(-0.0)));
        let nan = table(Value::Array(vec![Value::Float(f64::NAN)]));
        assert!(same_table(&zero, &zero.clone()));
        assert!(!same_table(&zero, &minus));
        assert!(same_table(&nan, &nan.clone()));
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let mut routes = Routes::default();
        let none = Table::new();
        for i in 0..MAX_ROUTES {
            routes.insert("/", "x", &[i.to_string()], &none, &[]);
        }
        assert!(routes.get("/", "x", &["0".to_owned()], &none).is_some());
        routes.insert("/", "x", &["new".to_owned()], &none, &[]);
        assert_eq!(routes.len, 1);
        assert!(routes.get("/", "x", &["0".to_owned()], &none).is_none());
    }

    /// Every change to what routing reads shows in the next publish.
    #[test]
    fn publishes_follow_topology_and_policy_changes() {
        use crate::broker::Broker;
        use crate::exchange::ExchangeType;
        use crate::message::Publish;
        use crate::policy::{ApplyTo, Policy};
        use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};

        fn binding(source: &str, queue: &str, key: &str) -> BindingDecl {
            BindingDecl {
                source: source.into(),
                destination: Destination::Queue(queue.into()),
                routing_key: key.into(),
                arguments: Table::new(),
            }
        }
        fn reached(b: &mut Broker) -> Vec<String> {
            let outcome = b.publish("/", &Publish::new("x", "a.b"), 0).unwrap();
            outcome.queues.iter().map(|q| q.to_string()).collect()
        }
        let mut b = Broker::default();
        b.declare_exchange("/", ExchangeDecl::new("x", ExchangeType::Topic))
            .unwrap();
        b.declare_exchange("/", ExchangeDecl::new("ae", ExchangeType::Fanout))
            .unwrap();
        for q in ["q1", "q2", "alt"] {
            b.declare_queue("/", QueueDecl::new(q)).unwrap();
        }
        b.bind("/", binding("x", "q1", "a.*")).unwrap();
        b.bind("/", binding("ae", "alt", "")).unwrap();
        assert_eq!(reached(&mut b), ["q1"]);
        assert_eq!(reached(&mut b), ["q1"]);
        b.bind("/", binding("x", "q2", "#")).unwrap();
        assert_eq!(reached(&mut b), ["q1", "q2"]);
        b.unbind("/", &binding("x", "q1", "a.*")).unwrap();
        assert_eq!(reached(&mut b), ["q2"]);
        b.delete_queue("/", "q2").unwrap();
        assert!(reached(&mut b).is_empty());
        let mut definition = Table::new();
        definition.insert("alternate-exchange", Value::Str("ae".into()));
        b.set_policy(Policy::new("/", "p", "^x$", ApplyTo::Exchanges, 0, definition).unwrap());
        assert_eq!(reached(&mut b), ["alt"]);
        b.set_exchange_type("/", "x", ExchangeType::Fanout).unwrap();
        b.bind("/", binding("x", "q1", "")).unwrap();
        assert_eq!(reached(&mut b), ["q1"]);
    }
}
