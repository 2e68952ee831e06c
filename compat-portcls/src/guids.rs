//! Interface and class ids, KS categories, node types, property sets and data format GUIDs.
//!
//! The names are the C names, so they can be searched for in the DDK documentation.
//! The KSDATAFORMAT GUIDs are re-exported from the engine's `format::parse`, which owns them.
#![allow(non_upper_case_globals)] // the C names (IID_IMiniportWaveRT, KSPROPSETID_Audio) are the point

use cadenza_engine::Guid;

// ---- COM interface and class ids (portcls.h, punknown.h) ----

/// `IID_IUnknown`.
pub const IID_IUnknown: Guid = Guid::from_u128(0x00000000_0000_0000_C000_000000000046);
/// `IID_IMiniport`.
pub const IID_IMiniport: Guid = Guid::from_u128(0xB4C90A24_5791_11D0_86F9_00A0C911B544);
/// `IID_IPort`.
pub const IID_IPort: Guid = Guid::from_u128(0xB4C90A25_5791_11D0_86F9_00A0C911B544);
/// `IID_IPortTopology`.
pub const IID_IPortTopology: Guid = Guid::from_u128(0xB4C90A30_5791_11D0_86F9_00A0C911B544);
/// `IID_IMiniportTopology`.
pub const IID_IMiniportTopology: Guid = Guid::from_u128(0xB4C90A31_5791_11D0_86F9_00A0C911B544);
/// `CLSID_PortTopology`: the class PcNewPort creates for a topology filter.
pub const CLSID_PortTopology: Guid = Guid::from_u128(0xB4C90A32_5791_11D0_86F9_00A0C911B544);
/// `IID_IMiniportWaveRT`.
pub const IID_IMiniportWaveRT: Guid = Guid::from_u128(0x0F9FC4D6_6061_4F3C_B1FC_075E35F7960A);
/// `IID_IMiniportWaveRTStream`.
pub const IID_IMiniportWaveRTStream: Guid = Guid::from_u128(0x000AC9AB_FAAB_4F3D_9455_6FF8306A74A0);
/// `IID_IMiniportWaveRTStreamNotification`.
pub const IID_IMiniportWaveRTStreamNotification: Guid =
    Guid::from_u128(0x23759128_96F1_423B_AB4D_81635BCF8CA1);
/// `IID_IMiniportWaveRTInputStream` (packet mode; not in mingw-w64).
pub const IID_IMiniportWaveRTInputStream: Guid =
    Guid::from_u128(0xCD8E756A_5FC7_4624_984B_2AF02925B91F);
/// `IID_IMiniportWaveRTOutputStream` (packet mode; not in mingw-w64).
pub const IID_IMiniportWaveRTOutputStream: Guid =
    Guid::from_u128(0x831FC7BC_6347_44BC_B47B_C0C657B5BF73);
/// `IID_IPortWaveRT`.
pub const IID_IPortWaveRT: Guid = Guid::from_u128(0x339FF909_68A9_4310_B09B_274E96EE4CBD);
/// `IID_IPortWaveRTStream`.
pub const IID_IPortWaveRTStream: Guid = Guid::from_u128(0x1809CE5A_64BC_4E62_BD7D_95BCE43DE393);
/// `CLSID_PortWaveRT`: the class PcNewPort creates for a WaveRT filter.
pub const CLSID_PortWaveRT: Guid = Guid::from_u128(0xCC9BE57A_EB9E_42B4_94FC_0CAD3DBCE7FA);
/// `IID_IAdapterPowerManagement`.
pub const IID_IAdapterPowerManagement: Guid =
    Guid::from_u128(0x793417D0_35FE_11D1_AD08_00A0C90AB1B0);

// ---- Filter categories (ks.h, ksmedia.h) ----

/// `KSCATEGORY_AUDIO`.
pub const KSCATEGORY_AUDIO: Guid = Guid::from_u128(0x6994AD04_93EF_11D0_A3CC_00A0C9223196);
/// `KSCATEGORY_RENDER`.
pub const KSCATEGORY_RENDER: Guid = Guid::from_u128(0x65E8773E_8F56_11D0_A3B9_00A0C9223196);
/// `KSCATEGORY_CAPTURE`.
pub const KSCATEGORY_CAPTURE: Guid = Guid::from_u128(0x65E8773D_8F56_11D0_A3B9_00A0C9223196);
/// `KSCATEGORY_REALTIME`: the filter is a WaveRT filter.
pub const KSCATEGORY_REALTIME: Guid = Guid::from_u128(0xEB115FFC_10C8_4964_831D_6DCB02E6F23F);
/// `KSCATEGORY_TOPOLOGY`.
pub const KSCATEGORY_TOPOLOGY: Guid = Guid::from_u128(0xDDA54A40_1E4C_11D1_A050_405705C10000);

