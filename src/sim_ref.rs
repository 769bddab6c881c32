//! The running simulation, shared by the stage (canvas, controls) and the panels (inspector,
//! metrics, presets): one `Simulation` behind an `Rc<RefCell<_>>` plus a revision number, so a
//! Yew property compares equal until the simulation moves. Whoever moves the simulation hands
//! the components a [`SimRef::touched`] copy; borrows never outlive one render or one frame.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use switchyard_core::MessageId;
use switchyard_core::sim::{NodeId, Simulation, TraceEvent};

#[derive(Clone)]
pub struct SimRef {
    sim: Rc<RefCell<Simulation>>,
    revision: u64,
}

impl SimRef {
    pub fn new(sim: Simulation) -> SimRef {
        SimRef {
            sim: Rc::new(RefCell::new(sim)),
            revision: 0,
        }
    }

    /// Reads the simulation; `None` only while someone else is moving it (never held across
    /// an await or a frame).
    pub fn get(&self) -> Option<Ref<'_, Simulation>> {
        self.sim.try_borrow().ok()
    }

    /// Moves the simulation; `None` if it is borrowed elsewhere. Hand components
    /// [`SimRef::touched`] afterwards so they re-render.
    pub fn update<R>(&self, f: impl FnOnce(&mut Simulation) -> R) -> Option<R> {
        let mut sim = self.sim.try_borrow_mut().ok()?;
        Some(f(&mut sim))
    }

    /// The same simulation at the next revision.
    pub fn touched(&self) -> SimRef {
        SimRef {
            sim: self.sim.clone(),
            revision: self.revision.wrapping_add(1),
        }
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }
}

impl std::fmt::Debug for SimRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimRef(revision {})", self.revision)
    }
}

impl PartialEq for SimRef {
    fn eq(&self, other: &SimRef) -> bool {
        Rc::ptr_eq(&self.sim, &other.sim) && self.revision == other.revision
    }
}

/// What the user clicked: the inspector shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    Message(MessageId),
    Node(NodeId),
    /// One request of a business flow's caller, with the calls it set off (orchestration's
    /// calls carry no message; this is what a click on one shows).
    Request(u32),
}

impl Selection {
    /// What an event concerns that can be inspected: its message, else its flow's request.
    pub fn of_event(e: &TraceEvent) -> Option<Selection> {
        e.message
            .map(Selection::Message)
            .or_else(|| e.kind.flow().map(Selection::Request))
    }
}
