//! `--config FILE` and `--check-config FILE`: the device configuration in the registry's
//! `Key = value` text form, read by the drivers' own path
//! ([`cadenza_hostsim::device_config::resolve`]: the engine's text parser, the registry
//! encoding, and the drivers' registry reader).
//!
//! Every warning names its line. The parser gives the line of a problem it finds on a line;
//! a problem found only once the whole file is read (such as a DefaultSampleRate that
//! SampleRates does not list) is given the line that set the key concerned.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use cadenza_engine::config::{ConfigWarning, DeviceConfig, KeyId};
use cadenza_hostsim::device_config;

/// The 1-based line of the last `key = ...` assignment in `text` (keys are
/// case-insensitive, as in the registry).
fn line_of_key(text: &str, key: KeyId) -> Option<u32> {
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=')
            && name.trim().eq_ignore_ascii_case(key.name())
        {
            found = u32::try_from(i + 1).ok();
        }
    }
    found
}

/// `warning` with its line filled in when the parser did not know it.
fn with_line(text: &str, mut warning: ConfigWarning) -> ConfigWarning {
    if warning.line.is_none() {
        warning.line = warning.key.and_then(|k| line_of_key(text, k));
    }
    warning
}

/// Parses `text` (read from `name`) as the drivers would; every warning, as
/// `name: line N: ...`, goes to `warn`.
fn parse(text: &str, name: &str, warn: &mut dyn FnMut(String)) -> anyhow::Result<DeviceConfig> {
    let config = device_config::resolve(Some(text), &mut |w| {
        warn(format!("{name}: {}", with_line(text, w)));
    })?;
    Ok(config)
}

fn read_text(path: &Path, option: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {option} file {}", path.display()))
}

/// `--config`: the configuration the drivers start with; warnings go to `warn`.
pub fn read(path: &Path, warn: &mut dyn FnMut(String)) -> anyhow::Result<DeviceConfig> {
    let text = read_text(path, "--config")?;
    parse(&text, &path.display().to_string(), warn)
}

/// What `--check-config` found.
#[derive(Clone, Debug)]
pub struct Checked {
    /// One line per warning, `FILE: line N: ...`.
    pub warnings: Vec<String>,
    /// The configuration the drivers would run with, in the text form.
    pub effective: String,
}

/// `--check-config`: every warning, and the configuration that results.
pub fn check(path: &Path) -> anyhow::Result<Checked> {
    let text = read_text(path, "--check-config")?;
    let mut warnings = Vec::new();
    let config = parse(&text, &path.display().to_string(), &mut |w| {
        warnings.push(w);
    })?;
    let mut effective = String::new();
    config
        .write_text(&mut effective)
        .context("cannot print the configuration")?;
    Ok(Checked {
        warnings,
        effective,
    })
}

/// The lines `--check-config` prints on stdout after the warnings (which go to stderr).
pub fn verdict_lines(path: &Path, checked: &Checked) -> String {
    let mut out = String::new();
    let n = checked.warnings.len();
    let _ = if n == 0 {
        writeln!(out, "{}: no warnings", path.display())
    } else {
        writeln!(
            out,
            "{}: {n} warning{}",
            path.display(),
            if n == 1 { "" } else { "s" }
        )
    };
    let _ = writeln!(out, "# the configuration the drivers would run with:");
    out.push_str(&checked.effective);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promise: every warning names a line, even one found after the whole file is read.
    #[test]
    fn a_whole_file_problem_gets_the_line_of_its_key() {
        let text = "; comment\nSampleRates = 44100\n\ndefaultsamplerate = 48000\n";
        let mut warnings = Vec::new();
        parse(text, "f.cfg", &mut |w| warnings.push(w)).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("f.cfg: line 4: DefaultSampleRate"),
            "{warnings:?}"
        );
    }

    /// The promise: a problem on a line is reported at that line.
    #[test]
    fn a_line_problem_keeps_its_own_line() {
        let mut warnings = Vec::new();
        parse("Cables = 1\nCables = 99\n", "f.cfg", &mut |w| {
            warnings.push(w);
        })
        .unwrap();
        assert!(
            warnings.iter().all(|w| w.starts_with("f.cfg: line 2: ")),
            "{warnings:?}"
        );
        assert!(!warnings.is_empty());
    }
}
