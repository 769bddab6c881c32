//! How long a frame simulates at "as fast as possible": as much of the display's frame as the
//! drawing and the browser leave, learned from the frames themselves. A fixed share would leave
//! a fast machine idle half of each frame and make a slow one miss frames (or, at 120 Hz, every
//! other one).
//!
//! The display's period is the shortest interval between frames lately (a late frame is longer,
//! never shorter). The budget grows a little after each frame that came on time, up to what the
//! period leaves after the frame's other work and a margin for the browser; a late frame cuts
//! it by a third, so a busy machine is given back its frames within a few of them.

/// Shortest budget (ms): the simulation always moves.
const MIN_MS: f64 = 2.0;
/// Budget of the first frames (ms), before any has been watched.
const START_MS: f64 = 8.0;
/// Growth after a frame on time (ms).
const STEP_MS: f64 = 0.25;
/// Cut after a late frame (the budget is multiplied by this).
const CUT: f64 = 0.67;
/// Left to the browser in each frame (ms): style, layout, compositing, and Yew's renders.
const MARGIN_MS: f64 = 3.0;
/// Share of the period the budget never exceeds, however little else a frame does.
const MAX_SHARE: f64 = 0.8;
/// A frame is late when it came this many periods after the one before (a vsync missed).
const LATE: f64 = 1.5;
/// Frames in each half of the window the period is the shortest interval of.
const WINDOW: u32 = 60;
/// Weight of the newest frame in the average of the frames' other work.
const SMOOTHING: f64 = 0.1;
/// Display periods outside this range (ms) are not believed: 360 Hz to 50 Hz (a projector's).
/// A machine whose every frame is late must not read as a slower display, which would make
/// room for more simulation and later frames still.
const PERIOD_RANGE: (f64, f64) = (2.7, 20.0);

/// The simulation's share of each frame at "as fast as possible".
#[derive(Debug, Clone)]
pub struct Pace {
    budget_ms: f64,
    /// Shortest interval in this half-window, and in the one before.
    shortest: (f64, f64),
    seen: u32,
    /// A frame's script time besides simulating (ms), averaged over the last frames: a frame
    /// that also tells Yew (four times a second) costs more than the others, and the budget
    /// must not swing with it.
    other_ms: Option<f64>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            budget_ms: START_MS,
            shortest: (f64::INFINITY, f64::INFINITY),
            seen: 0,
            other_ms: None,
        }
    }
}

impl Pace {
    /// How long this frame may simulate (ms).
    pub fn budget_ms(&self) -> f64 {
        self.budget_ms
    }

    /// The display's period as watched (ms): 60 Hz until frames say otherwise.
    pub fn period_ms(&self) -> f64 {
        let p = self.shortest.0.min(self.shortest.1);
        if p.is_finite() {
            crate::stage::geometry::clamp(p, PERIOD_RANGE.0, PERIOD_RANGE.1)
        } else {
            1000.0 / 60.0
        }
    }

