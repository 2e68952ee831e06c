//! The configuration, checked by the engine's own parser: what the drivers do with a
//! `Parameters` key ([`driver_read`]), what `config set` may write ([`prepare_set`]), what
//! `config reset` writes ([`default_values`]) and how `config show` prints values.

use std::fmt::Write as _;

use cadenza_engine::config::{
    ConfigBuilder, ConfigWarning, DeviceConfig, Excerpt, KeyId, MAX_REGISTRY_TEXT, MissingKeys,
    Problem, RegType, RegValue, decode_registry_data,
};

use crate::system::{RawValue, multi_sz_bytes, sz_bytes};

/// What the drivers do with these values at device start, step for step as their
/// `read_config` (ACX `driver/acx/sys/src/windows/registry.rs`, PortCls
/// `compat-portcls/src/windows.rs`): query each key of [`KeyId::ALL`] by name
/// (case-insensitive, as the registry), decode it with [`decode_registry_data`], apply it to a
/// [`ConfigBuilder`] that reports missing keys, and finish. Returns the configuration the
/// driver would run with and every warning it would log.
pub fn driver_read(values: &[RawValue]) -> (DeviceConfig, Vec<ConfigWarning>) {
    let mut warnings = Vec::new();
    let mut builder = ConfigBuilder::new(MissingKeys::Report);
    for key in KeyId::ALL {
        let Some(value) = find(values, key.name()) else {
            continue;
        };
        let mut text = heapless::String::<MAX_REGISTRY_TEXT>::new();
        let decoded = decode_registry_data(value.reg_type, &value.data, &mut text);
        if let Some(w) = builder.apply(key.name(), decoded) {
            warnings.push(w);
        }
    }
    let config = builder.finish(&mut |w| warnings.push(w));
    (config, warnings)
}

/// The value called `name`, compared case-insensitively as the registry does.
pub fn find<'a>(values: &'a [RawValue], name: &str) -> Option<&'a RawValue> {
    values.iter().find(|v| v.name.eq_ignore_ascii_case(name))
}

/// The line the driver logs for a warning (with `DbgPrintEx`): `configuration: ...`.
pub fn driver_line(warning: &ConfigWarning) -> String {
    format!("configuration: {warning}")
}

/// The value every key gets from the INF (and from `config reset`): [`KeyId::spec`]'s
/// default, as the registry holds it. `inf/cadenza.inx` is tested to write exactly these.
pub fn default_values() -> Vec<RawValue> {
    KeyId::ALL
        .into_iter()
        .map(|key| {
            let spec = key.spec();
            let (reg_type, data) = match spec.reg_type {
                RegType::Dword => {
                    // The key table's numeric defaults are decimal numbers (engine test
                    // `table_rows_match_key_ids_and_names_are_unique` and the INF check).
                    let n: u32 = spec.default.parse().unwrap_or_default();
                    (RegType::Dword.code(), n.to_le_bytes().to_vec())
                }
                RegType::Sz => (RegType::Sz.code(), sz_bytes(spec.default)),
                RegType::MultiSz => (
                    RegType::MultiSz.code(),
                    multi_sz_bytes(spec.default_items()),
                ),
            };
            RawValue {
                name: spec.name.to_owned(),
                reg_type,
                data,
            }
        })
        .collect()
}

/// A `config set` the parser accepts: the value to write, and the warnings the driver would
/// log about *other* keys because of it (which do not stop the write: see [`prepare_set`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub value: RawValue,
    pub side_effects: Vec<ConfigWarning>,
}

