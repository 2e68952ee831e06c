//! Command-line options, and their resolution (with an optional `--config` file) into one
//! validated [`Settings`].
//!
//! Every option is checked here, before anything runs, so a bad value is a message naming the
//! option and what it accepts — never a panic or a refusal deep inside the driver.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use cadenza_engine::config::{DeviceConfig, KeyId};
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::time::{CounterFrequency, frames_to_ticks_ceil};
use cadenza_hostsim::Lateness;
use cadenza_hostsim::device_config;
use cadenza_hostsim::scenario::LoopbackConfig;
use clap::Parser;

use crate::framework::Framework;
use crate::wav::WavAudio;

/// The shortest and longest packet (device period) the device offers — the same bounds as
/// the `PeriodUs` registry key, so a simulated run is one a user could configure.
pub const PERIOD_US_MIN: u64 = 1_000;
pub const PERIOD_US_MAX: u64 = 100_000;

/// Longest run, in seconds. The captured audio is held in memory and written as one WAV file;
/// an hour is far beyond any test, and keeps a wide format's capture within reach.
pub const SECONDS_MAX: u64 = 3_600;

/// WAV sizes are 32-bit: the data chunk cannot exceed 4 GiB (minus its headers).
const WAV_DATA_MAX: u64 = u32::MAX as u64 - 64;

/// Longest injected timer lateness, in microseconds (one second: far past any period, so
/// every kind of missed deadline can be provoked).
const LATE_MAX_US_LIMIT: u64 = 1_000_000;

/// Exit status of a run that completed but did not meet `--expect-bit-exact` or in which the
/// framework's simulator saw the driver break its contract, and of `--check-config` on a file
/// with warnings.
pub const EXIT_NOT_CLEAN: u8 = 1;
/// Bad options or input, or a run that could not complete (the status clap uses for bad
/// options).
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "cadenza-sim",
    version,
    about = "Runs Cadenza's loopback cable in simulated time and checks the captured audio.",
    long_about = "Runs Cadenza's loopback cable in simulated (virtual) time: a render client plays \
                  audio packet by packet, a capture client records it, and the capture is \
                  compared frame by frame with what the cable must deliver: the played bytes \
                  themselves when both sides have the same format (bit-identical), their \
                  expected conversion otherwise. Writes capture.wav, report.json and \
                  positions.svg into the output directory and prints a short summary.\n\n\
                  What is played: without --input, a generated test signal — a logarithmic \
                  chirp from 200 Hz to 4 kHz in 10 s, repeated every 10 s, at half of full \
                  scale (-6 dBFS), each channel's phase 0.4 rad after the previous one. The \
                  capture starts 3.1234 ms before the render side, so capture.wav begins with \
                  that much silence (150 frames at 48 kHz) before the chirp. With --input \
                  FILE.wav, the file is played instead, and capture.wav holds what was \
                  recorded from the file's first frame on, as long as the file.\n\n\
                  Every framework's driver starts with the same device configuration: the \
                  --config file, or without one the defaults the INF installs (one cable, 2 \
                  channels, 48000 Hz, every sample type, 10 ms), read back through the drivers' \
                  own registry path. A stream format the configuration does not offer is \
                  refused, as the driver would refuse it, with the key that excludes it.\n\n\
                  Precedence for the streams' formats and period: a side-specific option \
                  (--render-*/--capture-*), then the both-sides option, then the --input \
                  file's format, then the configuration's default format and PeriodUs.",
    after_help = "Exit status: 0 when the run completed (and, with --expect-bit-exact, was \
                  exact, glitch-free and leak-free) or --check-config found nothing to report; \
                  1 when --expect-bit-exact was not met, the framework simulator saw the driver \
                  break its contract, or --check-config reported a warning; \
                  2 for bad options or input, a file that cannot be read, or a run that could \
                  not complete."
)]
pub struct Args {
    /// Driver framework to simulate.
    #[arg(long, value_enum, default_value_t = Framework::Engine)]
    pub framework: Framework,

    /// Simulated seconds of render time (up to 6 decimals, at most 3600) [default: 10, or
    /// with --input the file's length plus two periods, so its last packet reaches the
    /// capture side].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub seconds: Option<u64>,

