//! PortCls COM interfaces: `#[repr(C)]` vtables in slot order (portcls.h).
//!
//! An interface pointer points at an object whose first field is a pointer to its vtable; the
//! interface structs here (`IMiniport`, `IPortWaveRTStream`, ...) are exactly that one field.
//! Inheritance is modelled by embedding: a derived vtable's first field, `base`, is the vtable
//! of its parent, so slot *n* of the C declaration is at byte `n * 8` in both. The vtables are
//! generic over `This`, the interface the methods are called through, so the inherited slots of
//! `IMiniportWaveRTVtbl` take `*mut IMiniportWaveRT` just as the flat C vtable declares them.
//!
//! PortCls flavour of COM: `QueryInterface` returns NTSTATUS, not HRESULT; every method uses
//! the platform calling convention (`extern "system"`).

use core::ffi::c_void;

use cadenza_engine::NtStatus;

use crate::kernel::{
    AccessMask, DeviceCapabilities, DeviceDescription, DeviceObject, DeviceRegistryProperty, Irp,
    KEvent, Mdl, MemoryCachingType, ObjectAttributes, PhysicalAddress, PowerState, opaque,
};
use crate::ks::{KsDataFormat, KsDataRange, KsState};
use crate::ksaudio::{
    KsAudioPosition, KsAudioPresentationPosition, KsRtAudioHwLatency, KsRtAudioHwRegister,
};

/// Size of one vtable slot (a function pointer) on the 64-bit targets this driver supports.
pub const SLOT_BYTES: usize = 8;

opaque! {
    /// `IResourceList`: the adapter's hardware resources (passed through, never called here).
    IResourceList = "IResourceList";
    /// `IRegistryKey`: a registry key object returned by `IPort::NewRegistryKey`.
    IRegistryKey = "IRegistryKey";
}

/// Declares interface structs: `#[repr(C)]`, one field, the vtable pointer.
macro_rules! interfaces {
    ($($(#[$meta:meta])* $name:ident => $vtbl:ty;)+) => {$(
        $(#[$meta])*
        #[derive(Debug)]
        #[repr(C)]
        pub struct $name {
            pub vtbl: *const $vtbl,
        }
    )+};
}

pub use crate::unknown::{IUnknown, IUnknownVtbl};

interfaces! {
    /// `IMiniport`.
    IMiniport => IMiniportVtbl;
    /// `IMiniportTopology`.
    IMiniportTopology => IMiniportTopologyVtbl;
    /// `IMiniportWaveRT`.
    IMiniportWaveRT => IMiniportWaveRTVtbl;
    /// `IMiniportWaveRTStream`.
    IMiniportWaveRTStream => IMiniportWaveRTStreamVtbl;
    /// `IMiniportWaveRTStreamNotification`.
    IMiniportWaveRTStreamNotification => IMiniportWaveRTStreamNotificationVtbl;
    /// `IMiniportWaveRTInputStream` (packet mode, capture; Windows 10+).
    IMiniportWaveRTInputStream => IMiniportWaveRTInputStreamVtbl;
    /// `IMiniportWaveRTOutputStream` (packet mode, render; Windows 10+).
    IMiniportWaveRTOutputStream => IMiniportWaveRTOutputStreamVtbl;
    /// `IPort`.
    IPort => IPortVtbl;
    /// `IPortTopology` (adds nothing to IPort).
    IPortTopology => IPortTopologyVtbl;
    /// `IPortWaveRT` (adds nothing to IPort).
    IPortWaveRT => IPortWaveRTVtbl;
    /// `IPortWaveRTStream`: the port's memory services for a stream.
    IPortWaveRTStream => IPortWaveRTStreamVtbl;
    /// `IAdapterPowerManagement`.
    IAdapterPowerManagement => IAdapterPowerManagementVtbl;
}

/// `IMiniport : IUnknown`, slots 3–4.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportVtbl<This = IMiniport> {
    pub base: IUnknownVtbl<This>,
    /// 3: `GetDescription(PPCFILTER_DESCRIPTOR*)`. PortCls only reads the descriptor.
    pub get_description: unsafe extern "system" fn(
        this: *mut This,
        description: *mut *mut crate::descriptor::PcFilterDescriptor,
    ) -> NtStatus,
    /// 4: `DataRangeIntersection(PinId, DataRange, MatchingDataRange, OutputBufferLength,
    /// ResultantFormat, ResultantFormatLength)`.
    pub data_range_intersection: unsafe extern "system" fn(
        this: *mut This,
        pin_id: u32,
        data_range: *mut KsDataRange,
        matching_data_range: *mut KsDataRange,
        output_buffer_length: u32,
        resultant_format: *mut c_void,
        resultant_format_length: *mut u32,
    ) -> NtStatus,
}

/// `IMiniportTopology : IMiniport`, slot 5.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportTopologyVtbl<This = IMiniportTopology> {
    pub base: IMiniportVtbl<This>,
    /// 5: `Init(PUNKNOWN UnknownAdapter, PRESOURCELIST, PPORTTOPOLOGY)`.
    pub init: unsafe extern "system" fn(
        this: *mut This,
        unknown_adapter: *mut IUnknown,
        resource_list: *mut IResourceList,
        port: *mut IPortTopology,
    ) -> NtStatus,
}

