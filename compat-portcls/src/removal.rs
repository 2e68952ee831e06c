//! Which adapter object belongs to which device object, for the PnP requests PortCls does not
//! pass to miniports: the driver's IRP_MJ_PNP hook looks the adapter up on
//! IRP_MN_SURPRISE_REMOVAL (to freeze the streams, as ACX's EvtDeviceSurpriseRemoval does) and
//! forgets it on IRP_MN_REMOVE_DEVICE.
//!
//! A fixed table of `(device, adapter)` address pairs, lock-free: PnP serialises the requests
//! of one device, and different devices use different slots.

use core::sync::atomic::{AtomicUsize, Ordering};

/// One `(key, value)` pair; 0 is "empty" for both.
#[derive(Debug)]
struct Slot {
    key: AtomicUsize,
    value: AtomicUsize,
}

/// Up to `N` devices.
#[derive(Debug)]
pub struct Registry<const N: usize> {
    slots: [Slot; N],
}

impl<const N: usize> Default for Registry<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Registry<N> {
    pub const fn new() -> Self {
        Registry {
            slots: [const {
                Slot {
                    key: AtomicUsize::new(0),
                    value: AtomicUsize::new(0),
                }
            }; N],
        }
    }

    fn find(&self, key: usize) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| key != 0 && s.key.load(Ordering::Acquire) == key)
    }

    /// Records `value` for `key` (both non-zero). Returns `Ok(Some(old))` if it replaced a
    /// value (a device started again), `Ok(None)` if new, `Err(())` if the table is full or a
    /// value is 0.
    #[allow(clippy::result_unit_err)] // the one failure is "no room"; the caller keeps its value
    pub fn insert(&self, key: usize, value: usize) -> Result<Option<usize>, ()> {
        if key == 0 || value == 0 {
            return Err(());
        }
        if let Some(slot) = self.find(key) {
            return Ok(Some(slot.value.swap(value, Ordering::AcqRel)).filter(|&v| v != 0));
        }
        for slot in &self.slots {
            if slot
                .key
                .compare_exchange(0, key, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                slot.value.store(value, Ordering::Release);
                return Ok(None);
            }
        }
        Err(())
    }

    /// The value for `key`, if any.
    pub fn get(&self, key: usize) -> Option<usize> {
        self.find(key)
            .map(|s| s.value.load(Ordering::Acquire))
            .filter(|&v| v != 0)
    }

    /// Forgets `key`; returns its value.
    pub fn remove(&self, key: usize) -> Option<usize> {
        let slot = self.find(key)?;
        let value = slot.value.swap(0, Ordering::AcqRel);
        slot.key.store(0, Ordering::Release);
        Some(value).filter(|&v| v != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Promise: 0 is never a key or a value (a null FDO or adapter pointer): either is
    /// refused and takes no slot, so the table still has room for real devices.
    #[test]
    fn a_null_device_or_adapter_is_refused_and_takes_no_slot() {
        let r: Registry<1> = Registry::new();
        assert_eq!(r.insert(0, 0xA1), Err(()));
        assert_eq!(r.insert(0x10, 0), Err(()));
        assert_eq!(r.get(0), None);
        assert_eq!(r.insert(0x10, 0xA1), Ok(None), "the one slot is still free");
    }

    #[test]
    fn a_device_maps_to_its_adapter_until_removed_and_a_restart_replaces_it() {
        let r: Registry<2> = Registry::new();
        assert_eq!(r.get(0x10), None);
        assert_eq!(r.insert(0x10, 0xA1), Ok(None));
        assert_eq!(r.insert(0x20, 0xB1), Ok(None));
        // The table is full for a third device, but a known device is replaced in place.
        assert_eq!(r.insert(0x30, 0xC1), Err(()));
        assert_eq!(r.insert(0x10, 0xA2), Ok(Some(0xA1)));
        assert_eq!((r.get(0x10), r.get(0x20)), (Some(0xA2), Some(0xB1)));
        assert_eq!(r.remove(0x10), Some(0xA2));
        assert_eq!(r.get(0x10), None);
        assert_eq!(r.remove(0x10), None);
        // The freed slot is reused.
        assert_eq!(r.insert(0x30, 0xC1), Ok(None));
        assert_eq!(r.get(0x30), Some(0xC1));
        assert_eq!((r.insert(0, 1), r.insert(1, 0)), (Err(()), Err(())));
    }
}