    /// Play this WAV file instead of the generated signal: PCM int16, int24, int32 (or
    /// int24in32) or IEEE float32, as WAVE_FORMAT_PCM, _IEEE_FLOAT or _EXTENSIBLE. Both sides
    /// default to the file's rate, channels and sample type; the rate cannot be changed (the
    /// cable does not resample), the other render and capture options can.
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,

    /// Only check a configuration file (the --config format) with the drivers' own parser:
    /// print every warning with its line, and the configuration the drivers would run with.
    /// Exit status 0 if there is nothing to report, 1 if there is, 2 if the file cannot be
    /// read.
    #[arg(long, value_name = "FILE", exclusive = true)]
    pub check_config: Option<PathBuf>,

    /// Sample rate of both sides in Hz, 8000 to 384000 (the cable does not resample).
    #[arg(long, value_name = "HZ", value_parser = parse_rate)]
    pub rate: Option<SampleRate>,

    /// Channel count of both sides, 1 to 16.
    #[arg(long, value_name = "N", value_parser = parse_channels)]
    pub channels: Option<Channels>,

    /// Channel count of the render side (overrides --channels).
    #[arg(long, value_name = "N", value_parser = parse_channels)]
    pub render_channels: Option<Channels>,

    /// Channel count of the capture side (overrides --channels).
    #[arg(long, value_name = "N", value_parser = parse_channels)]
    pub capture_channels: Option<Channels>,

    /// Sample format of both sides: float32, int32, int24in32, int24 or int16.
    #[arg(long, value_name = "NAME", value_parser = parse_sample_type)]
    pub format: Option<SampleType>,

    /// Sample format of the render side (overrides --format).
    #[arg(long, value_name = "NAME", value_parser = parse_sample_type)]
    pub render_format: Option<SampleType>,

    /// Sample format of the capture side (overrides --format).
    #[arg(long, value_name = "NAME", value_parser = parse_sample_type)]
    pub capture_format: Option<SampleType>,

    /// Packet (notification period) length in ms, 1 to 100, whole microseconds (e.g. 2.5) [default: 10].
    #[arg(long, value_name = "MS", value_parser = parse_period_ms)]
    pub period_ms: Option<u32>,

    /// Packets per buffer (WaveRT NotificationCount).
    #[arg(long, value_name = "1|2", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=2))]
    pub packets: u32,

    /// Move audio by position alone instead of SetWritePacket / GetReadPacket.
    #[arg(long)]
    pub no_packet_mode: bool,

    /// Make each timer expiry late with this probability, in parts per million (0 to 1000000).
    #[arg(long, value_name = "PPM", value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub late_ppm: Option<u32>,

    /// Largest injected lateness in µs (a late expiry is late by 0..=this, uniformly)
    /// [default: twice the period].
    #[arg(long, value_name = "US", requires = "late_ppm", value_parser = clap::value_parser!(u64).range(1..=LATE_MAX_US_LIMIT))]
    pub late_max_us: Option<u64>,

    /// Seed of the simulation's random choices; the same seed replays the same run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Directory for capture.wav, report.json and positions.svg (created if missing; a run
    /// that fails leaves it as it was).
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    /// Also record the driver's trace ring (the same one WinDbg's cadenza.js reads) into FILE,
    /// and print it decoded, newest last.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Device parameters in the registry's `Key = value` text form (Channels, SampleRates,
    /// DefaultSampleRate, SampleTypes, PeriodUs, Cables, ...): every framework's driver starts
    /// with them (the INF's defaults without this option). The format and period options
    /// choose what the streams ask for; a format the configuration does not offer is refused.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// No progress and no summary (warnings, errors and the --trace listing are still
    /// printed).
    #[arg(long, short)]
    pub quiet: bool,

    /// Exit with status 1 unless the capture is exact (bit-identical, or identical to the
    /// expected conversion), and the run glitch-free and leak-free.
    #[arg(long)]
    pub expect_bit_exact: bool,
}

fn parse_seconds(text: &str) -> Result<u64, String> {
    let us = parse_decimal(text, 6)?;
    if us == 0 {
        return Err("must be more than 0".into());
    }
    if us > SECONDS_MAX * 1_000_000 {
        return Err(format!("at most {SECONDS_MAX} seconds"));
    }
    Ok(us)
}