/// `IMiniportWaveRT : IMiniport`, slots 5–7.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportWaveRTVtbl<This = IMiniportWaveRT> {
    pub base: IMiniportVtbl<This>,
    /// 5: `Init(PUNKNOWN UnknownAdapter, PRESOURCELIST, PPORTWAVERT)`.
    pub init: unsafe extern "system" fn(
        this: *mut This,
        unknown_adapter: *mut IUnknown,
        resource_list: *mut IResourceList,
        port: *mut IPortWaveRT,
    ) -> NtStatus,
    /// 6: `NewStream(PMINIPORTWAVERTSTREAM*, PPORTWAVERTSTREAM, ULONG Pin, BOOLEAN Capture,
    /// PKSDATAFORMAT)`. `capture` is a C `BOOLEAN` (any non-zero byte is true), hence `u8`.
    pub new_stream: unsafe extern "system" fn(
        this: *mut This,
        stream: *mut *mut IMiniportWaveRTStream,
        port_stream: *mut IPortWaveRTStream,
        pin: u32,
        capture: u8,
        data_format: *mut KsDataFormat,
    ) -> NtStatus,
    /// 7: `GetDeviceDescription(PDEVICE_DESCRIPTION)`.
    pub get_device_description: unsafe extern "system" fn(
        this: *mut This,
        device_description: *mut DeviceDescription,
    ) -> NtStatus,
}

