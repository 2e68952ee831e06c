//! The device configuration every simulated framework runs with, read the way the drivers read
//! it, and the one explanation of why a configuration refuses a stream format.
//!
//! The drivers read `HKR\Parameters` at start: for every key of
//! [`KeyId::ALL`](cadenza_engine::config::KeyId::ALL) they query the raw registry value,
//! decode it with [`decode_registry_data`] and feed it to a [`ConfigBuilder`]
//! (`compat-portcls/src/windows.rs`, `driver/acx/sys/src/windows/registry.rs`). The simulator
//! does the same: a `--config` text file (or nothing, for the defaults) is first written into
//! a simulated [`ParametersKey`] — the raw `REG_DWORD` / `REG_SZ` / `REG_MULTI_SZ` bytes `reg
//! add` or the INF would store — and [`ParametersKey::read_config`] then reads it back with
//! the drivers' loop. [`resolve`] is that whole path; `cadenza-sim` hands its one result to
//! the engine, PortCls and ACX drivers alike.
//!
//! [`refusal`] says which configuration keys exclude a format (and why), mirroring
//! [`PinCapabilities::supports`](cadenza_engine::format::range::PinCapabilities::supports),
//! the check every driver makes when a stream is opened; a test holds the two to each other.

use std::fmt;
use std::string::String;
use std::vec::Vec;

use cadenza_engine::config::{
    ConfigBuilder, ConfigWarning, DeviceConfig, KeyId, MAX_REGISTRY_TEXT, MissingKeys, REG_DWORD,
    REG_MULTI_SZ, REG_SZ, decode_registry_data, parse_text,
};
use cadenza_engine::format::{Format, SampleType};

/// One value of the simulated `Parameters` key: its name, registry type and raw data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryValue {
    pub name: &'static str,
    pub reg_type: u32,
    pub data: Vec<u8>,
}

/// A simulated `HKR\Parameters` key: every configuration key as raw registry data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParametersKey {
    values: Vec<RegistryValue>,
}

/// `s` as UTF-16LE, NUL-terminated (a `REG_SZ`).
fn utf16_sz(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain(core::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// `items` as a `REG_MULTI_SZ`: each NUL-terminated, then one more NUL.
fn utf16_multi_sz(items: &[String]) -> Vec<u8> {
    let mut out: Vec<u8> = items.iter().flat_map(|i| utf16_sz(i)).collect();
    out.extend_from_slice(&[0, 0]);
    out
}

impl ParametersKey {
    /// The key as it would be after writing every value of `config` to the registry (the
    /// INF's `AddReg` for the defaults, `reg add` for a change).
    pub fn from_config(config: &DeviceConfig) -> ParametersKey {
        let dword = |n: u32| (REG_DWORD, n.to_le_bytes().to_vec());
        let values = KeyId::ALL
            .into_iter()
            .map(|key| {
                let (reg_type, data) = match key {
                    KeyId::Cables => dword(u32::from(config.cables())),
                    KeyId::Channels => dword(u32::from(config.channels().get())),
                    KeyId::SampleRates => {
                        let items: Vec<String> =
                            config.rates().iter().map(|r| r.hz().to_string()).collect();
                        (REG_MULTI_SZ, utf16_multi_sz(&items))
                    }
                    KeyId::DefaultSampleRate => dword(config.default_rate().hz()),
                    KeyId::SampleTypes => {
                        let items: Vec<String> = config
                            .sample_types()
                            .iter()
                            .map(|t| t.name().to_owned())
                            .collect();
                        (REG_MULTI_SZ, utf16_multi_sz(&items))
                    }
                    KeyId::PeriodUs => dword(config.period_us()),
                    KeyId::CableName => (REG_SZ, utf16_sz(config.cable_name_template())),
                    KeyId::ToneHz => dword(config.tone_hz()),
                    KeyId::DeviceKind => (REG_SZ, utf16_sz(config.device_kind().name())),
                };
                RegistryValue {
                    name: key.name(),
                    reg_type,
                    data,
                }
            })
            .collect();
        ParametersKey { values }
    }

    pub fn values(&self) -> &[RegistryValue] {
        &self.values
    }

    /// What the drivers' `read_config` does with the key: query each of
    /// [`KeyId::ALL`] (case-insensitively, as the registry does), decode it with
    /// [`decode_registry_data`], apply it to a [`ConfigBuilder`] that reports missing keys,
    /// and finish. Every problem goes to `warn`.
    pub fn read_config(&self, warn: &mut dyn FnMut(ConfigWarning)) -> DeviceConfig {
        let mut builder = ConfigBuilder::new(MissingKeys::Report);
        for key in KeyId::ALL {
            let Some(value) = self
                .values
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(key.name()))
            else {
                continue;
            };
            let mut text = heapless::String::<MAX_REGISTRY_TEXT>::new();
            let decoded = decode_registry_data(value.reg_type, &value.data, &mut text);
            if let Some(w) = builder.apply(key.name(), decoded) {
                warn(w);
            }
        }
        builder.finish(warn)
    }
}

/// A configuration that did not survive the trip through the registry unchanged (a bug in
/// the simulator or the engine's decoding, never a user error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundTripError {
    pub written: DeviceConfig,
    pub read: DeviceConfig,
    pub warnings: Vec<String>,
}

