//! The user's zoom and pan over the fitted drawing: a scale about the canvas's centre and a
//! shift in CSS pixels, composed with the [`Fit`] into the one transform that painting,
//! labels and hit-testing use. Zooming about a point (the pointer, or the centre for a key or
//! a button) keeps that point where it is; the zoom stays between limits that show the whole
//! drawing small or a node large. Plain arithmetic, tested natively; it knows nothing of the
//! canvas or its events.

use crate::stage::layout::Fit;

/// How far out the user may zoom, as a fraction of the fit.
pub const MIN_ZOOM: f64 = 0.1;
/// How far in, as a multiple of the fit ...
pub const MAX_ZOOM: f64 = 8.0;
/// ... or up to this scale (layout units to pixels), whichever is further: a huge drawing,
/// fitted very small, can still be zoomed until one node fills a good part of the stage.
pub const MAX_SCALE: f64 = 4.0;
/// One press of a zoom button or key.
pub const STEP: f64 = 1.5;
/// One press of a pan key (CSS pixels).
pub const PAN_STEP: f64 = 80.0;

/// The user's transform: `screen = centre + zoom × (fitted − centre) + pan`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub zoom: f64,
    /// CSS pixels.
    pub pan: (f64, f64),
}

impl Default for View {
    /// The fit itself.
    fn default() -> View {
        View {
            zoom: 1.0,
            pan: (0.0, 0.0),
        }
    }
}

/// What a button or a key asks of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewAsk {
    ZoomIn,
    ZoomOut,
    Fit,
    /// Move the drawing this many [`PAN_STEP`]s right and down (negative: left, up).
    Pan(i8, i8),
}

impl View {
    /// The fit `base` on a `width` × `height` canvas as this view shows it.
    pub fn compose(&self, base: &Fit, width: f64, height: f64) -> Fit {
        let (cx, cy) = (width / 2.0, height / 2.0);
        let z = self.zoom;
        Fit {
            scale: base.scale * z,
            stretch: base.stretch,
            dx: cx + z * (base.dx - cx) + self.pan.0,
            dy: cy + z * (base.dy - cy) + self.pan.1,
            zoom: base.zoom * z,
        }
    }

    /// The zoom range for a drawing fitted at `base`: (least, most).
    pub fn limits(base: &Fit) -> (f64, f64) {
        let most = MAX_ZOOM.max(MAX_SCALE / base.scale.max(f64::MIN_POSITIVE));
        (MIN_ZOOM, most)
    }

    /// Zooms by `factor` about the canvas point `at` (CSS pixels) of a `width` × `height`
    /// canvas fitted at `base`: that point stays where it is unless the limits cut the zoom.
    pub fn zoom_about(&self, factor: f64, at: (f64, f64), base: &Fit, size: (f64, f64)) -> View {
        if !factor.is_finite() || factor <= 0.0 {
            return *self;
        }
        let (least, most) = View::limits(base);
        let zoom = crate::stage::geometry::clamp(self.zoom * factor, least, most);
        let ratio = zoom / self.zoom;
        // The point relative to the centre, and the pan keeping it under the same pixel.
        let (qx, qy) = (at.0 - size.0 / 2.0, at.1 - size.1 / 2.0);
        View {
            zoom,
            pan: (
                qx - ratio * (qx - self.pan.0),
                qy - ratio * (qy - self.pan.1),
            ),
        }
    }

    /// Pans a canvas point (CSS pixels, a node selected elsewhere than on the canvas) to the
    /// centre of a `width` × `height` canvas if it lies outside it or within `margin` of an
    /// edge; otherwise the view stays as it is.
    pub fn bring_into_view(&self, point: (f64, f64), size: (f64, f64), margin: f64) -> View {
        let inside =
            |v: f64, len: f64| v >= margin.min(len / 2.0) && v <= len - margin.min(len / 2.0);
        if inside(point.0, size.0) && inside(point.1, size.1) {
            return *self;
        }
        self.pan_by(size.0 / 2.0 - point.0, size.1 / 2.0 - point.1)
    }

    /// Moves the drawing by (`dx`, `dy`) CSS pixels.
    pub fn pan_by(&self, dx: f64, dy: f64) -> View {
        View {
            zoom: self.zoom,
            pan: (self.pan.0 + dx, self.pan.1 + dy),
        }
    }

