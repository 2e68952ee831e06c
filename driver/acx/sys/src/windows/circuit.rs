//! Circuit creation from the [`DeviceModel`] (EvtDriverDeviceAdd, PASSIVE_LEVEL).
//!
//! Per circuit: AcxCircuitInitAllocate → AcxCircuitInitAssignName (the INF reference string) →
//! AcxCircuitInitSetCircuitType → AcxCircuitInitAssignAcxCreateStreamCallback →
//! AcxCircuitInitAssignProperties (the live-status item, [`status`]) → AcxCircuitCreate; then
//! AcxVolumeCreate + AcxMuteCreate → AcxCircuitAddElements; AcxPinCreate for the host and the
//! bridge pin, AcxJackCreate + AcxPinAddJacks on the bridge pin,
//! AcxDataFormatCreate + AcxDataFormatListAddDataFormat for every format of the host pin's raw
//! list (AcxPinGetRawDataFormatList; the first one also AcxDataFormatListAssignDefaultDataFormat),
//! and AcxCircuitAddPins. Objects are parented to the circuit, so a failure part-way is cleaned
//! up by WDF when the device goes.

use alloc::boxed::Box;
use core::mem::{size_of, zeroed};
use core::ptr::null_mut;

use cadenza_acx::circuit::{
    CircuitId, CircuitModel, DeviceModel, PinCategory, PinCommunication, PinModel, PinType,
};
use cadenza_engine::format::parse::write_data_format;
use cadenza_engine::guid::Guid;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;
use wdk_sys::{NTSTATUS, UNICODE_STRING, WDFDEVICE, WDFOBJECT};

use super::bindings as acx;
use super::context::{self, CIRCUIT_CONTEXT, ELEMENT_CONTEXT};
use super::guid_cell::GuidCell;
use super::state::CircuitHandles;
use super::{elements, nt, status, stream};
use crate::acx_call;

/// KSCATEGORY_AUDIO, KSNODETYPE_SPEAKER, KSNODETYPE_MICROPHONE (values as in ksmedia.h; the
/// same constants compat-portcls checks against the mingw-w64 headers).
const KSCATEGORY_AUDIO: Guid = Guid::from_u128(0x6994_AD04_93EF_11D0_A3CC_00A0_C922_3196);
const KSNODETYPE_SPEAKER: Guid = Guid::from_u128(0xDFF2_1CE1_F70F_11D0_B917_00A0_C922_3196);
const KSNODETYPE_MICROPHONE: Guid = Guid::from_u128(0xDFF2_1BE1_F70F_11D0_B917_00A0_C922_3196);

static CATEGORY_AUDIO: GuidCell = GuidCell::new(KSCATEGORY_AUDIO);
static CATEGORY_SPEAKER: GuidCell = GuidCell::new(KSNODETYPE_SPEAKER);
static CATEGORY_MICROPHONE: GuidCell = GuidCell::new(KSNODETYPE_MICROPHONE);

#[allow(clippy::cast_possible_truncation)]
const fn size32<T>() -> u32 {
    size_of::<T>() as u32
}

fn check(status: Option<NTSTATUS>) -> Result<(), NTSTATUS> {
    match status {
        Some(s) if s >= 0 => Ok(()),
        Some(s) => Err(s),
        None => Err(nt(NtStatus::NOT_SUPPORTED)),
    }
}

/// Creates every circuit of `model` on `device`.
///
/// # Safety
/// `device` must be the live WDFDEVICE of EvtDriverDeviceAdd, after AcxDeviceInitialize;
/// PASSIVE_LEVEL.
pub unsafe fn create_circuits(
    device: WDFDEVICE,
    model: &DeviceModel,
) -> Result<CircuitHandles, NTSTATUS> {
    let mut out = CircuitHandles::new();
    for c in model.circuits() {
        // SAFETY: our caller guarantees what `create_circuit` requires: `device` is the live
        // WDFDEVICE of EvtDriverDeviceAdd, after AcxDeviceInitialize; PASSIVE_LEVEL.
        let handle = unsafe { create_circuit(device, c) }?;
        out.push((handle, c.id))
            .map_err(|_| nt(NtStatus::INSUFFICIENT_RESOURCES))?;
    }
    Ok(out)
}