impl fmt::Display for RoundTripError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the configuration read back from the simulated registry differs from the one written \
             ({:?} became {:?}; warnings: {})",
            self.written,
            self.read,
            self.warnings.join("; ")
        )
    }
}

impl std::error::Error for RoundTripError {}

/// The configuration a driver started with `text` in its registry would run with: `text`
/// (the simulator's `Key = value` form, see [`parse_text`]; `None` for the INF's defaults)
/// is parsed — its problems go to `warn`, each key falling back to its default as in the
/// driver — written into a [`ParametersKey`] and read back by the drivers' own path
/// ([`ParametersKey::read_config`]).
pub fn resolve(
    text: Option<&str>,
    warn: &mut dyn FnMut(ConfigWarning),
) -> Result<DeviceConfig, Box<RoundTripError>> {
    let written = match text {
        Some(text) => parse_text(text, warn),
        None => DeviceConfig::default(),
    };
    let mut warnings = Vec::new();
    let read =
        ParametersKey::from_config(&written).read_config(&mut |w| warnings.push(w.to_string()));
    if read == written && warnings.is_empty() {
        Ok(read)
    } else {
        Err(Box::new(RoundTripError {
            written,
            read,
            warnings,
        }))
    }
}

/// One configuration key that excludes a format, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    pub key: KeyId,
    pub why: String,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.key, self.why)
    }
}

/// A format the configuration does not allow, with every key that excludes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub format: Format,
    pub exclusions: Vec<Exclusion>,
}

/// `format` for people: `44100 Hz, 2 channels, int16`.
pub fn describe_format(format: &Format) -> String {
    let channels = format.channels().get();
    format!(
        "{} Hz, {channels} channel{}, {}",
        format.rate().hz(),
        if channels == 1 { "" } else { "s" },
        format.sample().name()
    )
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "format {} is not allowed by the configuration: ",
            describe_format(&self.format)
        )?;
        for (i, e) in self.exclusions.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Why `config` refuses `format`, or `None` if a driver configured with it accepts the format.