/// `IMiniportWaveRTStream : IUnknown`, slots 3–10.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportWaveRTStreamVtbl<This = IMiniportWaveRTStream> {
    pub base: IUnknownVtbl<This>,
    /// 3: `SetFormat(PKSDATAFORMAT)`.
    pub set_format:
        unsafe extern "system" fn(this: *mut This, data_format: *mut KsDataFormat) -> NtStatus,
    /// 4: `SetState(KSSTATE)` (PASSIVE_LEVEL).
    pub set_state: unsafe extern "system" fn(this: *mut This, state: KsState) -> NtStatus,
    /// 5: `GetPosition(PKSAUDIO_POSITION)` (PASSIVE or DISPATCH level).
    pub get_position:
        unsafe extern "system" fn(this: *mut This, position: *mut KsAudioPosition) -> NtStatus,
    /// 6: `AllocateAudioBuffer(RequestedSize, PMDL*, ActualSize*, OffsetFromFirstPage*,
    /// MEMORY_CACHING_TYPE*)`.
    pub allocate_audio_buffer: unsafe extern "system" fn(
        this: *mut This,
        requested_size: u32,
        audio_buffer_mdl: *mut *mut Mdl,
        actual_size: *mut u32,
        offset_from_first_page: *mut u32,
        cache_type: *mut MemoryCachingType,
    ) -> NtStatus,
    /// 7: `VOID FreeAudioBuffer(PMDL, ULONG BufferSize)`.
    pub free_audio_buffer:
        unsafe extern "system" fn(this: *mut This, audio_buffer_mdl: *mut Mdl, buffer_size: u32),
    /// 8: `VOID GetHWLatency(KSRTAUDIO_HWLATENCY*)`.
    pub get_hw_latency:
        unsafe extern "system" fn(this: *mut This, hw_latency: *mut KsRtAudioHwLatency),
    /// 9: `GetPositionRegister(KSRTAUDIO_HWREGISTER*)`.
    pub get_position_register:
        unsafe extern "system" fn(this: *mut This, register: *mut KsRtAudioHwRegister) -> NtStatus,
    /// 10: `GetClockRegister(KSRTAUDIO_HWREGISTER*)`.
    pub get_clock_register:
        unsafe extern "system" fn(this: *mut This, register: *mut KsRtAudioHwRegister) -> NtStatus,
}

/// `IMiniportWaveRTStreamNotification : IMiniportWaveRTStream`, slots 11–14: the 15-slot vtable
/// that serves both stream interfaces (its first 11 slots *are* an IMiniportWaveRTStream
/// vtable, see [`as_stream_vtbl`](Self::as_stream_vtbl)).
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportWaveRTStreamNotificationVtbl<This = IMiniportWaveRTStreamNotification> {
    pub base: IMiniportWaveRTStreamVtbl<This>,
    /// 11: `AllocateBufferWithNotification(NotificationCount, RequestedSize, PMDL*,
    /// ActualSize*, OffsetFromFirstPage*, MEMORY_CACHING_TYPE*)`.
    pub allocate_buffer_with_notification: unsafe extern "system" fn(
        this: *mut This,
        notification_count: u32,
        requested_size: u32,
        audio_buffer_mdl: *mut *mut Mdl,
        actual_size: *mut u32,
        offset_from_first_page: *mut u32,
        cache_type: *mut MemoryCachingType,
    ) -> NtStatus,
    /// 12: `VOID FreeBufferWithNotification(PMDL, ULONG BufferSize)`.
    pub free_buffer_with_notification:
        unsafe extern "system" fn(this: *mut This, audio_buffer_mdl: *mut Mdl, buffer_size: u32),
    /// 13: `RegisterNotificationEvent(PKEVENT)` (PASSIVE_LEVEL).
    pub register_notification_event:
        unsafe extern "system" fn(this: *mut This, notification_event: *mut KEvent) -> NtStatus,
    /// 14: `UnregisterNotificationEvent(PKEVENT)` (PASSIVE_LEVEL).
    pub unregister_notification_event:
        unsafe extern "system" fn(this: *mut This, notification_event: *mut KEvent) -> NtStatus,
}

impl<This> IMiniportWaveRTStreamNotificationVtbl<This> {
    /// The same table seen as an `IMiniportWaveRTStream` vtable: `base` is the first field of a
    /// `#[repr(C)]` struct, so this is the table's own address. Hand it out for
    /// IID_IMiniportWaveRTStream and the full table for IID_IMiniportWaveRTStreamNotification
    /// (the `this` pointer is the same object either way).
    pub const fn as_stream_vtbl(&self) -> *const IMiniportWaveRTStreamVtbl<This> {
        &raw const self.base
    }
}

