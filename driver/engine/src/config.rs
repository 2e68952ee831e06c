//! Device configuration: the parameters a user may change without rebuilding the driver.
//!
//! Both drivers (ACX and PortCls) read the values under the device's `HKR\Parameters` key at
//! start and feed each one, as a [`RegValue`], to a [`ConfigBuilder`]; the host simulator reads
//! the same keys from a text file with [`parse_text`], so a user can try a configuration before
//! installing it. One rule holds everywhere: a missing or bad value never stops the device. It
//! is reported as a [`ConfigWarning`] (the driver prints it with DbgPrintEx, the simulator on
//! stderr) and that key falls back to its default, as if the value were not there.
//!
//! [`KEYS`] is the one description of every key — name, registry type, default, range and
//! meaning — for the parser, the INF generator/checker and the documentation. The INF writes
//! every key with its default, so the registry always shows what can be changed.
//!
//! # Registry values
//!
//! Key names are matched case-insensitively, as the registry does. A value of the wrong
//! registry type is refused (the message names the expected type) rather than guessed at. A
//! `REG_SZ` ends at its first NUL; a `REG_MULTI_SZ` is split at NULs, each item trimmed, empty
//! items (the terminators) skipped. A list value is all-or-nothing: one bad item and the whole
//! key takes its default, so the device never runs with half of what the user asked for.
//!
//! # Text form (simulator `--config` file)
//!
//! One `Key = value` per line, with the registry's key names (case-insensitive). Blank lines
//! and lines starting with `;` or `#` are ignored; a `;` after a value starts a comment too
//! (quote a name that contains `;`). The value is read as the type the key has in the
//! registry:
//!
//! - `REG_DWORD` keys: a decimal number or `0x` hex, e.g. `48000` or `0xBB80`;
//! - `REG_SZ` keys: the rest of the line, or a `"quoted"` string (no escapes; the quotes keep
//!   leading/trailing spaces and `;` out of the value's way);
//! - `REG_MULTI_SZ` keys: items separated by commas (each may be quoted).
//!
//! A key given twice is reported, and the last line wins. Keys not in the file keep their
//! defaults silently (a file lists only what it changes; the registry, where the INF writes
//! every key, reports missing ones with [`MissingKeys::Report`]).
//!
//! ```
//! use cadenza_engine::config::parse_text;
//!
//! let text = "
//! ; Two cables, mono, 48 kHz only, 5 ms period.
//! Cables      = 2
//! Channels    = 1
//! SampleRates = 48000
//! PeriodUs    = 0x1388        ; 5000 microseconds
//! CableName   = \"Studio {n}\"  ; becomes \"Studio 1\", \"Studio 2\"
//! SampleTypes = float32, int16
//! ";
//! let mut warnings = 0;
//! let config = parse_text(text, &mut |w| {
//!     warnings += 1;
//!     eprintln!("{w}");
//! });
//! assert_eq!(warnings, 0);
//! assert_eq!(config.cables(), 2);
//! assert_eq!(config.period_us(), 5_000);
//! assert_eq!(config.cable_name(1).as_deref(), Some("Studio 2"));
//! ```
//!
//! # What is deliberately not configurable
//!
//! There is no hardware-latency or safety-offset key: those describe what the device needs to
//! stay glitch-free, so they belong to the device model, and a user lowering them could only
//! cause glitches the driver cannot detect.

use core::fmt::{self, Write as _};

use heapless::String;

use crate::format::range::{RateSet, SampleTypeSet};
use crate::format::{Channels, Format, SampleRate, SampleType};

// -------------------------------------------------------------------------------------------
// Registry values
// -------------------------------------------------------------------------------------------

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

    /// The `FLG_ADDREG_TYPE_*` flags an INF `AddReg` line needs for this type.
    pub const fn inf_addreg_flags(self) -> u32 {
        match self {
            RegType::Sz => 0x0000_0000,
            RegType::Dword => 0x0001_0001,
            RegType::MultiSz => 0x0001_0000,
        }
    }
}

/// The name of any `REG_*` code, so a warning can say what was found instead.
fn reg_type_code_name(code: u32) -> Option<&'static str> {
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

// -------------------------------------------------------------------------------------------
// The key table
// -------------------------------------------------------------------------------------------

/// Every configuration key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyId {
    Cables,
    Channels,
    SampleRates,
    DefaultSampleRate,
    SampleTypes,
    PeriodUs,
    CableName,
    ToneHz,
}

impl KeyId {
    /// Every key, in [`KEYS`] order.
    pub const ALL: [KeyId; 8] = [
        KeyId::Cables,
        KeyId::Channels,
        KeyId::SampleRates,
        KeyId::DefaultSampleRate,
        KeyId::SampleTypes,
        KeyId::PeriodUs,
        KeyId::CableName,
        KeyId::ToneHz,
    ];

    /// This key's row of the table.
    pub const fn spec(self) -> &'static KeySpec {
        match self {
            KeyId::Cables => &SPEC_CABLES,
            KeyId::Channels => &SPEC_CHANNELS,
            KeyId::SampleRates => &SPEC_SAMPLE_RATES,
            KeyId::DefaultSampleRate => &SPEC_DEFAULT_SAMPLE_RATE,
            KeyId::SampleTypes => &SPEC_SAMPLE_TYPES,
            KeyId::PeriodUs => &SPEC_PERIOD_US,
            KeyId::CableName => &SPEC_CABLE_NAME,
            KeyId::ToneHz => &SPEC_TONE_HZ,
        }
    }

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
    const fn bit(self) -> u16 {
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
const CABLES_MAX: u32 = 8;
const PERIOD_US_MIN: u32 = 1_000;
const PERIOD_US_MAX: u32 = 100_000;
const TONE_HZ_MIN: u32 = 20;
const TONE_HZ_MAX: u32 = 20_000;

const SPEC_CABLES: KeySpec = KeySpec {
    id: KeyId::Cables,
    name: "Cables",
    reg_type: RegType::Dword,
    default: "1",
    range: "1 to 8",
    meaning: "Number of loopback cables; each cable is one render and one capture endpoint.",
};
const SPEC_CHANNELS: KeySpec = KeySpec {
    id: KeyId::Channels,
    name: "Channels",
    reg_type: RegType::Dword,
    default: "2",
    range: "1 to 16",
    meaning: "Channel count of the endpoints' formats.",
};
const SPEC_SAMPLE_RATES: KeySpec = KeySpec {
    id: KeyId::SampleRates,
    name: "SampleRates",
    reg_type: RegType::MultiSz,
    default: "48000",
    range: "one or more of 8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000, 384000",
    meaning: "Sample rates (Hz) the endpoints offer.",
};
const SPEC_DEFAULT_SAMPLE_RATE: KeySpec = KeySpec {
    id: KeyId::DefaultSampleRate,
    name: "DefaultSampleRate",
    reg_type: RegType::Dword,
    default: "48000",
    range: "one of SampleRates",
    meaning: "Sample rate (Hz) of the endpoints' default (shared-mode) format.",
};
const SPEC_SAMPLE_TYPES: KeySpec = KeySpec {
    id: KeyId::SampleTypes,
    name: "SampleTypes",
    reg_type: RegType::MultiSz,
    default: "float32, int32, int24in32, int24, int16",
    range: "one or more of float32, int32, int24in32, int24, int16",
    meaning: "Sample encodings the endpoints offer. The default format uses the best one \
              offered, in the order float32, int32, int24in32, int24, int16; list order does \
              not matter.",
};
const SPEC_PERIOD_US: KeySpec = KeySpec {
    id: KeyId::PeriodUs,
    name: "PeriodUs",
    reg_type: RegType::Dword,
    default: "10000",
    range: "1000 to 100000, any whole number of microseconds",
    meaning: "Device period in microseconds: how often the virtual device moves audio; each \
              stream rounds it down to whole frames at its rate.",
};
const SPEC_CABLE_NAME: KeySpec = KeySpec {
    id: KeyId::CableName,
    name: "CableName",
    reg_type: RegType::Sz,
    default: "Cadenza Cable {n}",
    range: "1 to 31 characters once numbered; no control characters, %, \", or braces other \
            than {n}",
    meaning: "Endpoint friendly name; {n} becomes the cable number (1, 2, ...). Without {n}, \
              the number is appended when there is more than one cable.",
};
const SPEC_TONE_HZ: KeySpec = KeySpec {
    id: KeyId::ToneHz,
    name: "ToneHz",
    reg_type: RegType::Dword,
    default: "440",
    range: "20 to 20000, and below half of the lowest of SampleRates",
    meaning: "Frequency (Hz) of the tone source.",
};

/// Every key the drivers and the simulator accept: the single source for the parser, the INF
/// generator/checker and the documentation.
pub const KEYS: &[KeySpec] = &[
    SPEC_CABLES,
    SPEC_CHANNELS,
    SPEC_SAMPLE_RATES,
    SPEC_DEFAULT_SAMPLE_RATE,
    SPEC_SAMPLE_TYPES,
    SPEC_PERIOD_US,
    SPEC_CABLE_NAME,
    SPEC_TONE_HZ,
];

// -------------------------------------------------------------------------------------------
// Value types
// -------------------------------------------------------------------------------------------

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

/// The rates offered by default: 48 kHz only. Both sides of a cable must run at one rate (the
/// cable does not resample), so offering one rate by default means Windows can never open
/// them apart.
pub const DEFAULT_RATES: RateSet = match RateSet::EMPTY.with(48_000) {
    Some(set) => set,
    None => RateSet::EMPTY,
};

/// The longest endpoint name, in UTF-16 code units, once numbered. Legacy (winmm) device names
/// hold 31 characters (MAXPNAMELEN = 32 with the NUL), so a longer name would show cut off.
pub const NAME_MAX_UNITS: usize = 31;

/// Bytes of UTF-8 a name of [`NAME_MAX_UNITS`] code units can take: at most three bytes per
/// UTF-16 unit (a four-byte character is two units). A template's `{n}` is three bytes for a
/// one-unit digit, so templates fit the same bound.
pub const NAME_MAX_BYTES: usize = NAME_MAX_UNITS * 3;

/// An endpoint name (or the template it comes from).
pub type NameString = String<NAME_MAX_BYTES>;

/// The placeholder for the cable number in [`KeyId::CableName`] (matched case-insensitively).
const NUMBER_TOKEN: &str = "{n}";

// -------------------------------------------------------------------------------------------
// The configuration
// -------------------------------------------------------------------------------------------

/// A complete, validated device configuration. Only [`Default`] and [`ConfigBuilder`] make
/// one, so every field is in range and the fields agree with each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    cables: u8,
    channels: Channels,
    rates: RateSet,
    default_rate: SampleRate,
    sample_types: SampleTypeSet,
    period_us: u32,
    cable_name: NameString,
    tone_hz: u32,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        let mut cable_name = NameString::new();
        // Cannot fail: the default is 17 bytes; a failure would only leave the name empty,
        // which the table test would catch.
        let _ = cable_name.push_str(SPEC_CABLE_NAME.default);
        DeviceConfig {
            cables: 1,
            channels: Channels::STEREO,
            rates: DEFAULT_RATES,
            // The engine's default format and the configuration agree on 48 kHz.
            default_rate: Format::DEFAULT.rate(),
            sample_types: SampleTypeSet::ALL,
            period_us: 10_000,
            cable_name,
            tone_hz: 440,
        }
    }
}

