//! The runner's queue operations end to end: the built `switchyard` binary replays a script from
//! a temporary file and its JSON lines are checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::Command;

use serde_json::{Value as Json, json};

/// Runs `replay` over `ops` (one JSON op per line); gives stdout lines, stderr and exit code.
fn replay(ops: &str, profile: &str) -> (Vec<Json>, String, i32) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(ops.as_bytes()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["replay", "--profile", profile, "--ops"])
        .arg(file.path())
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (lines, stderr, out.status.code().unwrap_or(-1))
}

fn ok(ops: &str) -> Vec<Json> {
    let (lines, stderr, code) = replay(ops, "rabbitmq-4");
    assert_eq!(code, 0, "{stderr}");
    lines
}

#[test]
fn get_prints_the_message_object_and_requeue_redelivers() {
    let lines = ok(r#"{"op":"declare_queue","name":"q"}
{"op":"publish","routing_key":"q","body":"text","properties":{"message_id":"m1","headers":{"h":1},"priority":3}}
{"op":"publish","routing_key":"q","body":"two"}
{"op":"get","queue":"q","ack":"manual"}
{"op":"nack","delivery_tag":1,"multiple":false,"requeue":true}
{"op":"get","queue":"q","ack":"auto"}
{"op":"get","queue":"q","ack":"auto"}
{"op":"get","queue":"q","ack":"auto"}
"#);
    let message = json!({"delivery_tag": 1, "message_id": "m1", "exchange": "", "routing_key": "q",
        "redelivered": false, "body": "text", "properties": {"message_id": "m1", "priority": 3, "headers": {"h": 1}}});
    assert_eq!(
        lines[3],
        json!({"op": "get", "message": message, "message_count": 1})
    );
    assert_eq!(lines[4], json!({"op": "nack"}));
    assert_eq!(lines[5]["message"]["redelivered"], json!(true));
    assert_eq!(lines[5]["message"]["delivery_tag"], json!(2));
    assert_eq!(lines[6]["message"]["body"], json!("two"));
    assert_eq!(lines[7], json!({"op": "get", "message": null}));
}

#[test]
fn deliveries_follow_the_operation_that_caused_them() {
    let lines = ok(r#"{"op":"declare_queue","name":"q"}
{"op":"consume","queue":"q","consumer_tag":"c1","prefetch":1,"ack":"manual","exclusive":false}
{"op":"publish","routing_key":"q","body":"a"}
{"op":"publish","routing_key":"q","body":"b"}
{"op":"ack","delivery_tag":1}
{"op":"cancel","consumer_tag":"c1"}
"#);
    let ops: Vec<String> = lines
        .iter()
        .map(|l| {
            l.get("op")
                .or(l.get("event"))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        ops,
        [
            "declare_queue",
            "consume",
            "publish",
            "deliver",
            "publish",
            "ack",
            "deliver",
            "cancel"
        ]
    );
    assert_eq!(lines[3]["consumer_tag"], json!("c1"));
    assert_eq!(lines[3]["message"]["body"], json!("a"));
    assert_eq!(lines[6]["message"]["body"], json!("b"));
    assert_eq!(lines[6]["message"]["delivery_tag"], json!(2));
}

#[test]
fn advance_expires_and_dead_letters_with_x_death() {
    let lines = ok(r#"{"op":"declare_queue","name":"dlq"}
{"op":"declare_queue","name":"q","arguments":{"x-message-ttl":1000,"x-dead-letter-exchange":"","x-dead-letter-routing-key":"dlq"}}
{"op":"advance","ms":2000}
{"op":"publish","routing_key":"q","body":"m","properties":{"expiration":"500"}}
{"op":"advance","ms":499}
{"op":"dump"}
{"op":"advance","ms":1}
{"op":"dump"}
"#);
    assert_eq!(lines[5]["queues"]["q"][0]["body"], json!("m"));
    assert_eq!(lines[7]["queues"]["q"], json!([]));
    let dead = &lines[7]["queues"]["dlq"][0];
    assert_eq!(dead["routing_key"], json!("dlq"));
    assert_eq!(dead["properties"].get("expiration"), None);
    let death = json!({"count": 1, "reason": "expired", "queue": "q", "time": 2, "exchange": "",
        "routing-keys": ["q"], "original-expiration": "500"});
    assert_eq!(dead["properties"]["headers"]["x-death"], json!([death]));
    assert_eq!(
        dead["properties"]["headers"]["x-last-death-reason"],
        json!("expired")
    );
}

#[test]
fn confirms_purge_and_close() {
    let lines = ok(
        r#"{"op":"declare_queue","name":"q","arguments":{"x-max-length":1,"x-overflow":"reject-publish"}}
{"op":"declare_queue","name":"other"}
{"op":"declare_exchange","name":"fan","type":"fanout"}
{"op":"bind","source":"fan","destination":"q"}
{"op":"bind","source":"fan","destination":"other"}
{"op":"publish","exchange":"fan","body":"1"}
{"op":"publish","exchange":"fan","body":"2"}
{"op":"get","queue":"other","ack":"manual"}
{"op":"close"}
{"op":"purge","queue":"other"}
{"op":"purge","queue":"nope"}
"#,
    );
    assert_eq!(lines[5]["confirm"], json!("ack"));
    assert_eq!(lines[6]["confirm"], json!("nack"));
    assert_eq!(lines[6]["returned"], json!(false));
    assert_eq!(lines[8], json!({"op": "close"}));
    assert_eq!(lines[9], json!({"op": "purge", "message_count": 2}));
    assert_eq!(lines[10]["error"]["code"], json!(404));
}

#[test]
fn restart_keeps_persistent_messages_of_durable_queues() {
    let lines = ok(r#"{"op":"declare_queue","name":"d"}
{"op":"declare_queue","name":"t","durable":false}
{"op":"publish","routing_key":"d","body":"kept","properties":{"delivery_mode":2}}
{"op":"publish","routing_key":"d","body":"lost"}
{"op":"publish","routing_key":"t","body":"gone","properties":{"delivery_mode":2}}
{"op":"restart"}
{"op":"dump"}
"#);
    assert_eq!(lines[5], json!({"op": "restart"}));
    let queues = &lines[6]["queues"];
    assert_eq!(queues.as_object().unwrap().len(), 1);
    assert_eq!(queues["d"][0]["body"], json!("kept"));
    assert_eq!(queues["d"].as_array().unwrap().len(), 1);
}

#[test]
fn a_channel_error_closes_the_channel_and_requeues() {
    let lines = ok(r#"{"op":"declare_queue","name":"q"}
{"op":"publish","routing_key":"q","body":"m"}
{"op":"get","queue":"q","ack":"manual"}
{"op":"ack","delivery_tag":7}
{"op":"get","queue":"q","ack":"auto"}
"#);
    assert_eq!(lines[3]["error"]["code"], json!(406));
    assert_eq!(
        lines[3]["error"]["text"],
        json!("PRECONDITION_FAILED - unknown delivery tag 7")
    );
    assert_eq!(lines[4]["message"]["redelivered"], json!(true));
    assert_eq!(lines[4]["message"]["delivery_tag"], json!(1));
}

#[test]
fn quorum_profiles_differ_on_requeue_position() {
    let ops = r#"{"op":"declare_queue","name":"q","arguments":{"x-queue-type":"quorum"}}
{"op":"publish","routing_key":"q","body":"m1"}
{"op":"publish","routing_key":"q","body":"m2"}
{"op":"get","queue":"q","ack":"manual"}
{"op":"nack","delivery_tag":1}
{"op":"get","queue":"q","ack":"auto"}
"#;
    let first = |profile| replay(ops, profile).0[5]["message"]["body"].clone();
    assert_eq!(first("rabbitmq-3.10"), json!("m2"));
    assert_eq!(first("rabbitmq-4"), json!("m1"));
}

#[test]
fn a_malformed_line_names_file_line_and_field() {
    let (lines, stderr, code) = replay(
        "{\"op\":\"declare_queue\",\"name\":\"q\"}\n{\"op\":\"get\",\"queue\":\"q\",\"ack\":\"maybe\"}\n",
        "rabbitmq-4",
    );
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1);
    assert!(
        stderr.contains(":2: ack: expected \"auto\" or \"manual\""),
        "{stderr}"
    );
    let (_, stderr, code) = replay("{\"op\":\"advance\"}\n", "rabbitmq-4");
    assert_eq!(code, 2);
    assert!(stderr.contains(":1: ms: is missing"), "{stderr}");
}