    /// Two fingers moved from the pair of canvas points `from` to `to`: the drawing follows
    /// their midpoint and scales with their distance.
    pub fn pinch(
        &self,
        from: ((f64, f64), (f64, f64)),
        to: ((f64, f64), (f64, f64)),
        base: &Fit,
        size: (f64, f64),
    ) -> View {
        let mid = |(a, b): ((f64, f64), (f64, f64))| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let apart = |(a, b): ((f64, f64), (f64, f64))| (b.0 - a.0).hypot(b.1 - a.1);
        let (m0, m1) = (mid(from), mid(to));
        let moved = self.pan_by(m1.0 - m0.0, m1.1 - m0.1);
        if apart(from) < 1.0 {
            return moved;
        }
        moved.zoom_about(apart(to) / apart(from), m1, base, size)
    }

    /// What a button or key does, zooming about the canvas point `at`.
    pub fn ask(&self, ask: ViewAsk, at: (f64, f64), base: &Fit, size: (f64, f64)) -> View {
        match ask {
            ViewAsk::ZoomIn => self.zoom_about(STEP, at, base, size),
            ViewAsk::ZoomOut => self.zoom_about(1.0 / STEP, at, base, size),
            ViewAsk::Fit => View::default(),
            ViewAsk::Pan(x, y) => self.pan_by(f64::from(x) * PAN_STEP, f64::from(y) * PAN_STEP),
        }
    }
}

