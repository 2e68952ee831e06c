//! The engine's synchronisation primitives, swappable for loom's.
//!
//! Built normally these are `core`'s atomics and a thin `UnsafeCell`; built with
//! `RUSTFLAGS="--cfg loom"` they are loom's, so the model-checking tests
//! (`tests/loom.rs`) explore every interleaving of the lock and atomic protocol between the
//! timer/DPC path, GetPosition, SetState, event registration and packet submission.

#[cfg(loom)]
pub use loom::{
    cell::UnsafeCell,
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
};

#[cfg(not(loom))]
pub use core::{
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
};

/// `core::cell::UnsafeCell` with loom's closure-style API, so code reads the same both ways.
#[cfg(not(loom))]
#[derive(Debug)]
pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub const fn new(value: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a raw pointer to the value (the caller upholds aliasing).
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}