// ---- Node types and pin categories (ksmedia.h) ----

/// `KSNODETYPE_VOLUME`.
pub const KSNODETYPE_VOLUME: Guid = Guid::from_u128(0x3A5ACC00_C557_11D0_8A2B_00A0C9255AC1);
/// `KSNODETYPE_MUTE`.
pub const KSNODETYPE_MUTE: Guid = Guid::from_u128(0x02B223C0_C557_11D0_8A2B_00A0C9255AC1);
/// `KSNODETYPE_SPEAKER`: category of a render bridge pin.
pub const KSNODETYPE_SPEAKER: Guid = Guid::from_u128(0xDFF21CE1_F70F_11D0_B917_00A0C9223196);
/// `KSNODETYPE_MICROPHONE`: category of a capture bridge pin.
pub const KSNODETYPE_MICROPHONE: Guid = Guid::from_u128(0xDFF21BE1_F70F_11D0_B917_00A0C9223196);
/// `KSNODETYPE_LINE_CONNECTOR`.
pub const KSNODETYPE_LINE_CONNECTOR: Guid = Guid::from_u128(0xDFF21FE3_F70F_11D0_B917_00A0C9223196);

// ---- Property sets (ks.h, ksmedia.h) ----

/// `KSPROPSETID_General`.
pub const KSPROPSETID_General: Guid = Guid::from_u128(0x1464EDA5_6A8F_11D1_9AA7_00A0C9223196);
/// `KSPROPTYPESETID_General`: the type set of basic-support descriptions.
pub const KSPROPTYPESETID_General: Guid = Guid::from_u128(0x97E99BA0_BDEA_11CF_A5D6_28DB04C10000);
/// `KSPROPSETID_Pin`.
pub const KSPROPSETID_Pin: Guid = Guid::from_u128(0x8C134960_51AD_11CF_878A_94F801C10000);
/// `KSPROPSETID_Audio`.
pub const KSPROPSETID_Audio: Guid = Guid::from_u128(0x45FFAAA0_6E1B_11D0_BCF2_444553540000);
/// `KSPROPSETID_Jack` (not in mingw-w64).
pub const KSPROPSETID_Jack: Guid = Guid::from_u128(0x4509F757_2D46_4637_8E62_CE7DB944F57B);
/// `KSPROPSETID_RtAudio`.
pub const KSPROPSETID_RtAudio: Guid = Guid::from_u128(0xA855A48C_2F78_4729_9051_1968746B9EEF);

// ---- Data formats (ks.h, ksmedia.h, mmreg.h) ----

/// The KSDATAFORMAT type, subtype and specifier GUIDs are the engine's (its format parser owns
/// them); re-exported here so a miniport finds every GUID in one place. `tests/abi.rs` checks
/// them against the headers all the same.
pub use cadenza_engine::format::parse::{
    KSDATAFORMAT_SPECIFIER_NONE, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX,
    KSDATAFORMAT_SPECIFIER_WILDCARD, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, KSDATAFORMAT_SUBTYPE_PCM,
    KSDATAFORMAT_SUBTYPE_WILDCARD, KSDATAFORMAT_TYPE_AUDIO, KSDATAFORMAT_TYPE_WILDCARD,
};

/// KSDATAFORMAT_SUBTYPE_ANALOG: the data range of bridge pins (an analog connection).
pub const KSDATAFORMAT_SUBTYPE_ANALOG: Guid =
    Guid::from_u128(0x6DBA3190_67BD_11CF_A0F7_0020AFD156E4);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_match_the_facts_file() {
        assert_eq!(
            format!("{IID_IMiniportWaveRTStream}"),
            "000AC9AB-FAAB-4F3D-9455-6FF8306A74A0"
        );
        assert_eq!(
            format!("{CLSID_PortWaveRT}"),
            "CC9BE57A-EB9E-42B4-94FC-0CAD3DBCE7FA"
        );
        // mingw-w64's ddk/punknown.h gets this one wrong (Data4 shifted); this is the COM value.
        assert_eq!(
            format!("{IID_IUnknown}"),
            "00000000-0000-0000-C000-000000000046"
        );
        assert_eq!(IID_IUnknown.to_bytes()[8], 0xC0);
        assert_eq!(
            KSDATAFORMAT_SUBTYPE_PCM.data1,
            u32::from(crate::ksaudio::WAVE_FORMAT_PCM)
        );
    }
}
