//! Remembered routes: the queues a publish reached, by vhost, exchange, routing keys and
//! headers, so that the next publish with the same inputs skips the route walk. A route reads
//! only the topology, the policies and the profile (fixed for a broker's life), so the broker
//! forgets every route whenever the topology or the policies may change. A route also keeps the
//! properties of its last few contents, for the next publishes with the same properties to
//! share instead of copying. It knows nothing of how a route is found.

use std::hash::Hasher;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHasher};

use crate::event::Name;
use crate::message::{KeySource, Properties};
use crate::queue::entry::Label;
use crate::value::Table;

mod same;
use same::{same_besides_headers, same_table};

/// Most routes remembered before starting over (many distinct routing keys would otherwise
/// grow the cache forever).
const MAX_ROUTES: usize = 4096;

/// How many distinct properties a route keeps to share (the publishers of one route seldom
/// differ in more; a publisher whose every message differs only replaces the oldest).
const SHARED_PROPERTIES: usize = 4;

/// What a remembered route gives the next publish like it: the queues reached, and the names
/// its content and events share with every such publish.
#[derive(Debug, Clone)]
pub(crate) struct Routed {
    pub(crate) vhost: Name,
    pub(crate) label: Label,
    pub(crate) queues: Rc<[Name]>,
    /// The slots of `queues`, in their order.
    pub(crate) slots: Rc<[usize]>,
}

/// What a publish's content can share of the properties its route keeps.
#[derive(Debug)]
pub(crate) enum Share {
    /// These, equal to the publish's.
    Found(Rc<Properties>),
    /// None yet: a plain publish, whose content's properties its route keeps.
    Keep,
    /// Nothing: a publish with CC or BCC keys.
    No,
}

/// Routes by a hash of (vhost, exchange, keys); a bucket holds every route with that hash.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    by_hash: FxHashMap<u64, Vec<Route>>,
    len: usize,
}

/// A copy of the broker (a simulation checkpoint) starts with no remembered routes: they are
/// derived data, re-learnt on the next publishes, and copying up to 4,096 of them into every
/// checkpoint would cost memory for nothing.
impl Clone for Routes {
    fn clone(&self) -> Self {
        Routes::default()
    }
}

#[derive(Debug, Clone)]
struct Route {
    keys: Vec<(String, KeySource)>,
    headers: Table,
    routed: Routed,
    /// Properties of plain publishes of this route (their headers are the route's), newest last.
    shared: Vec<Rc<Properties>>,
}

impl Routes {
    /// The route remembered for these inputs.
    pub(crate) fn get(
        &self,
        vhost: &str,
        exchange: &str,
        keys: &[(String, KeySource)],
        headers: &Table,
    ) -> Option<&Routed> {
        let texts = keys.iter().map(|(k, _)| k.as_str());
        self.find(vhost, exchange, texts, headers, |r| r == keys)
    }

    /// [`Routes::get`] for a publish whose only routing key is `routing_key` (no CC or BCC
    /// header), found without making the list of keys; with the kept properties equal to
    /// `properties`, if any.
    pub(crate) fn get_plain(
        &self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        properties: &Properties,
    ) -> Option<(&Routed, Option<&Rc<Properties>>)> {
        let (hash, i) = self.locate_plain(vhost, exchange, routing_key, &properties.headers)?;
        let route = self.by_hash.get(&hash)?.get(i)?;
        let shared = route
            .shared
            .iter()
            .find(|p| same_besides_headers(p, properties));
        Some((&route.routed, shared))
    }

    /// Keeps the properties of a plain publish's content (see [`Routes::get_plain`]) for the
    /// next publishes of its route with the same properties to share.
    pub(crate) fn share(
        &mut self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        properties: &Rc<Properties>,
    ) {
        let Some((hash, i)) = self.locate_plain(vhost, exchange, routing_key, &properties.headers)
        else {
            return;
        };
        if let Some(route) = self.by_hash.get_mut(&hash).and_then(|b| b.get_mut(i)) {
            if route.shared.len() >= SHARED_PROPERTIES {
                route.shared.remove(0);
            }
            route.shared.push(properties.clone());
        }
    }