/// # Safety
/// `device` must be the live WDFDEVICE of EvtDriverDeviceAdd, after AcxDeviceInitialize;
/// PASSIVE_LEVEL.
unsafe fn create_circuit(
    device: WDFDEVICE,
    model: &CircuitModel,
) -> Result<acx::ACXCIRCUIT, NTSTATUS> {
    // AcxCircuitInitAllocate (PASSIVE_LEVEL).
    let mut init =
        acx_call!(AcxCircuitInitAllocateTableIndex as PFN_ACXCIRCUITINITALLOCATE(device))
            .unwrap_or(null_mut());
    if init.is_null() {
        return Err(nt(NtStatus::INSUFFICIENT_RESOURCES));
    }
    let mut name16 = [0u16; 32];
    let name = model.id.name();
    for (d, s) in name16.iter_mut().zip(name.encode_utf16()) {
        *d = s;
    }
    let bytes = u16::try_from(name.len() * 2).map_err(|_| nt(NtStatus::INVALID_PARAMETER))?;
    let unicode = UNICODE_STRING {
        Length: bytes,
        MaximumLength: bytes,
        Buffer: name16.as_mut_ptr(),
    };
    let circuit_type = match model.id.direction() {
        Direction::Render => acx::_ACX_CIRCUIT_TYPE::AcxCircuitTypeRender,
        Direction::Capture => acx::_ACX_CIRCUIT_TYPE::AcxCircuitTypeCapture,
    };
    // The circuit's property items, alive until this function returns: past
    // AcxCircuitInitAssignProperties and AcxCircuitCreate, the calls that take them (the
    // documentation's example, too, passes an array local to the circuit's creation).
    let mut properties = status::property_items();
    let setup = (|| {
        // AcxCircuitInitAssignName (PASSIVE_LEVEL): ACX copies the name.
        check(
            acx_call!(AcxCircuitInitAssignNameTableIndex as PFN_ACXCIRCUITINITASSIGNNAME(init, &raw const unicode)),
        )?;
        // AcxCircuitInitSetCircuitType (PASSIVE_LEVEL).
        acx_call!(
            AcxCircuitInitSetCircuitTypeTableIndex
                as PFN_ACXCIRCUITINITSETCIRCUITTYPE(init, circuit_type)
        );
        // AcxCircuitInitAssignAcxCreateStreamCallback (PASSIVE_LEVEL).
        check(acx_call!(
            AcxCircuitInitAssignAcxCreateStreamCallbackTableIndex
                as PFN_ACXCIRCUITINITASSIGNACXCREATESTREAMCALLBACK(
                    init,
                    Some(stream::evt_create_stream),
                )
        ))?;
        // AcxCircuitInitAssignProperties (PASSIVE_LEVEL): the live-status item.
        check(acx_call!(
            AcxCircuitInitAssignPropertiesTableIndex
                as PFN_ACXCIRCUITINITASSIGNPROPERTIES(
                    init,
                    properties.as_mut_ptr(),
                    status::ITEM_COUNT,
                )
        ))
    })();
    let mut circuit: acx::ACXCIRCUIT = null_mut();
    let created = setup.and_then(|()| {
        let mut attributes = context::attributes(&CIRCUIT_CONTEXT, Some(evt_id_cleanup_circuit));
        // AcxCircuitCreate (PASSIVE_LEVEL): consumes `init` on success (sets it to NULL).
        check(acx_call!(AcxCircuitCreateTableIndex as PFN_ACXCIRCUITCREATE(device, &raw mut attributes, &raw mut init, &raw mut circuit)))
    });
    if let Err(e) = created {
        if !init.is_null() {
            // AcxCircuitInitFree (PASSIVE_LEVEL): only for an init ACX did not consume.
            acx_call!(AcxCircuitInitFreeTableIndex as PFN_ACXCIRCUITINITFREE(init));
        }
        return Err(e);
    }
    // SAFETY: the circuit was created with CIRCUIT_CONTEXT attributes; its slot is empty.
    unsafe { context::put(circuit as WDFOBJECT, &CIRCUIT_CONTEXT, Box::new(model.id)) }
        .map_err(|_| nt(NtStatus::UNSUCCESSFUL))?;
    // SAFETY: `circuit` is live; PASSIVE_LEVEL.
    unsafe { add_elements(circuit, model) }?;
    // SAFETY: `device` is live (our caller's contract) and `circuit` was just created on it by
    // a successful AcxCircuitCreate; PASSIVE_LEVEL (EvtDriverDeviceAdd).
    unsafe { add_pins(device, circuit, model) }?;
    Ok(circuit)
}

