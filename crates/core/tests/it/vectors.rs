//! Reading `../shared/conformance/rabbitmq-vectors.json`: the file, its typed values and its
//! version ranges. The file is not copied into the repository; tests that need it say so and
//! skip when it is absent.

use std::path::PathBuf;

use serde_json::Value as Json;
use switchyard_core::{Profile, Table, Value};

/// The vectors file: `$SWITCHYARD_SHARED/conformance/...`, or `shared/` beside the repository.
pub fn load() -> Option<Json> {
    let shared = std::env::var_os("SWITCHYARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("conformance/rabbitmq-vectors.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the vectors file is valid JSON")),
        Err(_) => {
            eprintln!(
                "SKIPPED: {} not found (set SWITCHYARD_SHARED to the shared/ folder)",
                path.display()
            );
            None
        }
    }
}

/// `[type, value]` as an AMQP value (RabbitMQ field-table type names).
pub fn typed(kind: &str, value: &Json) -> Value {
    match kind {
        "longstr" => Value::Str(value.as_str().unwrap().to_owned()),
        "binary" => Value::Binary(value.as_str().unwrap().as_bytes().to_vec()),
        "long" | "signedint" | "short" | "byte" | "unsignedint" => {
            Value::Int(value.as_i64().unwrap())
        }
        "double" | "float" => Value::Float(value.as_f64().unwrap()),
        "bool" => Value::Bool(value.as_bool().unwrap()),
        "void" => Value::Void,
        "timestamp" => Value::Timestamp(value.as_i64().unwrap()),
        "table" => Value::Table(table(value)),
        "array" => Value::Array(
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|item| typed(item[0].as_str().unwrap(), &item[1]))
                .collect(),
        ),
        other => panic!("unknown AMQP type {other}"),
    }
}

/// A list of `[name, type, value]` as a table (`null` is the empty table).
pub fn table(list: &Json) -> Table {
    let Some(items) = list.as_array() else {
        return Table::new();
    };
    items
        .iter()
        .map(|item| {
            (
                item[0].as_str().unwrap().to_owned(),
                typed(item[1].as_str().unwrap(), &item[2]),
            )
        })
        .collect()
}

/// `expected`, overridden by the `expected_by_version` entry for `profile`.
pub fn expected<'a>(case: &'a Json, key: &str, profile: Profile) -> &'a Json {
    if let Some(by_version) = case.get(format!("{key}_by_version")) {
        for (range, value) in by_version.as_object().unwrap() {
            if profile.matches_version_range(range) {
                return value;
            }
        }
    }
    &case[key]
}

/// A JSON list of strings as a sorted vector.
pub fn sorted_strings(json: &Json) -> Vec<String> {
    let mut items: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    items.sort();
    items.dedup();
    items
}

pub fn str_list(json: &Json) -> Vec<&Json> {
    json.as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}