    /// After a frame that simulated at "as fast as possible": `interval` (ms) since the frame
    /// before began, and `other_ms`, the frame's script time besides simulating.
    pub fn after_frame(&mut self, interval: f64, other_ms: f64) {
        if !(interval.is_finite() && interval > 0.0 && other_ms.is_finite()) {
            return;
        }
        self.shortest.0 = self.shortest.0.min(interval);
        self.seen += 1;
        if self.seen >= WINDOW {
            self.shortest = (f64::INFINITY, self.shortest.0);
            self.seen = 0;
        }
        let other = other_ms.max(0.0);
        let other = self
            .other_ms
            .map_or(other, |avg| avg + (other - avg) * SMOOTHING);
        self.other_ms = Some(other);
        let period = self.period_ms();
        let cap = (period - other - MARGIN_MS).min(period * MAX_SHARE);
        self.budget_ms = if interval > period * LATE {
            self.budget_ms * CUT
        } else {
            (self.budget_ms + STEP_MS).min(cap)
        }
        .max(MIN_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HZ60: f64 = 1000.0 / 60.0;

    fn settle(pace: &mut Pace, interval: f64, other: f64) {
        for _ in 0..200 {
            pace.after_frame(interval, other);
        }
    }

    #[test]
    fn on_time_frames_grow_it_to_what_the_period_leaves() {
        let mut pace = Pace::default();
        assert_eq!(pace.budget_ms(), START_MS);
        settle(&mut pace, HZ60, 1.5);
        let want = HZ60 - 1.5 - MARGIN_MS;
        assert!(
            (pace.budget_ms() - want).abs() < 1e-9,
            "{}",
            pace.budget_ms()
        );
        // Little else to do: the share caps it.
        settle(&mut pace, HZ60, 0.0);
        assert!((pace.budget_ms() - HZ60 * MAX_SHARE).abs() < 1e-9);
    }

    #[test]
    fn a_late_frame_cuts_it_and_on_time_ones_bring_it_back_slowly() {
        let mut pace = Pace::default();
        settle(&mut pace, HZ60, 1.0);
        let full = pace.budget_ms();
        pace.after_frame(2.0 * HZ60, 1.0);
        assert!((pace.budget_ms() - full * CUT).abs() < 1e-9);
        pace.after_frame(HZ60, 1.0);
        assert!((pace.budget_ms() - (full * CUT + STEP_MS)).abs() < 1e-9);
        // A machine that is always late ends at the floor, never below.
        settle(&mut pace, 3.0 * HZ60, 1.0);
        assert_eq!(pace.budget_ms(), MIN_MS);
    }

    #[test]
    fn a_faster_display_gives_a_smaller_budget() {
        let mut pace = Pace::default();
        let hz120 = 1000.0 / 120.0;
        settle(&mut pace, hz120, 1.0);
        assert!((pace.period_ms() - hz120).abs() < 1e-9);
        assert!(pace.budget_ms() <= hz120 - 1.0 - MARGIN_MS + 1e-9);
        // The floor holds where drawing alone takes the whole period.
        settle(&mut pace, hz120, 9.0);
        assert_eq!(pace.budget_ms(), MIN_MS);
        settle(&mut pace, hz120, 1.0);
        assert!(pace.budget_ms() > MIN_MS);
        settle(&mut pace, hz120, 9.0);
        assert_eq!(pace.budget_ms(), MIN_MS);
    }

    #[test]
    fn the_period_follows_a_display_that_slows_down_within_two_windows() {
        let mut pace = Pace::default();
        settle(&mut pace, 1000.0 / 120.0, 1.0);
        for _ in 0..(2 * WINDOW) {
            pace.after_frame(HZ60, 1.0);
        }
        assert!((pace.period_ms() - HZ60).abs() < 1e-9);
    }

    #[test]
    fn a_costly_frame_now_and_then_moves_it_little() {
        let mut pace = Pace::default();
        settle(&mut pace, HZ60, 1.0);
        let full = pace.budget_ms();
        // A frame that also told Yew, on time.
        pace.after_frame(HZ60, 6.0);
        assert!(
            full - pace.budget_ms() < 0.6,
            "{full} -> {}",
            pace.budget_ms()
        );
    }

    #[test]
    fn odd_intervals_change_nothing() {
        let mut pace = Pace::default();
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            pace.after_frame(bad, 1.0);
            pace.after_frame(HZ60, bad);
        }
        // Only the plausible frames counted: HZ60 with no other work (-1 is read as 0) and
        // with none at all.
        assert_eq!(pace.budget_ms(), START_MS + 2.0 * STEP_MS);
        assert_eq!(pace.other_ms, Some(0.0));
        assert!((pace.period_ms() - HZ60).abs() < 1e-9);
        // A background tab's resume is one late frame, not a new period.
        pace.after_frame(60_000.0, 1.0);
        assert!((pace.period_ms() - HZ60).abs() < 1e-9);
    }
}
