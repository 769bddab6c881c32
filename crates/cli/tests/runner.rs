//! The `switchyard` binary end to end: replay output lines, explain text, and exit code 2 with a
//! message naming the file, line and field for bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{file, run};

const DEFS: &str = r#"{
  "vhosts": [{"name": "/"}],
  "exchanges": [
    {"name": "topic_logs", "vhost": "/", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {"alternate-exchange": "unrouted"}},
    {"name": "unrouted", "vhost": "/", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}
  ],
  "queues": [
    {"name": "Q1", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}},
    {"name": "Q2", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}},
    {"name": "lost", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}}
  ],
  "bindings": [
    {"source": "topic_logs", "vhost": "/", "destination": "Q1", "destination_type": "queue", "routing_key": "*.orange.*", "arguments": {}},
    {"source": "topic_logs", "vhost": "/", "destination": "Q2", "destination_type": "queue", "routing_key": "*.*.rabbit", "arguments": {}},
    {"source": "topic_logs", "vhost": "/", "destination": "Q2", "destination_type": "queue", "routing_key": "lazy.#", "arguments": {}},
    {"source": "unrouted", "vhost": "/", "destination": "lost", "destination_type": "queue", "routing_key": "", "arguments": {}}
  ]
}"#;

fn replay(ops: &str) -> Vec<serde_json::Value> {
    let (defs, ops) = (file(DEFS), file(ops));
    let out = run(&[
        "replay",
        "--definitions",
        defs.path().to_str().unwrap(),
        "--ops",
        ops.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check(op: &str, expected: &str) {
    let lines = replay(op);
    assert_eq!(
        lines.first().unwrap(),
        &serde_json::from_str::<serde_json::Value>(expected).unwrap(),
        "{op}"
    );
}

#[test]
fn replay_prints_one_line_per_operation() {
    check(
        r#"{"op":"publish","exchange":"topic_logs","routing_key":"quick.orange.rabbit"}"#,
        r#"{"op":"publish","confirm":"ack","returned":false,"queues":["Q1","Q2"]}"#,
    );
    check(
        r#"{"op":"publish","exchange":"topic_logs","routing_key":"lazy.pink.elephant"}"#,
        r#"{"op":"publish","confirm":"ack","returned":false,"queues":["Q2"]}"#,
    );
    check(
        r#"{"op":"publish","exchange":"topic_logs","routing_key":"quick.brown.fox","mandatory":true}"#,
        r#"{"op":"publish","confirm":"ack","returned":false,"queues":["lost"]}"#,
    );
    check(
        r#"{"op":"publish","exchange":"","routing_key":"nope","mandatory":true}"#,
        r#"{"op":"publish","confirm":"ack","returned":true,"queues":[]}"#,
    );
    check(
        r#"{"op":"publish","exchange":"missing","routing_key":"k"}"#,
        r#"{"op":"publish","error":{"code":404,"text":"NOT_FOUND - no exchange 'missing' in vhost '/'"}}"#,
    );
    check(
        r#"{"op":"bind","source":"","destination":"Q1","routing_key":"Q1"}"#,
        r#"{"op":"bind","error":{"code":403,"text":"ACCESS_REFUSED - operation not permitted on the default exchange"}}"#,
    );
    check(
        r#"{"op":"declare_exchange","name":"topic_logs","type":"direct"}"#,
        r#"{"op":"declare_exchange","error":{"code":406,"text":"PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'topic_logs' in vhost '/': received 'direct' but current is 'topic'"}}"#,
    );
    check(
        r#"{"op":"declare_queue","name":"Q3"}"#,
        r#"{"op":"declare_queue"}"#,
    );
}

#[test]
fn a_failed_operation_does_not_stop_the_run() {
    let lines = replay(concat!(
        r#"{"op":"publish","exchange":"missing","routing_key":"k"}"#,
        "\n",
        r#"{"op":"unbind","source":"topic_logs","destination":"Q1","routing_key":"*.orange.*"}"#,
        "\n",
        "\n",
        r#"{"op":"publish","exchange":"topic_logs","routing_key":"quick.orange.fox"}"#,
        "\n",
    ));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["op"], "unbind");
    assert_eq!(lines[2]["queues"], serde_json::json!(["lost"]));
}

#[test]
fn explain_prints_the_route_as_text() {
    let defs = file(DEFS);
    let out = run(&[
        "explain",
        "--definitions",
        defs.path().to_str().unwrap(),
        "--exchange",
        "topic_logs",
        "--routing-key",
        "quick.orange.fox",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[x] queue `Q1`"), "{text}");
    assert!(text.contains("[ ] queue `Q2`"), "{text}");
    assert!(text.contains("=> routed to 1 queue: `Q1`"), "{text}");
}

#[test]
fn explain_and_replay_say_what_the_definitions_left_out() {
    let defs = file(
        r##"{"queues": [{"name": "audit", "vhost": "shop", "durable": true, "auto_delete": false, "arguments": {"x-queue-type": "stream"}}],
            "exchanges": [{"name": "orders", "vhost": "shop", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}],
            "bindings": [{"source": "orders", "vhost": "shop", "destination": "audit", "destination_type": "queue", "routing_key": "#", "arguments": {}}]}"##,
    );
    let ops =
        file(r#"{"op": "publish", "vhost": "shop", "exchange": "orders", "routing_key": "a"}"#);
    let defs = defs.path().to_str().unwrap();
    let explain = [
        "explain",
        "--definitions",
        defs,
        "--vhost",
        "shop",
        "--exchange",
        "orders",
    ];
    let replay = [
        "replay",
        "--definitions",
        defs,
        "--ops",
        ops.path().to_str().unwrap(),
    ];
    for args in [&explain[..], &replay[..]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(
                "note: Left out the stream queue 'audit' (vhost 'shop') and the binding to it"
            ),
            "{args:?}: {stderr}"
        );
    }
}

fn check_failure(args: &[&str], ops: Option<&str>, expected: &str) {
    let ops = ops.map(file);
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if let Some(ops) = &ops {
        args.extend(["--ops".to_string(), ops.path().display().to_string()]);
    }
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
}

#[test]
fn bad_input_exits_2_naming_file_line_and_field() {
    let defs = file(DEFS);
    let d = defs.path().to_str().unwrap();
    check_failure(
        &["replay", "--definitions", d],
        Some("{\"op\":\"publish\"}\n{\"op\":\"publish\",\"mandatory\":3}\n"),
        ":2: mandatory: expected true or false",
    );
    check_failure(
        &["replay", "--definitions", d],
        Some("{\"op\":\"publish\"\n"),
        ":1: not valid JSON",
    );
    check_failure(
        &["replay", "--definitions", d],
        Some("{\"op\":\"teleport\"}\n"),
        ":1: op: unknown operation \"teleport\"",
    );
    let bad_defs = file(r#"{"exchanges": [{"name": "x", "type": "sideways"}]}"#);
    check_failure(
        &["replay", "--definitions", bad_defs.path().to_str().unwrap()],
        Some(""),
        "exchanges[0].type: unknown exchange type `sideways`",
    );
    check_failure(
        &["replay", "--definitions", "/nonexistent.json"],
        Some(""),
        "/nonexistent.json: cannot read",
    );
    check_failure(
        &[
            "explain",
            "--definitions",
            d,
            "--exchange",
            "topic_logs",
            "--header",
            "novalue",
        ],
        None,
        "--header novalue: expected NAME=VALUE",
    );
}