impl DeviceConfig {
    /// Number of loopback cables, 1 to 8.
    pub const fn cables(&self) -> u8 {
        self.cables
    }

    /// Channel count of the endpoints' formats.
    pub const fn channels(&self) -> Channels {
        self.channels
    }

    /// Sample rates the endpoints offer (never empty; always holds [`Self::default_rate`]).
    /// What every pin of a configured device offers: the configured sample types, channel
    /// count and rates, with the default format preferred. Both adapters publish exactly this.
    pub fn pin_capabilities(
        &self,
    ) -> Result<crate::format::range::PinCapabilities, crate::format::FormatError> {
        crate::format::range::PinCapabilities::new(
            self.sample_types,
            self.channels,
            self.rates,
            self.default_format(),
        )
    }

    pub const fn rates(&self) -> RateSet {
        self.rates
    }

    /// Rate of the default format.
    pub const fn default_rate(&self) -> SampleRate {
        self.default_rate
    }

    /// Sample types the endpoints offer (never empty).
    pub const fn sample_types(&self) -> SampleTypeSet {
        self.sample_types
    }

    /// Device period in microseconds, 1 000 to 100 000.
    pub const fn period_us(&self) -> u32 {
        self.period_us
    }

    /// The period in whole frames at `rate`, rounded down. At least 8 (1 ms at 8 kHz, the
    /// engine's smallest packet) and at most 38 400 (100 ms at 384 kHz), so two packets of
    /// the widest format (64-byte frames) stay under 5 MB.
    pub fn period_frames(&self, rate: SampleRate) -> u32 {
        let frames = u64::from(self.period_us) * u64::from(rate.hz()) / 1_000_000;
        // Cannot saturate: at most 100 000 × 384 000 / 10^6 = 38 400.
        u32::try_from(frames).unwrap_or(u32::MAX)
    }

    /// Frequency of the tone source in Hz; below half of every offered rate.
    pub const fn tone_hz(&self) -> u32 {
        self.tone_hz
    }

    /// The default (shared-mode) format: the configured channels, the default rate and the
    /// preferred offered sample type.
    pub fn default_format(&self) -> Format {
        let sample = self.sample_types.preferred().unwrap_or(SampleType::Float32);
        Format::new(sample, self.channels, self.default_rate)
    }

    /// The name template as configured (with `{n}` if it has one).
    pub fn cable_name_template(&self) -> &str {
        &self.cable_name
    }

    /// The friendly name of cable `index` (0-based; the number shown is `index + 1`), or
    /// `None` if there is no such cable.
    pub fn cable_name(&self, index: u8) -> Option<NameString> {
        if index >= self.cables {
            return None;
        }
        let digit = char::from_digit(u32::from(index) + 1, 10)?;
        let mut out = NameString::new();
        let template = self.cable_name.as_str();
        let mut rest = template;
        let mut numbered = false;
        while let Some(at) = find_token(rest) {
            let (before, after) = rest.split_at(at);
            out.push_str(before).ok()?;
            out.push(digit).ok()?;
            rest = after.get(NUMBER_TOKEN.len()..)?;
            numbered = true;
        }
        out.push_str(rest).ok()?;
        if !numbered && self.cables > 1 {
            out.push(' ').ok()?;
            out.push(digit).ok()?;
        }
        Some(out)
    }

    /// Writes the configuration in the text form, one `Key = value` line per key in [`KEYS`]
    /// order; [`parse_text`] reads it back to an equal configuration.
    pub fn write_text(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        for key in KeyId::ALL {
            write!(out, "{} = ", key.name())?;
            self.write_value(key, out)?;
            out.write_char('\n')?;
        }
        Ok(())
    }

    fn write_value(&self, key: KeyId, out: &mut dyn fmt::Write) -> fmt::Result {
        match key {
            KeyId::Cables => write!(out, "{}", self.cables),
            KeyId::Channels => write!(out, "{}", self.channels.get()),
            KeyId::SampleRates => write_list(out, self.rates.iter().map(SampleRate::hz)),
            KeyId::DefaultSampleRate => write!(out, "{}", self.default_rate.hz()),
            KeyId::SampleTypes => write_list(out, self.sample_types.iter().map(SampleType::name)),
            KeyId::PeriodUs => write!(out, "{}", self.period_us),
            // Quoted: a name may hold `;`, which would otherwise start a comment.
            KeyId::CableName => write!(out, "\"{}\"", self.cable_name),
            KeyId::ToneHz => write!(out, "{}", self.tone_hz),
        }
    }
}

fn write_list<T: fmt::Display>(
    out: &mut dyn fmt::Write,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{item}")?;
    }
    Ok(())
}

/// Byte offset of the first `{n}` (either case) in `s`.
fn find_token(s: &str) -> Option<usize> {
    s.as_bytes()
        .windows(NUMBER_TOKEN.len())
        .position(|w| w.eq_ignore_ascii_case(NUMBER_TOKEN.as_bytes()))
}

// -------------------------------------------------------------------------------------------
// Warnings
// -------------------------------------------------------------------------------------------

/// A short, bounded copy of text from the registry or a file, for a warning. Display escapes
/// control characters so that nothing a user typed can break the log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    text: String<32>,
    truncated: bool,
}

impl Excerpt {
    pub fn new(s: &str) -> Excerpt {
        let mut text = String::new();
        let mut truncated = false;
        for c in s.chars() {
            if text.push(c).is_err() {
                truncated = true;
                break;
            }
        }
        Excerpt { text, truncated }
    }

    /// The copied text (possibly cut short).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.text.chars() {
            write!(f, "{}", c.escape_debug())?;
        }
        if self.truncated {
            f.write_str("...")?;
        }
        f.write_char('"')
    }
}

/// What was wrong with a value. Unless its variant says otherwise, the key now has its
/// default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A value name that is not in [`KEYS`]; it is ignored.
    UnknownKey { name: Excerpt },
    /// A text line that is not `Key = value` (text form only); it is ignored.
    Syntax { why: SyntaxError },
    /// The key was given again (text form only); the last one wins (a warning of its own
    /// follows if that one is bad).
    Repeated,
    /// The key is absent (registry only, with [`MissingKeys::Report`]).
    Missing,
    /// The registry value has another type (`found` is its `REG_*` code).
    WrongType { found: u32 },
    /// Text that should be a number is not one (decimal or `0x` hex, fitting 32 bits).
    NotANumber { text: Excerpt },
    /// A number outside the key's range.
    OutOfRange { value: u32, min: u32, max: u32 },
    /// A rate that is not one of [`SampleRate::STANDARD`].
    UnsupportedRate { value: u32 },
    /// A sample-type name that is not one of [`SampleType::name`]'s.
    UnknownSampleType { text: Excerpt },
    /// An empty list or name.
    Empty,
    /// A name longer than [`NAME_MAX_UNITS`] once numbered, or a text-form list longer than
    /// the parser reads; `max` is that limit in characters.
    TooLong { max: usize },
    /// A character a name may not hold.
    BadCharacter { ch: char },
    /// DefaultSampleRate is not in SampleRates; `used` (the listed rate nearest to it) is.
    DefaultRateNotOffered { given: u32, used: u32 },
    /// ToneHz is not below half of the lowest offered rate; the default tone is used.
    ToneAboveNyquist { tone_hz: u32, lowest_rate: u32 },
}

