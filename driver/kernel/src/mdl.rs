//! Physical pages described by an MDL and mapped into system space: the memory ACX packets
//! need (ACX hands the *MDL* to the audio stack, the engine works on the mapped bytes).
//!
//! `MmGetSystemAddressForMdlSafe` is a macro in the headers, not an export: if the MDL's flags
//! say it is already mapped (`MDL_MAPPED_TO_SYSTEM_VA` or `MDL_SOURCE_IS_NONPAGED_POOL`) it
//! yields `MappedSystemVa`, otherwise it maps the pages with `MmMapLockedPagesSpecifyCache`
//! (kernel mode, cached, anywhere, no bug check). [`mapped_system_address`] is the first half,
//! pure and host-tested; the second half is in [`allocate_mdl_pages`]. The MDL field offsets
//! and flag values it reads are checked against the headers by `tests/ddi_prototypes.rs`.
//!
//! IRQL: [`allocate_mdl_pages`] and [`free_mdl_pages`] run at PASSIVE_LEVEL — they take a
//! [`Passive`](cadenza_engine::platform::Passive) proof — because `MmAllocatePagesForMdlEx` and
//! `MmFreePagesFromMdl` need ≤ APC_LEVEL. The mapped bytes are non-paged and may be used at
//! DISPATCH_LEVEL.

use crate::ddi::{MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_SOURCE_IS_NONPAGED_POOL, PVOID};

/// What `MmGetSystemAddressForMdlSafe` returns without mapping anything: the MDL's system
/// address if its flags say it has one, else `None` (the pages must be mapped).
pub fn mapped_system_address(mdl: &MDL) -> Option<PVOID> {
    let mapped = mdl.MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) != 0;
    if mapped && !mdl.MappedSystemVa.is_null() {
        Some(mdl.MappedSystemVa)
    } else {
        None
    }
}

#[cfg(windows)]
pub use kernel::{MdlPages, allocate_mdl_pages, free_mdl_pages};

#[cfg(windows)]
mod kernel {
    use core::ptr::{NonNull, null_mut};

    use cadenza_engine::NtStatus;
    use cadenza_engine::platform::{DmaBuffer, Passive};

    use super::mapped_system_address;
    use crate::ddi::{
        ExFreePool, FALSE, KernelMode, MDL, MM_ALLOCATE_FULLY_REQUIRED, MdlMappingNoExecute,
        MmAllocatePagesForMdlEx, MmCached, MmFreePagesFromMdl, MmMapLockedPagesSpecifyCache,
        MmUnmapLockedPages, NormalPagePriority, PHYSICAL_ADDRESS, PMDL,
    };

    /// Pages from `MmAllocatePagesForMdlEx`, their MDL, and their system mapping.
    ///
    /// Hand it back to [`free_mdl_pages`] with the [`DmaBuffer`] that came with it; dropping it
    /// instead leaks the pages (it cannot free them while the buffer may still be in use).
    #[derive(Debug)]
    #[must_use = "dropping MdlPages leaks the pages; give them back to free_mdl_pages"]
    pub struct MdlPages {
        mdl: NonNull<MDL>,
        address: NonNull<u8>,
        /// Whether we mapped the pages (and so must unmap them).
        we_mapped: bool,
    }

    // SAFETY: `MdlPages` owns its MDL and pages; moving the handle between threads moves that
    // ownership, and the MDL DDIs it calls have no thread affinity.
    unsafe impl Send for MdlPages {}

    impl MdlPages {
        /// The MDL describing the pages (for ACX packets). Valid until `free_mdl_pages`.
        pub fn mdl(&self) -> PMDL {
            self.mdl.as_ptr()
        }
    }

