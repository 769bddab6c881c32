//! AMQP 0-9-1 field values (header tables, arguments) and how RabbitMQ compares them when it
//! routes. Owns the JSON mapping used by definitions files and the headless runner; knows nothing
//! about exchanges or queues.

use std::fmt;

use serde_json::Value as Json;

use crate::order::json_text;
use crate::profile::Profile;

/// One AMQP field value. Integer widths collapse into `Int` and `longstr` / `binary` into `Str`,
/// because RabbitMQ compares decoded values, never the type tag (signedint 1 = long 1).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Void,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// An AMQP `binary` field ('x'). Routing compares it with a longstr by content, but RabbitMQ
    /// accepts only a longstr where it parses a setting (`x-match`).
    Binary(Vec<u8>),
    /// Seconds since the epoch (AMQP `timestamp`).
    Timestamp(i64),
    Array(Vec<Value>),
    Table(Table),
}

/// An AMQP field table. Keeps insertion order (what a client sent) and allows looking a key up;
/// when a key appears twice, the last occurrence wins, as in RabbitMQ 3.13+.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table(Vec<(String, Value)>);

impl Table {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing an earlier value in place (so the table's order is stable).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let index = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(index).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The table with keys sorted, as `rabbit_binding:sort_args` does for binding identity.
    pub fn sorted(&self) -> Table {
        let mut entries = self.0.clone();
        crate::order::sort_by(&mut entries, |a, b| a.0.cmp(&b.0));
        Table(entries)
    }

    /// Reads a JSON object as a table (definitions files, runner operations).
    pub fn from_json(json: &Json) -> Result<Table, String> {
        match json {
            Json::Object(map) => Ok(Table(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
            Json::Null => Ok(Table::new()),
            other => Err(format!("expected an object, found {}", json_kind(other))),
        }
    }

    pub fn to_json(&self) -> Json {
        crate::order::object(self.0.iter().map(|(k, v)| (k.clone(), v.to_json())))
    }
}

impl FromIterator<(String, Value)> for Table {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut table = Table::new();
        for (k, v) in iter {
            table.insert(k, v);
        }
        table
    }
}

impl Value {
    /// JSON → AMQP as the runner documents it: string → longstr, integer → long, other number →
    /// double, bool → bool, null → void, array → array, object → table.
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Void,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            Json::Object(_) => Value::Table(Table::from_json(json).unwrap_or_default()),
        }
    }

    /// AMQP → JSON, the inverse of [`Value::from_json`]; a timestamp becomes integer seconds.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Void => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) | Value::Timestamp(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::String(s.clone()),
            Value::Binary(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Table(t) => t.to_json(),
        }
    }

    /// The AMQP type name RabbitMQ would report (for explanations).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Void => "void",
            Value::Bool(_) => "bool",
            Value::Int(_) => "long",
            Value::Float(_) => "double",
            Value::Str(_) => "longstr",
            Value::Binary(_) => "binary",
            Value::Timestamp(_) => "timestamp",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Whether a message header equals a binding argument, as the headers exchange decides it.
///
/// The type tag is not compared, only the decoded value. Up to 3.12 RabbitMQ compares with Erlang
/// `==` (so 1 = 1.0, and a timestamp equals the same integer); 3.13+ uses `=:=` (1 ≠ 1.0) and
/// scales a *header* timestamp to milliseconds while leaving the binding argument alone.
pub fn routing_eq(binding_arg: &Value, header: &Value, profile: Profile) -> bool {
    let scale_header_timestamp = profile.scales_header_timestamps();
    eq_inner(binding_arg, header, profile, scale_header_timestamp)
}

fn eq_inner(arg: &Value, header: &Value, profile: Profile, scale: bool) -> bool {
    use Value::*;
    let header_int = |h: &Value| match h {
        Int(i) => Some(*i),
        Timestamp(t) if scale => Some(t.saturating_mul(1000)),
        Timestamp(t) => Some(*t),
        _ => None,
    };
    let arg_int = match arg {
        Int(i) | Timestamp(i) => Some(*i),
        _ => None,
    };
    match (arg, header) {
        (Int(_) | Timestamp(_), Int(_) | Timestamp(_)) => arg_int == header_int(header),
        (Int(_) | Timestamp(_), Float(f)) | (Float(f), Int(_) | Timestamp(_)) => {
            let int = if matches!(arg, Float(_)) {
                header_int(header)
            } else {
                arg_int
            };
            profile.int_equals_float() && int.is_some_and(|i| i as f64 == *f)
        }
        (Float(a), Float(b)) => a == b,
        (Str(_) | Binary(_), Str(_) | Binary(_)) => bytes(arg) == bytes(header),
        (Bool(a), Bool(b)) => a == b,
        (Void, Void) => true,
        (Array(_), Array(_)) | (Table(_), Table(_)) => nested_eq(arg, header),
        _ => false,
    }
}

