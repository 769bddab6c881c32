//! `switchyard replay`: applies each operation of a script to the broker and prints exactly one
//! JSON line per operation. A failing operation prints its channel error and the run goes on, as
//! a client would continue on a fresh channel; a malformed line stops the run with exit code 2.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde_json::{Value as Json, json};
use switchyard_core::{Broker, BrokerError};

use crate::ops::{self, Op};

/// Replays the script at `path`, printing to stdout.
pub fn run_file(mut broker: Broker, path: &Path) -> Result<(), String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let at = format!("{}:{}", path.display(), index + 1);
        let line = line.map_err(|e| format!("{at}: cannot read: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let json: Json = serde_json::from_str(&line)
            .map_err(|e| format!("{at}: not valid JSON (column {}): {e}", e.column()))?;
        let op = ops::parse(&json).map_err(|e| format!("{at}: {e}"))?;
        for output in apply(&mut broker, &op) {
            writeln!(out, "{output}").map_err(|e| format!("cannot write the output: {e}"))?;
        }
    }
    Ok(())
}

/// The output lines of one operation: its own line first.
pub fn apply(broker: &mut Broker, op: &Op) -> Vec<Json> {
    let result = match op {
        Op::Publish { vhost, publish } => broker.publish(vhost, publish, broker.now()).map(|outcome| {
            json!({"op": "publish", "confirm": outcome.confirm.name(), "returned": outcome.returned, "queues": outcome.queues})
        }),
        Op::DeclareExchange { vhost, decl } => broker.declare_exchange(vhost, decl.clone()).map(|()| done(op)),
        Op::DeclareQueue { vhost, decl } => broker.declare_queue(vhost, decl.clone()).map(|()| done(op)),
        Op::Bind { vhost, decl } => broker.bind(vhost, decl.clone()).map(|()| done(op)),
        Op::Unbind { vhost, decl } => broker.unbind(vhost, decl).map(|()| done(op)),
        Op::DeleteExchange { vhost, name, if_unused } => broker.delete_exchange(vhost, name, *if_unused).map(|()| done(op)),
        Op::DeleteQueue { vhost, name } => broker.delete_queue(vhost, name).map(|()| done(op)),
    };
    broker.drain_events();
    vec![result.unwrap_or_else(|e| failed(op, &e))]
}

fn done(op: &Op) -> Json {
    json!({ "op": op.name() })
}

fn failed(op: &Op, error: &BrokerError) -> Json {
    json!({"op": op.name(), "error": {"code": error.code().number(), "text": error.reply_text()}})
}
