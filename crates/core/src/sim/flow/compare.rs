//! The two styles side by side: a scenario with a flow run once per style on the same seed and
//! load, to the same virtual time, and the figures the theory talks about — the caller's
//! response time (p50 / p95), answers, errors and timeouts, what failed while a service was
//! down (the blast radius), messages and calls sent, whom the triggering service depends on
//! directly, each service's backlog and whether it caught up. Pure: data in, data out (and
//! JSON for the command line and the app).

use serde_json::{Value as Json, json};

use crate::sim::engine::{Options, Simulation};
use crate::sim::flow::build::queue_name;
use crate::sim::flow::spec::Style;
use crate::sim::scenario::Scenario;
use crate::sim::scheduler::SimTime;

/// How often a comparison run looks at the queues (µs of virtual time).
const LOOK_EVERY_US: u64 = 100_000;

/// The figures of one style's run.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleFigures {
    pub style: Style,
    pub requests: u64,
    /// Requests the caller is still waiting for.
    pub in_progress: u64,
    pub answered_ok: u64,
    pub answered_error: u64,
    pub caller_timeouts: u64,
    /// Requests started while a service was down that got an error or no answer.
    pub failed_during_outage: u64,
    pub response_p50_us: Option<u64>,
    pub response_p95_us: Option<u64>,
    /// The caller's response times as a histogram: non-empty buckets `(lo, hi, count)`, µs.
    pub response_histogram: Vec<(u64, u64, u64)>,
    /// Synchronous calls between services.
    pub calls: u64,
    pub call_timeouts: u64,
    pub calls_rejected: u64,
    pub circuit_opened: u64,
    /// Events published to the broker.
    pub events_published: u64,
    /// The services the triggering service called directly.
    pub dependencies: Vec<String>,
    /// Requests or events each service handled.
    pub handled: Vec<(String, u64)>,
    /// Of those, how many failed (an error answer, a failed saga step).
    pub failed: Vec<(String, u64)>,
    /// The deepest each reacting service's backlog got: in orchestration the requests waiting
    /// for its worker, in choreography its queue (ready + unacked, sampled by [`compare`]).
    pub max_backlog: Option<Vec<(String, u64)>>,
    /// Each reacting service's backlog at the end.
    pub backlog_at_end: Vec<(String, u64)>,
    pub sagas_completed: u64,
    pub sagas_compensated: u64,
    pub compensations: u64,
}

/// Both styles on one seed and load.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub seed: u64,
    pub until: SimTime,
    pub styles: Vec<StyleFigures>,
}

impl Comparison {
    pub fn style(&self, style: Style) -> Option<&StyleFigures> {
        self.styles.iter().find(|s| s.style == style)
    }

    pub fn to_json(&self) -> Json {
        let mut styles = serde_json::Map::new();
        for s in &self.styles {
            styles.insert(s.style.name().to_owned(), s.to_json());
        }
        json!({"seed": self.seed, "time_ms": self.until.0 as f64 / 1000.0, "styles": styles})
    }
}

fn named(pairs: &[(String, u64)]) -> Json {
    crate::order::object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))))
}

impl StyleFigures {
    /// The figures of a simulation so far (`None` without a flow); the backlog maximum needs
    /// sampling during the run, which [`compare`] does.
    pub fn of(sim: &Simulation) -> Option<StyleFigures> {
        let cast = sim.cast.flow.as_ref()?;
        let fs = sim.state.flow.as_ref()?;
        let names: Vec<String> = std::iter::once(&cast.spec.trigger.service)
            .chain(cast.spec.services.iter().map(|s| &s.name))
            .cloned()
            .collect();
        let name = |i: usize| names.get(i).cloned().unwrap_or_default();
        let st = &fs.stats;
        let dependencies = st
            .dependencies
            .iter()
            .filter(|(from, _)| from.0 == 0)
            .map(|(_, to)| name(usize::from(to.0)))
            .collect();
        let handled = fs.services.iter().enumerate();
        let reacting = || fs.services.iter().enumerate().skip(1);
        let (max_backlog, backlog_at_end) = match cast.style() {
            Style::Orchestration => (
                Some(reacting().map(|(i, s)| (name(i), s.most_queued)).collect()),
                reacting().map(|(i, s)| (name(i), s.queued)).collect(),
            ),
            Style::Choreography => (None, backlogs(sim, &cast.spec.services)),
        };
        Some(StyleFigures {
            style: cast.style(),
            requests: st.requests,
            in_progress: fs.pending.values().filter(|p| !p.answered).count() as u64,
            answered_ok: st.answered_ok,
            answered_error: st.answered_error,
            caller_timeouts: st.caller_timeouts,
            failed_during_outage: st.failed_during_outage,
            response_p50_us: st.response.percentile(0.5),
            response_p95_us: st.response.percentile(0.95),
            response_histogram: st.response.latency_buckets(),
            calls: st.calls,
            call_timeouts: st.call_timeouts,
            calls_rejected: st.calls_rejected,
            circuit_opened: st.circuit_opened,
            events_published: st.events_published,
            dependencies,
            handled: handled.clone().map(|(i, s)| (name(i), s.handled)).collect(),
            failed: handled.map(|(i, s)| (name(i), s.failed)).collect(),
            max_backlog,
            backlog_at_end,
            sagas_completed: st.sagas_completed,
            sagas_compensated: st.sagas_compensated,
            compensations: st.compensations,
        })
    }