/// Equality inside an array or a table. There RabbitMQ compares the encoded entries, type tags
/// included (3.10: `==` on `{Key, Type, Value}` in `rabbit_exchange_type_headers:headers_match`;
/// 4.x: `=:=`, and `mc_amqpl:routing_headers` leaves nested values as they came), so only values
/// of the same kind are equal: 1 ≠ 1.0, a string ≠ the same binary, a timestamp ≠ the same
/// integer (and is never scaled). Table keys are looked up, whatever their order.
fn nested_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| nested_eq(p, q)),
        (Table(x), Table(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| nested_eq(v, w)))
        }
        _ => a == b,
    }
}

fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::Str(s) => Some(s.as_bytes()),
        Value::Binary(b) => Some(b),
        _ => None,
    }
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Void => write!(f, "(void)"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Timestamp(t) => write!(f, "timestamp {t}"),
            other => f.write_str(&json_text(&other.to_json())),
        }
    }
}

/// Builders for tests across the crate.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Table, Value};

    /// A longstr.
    pub fn s(v: &str) -> Value {
        Value::Str(v.to_owned())
    }

    /// A table from `(name, value)` pairs.
    pub fn table(pairs: &[(&str, Value)]) -> Table {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Table as T;
    use super::{Json, Profile, Value, routing_eq};
    use Value::*;

    fn check(arg: Value, header: Value, v4: bool, v310: bool) {
        assert_eq!(
            routing_eq(&arg, &header, Profile::RabbitMq4),
            v4,
            "4.x: {arg:?} vs {header:?}"
        );
        assert_eq!(
            routing_eq(&arg, &header, Profile::RabbitMq310),
            v310,
            "3.10: {arg:?} vs {header:?}"
        );
    }

    #[test]
    fn routing_equality() {
        check(Int(1), Int(1), true, true);
        check(Str("abc".into()), Str("abc".into()), true, true);
        check(Str("1".into()), Int(1), false, false);
        check(Str("abc".into()), Binary(b"abc".to_vec()), true, true);
        check(Bool(true), Int(1), false, false);
        check(Int(1), Float(1.0), false, true);
        check(Float(1.0), Int(1), false, true);
        check(
            Timestamp(1_700_000_000),
            Timestamp(1_700_000_000),
            false,
            true,
        );
        check(Timestamp(0), Timestamp(0), true, true);
        check(Int(5000), Timestamp(5), true, false);
        check(Void, Void, true, true);
        check(Array(vec![Int(1)]), Array(vec![Int(1)]), true, true);
        let t = |v: &str| Table(std::iter::once(("foo".to_string(), Str(v.into()))).collect::<T>());
        check(t("bar"), t("bar"), true, true);
        check(t("bar"), t("baz"), false, false);
    }

    #[test]
    fn json_round_trip() {
        let json: Json = serde_json::json!({"s": "x", "i": 3, "f": 1.5, "b": true, "n": null, "a": [1, "y"], "t": {"k": "v"}});
        let table = T::from_json(&json).unwrap();
        assert_eq!(table.get("i"), Some(&Int(3)));
        assert_eq!(table.get("f"), Some(&Float(1.5)));
        assert_eq!(table.get("n"), Some(&Void));
        assert_eq!(table.to_json(), json);
    }

    #[test]
    fn last_duplicate_key_wins_and_sorting_ignores_order() {
        let a: T = [("b".to_string(), Int(1)), ("a".to_string(), Int(2))]
            .into_iter()
            .collect();
        let b: T = [("a".to_string(), Int(2)), ("b".to_string(), Int(1))]
            .into_iter()
            .collect();
        assert_eq!(a.sorted(), b.sorted());
        assert_ne!(a, b);
    }
}