/// Checks `config set NAME TEXT` against the current values, with the driver's own parser.
///
/// The text becomes registry data of the key's type: a `REG_DWORD` from a decimal or
/// `0x`-hex number, a `REG_SZ` as given, a `REG_MULTI_SZ` from comma-separated items (each
/// trimmed; empty items dropped). Then the driver's whole read ([`driver_read`]) runs on the
/// current values with this one replaced.
///
/// Refused (`Err`, with the warnings exactly as the driver would log them): an unknown key, a
/// number that is not one, and every warning the driver would give *about this key* — a value
/// out of range, a bad name, a `DefaultSampleRate` not in `SampleRates`, a `ToneHz` not below
/// half the lowest rate.
///
/// Accepted with side effects: warnings about other keys that the change causes and that were
/// not there before (setting `SampleRates` to a list without the current
/// `DefaultSampleRate`). They are allowed, because otherwise some changes could never be made
/// one key at a time (change the rates first, then the default rate).
pub fn prepare_set(
    current: &[RawValue],
    name: &str,
    text: &str,
) -> Result<Accepted, Vec<ConfigWarning>> {
    let Some(key) = KeyId::from_name(name) else {
        return Err(vec![ConfigWarning {
            key: None,
            line: None,
            problem: Problem::UnknownKey {
                name: Excerpt::new(name),
            },
        }]);
    };
    let (reg_type, data) = match key.spec().reg_type {
        RegType::Dword => match parse_number(text) {
            Some(n) => (RegType::Dword.code(), n.to_le_bytes().to_vec()),
            None => {
                return Err(vec![ConfigWarning {
                    key: Some(key),
                    line: None,
                    problem: Problem::NotANumber {
                        text: Excerpt::new(text),
                    },
                }]);
            }
        },
        RegType::Sz => (RegType::Sz.code(), sz_bytes(text)),
        RegType::MultiSz => (
            RegType::MultiSz.code(),
            multi_sz_bytes(text.split(',').map(str::trim).filter(|i| !i.is_empty())),
        ),
    };
    let value = RawValue {
        name: key.name().to_owned(),
        reg_type,
        data,
    };
    let mut after: Vec<RawValue> = current
        .iter()
        .filter(|v| !v.name.eq_ignore_ascii_case(key.name()))
        .cloned()
        .collect();
    after.push(value.clone());
    let (_, before_warnings) = driver_read(current);
    let (_, after_warnings) = driver_read(&after);
    let (about_key, others): (Vec<_>, Vec<_>) =
        after_warnings.into_iter().partition(|w| w.key == Some(key));
    if !about_key.is_empty() {
        return Err(about_key);
    }
    let side_effects = others
        .into_iter()
        .filter(|w| !before_warnings.contains(w))
        .collect();
    Ok(Accepted {
        value,
        side_effects,
    })
}