    fn locate_plain(
        &self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        headers: &Table,
    ) -> Option<(u64, usize)> {
        let plain = |r: &[(String, KeySource)]| matches!(r, [(k, KeySource::RoutingKey)] if k == routing_key);
        self.locate(vhost, exchange, [routing_key].into_iter(), headers, plain)
    }

    fn find<'k>(
        &self,
        vhost: &str,
        exchange: &str,
        texts: impl Iterator<Item = &'k str>,
        headers: &Table,
        same_keys: impl Fn(&[(String, KeySource)]) -> bool,
    ) -> Option<&Routed> {
        let (hash, i) = self.locate(vhost, exchange, texts, headers, same_keys)?;
        Some(&self.by_hash.get(&hash)?.get(i)?.routed)
    }

    /// The bucket and the place in it of the route for these inputs.
    fn locate<'k>(
        &self,
        vhost: &str,
        exchange: &str,
        texts: impl Iterator<Item = &'k str>,
        headers: &Table,
        same_keys: impl Fn(&[(String, KeySource)]) -> bool,
    ) -> Option<(u64, usize)> {
        let hash = hash(vhost, exchange, texts);
        let i = self.by_hash.get(&hash)?.iter().position(|r| {
            *r.routed.vhost == *vhost
                && *r.routed.label.exchange == *exchange
                && same_keys(&r.keys)
                && same_table(&r.headers, headers)
        })?;
        Some((hash, i))
    }

    /// Remembers the route of a publish with `keys` and `headers` (its vhost and exchange are
    /// in `routed`).
    pub(crate) fn insert(&mut self, keys: &[(String, KeySource)], headers: &Table, routed: Routed) {
        if self.len >= MAX_ROUTES {
            self.clear();
        }
        let texts = keys.iter().map(|(k, _)| k.as_str());
        let hash = hash(&routed.vhost, &routed.label.exchange, texts);
        self.by_hash.entry(hash).or_default().push(Route {
            keys: keys.to_vec(),
            headers: headers.clone(),
            routed,
            shared: Vec::new(),
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

/// FxHash over the texts, each closed by a byte no UTF-8 text holds: a bucket's number only
/// (the inputs are compared in full), so it need not resist collisions; SipHash cost more than
/// the rest of a remembered publish.
fn hash<'k>(vhost: &str, exchange: &str, keys: impl Iterator<Item = &'k str>) -> u64 {
    let mut h = FxHasher::default();
    let mut mix = |text: &str| {
        h.write(text.as_bytes());
        h.write_u8(0xff);
    };
    mix(vhost);
    mix(exchange);
    keys.for_each(mix);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn table(value: Value) -> Table {
        let mut t = Table::new();
        t.insert("h", value);
        t
    }

    fn routed(exchange: &str, queues: &[&str]) -> Routed {
        let publish = crate::message::Publish::new(exchange, "a.b");
        Routed {
            vhost: "/".into(),
            label: Label::new(&publish, &[("a.b".to_owned(), KeySource::RoutingKey)]),
            queues: queues.iter().map(|q| Name::from(*q)).collect(),
            slots: (0..queues.len()).collect(),
        }
    }

    fn key(k: &str, source: KeySource) -> Vec<(String, KeySource)> {
        vec![(k.to_owned(), source)]
    }

    #[test]
    fn a_route_is_found_only_with_the_same_inputs() {
        let mut routes = Routes::default();
        let keys = key("a.b", KeySource::RoutingKey);
        let h = table(Value::Int(1));
        routes.insert(&keys, &h, routed("x", &["q"]));
        let found = |r: &Routes, v: &str, x: &str, k: &[(String, KeySource)], h: &Table| {
            r.get(v, x, k, h).map(|r| r.queues.to_vec())
        };
        assert_eq!(found(&routes, "/", "x", &keys, &h), Some(vec!["q".into()]));
        assert_eq!(found(&routes, "/", "y", &keys, &h), None);
        assert_eq!(found(&routes, "v", "x", &keys, &h), None);
        assert_eq!(
            found(&routes, "/", "x", &key("a.c", KeySource::RoutingKey), &h),
            None
        );
        assert_eq!(
            found(&routes, "/", "x", &key("a.b", KeySource::Bcc), &h),
            None
        );
        assert_eq!(found(&routes, "/", "x", &keys, &table(Value::Int(2))), None);
        assert_eq!(found(&routes, "/", "x", &keys, &Table::new()), None);
        let with_h = Properties {
            headers: h.clone(),
            ..Properties::default()
        };
        let plain = |r: &Routes, k: &str| {
            let found = r.get_plain("/", "x", k, &with_h);
            found.map(|(r, _)| r.queues.to_vec())
        };
        assert_eq!(plain(&routes, "a.b"), Some(vec!["q".into()]));
        assert_eq!(plain(&routes, "a.c"), None);
        let cc = [keys[0].clone(), ("c".to_owned(), KeySource::Cc)];
        routes.insert(&cc, &h, routed("y", &["q"]));
        assert!(routes.get("/", "y", &cc, &h).is_some());
        assert!(routes.get_plain("/", "y", "a.b", &with_h).is_none());
        routes.clear();
        assert_eq!(found(&routes, "/", "x", &keys, &h), None);
    }

    #[test]
    fn a_route_shares_the_last_few_properties_equal_to_a_publish() {
        let mut routes = Routes::default();
        let h = table(Value::Int(1));
        routes.insert(&key("a.b", KeySource::RoutingKey), &h, routed("x", &["q"]));
        let with = |mode: u8, app: &str| {
            let (headers, app_id) = (h.clone(), Some(app.to_owned()));
            let delivery_mode = Some(mode);
            Rc::new(Properties {
                headers,
                delivery_mode,
                app_id,
                ..Properties::default()
            })
        };
        let shared = |r: &Routes, p: &Properties| {
            let (_, shared) = r.get_plain("/", "x", "a.b", p)?;
            shared.cloned()
        };
        let (persistent, transient) = (with(2, "a"), with(1, "a"));
        assert!(shared(&routes, &persistent).is_none());
        routes.share("/", "x", "a.b", &persistent);
        routes.share("/", "x", "a.b", &transient);
        let found = shared(&routes, &with(2, "a")).unwrap();
        assert!(Rc::ptr_eq(&found, &persistent));
        assert!(Rc::ptr_eq(
            &shared(&routes, &with(1, "a")).unwrap(),
            &transient
        ));
        assert!(shared(&routes, &with(2, "b")).is_none());
        // Other headers are another route; another key is none.
        let other = Properties {
            headers: table(Value::Int(2)),
            ..(*persistent).clone()
        };
        assert!(routes.get_plain("/", "x", "a.b", &other).is_none());
        routes.share("/", "x", "a.c", &persistent);
        // The oldest goes first.
        for app in ["b", "c", "d"] {
            routes.share("/", "x", "a.b", &with(2, app));
        }
        assert!(shared(&routes, &persistent).is_none());
        assert!(shared(&routes, &transient).is_some());
    }

    #[test]
    fn a_copy_remembers_nothing() {
        let mut routes = Routes::default();
        let keys = key("a.b", KeySource::RoutingKey);
        routes.insert(&keys, &Table::new(), routed("x", &["q"]));
        assert!(routes.get("/", "x", &keys, &Table::new()).is_some());
        let copy = routes.clone();
        assert!(copy.get("/", "x", &keys, &Table::new()).is_none());
        assert_eq!(copy.len, 0);
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let mut routes = Routes::default();
        let none = Table::new();
        for i in 0..MAX_ROUTES {
            routes.insert(
                &key(&i.to_string(), KeySource::RoutingKey),
                &none,
                routed("x", &[]),
            );
        }
        let zero = key("0", KeySource::RoutingKey);
        assert!(routes.get("/", "x", &zero, &none).is_some());
        routes.insert(&key("new", KeySource::RoutingKey), &none, routed("x", &[]));
        assert_eq!(routes.len, 1);
        assert!(routes.get("/", "x", &zero, &none).is_none());
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
