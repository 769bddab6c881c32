//! What the app asks of the core, behind two exports and without a UI: read a scenario, run it,
//! seek and step back, list what is in flight, summarise, explain a message's route, follow its
//! lifecycle, export the definitions and compare a flow's two styles. The linker keeps exactly
//! the core these calls reach, so the module's size is the core's share of the browser bundle.
//! It is measured, never run.

use switchyard_core::MessageId;
use switchyard_core::definitions::export;
use switchyard_core::sim::flow::compare;
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

/// Room for the scenario text that `run` reads.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let at = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    at
}

/// Runs the scenario at `text` (`len` bytes) to `until_us` and reads it back as the app does;
/// returns a number that depends on every result, so that none of the work can be dropped.
///
/// # Safety
/// `text` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn run(text: *const u8, len: usize, until_us: u64, message: u64) -> usize {
    // SAFETY: the caller gives `len` readable bytes at `text`.
    let bytes = unsafe { std::slice::from_raw_parts(text, len) };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return 0;
    };
    let scenario = match Scenario::from_json_text(text) {
        Ok(s) => s,
        Err(e) => return e.to_string().len(),
    };
    let until = SimTime(until_us);
    let mut n = compare(&scenario, until).map_or(0, |c| c.to_json().to_string().len());
    let mut sim = match Simulation::new(scenario, Options::default()) {
        Ok(s) => s,
        Err(e) => return e.to_string().len(),
    };
    let _ = sim.run_until(until);
    let _ = sim.seek(SimTime(until_us / 2));
    sim.step_back();
    sim.step();
    for event in sim.trace().in_flight(sim.now(), 1_000) {
        n += to_json(&event, sim.world()).to_string().len();
    }
    n += sim.summary().to_string().len();
    if let Some(Ok(x)) = sim.explain_message(MessageId(message)) {
        n += x.visits.len() + x.routing_keys.len() + x.headers.len();
    }
    n += sim.trace().lifecycle(MessageId(message)).len();
    n + export(sim.broker()).to_string().len()
}
