//! Decoding registry values (KEY_VALUE_PARTIAL_INFORMATION from ZwQueryValueKey) into the
//! engine's [`RegValue`], for the configuration the Windows edge reads at StartDevice. Plain
//! Rust, so the decoding is tested on the host; only the ZwQueryValueKey call is Windows-only.

use cadenza_engine::config::{ConfigBuilder, ConfigWarning, RegValue, decode_registry_data};

pub use cadenza_engine::config::{MAX_REGISTRY_TEXT as MAX_TEXT, REG_DWORD, REG_MULTI_SZ, REG_SZ};

/// Bytes before `Data` in KEY_VALUE_PARTIAL_INFORMATION (TitleIndex, Type, DataLength).
pub const PARTIAL_INFORMATION_HEADER: usize = 12;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Decodes one KEY_VALUE_PARTIAL_INFORMATION: the header here, the value by the engine's
/// shared [`decode_registry_data`]. Data shorter than its stated length is `RegValue::Other`.
pub fn decode<'t>(info: &[u8], text: &'t mut heapless::String<MAX_TEXT>) -> Option<RegValue<'t>> {
    let reg_type = u32_at(info, 4)?;
    let len = usize::try_from(u32_at(info, 8)?).ok()?;
    let data = info.get(PARTIAL_INFORMATION_HEADER..PARTIAL_INFORMATION_HEADER.checked_add(len)?);
    Some(match data {
        Some(data) => decode_registry_data(reg_type, data, text),
        None => RegValue::Other { reg_type },
    })
}

/// Applies one decoded value to the builder, reporting a warning through `warn`.
pub fn apply(
    builder: &mut ConfigBuilder,
    name: &str,
    value: RegValue<'_>,
    warn: &mut dyn FnMut(ConfigWarning),
) {
    if let Some(w) = builder.apply(name, value) {
        warn(w);
    }
}

/// `name` as UTF-16 (no NUL; UNICODE_STRING carries the length) in `out`; the units used.
pub fn utf16(name: &str, out: &mut [u16]) -> Option<usize> {
    let mut n = 0;
    for u in name.encode_utf16() {
        *out.get_mut(n)? = u;
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::config::{DeviceConfig, MissingKeys};
    use std::vec::Vec;

    fn info(reg_type: u32, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&reg_type.to_le_bytes());
        v.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    fn wide(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn values_decode_or_become_other() {
        let mut t = heapless::String::new();
        assert_eq!(
            decode(&info(REG_DWORD, &3u32.to_le_bytes()), &mut t),
            Some(RegValue::Dword(3))
        );
        assert_eq!(
            decode(&info(REG_DWORD, &[1, 2]), &mut t),
            Some(RegValue::Other {
                reg_type: REG_DWORD
            })
        );
        assert_eq!(
            decode(&info(REG_SZ, &wide("Cable\0")), &mut t),
            Some(RegValue::Sz("Cable\0"))
        );
        assert_eq!(
            decode(&info(REG_MULTI_SZ, &wide("a\0b\0\0")), &mut t),
            Some(RegValue::MultiSz("a\0b\0\0"))
        );
        // Lone surrogate, odd length, truncated data, unknown type.
        assert_eq!(
            decode(&info(REG_SZ, &[0x00, 0xD8]), &mut t),
            Some(RegValue::Other { reg_type: REG_SZ })
        );
        assert_eq!(
            decode(&info(REG_SZ, &[0x41]), &mut t),
            Some(RegValue::Other { reg_type: REG_SZ })
        );
        let mut cut = info(REG_DWORD, &5u32.to_le_bytes());
        cut.truncate(14);
        assert_eq!(
            decode(&cut, &mut t),
            Some(RegValue::Other {
                reg_type: REG_DWORD
            })
        );
        assert_eq!(
            decode(&info(3, &[1]), &mut t),
            Some(RegValue::Other { reg_type: 3 })
        );
        assert_eq!(decode(&[0; 6], &mut t), None);
    }

    #[test]
    fn decoded_values_configure_the_device() {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        let mut warnings = Vec::new();
        let mut t = heapless::String::new();
        let v = decode(&info(REG_DWORD, &4u32.to_le_bytes()), &mut t).unwrap();
        apply(&mut b, "Cables", v, &mut |w| warnings.push(w));
        let v = decode(&info(REG_DWORD, &99u32.to_le_bytes()), &mut t).unwrap();
        apply(&mut b, "Cables", v, &mut |w| warnings.push(w));
        assert_eq!(warnings.len(), 1, "99 cables is out of range");
        let config = b.finish(&mut |_| {});
        assert_eq!(config.cables(), DeviceConfig::default().cables());
        let mut w = [0u16; 8];
        assert_eq!(utf16("Cables", &mut w), Some(6));
        assert_eq!(utf16("TooLongForIt", &mut w), None);
    }
}