/// EvtCleanupCallback of circuits (PASSIVE_LEVEL): frees the circuit's id.
///
/// # Safety
/// Only as the EvtCleanupCallback of a circuit created with CIRCUIT_CONTEXT attributes: WDF calls
/// it once, with that live circuit, when no reference from `context::get` on its slot is used any
/// more.
unsafe extern "C" fn evt_id_cleanup_circuit(object: WDFOBJECT) {
    // SAFETY: WDF runs this once, for a live circuit created with CIRCUIT_CONTEXT attributes
    // (slot empty or a `CircuitId`); every reader copies the id, so no `get` reference is live.
    drop(unsafe { context::take::<CircuitId>(object, &CIRCUIT_CONTEXT) });
}

/// EvtCleanupCallback of elements (PASSIVE_LEVEL): frees the element's circuit id.
///
/// # Safety
/// Only as the EvtCleanupCallback of an element created with ELEMENT_CONTEXT attributes: WDF calls
/// it once, with that live element, when no reference from `context::get` on its slot is used any
/// more.
unsafe extern "C" fn evt_id_cleanup_element(object: WDFOBJECT) {
    // SAFETY: WDF runs this once, for a live element created with ELEMENT_CONTEXT attributes
    // (slot empty or a `CircuitId`); every reader copies the id, so no `get` reference is live.
    drop(unsafe { context::take::<CircuitId>(object, &ELEMENT_CONTEXT) });
}

