//! An event store for event sourcing: append-only streams of events with versions (the first
//! event of a stream is version 1), optimistic concurrency (an append names the version it
//! expects the stream to be at; a different one is a typed [`AppendError::Conflict`]), reads
//! from any version, and projections that fold a stream into state by replaying it from a
//! position. RabbitMQ's streams are the broker-native analogue; this store stands beside the
//! broker and knows nothing of it or of the simulation's clock (times are given).

use std::fmt;
use std::rc::Rc;

use serde_json::{Value as Json, json};

use crate::vec_map::VecMap;

/// Events the store holds at most, over all streams (each checkpoint copies the index).
pub const MAX_EVENTS: usize = 10_000;

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub version: u64,
    /// The event type (a CloudEvent's `type`, or the routing key).
    pub kind: String,
    pub body: Rc<[u8]>,
    /// Virtual µs of the append.
    pub at: u64,
}

/// Why an append failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendError {
    /// The stream is not at the expected version: someone else appended first.
    Conflict { expected: u64, actual: u64 },
    /// The store holds [`MAX_EVENTS`] already.
    Full,
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppendError::Conflict { expected, actual } => write!(
                f,
                "wrong expected version: expected {expected}, the stream is at {actual}"
            ),
            AppendError::Full => write!(f, "the event store is full ({MAX_EVENTS} events)"),
        }
    }
}

impl std::error::Error for AppendError {}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventStore {
    /// By stream name: the streams the scenario's writers name, a few.
    streams: VecMap<String, Vec<Rc<StoredEvent>>>,
    total: usize,
    conflicts: u64,
}

impl EventStore {
    /// The stream's version: how many events it has (0 when it does not exist).
    pub fn version(&self, stream: &str) -> u64 {
        self.streams.get(stream).map_or(0, |s| s.len() as u64)
    }

    /// Appends one event when the stream is at `expected`; gives the event's version.
    pub fn append(
        &mut self,
        stream: &str,
        expected: u64,
        kind: &str,
        body: Rc<[u8]>,
        at: u64,
    ) -> Result<u64, AppendError> {
        let actual = self.version(stream);
        if actual != expected {
            self.conflicts += 1;
            return Err(AppendError::Conflict { expected, actual });
        }
        if self.total >= MAX_EVENTS {
            return Err(AppendError::Full);
        }
        let version = actual + 1;
        let event = StoredEvent {
            version,
            kind: kind.to_owned(),
            body,
            at,
        };
        if !self.streams.contains_key(stream) {
            self.streams.insert(stream.to_owned(), Vec::new());
        }
        if let Some(events) = self.streams.get_mut(stream) {
            events.push(Rc::new(event));
        }
        self.total += 1;
        Ok(version)
    }

    /// Up to `max` events after version `after`, oldest first.
    pub fn read(&self, stream: &str, after: u64, max: usize) -> &[Rc<StoredEvent>] {
        let events = self.streams.get(stream).map_or(&[][..], Vec::as_slice);
        let from = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(events.len());
        let to = from.saturating_add(max).min(events.len());
        events.get(from..to).unwrap_or(&[])
    }

    /// Events appended so far, over all streams.
    pub fn appended(&self) -> usize {
        self.total
    }

    /// Appends refused for a wrong expected version so far.
    pub fn conflicts(&self) -> u64 {
        self.conflicts
    }

    /// Every stream with its version.
    pub fn streams(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.streams
            .iter()
            .map(|(name, events)| (name.as_str(), events.len() as u64))
    }
}

/// A projection's state: the position it has read to and what it folded from the events —
/// how many of each type and, when configured, the sum of one numeric field of their data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectionState {
    pub position: u64,
    /// By event type: the types the scenario's writers append, a few.
    pub by_type: VecMap<String, u64>,
    pub sum: f64,
}

impl ProjectionState {
    /// Folds one event in: `sum_field` is looked up in the body's `data` (a CloudEvent) or at
    /// its top level.
    pub fn apply(&mut self, event: &StoredEvent, sum_field: Option<&str>) {
        self.position = event.version;
        match self.by_type.get_mut(&event.kind) {
            Some(n) => *n += 1,
            None => {
                self.by_type.insert(event.kind.clone(), 1);
            }
        }
        let Some(field) = sum_field else { return };
        // from_str rather than from_slice: the browser bundle then links one serde_json reader,
        // not two (a body that is not UTF-8 is not JSON either way).
        let Some(body) = std::str::from_utf8(&event.body)
            .ok()
            .and_then(|text| serde_json::from_str::<Json>(text).ok())
        else {
            return;
        };
        let value = body
            .get("data")
            .and_then(|d| d.get(field))
            .or_else(|| body.get(field));
        let number = match value {
            Some(Json::Number(n)) => n.as_f64(),
            // A number written as text ("12.50"): read as JSON reads numbers (no `inf` or `NaN`
            // to spoil the sum), by the reader already used above.
            Some(Json::String(s)) => serde_json::from_str::<Json>(s)
                .ok()
                .and_then(|n| n.as_f64()),
            _ => None,
        };
        self.sum += number.unwrap_or(0.0);
    }

    pub fn to_json(&self) -> Json {
        let by_type = (self.by_type.iter()).map(|(kind, n)| (kind.clone(), Json::from(*n)));
        json!({"position": self.position, "by_type": crate::order::object(by_type), "sum": self.sum})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Rc<[u8]> {
        Rc::from(text.as_bytes())
    }

    #[test]
    fn appends_check_the_expected_version() {
        let mut store = EventStore::default();
        assert_eq!(store.append("a", 0, "opened", body("{}"), 1), Ok(1));
        assert_eq!(store.append("a", 1, "deposited", body("{}"), 2), Ok(2));
        let conflict = store.append("a", 1, "deposited", body("{}"), 3);
        assert_eq!(
            conflict,
            Err(AppendError::Conflict {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(
            conflict.unwrap_err().to_string(),
            "wrong expected version: expected 1, the stream is at 2"
        );
        assert_eq!(store.append("b", 0, "opened", body("{}"), 4), Ok(1));
        assert_eq!(store.version("a"), 2);
        assert_eq!(store.read("a", 1, 10).len(), 1);
        assert_eq!(store.read("a", 5, 10).len(), 0);
        assert_eq!(store.read("none", 0, 10).len(), 0);
    }

    #[test]
    fn replaying_a_stream_rebuilds_the_same_state() {
        let mut store = EventStore::default();
        // A number as text counts; text that JSON does not read as a number ("NaN") does not.
        let amounts = [json!(100), json!(-30), json!("5"), json!("NaN")];
        for (i, amount) in amounts.iter().enumerate() {
            let data = json!({"type": "t", "data": {"amount": amount}}).to_string();
            store
                .append("acct", i as u64, "moved", body(&data), 0)
                .unwrap();
        }
        let fold = |batch: usize| {
            let mut state = ProjectionState::default();
            loop {
                let events = store.read("acct", state.position, batch);
                if events.is_empty() {
                    return state;
                }
                for e in events {
                    state.apply(e, Some("amount"));
                }
            }
        };
        let whole = fold(100);
        assert_eq!((whole.position, whole.sum), (4, 75.0));
        assert_eq!(fold(1), whole);
    }
}
