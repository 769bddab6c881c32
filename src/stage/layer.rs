//! Parts of a frame that stay still, painted once on an off-screen canvas and copied onto the
//! stage each frame until what they show (the key) or the view (a zoom or a pan) changes: under
//! the dots, the links, nodes, names and marks, which change with the size, the theme, the
//! selection, the pause points or the topology; over them, the binding
//! keys' boxes, copied box by box. The moving parts (dots, queue depths) are painted between
//! them every frame.
//!
//! A big drawing takes long to repaint (a 2,000-queue export: about 100 ms), too long for every
//! frame of a zoom or a pan. While the view moves, a layer that was slow to paint is shown as it
//! was painted, moved and scaled to the new view, and repainted once the view rests. A layer
//! holds only what the view it was painted for shows (`stage::cull`): moved, it lacks what
//! comes into view at its edges until that repaint (a fast one is repainted at every frame).

use switchyard_core::sim::NodeId;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};

use crate::sim_ref::Selection;
use crate::stage::frames::now_ms;
use crate::stage::labels::Rect;
use crate::stage::layout::Fit;

/// A repaint slower than this (ms) waits for the view to rest.
const SLOW_PAINT_MS: f64 = 12.0;

/// What a layer shows this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    /// What was asked for.
    Fresh,
    /// What was painted for the view `from` (only the view differs): to be moved onto the new
    /// one.
    Moved { from: Fit },
}

/// Everything the still layer under the dots shows besides the scene itself (`scene` counts
/// its changes).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerKey {
    /// CSS width, height, device pixel ratio.
    pub size: (f64, f64, f64),
    /// The palette's changes.
    pub theme: u64,
    pub selection: Option<Selection>,
    /// Sorted (so equal sets compare equal).
    pub pause_points: Vec<NodeId>,
    pub scene: u64,
}

/// What the binding keys' layer shows: size, theme and topology, as in [`LayerKey`].
#[derive(Debug, Clone, PartialEq)]
pub struct LabelKey {
    pub size: (f64, f64, f64),
    pub theme: u64,
    pub scene: u64,
    /// The selected node's keys are placed first (they win where keys crowd).
    pub selection: Option<Selection>,
}

pub struct Layer<K> {
    canvas: HtmlCanvasElement,
    ctx: Ctx,
    key: Option<K>,
    /// The view (transform) painted for.
    fit: Option<Fit>,
    /// CSS width, height, device pixel ratio painted for.
    size: (f64, f64, f64),
    /// How long the last repaint took (ms).
    paint_ms: f64,
}

impl<K: PartialEq> Layer<K> {
    pub fn new() -> Option<Layer<K>> {
        let document = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        let ctx: Ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(Layer {
            canvas,
            ctx,
            key: None,
            fit: None,
            size: (0.0, 0.0, 1.0),
            paint_ms: 0.0,
        })
    }

    /// Repaints the layer for `key` and the view `fit` as [`Layer::update`] does, unless the
    /// view is `moving`, only the view changed and the last repaint was slow: then the layer
    /// stays as it is, to be shown moved.
    pub fn update_unless_moving(
        &mut self,
        key: K,
        fit: Fit,
        size: (f64, f64, f64),
        moving: bool,
        paint: impl FnOnce(&Ctx),
    ) -> Shown {
        let shown = self.shown_for(&key, fit, moving);
        if shown == Shown::Fresh {
            self.update(key, fit, size, paint);
        }
        shown
    }

    /// What [`Layer::update_unless_moving`] would show, without painting.
    pub fn shown_for(&self, key: &K, fit: Fit, moving: bool) -> Shown {
        match self.fit {
            Some(from)
                if moving
                    && self.paint_ms > SLOW_PAINT_MS
                    && from != fit
                    && self.key.as_ref() == Some(key) =>
            {
                Shown::Moved { from }
            }
            _ => Shown::Fresh,
        }
    }

    /// Repaints the layer, cleared and `size` (CSS width, height, pixel ratio) large, with
    /// `paint` if `key` or the view `fit` differs from what it shows.
    pub fn update(&mut self, key: K, fit: Fit, size: (f64, f64, f64), paint: impl FnOnce(&Ctx)) {
        if self.key.as_ref() == Some(&key) && self.fit == Some(fit) {
            return;
        }
        let (w, h, dpr) = size;
        let (pw, ph) = ((w * dpr) as u32, (h * dpr) as u32);
        if self.canvas.width() != pw || self.canvas.height() != ph {
            self.canvas.set_width(pw);
            self.canvas.set_height(ph);
        }
        let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        self.ctx.clear_rect(0.0, 0.0, w, h);
        let started = now_ms();
        paint(&self.ctx);
        self.paint_ms = now_ms() - started;
        self.key = Some(key);
        self.fit = Some(fit);
        self.size = size;
    }

