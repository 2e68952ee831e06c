//! The builder: [`ConfigBuilder`] takes values one at a time ([`ConfigBuilder::apply`]),
//! checks each against its key, and [`ConfigBuilder::finish`]es with the checks between keys.
//!
//! Depends on [`super::keys`], [`super::registry`], [`super::warnings`], [`super::values`]
//! and [`super::device_config`].

use crate::format::range::{RateSet, SampleTypeSet};
use crate::format::{Channels, SampleType};

use super::device_config::{DeviceConfig, DeviceKind};
use super::keys::{
    CABLES_MAX, KeyId, PERIOD_US_MAX, PERIOD_US_MIN, RegType, TONE_HZ_MAX, TONE_HZ_MIN,
};
use super::registry::RegValue;
use super::values::{check_name, parse_number, standard_rate, until_nul};
use super::warnings::{ConfigWarning, Excerpt, Problem};

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
    pub(super) config: DeviceConfig,
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
    pub(super) fn reject(&mut self, key: KeyId) {
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
            KeyId::SampleRates | KeyId::SampleTypes | KeyId::CableName | KeyId::DeviceKind => {
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
            KeyId::DeviceKind => {
                self.device_kind =
                    DeviceKind::from_name(s).ok_or_else(|| Problem::UnknownDeviceKind {
                        text: Excerpt::new(s),
                    })?;
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
            KeyId::DeviceKind => self.device_kind = d.device_kind,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::device_config::tests::{check_invariants, hz_list};
    use crate::config::keys::KEYS;
    use crate::format::SampleRate;
    use proptest::prelude::*;
    use std::string::{String as StdString, ToString};
    use std::vec::Vec as StdVec;

    // ---- helpers ------------------------------------------------------------------------

    /// Applies one value to a fresh registry builder; returns the warning and the result
    /// before cross-field checks.
    pub(crate) fn apply_one(
        name: &str,
        value: RegValue<'_>,
    ) -> (Option<ConfigWarning>, DeviceConfig) {
        let mut b = ConfigBuilder::new(MissingKeys::Ignore);
        let w = b.apply(name, value);
        (w, b.config)
    }

    pub(crate) fn finish(b: ConfigBuilder) -> (DeviceConfig, StdVec<ConfigWarning>) {
        let mut warnings = StdVec::new();
        let config = b.finish(&mut |w| warnings.push(w));
        (config, warnings)
    }

    fn rates(list: &[u32]) -> RateSet {
        RateSet::from_hz(list).unwrap()
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

    // ---- the table ----------------------------------------------------------------------

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

    // ---- properties ------------------------------------------------------------------------

    /// A registry value with owned text, for strategies.
    #[derive(Clone, Debug)]
    pub(crate) enum Owned {
        Dword(u32),
        Sz(StdString),
        MultiSz(StdString),
        Other(u32),
    }

    impl Owned {
        pub(crate) fn borrow(&self) -> RegValue<'_> {
            match self {
                Owned::Dword(n) => RegValue::Dword(*n),
                Owned::Sz(s) => RegValue::Sz(s),
                Owned::MultiSz(s) => RegValue::MultiSz(s),
                Owned::Other(t) => RegValue::Other { reg_type: *t },
            }
        }
    }

    pub(crate) fn any_text() -> impl Strategy<Value = StdString> {
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

    pub(crate) fn any_value() -> impl Strategy<Value = Owned> {
        prop_oneof![
            prop_oneof![0u32..30, 0u32..400_000, any::<u32>()].prop_map(Owned::Dword),
            any_text().prop_map(Owned::Sz),
            any_text().prop_map(Owned::MultiSz),
            any::<u32>().prop_map(Owned::Other),
        ]
    }

    /// Key names in random case, and anything else.
    pub(crate) fn any_name() -> impl Strategy<Value = StdString> {
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
    pub(crate) fn valid_value(key: KeyId) -> BoxedStrategy<Owned> {
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
            KeyId::DeviceKind => prop::sample::select(DeviceKind::ALL.to_vec())
                .prop_map(|k| Owned::Sz(k.name().into()))
                .boxed(),
        }
    }

    pub(crate) fn valid_assignments() -> impl Strategy<Value = StdVec<(KeyId, Owned)>> {
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
    }
}