/// Why a text line could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxError {
    /// No `=` on the line.
    NoEquals,
    /// Nothing before the `=`.
    NoKey,
    /// A `"` without its closing `"`, or text after the closing quote.
    BadQuotes,
}

/// A problem found in the configuration, and what was done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The key concerned; `None` for an unknown key or an unreadable line.
    pub key: Option<KeyId>,
    /// The 1-based line, for the text form.
    pub line: Option<u32>,
    pub problem: Problem,
}

impl ConfigWarning {
    const fn new(key: KeyId, problem: Problem) -> ConfigWarning {
        ConfigWarning {
            key: Some(key),
            line: None,
            problem,
        }
    }
}

/// One line, e.g. `line 3: Cables: 12 is out of range 1..=8; using the default 1`.
impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(key) = self.key {
            write!(f, "{key}: ")?;
        }
        let mut uses_default = true;
        match &self.problem {
            Problem::UnknownKey { name } => {
                uses_default = false;
                write!(f, "unknown key {name} ignored")?;
            }
            Problem::Syntax { why } => {
                uses_default = false;
                let what = match why {
                    SyntaxError::NoEquals => "no '='",
                    SyntaxError::NoKey => "no key before '='",
                    SyntaxError::BadQuotes => "unbalanced quotes",
                };
                write!(f, "not a `Key = value` line ({what}); ignored")?;
            }
            Problem::Repeated => {
                uses_default = false;
                f.write_str("given again; the last value counts")?;
            }
            Problem::Missing => f.write_str("not set")?,
            Problem::WrongType { found } => {
                let expected = self.key.map_or(0, |k| k.spec().reg_type.code());
                let expected_name = self.key.map_or("?", |k| k.spec().reg_type.name());
                match reg_type_code_name(*found) {
                    Some(name) if *found == expected => write!(f, "malformed {name} value")?,
                    Some(name) => write!(f, "is {name}, expected {expected_name}")?,
                    None => write!(f, "has registry type {found}, expected {expected_name}")?,
                }
            }
            Problem::NotANumber { text } => write!(f, "{text} is not a number")?,
            Problem::OutOfRange { value, min, max } => {
                write!(f, "{value} is out of range {min}..={max}")?;
            }
            Problem::UnsupportedRate { value } => {
                write!(f, "{value} is not a supported rate (")?;
                write_list(f, SampleRate::STANDARD.into_iter())?;
                f.write_char(')')?;
            }
            Problem::UnknownSampleType { text } => {
                write!(f, "{text} is not a sample type (")?;
                write_list(f, SampleType::ALL.into_iter().map(SampleType::name))?;
                f.write_char(')')?;
            }
            Problem::Empty => f.write_str("is empty")?,
            Problem::TooLong { max } => write!(f, "is longer than {max} characters")?,
            Problem::BadCharacter { ch } => {
                write!(f, "may not contain '{}'", ch.escape_debug())?;
            }
            Problem::DefaultRateNotOffered { given, used } => {
                uses_default = false;
                write!(f, "{given} is not in SampleRates; using {used}")?;
            }
            Problem::ToneAboveNyquist {
                tone_hz,
                lowest_rate,
            } => write!(
                f,
                "{tone_hz} Hz is not below half of the lowest rate ({lowest_rate} Hz)"
            )?,
        }
        if uses_default && let Some(key) = self.key {
            write!(f, "; using the default {}", key.spec().default)?;
        }
        Ok(())
    }
}

// -------------------------------------------------------------------------------------------
// Builder
// -------------------------------------------------------------------------------------------

/// Whether [`ConfigBuilder::finish`] reports keys that were never given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MissingKeys {
    /// The registry: the INF writes every key, so an absent one is worth a line in the log.
    Report,
    /// A text file: it lists only what it changes.
    Ignore,
}

/// Collects values one at a time, then checks the fields against each other.
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    config: DeviceConfig,
    /// Keys given so far, one [`KeyId::bit`] each.
    seen: u16,
    missing: MissingKeys,
}

impl ConfigBuilder {
    pub fn new(missing: MissingKeys) -> ConfigBuilder {
        ConfigBuilder {
            config: DeviceConfig::default(),
            seen: 0,
            missing,
        }
    }

    /// Whether `key` has been given (well or badly).
    pub fn has_seen(&self, key: KeyId) -> bool {
        self.seen & key.bit() != 0
    }

    /// Takes the value called `name` (case-insensitive). On a problem the key gets its default
    /// — the result is as if the value were absent — and the warning says why.
    pub fn apply(&mut self, name: &str, value: RegValue<'_>) -> Option<ConfigWarning> {
        let Some(key) = KeyId::from_name(name) else {
            return Some(ConfigWarning {
                key: None,
                line: None,
                problem: Problem::UnknownKey {
                    name: Excerpt::new(name),
                },
            });
        };
        self.seen |= key.bit();
        match self.config.set(key, value) {
            Ok(()) => None,
            Err(problem) => {
                self.config.reset(key);
                Some(ConfigWarning::new(key, problem))
            }
        }
    }

    /// Records that `key` was given but unusable: it takes its default, as after a bad value.
    fn reject(&mut self, key: KeyId) {
        self.seen |= key.bit();
        self.config.reset(key);
    }

    /// Reports missing keys (if asked to), then makes the fields agree: DefaultSampleRate must
    /// be offered, and the tone must be below every offered rate's Nyquist frequency.
    pub fn finish(self, warn: &mut dyn FnMut(ConfigWarning)) -> DeviceConfig {
        let mut config = self.config;
        if self.missing == MissingKeys::Report {
            for key in KeyId::ALL {
                if self.seen & key.bit() == 0 {
                    warn(ConfigWarning::new(key, Problem::Missing));
                }
            }
        }
        if !config.rates.contains(config.default_rate) {
            // The user's SampleRates says what the device may run at, so it wins; of those,
            // the one nearest to what was asked is the least surprise.
            let given = config.default_rate.hz();
            if let Some(used) = config.rates.nearest(given) {
                config.default_rate = used;
                warn(ConfigWarning::new(
                    KeyId::DefaultSampleRate,
                    Problem::DefaultRateNotOffered {
                        given,
                        used: used.hz(),
                    },
                ));
            }
        }
        if let Some(lowest) = config.rates.lowest()
            && u64::from(config.tone_hz) * 2 >= u64::from(lowest.hz())
        {
            let tone_hz = config.tone_hz;
            config.reset(KeyId::ToneHz);
            warn(ConfigWarning::new(
                KeyId::ToneHz,
                Problem::ToneAboveNyquist {
                    tone_hz,
                    lowest_rate: lowest.hz(),
                },
            ));
        }
        config
    }
}

impl DeviceConfig {
    /// Sets one field from a value, or says what is wrong with it (leaving the field alone).
    fn set(&mut self, key: KeyId, value: RegValue<'_>) -> Result<(), Problem> {
        let expected = key.spec().reg_type;
        match (expected, value) {
            (RegType::Dword, RegValue::Dword(n)) => self.set_number(key, n),
            (RegType::Sz, RegValue::Sz(s)) => self.set_string(key, until_nul(s)),
            (RegType::MultiSz, RegValue::MultiSz(s)) => self.set_list(key, s),
            (_, other) => Err(Problem::WrongType {
                found: other.reg_type_code(),
            }),
        }
    }

    fn set_number(&mut self, key: KeyId, n: u32) -> Result<(), Problem> {
        let in_range = |min: u32, max: u32| {
            if (min..=max).contains(&n) {
                Ok(n)
            } else {
                Err(Problem::OutOfRange { value: n, min, max })
            }
        };
        match key {
            KeyId::Cables => {
                let n = in_range(1, CABLES_MAX)?;
                self.cables = u8::try_from(n).map_err(|_| Problem::OutOfRange {
                    value: n,
                    min: 1,
                    max: CABLES_MAX,
                })?;
            }
            KeyId::Channels => {
                let n = in_range(Channels::MIN.into(), Channels::MAX.into())?;
                self.channels = u16::try_from(n)
                    .ok()
                    .and_then(|c| Channels::new(c).ok())
                    .ok_or(Problem::OutOfRange {
                        value: n,
                        min: Channels::MIN.into(),
                        max: Channels::MAX.into(),
                    })?;
            }
            KeyId::DefaultSampleRate => self.default_rate = standard_rate(n)?,
            KeyId::PeriodUs => self.period_us = in_range(PERIOD_US_MIN, PERIOD_US_MAX)?,
            KeyId::ToneHz => self.tone_hz = in_range(TONE_HZ_MIN, TONE_HZ_MAX)?,
            // Reached only if the table and this match disagree; the table test covers it.
            KeyId::SampleRates | KeyId::SampleTypes | KeyId::CableName => {
                return Err(Problem::WrongType {
                    found: RegType::Dword.code(),
                });
            }
        }
        Ok(())
    }