/// The zoom factor of one wheel event: `delta_y` in pixels (`delta_mode` 0), lines (1) or
/// pages (2); a trackpad pinch comes as a wheel event with `ctrl` held and small deltas, so it
/// counts more per pixel. Scrolling down (positive) zooms out.
pub fn wheel_factor(delta_y: f64, delta_mode: u32, ctrl: bool) -> f64 {
    let pixels = match delta_mode {
        1 => delta_y * 16.0,
        2 => delta_y * 400.0,
        _ => delta_y,
    };
    let per_pixel = if ctrl { 0.01 } else { 0.0025 };
    // At most about one button press per event, however fast the wheel spins.
    (-crate::stage::geometry::clamp(pixels * per_pixel, -0.5, 0.5)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (f64, f64) = (800.0, 600.0);

    fn base() -> Fit {
        Fit {
            scale: 0.5,
            stretch: 1.0,
            dx: 100.0,
            dy: 50.0,
            zoom: 1.0,
        }
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    /// The layout point under canvas pixel `p`.
    fn under(fit: &Fit, p: (f64, f64)) -> (f64, f64) {
        (
            (p.0 - fit.dx) / fit.scale,
            (p.1 - fit.dy) / (fit.scale * fit.stretch),
        )
    }

    #[test]
    fn the_default_view_is_the_fit() {
        assert_eq!(View::default().compose(&base(), SIZE.0, SIZE.1), base());
    }

    #[test]
    fn zooming_about_a_point_keeps_that_point_fixed() {
        let b = base();
        let start = View::default().pan_by(-30.0, 12.0);
        for (factor, at) in [
            (2.0, (100.0, 100.0)),
            (0.5, (700.0, 20.0)),
            (1.25, (400.0, 300.0)),
            (3.0, (0.0, 599.0)),
        ] {
            let before = start.compose(&b, SIZE.0, SIZE.1);
            let view = start.zoom_about(factor, at, &b, SIZE);
            let after = view.compose(&b, SIZE.0, SIZE.1);
            assert!((view.zoom - factor).abs() < 1e-12, "zoom {factor}");
            assert!(
                close(under(&before, at), under(&after, at)),
                "{factor} about {at:?}"
            );
            assert!((after.scale - b.scale * factor).abs() < 1e-12);
            assert!((after.zoom - factor).abs() < 1e-12);
        }
    }

    #[test]
    fn zoom_stops_at_its_limits_and_fit_resets() {
        let b = base();
        let mut view = View::default();
        for _ in 0..40 {
            view = view.ask(ViewAsk::ZoomIn, (10.0, 10.0), &b, SIZE);
        }
        // 8× the fit (0.5 × 8 = 4, also the largest scale).
        assert_eq!(view.zoom, MAX_ZOOM);
        for _ in 0..80 {
            view = view.ask(ViewAsk::ZoomOut, (10.0, 10.0), &b, SIZE);
        }
        assert_eq!(view.zoom, MIN_ZOOM);
        assert_eq!(
            view.pan_by(5.0, 5.0)
                .ask(ViewAsk::Fit, (0.0, 0.0), &b, SIZE),
            View::default()
        );
        // A drawing fitted tiny may still be zoomed up to a readable scale.
        let tiny = Fit { scale: 0.01, ..b };
        assert_eq!(View::limits(&tiny), (MIN_ZOOM, 400.0));
        let centre = (SIZE.0 / 2.0, SIZE.1 / 2.0);
        assert_eq!(
            View::default().zoom_about(1e6, centre, &tiny, SIZE).zoom,
            400.0
        );
        // Nonsense factors change nothing.
        for factor in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(view.zoom_about(factor, centre, &b, SIZE), view);
        }
    }

    #[test]
    fn a_pan_key_moves_the_drawing_a_step_and_a_zoom_key_keeps_its_anchor() {
        let b = base();
        let view = View::default().ask(ViewAsk::Pan(-1, 2), (0.0, 0.0), &b, SIZE);
        assert_eq!(view.pan, (-PAN_STEP, 2.0 * PAN_STEP));
        let at = (620.0, 140.0);
        let before = view.compose(&b, SIZE.0, SIZE.1);
        let zoomed = view.ask(ViewAsk::ZoomIn, at, &b, SIZE);
        assert_eq!(zoomed.zoom, STEP);
        let after = zoomed.compose(&b, SIZE.0, SIZE.1);
        assert!(close(under(&before, at), under(&after, at)));
    }

    #[test]
    fn panning_moves_every_point_by_the_same_pixels() {
        let b = base();
        let view = View::default().zoom_about(2.0, (10.0, 10.0), &b, SIZE);
        let (before, after) = (
            view.compose(&b, SIZE.0, SIZE.1),
            view.pan_by(15.0, -4.0).compose(&b, SIZE.0, SIZE.1),
        );
        for (x, y) in [(0.0, 0.0), (200.0, 330.0)] {
            let (p, q) = (before.at(x, y), after.at(x, y));
            assert!(close((q.0 - p.0, q.1 - p.1), (15.0, -4.0)));
        }
    }

    #[test]
    fn a_node_selected_off_the_canvas_is_brought_to_its_centre_and_one_on_it_stays() {
        let b = base();
        let view = View::default().zoom_about(4.0, (10.0, 10.0), &b, SIZE);
        let fit = view.compose(&b, SIZE.0, SIZE.1);
        for node in [(900.0, 700.0), (-50.0, 300.0), (400.0, 10.0)] {
            let p = fit.at(node.0, node.1);
            if (40.0..=760.0).contains(&p.0) && (40.0..=560.0).contains(&p.1) {
                assert_eq!(
                    view.bring_into_view(p, SIZE, 40.0),
                    view,
                    "{node:?} at {p:?}"
                );
            } else {
                let moved = view.bring_into_view(p, SIZE, 40.0);
                let q = moved.compose(&b, SIZE.0, SIZE.1).at(node.0, node.1);
                assert!(close(q, (400.0, 300.0)), "{node:?} now at {q:?}");
                assert_eq!(moved.zoom, view.zoom);
            }
        }
        let on = fit.at(0.0, 0.0);
        assert!(
            (40.0..=760.0).contains(&on.0) && (40.0..=560.0).contains(&on.1),
            "{on:?}"
        );
        assert_eq!(view.bring_into_view(on, SIZE, 40.0), view);
    }

    #[test]
    fn a_pinch_scales_with_the_fingers_and_follows_their_midpoint() {
        let b = base();
        let start = View::default();
        let before = start.compose(&b, SIZE.0, SIZE.1);
        let from = ((100.0, 100.0), (200.0, 100.0));
        // Spread to twice as far apart, the midpoint moved 50 px right.
        let to = ((100.0, 100.0), (300.0, 100.0));
        let view = start.pinch(from, to, &b, SIZE);
        assert!((view.zoom - 2.0).abs() < 1e-12);
        let after = view.compose(&b, SIZE.0, SIZE.1);
        // What was under each finger is under it still.
        for (was, is) in [
            (from.0, to.0),
            (from.1, to.1),
            ((150.0, 100.0), (200.0, 100.0)),
        ] {
            assert!(
                close(under(&before, was), under(&after, is)),
                "{was:?} -> {is:?}"
            );
        }
        // Fingers on one spot only pan.
        let still = start.pinch(((5.0, 5.0), (5.0, 5.0)), ((9.0, 5.0), (9.0, 5.0)), &b, SIZE);
        assert_eq!(still, start.pan_by(4.0, 0.0));
    }

    #[test]
    fn the_wheel_zooms_in_going_up_and_a_pinch_counts_more() {
        for (dy, mode, ctrl, want_in) in [
            (-100.0, 0, false, true),
            (100.0, 0, false, false),
            (-3.0, 1, false, true),
            (5.0, 0, true, false),
        ] {
            let f = wheel_factor(dy, mode, ctrl);
            assert_eq!(f > 1.0, want_in, "{dy} mode {mode} ctrl {ctrl}");
        }
        assert!(wheel_factor(-5.0, 0, true) > wheel_factor(-5.0, 0, false));
        assert_eq!(wheel_factor(0.0, 0, false), 1.0);
        assert!(wheel_factor(-1e9, 2, false) <= 0.5f64.exp() + 1e-12);
    }

    #[test]
    fn a_huge_drawing_fits_whole_and_a_zoom_makes_it_legible() {
        // 1,000 queues in one column, as a big definitions export lays out.
        let scene = grid(1, 1000);
        let fit = Fit::new(&scene, SIZE.0, SIZE.1);
        for s in &scene.shapes {
            let (x, y) = fit.at(s.x, s.y);
            assert!(x > 0.0 && x < SIZE.0 && y > 0.0 && y < SIZE.1, "{x},{y}");
        }
        let pitch = 110.0 * fit.scale;
        assert!(fit.radius() * 2.0 < pitch, "nodes apart at the fit");
        assert!(!fit.legible(), "too small to write names at the fit");
        let centre = (SIZE.0 / 2.0, SIZE.1 / 2.0);
        let zoomed = View::default()
            .zoom_about(1e9, centre, &fit, SIZE)
            .compose(&fit, SIZE.0, SIZE.1);
        assert!((zoomed.scale - MAX_SCALE).abs() < 1e-9);
        assert!(zoomed.legible());
        assert!(zoomed.radius() > 100.0, "{}", zoomed.radius());
        // A small drawing's fit keeps its usual radius (16 to 30 pixels).
        let small = Fit { scale: 1.6, ..fit };
        assert_eq!(small.radius(), 30.0);
        assert_eq!(Fit { scale: 0.5, ..fit }.radius(), 16.0);
    }

    /// Shapes in `columns` columns 220 apart and `rows` rows 110 apart.
    fn grid(columns: u32, rows: u32) -> crate::stage::layout::Scene {
        use crate::stage::layout::{Scene, Shape};
        use switchyard_core::sim::{NodeId, NodeKind};
        let shapes = (0..columns * rows)
            .map(|i| Shape {
                id: NodeId(i),
                kind: NodeKind::Queue,
                name: format!("q{i}"),
                tag: None,
                status: None,
                x: f64::from(i % columns) * 220.0,
                y: f64::from(i / columns) * 110.0,
            })
            .collect();
        Scene::new(shapes, Vec::new())
    }

    /// A drawing wider than the stage's shape spreads its rows into the height it would leave
    /// empty, up to their pitch at scale 1, while the shapes keep the scale the width gives;
    /// zoomed, the spread stays, and a click maps back through it.
    #[test]
    fn a_wide_drawing_s_rows_spread_into_the_stage_s_height() {
        let size = (620.0, 490.0);
        // Five columns, three rows: the width sets the scale (460 / 880 px).
        let fit = Fit::new(&grid(5, 3), size.0, size.1);
        assert!((fit.scale - 460.0 / 880.0).abs() < 1e-9, "{fit:?}");
        assert!(
            (fit.scale * fit.stretch - 1.0).abs() < 1e-9,
            "rows 110 px apart: {fit:?}"
        );
        let (top, bottom) = (fit.at(0.0, 0.0).1, fit.at(0.0, 220.0).1);
        assert!((bottom - top - 220.0).abs() < 1e-9 && (top + bottom - 490.0).abs() < 1e-9);
        // On a shorter stage, only as far as the height allows.
        let short = Fit::new(&grid(5, 3), 620.0, 300.0);
        assert!(
            (short.scale * short.stretch - 160.0 / 220.0).abs() < 1e-9,
            "{short:?}"
        );
        // A drawing as tall as the stage, or a small one drawn large, is not spread.
        assert_eq!(Fit::new(&grid(2, 4), size.0, size.1).stretch, 1.0);
        assert_eq!(Fit::new(&grid(2, 2), 1600.0, 1200.0).stretch, 1.0);
        // Zoomed about a point, the rows keep their spread and the point stays put.
        let at = (300.0, 200.0);
        let zoomed = View::default()
            .zoom_about(2.0, at, &fit, size)
            .compose(&fit, size.0, size.1);
        assert_eq!(zoomed.stretch, fit.stretch);
        let before = under(&fit, at);
        let after = zoomed.at(before.0, before.1);
        assert!(
            (after.0 - at.0).abs() < 1e-9 && (after.1 - at.1).abs() < 1e-9,
            "{after:?}"
        );
    }
}
