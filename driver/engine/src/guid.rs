//! GUIDs as KS and COM lay them out.

use core::fmt;

/// A GUID with the Windows in-memory layout (`Data1` little-endian u32, `Data2`/`Data3` u16,
/// `Data4` bytes), so it can sit inside `#[repr(C)]` KS structures unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

impl Guid {
    pub const SIZE: usize = 16;

    /// Builds a GUID from its canonical text form split into fields:
    /// `AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE` is `from_u128(0xAAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE)`.
    #[allow(clippy::cast_possible_truncation)] // each field is deliberately sliced out of the u128
    pub const fn from_u128(v: u128) -> Guid {
        let d4 = (v as u64).to_be_bytes();
        Guid {
            data1: (v >> 96) as u32,
            data2: (v >> 80) as u16,
            data3: (v >> 64) as u16,
            data4: d4,
        }
    }

    /// Reads a GUID from its 16-byte memory image.
    pub const fn from_bytes(b: &[u8; 16]) -> Guid {
        Guid {
            data1: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_le_bytes([b[4], b[5]]),
            data3: u16::from_le_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }

    /// The 16-byte memory image.
    pub const fn to_bytes(&self) -> [u8; 16] {
        let a = self.data1.to_le_bytes();
        let b = self.data2.to_le_bytes();
        let c = self.data3.to_le_bytes();
        let d = self.data4;
        [
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5],
            d[6], d[7],
        ]
    }

    /// Reads a GUID at `offset` of an untrusted buffer.
    pub fn read(buf: &[u8], offset: usize) -> Option<Guid> {
        let bytes: &[u8; 16] = buf.get(offset..offset.checked_add(16)?)?.try_into().ok()?;
        Some(Guid::from_bytes(bytes))
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_and_memory_image_agree() {
        // KSDATAFORMAT_TYPE_AUDIO: 73647561-0000-0010-8000-00AA00389B71
        let g = Guid::from_u128(0x73647561_0000_0010_8000_00AA00389B71);
        assert_eq!(format!("{g}"), "73647561-0000-0010-8000-00AA00389B71");
        let b = g.to_bytes();
        assert_eq!(&b[..4], &[0x61, 0x75, 0x64, 0x73]); // "auds" little-endian
        assert_eq!(Guid::from_bytes(&b), g);
        assert_eq!(Guid::read(&b, 0), Some(g));
        assert_eq!(Guid::read(&b, 1), None);
        assert_eq!(Guid::read(&b, usize::MAX), None);
    }
}
