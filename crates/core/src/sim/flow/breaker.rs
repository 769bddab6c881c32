//! A circuit breaker in front of one called service: closed (calls go through; consecutive
//! failures are counted), open (calls fail at once without being sent, for `open_for`), then
//! half-open (trial calls one at a time: enough successes close it, a failure opens it
//! again). A pure state machine over virtual time; it knows nothing of what a call is.

use crate::sim::flow::spec::BreakerSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BreakerState {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn name(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breaker {
    pub state: BreakerState,
    /// Consecutive failures while closed.
    failures: u32,
    /// Successful trials while half-open.
    successes: u32,
    opened_at: u64,
    /// A trial call is in flight (half-open lets one through at a time).
    trial: bool,
}

impl Breaker {
    /// Whether a call may be sent at `now`, and the state it moved to if it changed.
    pub fn allow(&mut self, now: u64, spec: &BreakerSpec) -> (bool, Option<BreakerState>) {
        let mut moved = None;
        if self.state == BreakerState::Open && now >= self.opened_at.saturating_add(spec.open_for) {
            self.state = BreakerState::HalfOpen;
            self.successes = 0;
            self.trial = false;
            moved = Some(BreakerState::HalfOpen);
        }
        let allowed = match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen if self.trial => false,
            BreakerState::HalfOpen => {
                self.trial = true;
                true
            }
        };
        (allowed, moved)
    }

    /// The outcome of a call sent through it; gives the state it moved to if it changed.
    pub fn record(&mut self, now: u64, ok: bool, spec: &BreakerSpec) -> Option<BreakerState> {
        match (self.state, ok) {
            (BreakerState::Closed, true) => {
                self.failures = 0;
                None
            }
            (BreakerState::Closed, false) => {
                self.failures += 1;
                (self.failures >= spec.failure_threshold).then(|| self.open(now))
            }
            (BreakerState::HalfOpen, true) => {
                self.trial = false;
                self.successes += 1;
                (self.successes >= spec.half_open_successes).then(|| {
                    self.state = BreakerState::Closed;
                    self.failures = 0;
                    BreakerState::Closed
                })
            }
            (BreakerState::HalfOpen, false) => Some(self.open(now)),
            // A late answer to a call sent before the circuit opened.
            (BreakerState::Open, _) => None,
        }
    }

    /// The caller lost its calls in flight (it went down): a trial call will not report back.
    pub fn abandon_calls(&mut self) {
        self.trial = false;
    }

    fn open(&mut self, now: u64) -> BreakerState {
        self.state = BreakerState::Open;
        self.opened_at = now;
        self.trial = false;
        BreakerState::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: BreakerSpec = BreakerSpec {
        failure_threshold: 3,
        open_for: 1000,
        half_open_successes: 2,
    };

    /// Runs `(time, action)` steps: `a` asks to call (expecting `allowed`), `ok` / `err` records
    /// an outcome; gives the state after each step.
    fn run(steps: &[(u64, &str)]) -> Vec<String> {
        let mut b = Breaker::default();
        steps
            .iter()
            .map(|(t, step)| {
                match *step {
                    "a" => {
                        let (allowed, _) = b.allow(*t, &SPEC);
                        return format!("{}{}", b.state.name(), if allowed { "+" } else { "-" });
                    }
                    "ok" => b.record(*t, true, &SPEC),
                    _ => b.record(*t, false, &SPEC),
                };
                b.state.name().to_owned()
            })
            .collect()
    }

    #[test]
    fn opens_after_the_threshold_half_opens_after_the_delay_and_closes_on_successes() {
        type Case<'a> = (&'a [(u64, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            // Failures not in a row do not open it.
            (
                &[(0, "err"), (1, "err"), (2, "ok"), (3, "err"), (4, "a")],
                &["closed", "closed", "closed", "closed", "closed+"],
            ),
            // Three in a row open it; it refuses until 1000 µs later, then lets one trial
            // through at a time; two successful trials close it.
            (
                &[
                    (0, "err"),
                    (1, "err"),
                    (2, "err"),
                    (500, "a"),
                    (1002, "a"),
                    (1003, "a"),
                    (1010, "ok"),
                    (1011, "a"),
                    (1020, "ok"),
                    (1021, "a"),
                ],
                &[
                    "closed",
                    "closed",
                    "open",
                    "open-",
                    "half_open+",
                    "half_open-",
                    "half_open",
                    "half_open+",
                    "closed",
                    "closed+",
                ],
            ),
            // A failed trial opens it again for another full delay.
            (
                &[
                    (0, "err"),
                    (0, "err"),
                    (0, "err"),
                    (1000, "a"),
                    (1500, "err"),
                    (2400, "a"),
                    (2500, "a"),
                ],
                &[
                    "closed",
                    "closed",
                    "open",
                    "half_open+",
                    "open",
                    "open-",
                    "half_open+",
                ],
            ),
        ];
        for (steps, expected) in cases {
            assert_eq!(run(steps), *expected, "{steps:?}");
        }
    }

    #[test]
    fn a_trial_abandoned_by_its_caller_lets_the_next_one_through() {
        let mut b = Breaker::default();
        for t in 0..3 {
            b.record(t, false, &SPEC);
        }
        // Opened at 2 µs: half-open from 1002, one trial at a time.
        assert!(b.allow(1002, &SPEC).0);
        assert!(!b.allow(1003, &SPEC).0);
        b.abandon_calls();
        assert_eq!(b.allow(1004, &SPEC), (true, None));
    }
}
