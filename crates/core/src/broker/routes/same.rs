//! What a remembered route compares its inputs with: header tables equal in every bit that
//! routing could look at, and the other properties of a publish equal in full. Knows nothing of
//! routes.

use crate::message::Properties;
use crate::value::{Table, Value};

/// Equal in every property but the headers (compared by the route). Out of line: inlined in
/// the search of a route's kept properties, the publish's fields were loaded and spilled to
/// the stack before the loop, at a cost of more than the comparisons.
#[inline(never)]
pub(super) fn same_besides_headers(a: &Properties, b: &Properties) -> bool {
    // Spelt out, so that a new property cannot be forgotten here.
    let Properties {
        content_type,
        content_encoding,
        headers: _,
        delivery_mode,
        priority,
        correlation_id,
        reply_to,
        expiration,
        message_id,
        timestamp,
        kind,
        user_id,
        app_id,
    } = a;
    // The numbers first: a byte each, and what publishers to one route differ in most (a
    // persistent one and a transient one share the route of their routing key).
    *delivery_mode == b.delivery_mode
        && *priority == b.priority
        && *content_type == b.content_type
        && *content_encoding == b.content_encoding
        && *correlation_id == b.correlation_id
        && *reply_to == b.reply_to
        && *expiration == b.expiration
        && *message_id == b.message_id
        && *timestamp == b.timestamp
        && *kind == b.kind
        && *user_id == b.user_id
        && *app_id == b.app_id
}

/// Equal in every bit that routing could look at: the same entries in the same order, floats
/// compared by their bits (`PartialEq` has -0.0 equal to 0.0, and NaN unequal to itself).
pub(super) fn same_table(a: &Table, b: &Table) -> bool {
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
    fn floats_match_by_their_bits() {
        let (zero, minus) = (table(Value::Float(0.0)), table(Value::Float(-0.0)));
        let nan = table(Value::Array(vec![Value::Float(f64::NAN)]));
        assert!(same_table(&zero, &zero.clone()));
        assert!(!same_table(&zero, &minus));
        assert!(same_table(&nan, &nan.clone()));
    }
}