/// `IMiniportWaveRTInputStream : IUnknown`, slot 3 (capture packet mode). It derives from
/// IUnknown only, so a stream object that offers it needs a second vtable pointer, and
/// QueryInterface must hand out the address of that pointer.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportWaveRTInputStreamVtbl<This = IMiniportWaveRTInputStream> {
    pub base: IUnknownVtbl<This>,
    /// 3: `GetReadPacket(ULONG* PacketNumber, DWORD* Flags, ULONG64* PerformanceCounterValue,
    /// BOOL* MoreData)`.
    pub get_read_packet: unsafe extern "system" fn(
        this: *mut This,
        packet_number: *mut u32,
        flags: *mut u32,
        performance_counter_value: *mut u64,
        more_data: *mut i32,
    ) -> NtStatus,
}

/// `IMiniportWaveRTOutputStream : IUnknown`, slots 3–5 (render packet mode). Like the input
/// stream interface it needs its own vtable pointer in the stream object.
#[derive(Debug)]
#[repr(C)]
pub struct IMiniportWaveRTOutputStreamVtbl<This = IMiniportWaveRTOutputStream> {
    pub base: IUnknownVtbl<This>,
    /// 3: `SetWritePacket(ULONG PacketNumber, DWORD Flags, ULONG EosPacketLength)`.
    pub set_write_packet: unsafe extern "system" fn(
        this: *mut This,
        packet_number: u32,
        flags: u32,
        eos_packet_length: u32,
    ) -> NtStatus,
    /// 4: `GetOutputStreamPresentationPosition(KSAUDIO_PRESENTATION_POSITION*)`.
    pub get_output_stream_presentation_position: unsafe extern "system" fn(
        this: *mut This,
        presentation_position: *mut KsAudioPresentationPosition,
    ) -> NtStatus,
    /// 5: `GetPacketCount(ULONG*)`.
    pub get_packet_count:
        unsafe extern "system" fn(this: *mut This, packet_count: *mut u32) -> NtStatus,
}

/// `IPort : IUnknown`, slots 3–5.
#[derive(Debug)]
#[repr(C)]
pub struct IPortVtbl<This = IPort> {
    pub base: IUnknownVtbl<This>,
    /// 3: `Init(PDEVICE_OBJECT, PIRP, PUNKNOWN UnknownMiniport, PUNKNOWN UnknownAdapter,
    /// PRESOURCELIST)`.
    pub init: unsafe extern "system" fn(
        this: *mut This,
        device_object: *mut DeviceObject,
        irp: *mut Irp,
        unknown_miniport: *mut IUnknown,
        unknown_adapter: *mut IUnknown,
        resource_list: *mut IResourceList,
    ) -> NtStatus,
    /// 4: `GetDeviceProperty(DEVICE_REGISTRY_PROPERTY, BufferLength, PropertyBuffer,
    /// ResultLength*)`.
    pub get_device_property: unsafe extern "system" fn(
        this: *mut This,
        device_property: DeviceRegistryProperty,
        buffer_length: u32,
        property_buffer: *mut c_void,
        result_length: *mut u32,
    ) -> NtStatus,
    /// 5: `NewRegistryKey(PREGISTRYKEY*, OuterUnknown, RegistryKeyType, ACCESS_MASK,
    /// POBJECT_ATTRIBUTES, CreateOptions, Disposition*)`.
    pub new_registry_key: unsafe extern "system" fn(
        this: *mut This,
        out_registry_key: *mut *mut IRegistryKey,
        outer_unknown: *mut IUnknown,
        registry_key_type: u32,
        desired_access: AccessMask,
        object_attributes: *mut ObjectAttributes,
        create_options: u32,
        disposition: *mut u32,
    ) -> NtStatus,
}

/// `IPortTopology : IPort` adds no slots.
pub type IPortTopologyVtbl = IPortVtbl<IPortTopology>;
/// `IPortWaveRT : IPort` adds no slots.
pub type IPortWaveRTVtbl = IPortVtbl<IPortWaveRT>;