/// The volume and mute elements.
///
/// # Safety
/// `circuit` must be live; PASSIVE_LEVEL.
unsafe fn add_elements(circuit: acx::ACXCIRCUIT, model: &CircuitModel) -> Result<(), NTSTATUS> {
    // SAFETY: plain-data structures; the ACX_*_INIT helpers zero them and set Size.
    let mut volume_callbacks: acx::ACX_VOLUME_CALLBACKS = unsafe { zeroed() };
    volume_callbacks.Size = size32::<acx::ACX_VOLUME_CALLBACKS>();
    volume_callbacks.EvtAcxVolumeAssignLevel = Some(elements::evt_volume_assign_level);
    volume_callbacks.EvtAcxVolumeRetrieveLevel = Some(elements::evt_volume_retrieve_level);
    // SAFETY: ACX_VOLUME_CONFIG is plain data (integers and pointers), valid all-zero;
    // ACX_VOLUME_CONFIG_INIT zeroes it and sets Size, as the next line does.
    let mut volume_config: acx::ACX_VOLUME_CONFIG = unsafe { zeroed() };
    volume_config.Size = size32::<acx::ACX_VOLUME_CONFIG>();
    // ACX_VOLUME_CONFIG_INIT: the only accepted Id is AcxElementIdDefault (never rely on zero).
    volume_config.Id = acx::AcxElementIdDefault;
    volume_config.ChannelsCount = model.volume.channels;
    volume_config.Minimum = model.volume.range.minimum;
    volume_config.Maximum = model.volume.range.maximum;
    // ACX_VOLUME_CONFIG.SteppingDelta is a ULONG; the model's step is a positive i32.
    volume_config.SteppingDelta =
        u32::try_from(model.volume.range.stepping).map_err(|_| nt(NtStatus::INVALID_PARAMETER))?;
    volume_config.Callbacks = &raw mut volume_callbacks;
    // SAFETY: ACX_MUTE_CALLBACKS is plain data (Size and `Option` callbacks), valid all-zero;
    // ACX_MUTE_CALLBACKS_INIT zeroes it and sets Size, as the next line does.
    let mut mute_callbacks: acx::ACX_MUTE_CALLBACKS = unsafe { zeroed() };
    mute_callbacks.Size = size32::<acx::ACX_MUTE_CALLBACKS>();
    mute_callbacks.EvtAcxMuteAssignState = Some(elements::evt_mute_assign_state);
    mute_callbacks.EvtAcxMuteRetrieveState = Some(elements::evt_mute_retrieve_state);
    // SAFETY: ACX_MUTE_CONFIG is plain data (integers and pointers), valid all-zero;
    // ACX_MUTE_CONFIG_INIT zeroes it and sets Size, as the next line does.
    let mut mute_config: acx::ACX_MUTE_CONFIG = unsafe { zeroed() };
    mute_config.Size = size32::<acx::ACX_MUTE_CONFIG>();
    // ACX_MUTE_CONFIG_INIT: the only accepted Id is AcxElementIdDefault.
    mute_config.Id = acx::AcxElementIdDefault;
    mute_config.ChannelsCount = model.mute.channels;
    mute_config.Callbacks = &raw mut mute_callbacks;

    let mut volume: acx::ACXVOLUME = null_mut();
    let mut mute: acx::ACXMUTE = null_mut();
    let mut attributes = context::attributes(&ELEMENT_CONTEXT, Some(evt_id_cleanup_element));
    attributes.ParentObject = circuit as WDFOBJECT;
    // AcxVolumeCreate (PASSIVE_LEVEL).
    check(
        acx_call!(AcxVolumeCreateTableIndex as PFN_ACXVOLUMECREATE(circuit as acx::ACXOBJECT, &raw mut attributes, &raw mut volume_config, &raw mut volume)),
    )?;
    // SAFETY: `volume` was created with ELEMENT_CONTEXT attributes.
    unsafe { context::put(volume as WDFOBJECT, &ELEMENT_CONTEXT, Box::new(model.id)) }
        .map_err(|_| nt(NtStatus::UNSUCCESSFUL))?;
    // AcxMuteCreate (PASSIVE_LEVEL).
    check(
        acx_call!(AcxMuteCreateTableIndex as PFN_ACXMUTECREATE(circuit as acx::ACXOBJECT, &raw mut attributes, &raw mut mute_config, &raw mut mute)),
    )?;
    // SAFETY: `mute` was created with ELEMENT_CONTEXT attributes.
    unsafe { context::put(mute as WDFOBJECT, &ELEMENT_CONTEXT, Box::new(model.id)) }
        .map_err(|_| nt(NtStatus::UNSUCCESSFUL))?;
    let mut list = [volume as acx::ACXELEMENT, mute as acx::ACXELEMENT];
    // AcxCircuitAddElements (PASSIVE_LEVEL).
    check(
        acx_call!(AcxCircuitAddElementsTableIndex as PFN_ACXCIRCUITADDELEMENTS(circuit, list.as_mut_ptr(), 2)),
    )
}

