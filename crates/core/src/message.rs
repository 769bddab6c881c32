//! A publish as a client sends it: exchange, routing key, flags, AMQP basic properties and body.
//! Owns the publish-time checks RabbitMQ makes on the message itself (expiration format, CC/BCC
//! header types, key length) and the extraction of the routing keys. Knows nothing of exchanges.

use std::rc::Rc;

use crate::error::BrokerError;
use crate::value::{Table, Value};

/// Ten years in milliseconds: the largest `expiration` RabbitMQ accepts.
pub const MAX_EXPIRATION_MS: u64 = 10 * 365 * 24 * 60 * 60 * 1000;

/// AMQP 0-9-1 basic properties, named as in the protocol.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub headers: Table,
    /// 1 = transient, 2 = persistent.
    pub delivery_mode: Option<u8>,
    pub priority: Option<u8>,
    pub correlation_id: Option<String>,
    pub reply_to: Option<String>,
    /// Per-message TTL in milliseconds, as a decimal string.
    pub expiration: Option<String>,
    pub message_id: Option<String>,
    pub timestamp: Option<i64>,
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub app_id: Option<String>,
}

impl Properties {
    pub fn persistent(&self) -> bool {
        self.delivery_mode == Some(2)
    }
}

/// A `basic.publish`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Publish {
    pub exchange: String,
    pub routing_key: String,
    pub mandatory: bool,
    pub immediate: bool,
    pub properties: Properties,
    pub body: Rc<[u8]>,
}

/// Where one routing key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    RoutingKey,
    Cc,
    Bcc,
}

impl Publish {
    pub fn new(exchange: impl Into<String>, routing_key: impl Into<String>) -> Self {
        Publish {
            exchange: exchange.into(),
            routing_key: routing_key.into(),
            ..Default::default()
        }
    }

