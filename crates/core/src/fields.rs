//! Reading JSON inputs (definitions files, scenario files, runner operations) field by field,
//! so that every error names the path of the field at fault: `exchanges[2].type: ...`.

use std::fmt;

use serde_json::{Map, Value as Json};

use crate::value::Table;

/// Upper bound on list lengths, so a hostile file cannot exhaust the browser.
pub const MAX_ITEMS: usize = 100_000;

/// A problem in a JSON input (definitions file, runner operation), with the path of the field at
/// fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

pub fn error(path: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.into(),
    }
}

pub fn list<'a>(root: &'a Map<String, Json>, key: &str) -> Result<&'a [Json], FieldError> {
    match root.get(key) {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(items)) if items.len() > MAX_ITEMS => Err(error(
            key,
            format!(
                "{} entries is more than the {MAX_ITEMS} allowed",
                items.len()
            ),
        )),
        Some(Json::Array(items)) => Ok(items),
        Some(_) => Err(error(key, "expected an array")),
    }
}

pub fn object<'a>(item: &'a Json, path: &str) -> Result<&'a Map<String, Json>, FieldError> {
    item.as_object()
        .ok_or_else(|| error(path, "expected an object"))
}

pub fn string(obj: &Map<String, Json>, key: &str, path: &str) -> Result<String, FieldError> {
    match obj.get(key) {
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(error(&join(path, key), "expected a string")),
        None => Err(error(&join(path, key), "is missing")),
    }
}

pub fn boolean(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    default: bool,
) -> Result<bool, FieldError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Bool(b)) => Ok(*b),
        // Some tools write flags as strings.
        Some(Json::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(_) => Err(error(&join(path, key), "expected true or false")),
    }
}

pub fn table(obj: &Map<String, Json>, key: &str, path: &str) -> Result<Table, FieldError> {
    match obj.get(key) {
        None => Ok(Table::new()),
        Some(json) => Table::from_json(json).map_err(|e| error(&join(path, key), e)),
    }
}

/// `path.key`, or `key` at the top level.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path.key` for a key the user chose (a node's name, a header's name): one that is not a plain
/// word (empty, or with a dot, a space, a quote…) is written `path["key"]`, so the path stays
/// unambiguous: the default exchange's layout is `layout[""].x`, not `layout..x`.
pub fn member(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        join(path, key)
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        format!("{path}[{quoted}]")
    }
}

/// Parses JSON text; a syntax error names its line and column.
pub fn parse_json(text: &str) -> Result<Json, FieldError> {
    serde_json::from_str(text).map_err(|e| {
        // serde_json's text ends with the place too ("… at line 6 column 15"): said once.
        let text = e.to_string();
        let place = format!(" at line {} column {}", e.line(), e.column());
        let what = text.strip_suffix(&place).unwrap_or(&text);
        error(
            "",
            format!(
                "not valid JSON (line {}, column {}): {what}",
                e.line(),
                e.column()
            ),
        )
    })
}
