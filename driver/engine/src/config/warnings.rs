//! Warnings: what was wrong with a value ([`Problem`], [`SyntaxError`]), the
//! [`ConfigWarning`] that carries it, and the one-line messages their `Display` writes.
//!
//! Depends on [`super::keys`] and [`super::registry`].

use core::fmt::{self, Write as _};

use heapless::String;

use crate::format::{SampleRate, SampleType};

use super::keys::KeyId;
use super::registry::reg_type_code_name;

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
    /// A value name that is not in [`KEYS`](super::KEYS); it is ignored.
    UnknownKey { name: Excerpt },
    /// A text line that is not `Key = value` (text form only); it is ignored.
    Syntax { why: SyntaxError },
    /// The key was given again (text form only); the last one wins (a warning of its own
    /// follows if that one is bad).
    Repeated,
    /// The key is absent (registry only, with [`MissingKeys::Report`](super::MissingKeys::Report)).
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
    /// A `DeviceKind` that is not one of [`DeviceKind::name`](super::DeviceKind::name)'s.
    UnknownDeviceKind { text: Excerpt },
    /// An empty list or name.
    Empty,
    /// A name longer than [`NAME_MAX_UNITS`](super::NAME_MAX_UNITS) once numbered, or a
    /// text-form list longer than the parser reads; `max` is that limit in characters.
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
    pub(super) const fn new(key: KeyId, problem: Problem) -> ConfigWarning {
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
            Problem::UnknownDeviceKind { text } => {
                write!(f, "{text} is not a device kind (")?;
                write_list(
                    f,
                    super::DeviceKind::ALL
                        .into_iter()
                        .map(super::DeviceKind::name),
                )?;
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

/// Writes `items` separated by `", "` (warning messages and the text form's lists).
pub(super) fn write_list<T: fmt::Display>(
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