fn parse_period_ms(text: &str) -> Result<u32, String> {
    let us = parse_decimal(text, 3).map_err(|e| format!("{e} (whole microseconds, e.g. 2.5)"))?;
    if !(PERIOD_US_MIN..=PERIOD_US_MAX).contains(&us) {
        return Err(format!(
            "the device supports packets of {} to {} ms",
            PERIOD_US_MIN / 1_000,
            PERIOD_US_MAX / 1_000
        ));
    }
    u32::try_from(us).map_err(|_| "too large".to_owned())
}

fn parse_rate(text: &str) -> Result<SampleRate, String> {
    let hz: u32 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of Hz"))?;
    SampleRate::new(hz).map_err(|_| {
        format!(
            "the engine supports {} to {} Hz",
            SampleRate::MIN,
            SampleRate::MAX
        )
    })
}

fn parse_channels(text: &str) -> Result<Channels, String> {
    let n: u16 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a channel count"))?;
    Channels::new(n).map_err(|_| {
        format!(
            "the engine supports {} to {} channels",
            Channels::MIN,
            Channels::MAX
        )
    })
}

fn parse_sample_type(text: &str) -> Result<SampleType, String> {
    SampleType::from_name(text.trim()).ok_or_else(|| {
        format!(
            "unknown sample format `{text}`; valid: {}",
            sample_type_names()
        )
    })
}

fn sample_type_names() -> String {
    SampleType::ALL.map(SampleType::name).join(", ")
}

/// Parses a non-negative decimal such as `2.5` exactly, as an integer in units of
/// 10^-`frac_digits` (so `parse_decimal("2.5", 3)` is 2500). Exact, unlike a float: a period
/// of 2.5 ms must be 2500 µs, not 2499.
fn parse_decimal(text: &str, frac_digits: u32) -> Result<u64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits_only(whole) || !digits_only(frac) {
        return Err(format!("`{text}` is not a number"));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > frac_digits as usize {
        return Err(format!("`{text}` has more than {frac_digits} decimals"));
    }
    let scale = 10u64.pow(frac_digits);
    let too_large = || format!("`{text}` is too large");
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let frac_value: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| too_large())?
    };
    // `frac.len() <= frac_digits` was checked above, so the exponent cannot underflow.
    let frac_scaled =
        frac_value * 10u64.pow(frac_digits - u32::try_from(frac.len()).map_err(|_| too_large())?);
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_scaled))
        .ok_or_else(too_large)
}

/// A message for the user that is not an error: printed with exactly one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Something in the input the user should fix (`cadenza-sim: warning: ...`).
    Warning(String),
    /// How an option was understood (`cadenza-sim: note: ...`).
    Note(String),
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Warning(w) => write!(f, "warning: {w}"),
            Notice::Note(n) => write!(f, "note: {n}"),
        }
    }
}

/// The `--input` file, and the audio the render client plays from it.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub audio: WavAudio,
    /// The file's frames in the render format: the file's own bytes when the formats are
    /// the same, else the client's conversion of them ([`crate::expected::convert`]).
    pub render_bytes: Vec<u8>,
}

/// Everything a run needs, validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub framework: Framework,
    pub seed: u64,
    pub out: PathBuf,
    /// Where to dump the trace ring, if asked.
    pub trace: Option<PathBuf>,
    pub quiet: bool,
    pub expect_bit_exact: bool,
    pub config_file: Option<PathBuf>,
    /// The configuration every framework's driver starts with.
    pub device: DeviceConfig,
    /// Cables in the configuration; the simulator runs the first.
    pub cables: u8,
    /// Late-timer injection, as asked for (ppm, max µs).
    pub late: Option<(u32, u64)>,
    pub input: Option<Input>,
    pub loopback: LoopbackConfig,
}

/// The first option given, else the file's value, else the default.
fn pick<T: Copy>(options: &[Option<T>], file: Option<T>, default: T) -> T {
    options
        .iter()
        .flatten()
        .copied()
        .next()
        .or(file)
        .unwrap_or(default)
}

