//! The WaveRT stream object: one pin instance of a wave filter, answering
//! `IMiniportWaveRTStream`, `IMiniportWaveRTStreamNotification` (one 15-slot vtable for
//! both) and, through a second vtable pointer, the packet-mode `IMiniportWaveRTOutputStream`
//! (render) or `IMiniportWaveRTInputStream` (capture).
//!
//! Every method converts its arguments, makes one call on the pair's engine [`DeviceHost`]
//! and converts the result. The host owns the stream's notification timer (created with the
//! stream in NewStream, destroyed in the final Release); on expiry it signals the events
//! registered here, exactly as for the ACX driver and the host's engine driver.
//!
//! [`DeviceHost`]: cadenza_engine::host::DeviceHost
//!
//! Layout: `vtbl` at offset 0 (the object's primary interface pointer), `packet_vtbl` at
//! offset 8 (the packet interface pointer QueryInterface hands out is the address of that
//! field). Packet-interface methods recover the object by subtracting the field's offset.

use core::ffi::c_void;
use core::mem::offset_of;
use core::ptr::NonNull;

use cadenza_engine::format::parse::parse_data_format;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::host::NoPacketNotify;
use cadenza_engine::platform::{DmaBuffer, EventHandle, Locked, Platform};
use cadenza_engine::state::KsState as EngineState;
use cadenza_engine::stream::Direction;
use cadenza_engine::{Format, Guid, NtStatus};

use crate::com::{
    IMiniportWaveRTInputStreamVtbl, IMiniportWaveRTOutputStreamVtbl, IMiniportWaveRTStream,
    IMiniportWaveRTStreamNotificationVtbl, IMiniportWaveRTStreamVtbl, IPortWaveRTStream,
};
use crate::device::{PcHost, SharedHost};
use crate::guids::{
    IID_IMiniportWaveRTInputStream, IID_IMiniportWaveRTOutputStream, IID_IMiniportWaveRTStream,
    IID_IMiniportWaveRTStreamNotification, IID_IUnknown,
};
use crate::kernel::{KEvent, Mdl, MemoryCachingType, PhysicalAddress};
use crate::ks::{KsDataFormat, KsState};
use crate::ksaudio::{
    KsAudioPosition, KsAudioPresentationPosition, KsRtAudioHwLatency, KsRtAudioHwRegister,
};
use crate::object::{ComClass, ComObject, Interface, unknown_add_ref, unknown_release, write_out};

/// Bytes per page as `IPortWaveRTStream::GetPhysicalPagesCount` counts them (x64).
pub const PAGE_BYTES: u64 = 4096;

/// The highest physical address we ask pages below: 4 GB, matching the 32-bit bus master the
/// wave miniport describes in GetDeviceDescription.
const HIGHEST_ADDRESS: PhysicalAddress = PhysicalAddress(0xFFFF_FFFF);

/// The audio buffer a stream got from the port: its MDL and where it is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BufferSlot {
    mdl: *mut Mdl,
    mapped: *mut c_void,
}

/// What the packet-mode interfaces see as `this`: the address of the object's second vtable
/// pointer.
pub use crate::object::SecondaryFace as PacketFace;

/// One stream: the data of a `ComObject<WaveStream<P>>`. See the module documentation.
#[repr(C)]
pub struct WaveStream<P: Platform + 'static> {
    /// The packet-mode vtable (output or input by direction); QueryInterface hands out its
    /// address for the packet interfaces.
    packet_vtbl: *const c_void,
    direction: Direction,
    device: SharedHost<P>,
    /// The port's stream services, AddRef'd for the object's lifetime.
    port_stream: *mut IPortWaveRTStream,
    buffer: Locked<P::Lock, Option<BufferSlot>>,
}

impl<P: Platform + 'static> core::fmt::Debug for WaveStream<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaveStream")
            .field("direction", &self.direction)
            .field("cable", &self.device.index())
            .finish_non_exhaustive()
    }
}

/// Thin calls into the port's `IPortWaveRTStream`.
struct PortStream(*mut IPortWaveRTStream);

impl PortStream {
    fn vtbl(&self) -> &crate::com::IPortWaveRTStreamVtbl {
        // SAFETY: the stream object holds a reference to the live port stream for its whole
        // lifetime, so its vtable pointer can be read...
        let vtbl = unsafe { (*self.0).vtbl };
        // SAFETY: ...and the table it points to is valid and immutable.
        unsafe { &*vtbl }
    }