/// `IPortWaveRTStream : IUnknown`, slots 3–9.
#[derive(Debug)]
#[repr(C)]
pub struct IPortWaveRTStreamVtbl<This = IPortWaveRTStream> {
    pub base: IUnknownVtbl<This>,
    /// 3: `PMDL AllocatePagesForMdl(PHYSICAL_ADDRESS HighAddress, SIZE_T TotalBytes)`.
    pub allocate_pages_for_mdl: unsafe extern "system" fn(
        this: *mut This,
        high_address: PhysicalAddress,
        total_bytes: usize,
    ) -> *mut Mdl,
    /// 4: `PMDL AllocateContiguousPagesForMdl(PHYSICAL_ADDRESS Low, PHYSICAL_ADDRESS High,
    /// SIZE_T TotalBytes)`.
    pub allocate_contiguous_pages_for_mdl: unsafe extern "system" fn(
        this: *mut This,
        low_address: PhysicalAddress,
        high_address: PhysicalAddress,
        total_bytes: usize,
    ) -> *mut Mdl,
    /// 5: `PVOID MapAllocatedPages(PMDL, MEMORY_CACHING_TYPE)`.
    pub map_allocated_pages: unsafe extern "system" fn(
        this: *mut This,
        memory_descriptor_list: *mut Mdl,
        cache_type: MemoryCachingType,
    ) -> *mut c_void,
    /// 6: `VOID UnmapAllocatedPages(PVOID BaseAddress, PMDL)`.
    pub unmap_allocated_pages: unsafe extern "system" fn(
        this: *mut This,
        base_address: *mut c_void,
        memory_descriptor_list: *mut Mdl,
    ),
    /// 7: `VOID FreePagesFromMdl(PMDL)`.
    pub free_pages_from_mdl:
        unsafe extern "system" fn(this: *mut This, memory_descriptor_list: *mut Mdl),
    /// 8: `ULONG GetPhysicalPagesCount(PMDL)`.
    pub get_physical_pages_count:
        unsafe extern "system" fn(this: *mut This, memory_descriptor_list: *mut Mdl) -> u32,
    /// 9: `PHYSICAL_ADDRESS GetPhysicalPageAddress(PMDL, ULONG Index)`.
    ///
    /// The C++ declaration returns a union by value from a virtual member function, and the
    /// MSVC x64 ABI returns *every* class/struct/union from an instance method through a hidden
    /// pointer passed right after `this` (RDX), returning that pointer in RAX, whatever its
    /// size. So the real signature is `(this, *mut PhysicalAddress result, PMDL, ULONG) ->
    /// *mut PhysicalAddress`; declaring it as returning an 8-byte value (as the C header does)
    /// would read garbage from RAX and shift the arguments. Call it through
    /// [`physical_page_address`].
    pub get_physical_page_address: unsafe extern "system" fn(
        this: *mut This,
        result: *mut PhysicalAddress,
        memory_descriptor_list: *mut Mdl,
        index: u32,
    ) -> *mut PhysicalAddress,
}

/// Calls `IPortWaveRTStream::GetPhysicalPageAddress` with the hidden return pointer the MSVC
/// C++ ABI uses for it (see the slot's documentation).
///
/// # Safety
///
/// `stream` must be a live `IPortWaveRTStream` interface pointer with a valid vtable, `mdl` an
/// MDL allocated through that stream, and `index` below its `GetPhysicalPagesCount`.
pub unsafe fn physical_page_address(
    stream: *mut IPortWaveRTStream,
    mdl: *mut Mdl,
    index: u32,
) -> PhysicalAddress {
    let mut result = PhysicalAddress(0);
    // SAFETY: the caller guarantees `stream` is a live interface pointer, so its first field
    // is a readable vtable pointer.
    let vtbl = unsafe { (*stream).vtbl };
    // SAFETY: the caller guarantees the vtable is valid, so it can be read.
    let method = unsafe { (*vtbl).get_physical_page_address };
    // SAFETY: the method is called with the ABI it is implemented with (hidden result pointer
    // after `this`), a writable result slot, and the caller's valid MDL and index.
    unsafe { method(stream, &raw mut result, mdl, index) };
    result
}

