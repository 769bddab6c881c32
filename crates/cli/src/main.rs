//! `switchyard`: the headless runner over Switchyard's core. It replays a RabbitMQ definitions
//! file and a script of operations and prints the outcome as JSON lines, or explains a route as
//! text, so the core can be tested against a real RabbitMQ and a workshop can check an exercise
//! without a browser.
//!
//! Exit codes: 0 success; 2 a bad argument, file or line (the message names it).

mod ops;
mod output;
mod replay;
mod run;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchyard_core::definitions::Definitions;
use switchyard_core::{Broker, Profile, Publish, Table, Value};

#[derive(Parser)]
#[command(
    name = "switchyard",
    version,
    about = "Switchyard's headless runner: RabbitMQ routing without a broker"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply a definitions file, then each operation of OPS.jsonl; print one JSON line per operation.
    ///
    /// Operations: publish, declare_exchange, declare_queue, bind, unbind, delete_exchange,
    /// delete_queue, get, ack, nack, reject, consume, cancel, advance (virtual ms), purge, dump,
    /// restart, close. A delivery to a consumer prints a {"event":"deliver",...} line right after
    /// the operation that caused it. A failing operation prints its error and closes the channel.
    Replay {
        #[arg(long, value_name = "DEFS.json")]
        definitions: Option<PathBuf>,
        #[arg(long, value_name = "OPS.jsonl")]
        ops: PathBuf,
        #[arg(long, default_value = "rabbitmq-4", value_parser = parse_profile)]
        profile: Profile,
    },
    /// Run a scenario file as fast as possible; print the metrics summary as JSON.
    Run {
        #[arg(value_name = "SCENARIO.json")]
        scenario: PathBuf,
        /// Virtual time to run for: 60s, 500ms, 2m.
        #[arg(long, value_parser = run::parse_duration)]
        until: switchyard_core::sim::SimTime,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Writes every trace event as a JSON line.
        #[arg(long, value_name = "FILE.jsonl")]
        trace: Option<PathBuf>,
        /// Runs the scenario's flow in this style: orchestration or choreography.
        #[arg(long, value_parser = run::parse_style)]
        style: Option<switchyard_core::sim::flow::Style>,
        /// Runs the scenario's flow in both styles (same seed and load) and prints the figures side by side.
        #[arg(long, conflicts_with_all = ["style", "trace", "definitions"])]
        compare: bool,
        /// Writes the broker's topology at the end of the run as a RabbitMQ definitions file
        /// (for `rabbitmqctl import_definitions`).
        #[arg(long, value_name = "DEFS.json")]
        definitions: Option<PathBuf>,
    },
    /// Explain, as text, where a message published to EXCHANGE with KEY would go, and why.
    Explain {
        #[arg(long, value_name = "DEFS.json")]
        definitions: PathBuf,
        #[arg(long)]
        exchange: String,
        #[arg(long = "routing-key", default_value = "")]
        routing_key: String,
        /// A message header as NAME=VALUE; VALUE is read as JSON when it parses (1, true, null), else as text.
        #[arg(long = "header", value_name = "NAME=VALUE")]
        headers: Vec<String>,
        #[arg(long)]
        mandatory: bool,
        #[arg(long, default_value = "/")]
        vhost: String,
        #[arg(long, default_value = "rabbitmq-4", value_parser = parse_profile)]
        profile: Profile,
    },
}

fn parse_profile(text: &str) -> Result<Profile, String> {
    text.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay {
            definitions,
            ops,
            profile,
        } => load_broker(definitions.as_deref(), profile)
            .and_then(|broker| replay::run_file(broker, &ops)),
        Command::Run {
            scenario,
            until,
            seed,
            trace,
            style,
            compare,
            definitions,
        } => {
            let flow = run::FlowChoice { style, compare };
            let out = run::Outputs {
                trace: trace.as_deref(),
                definitions: definitions.as_deref(),
            };
            run::run(&scenario, until, seed, out, flow)
        }
        Command::Explain {
            definitions,
            exchange,
            routing_key,
            headers,
            mandatory,
            vhost,
            profile,
        } => load_broker(Some(&definitions), profile).and_then(|broker| {
            let mut publish =
                Publish::new(exchange, routing_key).with_headers(parse_headers(&headers)?);
            publish.mandatory = mandatory;
            match broker.explain(&vhost, &publish) {
                Ok(explanation) => print!("{explanation}"),
                Err(error) => println!("the broker refuses this publish: {}", error.reply_text()),
            }
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("switchyard: {message}");
            ExitCode::from(2)
        }
    }
}

/// A broker holding the definitions file's topology (an empty one without a file). What it
/// leaves out (stream queues) is said on stderr: a route shown without them must not pass for whole.
fn load_broker(path: Option<&Path>, profile: Profile) -> Result<Broker, String> {
    let Some(path) = path else {
        return Ok(Broker::new(profile));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let defs =
        Definitions::from_json_text(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(note) = defs.left_out_note() {
        eprintln!("switchyard: {}: note: {note}", path.display());
    }
    defs.to_broker(profile)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_headers(pairs: &[String]) -> Result<Table, String> {
    let mut table = Table::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--header {pair}: expected NAME=VALUE"))?;
        let value = serde_json::from_str(value).map_or_else(
            |_| Value::Str(value.to_owned()),
            |json| Value::from_json(&json),
        );
        table.insert(name, value);
    }
    Ok(table)
}
