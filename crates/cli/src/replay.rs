//! `switchyard replay`: applies each operation of a script to the broker and prints exactly one
//! JSON line per operation, followed by a `deliver` line for each delivery to a consumer it
//! caused. A failing operation prints its channel error, and the channel closes (its
//! unsettled deliveries are requeued, its consumers cancelled) as on a real broker; the run goes
//! on, as a client would on a fresh channel. A malformed line stops the run with exit code 2.
//! Virtual time starts at 0 and moves only with `advance`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde_json::{Map, Value as Json, json};
use switchyard_core::{Broker, BrokerError, ChannelId, ConsumeOptions};

use crate::ops::{self, Op};
use crate::output;

/// The runner's one channel.
const CHANNEL: ChannelId = ChannelId::FIRST;

/// Replays the script at `path`, printing to stdout.
pub fn run_file(mut broker: Broker, path: &Path) -> Result<(), String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    broker.drain_events();
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

/// The output lines of one operation: its own line first, then the deliveries it caused.
pub fn apply(broker: &mut Broker, op: &Op) -> Vec<Json> {
    let result = execute(broker, op);
    let mut events = broker.drain_events();
    let first = match result {
        Ok(line) => line,
        Err(error) => {
            // A channel error closes the channel; a connection error (5xx) the connection.
            // Closing at the broker's own time cannot fail, so the result carries nothing.
            let _closed = if error.code().is_connection_error() {
                broker.close_connection(broker.now())
            } else {
                broker.close_channel(CHANNEL, broker.now())
            };
            events.extend(broker.drain_events());
            failed(op, &error)
        }
    };
    let mut lines = vec![first];
    lines.extend(output::deliveries(&events));
    lines
}

fn execute(broker: &mut Broker, op: &Op) -> Result<Json, BrokerError> {
    let now = broker.now();
    match op {
        Op::Publish { vhost, publish } => broker.publish(vhost, publish, now).map(|outcome| {
            let queues: Vec<&str> = outcome.queues.iter().map(|q| &**q).collect();
            json!({"op": "publish", "confirm": outcome.confirm.name(), "returned": outcome.returned, "queues": queues})
        }),
        Op::DeclareExchange { vhost, decl } => broker.declare_exchange(vhost, decl.clone()).map(|()| done(op)),
        Op::DeclareQueue { vhost, decl } => broker.declare_queue(vhost, decl.clone()).map(|()| done(op)),
        Op::Bind { vhost, decl } => broker.bind(vhost, decl.clone()).map(|()| done(op)),
        Op::Unbind { vhost, decl } => broker.unbind(vhost, decl).map(|()| done(op)),
        Op::DeleteExchange { vhost, name, if_unused } => broker.delete_exchange(vhost, name, *if_unused).map(|()| done(op)),
        Op::DeleteQueue { vhost, name } => broker.delete_queue(vhost, name).map(|()| done(op)),
        Op::Get { vhost, queue, auto_ack } => broker.get(vhost, queue, CHANNEL, *auto_ack, now).map(|got| match got {
            None => json!({"op": "get", "message": null}),
            Some(ok) => json!({"op": "get", "message": output::delivery(&ok.delivery), "message_count": ok.message_count}),
        }),
        Op::Ack { delivery_tag, multiple } => broker.ack(CHANNEL, *delivery_tag, *multiple, now).map(|()| done(op)),
        Op::Nack { delivery_tag, multiple, requeue } => broker.nack(CHANNEL, *delivery_tag, *multiple, *requeue, now).map(|()| done(op)),
        Op::Reject { delivery_tag, requeue } => broker.reject(CHANNEL, *delivery_tag, *requeue, now).map(|()| done(op)),
        Op::Consume { vhost, queue, consumer_tag, prefetch, auto_ack, exclusive, priority } => {
            let options = ConsumeOptions {
                prefetch: *prefetch,
                auto_ack: *auto_ack,
                exclusive: *exclusive,
                priority: *priority,
                ..ConsumeOptions::new(CHANNEL, consumer_tag.clone())
            };
            broker.consume(vhost, queue, options, now).map(|()| done(op))
        }
        Op::Cancel { consumer_tag } => broker.cancel(CHANNEL, consumer_tag, now).map(|()| done(op)),
        Op::Advance { ms } => broker.advance(now.saturating_add(*ms)).map(|()| done(op)),
        Op::Purge { vhost, queue } => broker.purge(vhost, queue, now).map(|n| json!({"op": "purge", "message_count": n})),
        Op::Dump { vhost } => dump(broker, vhost),
        Op::Restart => broker.restart(now).map(|()| done(op)),
        Op::Close => broker.close_channel(CHANNEL, now).map(|()| done(op)),
    }
}

/// Every queue of `vhost` with its ready messages in delivery order.
fn dump(broker: &Broker, vhost: &str) -> Result<Json, BrokerError> {
    broker.topology(vhost)?;
    let queues: Map<String, Json> = broker
        .queue_states(vhost)
        .map(|q| {
            let messages = q
                .messages()
                .iter()
                .map(|m| output::message(m, None))
                .collect();
            (q.name().to_owned(), Json::Array(messages))
        })
        .collect();
    Ok(json!({"op": "dump", "queues": queues}))
}

fn done(op: &Op) -> Json {
    json!({ "op": op.name() })
}

fn failed(op: &Op, error: &BrokerError) -> Json {
    json!({"op": op.name(), "error": {"code": error.code().number(), "text": error.reply_text()}})
}
