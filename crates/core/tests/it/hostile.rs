//! Hostile scenario files: every preset, with values anywhere in it replaced by absurd ones (huge,
//! negative, fractional, empty, of the wrong type) or removed. Whatever the file, reading it
//! either refuses it with an error that names a path, or gives a scenario that runs, steps back
//! and seeks without a panic. A panic fails the case, and proptest prints the mutation.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

use crate::presets::presets;

/// Absurd numbers: what a typo, an overflow or a hostile file puts where a count, a rate or a
/// time belongs.
fn numbers() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(0.5),
        json!(1e-9),
        json!(1e300),
        json!(-1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(4_294_967_296u64),
        json!(65_536),
        json!(1_000_000_000),
    ]
}

/// Absurd strings: empty, wildcards, reserved names, control characters, very long.
fn strings() -> Vec<Value> {
    vec![
        json!(""),
        json!("#"),
        json!("*.*.#.#"),
        json!("amq.gen-x"),
        json!("\u{0}\u{ffff}"),
        json!("x".repeat(300)),
        json!("{region}.{region}"),
        json!("/"),
    ]
}

/// Values of every other shape.
fn others() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!([]),
        json!({}),
        json!([0, -1, "", null]),
        json!({"kind": "fixed"}),
        json!({"kind": "poisson", "per_second": 1e9}),
    ]
}

/// How one value is mangled.
#[derive(Debug, Clone, Copy)]
enum Edit {
    /// Replaced by any absurd value, of any type.
    Any(usize),
    /// Replaced by an absurd value of its own type, so it passes the type check and tests the
    /// limits.
    SameType(usize),
    /// Removed (an object member), or replaced by null.
    Remove,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<usize>().prop_map(Edit::Any),
        3 => any::<usize>().prop_map(Edit::SameType),
        1 => Just(Edit::Remove),
    ]
}

fn pick(list: Vec<Value>, i: usize) -> Value {
    let n = list.len();
    list.into_iter().nth(i % n).unwrap_or(Value::Null)
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path of every value in `v` but the root, in pre-order.
fn paths(v: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    let children: Vec<(Step, &Value)> = match v {
        Value::Array(items) => (items.iter().enumerate())
            .map(|(i, item)| (Step::Index(i), item))
            .collect(),
        Value::Object(map) => (map.iter())
            .map(|(k, item)| (Step::Key(k.clone()), item))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        prefix.push(step);
        out.push(prefix.clone());
        paths(child, prefix, out);
        prefix.pop();
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// Applies `edit` to the value at pre-order position `at` (modulo the count).
fn mutate(doc: &mut Value, at: usize, edit: Edit) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let Some(path) = all.get(at % all.len().max(1)) else {
        return;
    };
    if let (Edit::Remove, Some((Step::Key(key), parent))) = (edit, path.split_last()) {
        if let Some(Value::Object(map)) = at_mut(doc, parent) {
            map.remove(key);
        }
        return;
    }
    let Some(slot) = at_mut(doc, path) else {
        return;
    };
    *slot = match edit {
        Edit::Remove => Value::Null,
        Edit::SameType(i) if slot.is_number() => pick(numbers(), i),
        Edit::SameType(i) if slot.is_string() => pick(strings(), i),
        Edit::SameType(_) if slot.is_boolean() => Value::Bool(!slot.as_bool().unwrap_or(false)),
        Edit::SameType(i) | Edit::Any(i) => {
            let all: Vec<Value> = [numbers(), strings(), others()].concat();
            pick(all, i)
        }
    };
}

/// Whether `message` starts with a path into the file: a top-level field, then `.field`,
/// `[index]` or `["name"]` steps, then `: ` and the reason.
fn names_a_path(message: &str) -> bool {
    let top = message
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .unwrap_or(0);
    let mut rest = message.get(top..).unwrap_or("");
    while !rest.starts_with(": ") {
        if let Some(after) = rest.strip_prefix("[\"") {
            let Some(end) = after.find("\"]") else {
                return false;
            };
            rest = after.get(end + 2..).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('[') {
            let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
            let Some(tail) = after.get(digits..).and_then(|t| t.strip_prefix(']')) else {
                return false;
            };
            rest = if digits == 0 { "" } else { tail };
        } else if let Some(after) = rest.strip_prefix('.') {
            let word = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(0);
            if word == 0 {
                return false;
            }
            rest = after.get(word..).unwrap_or("");
        } else {
            return false;
        }
    }
    top > 0
}

#[test]
fn paths_are_recognised() {
    assert!(names_a_path(
        "actors.consumers[2].prefetch: expected a number"
    ));
    assert!(names_a_path("layout[\"\"].x: is missing"));
    assert!(names_a_path(
        "topology.queues[0].arguments.x-max-length: bad"
    ));
    assert!(!names_a_path("layout..x: is missing"));
    assert!(!names_a_path("something went wrong"));
    assert!(!names_a_path(": empty path"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_mangled_preset_is_refused_with_a_path_or_runs_without_a_panic(
        preset in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), edit()), 1..4),
    ) {
        let all = presets();
        let (name, text) = preset.get(&all);
        let mut doc: Value = serde_json::from_str(text).unwrap();
        for (at, edit) in edits {
            mutate(&mut doc, at, edit);
        }
        let scenario = match Scenario::from_json(&doc) {
            Ok(s) => s,
            Err(e) => {
                let message = e.to_string();
                prop_assert!(names_a_path(&message), "{name}: `{message}` names no path");
                return Ok(());
            }
        };
        let mut sim = match Simulation::new(scenario, Options::default()) {
            Ok(sim) => sim,
            Err(e) => {
                let message = e.to_string();
                prop_assert!(names_a_path(&message), "{name}: `{message}` names no path");
                return Ok(());
            }
        };
        // A bounded amount of work whatever the rates: 3 s of virtual time or 200,000 events.
        let mut steps = 0;
        while sim.now() < SimTime::from_ms(3_000) && steps < 200_000 {
            if sim.step().is_none() {
                break;
            }
            steps += 1;
        }
        for _ in 0..20 {
            sim.step_back();
        }
        let _ = sim.seek(SimTime::from_ms(1_000));
        let _ = sim.seek(SimTime::ZERO);
        let _ = sim.summary().to_string();
    }
}
