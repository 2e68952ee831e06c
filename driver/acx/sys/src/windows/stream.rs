//! EvtAcxCircuitCreateStream and the ACX stream callbacks (acxstreams.h), each a shim over
//! [`cadenza_acx::AcxStream`].
//!
//! | callback | IRQL |
//! |---|---|
//! | EvtAcxCircuitCreateStream, PrepareHardware, ReleaseHardware, Run, Pause | PASSIVE |
//! | AllocateRtPackets, FreeRtPackets, GetHwLatency, SetRenderPacket, GetCapturePacket | PASSIVE |
//! | GetCurrentPacket, GetPresentationPosition | ≤ DISPATCH (undocumented; treated as such) |
//! | AcxRtStreamNotifyPacketComplete (from the timer) | DISPATCH |

use alloc::boxed::Box;
use core::mem::{size_of, zeroed};
use core::ptr::null_mut;

use cadenza_acx::AcxStream;
use cadenza_acx::circuit::CircuitId;
use cadenza_acx::stream::RtPacketLayout;

pub use super::notify::AcxNotify;
use cadenza_engine::platform::{AtMostDispatch, Locked, Passive, Platform};
use cadenza_engine::status::NtStatus;
use wdk_sys::{GUID, NTSTATUS, PMDL, WDFDEVICE, WDFOBJECT};

use super::bindings as acx;
use super::context::{self, CIRCUIT_CONTEXT, STREAM_CONTEXT};
use super::state::device_state;
use super::{Kp, nt, nt_result};
use crate::acx_call;

/// The MDL and ACX_RTPACKET array handed to ACX by AllocateRtPackets.
struct EdgePackets {
    array: *mut [acx::ACX_RTPACKET; 2],
    mdl: PMDL,
}

// SAFETY: plain ownership of kernel allocations; no thread affinity.
unsafe impl Send for EdgePackets {}

impl EdgePackets {
    /// IoFreeMdl and the array (PASSIVE_LEVEL; ≤ DISPATCH would do).
    fn free(self) {
        // SAFETY: `mdl` came from IoAllocateMdl in `allocate` and is freed once.
        unsafe { wdk_sys::ntddk::IoFreeMdl(self.mdl) };
        // SAFETY: `array` came from Box::into_raw in `allocate` and is freed once.
        drop(unsafe { Box::from_raw(self.array) });
    }
}

/// What the ACXSTREAM's context holds.
pub struct StreamState {
    stream: AcxStream<Kp, AcxNotify>,
    packets: Locked<<Kp as Platform>::Lock, Option<EdgePackets>>,
}

