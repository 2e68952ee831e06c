//! Registry values: the [`RegValue`] a driver hands to the builder, and
//! [`decode_registry_data`], which turns the raw type and bytes of a registry value into one.
//!
//! Depends on [`super::keys`] only.

use heapless::String;

use super::keys::RegType;

/// The name of any `REG_*` code, so a warning can say what was found instead.
pub(super) fn reg_type_code_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "REG_NONE",
        1 => "REG_SZ",
        2 => "REG_EXPAND_SZ",
        3 => "REG_BINARY",
        4 => "REG_DWORD",
        5 => "REG_DWORD_BIG_ENDIAN",
        6 => "REG_LINK",
        7 => "REG_MULTI_SZ",
        8 => "REG_RESOURCE_LIST",
        9 => "REG_FULL_RESOURCE_DESCRIPTOR",
        10 => "REG_RESOURCE_REQUIREMENTS_LIST",
        11 => "REG_QWORD",
        _ => return None,
    })
}

/// One registry value as the drivers read it (from KEY_VALUE_PARTIAL_INFORMATION) or the text
/// parser produces it. Anything may arrive here; the builder validates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegValue<'a> {
    /// `REG_DWORD` with exactly four bytes of data.
    Dword(u32),
    /// `REG_SZ`, decoded; it may still carry its terminating NUL(s).
    Sz(&'a str),
    /// `REG_MULTI_SZ`, decoded: items separated (and usually terminated) by NUL.
    MultiSz(&'a str),
    /// Any other type, or one of the above whose data could not be decoded (a REG_DWORD that
    /// is not four bytes, a string that is not valid UTF-16): the code says which.
    Other { reg_type: u32 },
}

impl RegValue<'_> {
    /// The `REG_*` code of this value.
    pub const fn reg_type_code(&self) -> u32 {
        match self {
            RegValue::Dword(_) => RegType::Dword.code(),
            RegValue::Sz(_) => RegType::Sz.code(),
            RegValue::MultiSz(_) => RegType::MultiSz.code(),
            RegValue::Other { reg_type } => *reg_type,
        }
    }
}

/// `REG_SZ`, `REG_DWORD` and `REG_MULTI_SZ`: the registry types the parameters use.
pub const REG_SZ: u32 = 1;
/// See [`REG_SZ`].
pub const REG_DWORD: u32 = 4;
/// See [`REG_SZ`].
pub const REG_MULTI_SZ: u32 = 7;

/// Longest string value decoded from the registry, in bytes of UTF-8.
pub const MAX_REGISTRY_TEXT: usize = 512;

/// Decodes a registry value's type and raw data (as ZwQueryValueKey or WdfRegistryQueryValue
/// return them) into a [`RegValue`]. Both drivers read their parameters through this, so the
/// decoding of untrusted registry bytes is one host-tested function. Strings are UTF-16LE
/// decoded into `text`; anything that cannot be decoded exactly (odd length, bad UTF-16, too
/// long, a DWORD of the wrong size, another type) becomes [`RegValue::Other`], which the
/// builder reports and replaces by the default rather than guessing.
pub fn decode_registry_data<'t>(
    reg_type: u32,
    data: &[u8],
    text: &'t mut String<MAX_REGISTRY_TEXT>,
) -> RegValue<'t> {
    let other = RegValue::Other { reg_type };
    match reg_type {
        REG_DWORD => match <[u8; 4]>::try_from(data) {
            Ok(bytes) => RegValue::Dword(u32::from_le_bytes(bytes)),
            Err(_) => other,
        },
        REG_SZ | REG_MULTI_SZ => {
            text.clear();
            if !data.len().is_multiple_of(2) {
                return other;
            }
            let units = data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            for ch in char::decode_utf16(units) {
                let Ok(ch) = ch else { return other };
                if text.push(ch).is_err() {
                    return other;
                }
            }
            let s: &'t str = text.as_str();
            if reg_type == REG_SZ {
                RegValue::Sz(s)
            } else {
                RegValue::MultiSz(s)
            }
        }
        _ => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec as StdVec;

    #[test]
    fn inf_flags_and_codes_are_the_windows_ones() {
        // setupapi.h: FLG_ADDREG_TYPE_DWORD = 0x00010001, FLG_ADDREG_TYPE_MULTI_SZ =
        // 0x00010000, FLG_ADDREG_TYPE_SZ = 0, FLG_ADDREG_NOCLOBBER = 0x00000002.
        assert_eq!(RegType::Dword.inf_addreg_flags(), 0x0001_0003);
        assert_eq!(RegType::MultiSz.inf_addreg_flags(), 0x0001_0002);
        assert_eq!(RegType::Sz.inf_addreg_flags(), 0x0000_0002);
        for t in [RegType::Sz, RegType::Dword, RegType::MultiSz] {
            assert_eq!(reg_type_code_name(t.code()), Some(t.name()));
        }
    }

    #[test]
    fn registry_data_decodes_exactly_or_becomes_other() {
        let mut t = String::new();
        assert_eq!(
            decode_registry_data(REG_DWORD, &2u32.to_le_bytes(), &mut t),
            RegValue::Dword(2)
        );
        assert_eq!(
            decode_registry_data(REG_DWORD, &[1, 0, 0], &mut t),
            RegValue::Other {
                reg_type: REG_DWORD
            }
        );
        let utf16 = |s: &str| {
            s.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<StdVec<u8>>()
        };
        assert_eq!(
            decode_registry_data(REG_SZ, &utf16("Studio {n}"), &mut t),
            RegValue::Sz("Studio {n}")
        );
        assert_eq!(
            decode_registry_data(REG_MULTI_SZ, &utf16("44100\u{0}48000\u{0}\u{0}"), &mut t),
            RegValue::MultiSz("44100\u{0}48000\u{0}\u{0}")
        );
        // Odd length, a lone surrogate, and too long for the buffer are all refused as Other.
        assert_eq!(
            decode_registry_data(REG_SZ, &[0x41, 0, 0x42], &mut t),
            RegValue::Other { reg_type: REG_SZ }
        );
        assert_eq!(
            decode_registry_data(REG_SZ, &0xD800u16.to_le_bytes(), &mut t),
            RegValue::Other { reg_type: REG_SZ }
        );
        let long = utf16(&"x".repeat(MAX_REGISTRY_TEXT + 1));
        assert_eq!(
            decode_registry_data(REG_SZ, &long, &mut t),
            RegValue::Other { reg_type: REG_SZ }
        );
        assert_eq!(
            decode_registry_data(3, &[1, 2], &mut t),
            RegValue::Other { reg_type: 3 }
        );
    }
}
