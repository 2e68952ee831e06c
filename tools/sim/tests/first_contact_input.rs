//! `cadenza-sim --input FILE.wav`: the user's own audio through the cable, as a user runs it.
//!
//! The WAV files are built here byte by byte from the WAV layout (not with the simulator's
//! writer), and the expected captures are computed here by hand, so the tests do not trust
//! the code they check.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const FRAMEWORKS: [&str; 3] = ["engine", "portcls", "acx"];

mod support;
#[allow(unused_imports)] // not every test file uses every helper
use support::{report, sim, text};

/// How a test file declares its samples.
#[derive(Clone, Copy, Debug)]
enum Tag {
    Pcm,
    Float,
    /// WAVE_FORMAT_EXTENSIBLE with the PCM (false) or IEEE float (true) subformat.
    Extensible {
        float: bool,
        valid_bits: u16,
    },
}

/// A WAV file, laid out by hand: RIFF header, `fmt ` (16, 18 or 40 bytes), `data`.
fn wav_file(tag: Tag, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut fmt = Vec::new();
    let code: u16 = match tag {
        Tag::Pcm => 1,
        Tag::Float => 3,
        Tag::Extensible { .. } => 0xFFFE,
    };
    fmt.extend_from_slice(&code.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    fmt.extend_from_slice(&block.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    match tag {
        Tag::Pcm => {}
        Tag::Float => fmt.extend_from_slice(&0u16.to_le_bytes()),
        Tag::Extensible { float, valid_bits } => {
            fmt.extend_from_slice(&22u16.to_le_bytes());
            fmt.extend_from_slice(&valid_bits.to_le_bytes());
            fmt.extend_from_slice(&((1u32 << channels) - 1).to_le_bytes());
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT.
            fmt.extend_from_slice(&[if float { 3 } else { 1 }, 0, 0, 0, 0, 0, 0x10, 0]);
            fmt.extend_from_slice(&[0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]);
        }
    }
    let mut out = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
    out.extend_from_slice(&u32::try_from(fmt.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    let riff = u32::try_from(out.len() - 8).unwrap();
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// The data chunk of a WAV file (found by walking the chunks, as any reader does).
fn data_chunk(file: &[u8]) -> &[u8] {
    assert_eq!(&file[0..4], b"RIFF");
    let mut at = 12;
    loop {
        let id = &file[at..at + 4];
        let len = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        if id == b"data" {
            return &file[at + 8..at + 8 + len];
        }
        at += 8 + len + len % 2;
    }
}

/// Deterministic "audio": a linear congruential sequence, bytes for integer samples.
fn noise_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x.to_be_bytes()[0]
        })
        .collect()
}

/// Deterministic float samples in [-1, 1).
fn noise_floats(n: usize, seed: u64) -> Vec<u8> {
    noise_bytes(n * 2, seed)
        .chunks_exact(2)
        .flat_map(|b| {
            let v = f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0;
            v.to_le_bytes()
        })
        .collect()
}

struct Case {
    name: &'static str,
    tag: Tag,
    channels: u16,
    bits: u16,
    data: Vec<u8>,
}

fn cases(frames: usize) -> Vec<Case> {
    vec![
        Case {
            name: "int16 stereo PCM",
            tag: Tag::Pcm,
            channels: 2,
            bits: 16,
            data: noise_bytes(frames * 4, 1),
        },
        Case {
            name: "int24 mono PCM",
            tag: Tag::Pcm,
            channels: 1,
            bits: 24,
            data: noise_bytes(frames * 3, 2),
        },
        Case {
            name: "int32 stereo PCM",
            tag: Tag::Pcm,
            channels: 2,
            bits: 32,
            data: noise_bytes(frames * 8, 3),
        },
        Case {
            name: "float32 stereo IEEE_FLOAT",
            tag: Tag::Float,
            channels: 2,
            bits: 32,
            data: noise_floats(frames * 2, 4),
        },
        Case {
            name: "float32 mono EXTENSIBLE",
            tag: Tag::Extensible {
                float: true,
                valid_bits: 32,
            },
            channels: 1,
            bits: 32,
            data: noise_floats(frames, 5),
        },
        Case {
            name: "int24in32 stereo EXTENSIBLE",
            tag: Tag::Extensible {
                float: false,
                valid_bits: 24,
            },
            channels: 2,
            bits: 32,
            // 24 valid bits: the padding byte of each sample is zero.
            data: noise_bytes(frames * 8, 6)
                .chunks_exact(4)
                .flat_map(|s| [0, s[1], s[2], s[3]])
                .collect(),
        },
    ]
}

/// Runs `--input` in `dir` and returns (status, stdout, report, capture.wav's data).
fn play(dir: &Path, args: &[&str]) -> (Output, Value, Vec<u8>) {
    let out = sim(dir, args);
    assert!(
        out.status.success(),
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out_dir = dir.join(args[args.iter().position(|a| *a == "--out").unwrap() + 1]);
    let r = report(&out_dir);
    let wav = std::fs::read(out_dir.join("capture.wav")).unwrap();
    (out, r, data_chunk(&wav).to_vec())
}

/// The promise: a WAV file whose format the cable carries unchanged comes out of the capture
/// side bit for bit — every sample type and header style, in every framework, in packet and
/// position mode — and the report and the summary say "bit-identical".
#[test]
fn a_wav_file_round_trips_bit_identical_in_every_framework() {
    let tmp = tempfile::tempdir().unwrap();
    // 0.25 s at 48 kHz: several packets, and a last packet the file only partly fills.
    let frames = 12_007;
    for (i, case) in cases(frames).iter().enumerate() {
        let name = format!("in{i}.wav");
        std::fs::write(
            tmp.path().join(&name),
            wav_file(case.tag, case.channels, 48_000, case.bits, &case.data),
        )
        .unwrap();
        for framework in FRAMEWORKS {
            for mode in [&[][..], &["--no-packet-mode"], &["--packets", "1"]] {
                let out_name = format!("o{i}-{framework}-{}", mode.len());
                let mut args = vec![
                    "--input",
                    &name,
                    "--framework",
                    framework,
                    "--out",
                    &out_name,
                    "--expect-bit-exact",
                ];
                args.extend_from_slice(mode);
                let (out, r, captured) = play(tmp.path(), &args);
                let who = format!("{} / {framework} / {mode:?}", case.name);
                assert_eq!(r["verdict"], "bit-identical", "{who}: {r}");
                assert_eq!(r["source"]["kind"], "file", "{who}");
                assert_eq!(r["source"]["frames"], frames, "{who}");
                assert_eq!(r["frames_compared"], frames, "{who}");
                assert_eq!(r["capture"]["format"]["channels"], case.channels, "{who}");
                assert!(
                    captured == case.data,
                    "{who}: capture.wav differs from the input"
                );
                let stdout = text(&out.stdout);
                assert!(
                    stdout.contains("capture: bit-identical to the input file"),
                    "{who}: {stdout}"
                );
            }
        }
    }
}

/// The promise: real speech (espeak-ng's 22 050 Hz mono int16) round-trips bit for bit in
/// every framework, once the configuration offers its rate.
#[test]
fn speech_from_espeak_round_trips_bit_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let made = Command::new("espeak-ng")
        .current_dir(tmp.path())
        .args(["-w", "speech.wav", "The cable carries every sample."])
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("note: espeak-ng is not installed; the speech round trip is skipped");
        return;
    }
    let speech = std::fs::read(tmp.path().join("speech.wav")).unwrap();
    std::fs::write(
        tmp.path().join("speech.cfg"),
        "SampleRates = 22050, 48000\n",
    )
    .unwrap();
    for framework in FRAMEWORKS {
        let out_name = format!("o-{framework}");
        let (_, r, captured) = play(
            tmp.path(),
            &[
                "--config",
                "speech.cfg",
                "--input",
                "speech.wav",
                "--framework",
                framework,
                "--out",
                &out_name,
                "-q",
            ],
        );
        assert_eq!(r["verdict"], "bit-identical", "{framework}: {r}");
        assert_eq!(r["capture"]["format"]["rate_hz"], 22_050);
        assert!(
            captured == data_chunk(&speech),
            "{framework}: the speech came back changed"
        );
    }
}

/// The promise: with another capture format the capture is the exact conversion of the file,
/// and the summary says "identical to the expected conversion", never "bit-identical".
#[test]
fn a_conversion_is_reported_as_the_expected_conversion() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = noise_bytes(4_800 * 2, 9); // 0.1 s of int16 mono
    std::fs::write(
        tmp.path().join("in.wav"),
        wav_file(Tag::Pcm, 1, 48_000, 16, &samples),
    )
    .unwrap();
    let ints: Vec<i16> = samples
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    // By hand: int16 → int24 puts the 16 bits on top of a zero byte; int16 → float32 is the
    // value over 2^15, exact in f32.
    let as_int24: Vec<u8> = ints
        .iter()
        .flat_map(|v| {
            let b = v.to_le_bytes();
            [0, b[0], b[1]]
        })
        .collect();
    let as_float: Vec<u8> = ints
        .iter()
        .flat_map(|v| (f32::from(*v) / 32_768.0).to_le_bytes())
        .collect();
    for (format, expected) in [("int24", as_int24), ("float32", as_float)] {
        for framework in FRAMEWORKS {
            let out_name = format!("o-{format}-{framework}");
            let (out, r, captured) = play(
                tmp.path(),
                &[
                    "--input",
                    "in.wav",
                    "--capture-format",
                    format,
                    "--framework",
                    framework,
                    "--out",
                    &out_name,
                    "--expect-bit-exact",
                ],
            );
            let who = format!("{format} {framework}");
            assert_eq!(r["verdict"], "expected-conversion", "{who}: {r}");
            assert_eq!(r["render"]["format"]["sample_type"], "int16", "{who}");
            assert!(captured == expected, "{who}: not the expected conversion");
            let stdout = text(&out.stdout);
            assert!(
                stdout.contains("capture: identical to the expected conversion of the input file"),
                "{who}: {stdout}"
            );
            assert!(!stdout.contains("bit-identical"), "{who}: {stdout}");
        }
    }
}