fn pin_config(pin: &PinModel) -> acx::ACX_PIN_CONFIG {
    // SAFETY: plain-data structure; ACX_PIN_CONFIG_INIT zeroes it and sets Size.
    let mut cfg: acx::ACX_PIN_CONFIG = unsafe { zeroed() };
    cfg.Size = size32::<acx::ACX_PIN_CONFIG>();
    // ACX_PIN_CONFIG_INIT: the only accepted Id is AcxPinIdDefault (ACX numbers the pins).
    cfg.Id = acx::AcxPinIdDefault;
    cfg.MaxStreams = pin.max_streams;
    cfg.Type = match pin.pin_type {
        PinType::Sink => acx::_ACX_PIN_TYPE::AcxPinTypeSink,
        PinType::Source => acx::_ACX_PIN_TYPE::AcxPinTypeSource,
    };
    cfg.Communication = match pin.communication {
        PinCommunication::Sink => acx::_ACX_PIN_COMMUNICATION::AcxPinCommunicationSink,
        PinCommunication::None => acx::_ACX_PIN_COMMUNICATION::AcxPinCommunicationNone,
    };
    cfg.Category = match pin.category {
        PinCategory::Audio => &raw const CATEGORY_AUDIO.0,
        PinCategory::Speaker => &raw const CATEGORY_SPEAKER.0,
        PinCategory::Microphone => &raw const CATEGORY_MICROPHONE.0,
    };
    cfg
}

/// The host pin with its formats, the bridge pin with its jack.
///
/// # Safety
/// `device` and `circuit` must be live; PASSIVE_LEVEL.
unsafe fn add_pins(
    device: WDFDEVICE,
    circuit: acx::ACXCIRCUIT,
    model: &CircuitModel,
) -> Result<(), NTSTATUS> {
    let mut pins: [acx::ACXPIN; 2] = [null_mut(); 2];
    for (slot, pin) in pins.iter_mut().zip([&model.host_pin, &model.bridge_pin]) {
        let mut cfg = pin_config(pin);
        let mut attributes = context::attributes(&ELEMENT_CONTEXT, None);
        attributes.ContextTypeInfo = core::ptr::null();
        attributes.ParentObject = circuit as WDFOBJECT;
        // AcxPinCreate (PASSIVE_LEVEL).
        check(
            acx_call!(AcxPinCreateTableIndex as PFN_ACXPINCREATE(circuit, &raw mut attributes, &raw mut cfg, slot)),
        )?;
        if let Some(jack) = pin.jack {
            // SAFETY: plain-data structure; ACX_JACK_CONFIG_INIT zeroes it and sets Size.
            let mut jack_cfg: acx::ACX_JACK_CONFIG = unsafe { zeroed() };
            jack_cfg.Size = size32::<acx::ACX_JACK_CONFIG>();
            // ACX_JACK_CONFIG_INIT: Id is AcxJackPropertiesIdDefault.
            jack_cfg.Id = acx::AcxJackPropertiesIdDefault;
            jack_cfg.Description.ChannelMapping = jack.channel_mapping;
            jack_cfg.Description.Color = jack.color;
            jack_cfg.Description.ConnectionType =
                acx::_ACX_JACK_CONNECTION_TYPE::AcxConnTypeUnknown;
            jack_cfg.Description.GeoLocation = acx::_ACX_JACK_GEO_LOCATION::AcxGeoLocNotApplicable;
            jack_cfg.Description.GenLocation = acx::_ACX_JACK_GEN_LOCATION::AcxGenLocInternal;
            jack_cfg.Description.PortConnection =
                acx::_ACX_JACK_PORT_CONNECTION::AcxPortConnIntegratedDevice;
            let mut jack_handle: acx::ACXJACK = null_mut();
            let mut attributes = context::attributes(&ELEMENT_CONTEXT, None);
            attributes.ContextTypeInfo = core::ptr::null();
            attributes.ParentObject = *slot as WDFOBJECT;
            // AcxJackCreate, AcxPinAddJacks (PASSIVE_LEVEL).
            check(
                acx_call!(AcxJackCreateTableIndex as PFN_ACXJACKCREATE(*slot, &raw mut attributes, &raw mut jack_cfg, &raw mut jack_handle)),
            )?;
            check(
                acx_call!(AcxPinAddJacksTableIndex as PFN_ACXPINADDJACKS(*slot, &raw mut jack_handle, 1)),
            )?;
        }
    }
    // SAFETY: `device` is live (our caller's contract) and `pins[0]` is the host pin that
    // AcxPinCreate just returned (the `?` above returns on failure); PASSIVE_LEVEL.
    unsafe { add_formats(device, pins[0], model) }?;
    // AcxCircuitAddPins (PASSIVE_LEVEL).
    check(
        acx_call!(AcxCircuitAddPinsTableIndex as PFN_ACXCIRCUITADDPINS(circuit, pins.as_mut_ptr(), 2)),
    )
}