/// Every key that excludes the format is named (the same three conditions a pin's
/// capabilities check: the sample type offered, at most the configured channels, the rate
/// offered).
pub fn refusal(config: &DeviceConfig, format: &Format) -> Option<Refusal> {
    let mut exclusions = Vec::new();
    let rate = format.rate();
    if !config.rates().contains(rate) {
        let offered: Vec<String> = config.rates().iter().map(|r| r.hz().to_string()).collect();
        exclusions.push(Exclusion {
            key: KeyId::SampleRates,
            why: format!("= {} does not include {} Hz", offered.join(", "), rate.hz()),
        });
    }
    let channels = format.channels();
    if channels > config.channels() {
        exclusions.push(Exclusion {
            key: KeyId::Channels,
            why: format!(
                "= {} allows at most {} channels, not {}",
                config.channels().get(),
                config.channels().get(),
                channels.get()
            ),
        });
    }
    let sample = format.sample();
    if !config.sample_types().contains(sample) {
        let offered: Vec<&str> = config.sample_types().iter().map(SampleType::name).collect();
        exclusions.push(Exclusion {
            key: KeyId::SampleTypes,
            why: format!(
                "= {} does not include {}",
                offered.join(", "),
                sample.name()
            ),
        });
    }
    if exclusions.is_empty() {
        None
    } else {
        Some(Refusal {
            format: *format,
            exclusions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate};

    fn config(text: &str) -> DeviceConfig {
        parse_text(text, &mut |w| panic!("{w}"))
    }

    fn configs() -> Vec<DeviceConfig> {
        vec![
            DeviceConfig::default(),
            config("Channels = 8\nSampleRates = 48000, 96000\nDefaultSampleRate = 96000\n"),
            config(
                "Channels = 1\nSampleRates = 8000\nDefaultSampleRate = 8000\nSampleTypes = int16\nToneHz = 1000\n",
            ),
            config(
                "Channels = 16\nSampleTypes = int24, float32\nSampleRates = 44100, 384000\nDefaultSampleRate = 44100\n",
            ),
        ]
    }

    /// The promise: the explanation cadenza-sim prints agrees exactly with what the drivers
    /// accept — a format is explained as refused if and only if the pins refuse it.
    #[test]
    fn a_refusal_is_explained_exactly_when_the_pins_refuse_the_format() {
        for c in configs() {
            let caps = c.pin_capabilities().unwrap();
            for &hz in &SampleRate::STANDARD {
                for ch in Channels::MIN..=Channels::MAX {
                    for t in SampleType::ALL {
                        let f = Format::new(
                            t,
                            Channels::new(u16::from(ch)).unwrap(),
                            SampleRate::new(hz).unwrap(),
                        );
                        assert_eq!(
                            refusal(&c, &f).is_none(),
                            caps.supports(&f).is_ok(),
                            "{c:?} {f:?}"
                        );
                    }
                }
            }
        }
    }

    /// The promise: a refused format's message names the format and each key that excludes it.
    #[test]
    fn a_refusal_names_the_format_and_every_key_that_excludes_it() {
        let c = config("Channels = 2\nSampleRates = 48000\nSampleTypes = float32\n");
        let f = Format::new(
            SampleType::Int16,
            Channels::new(8).unwrap(),
            SampleRate::new(44_100).unwrap(),
        );
        let text = refusal(&c, &f).unwrap().to_string();
        assert!(text.contains("44100 Hz, 8 channels, int16"), "{text}");
        assert!(
            text.contains("SampleRates = 48000 does not include 44100 Hz"),
            "{text}"
        );
        assert!(
            text.contains("Channels = 2 allows at most 2 channels, not 8"),
            "{text}"
        );
        assert!(
            text.contains("SampleTypes = float32 does not include int16"),
            "{text}"
        );
        let only_rate = Format::new(
            SampleType::Float32,
            Channels::STEREO,
            SampleRate::new(96_000).unwrap(),
        );
        let r = refusal(&c, &only_rate).unwrap();
        assert_eq!(
            r.exclusions.iter().map(|e| e.key).collect::<Vec<_>>(),
            [KeyId::SampleRates]
        );
    }

    /// The promise: the simulator's configuration is what the drivers' registry path reads
    /// back — every value written as registry bytes decodes to the same configuration.
    #[test]
    fn every_configuration_survives_the_drivers_registry_path() {
        for c in configs() {
            let key = ParametersKey::from_config(&c);
            let read = key.read_config(&mut |w| panic!("{w}"));
            assert_eq!(read, c);
        }
        let named = config("CableName = \"Studio Bus {n}\"\nCables = 3\n");
        assert_eq!(
            ParametersKey::from_config(&named).read_config(&mut |w| panic!("{w}")),
            named
        );
    }

    /// The promise: a key the registry lacks is reported and defaulted, as the drivers do.
    #[test]
    fn a_missing_registry_value_is_reported_and_defaulted() {
        let mut key = ParametersKey::from_config(&config("Channels = 8\n"));
        key.values.retain(|v| v.name != "Channels");
        let mut warnings = Vec::new();
        let read = key.read_config(&mut |w| warnings.push(w.to_string()));
        assert_eq!(read.channels(), Channels::STEREO);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("Channels"), "{warnings:?}");
    }

    #[test]
    fn resolve_without_text_is_the_inf_default() {
        assert_eq!(
            resolve(None, &mut |w| panic!("{w}")).unwrap(),
            DeviceConfig::default()
        );
        let mut warnings = Vec::new();
        let c = resolve(Some("Channels = 99\n"), &mut |w| {
            warnings.push(w.to_string());
        })
        .unwrap();
        assert_eq!(c, DeviceConfig::default());
        assert_eq!(warnings.len(), 1);
    }
}
