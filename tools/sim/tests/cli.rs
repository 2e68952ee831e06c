//! The `cadenza-sim` binary as a user runs it: files written, report contents, exit codes
//! and messages.

mod support;
#[allow(unused_imports)] // not every test file uses every helper
use support::{report, sim, text};

#[test]
fn the_default_run_writes_three_consistent_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sim(tmp.path(), &["--seconds", "1", "--expect-bit-exact"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");

    // The default output directory is `out/` under the working directory.
    let dir = tmp.path().join("out");
    let r = report(&dir);
    assert_eq!(r["framework"], "engine");
    assert_eq!(r["schema"], 2);
    assert_eq!(r["capture_exact"], true);
    assert_eq!(r["verdict"], "bit-identical");
    assert_eq!(r["glitches"], 0);
    assert_eq!(r["mismatched_frames"], 0);
    assert_eq!(r["leaked_buffers"], 0);
    for side in ["render", "capture"] {
        assert_eq!(r[side]["glitches"], 0, "{side}");
        assert_eq!(r[side]["drift_frames"], 0, "{side}");
        assert_eq!(r[side]["format"]["sample_type"], "float32");
        assert_eq!(r[side]["format"]["rate_hz"], 48_000);
        assert_eq!(r[side]["format"]["channels"], 2);
    }
    assert_eq!(r["frames_written"], 48_000);
    // 10 ms packets, two streams, one simulated second: about 200 wake-ups per second.
    let wakeups = r["timer_wakeups_per_s"].as_f64().unwrap();
    assert!((190.0..=210.0).contains(&wakeups), "{wakeups}");

    let wav = hound::WavReader::open(dir.join("capture.wav")).expect("a readable WAV");
    let spec = wav.spec();
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.sample_rate, 48_000);
    assert_eq!(spec.bits_per_sample, 32);
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    assert_eq!(
        u64::from(wav.duration()),
        r["frames_read"].as_u64().unwrap()
    );
    assert!(wav.duration() >= 48_000);

    let svg = std::fs::read_to_string(dir.join("positions.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);

    let lines: Vec<&str> = stdout.lines().collect();
    assert!((5..=10).contains(&lines.len()), "{stdout}");
    assert!(
        stdout.contains("capture: bit-identical to the generated signal"),
        "{stdout}"
    );
    // A wire adds nothing, and the latency says so in frames and in milliseconds.
    assert!(
        stdout.contains("cable latency 0 frames (0.000 ms)"),
        "{stdout}"
    );
    assert!(stdout.contains("capture.wav"), "{stdout}");
    // stderr is not a terminal here: only a few plain progress lines.
    assert!(stderr.lines().count() <= 4, "{stderr}");
    assert!(!stderr.contains('\r'), "{stderr}");
}

#[test]
fn format_conversion_across_the_cable_is_bit_exact() {
    let tmp = tempfile::tempdir().unwrap();
    // 44.1 kHz is not offered by default: the configuration must offer it.
    std::fs::write(tmp.path().join("cd.cfg"), "SampleRates = 44100, 48000\n").unwrap();
    let out = sim(
        tmp.path(),
        &[
            "--config",
            "cd.cfg",
            "--seconds",
            "0.5",
            "--rate",
            "44100",
            "--render-format",
            "int16",
            "--capture-format",
            "int24",
            "--render-channels",
            "1",
            "--capture-channels",
            "2",
            "--period-ms",
            "2.5",
            "--out",
            "conv",
            "--quiet",
            "--expect-bit-exact",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "--quiet prints no summary");
    let dir = tmp.path().join("conv");
    let r = report(&dir);
    assert_eq!(r["capture_exact"], true);
    // Different formats on the two sides: never "bit-identical", but exactly the expected
    // conversion.
    assert_eq!(r["verdict"], "expected-conversion");
    assert_eq!(r["same_format"], false);
    assert_eq!(r["period_us"], 2_500);
    assert_eq!(r["render"]["format"]["sample_type"], "int16");
    assert_eq!(r["render"]["format"]["channels"], 1);
    assert_eq!(r["capture"]["format"]["sample_type"], "int24");
    // 2.5 ms at 44.1 kHz is 110.25 frames: packets round down to 110.
    assert_eq!(r["capture"]["packet_frames"], 110);
    let wav = hound::WavReader::open(dir.join("capture.wav")).unwrap();
    assert_eq!(wav.spec().bits_per_sample, 24);
    assert_eq!(wav.spec().channels, 2);
    assert_eq!(wav.spec().sample_rate, 44_100);
    assert_eq!(
        u64::from(wav.duration()),
        r["frames_read"].as_u64().unwrap()
    );
}

#[test]
fn position_mode_is_bit_exact_too() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sim(
        tmp.path(),
        &[
            "--seconds",
            "0.5",
            "--no-packet-mode",
            "--format",
            "int24in32",
            "--quiet",
            "--expect-bit-exact",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = report(&tmp.path().join("out"));
    assert_eq!(r["packet_mode"], false);
    assert_eq!(r["wav"]["bits_per_sample"], 32);
    assert_eq!(r["wav"]["format_tag"], "WAVE_FORMAT_PCM");
    assert!(r["wav"]["note"].as_str().unwrap().contains("int24in32"));
}

#[test]
fn one_packet_per_buffer_runs_in_position_mode_bit_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sim(
        tmp.path(),
        &[
            "--seconds",
            "0.2",
            "--packets",
            "1",
            "--quiet",
            "--expect-bit-exact",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A note, with exactly one prefix.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cadenza-sim: note: --packets 1 uses position mode"),
        "{stderr}"
    );
    assert!(!stderr.contains("warning: note"), "{stderr}");
    let r = report(&tmp.path().join("out"));
    assert_eq!(r["packets"], 1);
    assert_eq!(r["packet_mode"], false);
    assert_eq!(r["render"]["underrun_frames"], 0);
}

#[test]
fn bad_options_fail_with_a_helpful_message() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--format", "pcm8"],
            "float32, int32, int24in32, int24, int16",
        ),
        (&["--rate", "4000"], "8000 to 384000"),
        (&["--channels", "17"], "1 to 16"),
        (&["--period-ms", "0.5"], "1 to 100 ms"),
        (&["--period-ms", "2.0001"], "decimals"),
        (&["--packets", "3"], "--packets"),
        (&["--seconds", "0"], "more than 0"),
        (&["--late-max-us", "100"], "--late-ppm"),
        (&["--framework", "wdm"], "engine, portcls, acx"),
        (&["--config", "no-such-file.txt"], "no-such-file.txt"),
    ];
    for (args, expected) in cases {
        let out = sim(tmp.path(), args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Nothing was written for a run that never started.
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn late_timers_show_up_as_glitches() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sim(
        tmp.path(),
        &[
            "--seconds",
            "1",
            "--late-ppm",
            "200000",
            "--late-max-us",
            "25000",
            "--seed",
            "3",
            "--quiet",
            "--expect-bit-exact",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not clean"));
    let r = report(&tmp.path().join("out"));
    assert!(r["glitches"].as_u64().unwrap() > 0, "{r}");
    let missed = r["render"]["missed_notifications"].as_u64().unwrap()
        + r["capture"]["missed_notifications"].as_u64().unwrap();
    assert!(missed > 0, "{r}");
    let late_us = r["render"]["notification_lateness"]["max_us"]
        .as_f64()
        .unwrap()
        .max(
            r["capture"]["notification_lateness"]["max_us"]
                .as_f64()
                .unwrap(),
        );
    assert!(late_us > 0.0 && late_us <= 25_000.0, "{r}");
    assert_eq!(r["render"]["notifications_off_grid"], 0);
    assert_eq!(r["late_timers"]["ppm"], 200_000);
    // Without --expect-bit-exact, a completed run exits 0 whatever it found.
    let out = sim(
        tmp.path(),
        &["--seconds", "0.2", "--late-ppm", "200000", "--quiet"],
    );
    assert!(out.status.success());
}

#[test]
fn a_config_file_sets_the_device_and_options_override_it() {
    let tmp = tempfile::tempdir().unwrap();
    let config = "; a small device\nChannels = 1\nSampleRates = 44100, 48000\nDefaultSampleRate = 44100\n\
                  SampleTypes = int16\nPeriodUs = 5000\nCables = 2\nNoSuchKey = 1\n";
    std::fs::write(tmp.path().join("device.txt"), config).unwrap();

    let out = sim(
        tmp.path(),
        &[
            "--config",
            "device.txt",
            "--seconds",
            "0.3",
            "--quiet",
            "--expect-bit-exact",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("NoSuchKey"),
        "the unknown key is reported: {stderr}"
    );
    let r = report(&tmp.path().join("out"));
    assert_eq!(r["cables"], 2);
    assert_eq!(r["period_us"], 5_000);
    assert_eq!(r["capture"]["format"]["sample_type"], "int16");
    assert_eq!(r["capture"]["format"]["channels"], 1);
    assert_eq!(r["capture"]["format"]["rate_hz"], 44_100);

    let out = sim(
        tmp.path(),
        &[
            "--config",
            "device.txt",
            "--seconds",
            "0.3",
            "--channels",
            "2",
            "--quiet",
        ],
    );
    // The driver runs with the file's configuration, so a format it does not offer is
    // refused — and the message names the format and the key.
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("44100 Hz, 2 channels, int16")
            && stderr.contains("Channels = 1 allows at most 1 channels, not 2"),
        "the refusal names the format and the key: {stderr}"
    );
}

/// The promise: every framework's driver runs with the configuration the user gave (or the
/// defaults), so a stream format it does not offer is refused by all three alike, and the
/// error names the format and the configuration key that excludes it.
#[test]
fn a_refused_format_names_the_format_and_the_key_in_every_framework() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("float.cfg"), "SampleTypes = float32\n").unwrap();
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["--rate", "96000"],
            &[
                "render format 96000 Hz, 2 channels, float32",
                "SampleRates = 48000 does not include 96000 Hz",
            ],
        ),
        (
            &["--capture-channels", "8"],
            &[
                "capture format 48000 Hz, 8 channels, float32",
                "Channels = 2 allows at most 2 channels, not 8",
            ],
        ),
        (
            &["--config", "float.cfg", "--format", "int16"],
            &[
                "48000 Hz, 2 channels, int16",
                "SampleTypes = float32 does not include int16",
            ],
        ),
    ];
    for (args, expected) in cases {
        for framework in ["engine", "portcls", "acx"] {
            let mut all = vec!["--framework", framework, "--seconds", "0.1", "--quiet"];
            all.extend_from_slice(args);
            let out = sim(tmp.path(), &all);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{framework} {args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("the {framework} driver refused the stream")),
                "{framework} {args:?}: {stderr}"
            );
            for e in expected {
                assert!(stderr.contains(e), "{framework} {args:?}: {e} in {stderr}");
            }
        }
    }
}
