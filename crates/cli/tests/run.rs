//! `switchyard run` end to end: the summary JSON, the trace file (same seed ⇒ same bytes), and
//! exit code 2 with a message naming the file and field for each kind of bad scenario.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{file, run};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/orders-topic.json"
);

#[test]
fn prints_the_summary_and_writes_the_same_trace_for_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let trace = |name: &str, seed: &str| {
        let path = dir.path().join(name);
        let out = run(&[
            "run",
            EXAMPLE,
            "--until",
            "10s",
            "--seed",
            seed,
            "--trace",
            path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["time_ms"], 10_000.0);
        assert!(summary["messages"]["published"].as_u64().unwrap() > 100);
        assert!(summary["queues"]["email-notifications"]["ready"].is_u64());
        std::fs::read(path).unwrap()
    };
    let a = trace("a.jsonl", "9");
    assert!(a.len() > 10_000);
    assert_eq!(a, trace("b.jsonl", "9"));
    assert_ne!(a, trace("c.jsonl", "10"));
}

/// Exit code 2 and a message on stderr containing `expected`.
fn check_bad(scenario: &str, expected: &str) {
    let f = file(scenario);
    let out = run(&["run", f.path().to_str().unwrap(), "--until", "1s"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stderr.contains(f.path().to_str().unwrap()), "{stderr}");
}

#[test]
fn each_kind_of_bad_scenario_exits_2_naming_the_field() {
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    check_bad("{", "not valid JSON (line 1, column 1)");
    check_bad("[]", "a scenario file must be a JSON object");
    check_bad(
        &example.replace("\"switchyard\": 1", "\"switchyard\": 3"),
        "switchyard: version 3 is not supported",
    );
    check_bad(
        &example.replace(
            "\"prefetch\": 10, \"processing_ms\": {\"uniform\"",
            "\"prefetch\": -1, \"processing_ms\": {\"uniform\"",
        ),
        "actors.consumers[1].prefetch: expected a number from 0 to 65535",
    );
    check_bad(
        &example.replace("\"seed\": 42", "\"seeds\": 42"),
        "seeds: unknown field",
    );
    check_bad(
        &example.replace(
            "\"queue\": \"email-notifications\", \"prefetch\": 10, \"processing_ms\": {\"exp",
            "\"queue\": \"emails\", \"prefetch\": 10, \"processing_ms\": {\"exp",
        ),
        "actors.consumers[0].queue: queue `emails` is not declared in vhost `/`",
    );
    check_bad(
        &example.replace("\"consumer\": \"mailer-1\"", "\"consumer\": \"mailer-9\""),
        "script[0].consumer: no consumer is named `mailer-9`",
    );
    check_bad(
        &example.replace(
            "\"destination_type\": \"queue\"",
            "\"destination_type\": \"queues\"",
        ),
        "topology.bindings[0].destination_type",
    );
}

#[test]
fn a_missing_file_or_a_bad_duration_exits_2() {
    let out = run(&["run", "/nonexistent/s.json", "--until", "1s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/s.json: cannot read"));
    let out = run(&["run", EXAMPLE, "--until", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a duration such as 60s"));
}

/// Every shipped scenario runs; the definitions it writes at the end are a definitions file
/// the runner reads back (`replay --definitions`), holding every exchange the scenario's own
/// topology declares.
#[test]
fn every_shipped_scenario_runs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let written = tempfile::tempdir().unwrap();
    let no_ops = file("");
    let no_ops = no_ops.path().to_str().unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let defs = written.path().join("defs.json");
        let defs = defs.to_str().unwrap();
        let out = run(&[
            "run",
            path.to_str().unwrap(),
            "--until",
            "1s",
            "--definitions",
            defs,
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // A flow run as orchestration sends calls, not messages.
        let work = summary["messages"]["published"].as_u64().unwrap()
            + summary["flow"]["caller"]["requests"].as_u64().unwrap_or(0);
        assert!(work > 0, "{}", path.display());
        let exported: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(defs).unwrap()).unwrap();
        let scenario: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let names = |json: &serde_json::Value| -> Vec<String> {
            (json["exchanges"].as_array().into_iter().flatten())
                .map(|x| x["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let exported_names = names(&exported);
        for name in names(&scenario["topology"]) {
            assert!(exported_names.contains(&name), "{}: {name}", path.display());
        }
        let back = run(&["replay", "--definitions", defs, "--ops", no_ops]);
        assert!(
            back.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&back.stderr)
        );
        count += 1;
    }
    assert!(count >= 2);
}
