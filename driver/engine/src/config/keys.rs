//! The key table: every configuration key's facts — registry name, registry type, default,
//! accepted range and meaning — declared once, in the `keys!` invocation below. The
//! invocation makes [`KeyId`] (with [`KeyId::ALL`] and [`KeyId::spec`]) and [`KEYS`], so
//! adding a key is one new row there; the compiler then points at every per-key `match`
//! (parsing in the builder, resetting, writing the text form) that must learn it.
//!
//! This module depends on nothing else in [`crate::config`].

use core::fmt;

/// The registry types a key can have (winnt.h `REG_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegType {
    /// `REG_SZ` (1): one string.
    Sz,
    /// `REG_DWORD` (4): a 32-bit number.
    Dword,
    /// `REG_MULTI_SZ` (7): a list of strings.
    MultiSz,
}

impl RegType {
    /// The `REG_*` code.
    pub const fn code(self) -> u32 {
        match self {
            RegType::Sz => 1,
            RegType::Dword => 4,
            RegType::MultiSz => 7,
        }
    }

    /// The `REG_*` name, for messages and documentation.
    pub const fn name(self) -> &'static str {
        match self {
            RegType::Sz => "REG_SZ",
            RegType::Dword => "REG_DWORD",
            RegType::MultiSz => "REG_MULTI_SZ",
        }
    }

    /// The flags of the INF `AddReg` line that writes a `Parameters` default of this type:
    /// the `FLG_ADDREG_TYPE_*` bits, plus `FLG_ADDREG_NOCLOBBER` (0x2) so that reinstalling
    /// or updating the driver keeps a value the user changed (only a missing value gets the
    /// default; `cadenza config reset` restores the defaults on purpose).
    pub const fn inf_addreg_flags(self) -> u32 {
        const FLG_ADDREG_NOCLOBBER: u32 = 0x0000_0002;
        let type_bits = match self {
            RegType::Sz => 0x0000_0000,
            RegType::Dword => 0x0001_0001,
            RegType::MultiSz => 0x0001_0000,
        };
        type_bits | FLG_ADDREG_NOCLOBBER
    }
}

/// Declares the key table, one row per key in [`KEYS`] order, and makes from it [`KeyId`]
/// (each variant documented by its `meaning`), [`KeyId::ALL`], [`KeyId::spec`] and [`KEYS`].
macro_rules! keys {
    ($(
        $id:ident {
            name: $name:literal,
            reg_type: $reg_type:ident,
            default: $default:literal,
            range: $range:literal,
            meaning: $meaning:literal $(,)?
        }
    )*) => {
        /// Every configuration key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum KeyId {
            $(
                #[doc = $meaning]
                $id,
            )*
        }

        /// How many keys the table has.
        const KEY_COUNT: usize = [$(KeyId::$id),*].len();

        impl KeyId {
            /// Every key, in [`KEYS`] order.
            pub const ALL: [KeyId; KEY_COUNT] = [$(KeyId::$id),*];

            /// This key's row of the table.
            pub const fn spec(self) -> &'static KeySpec {
                match self {
                    $(KeyId::$id => {
                        const SPEC: KeySpec = KeySpec {
                            id: KeyId::$id,
                            name: $name,
                            reg_type: RegType::$reg_type,
                            default: $default,
                            range: $range,
                            meaning: $meaning,
                        };
                        &SPEC
                    })*
                }
            }
        }

        /// Every key the drivers and the simulator accept: the single source for the parser,
        /// the INF generator/checker and the documentation.
        pub const KEYS: &[KeySpec] = &[$(*KeyId::$id.spec()),*];
    };
}