    fn set_string(&mut self, key: KeyId, s: &str) -> Result<(), Problem> {
        match key {
            KeyId::CableName => {
                self.cable_name = check_name(s)?;
                Ok(())
            }
            _ => Err(Problem::WrongType {
                found: RegType::Sz.code(),
            }),
        }
    }

    fn set_list(&mut self, key: KeyId, s: &str) -> Result<(), Problem> {
        let items = s.split('\0').map(str::trim).filter(|i| !i.is_empty());
        match key {
            KeyId::SampleRates => {
                let mut set = RateSet::EMPTY;
                for item in items {
                    let hz = parse_number(item).ok_or_else(|| Problem::NotANumber {
                        text: Excerpt::new(item),
                    })?;
                    let rate = standard_rate(hz)?;
                    set = set
                        .with(rate.hz())
                        .ok_or(Problem::UnsupportedRate { value: hz })?;
                }
                if set.is_empty() {
                    return Err(Problem::Empty);
                }
                self.rates = set;
            }
            KeyId::SampleTypes => {
                let mut set = SampleTypeSet::EMPTY;
                for item in items {
                    let t =
                        SampleType::from_name(item).ok_or_else(|| Problem::UnknownSampleType {
                            text: Excerpt::new(item),
                        })?;
                    set = set.with(t);
                }
                if set.is_empty() {
                    return Err(Problem::Empty);
                }
                self.sample_types = set;
            }
            _ => {
                return Err(Problem::WrongType {
                    found: RegType::MultiSz.code(),
                });
            }
        }
        Ok(())
    }

    /// Puts `key` back to its default.
    fn reset(&mut self, key: KeyId) {
        let d = DeviceConfig::default();
        match key {
            KeyId::Cables => self.cables = d.cables,
            KeyId::Channels => self.channels = d.channels,
            KeyId::SampleRates => self.rates = d.rates,
            KeyId::DefaultSampleRate => self.default_rate = d.default_rate,
            KeyId::SampleTypes => self.sample_types = d.sample_types,
            KeyId::PeriodUs => self.period_us = d.period_us,
            KeyId::CableName => self.cable_name = d.cable_name,
            KeyId::ToneHz => self.tone_hz = d.tone_hz,
        }
    }
}

/// A REG_SZ ends at its first NUL, as every Windows reader of it sees it.
fn until_nul(s: &str) -> &str {
    s.split('\0').next().unwrap_or(s)
}

/// A decimal or `0x`-hex number that fits 32 bits; nothing else (no sign, no spaces inside).
fn parse_number(s: &str) -> Option<u32> {
    let (digits, radix) = match s.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (s.get(2..)?, 16),
        _ => (s, 10),
    };
    // `from_str_radix` would also take a leading '+'; a registry number has none.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

fn standard_rate(hz: u32) -> Result<SampleRate, Problem> {
    if SampleRate::STANDARD.contains(&hz) {
        SampleRate::new(hz).map_err(|_| Problem::UnsupportedRate { value: hz })
    } else {
        Err(Problem::UnsupportedRate { value: hz })
    }
}

/// Characters a name may not hold: control and invisible formatting characters (they can
/// hide or reorder what the user sees), `%` (INF string substitution), `"` (INF and text-form
/// quoting) and braces outside `{n}` (most likely a mistyped placeholder).
fn is_bad_name_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '%' | '"' | '{' | '}')
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}')
}

const NAME_TOO_LONG: Problem = Problem::TooLong {
    max: NAME_MAX_UNITS,
};

/// Validates a CableName: trimmed, non-empty, allowed characters only, and short enough once
/// numbered — checked for the worst case (one-digit number, possibly appended as " N"), so
/// the result does not depend on whether Cables comes before or after it.
fn check_name(s: &str) -> Result<NameString, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    let mut units = 0usize;
    let mut numbered = false;
    let mut rest = s;
    loop {
        let (plain, next) = match find_token(rest) {
            Some(at) => (rest.get(..at), rest.get(at + NUMBER_TOKEN.len()..)),
            None => (Some(rest), None),
        };
        let plain = plain.unwrap_or("");
        if let Some(ch) = plain.chars().find(|&c| is_bad_name_char(c)) {
            return Err(Problem::BadCharacter { ch });
        }
        units = units.saturating_add(plain.encode_utf16().count());
        match next {
            Some(after) => {
                numbered = true;
                units = units.saturating_add(1);
                rest = after;
            }
            None => break,
        }
    }
    if !numbered {
        units = units.saturating_add(2);
    }
    if units > NAME_MAX_UNITS {
        return Err(NAME_TOO_LONG);
    }
    let mut out = NameString::new();
    out.push_str(s).map_err(|_| NAME_TOO_LONG)?;
    Ok(out)
}

// -------------------------------------------------------------------------------------------
// Text form
// -------------------------------------------------------------------------------------------

/// Longest list value the text form reads (bytes after joining items); a full list of rates
/// or types is well under 100.
const LIST_TEXT_MAX: usize = 256;

/// Reads the simulator's configuration file (see the module docs for the format). Every
/// problem goes to `warn`, with its line number; the result is always a usable configuration.
pub fn parse_text(text: &str, warn: &mut dyn FnMut(ConfigWarning)) -> DeviceConfig {
    let mut builder = ConfigBuilder::new(MissingKeys::Ignore);
    for (index, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let mut emit = |key: Option<KeyId>, problem: Problem| {
            warn(ConfigWarning {
                key,
                line: Some(line_no),
                problem,
            });
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            emit(
                None,
                Problem::Syntax {
                    why: SyntaxError::NoEquals,
                },
            );
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            emit(
                None,
                Problem::Syntax {
                    why: SyntaxError::NoKey,
                },
            );
            continue;
        }
        let Some(value) = strip_comment(value) else {
            emit(
                None,
                Problem::Syntax {
                    why: SyntaxError::BadQuotes,
                },
            );
            continue;
        };
        let Some(key) = KeyId::from_name(name) else {
            emit(
                None,
                Problem::UnknownKey {
                    name: Excerpt::new(name),
                },
            );
            continue;
        };
        if builder.has_seen(key) {
            emit(Some(key), Problem::Repeated);
        }
        let mut list = String::<LIST_TEXT_MAX>::new();
        let reg_value = match key.spec().reg_type {
            RegType::Dword => {
                let Some(n) = parse_number(unquote(value)) else {
                    builder.reject(key);
                    emit(
                        Some(key),
                        Problem::NotANumber {
                            text: Excerpt::new(value),
                        },
                    );
                    continue;
                };
                RegValue::Dword(n)
            }
            RegType::Sz => RegValue::Sz(unquote(value)),
            RegType::MultiSz => {
                if join_list(value, &mut list).is_err() {
                    builder.reject(key);
                    emit(Some(key), Problem::TooLong { max: LIST_TEXT_MAX });
                    continue;
                }
                RegValue::MultiSz(&list)
            }
        };
        if let Some(w) = builder.apply(name, reg_value) {
            emit(w.key, w.problem);
        }
    }
    builder.finish(warn)
}

/// The value with any trailing `; comment` removed and trimmed; `None` if its quotes do not
/// balance. A `;` inside quotes is part of the value.
fn strip_comment(value: &str) -> Option<&str> {
    let mut in_quotes = false;
    let mut end = value.len();
    for (i, c) in value.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    if in_quotes {
        return None;
    }
    let value = value.get(..end)?.trim();
    // A quoted scalar must be the whole value: `"a" b` is a mistake, not a name.
    if let Some(inner) = value.strip_prefix('"')
        && let Some(close) = inner.find('"')
        && !value.contains(',')
        && inner
            .get(close + 1..)
            .is_some_and(|after| !after.trim().is_empty())
    {
        return None;
    }
    Some(value)
}

/// `"text"` → `text`; anything else unchanged.
fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|i| i.strip_suffix('"'))
        .unwrap_or(s)
}