/// `IAdapterPowerManagement : IUnknown`, slots 3–5.
#[derive(Debug)]
#[repr(C)]
pub struct IAdapterPowerManagementVtbl<This = IAdapterPowerManagement> {
    pub base: IUnknownVtbl<This>,
    /// 3: `VOID PowerChangeState(POWER_STATE NewState)`.
    pub power_change_state: unsafe extern "system" fn(this: *mut This, new_state: PowerState),
    /// 4: `QueryPowerChangeState(POWER_STATE NewStateQuery)`.
    pub query_power_change_state:
        unsafe extern "system" fn(this: *mut This, new_state_query: PowerState) -> NtStatus,
    /// 5: `QueryDeviceCapabilities(PDEVICE_CAPABILITIES)`.
    pub query_device_capabilities: unsafe extern "system" fn(
        this: *mut This,
        power_device_caps: *mut DeviceCapabilities,
    ) -> NtStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    const fn slots<T>() -> usize {
        size_of::<T>() / SLOT_BYTES
    }

    #[test]
    fn vtables_have_documented_slot_counts() {
        assert_eq!(slots::<IUnknownVtbl>(), 3);
        assert_eq!(slots::<IMiniportVtbl>(), 5);
        assert_eq!(slots::<IMiniportTopologyVtbl>(), 6);
        assert_eq!(slots::<IMiniportWaveRTVtbl>(), 8);
        assert_eq!(slots::<IMiniportWaveRTStreamVtbl>(), 11);
        assert_eq!(slots::<IMiniportWaveRTStreamNotificationVtbl>(), 15);
        assert_eq!(slots::<IMiniportWaveRTInputStreamVtbl>(), 4);
        assert_eq!(slots::<IMiniportWaveRTOutputStreamVtbl>(), 6);
        assert_eq!(slots::<IPortVtbl>(), 6);
        assert_eq!(slots::<IPortWaveRTVtbl>(), 6);
        assert_eq!(slots::<IPortWaveRTStreamVtbl>(), 10);
        assert_eq!(slots::<IAdapterPowerManagementVtbl>(), 6);
        assert_eq!(size_of::<IMiniportWaveRTStream>(), SLOT_BYTES);
    }

    #[test]
    fn notification_vtable_starts_with_the_stream_vtable() {
        type N = IMiniportWaveRTStreamNotificationVtbl;
        assert_eq!(offset_of!(N, base), 0);
        assert_eq!(offset_of!(N, base.get_clock_register), 10 * SLOT_BYTES);
        assert_eq!(
            offset_of!(N, allocate_buffer_with_notification),
            11 * SLOT_BYTES
        );
        assert_eq!(
            offset_of!(N, unregister_notification_event),
            14 * SLOT_BYTES
        );
        assert_eq!(offset_of!(IMiniportWaveRTVtbl, new_stream), 6 * SLOT_BYTES);
        assert_eq!(
            offset_of!(IPortWaveRTStreamVtbl, get_physical_page_address),
            9 * SLOT_BYTES
        );
    }

    // A tiny stream object in the shape a miniport builds: one 15-slot table served for both
    // stream IIDs.
    mod fake {
        use super::super::*;
        use cadenza_engine::Guid;

