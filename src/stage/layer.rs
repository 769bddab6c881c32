//! The still part of a frame (links, nodes, names, marks), painted once on an off-screen
//! canvas and copied onto the stage each frame until something it shows changes: the size,
//! the theme, the selection, the pause points or the topology. The moving parts (dots, queue
//! depths, binding keys over the dots) are painted on top every frame.

use std::collections::BTreeSet;

use switchyard_core::sim::NodeId;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};

use crate::sim_ref::Selection;
use crate::stage::draw::Palette;

/// Everything the still layer shows besides the scene itself (`scene` counts its changes).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerKey {
    /// CSS width, height, device pixel ratio.
    pub size: (f64, f64, f64),
    pub palette: Palette,
    pub selection: Option<Selection>,
    pub pause_points: BTreeSet<NodeId>,
    pub scene: u64,
}

pub struct Layer {
    canvas: HtmlCanvasElement,
    ctx: Ctx,
    key: Option<LayerKey>,
}

impl Layer {
    pub fn new() -> Option<Layer> {
        let document = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        let ctx: Ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(Layer {
            canvas,
            ctx,
            key: None,
        })
    }

    /// Copies the layer onto `onto` (whose transform is in CSS pixels), repainting it with
    /// `paint` first if `key` differs from what it shows.
    pub fn show(&mut self, onto: &Ctx, key: LayerKey, paint: impl FnOnce(&Ctx)) {
        let (w, h, dpr) = key.size;
        if self.key.as_ref() != Some(&key) {
            let (pw, ph) = ((w * dpr) as u32, (h * dpr) as u32);
            if self.canvas.width() != pw || self.canvas.height() != ph {
                self.canvas.set_width(pw);
                self.canvas.set_height(ph);
            }
            let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
            paint(&self.ctx);
            self.key = Some(key);
        }
        onto.clear_rect(0.0, 0.0, w, h);
        let _ =
            onto.draw_image_with_html_canvas_element_and_dw_and_dh(&self.canvas, 0.0, 0.0, w, h);
    }
}