    fn allocate_pages(&self, bytes: usize) -> *mut Mdl {
        let f = self.vtbl().allocate_pages_for_mdl;
        // SAFETY: a live port stream; the arguments are plain values.
        unsafe { f(self.0, HIGHEST_ADDRESS, bytes) }
    }

    fn page_count(&self, mdl: *mut Mdl) -> u32 {
        let f = self.vtbl().get_physical_pages_count;
        // SAFETY: `mdl` came from this port stream's AllocatePagesForMdl.
        unsafe { f(self.0, mdl) }
    }

    fn map(&self, mdl: *mut Mdl) -> *mut c_void {
        let f = self.vtbl().map_allocated_pages;
        // SAFETY: the port stream is live (the object holds a reference) and `mdl` came from
        // its AllocatePagesForMdl and is not yet freed; the caching type is a plain value.
        unsafe { f(self.0, mdl, MemoryCachingType::CACHED) }
    }

    fn unmap(&self, mapped: *mut c_void, mdl: *mut Mdl) {
        let f = self.vtbl().unmap_allocated_pages;
        // SAFETY: `mapped` is this MDL's mapping from `map`, unmapped once.
        unsafe { f(self.0, mapped, mdl) }
    }

    fn free_pages(&self, mdl: *mut Mdl) {
        let f = self.vtbl().free_pages_from_mdl;
        // SAFETY: `mdl` came from `allocate_pages` and is freed once, after unmapping.
        unsafe { f(self.0, mdl) }
    }
}

/// Reads a KSDATAFORMAT for SetFormat: FormatSize bytes, capped as the wave miniport does.
///
/// # Safety
/// `format` must be null or readable for its FormatSize bytes (KS validates that).
unsafe fn read_format(format: *const KsDataFormat) -> Result<Format, NtStatus> {
    if format.is_null() {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    // SAFETY: non-null; the header is readable (contract).
    let field = unsafe { &raw const (*format).format_size };
    // SAFETY: `field` is FormatSize inside the non-null, readable header (contract), so
    // readable; unaligned because a client buffer need not be aligned.
    let size = unsafe { field.read_unaligned() };
    let len = usize::try_from(size).unwrap_or(usize::MAX).clamp(64, 1024);
    // SAFETY: readable for max(FormatSize, header) bytes, and `len` is no more than that.
    let bytes = unsafe { core::slice::from_raw_parts(format.cast::<u8>(), len) };
    Ok(parse_data_format(bytes)?)
}

/// The stream object itself.
type Object<P> = ComObject<WaveStream<P>>;

// SAFETY: VTBL's IUnknown slots are `ComObject::UNKNOWN` and its methods take the object;
// `packet_vtbl`, at SECONDARY_OFFSET, is set in `create` and never changed, and points at
// OUTPUT_VTBL or INPUT_VTBL, whose IUnknown slots are `ComObject::SECONDARY_UNKNOWN` and whose
// methods take the `PacketFace`.
unsafe impl<P: Platform + 'static> ComClass for WaveStream<P> {
    type Vtbl = IMiniportWaveRTStreamNotificationVtbl<Object<P>>;
    const VTBL: &'static Self::Vtbl = &IMiniportWaveRTStreamNotificationVtbl {
        base: IMiniportWaveRTStreamVtbl {
            base: Object::<P>::UNKNOWN,
            set_format: Self::set_format,
            set_state: Self::set_state,
            get_position: Self::get_position,
            allocate_audio_buffer: Self::allocate_audio_buffer,
            free_audio_buffer: Self::free_audio_buffer,
            get_hw_latency: Self::get_hw_latency,
            get_position_register: Self::get_position_register,
            get_clock_register: Self::get_clock_register,
        },
        allocate_buffer_with_notification: Self::allocate_buffer_with_notification,
        free_buffer_with_notification: Self::free_buffer_with_notification,
        register_notification_event: Self::register_notification_event,
        unregister_notification_event: Self::unregister_notification_event,
    };

    const SECONDARY_OFFSET: usize = Object::<P>::DATA_OFFSET + offset_of!(Self, packet_vtbl);

    fn interface(&self, iid: &Guid) -> Option<Interface> {
        if [
            IID_IUnknown,
            IID_IMiniportWaveRTStream,
            IID_IMiniportWaveRTStreamNotification,
        ]
        .contains(iid)
        {
            return Some(Interface::Primary);
        }
        let packet = match self.direction {
            Direction::Render => IID_IMiniportWaveRTOutputStream,
            Direction::Capture => IID_IMiniportWaveRTInputStream,
        };
        (*iid == packet).then_some(Interface::Secondary)
    }

    /// Final Release: close the stream in the host (which destroys its timer first, waiting
    /// for a running callback), give the buffer back to the port, drop the port stream.
    /// PASSIVE_LEVEL.
    fn last_release(&self) {
        // The engine's buffer is the port's mapping: dropping the handle frees nothing.
        let _ = self.device.close_stream(self.direction);
        if let Some(slot) = self.buffer.with(Option::take) {
            self.release_pages(slot);
        }
        // SAFETY: the reference taken in `create` is ours to release, once.
        unsafe { unknown_release(self.port_stream.cast()) };
    }
}