/// The promise: without --seconds the run plays the whole file (plus two periods for the
/// last packet to arrive); with --seconds shorter than the file, the report says the
/// capture is incomplete instead of claiming a match.
#[test]
fn the_run_lasts_as_long_as_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("half.wav"),
        wav_file(Tag::Pcm, 2, 48_000, 16, &noise_bytes(24_000 * 4, 11)),
    )
    .unwrap();
    let (_, r, captured) = play(tmp.path(), &["--input", "half.wav", "--out", "a", "-q"]);
    // 24 000 frames at 48 kHz is 0.5 s; two 10 ms periods follow.
    assert!(
        (r["duration_s"].as_f64().unwrap() - 0.52).abs() < 1e-9,
        "{r}"
    );
    assert_eq!(r["frames_compared"], 24_000);
    assert_eq!(captured.len(), 24_000 * 4);

    let (_, r, _) = play(
        tmp.path(),
        &[
            "--input",
            "half.wav",
            "--seconds",
            "0.3",
            "--out",
            "b",
            "-q",
        ],
    );
    assert_eq!(r["verdict"], "incomplete", "{r}");
    assert_eq!(r["capture_exact"], false);
}

/// The promise: a file the configuration or the cable cannot carry, a file that is not a
/// WAV, a truncated one, or one in an encoding the engine does not stream, is refused before
/// anything runs, with a message that names the file and says why — and nothing is written.
#[test]
fn unplayable_files_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(tmp.path().join(name), bytes).unwrap();
    write("cd.wav", wav_file(Tag::Pcm, 2, 44_100, 16, &[0; 400]));
    write("quad.wav", wav_file(Tag::Pcm, 4, 48_000, 16, &[0; 800]));
    write("ok.wav", wav_file(Tag::Pcm, 2, 48_000, 16, &[0; 400]));
    write("notes.wav", b"these are not audio samples".to_vec());
    let mut cut = wav_file(Tag::Pcm, 2, 48_000, 16, &noise_bytes(400, 1));
    cut.truncate(cut.len() - 10);
    write("cut.wav", cut);
    write("u8.wav", wav_file(Tag::Pcm, 1, 48_000, 8, &[128; 100]));
    let mut adpcm = wav_file(Tag::Pcm, 1, 48_000, 16, &[0; 100]);
    adpcm[20] = 2; // WAVE_FORMAT_ADPCM
    write("adpcm.wav", adpcm);

    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["--input", "cd.wav"],
            &[
                "cannot play --input cd.wav (44100 Hz, 2 channels, int16, WAVE_FORMAT_PCM)",
                "SampleRates = 48000 does not include 44100 Hz",
                "SampleRates = 44100, 48000",
            ],
        ),
        (
            &["--input", "quad.wav"],
            &[
                "cannot play --input quad.wav",
                "Channels = 2 allows at most 2 channels, not 4",
                "Channels = 4",
            ],
        ),
        (
            &["--input", "ok.wav", "--rate", "44100"],
            &[
                "differs from the --input file's 48000 Hz",
                "does not resample",
            ],
        ),
        (&["--input", "notes.wav"], &["notes.wav", "not a WAV file"]),
        (
            &["--input", "cut.wav"],
            &[
                "cut.wav",
                "truncated",
                "declares 400 bytes but only 390 follow",
            ],
        ),
        (
            &["--input", "u8.wav"],
            &["unsupported encoding", "8-bit integer samples"],
        ),
        (
            &["--input", "adpcm.wav"],
            &["unsupported encoding", "format tag 0x0002"],
        ),
    ];
    for (args, expected) in cases {
        let out = sim(tmp.path(), args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: `{e}` in {stderr}");
        }
        assert_eq!(
            stderr.matches("cadenza-sim: error: ").count(),
            1,
            "one message, one prefix: {stderr}"
        );
    }
    assert!(!tmp.path().join("out").exists(), "nothing written");
}
