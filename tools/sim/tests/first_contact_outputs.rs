//! What `cadenza-sim` leaves behind and prints, as a user meets it: WAV files other tools
//! read cleanly, a trace listing that counts what it lost, an output directory that is
//! complete or untouched, a plot that marks what happened, a summary that explains a
//! mismatch, `--check-config`, and a report whose every field is documented.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod support;
#[allow(unused_imports)] // not every test file uses every helper
use support::{report, sim, text};

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Every file name in `dir`, sorted.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// The promise: sox reads every WAV the simulator writes without a complaint (it warns
/// "wave header missing extended part of fmt chunk" about float files without `cbSize`).
#[test]
fn sox_reads_every_capture_wav_without_a_warning() {
    if Command::new("sox").arg("--version").output().is_err() {
        eprintln!("note: sox is not installed; the sox check is skipped (apt-get install sox)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("eight.cfg"), "Channels = 8\n").unwrap();
    let cases: [&[&str]; 6] = [
        &[],
        &["--format", "int16"],
        &["--format", "int24"],
        &["--format", "int24in32"],
        &["--format", "int32", "--channels", "1"],
        &["--config", "eight.cfg", "--channels", "8"],
    ];
    for (i, extra) in cases.iter().enumerate() {
        let out_dir = format!("o{i}");
        let mut args = vec!["--seconds", "0.1", "-q", "--out", &out_dir];
        args.extend_from_slice(extra);
        ok(&sim(tmp.path(), &args));
        let info = Command::new("sox")
            .current_dir(tmp.path())
            .args(["--i", &format!("{out_dir}/capture.wav")])
            .output()
            .unwrap();
        assert!(info.status.success(), "{extra:?}: {}", text(&info.stderr));
        assert_eq!(text(&info.stderr), "", "{extra:?}: sox complained");
    }
}

/// The promise: `--trace` prints the decoded trace even with `-q`; its "N dropped" is every
/// record written that the listing does not show (the ring keeps only the newest ones); and
/// the summary's files line names the trace file too.
#[test]
fn the_trace_listing_survives_quiet_and_counts_what_it_lost() {
    let tmp = tempfile::tempdir().unwrap();
    // Three simulated seconds write more records than the ring's 1024.
    let out = sim(
        tmp.path(),
        &["--seconds", "3", "--trace", "run.trace", "-q"],
    );
    ok(&out);
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    let header = lines.next().expect("a header line");
    let records = lines.filter(|l| l.starts_with('#')).count() as u64;
    // "# cadenza trace: W records written, capacity C; S shown, D dropped (...)"
    let number_before = |word: &str| -> u64 {
        let at = header
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {header}"));
        header[..at]
            .trim_end()
            .rsplit([' ', ':'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let written = number_before(" records written");
    let shown = number_before(" shown");
    let dropped = number_before(" dropped");
    assert_eq!(shown, records, "{header}");
    assert!(written > 1024, "the run must wrap the ring: {header}");
    assert_eq!(dropped, written - records, "{header}");
    assert!(
        !stdout.contains("cadenza-sim: engine framework"),
        "-q: no summary"
    );
    assert!(tmp.path().join("run.trace").exists());

    let out = sim(tmp.path(), &["--seconds", "0.2", "--trace", "short.trace"]);
    ok(&out);
    let stdout = text(&out.stdout);
    let files = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("files:"))
        .expect("a files line");
    for f in [
        "out/capture.wav",
        "out/report.json",
        "out/positions.svg",
        "short.trace",
    ] {
        assert!(files.contains(f), "{f} in {files}");
    }
    assert_eq!(
        report(&tmp.path().join("out"))["files"]["trace"],
        "short.trace"
    );
}

/// The promise: a run that fails leaves no half-made output directory, and never touches
/// files it did not write; a run that succeeds into an existing directory replaces its own
/// three files and keeps the rest.
#[test]
fn the_output_directory_is_complete_or_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    // Refused by the configuration (48 kHz only): fails after the driver started.
    let out = sim(
        tmp.path(),
        &["--seconds", "0.1", "--rate", "96000", "--out", "new/dir"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        !tmp.path().join("new").exists(),
        "no directory from a failed run"
    );
    assert_eq!(listing(tmp.path()), BTreeSet::new(), "nothing left behind");

    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    std::fs::write(mine.join("report.json"), "old").unwrap();
    let out = sim(
        tmp.path(),
        &["--seconds", "0.1", "--rate", "96000", "--out", "mine"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        listing(&mine),
        BTreeSet::from(["notes.txt".to_owned(), "report.json".to_owned()])
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("report.json")).unwrap(),
        "old"
    );

    ok(&sim(
        tmp.path(),
        &["--seconds", "0.1", "-q", "--out", "mine"],
    ));
    assert_eq!(
        listing(&mine),
        BTreeSet::from(
            ["capture.wav", "notes.txt", "positions.svg", "report.json"].map(str::to_owned)
        )
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(report(&mine)["schema"], 2);
    assert_eq!(
        listing(tmp.path()),
        BTreeSet::from(["mine".to_owned()]),
        "no staging directory left"
    );
}

/// The promise: the plot marks glitches, late timer wake-ups and state changes on the time
/// axis, with a legend, and writes its units properly.
#[test]
fn the_plot_marks_what_happened_with_proper_units() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&sim(
        tmp.path(),
        &[
            "--seconds",
            "1",
            "--late-ppm",
            "200000",
            "--seed",
            "3",
            "-q",
            "--out",
            "late",
        ],
    ));
    let svg = std::fs::read_to_string(tmp.path().join("late/positions.svg")).unwrap();
    let r = report(&tmp.path().join("late"));
    assert!(r["glitches"].as_u64().unwrap() > 0);
    for label in ["glitch (", "late timer wake-up (", "state change ("] {
        assert!(svg.contains(label), "legend entry {label}");
    }
    assert!(!svg.contains("glitch (0 logged)"), "glitches were logged");
    // Both streams go STOP → ACQUIRE → PAUSE → RUN and back: 12 state changes.
    assert!(svg.contains("state change (12 logged)"));
    assert!(svg.contains("lateness (µs)"));
    assert!(!svg.contains("(us)"));
    assert!(svg.contains("(s)"));
}

/// The promise: a capture that differs is explained: how many frames, where the first one
/// is (frame and time), and which logged glitches surround it.
#[test]
fn a_mismatch_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sim(
        tmp.path(),
        &[
            "--seconds",
            "1",
            "--late-ppm",
            "200000",
            "--seed",
            "3",
            "--out",
            "late",
        ],
    );
    ok(&out);
    let r = report(&tmp.path().join("late"));
    assert_eq!(r["verdict"], "differs", "{r}");
    let first = r["first_mismatch_frame"].as_u64().unwrap();
    let ms = r["first_mismatch_ms"].as_f64().unwrap();
    // 48 kHz: 48 frames per millisecond, rounded to 3 decimals.
    assert!(
        (ms - (f64::from(u32::try_from(first).unwrap()) / 48.0 * 1000.0).round() / 1000.0).abs()
            < 1e-9
    );
    assert!(
        !r["first_mismatch_glitches"].as_array().unwrap().is_empty(),
        "{r}"
    );
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("capture: DIFFERS"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains(&format!(
            "{} of {} compared frames differ",
            r["mismatched_frames"], r["frames_compared"]
        )),
        "{line}"
    );
    assert!(
        line.contains(&format!("the first is capture frame {first} ({ms:.3} ms")),
        "{line}"
    );
    assert!(line.contains("coinciding with:"), "{line}");
}

/// The promise: `--check-config` checks a file with the drivers' parser, prints every
/// warning with its line, one prefix each, and exits 0 clean, 1 with warnings, 2 when it
/// cannot read the file; `--config` with the same file still runs.
#[test]
fn check_config_reports_each_warning_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("good.cfg"), "; fine\nChannels = 4\n").unwrap();
    let text_cfg = "SampleRates = 44100\nDefaultSampleRate = 48000\nNoSuchKey = 1\nCables = 99\n";
    std::fs::write(tmp.path().join("bad.cfg"), text_cfg).unwrap();

    let out = sim(tmp.path(), &["--check-config", "good.cfg"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("good.cfg: no warnings"), "{stdout}");
    assert!(stdout.contains("Channels = 4"), "{stdout}");

    let out = sim(tmp.path(), &["--check-config", "bad.cfg"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for (line, what) in [(2, "DefaultSampleRate"), (3, "NoSuchKey"), (4, "Cables")] {
        assert!(
            stderr.lines().any(|l| l
                .starts_with(&format!("cadenza-sim: warning: bad.cfg: line {line}: "))
                && l.contains(what)),
            "line {line} ({what}) in {stderr}"
        );
    }
    for l in stderr.lines() {
        assert_eq!(l.matches("warning:").count(), 1, "one prefix: {l}");
        assert!(!l.contains("note:"), "one prefix: {l}");
    }
    assert!(text(&out.stdout).contains("bad.cfg: 3 warnings"));

    let out = sim(tmp.path(), &["--check-config", "missing.cfg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.cfg"));

    // Plain --config: warnings, and the run goes on.
    let out = sim(
        tmp.path(),
        &["--config", "bad.cfg", "--seconds", "0.1", "-q"],
    );
    ok(&out);
    assert!(text(&out.stderr).contains("cadenza-sim: warning: bad.cfg: line 3: "));
}

/// Every name of an object member anywhere in `v`.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// The promise: report.json says which layout it has, and docs/report.md documents every
/// field a report can hold (here one with a file, a trace, late timers and a mismatch, so
/// the optional fields are filled in).
#[test]
fn every_report_field_is_documented() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.md"))
            .unwrap();
    // Identifiers that appear inside `code` in the doc.
    let documented: BTreeSet<&str> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|code| code.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    ok(&sim(
        tmp.path(),
        &[
            "--seconds",
            "1",
            "--late-ppm",
            "200000",
            "--seed",
            "3",
            "-q",
            "--out",
            "a",
            "--trace",
            "t.bin",
        ],
    ));
    let r = report(&tmp.path().join("a"));
    assert_eq!(r["schema"], 2);
    assert!(
        r["first_mismatch_glitches"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    let mut all = BTreeSet::new();
    keys(&r, &mut all);
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !documented.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "undocumented report fields: {missing:?}"
    );
}

/// The promise: `--help` says what the generated signal is, and capture.wav holds exactly
/// that — 150 silent frames (3.1234 ms at 48 kHz), then a logarithmic chirp from 200 Hz to
/// 4 kHz over 10 s at half of full scale, channel c starting at phase 0.3 + 0.4·c rad.
#[test]
fn the_help_describes_the_generated_signal_that_capture_wav_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let help = sim(tmp.path(), &["--help"]);
    ok(&help);
    let help = text(&help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for phrase in [
        "a logarithmic chirp from 200 Hz to 4 kHz in 10 s, repeated every 10 s",
        "half of full scale (-6 dBFS)",
        "each channel's phase 0.4 rad after the previous one",
        "150 frames at 48 kHz",
        "--input FILE.wav",
        "--check-config",
    ] {
        assert!(help.contains(phrase), "`{phrase}` in --help:\n{help}");
    }

    ok(&sim(tmp.path(), &["--seconds", "1.1", "-q"]));
    let mut wav = hound::WavReader::open(tmp.path().join("out/capture.wav")).unwrap();
    let samples: Vec<f32> = wav.samples::<f32>().map(Result::unwrap).collect();
    let frame = |i: usize, c: usize| f64::from(samples[i * 2 + c]);
    assert!((0..150).all(|i| frame(i, 0) == 0.0 && frame(i, 1) == 0.0));
    for c in 0..2 {
        let want = 0.5 * (0.3 + 0.4 * f64::from(u8::try_from(c).unwrap())).cos();
        assert!(
            (frame(150, c) - want).abs() < 1e-6,
            "channel {c}: {}",
            frame(150, c)
        );
    }
    // Channel 0 is 0.5·cos(φ(t) + 0.3) with φ(t) = 2π·200·(e^{kt} − 1)/k, k = ln(20)/10: it
    // changes sign each time φ + 0.3 passes π/2 + mπ. Count those in the first second.
    let k = 20f64.ln() / 10.0;
    let phase_end = 2.0 * std::f64::consts::PI * 200.0 * (k.exp() - 1.0) / k + 0.3;
    let expected = ((phase_end - std::f64::consts::FRAC_PI_2) / std::f64::consts::PI).floor() + 1.0;
    let changes = (150..150 + 48_000)
        .filter(|&i| (frame(i, 0) < 0.0) != (frame(i + 1, 0) < 0.0))
        .count();
    let changes = f64::from(u32::try_from(changes).unwrap());
    assert!(
        (changes - expected).abs() <= 1.0,
        "{changes} sign changes, {expected} expected"
    );
}
