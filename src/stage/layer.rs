//! Parts of a frame that stay still, painted once on an off-screen canvas and copied onto the
//! stage each frame until something they show changes (the key): under the dots, the links,
//! nodes, names and marks, which change with the size, the theme, the selection, the pause
//! points, the topology or the view (a zoom or a pan is a change); over them, the binding
//! keys' boxes, copied box by box. The moving parts (dots, queue depths) are painted between
//! them every frame.

use std::collections::BTreeSet;

use switchyard_core::sim::NodeId;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};

use crate::sim_ref::Selection;
use crate::stage::labels::Rect;
use crate::stage::layout::Fit;

/// Everything the still layer under the dots shows besides the scene itself (`scene` counts
/// its changes).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerKey {
    /// CSS width, height, device pixel ratio.
    pub size: (f64, f64, f64),
    /// The palette's changes.
    pub theme: u64,
    pub selection: Option<Selection>,
    pub pause_points: BTreeSet<NodeId>,
    pub scene: u64,
    /// The transform (a zoom or a pan repaints).
    pub fit: Fit,
}

/// What the binding keys' layer shows: size, theme, topology and transform, as in
/// [`LayerKey`].
#[derive(Debug, Clone, PartialEq)]
pub struct LabelKey {
    pub size: (f64, f64, f64),
    pub theme: u64,
    pub scene: u64,
    pub fit: Fit,
    /// The selected node's keys are placed first (they win where keys crowd).
    pub selection: Option<Selection>,
}

pub struct Layer<K> {
    canvas: HtmlCanvasElement,
    ctx: Ctx,
    key: Option<K>,
    /// CSS width, height, device pixel ratio painted for.
    size: (f64, f64, f64),
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
            size: (0.0, 0.0, 1.0),
        })
    }

    /// Repaints the layer, cleared and `size` (CSS width, height, pixel ratio) large, with
    /// `paint` if `key` differs from what it shows.
    pub fn update(&mut self, key: K, size: (f64, f64, f64), paint: impl FnOnce(&Ctx)) {
        if self.key.as_ref() == Some(&key) {
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
        paint(&self.ctx);
        self.key = Some(key);
        self.size = size;
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