/// A number as the registry tools and the simulator's text form take it: decimal, or hex
/// after `0x`; no sign, no spaces, 32 bits.
fn parse_number(text: &str) -> Option<u32> {
    let (digits, radix) = match text.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (&text[2..], 16),
        _ => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// A registry value for people: a number in decimal, a string as is (up to its NUL), a list
/// as its items separated by `, `; anything else by its type and size.
pub fn display_value(value: &RawValue) -> String {
    let mut text = heapless::String::<MAX_REGISTRY_TEXT>::new();
    match decode_registry_data(value.reg_type, &value.data, &mut text) {
        RegValue::Dword(n) => n.to_string(),
        RegValue::Sz(s) => s.split('\0').next().unwrap_or_default().to_owned(),
        RegValue::MultiSz(s) => s
            .split('\0')
            .filter(|i| !i.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        RegValue::Other { reg_type } => {
            format!("<{}, {} bytes>", reg_type_name(reg_type), value.data.len())
        }
    }
}

/// `REG_*` names for [`display_value`].
fn reg_type_name(code: u32) -> String {
    match code {
        0 => "REG_NONE".into(),
        1 => "REG_SZ".into(),
        2 => "REG_EXPAND_SZ".into(),
        3 => "REG_BINARY".into(),
        4 => "REG_DWORD".into(),
        7 => "REG_MULTI_SZ".into(),
        11 => "REG_QWORD".into(),
        other => format!("registry type {other}"),
    }
}

/// The endpoint names a configuration gives (what the driver sets as each pair's interface
/// friendly name at start).
pub fn endpoint_names(config: &DeviceConfig) -> Vec<String> {
    (0..config.cables())
        .filter_map(|i| config.cable_name(i))
        .map(|n| n.as_str().to_owned())
        .collect()
}

/// `config show`'s report of a `Parameters` key.
pub fn show(values: &[RawValue]) -> String {
    let (config, warnings) = driver_read(values);
    let defaults = default_values();
    let mut out = String::new();
    let _ = writeln!(out, "{:<18} {:<13} Value", "Key", "Type");
    for key in KeyId::ALL {
        let spec = key.spec();
        let default = find(&defaults, key.name()).map(display_value);
        let (ty, shown) = match find(values, key.name()) {
            Some(v) => (reg_type_name(v.reg_type), display_value(v)),
            None => ("-".to_owned(), "(not set)".to_owned()),
        };
        let marker = if default.as_deref() == Some(shown.as_str()) {
            String::new()
        } else {
            format!("   (default: {})", spec.default)
        };
        let _ = writeln!(out, "{:<18} {:<13} {shown}{marker}", spec.name, ty);
    }
    for v in values {
        if KeyId::from_name(&v.name).is_none() {
            let _ = writeln!(
                out,
                "{:<18} {:<13} {}   (not a Cadenza key; the driver ignores it)",
                v.name,
                reg_type_name(v.reg_type),
                display_value(v)
            );
        }
    }
    if warnings.is_empty() {
        let _ = writeln!(
            out,
            "\nThe driver accepts every value (checked with its own parser)."
        );
    } else {
        let _ = writeln!(
            out,
            "\nAt its next start the driver will log (and use each key's default instead):"
        );
        for w in &warnings {
            let _ = writeln!(out, "  {}", driver_line(w));
        }
    }
    let _ = writeln!(
        out,
        "Endpoint names: {}",
        endpoint_names(&config).join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dword(name: &str, n: u32) -> RawValue {
        RawValue {
            name: name.into(),
            reg_type: 4,
            data: n.to_le_bytes().to_vec(),
        }
    }

    #[test]
    fn defaults_are_read_by_the_driver_without_a_warning() {
        let (config, warnings) = driver_read(&default_values());
        assert_eq!(warnings, []);
        assert_eq!(config, DeviceConfig::default());
    }

    #[test]
    fn an_empty_key_warns_about_every_key_missing() {
        let (_, warnings) = driver_read(&[]);
        assert_eq!(warnings.len(), KeyId::ALL.len());
        assert!(warnings.iter().all(|w| w.problem == Problem::Missing));
    }

    #[test]
    fn out_of_range_is_refused_with_the_drivers_message() {
        let refused = prepare_set(&default_values(), "channels", "20").unwrap_err();
        let lines: Vec<String> = refused.iter().map(driver_line).collect();
        assert_eq!(
            lines,
            ["configuration: Channels: 20 is out of range 1..=16; using the default 2"]
        );
    }

    #[test]
    fn numbers_take_decimal_and_hex_only() {
        let ok = prepare_set(&default_values(), "PeriodUs", "0x1388").unwrap();
        assert_eq!(ok.value, dword("PeriodUs", 5000));
        for bad in ["", "-5", "+5", "5 ", "0x", "1e3", "4294967296"] {
            let refused = prepare_set(&default_values(), "PeriodUs", bad).unwrap_err();
            assert!(
                matches!(refused[0].problem, Problem::NotANumber { .. }),
                "{bad:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn cross_key_rules_refuse_the_key_that_breaks_them() {
        // 96 kHz is not offered by the default SampleRates (48000 only).
        let refused = prepare_set(&default_values(), "DefaultSampleRate", "96000").unwrap_err();
        assert_eq!(
            driver_line(&refused[0]),
            "configuration: DefaultSampleRate: 96000 is not in SampleRates; using 48000"
        );
        // Changing the rates first is allowed, with a note about the default rate...
        let ok = prepare_set(&default_values(), "SampleRates", "96000").unwrap();
        assert_eq!(ok.value.reg_type, 7);
        assert_eq!(ok.side_effects.len(), 1);
        assert_eq!(ok.side_effects[0].key, Some(KeyId::DefaultSampleRate));
        // ...and then the default rate can follow.
        let mut values = default_values();
        values.retain(|v| v.name != "SampleRates");
        values.push(ok.value);
        let ok = prepare_set(&values, "DefaultSampleRate", "96000").unwrap();
        assert_eq!(ok.side_effects, []);
    }

    #[test]
    fn unknown_keys_and_bad_names_are_refused() {
        let refused = prepare_set(&default_values(), "Volume", "3").unwrap_err();
        assert_eq!(
            driver_line(&refused[0]),
            "configuration: unknown key \"Volume\" ignored"
        );
        let refused = prepare_set(&default_values(), "CableName", "100% {n}").unwrap_err();
        assert!(matches!(
            refused[0].problem,
            Problem::BadCharacter { ch: '%' }
        ));
    }

    #[test]
    fn lists_are_split_at_commas() {
        let ok = prepare_set(&default_values(), "SampleTypes", " int16 ,float32,").unwrap();
        assert_eq!(ok.value.data, multi_sz_bytes(["int16", "float32"]));
        assert_eq!(display_value(&ok.value), "int16, float32");
    }

    #[test]
    fn show_lists_every_key_and_the_drivers_warnings() {
        let mut values = default_values();
        values.retain(|v| v.name != "Cables");
        values.push(RawValue {
            name: "Cables".into(),
            reg_type: 3,
            data: vec![1, 2, 3],
        });
        let text = show(&values);
        assert!(
            text.contains("Cables             REG_BINARY    <REG_BINARY, 3 bytes>   (default: 1)"),
            "{text}"
        );
        assert!(
            text.contains(
                "  configuration: Cables: is REG_BINARY, expected REG_DWORD; using the default 1"
            ),
            "{text}"
        );
        assert!(text.contains("Endpoint names: Cadenza Cable 1\n"), "{text}");
        let clean = show(&default_values());
        assert!(clean.contains("The driver accepts every value"), "{clean}");
    }
}