        /// Fake QueryInterface: STATUS_NOINTERFACE for every IID.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn qi(
            _: *mut IMiniportWaveRTStreamNotification,
            _: *const Guid,
            _: *mut *mut c_void,
        ) -> NtStatus {
            NtStatus::NOINTERFACE
        }
        /// Fake AddRef and Release: always 1.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn rc(_: *mut IMiniportWaveRTStreamNotification) -> u32 {
            1
        }
        /// Fake one-argument method: STATUS_NOT_IMPLEMENTED.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn status1<A>(
            _: *mut IMiniportWaveRTStreamNotification,
            _: A,
        ) -> NtStatus {
            NtStatus::NOT_IMPLEMENTED
        }
        /// Fake two-argument method without a result.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn void2<A, B>(
            _: *mut IMiniportWaveRTStreamNotification,
            _: A,
            _: B,
        ) {
        }
        /// Fake GetHWLatency: writes fixed values.
        ///
        /// # Safety
        /// `l` must be valid and aligned for writing a KSRTAUDIO_HWLATENCY; the object pointer is
        /// not used.
        unsafe extern "system" fn latency(
            _: *mut IMiniportWaveRTStreamNotification,
            l: *mut KsRtAudioHwLatency,
        ) {
            // SAFETY: the test passes a valid, writable latency struct.
            unsafe {
                l.write(KsRtAudioHwLatency {
                    fifo_size: 1,
                    chipset_delay: 2,
                    codec_delay: 3,
                });
            };
        }
        /// Fake AllocateAudioBuffer: always STATUS_INSUFFICIENT_RESOURCES.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn alloc(
            _: *mut IMiniportWaveRTStreamNotification,
            _: u32,
            _: *mut *mut Mdl,
            _: *mut u32,
            _: *mut u32,
            _: *mut MemoryCachingType,
        ) -> NtStatus {
            NtStatus::INSUFFICIENT_RESOURCES
        }
        /// Fake AllocateBufferWithNotification: always STATUS_INSUFFICIENT_RESOURCES.
        ///
        /// # Safety
        /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
        unsafe extern "system" fn alloc_n(
            _: *mut IMiniportWaveRTStreamNotification,
            _: u32,
            _: u32,
            _: *mut *mut Mdl,
            _: *mut u32,
            _: *mut u32,
            _: *mut MemoryCachingType,
        ) -> NtStatus {
            NtStatus::INSUFFICIENT_RESOURCES
        }

        pub static VTBL: IMiniportWaveRTStreamNotificationVtbl =
            IMiniportWaveRTStreamNotificationVtbl {
                base: IMiniportWaveRTStreamVtbl {
                    base: IUnknownVtbl {
                        query_interface: qi,
                        add_ref: rc,
                        release: rc,
                    },
                    set_format: status1,
                    set_state: status1,
                    get_position: status1,
                    allocate_audio_buffer: alloc,
                    free_audio_buffer: void2,
                    get_hw_latency: latency,
                    get_position_register: status1,
                    get_clock_register: status1,
                },
                allocate_buffer_with_notification: alloc_n,
                free_buffer_with_notification: void2,
                register_notification_event: status1,
                unregister_notification_event: status1,
            };
    }

    #[test]
    fn one_table_serves_both_stream_interfaces() {
        let stream_view = fake::VTBL.as_stream_vtbl();
        assert_eq!(
            stream_view.cast::<u8>(),
            (&raw const fake::VTBL).cast::<u8>()
        );
        let mut object = IMiniportWaveRTStream {
            vtbl: stream_view.cast(),
        };
        let mut latency = KsRtAudioHwLatency::default();
        // SAFETY: `object.vtbl` points at the static `fake::VTBL`.
        let table = unsafe { &*object.vtbl };
        // SAFETY: slot 8 of that table writes one latency struct through its second argument;
        // the `this` types differ only in the pointee type, which is ABI-compatible.
        unsafe { (table.get_hw_latency)(&raw mut object, &raw mut latency) };
        assert_eq!((latency.fifo_size, latency.codec_delay), (1, 3));
        // SAFETY: slot 4 of the static `fake::VTBL` (`status1`) returns a status without
        // touching its arguments; the `this` types differ only in the ABI-compatible pointee.
        let s = unsafe { (table.set_state)(&raw mut object, KsState::RUN) };
        assert_eq!(s, NtStatus::NOT_IMPLEMENTED);
    }
}