/// Turns `a, "b", c` into `a\0b\0c`, the shape a REG_MULTI_SZ arrives in.
fn join_list<const N: usize>(value: &str, out: &mut String<N>) -> Result<(), ()> {
    for (i, item) in value.split(',').enumerate() {
        if i > 0 {
            out.push('\0').map_err(|_| ())?;
        }
        out.push_str(unquote(item)).map_err(|_| ())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::{String as StdString, ToString};
    use std::vec::Vec as StdVec;

    // ---- helpers ------------------------------------------------------------------------

    /// Runs `parse_text` and returns the configuration and every warning.
    fn parse(text: &str) -> (DeviceConfig, StdVec<ConfigWarning>) {
        let mut warnings = StdVec::new();
        let config = parse_text(text, &mut |w| warnings.push(w));
        (config, warnings)
    }

    /// Applies one value to a fresh registry builder; returns the warning and the result
    /// before cross-field checks.
    fn apply_one(name: &str, value: RegValue<'_>) -> (Option<ConfigWarning>, DeviceConfig) {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        let w = b.apply(name, value);
        (w, b.config)
    }

    fn finish(b: ConfigBuilder) -> (DeviceConfig, StdVec<ConfigWarning>) {
        let mut warnings = StdVec::new();
        let config = b.finish(&mut |w| warnings.push(w));
        (config, warnings)
    }

    fn rates(list: &[u32]) -> RateSet {
        RateSet::from_hz(list).unwrap()
    }

    fn hz_list(set: RateSet) -> StdVec<u32> {
        set.iter().map(SampleRate::hz).collect()
    }

    /// Asserts a bad value: exactly `problem`, and the key still at its default even though
    /// a good value was applied first.
    fn assert_rejected(key: KeyId, good: RegValue<'_>, bad: RegValue<'_>, problem: Problem) {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        assert_eq!(b.apply(key.name(), good), None, "{key}: good value refused");
        assert_ne!(
            b.config,
            DeviceConfig::default(),
            "{key}: test's good value must differ from the default"
        );
        assert_eq!(
            b.apply(key.name(), bad),
            Some(ConfigWarning::new(key, problem)),
            "{key}: {bad:?}"
        );
        assert_eq!(
            b.config,
            DeviceConfig::default(),
            "{key}: default not restored"
        );
    }

    /// Everything a `DeviceConfig` promises; `finished` adds the cross-field promises.
    fn check_invariants(c: &DeviceConfig, finished: bool) {
        assert!((1..=8).contains(&c.cables()), "cables {}", c.cables());
        assert!((1..=16).contains(&c.channels().get()));
        assert!(!c.rates().is_empty());
        // Every set bit is a standard rate: counting bits and iterating rates agree.
        assert_eq!(
            c.rates().iter().count(),
            c.rates().len() as usize,
            "rate bits beyond STANDARD"
        );
        assert!(SampleRate::STANDARD.contains(&c.default_rate().hz()));
        assert!(!c.sample_types().is_empty());
        assert_eq!(
            c.sample_types().iter().count(),
            c.sample_types().len() as usize
        );
        assert!((PERIOD_US_MIN..=PERIOD_US_MAX).contains(&c.period_us()));
        assert!((TONE_HZ_MIN..=TONE_HZ_MAX).contains(&c.tone_hz()));
        assert_eq!(
            check_name(c.cable_name_template()).as_deref(),
            Ok(c.cable_name_template())
        );
        for i in 0..c.cables() {
            let name = c.cable_name(i).expect("every cable has a name");
            assert!(!name.is_empty());
            assert!(name.encode_utf16().count() <= NAME_MAX_UNITS, "{name}");
            assert!(!name.chars().any(is_bad_name_char), "{name}");
        }
        assert_eq!(c.cable_name(c.cables()), None);
        if finished {
            assert!(c.rates().contains(c.default_rate()));
            let lowest = c.rates().lowest().unwrap().hz();
            assert!(c.tone_hz() * 2 < lowest);
        }
    }

    /// The value of one key, as text: lets tests compare single fields.
    fn field(c: &DeviceConfig, key: KeyId) -> StdString {
        let mut s = StdString::new();
        c.write_value(key, &mut s).unwrap();
        s
    }

    // ---- the table ----------------------------------------------------------------------

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

    #[test]
    fn every_default_text_parses_to_the_default() {
        for spec in KEYS {
            let (config, warnings) = parse(&format!("{} = {}", spec.name, spec.default));
            assert_eq!(warnings, [], "{}", spec.name);
            assert_eq!(config, DeviceConfig::default(), "{}", spec.name);
        }
    }

    #[test]
    fn every_default_is_accepted_as_a_registry_value_of_the_table_type() {
        let mut b = ConfigBuilder::new(MissingKeys::Report);
        for spec in KEYS {
            let joined: StdString = spec.default_items().collect::<StdVec<_>>().join("\0") + "\0\0";
            let items = spec.default_items().count();
            // Only list keys may have several default items (a one-item list is fine).
            assert!(
                items == 1 || spec.reg_type == RegType::MultiSz,
                "{}",
                spec.name
            );
            let value = match spec.reg_type {
                RegType::Dword => RegValue::Dword(parse_number(spec.default).unwrap()),
                RegType::Sz => RegValue::Sz(spec.default),
                RegType::MultiSz => RegValue::MultiSz(&joined),
            };
            assert_eq!(b.apply(spec.name, value), None, "{}", spec.name);
        }
        let (config, warnings) = finish(b);
        assert_eq!(warnings, []);
        assert_eq!(config, DeviceConfig::default());
    }

    #[test]
    fn default_config_written_as_text_is_the_table() {
        let mut text = StdString::new();
        DeviceConfig::default().write_text(&mut text).unwrap();
        let lines: StdVec<&str> = text.lines().collect();
        assert_eq!(lines.len(), KEYS.len());
        for (line, spec) in lines.iter().zip(KEYS) {
            let (name, value) = line.split_once(" = ").unwrap();
            assert_eq!(name, spec.name);
            assert_eq!(unquote(value), spec.default);
        }
        assert_eq!(parse(&text), (DeviceConfig::default(), vec![]));
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let d = DeviceConfig::default();
        assert_eq!(d.cables(), 1);
        assert_eq!(d.channels(), Channels::STEREO);
        assert_eq!(hz_list(d.rates()), [48_000]);
        assert_eq!(d.default_rate().hz(), 48_000);
        assert_eq!(d.sample_types().len(), 5);
        assert_eq!(d.period_us(), 10_000);
        assert_eq!(d.cable_name(0).as_deref(), Some("Cadenza Cable 1"));
        assert_eq!(d.tone_hz(), 440);
        assert_eq!(d.default_format(), Format::DEFAULT);
        check_invariants(&d, true);
    }

    #[test]
    fn inf_flags_and_codes_are_the_windows_ones() {
        assert_eq!(RegType::Dword.inf_addreg_flags(), 0x0001_0001);
        assert_eq!(RegType::MultiSz.inf_addreg_flags(), 0x0001_0000);
        assert_eq!(RegType::Sz.inf_addreg_flags(), 0);
        for t in [RegType::Sz, RegType::Dword, RegType::MultiSz] {
            assert_eq!(reg_type_code_name(t.code()), Some(t.name()));
        }
    }

    // ---- registry: missing, unknown, case ----------------------------------------------

    #[test]
    fn registry_reports_each_missing_key_once_and_defaults_it() {
        let mut b = ConfigBuilder::new(MissingKeys::Report);
        assert_eq!(b.apply("Cables", RegValue::Dword(3)), None);
        let (config, warnings) = finish(b);
        let missing: StdVec<KeyId> = warnings
            .iter()
            .filter(|w| w.problem == Problem::Missing)
            .filter_map(|w| w.key)
            .collect();
        let expected: StdVec<KeyId> = KeyId::ALL
            .into_iter()
            .filter(|&k| k != KeyId::Cables)
            .collect();
        assert_eq!(missing, expected);
        assert_eq!(warnings.len(), expected.len());
        assert_eq!(config.cables(), 3);
        assert_eq!(
            format!("{}", warnings[0]),
            "Channels: not set; using the default 2"
        );
    }

    #[test]
    fn text_form_does_not_report_missing_keys() {
        assert_eq!(parse(""), (DeviceConfig::default(), vec![]));
    }

    #[test]
    fn key_names_are_case_insensitive() {
        for name in ["cables", "CABLES", "cAbLeS"] {
            let (w, c) = apply_one(name, RegValue::Dword(4));
            assert_eq!(w, None);
            assert_eq!(c.cables(), 4);
        }
        let (w, c) = apply_one("SAMPLETYPES", RegValue::MultiSz("Int16\0"));
        assert_eq!(w, None);
        assert_eq!(
            c.sample_types().iter().collect::<StdVec<_>>(),
            [SampleType::Int16]
        );
        let (c, w) = parse("periodus = 2000\nCABLENAME = x");
        assert_eq!(w, []);
        assert_eq!(c.period_us(), 2_000);
        assert_eq!(c.cable_name_template(), "x");
    }

    #[test]
    fn unknown_keys_warn_and_change_nothing() {
        let (w, c) = apply_one("Chanels", RegValue::Dword(4));
        assert_eq!(
            w,
            Some(ConfigWarning {
                key: None,
                line: None,
                problem: Problem::UnknownKey {
                    name: Excerpt::new("Chanels")
                },
            })
        );
        assert_eq!(c, DeviceConfig::default());
        assert_eq!(format!("{}", w.unwrap()), "unknown key \"Chanels\" ignored");
        // A key name is whole: no prefix or trailing-space matching.
        assert!(apply_one("Cable", RegValue::Dword(2)).0.is_some());
        assert!(apply_one("Cables ", RegValue::Dword(2)).0.is_some());
        assert!(apply_one("", RegValue::Dword(2)).0.is_some());
    }

    #[test]
    fn unknown_key_names_are_cut_short_and_escaped_in_messages() {
        let long = "x".repeat(100);
        let (w, _) = apply_one(&long, RegValue::Dword(0));
        let msg = format!("{}", w.unwrap());
        assert_eq!(
            msg,
            format!("unknown key \"{}...\" ignored", "x".repeat(32))
        );
        let (w, _) = apply_one("a\nb\u{202E}", RegValue::Dword(0));
        let msg = format!("{}", w.unwrap());
        assert!(!msg.contains('\n') && !msg.contains('\u{202E}'), "{msg}");
        assert!(msg.contains("a\\nb"), "{msg}");
    }

    #[test]
    fn wrong_types_name_what_was_expected_and_found() {
        let (w, _) = apply_one("Cables", RegValue::Sz("2"));
        let w = w.unwrap();
        assert_eq!(w.problem, Problem::WrongType { found: 1 });
        assert_eq!(
            format!("{w}"),
            "Cables: is REG_SZ, expected REG_DWORD; using the default 1"
        );
        let (w, _) = apply_one("Cables", RegValue::Other { reg_type: 4 });
        assert_eq!(
            format!("{}", w.unwrap()),
            "Cables: malformed REG_DWORD value; using the default 1"
        );
        let (w, _) = apply_one("CableName", RegValue::Other { reg_type: 0xDEAD });
        assert_eq!(
            format!("{}", w.unwrap()),
            "CableName: has registry type 57005, expected REG_SZ; using the default Cadenza Cable {n}"
        );
        let (w, _) = apply_one("SampleRates", RegValue::Other { reg_type: 2 });
        assert_eq!(
            format!("{}", w.unwrap()),
            "SampleRates: is REG_EXPAND_SZ, expected REG_MULTI_SZ; using the default 48000"
        );
    }

    // ---- each key -------------------------------------------------------------------------

    #[test]
    fn cables() {
        for n in 1..=8 {
            let (w, c) = apply_one("Cables", RegValue::Dword(n));
            assert_eq!((w, u32::from(c.cables())), (None, n));
        }
        let good = RegValue::Dword(2);
        for n in [0, 9, u32::MAX] {
            let range = Problem::OutOfRange {
                value: n,
                min: 1,
                max: 8,
            };
            assert_rejected(KeyId::Cables, good, RegValue::Dword(n), range);
        }
        let wrong = Problem::WrongType { found: 7 };
        assert_rejected(KeyId::Cables, good, RegValue::MultiSz("2"), wrong);
    }

    #[test]
    fn channels() {
        for n in [1, 2, 16] {
            let (w, c) = apply_one("Channels", RegValue::Dword(n));
            assert_eq!((w, u32::from(c.channels().get())), (None, n));
        }
        let good = RegValue::Dword(6);
        for n in [0, 17, 0x1_0002] {
            let range = Problem::OutOfRange {
                value: n,
                min: 1,
                max: 16,
            };
            assert_rejected(KeyId::Channels, good, RegValue::Dword(n), range);
        }
        let wrong = Problem::WrongType { found: 1 };
        assert_rejected(KeyId::Channels, good, RegValue::Sz("6"), wrong);
    }

    #[test]
    fn sample_rates() {
        let cases: [(&str, &[u32]); 5] = [
            ("48000", &[48_000]),
            ("48000\0\0", &[48_000]),
            ("\0 384000 \0 8000\0\0", &[8_000, 384_000]),
            ("0xBB80\0", &[48_000]),
            ("44100\x0044100\0", &[44_100]),
        ];
        for (value, expected) in cases {
            let (w, c) = apply_one("SampleRates", RegValue::MultiSz(value));
            assert_eq!(w, None, "{value:?}");
            assert_eq!(hz_list(c.rates()), expected, "{value:?}");
        }
        let good = RegValue::MultiSz("44100\x0048000\0");
        let bad = |text: &str| Problem::NotANumber {
            text: Excerpt::new(text),
        };
        let k = KeyId::SampleRates;
        assert_rejected(k, good, RegValue::MultiSz("48000\0fast"), bad("fast"));
        assert_rejected(k, good, RegValue::MultiSz("+48000"), bad("+48000"));
        assert_rejected(k, good, RegValue::MultiSz("48 000"), bad("48 000"));
        assert_rejected(k, good, RegValue::MultiSz("4294967296"), bad("4294967296"));
        assert_rejected(k, good, RegValue::MultiSz("0x"), bad("0x"));
        let unsupported = |value| Problem::UnsupportedRate { value };
        assert_rejected(
            k,
            good,
            RegValue::MultiSz("48000\x0044101"),
            unsupported(44_101),
        );
        assert_rejected(k, good, RegValue::MultiSz("88200"), unsupported(88_200));
        assert_rejected(k, good, RegValue::MultiSz("0"), unsupported(0));
        assert_rejected(k, good, RegValue::MultiSz(""), Problem::Empty);
        assert_rejected(k, good, RegValue::MultiSz("\0 \0\0"), Problem::Empty);
        let wrong = Problem::WrongType { found: 4 };
        assert_rejected(k, good, RegValue::Dword(48_000), wrong);
    }

    #[test]
    fn default_sample_rate() {
        for hz in SampleRate::STANDARD {
            let (w, c) = apply_one("DefaultSampleRate", RegValue::Dword(hz));
            assert_eq!((w, c.default_rate().hz()), (None, hz));
        }
        let good = RegValue::Dword(96_000);
        let k = KeyId::DefaultSampleRate;
        for hz in [0, 7_999, 47_999, 88_200, 384_001] {
            let p = Problem::UnsupportedRate { value: hz };
            assert_rejected(k, good, RegValue::Dword(hz), p);
        }
        assert_rejected(
            k,
            good,
            RegValue::Sz("44100"),
            Problem::WrongType { found: 1 },
        );
    }

    #[test]
    fn sample_types() {
        let (w, c) = apply_one("SampleTypes", RegValue::MultiSz("int16\0FLOAT32\0\0"));
        assert_eq!(w, None);
        assert_eq!(
            c.sample_types().iter().collect::<StdVec<_>>(),
            [SampleType::Float32, SampleType::Int16]
        );
        assert_eq!(c.sample_types().preferred(), Some(SampleType::Float32));
        let good = RegValue::MultiSz("int24");
        let k = KeyId::SampleTypes;
        let unknown = |text: &str| Problem::UnknownSampleType {
            text: Excerpt::new(text),
        };
        assert_rejected(k, good, RegValue::MultiSz("int16\0int8"), unknown("int8"));
        assert_rejected(
            k,
            good,
            RegValue::MultiSz("int16,int32"),
            unknown("int16,int32"),
        );
        assert_rejected(k, good, RegValue::MultiSz("\0"), Problem::Empty);
        assert_rejected(
            k,
            good,
            RegValue::Sz("int16"),
            Problem::WrongType { found: 1 },
        );
    }

    #[test]
    fn sample_types_choose_the_default_format() {
        let (_, c) = apply_one("SampleTypes", RegValue::MultiSz("int16\0int24"));
        assert_eq!(c.default_format().sample(), SampleType::Int24);
        let (_, c) = apply_one("Channels", RegValue::Dword(8));
        assert_eq!(c.default_format().channels().get(), 8);
    }

    #[test]
    fn period() {
        for us in [1_000, 2_667, 100_000] {
            let (w, c) = apply_one("PeriodUs", RegValue::Dword(us));
            assert_eq!((w, c.period_us()), (None, us));
        }
        let good = RegValue::Dword(5_000);
        for us in [0, 999, 100_001] {
            let p = Problem::OutOfRange {
                value: us,
                min: 1_000,
                max: 100_000,
            };
            assert_rejected(KeyId::PeriodUs, good, RegValue::Dword(us), p);
        }
    }

    #[test]
    fn period_in_frames_fits_the_buffer_limits() {
        use crate::geometry::BufferLimits;
        let rate = |hz| SampleRate::new(hz).unwrap();
        let (_, shortest) = apply_one("PeriodUs", RegValue::Dword(PERIOD_US_MIN));
        let (_, longest) = apply_one("PeriodUs", RegValue::Dword(PERIOD_US_MAX));
        let fewest = shortest.period_frames(rate(SampleRate::MIN));
        let most = longest.period_frames(rate(SampleRate::MAX));
        assert_eq!((fewest, most), (8, 38_400));
        assert!(fewest >= BufferLimits::DEFAULT.min_packet_frames);
        // Two packets of the widest frame (16 channels × 4 bytes).
        assert!(2 * most * 64 <= BufferLimits::DEFAULT.max_bytes);
        assert_eq!(DeviceConfig::default().period_frames(rate(44_100)), 441);
    }

    #[test]
    fn cable_names() {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        assert_eq!(
            b.apply("CableName", RegValue::Sz("  Studio {n} / {N}  \0junk")),
            None
        );
        assert_eq!(b.apply("Cables", RegValue::Dword(3)), None);
        let c = b.config;
        assert_eq!(c.cable_name_template(), "Studio {n} / {N}");
        let names: StdVec<_> = (0..4).map(|i| c.cable_name(i)).collect();
        assert_eq!(names[0].as_deref(), Some("Studio 1 / 1"));
        assert_eq!(names[2].as_deref(), Some("Studio 3 / 3"));
        assert_eq!(names[3], None);

        let (_, one) = apply_one("CableName", RegValue::Sz("Kabel für Musik"));
        assert_eq!(one.cable_name(0).as_deref(), Some("Kabel für Musik"));
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        b.apply("CableName", RegValue::Sz("Mix"));
        b.apply("Cables", RegValue::Dword(2));
        assert_eq!(b.config.cable_name(1).as_deref(), Some("Mix 2"));
    }

    #[test]
    fn cable_name_length_counts_utf16_units_once_numbered() {
        let ok = |s: &str| apply_one("CableName", RegValue::Sz(s)).0.is_none();
        // Without {n} two units are kept for " N".
        assert!(ok(&"a".repeat(29)));
        assert!(!ok(&"a".repeat(30)));
        // {n} counts as its one digit.
        assert!(ok(&format!("{}{{n}}", "a".repeat(30))));
        assert!(!ok(&format!("{}{{n}}", "a".repeat(31))));
        // Three-byte characters are one unit each; the byte capacity still holds them.
        assert!(ok(&"€".repeat(29)));
        assert!(ok(&format!("{}{{n}}", "€".repeat(30))));
        // A four-byte character is two units.
        assert!(ok(&format!("{}a", "🎵".repeat(14))));
        assert!(!ok(&format!("{}ab", "🎵".repeat(14))));
        assert!(!ok(&"🎵".repeat(15)));
        let good = RegValue::Sz("ok");
        let long = "a".repeat(100);
        assert_rejected(
            KeyId::CableName,
            good,
            RegValue::Sz(&long),
            Problem::TooLong { max: 31 },
        );
    }

    #[test]
    fn cable_name_refuses_unsafe_text() {
        let good = RegValue::Sz("ok");
        let k = KeyId::CableName;
        assert_rejected(k, good, RegValue::Sz(""), Problem::Empty);
        assert_rejected(k, good, RegValue::Sz(" \t "), Problem::Empty);
        assert_rejected(k, good, RegValue::Sz("\0Cable"), Problem::Empty);
        for ch in [
            '%', '"', '{', '}', '\t', '\u{7F}', '\u{202E}', '\u{200B}', '\u{FEFF}',
        ] {
            let name = format!("Cable{ch}x");
            assert_rejected(k, good, RegValue::Sz(&name), Problem::BadCharacter { ch });
        }
        assert_rejected(
            k,
            good,
            RegValue::Sz("Cable {x}"),
            Problem::BadCharacter { ch: '{' },
        );
        assert_rejected(
            k,
            good,
            RegValue::Sz("{n"),
            Problem::BadCharacter { ch: '{' },
        );
        assert_rejected(k, good, RegValue::Dword(1), Problem::WrongType { found: 4 });
        let (w, _) = apply_one("CableName", RegValue::Sz("50%"));
        assert_eq!(
            format!("{}", w.unwrap()),
            "CableName: may not contain '%'; using the default Cadenza Cable {n}"
        );
    }

    #[test]
    fn tone() {
        for hz in [20, 440, 20_000] {
            let (w, c) = apply_one("ToneHz", RegValue::Dword(hz));
            assert_eq!((w, c.tone_hz()), (None, hz));
        }
        let good = RegValue::Dword(1_000);
        for hz in [0, 19, 20_001] {
            let p = Problem::OutOfRange {
                value: hz,
                min: 20,
                max: 20_000,
            };
            assert_rejected(KeyId::ToneHz, good, RegValue::Dword(hz), p);
        }
    }

    // ---- cross-field checks ---------------------------------------------------------------

    #[test]
    fn default_rate_not_offered_becomes_the_nearest_offered_rate() {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        b.apply("SampleRates", RegValue::MultiSz("44100\x00192000"));
        b.apply("DefaultSampleRate", RegValue::Dword(96_000));
        let (c, w) = finish(b);
        assert_eq!(c.default_rate().hz(), 44_100);
        assert_eq!(
            w,
            [ConfigWarning::new(
                KeyId::DefaultSampleRate,
                Problem::DefaultRateNotOffered {
                    given: 96_000,
                    used: 44_100
                }
            )]
        );
        assert_eq!(
            format!("{}", w[0]),
            "DefaultSampleRate: 96000 is not in SampleRates; using 44100"
        );
        // Only SampleRates given: the default 48 kHz is not offered either.
        let (c, w) = parse("SampleRates = 32000, 96000");
        assert_eq!(c.default_rate().hz(), 32_000);
        assert_eq!(w.len(), 1);
        check_invariants(&c, true);
    }

    #[test]
    fn nearest_rate_prefers_the_higher_on_a_tie() {
        assert_eq!(
            rates(&[32_000, 96_000]).nearest(64_000).map(SampleRate::hz),
            Some(96_000)
        );
        assert_eq!(
            rates(&[32_000, 96_000]).nearest(63_999).map(SampleRate::hz),
            Some(32_000)
        );
        assert_eq!(RateSet::EMPTY.nearest(48_000), None);
    }

    #[test]
    fn tone_must_be_below_half_the_lowest_rate() {
        let (c, w) = parse("SampleRates = 8000, 48000\nDefaultSampleRate = 48000\nToneHz = 4000");
        assert_eq!(c.tone_hz(), 440);
        assert_eq!(
            w.iter().map(|w| format!("{w}")).collect::<StdVec<_>>(),
            [
                "ToneHz: 4000 Hz is not below half of the lowest rate (8000 Hz); using the default 440"
            ]
        );
        let (c, w) = parse("SampleRates = 8000, 48000\nToneHz = 3999");
        assert_eq!((c.tone_hz(), w), (3_999, vec![]));
    }

    // ---- text form -------------------------------------------------------------------------

    #[test]
    fn text_reads_comments_hex_quotes_and_lists() {
        let text = "\
; comment
# another comment

   Cables=0x3   ; hex, no spaces needed
Channels = 0X10
SampleRates = \"48000\", 96000 ,192000
SampleTypes = int16
CableName = \"Room; 2 {n}\"   ; a quoted ';' is part of the name
ToneHz = \"1000\"\r
PeriodUs = 2500
";
        let (c, w) = parse(text);
        assert_eq!(w, []);
        assert_eq!(c.cables(), 3);
        assert_eq!(c.channels().get(), 16);
        assert_eq!(hz_list(c.rates()), [48_000, 96_000, 192_000]);
        assert_eq!(
            c.sample_types().iter().collect::<StdVec<_>>(),
            [SampleType::Int16]
        );
        assert_eq!(c.cable_name(1).as_deref(), Some("Room; 2 2"));
        assert_eq!(c.tone_hz(), 1_000);
        assert_eq!(c.period_us(), 2_500);
    }

    #[test]
    fn text_bare_names_keep_hashes_and_commas() {
        let (c, w) = parse("CableName = Mix #1, left");
        assert_eq!(w, []);
        assert_eq!(c.cable_name_template(), "Mix #1, left");
    }

    #[test]
    fn text_garbage_lines_are_reported_with_their_line_and_skipped() {
        let text =
            "Cables = 2\njust words\n= 5\nCableName = \"open\nCableName = \"a\" b\nChannels = 4";
        let (c, w) = parse(text);
        let syntax = |line, why| ConfigWarning {
            key: None,
            line: Some(line),
            problem: Problem::Syntax { why },
        };
        assert_eq!(
            w,
            [
                syntax(2, SyntaxError::NoEquals),
                syntax(3, SyntaxError::NoKey),
                syntax(4, SyntaxError::BadQuotes),
                syntax(5, SyntaxError::BadQuotes),
            ]
        );
        assert_eq!((c.cables(), c.channels().get()), (2, 4));
        assert_eq!(
            format!("{}", w[0]),
            "line 2: not a `Key = value` line (no '='); ignored"
        );
    }

    #[test]
    fn text_bad_values_warn_with_line_and_default() {
        let (c, w) = parse("\nCables = two\nChannels = 99\nSampleTypes = int16, pcm8\nBogus = 1");
        assert_eq!(c, DeviceConfig::default());
        let msgs: StdVec<StdString> = w.iter().map(|w| format!("{w}")).collect();
        assert_eq!(
            msgs,
            [
                "line 2: Cables: \"two\" is not a number; using the default 1",
                "line 3: Channels: 99 is out of range 1..=16; using the default 2",
                "line 4: SampleTypes: \"pcm8\" is not a sample type (float32, int32, int24in32, \
                 int24, int16); using the default float32, int32, int24in32, int24, int16",
                "line 5: unknown key \"Bogus\" ignored",
            ]
        );
        let (_, w) = parse("Cables = 1.5\nCables = -1\nCables = 99999999999\nCables =");
        assert_eq!(w.len(), 4 + 3, "three Repeated plus four NotANumber: {w:?}");
        assert!(w.iter().all(|w| w.key == Some(KeyId::Cables)));
    }

    #[test]
    fn text_repeated_key_warns_and_the_last_wins() {
        let (c, w) = parse("Cables = 2\ncables = 5");
        assert_eq!(c.cables(), 5);
        assert_eq!(
            w,
            [ConfigWarning {
                key: Some(KeyId::Cables),
                line: Some(2),
                problem: Problem::Repeated
            }]
        );
        // A bad last value means the default, not the earlier good value.
        let (c, w) = parse("Cables = 2\nCables = 0");
        assert_eq!(c.cables(), 1);
        assert_eq!(w.len(), 2);
        let (c, _) = parse("Cables = 2\nCables = x");
        assert_eq!(c.cables(), 1);
    }

    #[test]
    fn text_list_too_long_to_read_is_reported() {
        let list = vec!["48000"; 100].join(", ");
        let (c, w) = parse(&format!("SampleRates = 96000\nSampleRates = {list}"));
        assert_eq!(c.rates(), DEFAULT_RATES);
        assert_eq!(
            w.last().map(|w| &w.problem),
            Some(&Problem::TooLong { max: 256 })
        );
    }

    #[test]
    fn number_syntax() {
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("4294967295"), Some(u32::MAX));
        assert_eq!(parse_number("0xffffFFFF"), Some(u32::MAX));
        assert_eq!(parse_number("0X1f"), Some(31));
        for bad in [
            "",
            "0x",
            "4294967296",
            "0x100000000",
            "+1",
            "-1",
            "0x+1",
            "1 ",
            "1e3",
            "٣",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    // ---- properties ------------------------------------------------------------------------

    /// A registry value with owned text, for strategies.
    #[derive(Clone, Debug)]
    enum Owned {
        Dword(u32),
        Sz(StdString),
        MultiSz(StdString),
        Other(u32),
    }

    impl Owned {
        fn borrow(&self) -> RegValue<'_> {
            match self {
                Owned::Dword(n) => RegValue::Dword(*n),
                Owned::Sz(s) => RegValue::Sz(s),
                Owned::MultiSz(s) => RegValue::MultiSz(s),
                Owned::Other(t) => RegValue::Other { reg_type: *t },
            }
        }
    }

    fn any_text() -> impl Strategy<Value = StdString> {
        prop_oneof![
            any::<StdString>(),
            "[0-9a-zA-Z{}%\" \0,;#€🎵x\u{202E}]{0,40}",
            prop::collection::vec(
                prop_oneof![
                    prop::sample::select(SampleRate::STANDARD.to_vec()).prop_map(|r| r.to_string()),
                    prop::sample::select(SampleType::ALL.to_vec()).prop_map(|t| t.name().into()),
                    any::<u32>().prop_map(|n| n.to_string()),
                ],
                0..6
            )
            .prop_map(|v| v.join("\0")),
        ]
    }

    fn any_value() -> impl Strategy<Value = Owned> {
        prop_oneof![
            prop_oneof![0u32..30, 0u32..400_000, any::<u32>()].prop_map(Owned::Dword),
            any_text().prop_map(Owned::Sz),
            any_text().prop_map(Owned::MultiSz),
            any::<u32>().prop_map(Owned::Other),
        ]
    }

    /// Key names in random case, and anything else.
    fn any_name() -> impl Strategy<Value = StdString> {
        prop_oneof![
            3 => (prop::sample::select(KeyId::ALL.to_vec()), any::<u64>()).prop_map(|(k, mask)| {
                k.name()
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if mask >> (i % 64) & 1 == 1 { c.to_ascii_lowercase() } else { c })
                    .collect()
            }),
            1 => any::<StdString>(),
        ]
    }

    /// A value the key accepts (possibly corrected later by the cross-field checks).
    fn valid_value(key: KeyId) -> BoxedStrategy<Owned> {
        let standard = SampleRate::STANDARD.to_vec();
        match key {
            KeyId::Cables => (1u32..=8).prop_map(Owned::Dword).boxed(),
            KeyId::Channels => (1u32..=16).prop_map(Owned::Dword).boxed(),
            KeyId::SampleRates => prop::sample::subsequence(standard, 1..=10)
                .prop_map(|v| {
                    Owned::MultiSz(
                        v.iter()
                            .map(u32::to_string)
                            .collect::<StdVec<_>>()
                            .join("\0"),
                    )
                })
                .boxed(),
            KeyId::DefaultSampleRate => prop::sample::select(standard)
                .prop_map(Owned::Dword)
                .boxed(),
            KeyId::SampleTypes => prop::sample::subsequence(SampleType::ALL.to_vec(), 1..=5)
                .prop_map(|v| {
                    Owned::MultiSz(v.iter().map(|t| t.name()).collect::<StdVec<_>>().join("\0"))
                })
                .boxed(),
            KeyId::PeriodUs => (PERIOD_US_MIN..=PERIOD_US_MAX)
                .prop_map(Owned::Dword)
                .boxed(),
            KeyId::CableName => "[A-Za-z0-9 ;#,€-]{0,12}[A-Za-z0-9€]( \\{n\\})?"
                .prop_map(Owned::Sz)
                .boxed(),
            KeyId::ToneHz => (TONE_HZ_MIN..=TONE_HZ_MAX).prop_map(Owned::Dword).boxed(),
        }
    }

    fn valid_assignments() -> impl Strategy<Value = StdVec<(KeyId, Owned)>> {
        prop::sample::subsequence(KeyId::ALL.to_vec(), 0..=8).prop_flat_map(|keys| {
            keys.into_iter()
                .map(|k| valid_value(k).prop_map(move |v| (k, v)))
                .collect::<StdVec<_>>()
        })
    }

    proptest! {
        #[test]
        fn apply_never_panics_and_keeps_invariants(
            values in prop::collection::vec((any_name(), any_value()), 0..12)
        ) {
            let mut b = ConfigBuilder::new(MissingKeys::Report);
            for (name, value) in &values {
                if let Some(w) = b.apply(name, value.borrow()) {
                    let msg = format!("{w}");
                    prop_assert!(!msg.contains('\n'), "{}", msg);
                }
                check_invariants(&b.config, false);
            }
            let (c, warnings) = finish(b);
            check_invariants(&c, true);
            for w in warnings {
                let msg = format!("{w}");
                prop_assert!(!msg.contains('\n'), "{}", msg);
            }
        }

        #[test]
        fn parse_text_never_panics_on_any_text(text in any::<StdString>()) {
            let (c, _) = parse(&text);
            check_invariants(&c, true);
        }

        #[test]
        fn parse_text_never_panics_on_near_miss_lines(
            lines in prop::collection::vec((any_name(), "[ =\"';#,]{0,3}", any_text()), 0..10)
        ) {
            let text: StdVec<StdString> =
                lines.iter().map(|(k, sep, v)| format!("{k}{sep}={v}")).collect();
            let (c, warnings) = parse(&text.join("\n"));
            check_invariants(&c, true);
            for w in warnings {
                let msg = format!("{w}");
                prop_assert!(!msg.contains('\n'), "{}", msg);
            }
        }

        #[test]
        fn keys_not_given_keep_their_defaults(assignments in valid_assignments()) {
            let mut b = ConfigBuilder::new(MissingKeys::Ignore);
            for (key, value) in &assignments {
                prop_assert_eq!(b.apply(key.name(), value.borrow()), None);
            }
            let (c, warnings) = finish(b);
            let default = DeviceConfig::default();
            for key in KeyId::ALL {
                let given = assignments.iter().any(|(k, _)| *k == key);
                let corrected = warnings.iter().any(|w| w.key == Some(key));
                if !given && !corrected {
                    prop_assert_eq!(field(&c, key), field(&default, key), "{}", key);
                }
            }
            // Only the cross-field checks may warn about valid values.
            for w in &warnings {
                let cross_field = matches!(
                    w.problem,
                    Problem::DefaultRateNotOffered { .. } | Problem::ToneAboveNyquist { .. }
                );
                prop_assert!(cross_field, "{:?}", w);
            }
        }

        #[test]
        fn written_text_reads_back_to_the_same_config(assignments in valid_assignments()) {
            let mut b = ConfigBuilder::new(MissingKeys::Ignore);
            for (key, value) in &assignments {
                b.apply(key.name(), value.borrow());
            }
            let (c, _) = finish(b);
            let mut text = StdString::new();
            c.write_text(&mut text).unwrap();
            let (back, warnings) = parse(&text);
            prop_assert_eq!(warnings, vec![]);
            prop_assert_eq!(back, c);
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