/// The host pin's raw-mode format list, default first.
///
/// # Safety
/// `device` and `pin` must be live; PASSIVE_LEVEL.
unsafe fn add_formats(
    device: WDFDEVICE,
    pin: acx::ACXPIN,
    model: &CircuitModel,
) -> Result<(), NTSTATUS> {
    // AcxPinGetRawDataFormatList (PASSIVE_LEVEL).
    let list =
        acx_call!(AcxPinGetRawDataFormatListTableIndex as PFN_ACXPINGETRAWDATAFORMATLIST(pin))
            .unwrap_or(null_mut());
    if list.is_null() {
        return Err(nt(NtStatus::NOT_SUPPORTED));
    }
    for (i, f) in model.formats.iter().enumerate() {
        // KSDATAFORMAT_WAVEFORMATEXTENSIBLE, 8-byte aligned; ACX copies it.
        let mut storage = [0u64; 16];
        let bytes = storage.as_mut_slice();
        // SAFETY: viewing a u64 array as bytes: same memory, u8 has no alignment needs.
        let raw = unsafe { core::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<u8>(), 128) };
        write_data_format(f, raw).map_err(|e| nt(NtStatus::from(e)))?;
        // SAFETY: plain-data structure; ACX_DATAFORMAT_CONFIG_INIT_KS zeroes it, sets Size,
        // the KS type and the format pointer.
        let mut cfg: acx::ACX_DATAFORMAT_CONFIG = unsafe { zeroed() };
        cfg.Size = size32::<acx::ACX_DATAFORMAT_CONFIG>();
        cfg.Type = acx::_ACX_DATAFORMAT_TYPE::AcxDataFormatKsFormat;
        // `u.KsFormat`: written through a pointer to the union, whose members all start at
        // offset 0, because bindgen may emit the union either as a Rust union or as
        // `__BindgenUnionField`s (it cannot see that wdk-sys's PVOID is Copy).
        let union_start = (&raw mut cfg.u).cast::<*mut core::ffi::c_void>();
        // SAFETY: `union_start` points at the union inside `cfg`, which is at least
        // pointer-sized and pointer-aligned (its KsFormat member is a pointer).
        unsafe { union_start.write(storage.as_mut_ptr().cast()) };
        let mut format: acx::ACXDATAFORMAT = null_mut();
        let mut attributes = context::attributes(&ELEMENT_CONTEXT, None);
        attributes.ContextTypeInfo = core::ptr::null();
        attributes.ParentObject = pin as WDFOBJECT;
        // AcxDataFormatCreate, AcxDataFormatListAddDataFormat (PASSIVE_LEVEL).
        check(
            acx_call!(AcxDataFormatCreateTableIndex as PFN_ACXDATAFORMATCREATE(device, &raw mut attributes, &raw mut cfg, &raw mut format)),
        )?;
        check(acx_call!(
            AcxDataFormatListAddDataFormatTableIndex
                as PFN_ACXDATAFORMATLISTADDDATAFORMAT(list, format)
        ))?;
        if i == 0 {
            // AcxDataFormatListAssignDefaultDataFormat (PASSIVE_LEVEL).
            check(acx_call!(
                AcxDataFormatListAssignDefaultDataFormatTableIndex
                    as PFN_ACXDATAFORMATLISTASSIGNDEFAULTDATAFORMAT(list, format)
            ))?;
        }
    }
    Ok(())
}