impl<P: Platform + 'static> WaveStream<P> {
    const OUTPUT_VTBL: IMiniportWaveRTOutputStreamVtbl<PacketFace> =
        IMiniportWaveRTOutputStreamVtbl {
            base: Object::<P>::SECONDARY_UNKNOWN,
            set_write_packet: Self::set_write_packet,
            get_output_stream_presentation_position: Self::get_presentation_position,
            get_packet_count: Self::get_packet_count,
        };

    const INPUT_VTBL: IMiniportWaveRTInputStreamVtbl<PacketFace> = IMiniportWaveRTInputStreamVtbl {
        base: Object::<P>::SECONDARY_UNKNOWN,
        get_read_packet: Self::get_read_packet,
    };

    /// NewStream: opens the stream in the host (STOP, with its timer), then builds the object
    /// with one reference. PASSIVE_LEVEL.
    pub fn create(
        device: SharedHost<P>,
        port_stream: *mut IPortWaveRTStream,
        direction: Direction,
        format: Format,
    ) -> Result<*mut IMiniportWaveRTStream, NtStatus> {
        device
            .as_ref()
            .open_stream(direction, format, NoPacketNotify)?;
        // SAFETY: PortCls passes a live port stream to NewStream; the reference taken here is
        // released when the object is destroyed.
        unsafe { unknown_add_ref(port_stream.cast()) };
        let packet_vtbl: *const c_void = match direction {
            Direction::Render => core::ptr::from_ref(&Self::OUTPUT_VTBL).cast(),
            Direction::Capture => core::ptr::from_ref(&Self::INPUT_VTBL).cast(),
        };
        let raw = Object::create(WaveStream {
            packet_vtbl,
            direction,
            device,
            port_stream,
            buffer: Locked::new(None),
        });
        Ok(raw.cast())
    }

    /// # Safety
    /// `this` must be a live stream object.
    unsafe fn object<'a>(this: *mut Object<P>) -> &'a Self {
        // SAFETY: `this` is a live stream object (contract), made by `Object::create` in
        // `create`; callers use the reference only during the COM call that keeps it alive.
        unsafe { Object::data(this) }
    }

    /// The stream behind a packet interface pointer (see [`ComObject::from_secondary`]).
    fn from_face(face: *mut PacketFace) -> *mut Object<P> {
        Object::from_secondary(face)
    }

    fn port(&self) -> PortStream {
        PortStream(self.port_stream)
    }

    /// Unmaps and frees the pages of `slot`.
    fn release_pages(&self, slot: BufferSlot) {
        let port = self.port();
        port.unmap(slot.mapped, slot.mdl);
        port.free_pages(slot.mdl);
    }

    /// SetFormat. PASSIVE_LEVEL. The engine refuses a change while data flows.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `format` must be null or readable for its
    /// FormatSize bytes (KS validates that).
    unsafe extern "system" fn set_format(
        this: *mut Object<P>,
        format: *mut KsDataFormat,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        // SAFETY: KS validated the format buffer.
        let format = match unsafe { read_format(format) } {
            Ok(f) => f,
            Err(e) => return e,
        };
        NtStatus::from_result(me.device.set_format(me.direction, format))
    }

    /// SetState (one KS step). PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference).
    unsafe extern "system" fn set_state(this: *mut Object<P>, state: KsState) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        let to = match u32::try_from(state.0).map(EngineState::from_raw) {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return e.into(),
            Err(_) => return NtStatus::INVALID_PARAMETER,
        };
        NtStatus::from_result(me.device.set_state(me.direction, to))
    }

    /// GetPosition. PASSIVE or DISPATCH_LEVEL: the spin lock only, no allocation.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `position` must be null (refused) or valid
    /// for an unaligned write of a KSAUDIO_POSITION.
    unsafe extern "system" fn get_position(
        this: *mut Object<P>,
        position: *mut KsAudioPosition,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        match me.device.position(me.direction) {
            Ok(p) => {
                let value = KsAudioPosition {
                    play_offset: u64::from(p.play_offset),
                    write_offset: u64::from(p.write_offset),
                };
                // SAFETY: the port passes a writable KSAUDIO_POSITION (or null, refused).
                if unsafe { write_out(position, value) } {
                    NtStatus::SUCCESS
                } else {
                    NtStatus::INVALID_PARAMETER
                }
            }
            Err(e) => e,
        }
    }

    /// Allocates, maps and attaches a buffer. PASSIVE_LEVEL.
    #[allow(clippy::too_many_arguments)] // the DDI's out-parameters, passed straight through
    fn allocate(
        &self,
        packets: PacketCount,
        notify: bool,
        requested: u32,
        mdl_out: *mut *mut Mdl,
        actual_out: *mut u32,
        offset_out: *mut u32,
        cache_out: *mut MemoryCachingType,
    ) -> NtStatus {
        if mdl_out.is_null() || actual_out.is_null() || offset_out.is_null() || cache_out.is_null()
        {
            return NtStatus::INVALID_PARAMETER;
        }
        if self.buffer.with(|b| b.is_some()) {
            return NtStatus::INVALID_DEVICE_STATE;
        }
        let format = match self.device.with_stream(self.direction, |st| *st.format()) {
            Ok(f) => f,
            Err(e) => return e,
        };
        let geometry =
            match BufferGeometry::plan(&format, requested, packets, notify, &BufferLimits::DEFAULT)
            {
                Ok(g) => g,
                Err(e) => return e.into(),
            };
        let bytes = geometry.span_bytes();
        let port = self.port();
        let mdl = port.allocate_pages(bytes as usize);
        if mdl.is_null() {
            return NtStatus::INSUFFICIENT_RESOURCES;
        }
        // AllocatePagesForMdl may return fewer pages than asked for.
        if u64::from(port.page_count(mdl)) * PAGE_BYTES < u64::from(bytes) {
            port.free_pages(mdl);
            return NtStatus::INSUFFICIENT_RESOURCES;
        }
        let mapped = port.map(mdl);
        let Some(start) = NonNull::new(mapped.cast::<u8>()) else {
            port.free_pages(mdl);
            return NtStatus::INSUFFICIENT_RESOURCES;
        };
        // SAFETY: the mapping covers at least `bytes` (checked page count) and stays valid
        // until `release_pages` unmaps it, which happens only after the engine gave this
        // handle back (FreeBuffer's detach, or close at destruction).
        let memory = unsafe { DmaBuffer::from_raw_parts(start, bytes as usize) };
        let attached = self.device.attach_buffer(self.direction, memory, geometry);
        let slot = BufferSlot { mdl, mapped };
        if let Err((e, _memory)) = attached {
            self.release_pages(slot);
            return e;
        }
        self.buffer.with(|b| *b = Some(slot));
        // SAFETY: non-null (checked above) out-parameters the port passes.
        unsafe { mdl_out.write_unaligned(mdl) };
        // SAFETY: `actual_out` is non-null (checked above) and the port passes it writable;
        // the write is unaligned, so it needs no alignment.
        unsafe { actual_out.write_unaligned(bytes) };
        // SAFETY: `offset_out` is non-null (checked above), a writable out-parameter of the
        // port; unaligned write. The buffer starts at the first page.
        unsafe { offset_out.write_unaligned(0) };
        // SAFETY: `cache_out` is non-null (checked above), a writable out-parameter of the
        // port; unaligned write. A memory-only device: cached is coherent with the CPU.
        unsafe { cache_out.write_unaligned(MemoryCachingType::CACHED) };
        NtStatus::SUCCESS
    }

    /// Detaches and frees the buffer `mdl`. PASSIVE_LEVEL. VOID in the DDI, so a refused
    /// free (wrong MDL, or a stream the engine says is still using the buffer) is logged and
    /// the buffer kept: destruction frees it later, never while the engine can touch it.
    fn free(&self, mdl: *mut Mdl) {
        let Some(slot) = self.buffer.with(|b| b.filter(|s| s.mdl == mdl)) else {
            self.device
                .platform()
                .debug(format_args!("FreeAudioBuffer: not this stream's buffer"));
            return;
        };
        match self.device.detach_buffer(self.direction) {
            Ok(_memory) => {
                self.buffer.with(|b| *b = None);
                self.release_pages(slot);
            }
            Err(e) => self.device.platform().debug(format_args!(
                "FreeAudioBuffer refused ({e:?}); kept until close"
            )),
        }
    }

    /// AllocateAudioBuffer: one packet, no notification. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `mdl`, `actual_size`, `offset` and
    /// `cache_type` must each be null (refused) or valid for an unaligned write of its value.
    unsafe extern "system" fn allocate_audio_buffer(
        this: *mut Object<P>,
        requested_size: u32,
        mdl: *mut *mut Mdl,
        actual_size: *mut u32,
        offset: *mut u32,
        cache_type: *mut MemoryCachingType,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        me.allocate(
            PacketCount::One,
            false,
            requested_size,
            mdl,
            actual_size,
            offset,
            cache_type,
        )
    }

    /// FreeAudioBuffer. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `mdl` is only compared with the stream's
    /// own buffer, never dereferenced.
    unsafe extern "system" fn free_audio_buffer(this: *mut Object<P>, mdl: *mut Mdl, _size: u32) {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        unsafe { Self::object(this) }.free(mdl);
    }

    /// AllocateBufferWithNotification: `notification_count` packets. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `mdl`, `actual_size`, `offset` and
    /// `cache_type` must each be null (refused) or valid for an unaligned write of its value.
    unsafe extern "system" fn allocate_buffer_with_notification(
        this: *mut Object<P>,
        notification_count: u32,
        requested_size: u32,
        mdl: *mut *mut Mdl,
        actual_size: *mut u32,
        offset: *mut u32,
        cache_type: *mut MemoryCachingType,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        match PacketCount::from_raw(notification_count) {
            Ok(packets) => me.allocate(
                packets,
                true,
                requested_size,
                mdl,
                actual_size,
                offset,
                cache_type,
            ),
            Err(e) => e.into(),
        }
    }

    /// FreeBufferWithNotification. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `mdl` is only compared with the stream's
    /// own buffer, never dereferenced.
    unsafe extern "system" fn free_buffer_with_notification(
        this: *mut Object<P>,
        mdl: *mut Mdl,
        _size: u32,
    ) {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        unsafe { Self::object(this) }.free(mdl);
    }

    /// GetHWLatency. PASSIVE_LEVEL. VOID: on a refused call the latency reads as zero.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `latency` must be null (ignored) or valid
    /// for an unaligned write of a KSRTAUDIO_HWLATENCY.
    unsafe extern "system" fn get_hw_latency(
        this: *mut Object<P>,
        latency: *mut KsRtAudioHwLatency,
    ) {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        let value = me.device.hw_latency(me.direction).map_or_else(
            |_| KsRtAudioHwLatency::default(),
            |l| KsRtAudioHwLatency {
                fifo_size: l.fifo_bytes,
                chipset_delay: l.chipset_delay_hns,
                codec_delay: l.codec_delay_hns,
            },
        );
        // SAFETY: the port passes a writable struct (null is ignored).
        unsafe { write_out(latency, value) };
    }

    /// GetPositionRegister: the virtual device has no register to map. The DDI reference
    /// names no specific status; STATUS_NOT_IMPLEMENTED is what Microsoft's WaveRT samples
    /// return, and the port then answers KSPROPERTY_RTAUDIO_POSITIONREGISTER with a failure,
    /// so clients use KSPROPERTY_AUDIO_POSITION.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn get_position_register(
        _this: *mut Object<P>,
        _register: *mut KsRtAudioHwRegister,
    ) -> NtStatus {
        NtStatus::NOT_IMPLEMENTED
    }

    /// GetClockRegister: no clock register either (see `get_position_register`).
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn get_clock_register(
        _this: *mut Object<P>,
        _register: *mut KsRtAudioHwRegister,
    ) -> NtStatus {
        NtStatus::NOT_IMPLEMENTED
    }

    /// # Safety
    /// `event` is the PKEVENT PortCls passed to Register/UnregisterNotificationEvent: a live
    /// KEVENT until PortCls unregisters it (the DDI's contract).
    unsafe fn event(event: *mut KEvent) -> Result<EventHandle, NtStatus> {
        // SAFETY: `event` is the PKEVENT PortCls handed to Register/UnregisterNotificationEvent,
        // a KEVENT valid until PortCls unregisters it (our contract), so it stays valid for as
        // long as the handle is registered with a stream, as `from_raw` requires.
        unsafe { EventHandle::from_raw(event as usize) }.ok_or(NtStatus::INVALID_PARAMETER)
    }

    /// Register/UnregisterNotificationEvent share everything but the engine operation.
    ///
    /// # Safety
    /// `this` is a live stream object; `event` is the PKEVENT PortCls passes, valid until
    /// PortCls unregisters it (the DDIs' contract).
    unsafe fn event_call(
        this: *mut Object<P>,
        event: *mut KEvent,
        op: fn(&PcHost<P>, Direction, EventHandle) -> Result<(), NtStatus>,
    ) -> NtStatus {
        // SAFETY: `this` is a live stream object (this function's contract); the reference is
        // used only within this call, during which the caller's reference keeps it alive.
        let me = unsafe { Self::object(this) };
        // SAFETY: `event` is the PKEVENT PortCls passed to the Register/Unregister DDI, valid
        // until PortCls unregisters it (our contract), which is what `event` requires.
        match unsafe { Self::event(event) } {
            Ok(e) => NtStatus::from_result(op(&me.device, me.direction, e)),
            Err(e) => e,
        }
    }

    /// RegisterNotificationEvent. PASSIVE_LEVEL. A duplicate is the engine's
    /// STATUS_DUPLICATE_OBJECTID.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `event` must be null (refused) or a KEVENT
    /// that stays valid until PortCls unregisters it (the DDI's contract).
    unsafe extern "system" fn register_notification_event(
        this: *mut Object<P>,
        event: *mut KEvent,
    ) -> NtStatus {
        // SAFETY: PortCls calls through a live reference with the event it registers.
        unsafe { Self::event_call(this, event, PcHost::<P>::register_event) }
    }

    /// UnregisterNotificationEvent. PASSIVE_LEVEL. Unknown: STATUS_NOT_FOUND.
    ///
    /// # Safety
    /// `this` must be a live stream object created by [`Self::create`] (PortCls calls through the
    /// vtable `create` installed, holding a reference); `event` must be null (refused) or the
    /// PKEVENT PortCls passes, valid during the call; it is only compared with registered ones.
    unsafe extern "system" fn unregister_notification_event(
        this: *mut Object<P>,
        event: *mut KEvent,
    ) -> NtStatus {
        // SAFETY: PortCls calls through a live reference on the stream, with a KEVENT it keeps
        // valid until this call returns; the handle is only compared with registered ones.
        unsafe { Self::event_call(this, event, PcHost::<P>::unregister_event) }
    }

    /// SetWritePacket (render). ≤ DISPATCH_LEVEL.
    ///
    /// # Safety
    /// `face` must be a live packet interface pointer (IMiniportWaveRTOutputStream) that
    /// QueryInterface handed out for a stream object created by [`Self::create`], on which the
    /// caller holds a reference.
    unsafe extern "system" fn set_write_packet(
        face: *mut PacketFace,
        packet_number: u32,
        flags: u32,
        eos_packet_length: u32,
    ) -> NtStatus {
        let this = Self::from_face(face);
        // SAFETY: PortCls calls through a packet interface pointer it holds a reference on,
        // made by QueryInterface as the object's address plus SECONDARY_OFFSET; `from_face`
        // subtracts it, so `this` is the live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        NtStatus::from_result(
            me.device
                .set_write_packet(packet_number, flags, eos_packet_length),
        )
    }

    /// GetOutputStreamPresentationPosition (render). ≤ DISPATCH_LEVEL.
    ///
    /// # Safety
    /// `face` must be a live packet interface pointer (IMiniportWaveRTOutputStream) that
    /// QueryInterface handed out for a stream object created by [`Self::create`], on which the
    /// caller holds a reference; `position` must be null (refused) or valid for an unaligned write
    /// of a KSAUDIO_PRESENTATION_POSITION.
    unsafe extern "system" fn get_presentation_position(
        face: *mut PacketFace,
        position: *mut KsAudioPresentationPosition,
    ) -> NtStatus {
        let this = Self::from_face(face);
        // SAFETY: PortCls calls through a packet interface pointer it holds a reference on,
        // made by QueryInterface as the object's address plus SECONDARY_OFFSET; `from_face`
        // subtracts it, so `this` is the live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        match me.device.presentation_position(me.direction) {
            Ok(p) => {
                let value = KsAudioPresentationPosition {
                    position_in_block: p.frames,
                    qpc_position: p.qpc.0,
                };
                // SAFETY: a writable struct or null (refused).
                if unsafe { write_out(position, value) } {
                    NtStatus::SUCCESS
                } else {
                    NtStatus::INVALID_PARAMETER
                }
            }
            Err(e) => e,
        }
    }

    /// GetPacketCount (render): packets completed since STOP, in the DDI's 32 bits.
    ///
    /// # Safety
    /// `face` must be a live packet interface pointer (IMiniportWaveRTOutputStream) that
    /// QueryInterface handed out for a stream object created by [`Self::create`], on which the
    /// caller holds a reference; `count` must be null (refused) or valid for an unaligned write of
    /// a ULONG.
    unsafe extern "system" fn get_packet_count(face: *mut PacketFace, count: *mut u32) -> NtStatus {
        let this = Self::from_face(face);
        // SAFETY: PortCls calls through a packet interface pointer it holds a reference on,
        // made by QueryInterface as the object's address plus SECONDARY_OFFSET; `from_face`
        // subtracts it, so `this` is the live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        match me.device.completed_packets(me.direction) {
            Ok(n) => {
                #[allow(clippy::cast_possible_truncation)] // the DDI counts modulo 2^32
                let low = n as u32;
                // SAFETY: a writable ULONG or null (refused).
                if unsafe { write_out(count, low) } {
                    NtStatus::SUCCESS
                } else {
                    NtStatus::INVALID_PARAMETER
                }
            }
            Err(e) => e,
        }
    }

    /// GetReadPacket (capture). ≤ DISPATCH_LEVEL. No new packet: STATUS_DEVICE_NOT_READY.
    ///
    /// # Safety
    /// `face` must be a live packet interface pointer (IMiniportWaveRTInputStream) that
    /// QueryInterface handed out for a stream object created by [`Self::create`], on which the
    /// caller holds a reference; `packet_number`, `flags`, `qpc` and `more_data` must each be null
    /// (refused) or valid for an unaligned write of its value.
    unsafe extern "system" fn get_read_packet(
        face: *mut PacketFace,
        packet_number: *mut u32,
        flags: *mut u32,
        qpc: *mut u64,
        more_data: *mut i32,
    ) -> NtStatus {
        if packet_number.is_null() || flags.is_null() || qpc.is_null() || more_data.is_null() {
            return NtStatus::INVALID_PARAMETER;
        }
        let this = Self::from_face(face);
        // SAFETY: PortCls calls through a packet interface pointer it holds a reference on,
        // made by QueryInterface as the object's address plus SECONDARY_OFFSET; `from_face`
        // subtracts it, so `this` is the live stream object for the whole call.
        let me = unsafe { Self::object(this) };
        match me.device.read_packet() {
            Ok(p) => {
                // SAFETY: non-null (checked) out-parameters.
                unsafe { packet_number.write_unaligned(p.number) };
                // SAFETY: `flags` is non-null (checked), the port's writable DWORD out-param.
                unsafe { flags.write_unaligned(0) };
                // SAFETY: `qpc` is non-null (checked), the port's writable ULONG64 out-param.
                unsafe { qpc.write_unaligned(p.qpc.0) };
                // SAFETY: `more_data` is non-null (checked), the port's writable BOOL out-param.
                unsafe { more_data.write_unaligned(i32::from(p.more_data)) };
                NtStatus::SUCCESS
            }
            Err(e) => e,
        }
    }
}

/// The engine's current view of a stream, for tests and the simulator: its linear frame
/// position. Not a DDI.
pub fn engine_frames<P: Platform>(device: &PcHost<P>, direction: Direction) -> Option<u64> {
    device.position(direction).ok().map(|p| p.frames)
}

/// Whether `direction` has a stream open on `device` (tests).
pub fn is_open<P: Platform>(device: &PcHost<P>, direction: Direction) -> bool {
    device.with_stream(direction, |_| ()).is_ok()
}

// The packet interface pointer is one vtable pointer, like every interface pointer.
const _: () = assert!(core::mem::size_of::<PacketFace>() == 8);
