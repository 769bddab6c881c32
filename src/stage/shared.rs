//! What the animation loop and the canvas's handlers share: what Yew tells the loop (playing,
//! speed, selection), and the last frame's drawing with the view (zoom and pan) the pointer,
//! the wheel, the buttons and the keys change. Plain data; it knows nothing of the browser.

use switchyard_core::sim::NodeId;

use crate::sim_ref::{Selection, SimRef};
use crate::stage::geometry::Dot;
use crate::stage::layout::{Fit, Scene};
use crate::stage::view::View;

/// What the Yew side tells the loop (written on every render).
#[derive(Debug, Default)]
pub struct Live {
    pub playing: bool,
    pub speed: f64,
    pub selection: Option<Selection>,
    /// A render happened: paint again.
    pub dirty: bool,
    /// The simulation moved or changed since the last frame (its revision did): what is drawn
    /// may differ (an exchange retyped, a consumer crashed, a seek), so the scene is made again.
    pub changed: bool,
    /// The simulation's revision the loop was last told of.
    pub revision: Option<SimRef>,
}

/// What the loop and the canvas's handlers share: the last frame's drawing, and the view the
/// pointer, the wheel, the buttons and the keys change.
#[derive(Debug)]
pub struct Shared {
    pub scene: Scene,
    /// The transform everything is drawn and hit-tested with: `view` composed with `base`.
    pub fit: Fit,
    pub dots: Vec<Dot>,
    /// The whole drawing fitted to the canvas, and the canvas's CSS size.
    pub base: Fit,
    pub size: (f64, f64),
    pub view: View,
    /// What the last click on the canvas selected: it is in sight, so selecting it moves
    /// nothing (a selection made elsewhere is brought into view).
    pub clicked: Option<Selection>,
    /// A node selected elsewhere than on the canvas, to bring into view at the next frame: by
    /// then the canvas is sized and the scene fitted (a scenario just opened with a node
    /// selected, a session restored, has neither yet).
    pub reveal: Option<NodeId>,
}

impl Default for Shared {
    fn default() -> Self {
        let fit = Fit {
            scale: 1.0,
            stretch: 1.0,
            dx: 0.0,
            dy: 0.0,
            zoom: 1.0,
        };
        Shared {
            scene: Scene::default(),
            fit,
            dots: Vec::new(),
            base: fit,
            size: (0.0, 0.0),
            view: View::default(),
            clicked: None,
            reveal: None,
        }
    }
}

impl Shared {
    /// Shows the drawing through `view`.
    pub fn set_view(&mut self, view: View) {
        self.view = view;
        self.fit = view.compose(&self.base, self.size.0, self.size.1);
    }

    /// Brings [`Shared::reveal`]'s node to the canvas's centre if it lies off it or near its
    /// edge (see [`View::bring_into_view`]); waits while the canvas has no size.
    pub fn reveal_now(&mut self) {
        if self.size.0 <= 0.0 || self.size.1 <= 0.0 {
            return;
        }
        let Some(id) = self.reveal.take() else {
            return;
        };
        let at = self.scene.shape(id).map(|n| self.fit.at(n.x, n.y));
        if let Some(at) = at {
            let view = self.view.bring_into_view(at, self.size, 40.0);
            if view != self.view {
                self.set_view(view);
            }
        }
    }

    /// Fits the scene to a `width` × `height` canvas again, keeping the view.
    pub fn refit(&mut self, width: f64, height: f64) {
        self.base = Fit::new(&self.scene, width, height);
        self.size = (width, height);
        self.set_view(self.view);
    }
}