    /// Allocates `bytes` of zeroed, non-paged, cached physical memory (page granular, any
    /// physical address) with an MDL, and maps it into system space, non-executable.
    /// IRQL: PASSIVE_LEVEL (`MmAllocatePagesForMdlEx` needs ≤ APC_LEVEL).
    ///
    /// Fails with STATUS_INSUFFICIENT_RESOURCES for zero bytes, more than an MDL can describe
    /// (4 GiB), or when memory or system address space runs out; nothing leaks on failure.
    pub fn allocate_mdl_pages(
        _irql: Passive,
        bytes: usize,
    ) -> Result<(MdlPages, DmaBuffer), NtStatus> {
        if bytes == 0 || u32::try_from(bytes).is_err() {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let lowest = PHYSICAL_ADDRESS { QuadPart: 0 };
        let highest = PHYSICAL_ADDRESS { QuadPart: -1 }; // MAXULONG64: anywhere.
        let no_skip = PHYSICAL_ADDRESS { QuadPart: 0 };
        // SAFETY: plain allocation with by-value arguments, at PASSIVE_LEVEL (`_irql`).
        let mdl = unsafe {
            MmAllocatePagesForMdlEx(
                lowest,
                highest,
                no_skip,
                bytes,
                MmCached,
                MM_ALLOCATE_FULLY_REQUIRED,
            )
        };
        let mdl = NonNull::new(mdl).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        // SAFETY: `mdl` is the valid MDL just returned; nothing else refers to it yet.
        let header = unsafe { mdl.as_ref() };
        let complete = usize::try_from(header.ByteCount).is_ok_and(|n| n >= bytes);
        let (address, we_mapped) = match mapped_system_address(header) {
            Some(va) => (va, false),
            None if complete => {
                // SAFETY: `mdl` describes locked physical pages; kernel-mode mapping at
                // ≤ DISPATCH_LEVEL, returning NULL (BugCheckOnFailure = FALSE) on failure.
                let va = unsafe {
                    MmMapLockedPagesSpecifyCache(
                        mdl.as_ptr(),
                        KernelMode,
                        MmCached,
                        null_mut(),
                        u32::from(FALSE),
                        NormalPagePriority | MdlMappingNoExecute,
                    )
                };
                (va, true)
            }
            None => (null_mut(), false),
        };
        let Some(address) = NonNull::new(address.cast::<u8>()).filter(|_| complete) else {
            release(mdl, None);
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        // SAFETY: `address` maps `ByteCount >= bytes` bytes of locked, non-paged, zeroed
        // pages that stay mapped until `free_mdl_pages` gets this buffer back, and nothing
        // else refers to them.
        let buffer = unsafe { DmaBuffer::from_raw_parts(address, bytes) };
        Ok((
            MdlPages {
                mdl,
                address,
                we_mapped,
            },
            buffer,
        ))
    }

    /// Unmaps and frees pages from [`allocate_mdl_pages`], and their MDL.
    /// IRQL: PASSIVE_LEVEL (`MmFreePagesFromMdl` needs ≤ APC_LEVEL).
    ///
    /// `buffer` must be the one that came with `pages` (proof that no view of the memory is
    /// left); if it is not, nothing is freed and both are handed back.
    pub fn free_mdl_pages(
        _irql: Passive,
        pages: MdlPages,
        buffer: DmaBuffer,
    ) -> Result<(), (MdlPages, DmaBuffer)> {
        if buffer.as_ptr() != pages.address.as_ptr() {
            return Err((pages, buffer));
        }
        let mapping = pages.we_mapped.then_some(pages.address);
        release(pages.mdl, mapping);
        Ok(())
    }

    /// Unmaps (if `mapping`), frees the pages, then the MDL. ≤ APC_LEVEL.
    fn release(mdl: NonNull<MDL>, mapping: Option<NonNull<u8>>) {
        if let Some(va) = mapping {
            // SAFETY: `va` is the mapping `MmMapLockedPagesSpecifyCache` made of `mdl`, and no
            // view of it remains (its DmaBuffer was handed back).
            unsafe { MmUnmapLockedPages(va.as_ptr().cast(), mdl.as_ptr()) };
        }
        // SAFETY: `mdl` came from `MmAllocatePagesForMdlEx` and is no longer mapped by us.
        unsafe { MmFreePagesFromMdl(mdl.as_ptr()) };
        // SAFETY: the documented way to free the MDL structure itself, after its pages.
        unsafe { ExFreePool(mdl.as_ptr().cast()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::{null_mut, without_provenance_mut};

    fn mdl(flags: i16, va: PVOID) -> MDL {
        MDL {
            Next: null_mut(),
            Size: 48,
            MdlFlags: flags,
            Process: null_mut(),
            MappedSystemVa: va,
            StartVa: null_mut(),
            ByteCount: 4096,
            ByteOffset: 0,
        }
    }

    #[test]
    fn mapped_only_when_the_flags_say_so() {
        let va = without_provenance_mut(0xFFFF_8000_0000_0000);
        assert_eq!(mapped_system_address(&mdl(0, va)), None);
        assert_eq!(
            mapped_system_address(&mdl(MDL_MAPPED_TO_SYSTEM_VA, va)),
            Some(va)
        );
        assert_eq!(
            mapped_system_address(&mdl(MDL_SOURCE_IS_NONPAGED_POOL, va)),
            Some(va)
        );
        // Other flags (e.g. MDL_PAGES_LOCKED, 0x2) do not make an address.
        assert_eq!(mapped_system_address(&mdl(0x2, va)), None);
        assert_eq!(
            mapped_system_address(&mdl(MDL_MAPPED_TO_SYSTEM_VA, null_mut())),
            None
        );
    }
}