    pub fn with_body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = Rc::from(body.as_ref());
        self
    }

    pub fn with_headers(mut self, headers: Table) -> Self {
        self.properties.headers = headers;
        self
    }

    /// Every routing key of the message with its source: the routing key, then each longstr of
    /// a `CC` array, then each of a `BCC` array (RabbitMQ's sender-selected distribution).
    pub fn routing_keys(&self) -> Result<Vec<(String, KeySource)>, BrokerError> {
        let mut keys = Vec::with_capacity(1);
        self.visit_keys(|key, source| keys.push((key.to_owned(), source)))?;
        Ok(keys)
    }

    /// Checks every routing key (see [`Publish::routing_keys`]), handing each to `f`.
    fn visit_keys(&self, mut f: impl FnMut(&str, KeySource)) -> Result<(), BrokerError> {
        check_key(&self.routing_key)?;
        f(&self.routing_key, KeySource::RoutingKey);
        for (header, source) in [("CC", KeySource::Cc), ("BCC", KeySource::Bcc)] {
            match self.properties.headers.get(header) {
                None => {}
                Some(Value::Array(items)) => {
                    for key in items.iter().filter_map(Value::as_str) {
                        check_key(key)?;
                        f(key, source);
                    }
                }
                Some(other) => {
                    return Err(BrokerError::InvalidRoutingHeader {
                        header,
                        type_name: other.type_name(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The per-message TTL, checked as RabbitMQ's `check_expiration_header` does.
    pub fn expiration_ms(&self) -> Result<Option<u64>, BrokerError> {
        parse_expiration(self.properties.expiration.as_deref())
    }

    /// All checks RabbitMQ makes on the message before it looks at the exchange's bindings.
    pub fn validate(&self) -> Result<(), BrokerError> {
        if self.immediate {
            return Err(BrokerError::ImmediateNotImplemented);
        }
        self.expiration_ms()?;
        self.visit_keys(|_, _| {})
    }
}

/// `None` or an integer string (Erlang's `list_to_integer`: an optional sign, then digits) from
/// 0 to ten years in milliseconds; the error carries RabbitMQ's reason. Inlined: most
/// messages have none, checked at every publish.
#[inline]
pub fn parse_expiration(expiration: Option<&str>) -> Result<Option<u64>, BrokerError> {
    match expiration {
        None => Ok(None),
        Some(text) => parse_expiration_text(text),
    }
}

/// [`parse_expiration`] of an expiration that is there.
fn parse_expiration_text(text: &str) -> Result<Option<u64>, BrokerError> {
    let invalid = |reason: String| BrokerError::InvalidExpiration {
        value: text.to_owned(),
        reason,
    };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("no_integer".to_owned()));
    }
    let Ok(n) = text.parse::<i128>() else {
        return Err(invalid(format!("{{value_too_large,{text}}}")));
    };
    if n < 0 {
        return Err(invalid(format!("{{value_negative,{n}}}")));
    }
    match u64::try_from(n) {
        Ok(ms) if ms <= MAX_EXPIRATION_MS => Ok(Some(ms)),
        _ => Err(invalid(format!("{{value_too_large,{n}}}"))),
    }
}

fn check_key(key: &str) -> Result<(), BrokerError> {
    crate::exchange::check_key_length(key, "routing key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_expiration(text: &str, expected: Result<Option<u64>, ()>) {
        assert_eq!(
            parse_expiration(Some(text)).map_err(|_| ()),
            expected,
            "{text:?}"
        );
    }

    #[test]
    fn expiration_format() {
        check_expiration("0", Ok(Some(0)));
        check_expiration("1000", Ok(Some(1000)));
        check_expiration("315360000000", Ok(Some(MAX_EXPIRATION_MS)));
        check_expiration("315360000001", Err(()));
        check_expiration("abc", Err(()));
        check_expiration("-1", Err(()));
        check_expiration("+5", Ok(Some(5)));
        check_expiration("", Err(()));
        check_expiration("1.5", Err(()));
        check_expiration(" 1", Err(()));
        assert_eq!(parse_expiration(None).ok(), Some(None));
        let reason = |text: &str| parse_expiration(Some(text)).unwrap_err().to_string();
        assert_eq!(reason("abc"), "invalid expiration 'abc': no_integer");
        assert_eq!(reason("-1"), "invalid expiration '-1': {value_negative,-1}");
        assert_eq!(
            reason("315360000001"),
            "invalid expiration '315360000001': {value_too_large,315360000001}"
        );
    }

    fn headers(name: &str, value: Value) -> Table {
        std::iter::once((name.to_string(), value)).collect()
    }

    #[test]
    fn cc_and_bcc_add_routing_keys() {
        let cc = Value::Array(vec![
            Value::Str("b".into()),
            Value::Int(1),
            Value::Str("c".into()),
        ]);
        let publish = Publish::new("x", "a").with_headers(headers("CC", cc));
        let keys: Vec<String> = publish
            .routing_keys()
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);
        let bcc = Publish::new("x", "a")
            .with_headers(headers("BCC", Value::Array(vec![Value::Str("q".into())])));
        assert_eq!(
            bcc.routing_keys().unwrap().get(1),
            Some(&("q".to_string(), KeySource::Bcc))
        );
    }

    #[test]
    fn cc_that_is_not_an_array_is_refused() {
        let publish = Publish::new("x", "a").with_headers(headers("CC", Value::Str("b".into())));
        assert!(matches!(
            publish.validate(),
            Err(BrokerError::InvalidRoutingHeader { header: "CC", .. })
        ));
    }

    #[test]
    fn immediate_and_long_keys_are_refused() {
        let mut publish = Publish::new("x", "a");
        publish.immediate = true;
        assert_eq!(publish.validate().unwrap_err().code().number(), 540);
        assert!(Publish::new("x", "k".repeat(255)).validate().is_ok());
        assert!(Publish::new("x", "k".repeat(256)).validate().is_err());
    }
}