keys! {
    Cables {
        name: "Cables",
        reg_type: Dword,
        default: "1",
        range: "1 to 8",
        meaning: "Number of endpoint pairs: each is a render and a capture endpoint for a cable, \
                  one capture endpoint for a tone source, one render endpoint for a null sink \
                  (DeviceKind).",
    }
    Channels {
        name: "Channels",
        reg_type: Dword,
        default: "2",
        range: "1 to 16",
        meaning: "Channel count of the endpoints' formats.",
    }
    SampleRates {
        name: "SampleRates",
        reg_type: MultiSz,
        default: "48000",
        range: "one or more of 8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000, \
                384000",
        meaning: "Sample rates (Hz) the endpoints offer.",
    }
    DefaultSampleRate {
        name: "DefaultSampleRate",
        reg_type: Dword,
        default: "48000",
        range: "one of SampleRates",
        meaning: "Sample rate (Hz) of the endpoints' default (shared-mode) format.",
    }
    SampleTypes {
        name: "SampleTypes",
        reg_type: MultiSz,
        default: "float32, int32, int24in32, int24, int16",
        range: "one or more of float32, int32, int24in32, int24, int16",
        meaning: "Sample encodings the endpoints offer. The default format uses the best one \
                  offered, in the order float32, int32, int24in32, int24, int16; list order \
                  does not matter.",
    }
    PeriodUs {
        name: "PeriodUs",
        reg_type: Dword,
        default: "10000",
        range: "1000 to 100000, any whole number of microseconds",
        meaning: "Device period in microseconds: the shortest packet period the drivers publish \
                  to Windows (KSAUDIO_PACKETSIZE_CONSTRAINTS2) and the default processing \
                  mode's packet, so the shared-mode audio engine runs at this period; each \
                  stream rounds it down to whole frames at its rate.",
    }
    CableName {
        name: "CableName",
        reg_type: Sz,
        default: "Cadenza Cable {n}",
        range: "1 to 31 characters once numbered; no control characters, %, \", or braces \
                other than {n}",
        meaning: "Endpoint friendly name, set on each pair's device interfaces when the device \
                  starts; {n} becomes the pair number (1, 2, ...). Without {n}, the number is \
                  appended when there is more than one pair.",
    }
    ToneHz {
        name: "ToneHz",
        reg_type: Dword,
        default: "440",
        range: "20 to 20000, and below half of the lowest of SampleRates",
        meaning: "Frequency (Hz) of the tone source (DeviceKind tone).",
    }
    DeviceKind {
        name: "DeviceKind",
        reg_type: Sz,
        default: "cable",
        range: "cable, tone or null",
        meaning: "What each endpoint pair is: cable (a render endpoint looped back to a capture \
                  endpoint), tone (a capture endpoint that records a sine of ToneHz at -12 \
                  dBFS) or null (a render endpoint that plays into nothing at the nominal \
                  rate).",
    }
}

impl KeyId {
    /// The registry value name.
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    /// The key called `name`, compared case-insensitively as the registry does.
    pub fn from_name(name: &str) -> Option<KeyId> {
        KeyId::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// This key's bit in a set of keys (there are fewer than 16).
    pub(super) const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of [`KEYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub id: KeyId,
    /// The registry value name (and the text-file key).
    pub name: &'static str,
    pub reg_type: RegType,
    /// The default, as the INF writes it: a number in decimal, a string as-is, a list with
    /// its items separated by `", "`. Also valid as a text-file value.
    pub default: &'static str,
    /// What is accepted, for people.
    pub range: &'static str,
    /// What the key does, for people.
    pub meaning: &'static str,
}

impl KeySpec {
    /// The default's items: one for a number or string, each list item for a REG_MULTI_SZ
    /// (what an INF `AddReg` line lists as separate quoted strings).
    pub fn default_items(&self) -> impl Iterator<Item = &'static str> + use<> {
        let default = self.default;
        let separator = match self.reg_type {
            RegType::MultiSz => ", ",
            // No number or name holds a NUL, so this never splits.
            RegType::Dword | RegType::Sz => "\0",
        };
        default.split(separator)
    }
}

/// Bounds of the numeric keys; the table's `range` texts repeat them for people.
pub(super) const CABLES_MAX: u32 = 8;
pub(super) const PERIOD_US_MIN: u32 = 1_000;
pub(super) const PERIOD_US_MAX: u32 = 100_000;
pub(super) const TONE_HZ_MIN: u32 = 20;
pub(super) const TONE_HZ_MAX: u32 = 20_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_match_key_ids_and_names_are_unique() {
        assert_eq!(KEYS.len(), KeyId::ALL.len());
        for (spec, id) in KEYS.iter().zip(KeyId::ALL) {
            assert_eq!(spec.id, id);
            assert_eq!(id.spec(), spec);
            assert_eq!(KeyId::from_name(spec.name), Some(id));
            assert!(spec.name.chars().all(|c| c.is_ascii_alphanumeric()));
            assert!(spec.default.is_ascii(), "INF-safe default for {id}");
        }
        for (i, a) in KEYS.iter().enumerate() {
            for b in KEYS.iter().skip(i + 1) {
                assert!(!a.name.eq_ignore_ascii_case(b.name));
            }
        }
    }
}