/// The render and capture formats: a side's own option, then the both-sides option, then the
/// `--input` file's format (`file`), then the configuration's default.
fn stream_formats(
    args: &Args,
    base: &DeviceConfig,
    file: Option<Format>,
) -> anyhow::Result<(Format, Format)> {
    let rate = match (args.rate, file) {
        (Some(rate), Some(f)) if rate != f.rate() => bail!(
            "--rate {} differs from the --input file's {} Hz: the cable does not resample, \
         so the file can only be played at its own rate",
            rate.hz(),
            f.rate().hz()
        ),
        (rate, _) => rate
            .or(file.map(|f| f.rate()))
            .unwrap_or(base.default_rate()),
    };
    let base_sample = base
        .sample_types()
        .preferred()
        .unwrap_or(SampleType::Float32);
    let file_sample = file.map(|f| f.sample());
    let file_channels = file.map(|f| f.channels());
    let render = Format::new(
        pick(&[args.render_format, args.format], file_sample, base_sample),
        pick(
            &[args.render_channels, args.channels],
            file_channels,
            base.channels(),
        ),
        rate,
    );
    let capture = Format::new(
        pick(
            &[args.capture_format, args.format],
            file_sample,
            base_sample,
        ),
        pick(
            &[args.capture_channels, args.channels],
            file_channels,
            base.channels(),
        ),
        rate,
    );
    Ok((render, capture))
}

impl Input {
    /// The file, and its frames as the render client plays them: converted (with a note)
    /// when the render format is not the file's.
    fn new(
        path: PathBuf,
        audio: WavAudio,
        render: &Format,
        notice: &mut dyn FnMut(Notice),
    ) -> Input {
        let render_bytes = if audio.format == *render {
            audio.data.clone()
        } else {
            notice(Notice::Note(format!(
                "{} is {}; the render client converts it to {} before playing it",
                path.display(),
                device_config::describe_format(&audio.format),
                device_config::describe_format(render)
            )));
            crate::expected::convert(&audio.data, &audio.format, render)
        };
        Input {
            path,
            audio,
            render_bytes,
        }
    }
}

impl Settings {
    /// Resolves `args` (reading `--config` and `--input` if given) at counter frequency
    /// `freq`. Configuration warnings and notes about options go to `notice`.
    pub fn resolve(
        args: Args,
        freq: CounterFrequency,
        notice: &mut dyn FnMut(Notice),
    ) -> anyhow::Result<Settings> {
        let base = match &args.config {
            Some(path) => crate::config_file::read(path, &mut |w| notice(Notice::Warning(w)))?,
            // The drivers' path with nothing in the registry but the INF's defaults.
            None => device_config::resolve(None, &mut |w| notice(Notice::Warning(w.to_string())))?,
        };
        let input = match &args.input {
            Some(path) => Some(
                crate::wav::read_wav(path)
                    .with_context(|| format!("cannot play --input {}", path.display()))?,
            ),
            None => None,
        };
        let file = input.as_ref().map(|a| a.format);

        let (render, capture) = stream_formats(&args, &base, file)?;
        let period_us = args.period_ms.unwrap_or(base.period_us());
        if !(PERIOD_US_MIN..=PERIOD_US_MAX).contains(&u64::from(period_us)) {
            // Only reachable through a configuration value; the option parser checks its own.
            bail!("period {period_us} µs is outside {PERIOD_US_MIN}..={PERIOD_US_MAX} µs");
        }
        // Packet mode hands whole packets back and forth; with one packet per buffer the
        // client could only ever reach the packet that is playing. Windows clients with a
        // single-packet buffer are timer-driven and move frames by position, so do the same.
        let packet_mode = !args.no_packet_mode && args.packets != 1;
        if args.packets == 1 && !args.no_packet_mode {
            notice(Notice::Note(
                "--packets 1 uses position mode (no packet calls), as a timer-driven client does"
                    .to_owned(),
            ));
        }

        let duration_ticks = match (args.seconds, &input) {
            (Some(us), _) => us_to_ticks(us, freq),
            // The file, then two periods, so the packet holding its last frame is captured.
            (None, Some(audio)) => frames_to_ticks_ceil(audio.frames(), render.rate().hz(), freq)
                .saturating_add(2 * us_to_ticks(u64::from(period_us), freq)),
            (None, None) => us_to_ticks(10 * 1_000_000, freq),
        };
        if duration_ticks > us_to_ticks(SECONDS_MAX * 1_000_000, freq) {
            bail!("the --input file is longer than {SECONDS_MAX} s, the longest run");
        }
        let late = args
            .late_ppm
            .filter(|ppm| *ppm > 0)
            .map(|ppm| (ppm, args.late_max_us.unwrap_or(2 * u64::from(period_us))));
        let lateness = match late {
            Some((ppm, max_us)) => Lateness::Random {
                ppm,
                max_ticks: us_to_ticks(max_us, freq),
            },
            None => Lateness::OnTime,
        };

        let mut loopback = LoopbackConfig::default_for(freq);
        loopback.render = render;
        loopback.capture = capture;
        loopback.period_us = period_us;
        loopback.packets = args.packets;
        loopback.packet_mode = packet_mode;
        loopback.duration_ticks = duration_ticks;
        loopback.lateness = lateness;

        check_capture_size(&loopback, freq)?;

        let input = match (args.input, input) {
            (Some(path), Some(audio)) => Some(Input::new(path, audio, &render, notice)),
            _ => None,
        };

        let settings = Settings {
            framework: args.framework,
            seed: args.seed,
            out: args.out,
            trace: args.trace,
            quiet: args.quiet,
            expect_bit_exact: args.expect_bit_exact,
            config_file: args.config,
            cables: base.cables(),
            device: base,
            late,
            input,
            loopback,
        };
        if let Some(input) = &settings.input
            && let Some(message) = settings.input_refusal(input)
        {
            // Said now, naming the file, rather than as a driver refusal after the fact.
            bail!("{message}");
        }
        Ok(settings)
    }
}