/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`].
unsafe fn state<'a>(stream: acx::ACXSTREAM) -> Result<&'a StreamState, NtStatus> {
    // SAFETY: `stream` is a live ACXSTREAM of `evt_create_stream` (caller), so it was created
    // with STREAM_CONTEXT attributes, whose readers all use `StreamState`; callers use the
    // reference only within an ACX callback, before the stream's cleanup.
    unsafe { context::get::<StreamState>(stream as WDFOBJECT, &STREAM_CONTEXT) }
        .ok_or(NtStatus::INVALID_DEVICE_STATE)
}

/// # Safety
/// The caller must run at PASSIVE_LEVEL (the DDI's documented IRQL).
unsafe fn passive() -> Passive {
    // SAFETY: our caller runs at PASSIVE_LEVEL (its DDI's documented IRQL), which is all
    // `Passive::assume` requires.
    unsafe { Passive::assume() }
}

#[allow(clippy::cast_possible_truncation)]
const fn size32<T>() -> u32 {
    size_of::<T>() as u32
}

/// EvtAcxCircuitCreateStream (PASSIVE_LEVEL).
///
/// # Safety
/// Only as EvtAcxCircuitCreateStream of our circuits: `device` is the WDFDEVICE made by
/// `driver::evt_device_add`, `circuit` a live circuit with CIRCUIT_CONTEXT, `init` ACX's
/// PACXSTREAM_INIT for this call and `format` a live ACXDATAFORMAT; PASSIVE_LEVEL.
pub unsafe extern "C" fn evt_create_stream(
    device: WDFDEVICE,
    circuit: acx::ACXCIRCUIT,
    _pin: acx::ACXPIN,
    mut init: acx::PACXSTREAM_INIT,
    format: acx::ACXDATAFORMAT,
    _mode: *const GUID,
    _args: acx::ACXOBJECTBAG,
) -> NTSTATUS {
    // SAFETY: ACX passes our live circuit and device.
    let id = unsafe { context::get::<CircuitId>(circuit as WDFOBJECT, &CIRCUIT_CONTEXT) }.copied();
    // SAFETY: ACX passes the WDFDEVICE our circuit was created on, made by `evt_device_add`
    // and not cleaned up while its circuits can still create streams.
    let Some((id, dev)) = id.zip(unsafe { device_state(device) }) else {
        return nt(NtStatus::INVALID_DEVICE_STATE);
    };
    // AcxDataFormatGetKsDataFormat (≤ DISPATCH): the KSDATAFORMAT the stream is opened with.
    let ks = acx_call!(
        AcxDataFormatGetKsDataFormatTableIndex as PFN_ACXDATAFORMATGETKSDATAFORMAT(format)
    )
    .unwrap_or(null_mut())
    .cast::<u8>();
    if ks.is_null() {
        return nt(NtStatus::INVALID_PARAMETER);
    }
    // SAFETY: a KSDATAFORMAT starts with its ULONG FormatSize.
    let size = unsafe { ks.cast::<u32>().read_unaligned() } as usize;
    // SAFETY: ACX's data format object holds FormatSize bytes at `ks` for its lifetime; the
    // engine parser bounds-checks every field inside them.
    let bytes = unsafe { core::slice::from_raw_parts(ks, size.max(4)) };
    let notify = AcxNotify(null_mut());
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    let mut stream = match dev.device.create_stream(id, bytes, notify, irql) {
        Ok(s) => s,
        Err(e) => return nt(e),
    };
    // SAFETY: plain-data callback tables; the *_INIT helpers zero them and set Size.
    let mut callbacks: acx::ACX_STREAM_CALLBACKS = unsafe { zeroed() };
    callbacks.Size = size32::<acx::ACX_STREAM_CALLBACKS>();
    callbacks.EvtAcxStreamPrepareHardware = Some(evt_prepare_hardware);
    callbacks.EvtAcxStreamReleaseHardware = Some(evt_release_hardware);
    callbacks.EvtAcxStreamRun = Some(evt_run);
    callbacks.EvtAcxStreamPause = Some(evt_pause);
    // SAFETY: ACX_RT_STREAM_CALLBACKS is plain data (Size and `Option` callbacks), valid
    // all-zero; ACX_RT_STREAM_CALLBACKS_INIT zeroes it and sets Size, as the next line does.
    let mut rt: acx::ACX_RT_STREAM_CALLBACKS = unsafe { zeroed() };
    rt.Size = size32::<acx::ACX_RT_STREAM_CALLBACKS>();
    rt.EvtAcxStreamGetHwLatency = Some(evt_get_hw_latency);
    rt.EvtAcxStreamAllocateRtPackets = Some(evt_allocate_rt_packets);
    rt.EvtAcxStreamFreeRtPackets = Some(evt_free_rt_packets);
    rt.EvtAcxStreamSetRenderPacket = Some(evt_set_render_packet);
    rt.EvtAcxStreamGetCurrentPacket = Some(evt_get_current_packet);
    rt.EvtAcxStreamGetCapturePacket = Some(evt_get_capture_packet);
    rt.EvtAcxStreamGetPresentationPosition = Some(evt_get_presentation_position);
    let mut handle: acx::ACXSTREAM = null_mut();
    let created = (|| {
        // AcxStreamInitAssignAcxStreamCallbacks, AcxStreamInitAssignAcxRtStreamCallbacks,
        // AcxStreamInitSetAcxRtStreamSupportsNotifications, AcxRtStreamCreate (PASSIVE_LEVEL).
        let s = acx_call!(AcxStreamInitAssignAcxStreamCallbacksTableIndex
            as PFN_ACXSTREAMINITASSIGNACXSTREAMCALLBACKS(init, &raw mut callbacks))
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
        if s < 0 {
            return s;
        }
        let s = acx_call!(AcxStreamInitAssignAcxRtStreamCallbacksTableIndex
            as PFN_ACXSTREAMINITASSIGNACXRTSTREAMCALLBACKS(init, &raw mut rt))
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
        if s < 0 {
            return s;
        }
        acx_call!(
            AcxStreamInitSetAcxRtStreamSupportsNotificationsTableIndex
                as PFN_ACXSTREAMINITSETACXRTSTREAMSUPPORTSNOTIFICATIONS(init)
        );
        let mut attributes = context::attributes(&STREAM_CONTEXT, Some(evt_stream_cleanup));
        // The cleanup deletes the stream's EX_TIMER with ExDeleteTimer(Wait = TRUE), which
        // needs PASSIVE_LEVEL; an object's cleanup otherwise inherits its parent's execution
        // level (≤ DISPATCH). WdfExecutionLevelPassive makes WDF run it at PASSIVE_LEVEL.
        attributes.ExecutionLevel = wdk_sys::_WDF_EXECUTION_LEVEL::WdfExecutionLevelPassive;
        acx_call!(AcxRtStreamCreateTableIndex as PFN_ACXRTSTREAMCREATE(device, circuit, &raw mut attributes, &raw mut init, &raw mut handle))
            .unwrap_or(nt(NtStatus::NOT_SUPPORTED))
    })();
    if created < 0 {
        return created; // `stream` drops: the engine stream closes, its timer goes.
    }
    // The timer cannot fire before Run, so no completion is lost before this.
    stream.set_notify(AcxNotify(handle));
    let state = Box::new(StreamState {
        stream,
        packets: Locked::new(None),
    });
    // SAFETY: the stream was created with STREAM_CONTEXT attributes; its slot is empty.
    match unsafe { context::put(handle as WDFOBJECT, &STREAM_CONTEXT, state) } {
        Ok(()) => 0,
        Err(_) => nt(NtStatus::UNSUCCESSFUL),
    }
}

/// EvtCleanupCallback of the ACXSTREAM (PASSIVE_LEVEL, guaranteed by the stream's
/// `WdfExecutionLevelPassive` attributes): destroys the stream (timer first),
/// then frees any packets FreeRtPackets did not.
///
/// # Safety
/// Only as the EvtCleanupCallback of an ACXSTREAM created by [`evt_create_stream`]
/// (STREAM_CONTEXT): once, after the stream's last callback; PASSIVE_LEVEL.
unsafe extern "C" fn evt_stream_cleanup(object: WDFOBJECT) {
    // SAFETY: the stream's own cleanup; no callback of this stream runs any more.
    if let Some(state) = unsafe { context::take::<StreamState>(object, &STREAM_CONTEXT) } {
        let StreamState { stream, packets } = *state;
        if let Some(p) = packets.into_inner() {
            p.free();
        }
        drop(stream);
    }
}

macro_rules! passive_shim {
    ($name:ident, $method:ident, $ddi:literal) => {
        #[doc = concat!($ddi, " (PASSIVE_LEVEL).")]
        ///
        /// # Safety
        /// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; PASSIVE_LEVEL.
        unsafe extern "C" fn $name(stream: acx::ACXSTREAM) -> NTSTATUS {
            // SAFETY: the DDI runs at PASSIVE_LEVEL.
            let irql = unsafe { passive() };
            // SAFETY: ACX passes our live stream.
            let r = unsafe { state(stream) }.and_then(|s| s.stream.$method(irql));
            nt_result(r)
        }
    };
}

passive_shim!(
    evt_prepare_hardware,
    prepare_hardware,
    "EvtAcxStreamPrepareHardware"
);
passive_shim!(
    evt_release_hardware,
    release_hardware,
    "EvtAcxStreamReleaseHardware"
);
passive_shim!(evt_run, run, "EvtAcxStreamRun");
passive_shim!(evt_pause, pause, "EvtAcxStreamPause");

/// Writes `value` to an out parameter; STATUS_INVALID_PARAMETER for NULL.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn out<T>(out: *mut T, value: T) -> NTSTATUS {
    if out.is_null() {
        return nt(NtStatus::INVALID_PARAMETER);
    }
    // SAFETY: non-null and writable (caller).
    unsafe { out.write(value) };
    0
}

/// EvtAcxStreamGetHwLatency (PASSIVE_LEVEL).
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `fifo` and `delay` must each
/// be null (refused) or writable for a ULONG; PASSIVE_LEVEL.
unsafe extern "C" fn evt_get_hw_latency(
    stream: acx::ACXSTREAM,
    fifo: *mut u32,
    delay: *mut u32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    // SAFETY: ACX passes our live stream.
    match unsafe { state(stream) }.and_then(|s| s.stream.get_hw_latency(irql)) {
        Ok(l) => {
            // SAFETY: ACX passes a writable ULONG (or NULL, refused).
            let a = unsafe { out(fifo, l.fifo_bytes) };
            // SAFETY: ACX passes `delay` as a writable ULONG (or NULL, which `out` refuses).
            let b = unsafe { out(delay, l.delay_hns) };
            a.min(b)
        }
        Err(e) => nt(e),
    }
}

/// EvtAcxStreamAllocateRtPackets (PASSIVE_LEVEL): the logic's single page-rounded buffer,
/// described by one MDL (IoAllocateMdl + MmBuildMdlForNonPagedPool) in the first ACX_RTPACKET;
/// the second packet, if any, is WdfMemoryDescriptorTypeInvalid at offset PacketSize.
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `packets` must be null
/// (refused) or writable for one pointer; PASSIVE_LEVEL.
unsafe extern "C" fn evt_allocate_rt_packets(
    stream: acx::ACXSTREAM,
    count: u32,
    size: u32,
    packets: *mut *mut acx::ACX_RTPACKET,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    // SAFETY: ACX passes our live stream.
    let s = match unsafe { state(stream) } {
        Ok(s) => s,
        Err(e) => return nt(e),
    };
    if packets.is_null() {
        return nt(NtStatus::INVALID_PARAMETER);
    }
    let layout = match s.stream.allocate_rt_packets(count, size, irql) {
        Ok(l) => l,
        Err(e) => return nt(e),
    };
    // SAFETY: PASSIVE_LEVEL; the layout's buffer is the platform's non-paged allocation.
    let Some(edge) = (unsafe { describe(&layout) }) else {
        let _ = s.stream.free_rt_packets(irql);
        return nt(NtStatus::INSUFFICIENT_RESOURCES);
    };
    // SAFETY: checked non-null; ACX passes a writable pointer for the array.
    unsafe { packets.write(edge.array.cast()) };
    s.packets.with(|p| *p = Some(edge));
    0
}

/// The MDL and ACX_RTPACKET array for `layout`.
///
/// # Safety
/// PASSIVE_LEVEL; `layout.buffer` must be non-paged memory of `buffer_bytes` bytes.
unsafe fn describe(layout: &RtPacketLayout) -> Option<EdgePackets> {
    let length = u32::try_from(layout.buffer_bytes).ok()?;
    // SAFETY: IoAllocateMdl for the non-paged buffer (no IRP, not secondary). ≤ DISPATCH.
    let mdl =
        unsafe { wdk_sys::ntddk::IoAllocateMdl(layout.buffer.cast(), length, 0, 0, null_mut()) };
    if mdl.is_null() {
        return None;
    }
    // SAFETY: `mdl` describes non-paged pool (the platform's allocation). ≤ DISPATCH.
    unsafe { wdk_sys::ntddk::MmBuildMdlForNonPagedPool(mdl) };
    // SAFETY: ACX_RTPACKET is plain data; ACX_RTPACKET_INIT zeroes it and sets Size.
    let mut array: Box<[acx::ACX_RTPACKET; 2]> = Box::new(unsafe { zeroed() });
    for (i, p) in array.iter_mut().enumerate() {
        let index = u32::try_from(i).ok()?;
        p.Size = size32::<acx::ACX_RTPACKET>();
        p.RtPacketSize = layout.packet_bytes as _;
        p.RtPacketOffset = layout.offset(index).unwrap_or(0) as _;
        if i == 0 {
            p.RtPacketBuffer.Type =
                wdk_sys::_WDF_MEMORY_DESCRIPTOR_TYPE::WdfMemoryDescriptorTypeMdl;
            p.RtPacketBuffer.u.MdlType.Mdl = mdl;
            p.RtPacketBuffer.u.MdlType.BufferLength = length;
        } else {
            p.RtPacketBuffer.Type =
                wdk_sys::_WDF_MEMORY_DESCRIPTOR_TYPE::WdfMemoryDescriptorTypeInvalid;
        }
    }
    Some(EdgePackets {
        array: Box::into_raw(array),
        mdl,
    })
}

/// EvtAcxStreamFreeRtPackets (PASSIVE_LEVEL). Refused (out of order) → the packets stay and
/// go with the stream.
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `_packets` is not
/// dereferenced; PASSIVE_LEVEL.
unsafe extern "C" fn evt_free_rt_packets(
    stream: acx::ACXSTREAM,
    _packets: *mut acx::ACX_RTPACKET,
    _count: u32,
) {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    // SAFETY: ACX passes our live stream.
    if let Ok(s) = unsafe { state(stream) }
        && s.stream.free_rt_packets(irql).is_ok()
        && let Some(edge) = s.packets.with(Option::take)
    {
        edge.free();
    }
}

/// EvtAcxStreamSetRenderPacket (PASSIVE_LEVEL).
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; PASSIVE_LEVEL.
unsafe extern "C" fn evt_set_render_packet(
    stream: acx::ACXSTREAM,
    packet: u32,
    flags: u32,
    eos: u32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    // SAFETY: ACX passes our live stream.
    let r =
        unsafe { state(stream) }.and_then(|s| s.stream.set_render_packet(packet, flags, eos, irql));
    nt_result(r)
}

/// EvtAcxStreamGetCurrentPacket (≤ DISPATCH_LEVEL).
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `current` must be null
/// (refused) or writable for a ULONG; ≤ DISPATCH_LEVEL.
unsafe extern "C" fn evt_get_current_packet(stream: acx::ACXSTREAM, current: *mut u32) -> NTSTATUS {
    // SAFETY: ACX calls at ≤ DISPATCH_LEVEL.
    let irql = unsafe { AtMostDispatch::assume() };
    // SAFETY: ACX passes our live stream.
    let r = unsafe { state(stream) }.and_then(|s| s.stream.get_current_packet(irql));
    match r {
        // SAFETY: ACX passes a writable ULONG (or NULL, refused).
        Ok(p) => unsafe { out(current, p) },
        Err(e) => nt(e),
    }
}

/// EvtAcxStreamGetCapturePacket (PASSIVE_LEVEL).
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `last`, `qpc_start` and
/// `more` must each be null (refused) or writable for its value; PASSIVE_LEVEL.
unsafe extern "C" fn evt_get_capture_packet(
    stream: acx::ACXSTREAM,
    last: *mut u32,
    qpc_start: *mut u64,
    more: *mut u8,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { passive() };
    // SAFETY: ACX passes our live stream.
    match unsafe { state(stream) }.and_then(|s| s.stream.get_capture_packet(irql)) {
        Ok(p) => {
            // SAFETY: ACX passes writable out parameters (or NULL, refused).
            let a = unsafe { out(last, p.packet) };
            // SAFETY: ACX passes `qpc_start` as a writable ULONGLONG (or NULL, refused).
            let b = unsafe { out(qpc_start, p.qpc_start) };
            // SAFETY: ACX passes `more` as a writable BOOLEAN (or NULL, refused).
            let c = unsafe { out(more, u8::from(p.more_data)) };
            a.min(b).min(c)
        }
        Err(e) => nt(e),
    }
}

/// EvtAcxStreamGetPresentationPosition (≤ DISPATCH_LEVEL).
///
/// # Safety
/// `stream` must be a live ACXSTREAM created by [`evt_create_stream`]; `blocks` and `qpc` must each
/// be null (refused) or writable for a ULONGLONG; ≤ DISPATCH_LEVEL.
unsafe extern "C" fn evt_get_presentation_position(
    stream: acx::ACXSTREAM,
    blocks: *mut u64,
    qpc: *mut u64,
) -> NTSTATUS {
    // SAFETY: ACX calls at ≤ DISPATCH_LEVEL.
    let irql = unsafe { AtMostDispatch::assume() };
    // SAFETY: ACX passes our live stream.
    match unsafe { state(stream) }.and_then(|s| s.stream.get_presentation_position(irql)) {
        Ok((b, q)) => {
            // SAFETY: ACX passes writable ULONGLONGs (or NULL, refused).
            let x = unsafe { out(blocks, b) };
            // SAFETY: ACX passes `qpc` as a writable ULONGLONG (or NULL, which `out` refuses).
            let y = unsafe { out(qpc, q) };
            x.min(y)
        }
        Err(e) => nt(e),
    }
}