    pub fn to_json(&self) -> Json {
        let ms = |us: Option<u64>| us.map(|v| v as f64 / 1000.0);
        json!({
            "caller": {"requests": self.requests, "in_progress": self.in_progress,
                "answered_ok": self.answered_ok,
                "answered_error": self.answered_error, "timed_out": self.caller_timeouts,
                "failed_during_outage": self.failed_during_outage,
                "response_ms": {"p50": ms(self.response_p50_us), "p95": ms(self.response_p95_us)},
                "response_histogram_us": self.response_histogram},
            "sent": {"calls": self.calls, "events": self.events_published,
                "call_timeouts": self.call_timeouts, "calls_rejected": self.calls_rejected},
            "circuit_opened": self.circuit_opened,
            "trigger_depends_on": self.dependencies,
            "handled": named(&self.handled),
            "failed": named(&self.failed),
            "max_backlog": self.max_backlog.as_deref().map(named),
            "backlog_at_end": named(&self.backlog_at_end),
            "saga": {"completed": self.sagas_completed, "compensated": self.sagas_compensated,
                "compensations": self.compensations},
        })
    }
}

/// Each reacting service's queue depth (ready + unacked) now.
fn backlogs(
    sim: &Simulation,
    services: &[crate::sim::flow::spec::ServiceSpec],
) -> Vec<(String, u64)> {
    let depths = sim.queue_depths();
    services
        .iter()
        .map(|s| {
            let queue = sim
                .world()
                .queue(super::choreograph::FLOW_VHOST, &queue_name(&s.name));
            let depth = depths
                .iter()
                .find(|(id, _, _)| Some(*id) == queue)
                .map_or(0, |(_, ready, unacked)| ready + unacked);
            (s.name.clone(), depth)
        })
        .collect()
}

/// Runs `scenario` in `style` to `until`, looking at the queues as it goes.
pub fn run_style(
    scenario: &Scenario,
    style: Style,
    until: SimTime,
) -> Result<StyleFigures, String> {
    let mut scenario = scenario.clone();
    let Some(flow) = scenario.flow.as_mut() else {
        return Err("the scenario has no flow (add a \"flow\" key)".into());
    };
    flow.style = style;
    let services = flow.services.clone();
    let mut sim =
        Simulation::new(scenario, Options::default().forward_only()).map_err(|e| e.to_string())?;
    let mut max: Vec<(String, u64)> = services.iter().map(|s| (s.name.clone(), 0)).collect();
    while sim.now() < until {
        let next = SimTime(sim.now().0.saturating_add(LOOK_EVERY_US).min(until.0));
        sim.run_until(next).map_err(|e| e.to_string())?;
        if style == Style::Choreography {
            for ((_, top), (_, now)) in max.iter_mut().zip(backlogs(&sim, &services)) {
                *top = (*top).max(now);
            }
        }
    }
    let mut figures = StyleFigures::of(&sim).ok_or("the scenario has no flow")?;
    if style == Style::Choreography {
        figures.max_backlog = Some(max);
    }
    Ok(figures)
}

/// Both styles on the scenario's seed and load, to `until`.
pub fn compare(scenario: &Scenario, until: SimTime) -> Result<Comparison, String> {
    let styles = Style::ALL
        .into_iter()
        .map(|style| run_style(scenario, style, until))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Comparison {
        seed: scenario.seed,
        until,
        styles,
    })
}
