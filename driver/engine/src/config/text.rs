//! The text form (the simulator's `--config` file; the format is described in the
//! [module docs](super)): [`parse_text`] reads it through a [`ConfigBuilder`], and
//! [`DeviceConfig::write_text`] writes it.
//!
//! Depends on every other module of [`super`]; nothing depends on it.

use core::fmt;

use heapless::String;

use crate::format::{SampleRate, SampleType};

use super::builder::{ConfigBuilder, MissingKeys};
use super::device_config::DeviceConfig;
use super::keys::{KeyId, RegType};
use super::registry::RegValue;
use super::values::parse_number;
use super::warnings::{ConfigWarning, Excerpt, Problem, SyntaxError, write_list};

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

impl DeviceConfig {
    /// Writes the configuration in the text form, one `Key = value` line per key in
    /// [`KEYS`](super::KEYS) order; [`parse_text`] reads it back to an equal configuration.
    pub fn write_text(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        for key in KeyId::ALL {
            write!(out, "{} = ", key.name())?;
            self.write_value(key, out)?;
            out.write_char('\n')?;
        }
        Ok(())
    }

    pub(super) fn write_value(&self, key: KeyId, out: &mut dyn fmt::Write) -> fmt::Result {
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
            KeyId::DeviceKind => out.write_str(self.device_kind.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_RATES;
    use crate::config::builder::tests::{any_name, any_text, apply_one, finish, valid_assignments};
    use crate::config::device_config::tests::{check_invariants, hz_list};
    use crate::config::keys::KEYS;
    use proptest::prelude::*;
    use std::string::String as StdString;
    use std::vec::Vec as StdVec;

    // ---- helpers ------------------------------------------------------------------------

    /// Runs `parse_text` and returns the configuration and every warning.
    fn parse(text: &str) -> (DeviceConfig, StdVec<ConfigWarning>) {
        let mut warnings = StdVec::new();
        let config = parse_text(text, &mut |w| warnings.push(w));
        (config, warnings)
    }

    /// The value of one key, as text: lets tests compare single fields.
    fn field(c: &DeviceConfig, key: KeyId) -> StdString {
        let mut s = StdString::new();
        c.write_value(key, &mut s).unwrap();
        s
    }

    // ---- the table ----------------------------------------------------------------------

    #[test]
    fn every_default_text_parses_to_the_default() {
        for spec in KEYS {
            let (config, warnings) = parse(&format!("{} = {}", spec.name, spec.default));
            assert_eq!(warnings, [], "{}", spec.name);
            assert_eq!(config, DeviceConfig::default(), "{}", spec.name);
        }
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

    // ---- missing keys, case ---------------------------------------------------------------

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

    // ---- properties ------------------------------------------------------------------------

    proptest! {

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
}