    /// Replaces what `onto` shows with the layer painted for the view `from`, moved and scaled
    /// to the view `to`: a stand-in while the view moves (the shapes scale with it, which a
    /// repaint does only within limits).
    pub fn show_moved(&self, onto: &Ctx, from: &Fit, to: &Fit) {
        let (w, h, _) = self.size;
        onto.clear_rect(0.0, 0.0, w, h);
        self.draw_moved(onto, from, to);
    }

    /// Draws the whole layer painted for the view `from` over `onto`, moved and scaled to `to`.
    pub fn draw_moved(&self, onto: &Ctx, from: &Fit, to: &Fit) {
        let (from_y, to_y) = (from.scale * from.stretch, to.scale * to.stretch);
        if from.scale <= 0.0 || from_y <= 0.0 {
            return;
        }
        let (w, h, _) = self.size;
        // A point at p on the old view is at (p - d_from) / s_from * s_to + d_to on the new
        // (across and down apart: the rows' stretch can differ between two fits).
        let (kx, ky) = (to.scale / from.scale, to_y / from_y);
        let (x, y) = (to.dx - from.dx * kx, to.dy - from.dy * ky);
        let _ = onto.draw_image_with_html_canvas_element_and_dw_and_dh(
            &self.canvas,
            x,
            y,
            w * kx,
            h * ky,
        );
    }

    /// Replaces what `onto` (whose transform is in CSS pixels) shows with the whole layer.
    pub fn show(&self, onto: &Ctx) {
        let (w, h, _) = self.size;
        onto.clear_rect(0.0, 0.0, w, h);
        let _ =
            onto.draw_image_with_html_canvas_element_and_dw_and_dh(&self.canvas, 0.0, 0.0, w, h);
    }

    /// Copies the layer's boxes `parts` (CSS pixels) onto `onto`, pixel for pixel.
    pub fn show_parts(&self, onto: &Ctx, parts: &[Rect]) {
        let dpr = self.size.2;
        let (pw, ph) = (
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
        );
        for &(x, y, w, h) in parts {
            // Whole device pixels, so the copy is not resampled.
            let (x0, y0) = ((x * dpr).floor().max(0.0), (y * dpr).floor().max(0.0));
            let (x1, y1) = (
                ((x + w) * dpr).ceil().min(pw),
                ((y + h) * dpr).ceil().min(ph),
            );
            if x1 <= x0 || y1 <= y0 {
                continue;
            }
            let _ = onto
                .draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                    &self.canvas,
                    x0,
                    y0,
                    x1 - x0,
                    y1 - y0,
                    x0 / dpr,
                    y0 / dpr,
                    (x1 - x0) / dpr,
                    (y1 - y0) / dpr,
                );
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const SIZE: (f64, f64, f64) = (200.0, 100.0, 1.0);

    fn key(selection: Option<Selection>) -> LayerKey {
        LayerKey {
            size: SIZE,
            theme: 0,
            selection,
            pause_points: Vec::new(),
            scene: 1,
        }
    }

    fn view(scale: f64) -> Fit {
        Fit {
            scale,
            stretch: 1.0,
            dx: 10.0,
            dy: 5.0,
            zoom: scale,
        }
    }

    /// Paints for at least `ms`: a big drawing.
    fn paint_for(ms: f64) -> impl FnOnce(&Ctx) {
        move |_| {
            let started = now_ms();
            while now_ms() - started < ms {}
        }
    }

    #[wasm_bindgen_test]
    fn a_slow_layer_moves_with_the_view_and_is_repainted_once_it_rests() {
        let mut layer = Layer::new().unwrap();
        layer.update(key(None), view(1.0), SIZE, paint_for(2.0 * SLOW_PAINT_MS));
        let shown = layer.update_unless_moving(key(None), view(2.0), SIZE, true, |_| {
            panic!("repainted while the view moves")
        });
        assert_eq!(shown, Shown::Moved { from: view(1.0) });
        assert_eq!(layer.fit, Some(view(1.0)), "still painted for the old view");
        // The view rests: repainted for the new one.
        let shown = layer.update_unless_moving(key(None), view(2.0), SIZE, false, paint_for(0.0));
        assert_eq!(shown, Shown::Fresh);
        assert_eq!(layer.fit, Some(view(2.0)));
    }

    #[wasm_bindgen_test]
    fn a_fast_layer_or_another_change_is_repainted_at_once() {
        let mut fast = Layer::new().unwrap();
        fast.update(key(None), view(1.0), SIZE, paint_for(0.0));
        assert_eq!(fast.shown_for(&key(None), view(2.0), true), Shown::Fresh);
        let mut slow = Layer::new().unwrap();
        slow.update(key(None), view(1.0), SIZE, paint_for(2.0 * SLOW_PAINT_MS));
        let selected = key(Some(Selection::Message(switchyard_core::MessageId(1))));
        assert_eq!(slow.shown_for(&selected, view(2.0), true), Shown::Fresh);
        assert_eq!(
            slow.shown_for(&key(None), view(1.0), true),
            Shown::Fresh,
            "unchanged"
        );
    }
}
