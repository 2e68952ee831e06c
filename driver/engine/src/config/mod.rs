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
//!
//! # Layout
//!
//! Each submodule has one job; each depends only on those above it in this list, so there
//! are no cycles. Everything public is re-exported here, so `cadenza_engine::config::X` is
//! the one path to use.
//!
//! - `keys`: the key table — [`KEYS`], [`KeyId`], [`KeySpec`], [`RegType`]. Every key's
//!   name, registry type, default, range and meaning is one row of one macro invocation.
//! - `registry`: registry values — [`RegValue`], the `REG_*` codes and
//!   [`decode_registry_data`] for the raw bytes a driver reads.
//! - `warnings`: [`ConfigWarning`], [`Problem`], [`SyntaxError`], [`Excerpt`] and their
//!   one-line messages.
//! - `values`: checks that turn raw numbers and text into typed values (rates, names), and
//!   the name limits ([`NAME_MAX_UNITS`], [`NameString`]).
//! - `device_config`: the validated [`DeviceConfig`], its defaults and accessors.
//! - `builder`: [`ConfigBuilder`] and [`MissingKeys`]: per-key checks, defaults on a bad
//!   value, the checks between keys.
//! - `text`: the text form — [`parse_text`] and [`DeviceConfig::write_text`].

mod builder;
mod device_config;
mod keys;
mod registry;
mod text;
mod values;
mod warnings;

pub use builder::{ConfigBuilder, MissingKeys};
pub use device_config::{DEFAULT_RATES, DeviceConfig, DeviceKind};
pub use keys::{KEYS, KeyId, KeySpec, RegType};
pub use registry::{
    MAX_REGISTRY_TEXT, REG_DWORD, REG_MULTI_SZ, REG_SZ, RegValue, decode_registry_data,
};
pub use text::parse_text;
pub use values::{NAME_MAX_BYTES, NAME_MAX_UNITS, NameString};
pub use warnings::{ConfigWarning, Excerpt, Problem, SyntaxError};