/// Microseconds to counter ticks, rounded to the nearest tick (exact at 10 MHz).
pub fn us_to_ticks(us: u64, freq: CounterFrequency) -> u64 {
    let ticks = (u128::from(us) * u128::from(freq.hz()) + 500_000) / 1_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// The whole capture is kept in memory and written as one WAV: refuse runs whose capture
/// cannot be a WAV file, before spending the time to simulate them.
fn check_capture_size(config: &LoopbackConfig, freq: CounterFrequency) -> anyhow::Result<()> {
    let ticks = config
        .duration_ticks
        .saturating_add(config.render_delay_ticks);
    let frames = cadenza_engine::time::ticks_to_frames(ticks, config.capture.rate().hz(), freq);
    // Headroom for the packets in flight at the end of the run.
    let bytes = config.capture.frames_to_bytes(frames).saturating_mul(11) / 10;
    if bytes > WAV_DATA_MAX {
        bail!(
            "the capture would take about {} MiB, more than a WAV file can hold (4 GiB); use fewer --seconds, \
             channels or a lower --rate",
            bytes >> 20
        );
    }
    Ok(())
}

impl Settings {
    /// Why the configuration refuses to stream `input` as the options ask, with a way out;
    /// `None` if it allows both sides.
    fn input_refusal(&self, input: &Input) -> Option<String> {
        let (render, capture) = (&self.loopback.render, &self.loopback.capture);
        let sides: Vec<(&str, device_config::Refusal)> = [("capture", capture), ("render", render)]
            .into_iter()
            .filter_map(|(side, f)| device_config::refusal(&self.device, f).map(|r| (side, r)))
            .collect();
        if sides.is_empty() {
            return None;
        }
        let mut why: Vec<String> = Vec::new();
        let mut hints: Vec<String> = Vec::new();
        for (side, refusal) in &sides {
            let reasons: Vec<String> = refusal.exclusions.iter().map(ToString::to_string).collect();
            let line = if sides.len() == 2 && render == capture {
                format!(
                    "the configuration allows it on neither side: {}",
                    reasons.join("; ")
                )
            } else {
                format!(
                    "the {side} format {} is not allowed by the configuration: {}",
                    device_config::describe_format(&refusal.format),
                    reasons.join("; ")
                )
            };
            if !why.contains(&line) {
                why.push(line);
            }
            for e in &refusal.exclusions {
                if let Some(h) = self.hint(e.key, &refusal.format)
                    && !hints.contains(&h)
                {
                    hints.push(h);
                }
            }
        }
        Some(format!(
            "cannot play --input {} ({}, {}): {}. {}",
            input.path.display(),
            device_config::describe_format(&input.audio.format),
            input.audio.format_tag,
            why.join("; "),
            if hints.is_empty() {
                "Choose other --render-*/--capture-* options".to_owned()
            } else {
                format!(
                    "To offer it, put `{}` in a --config file (docs/configuration.md)",
                    hints.join("` and `")
                )
            }
        ))
    }

    /// The configuration line that would let `key` allow `format`, if one can.
    fn hint(&self, key: KeyId, format: &Format) -> Option<String> {
        let list = |items: Vec<String>| items.join(", ");
        match key {
            KeyId::SampleRates => {
                let hz = format.rate().hz();
                if !SampleRate::STANDARD.contains(&hz) {
                    return None;
                }
                let mut rates: Vec<u32> = self.device.rates().iter().map(SampleRate::hz).collect();
                rates.push(hz);
                rates.sort_unstable();
                Some(format!(
                    "SampleRates = {}",
                    list(rates.iter().map(ToString::to_string).collect())
                ))
            }
            KeyId::Channels => Some(format!("Channels = {}", format.channels().get())),
            KeyId::SampleTypes => {
                let mut types: Vec<String> = self
                    .device
                    .sample_types()
                    .iter()
                    .map(|t| t.name().to_owned())
                    .collect();
                types.push(format.sample().name().to_owned());
                Some(format!("SampleTypes = {}", list(types)))
            }
            _ => None,
        }
    }

    /// Why the configuration refuses the capture or render format (capture first: it is
    /// opened first), one line each; empty if it offers both.
    pub fn refusals(&self) -> Vec<String> {
        [
            ("capture", &self.loopback.capture),
            ("render", &self.loopback.render),
        ]
        .into_iter()
        .filter_map(|(side, f)| {
            device_config::refusal(&self.device, f).map(|r| format!("{side} {r}"))
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("2.5", 3), Ok(2_500));
        assert_eq!(parse_decimal("10", 3), Ok(10_000));
        assert_eq!(parse_decimal(".5", 6), Ok(500_000));
        assert_eq!(parse_decimal("1.250000", 3), Ok(1_250));
        assert!(parse_decimal("1.2345", 3).is_err());
        assert!(parse_decimal("-1", 3).is_err());
        assert!(parse_decimal("1e3", 3).is_err());
        assert!(parse_decimal(".", 3).is_err());
        assert!(parse_decimal("99999999999999999999", 3).is_err());
    }

    #[test]
    fn period_bounds_are_the_devices() {
        assert_eq!(parse_period_ms("2.5"), Ok(2_500));
        assert!(parse_period_ms("0.5").is_err());
        assert!(parse_period_ms("100.001").is_err());
    }

    #[test]
    fn an_unknown_format_lists_the_valid_ones() {
        let e = parse_sample_type("pcm8").unwrap_err();
        assert!(e.contains("float32, int32, int24in32, int24, int16"), "{e}");
        assert_eq!(parse_sample_type("INT16"), Ok(SampleType::Int16));
    }

    #[test]
    fn side_options_override_both_sides_options() {
        let args = Args::try_parse_from([
            "cadenza-sim",
            "--format",
            "int16",
            "--capture-format",
            "float32",
            "--channels",
            "4",
            "--render-channels",
            "1",
            "--period-ms",
            "5",
            "--late-ppm",
            "1000",
        ])
        .unwrap();
        let s = Settings::resolve(args, CounterFrequency::TEN_MHZ, &mut |w| panic!("{w}")).unwrap();
        assert_eq!(s.loopback.render.sample(), SampleType::Int16);
        assert_eq!(s.loopback.capture.sample(), SampleType::Float32);
        assert_eq!(s.loopback.render.channels().get(), 1);
        assert_eq!(s.loopback.capture.channels().get(), 4);
        assert_eq!(s.loopback.period_us, 5_000);
        // The default injected lateness is twice the period.
        assert_eq!(s.late, Some((1_000, 10_000)));
        assert_eq!(
            s.loopback.lateness,
            Lateness::Random {
                ppm: 1_000,
                max_ticks: 100_000
            }
        );
    }
}
