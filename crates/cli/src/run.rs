//! `switchyard run SCENARIO.json --until 60s [--seed N] [--trace FILE.jsonl]
//! [--definitions DEFS.json] [--style orchestration|choreography] [--compare]`: runs a scenario
//! headless, as fast as possible, prints the metrics summary as JSON and optionally writes every
//! trace event as a JSON line and the broker's topology at the end as RabbitMQ definitions; with
//! a flow, runs it in the chosen style or compares both styles. A bad scenario file is an error that names the file and
//! the field's path (exit code 2, from `main`).

use std::io::{BufWriter, Write};
use std::path::Path;

use switchyard_core::definitions;
use switchyard_core::sim::flow::{Style, compare};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

/// Virtual time advanced between two trace flushes: the ring must hold what one chunk records.
const CHUNK_US: u64 = 100_000;
/// The trace ring of the runner: room for a chunk of about a million events.
const TRACE_RING: usize = 1 << 20;

/// What to do with the scenario's flow: run it in a style, or compare both.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowChoice {
    pub style: Option<Style>,
    pub compare: bool,
}

/// Files written besides the summary printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outputs<'a> {
    /// Every trace event as a JSON line.
    pub trace: Option<&'a Path>,
    /// The broker's topology at the end, as RabbitMQ definitions.
    pub definitions: Option<&'a Path>,
}

pub fn run(
    path: &Path,
    until: SimTime,
    seed: Option<u64>,
    outputs: Outputs<'_>,
    flow: FlowChoice,
) -> Result<(), String> {
    let trace = outputs.trace;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut scenario =
        Scenario::from_json_text(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    if let Some(note) = scenario.topology.left_out_note() {
        eprintln!("switchyard: {}: note: {note}", path.display());
    }
    let wants_flow = flow.compare || flow.style.is_some();
    match scenario.flow.as_mut() {
        None if wants_flow => {
            let option = if flow.compare { "--compare" } else { "--style" };
            return Err(format!(
                "{}: {option} needs a scenario with a flow (a \"flow\" key)",
                path.display()
            ));
        }
        Some(spec) => spec.style = flow.style.unwrap_or(spec.style),
        None => {}
    }
    if flow.compare {
        let comparison =
            compare(&scenario, until).map_err(|e| format!("{}: {e}", path.display()))?;
        let text =
            serde_json::to_string_pretty(&comparison.to_json()).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(());
    }
    let options = Options {
        trace_capacity: TRACE_RING,
        ..Options::default()
    }
    .forward_only();
    let mut sim =
        Simulation::new(scenario, options).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = match trace {
        Some(p) => {
            Some(BufWriter::new(std::fs::File::create(p).map_err(|e| {
                format!("{}: cannot write: {e}", p.display())
            })?))
        }
        None => None,
    };
    let mut written = 0;
    while sim.now() < until {
        let next = SimTime(sim.now().0.saturating_add(CHUNK_US).min(until.0));
        sim.run_until(next).map_err(|e| e.to_string())?;
        if let (Some(out), Some(p)) = (out.as_mut(), trace) {
            written = flush(&sim, out, written).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    if let (Some(mut out), Some(p)) = (out, trace) {
        out.flush().map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if let Some(p) = outputs.definitions {
        let text = serde_json::to_string_pretty(&definitions::export(sim.broker()))
            .map_err(|e| e.to_string())?;
        std::fs::write(p, text + "\n")
            .map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
    }
    let summary = serde_json::to_string_pretty(&sim.summary()).map_err(|e| e.to_string())?;
    println!("{summary}");
    // The process ends right after: freeing every message, queue and trace event one by one
    // would cost a few percent of a short run's instructions, for memory the exit returns
    // anyway. Nothing the simulation owns writes on drop (the trace file is flushed above).
    std::mem::forget(sim);
    Ok(())
}

/// Writes the trace events from `from` on; gives the next seq to write.
fn flush(sim: &Simulation, out: &mut impl Write, from: u64) -> Result<u64, String> {
    let trace = sim.trace();
    if trace.events().next().is_some_and(|e| e.seq > from) {
        return Err("the trace ring overflowed between two writes (events were lost)".into());
    }
    for event in trace.since(from) {
        let line =
            serde_json::to_string(&to_json(&event, sim.world())).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(trace.next_seq())
}

/// `orchestration` or `choreography`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    Style::parse(text).ok_or_else(|| format!("`{text}`: expected orchestration or choreography"))
}

/// `60s`, `500ms`, `2m`, `1h`, `1.5s`; a plain number is seconds.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let (number, unit_us) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60e6)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600e6)
    } else {
        (text, 1e6)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: expected a duration such as 60s, 500ms, 2m"))?;
    let us = value * unit_us;
    if !(0.0..=1e15).contains(&us) {
        return Err(format!(
            "`{text}`: expected a duration from 0 to about 30 years"
        ));
    }
    Ok(SimTime(us.round() as u64))
}
