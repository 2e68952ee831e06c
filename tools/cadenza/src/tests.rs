//! The commands' promises, through [`crate::app::run`] with the fake system.

use std::path::{Path, PathBuf};

use crate::app::{Context, exit, run};
use crate::cli::USAGE;
use crate::fake::{Fake, FakeFiles, Install};
use crate::inf::{Framework, Inf};
use crate::params;
use crate::status::CLEAR_SCREEN;
use crate::system::{RawValue, Restart, SysError};

const INX: &str = include_str!("../../../inf/cadenza.inx");

/// What stampinf does to the template, as far as this tool reads it (as tools/infcheck's
/// Wine test stamps it).
fn stamped() -> String {
    INX.replace("$ARCH$", "amd64")
        .replace("$KMDFVERSION$", "1.33")
}

struct Outcome {
    code: i32,
    out: String,
    err: String,
}

fn cadenza(args: &str, sys: &mut Fake, files: &FakeFiles) -> Outcome {
    let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut cx = Context {
        exe_dir: Some(PathBuf::from("C:\\pkg")),
        out: &mut out,
        err: &mut err,
    };
    let code = run(&args, sys, files, &mut cx);
    Outcome {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// A complete package in `C:\pkg`: the stamped INF and both driver files.
fn package() -> FakeFiles {
    let mut files = FakeFiles::default();
    let dir = Path::new("C:\\pkg");
    files
        .files
        .insert(dir.join("cadenza.inf"), stamped().into_bytes());
    for f in ["cadenza_acx.sys", "cadenza_pc.sys"] {
        files.files.insert(dir.join(f), vec![0x4D, 0x5A]);
    }
    files
}

fn dword(name: &str, n: u32) -> RawValue {
    RawValue {
        name: name.to_owned(),
        reg_type: 4,
        data: n.to_le_bytes().to_vec(),
    }
}

#[test]
fn the_inf_models_use_the_hardware_ids_this_tool_looks_for() {
    for text in [INX.to_owned(), stamped()] {
        let inf = Inf::parse(&text);
        assert_eq!(
            inf.hardware_id(Framework::Acx).as_deref(),
            Some("ROOT\\CadenzaAcx")
        );
        assert_eq!(
            inf.hardware_id(Framework::PortCls).as_deref(),
            Some("ROOT\\CadenzaPortCls")
        );
        for f in Framework::ALL {
            assert_eq!(inf.hardware_id(f).as_deref(), Some(f.hardware_id()));
        }
        assert_eq!(
            inf.class(),
            Some(("MEDIA", "{4d36e96c-e325-11ce-bfc1-08002be10318}"))
        );
        assert_eq!(inf.source_files(), ["cadenza_acx.sys", "cadenza_pc.sys"]);
    }
}

#[test]
fn reset_writes_exactly_what_the_inf_writes_for_either_framework() {
    let inf = Inf::parse(INX);
    for f in Framework::ALL {
        let from_inf = inf.parameter_values(f).unwrap();
        assert_eq!(from_inf.len(), 9, "{f}: every key has an AddReg line");
        assert_eq!(from_inf, params::default_values(), "{f}");
    }
    // And, spelled out for two keys, the bytes the registry will hold.
    let defaults = params::default_values();
    assert_eq!(defaults[0], dword("Cables", 1));
    let types = defaults.iter().find(|v| v.name == "SampleTypes").unwrap();
    let expected: Vec<u8> = "float32\0int32\0int24in32\0int24\0int16\0\0"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!((types.reg_type, &types.data), (7, &expected));
}

#[test]
fn list_without_a_device_says_so_with_exit_code_7() {
    let o = cadenza("list", &mut Fake::admin(), &FakeFiles::default());
    assert_eq!(o.code, 7);
    assert_eq!(o.out, "");
    assert!(
        o.err.starts_with("cadenza: no Cadenza device is installed"),
        "{}",
        o.err
    );
}

#[test]
fn list_names_each_devices_framework_and_endpoints() {
    let mut sys = Fake::admin().with_device(Framework::PortCls);
    let values = sys.keys.get_mut("dev:ROOT\\MEDIA\\0000").unwrap();
    values.retain(|v| v.name != "Cables");
    values.push(dword("Cables", 2));
    let o = cadenza("list", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(
        o.out,
        "ROOT\\MEDIA\\0000\n  framework: PortCls (cadenza_pc.sys)\n  endpoint names (from its \
         configuration): Cadenza Cable 1, Cadenza Cable 2\n  endpoint names Windows shows: none \
         (no Cadenza filter interface is present: the device is not started)\n"
    );
}

/// The manual's `cadenza list` example is this very output.
#[test]
fn the_manuals_list_example_is_what_list_prints() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let values = sys.keys.get_mut("dev:ROOT\\MEDIA\\0000").unwrap();
    values.retain(|v| v.name != "Cables" && v.name != "CableName");
    values.push(dword("Cables", 1));
    values.push(RawValue {
        name: "CableName".to_owned(),
        reg_type: 1,
        data: crate::system::sz_bytes("Studio Bus"),
    });
    let dev = "ROOT\\MEDIA\\0000";
    let paths: Vec<String> = ["CadenzaRender1", "CadenzaCapture1"]
        .iter()
        .map(|r| filter_path(dev, r))
        .collect();
    for p in &paths {
        sys.names.insert(p.clone(), Ok("Studio Bus".to_owned()));
    }
    sys.filters.insert(dev.to_owned(), paths);
    let o = cadenza("list", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    let manual = include_str!("../../../docs/cadenza-tool.md");
    assert!(
        manual.contains(&format!("```text\n> cadenza list\n{}```", o.out)),
        "docs/cadenza-tool.md does not show `cadenza list` as it prints:\n{}",
        o.out
    );
}

/// Promise: `list` shows the names Windows shows — each Cadenza filter interface's friendly
/// name as the running driver set it — by cable, beside the configured ones, and says which
/// interface has none or could not be read.
#[test]
fn list_shows_the_endpoint_names_the_running_driver_published() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let dev = "ROOT\\MEDIA\\0000";
    let paths: Vec<String> = [
        "CadenzaCapture1",
        "CadenzaRender1",
        "CadenzaRender2",
        "CadenzaCapture2",
        "eHDMI",
    ]
    .iter()
    .map(|r| filter_path(dev, r))
    .collect();
    sys.names
        .insert(paths[0].clone(), Ok("Studio Bus 1".to_owned()));
    sys.names
        .insert(paths[1].clone(), Ok("Studio Bus 1".to_owned()));
    sys.names.insert(
        paths[3].clone(),
        Err(SysError::new("CM_Get_Device_Interface_PropertyW", 0).with_detail("CONFIGRET 13")),
    );
    sys.names
        .insert(paths[4].clone(), Ok("not ours".to_owned()));
    sys.filters.insert(dev.to_owned(), paths);
    let o = cadenza("list", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(
        o.out.ends_with(
            "  endpoint names Windows shows:\n\
             \x20   cable 1 render circuit CadenzaRender1: \"Studio Bus 1\"\n\
             \x20   cable 1 capture circuit CadenzaCapture1: \"Studio Bus 1\"\n\
             \x20   cable 2 render circuit CadenzaRender2: no friendly name set\n\
             \x20   cable 2 capture circuit CadenzaCapture2: unknown \
             (CM_Get_Device_Interface_PropertyW failed: CONFIGRET 13)\n"
        ),
        "{}",
        o.out
    );
}

#[test]
fn install_checks_elevation_test_signing_package_and_existing_device_first() {
    let files = package();
    let mut sys = Fake::admin();
    sys.elevated = false;
    let o = cadenza("install --framework acx", &mut sys, &files);
    assert_eq!(o.code, 3, "{}", o.err);
    assert!(o.err.contains("Administrator"), "{}", o.err);

    let mut sys = Fake::admin();
    sys.test_signing = false;
    let o = cadenza("install --framework acx", &mut sys, &files);
    assert_eq!(o.code, 4, "{}", o.err);
    assert!(o.err.contains("bcdedit /set testsigning on"), "{}", o.err);

    let mut sys = Fake::admin();
    let o = cadenza(
        "install --framework acx --inf D:\\nowhere.inf",
        &mut sys,
        &files,
    );
    assert_eq!(o.code, 5);
    assert!(
        o.err
            .contains("driver package missing: cannot read D:\\nowhere.inf"),
        "{}",
        o.err
    );

    let mut partial = package();
    partial
        .files
        .remove(Path::new("C:\\pkg").join("cadenza_pc.sys").as_path());
    let o = cadenza("install --framework acx", &mut sys, &partial);
    assert_eq!(o.code, 5);
    assert!(o.err.contains("cadenza_pc.sys missing beside"), "{}", o.err);

    let mut template = package();
    template.files.insert(
        Path::new("C:\\pkg").join("cadenza.inf"),
        INX.as_bytes().to_vec(),
    );
    let o = cadenza("install --framework acx", &mut sys, &template);
    assert_eq!(o.code, 5);
    assert!(o.err.contains("unstamped template"), "{}", o.err);

    let mut present = Fake::admin().with_device(Framework::PortCls);
    let o = cadenza("install --framework acx", &mut present, &files);
    assert_eq!(o.code, 6);
    assert!(
        o.err
            .contains("already installed: ROOT\\MEDIA\\0000 (PortCls"),
        "{}",
        o.err
    );
    for s in [&sys, &present] {
        assert_eq!(s.calls, Vec::<String>::new(), "nothing was changed");
    }
}

#[test]
fn install_creates_the_root_device_with_the_frameworks_hardware_id() {
    let mut sys = Fake::admin();
    let o = cadenza("install --framework portcls", &mut sys, &package());
    assert_eq!(o.code, 0, "{}", o.err);
    let inf = Path::new("C:\\pkg").join("cadenza.inf");
    assert_eq!(
        sys.calls,
        [
            "create ROOT\\MEDIA\\0000 ROOT\\CadenzaPortCls {4d36e96c-e325-11ce-bfc1-08002be10318}"
                .to_owned(),
            format!("install ROOT\\CadenzaPortCls {}", inf.display()),
        ]
    );
    // The driver's parser accepts what the installed device now holds.
    let (_, warnings) = params::driver_read(sys.values("dev:ROOT\\MEDIA\\0000"));
    assert_eq!(warnings, []);
}

#[test]
fn a_failed_driver_install_removes_the_device_again() {
    let mut sys = Fake::admin();
    sys.install = Install::Fails;
    let o = cadenza("install --framework acx", &mut sys, &package());
    assert_eq!(o.code, 1);
    assert!(
        o.err.contains("ERROR_DRIVER_STORE_ADD_FAILED")
            && o.err
                .contains("the device ROOT\\MEDIA\\0000 was removed again"),
        "{}",
        o.err
    );
    assert_eq!(sys.devices, []);
}

#[test]
fn an_install_that_leaves_the_device_without_a_driver_is_a_failure() {
    let mut sys = Fake::admin();
    sys.install = Install::NoDriver;
    let o = cadenza("install --framework acx", &mut sys, &package());
    assert_eq!(o.code, 1, "{}", o.out);
    assert!(
        o.err.contains(
            "the device has no driver key (no model of the INF was chosen for ROOT\\CadenzaAcx)"
        ),
        "{}",
        o.err
    );
    assert_eq!(sys.devices, []);
}

#[test]
fn config_set_refuses_what_the_driver_refuses_and_writes_nothing() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let o = cadenza("config set Channels 20", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 8);
    assert!(
        o.err.contains(
            "\n  configuration: Channels: 20 is out of range 1..=16; using the default 2\n"
        ),
        "{}",
        o.err
    );
    assert!(o.err.ends_with("Nothing was written.\n"), "{}", o.err);
    assert_eq!(sys.calls, Vec::<String>::new());
}

#[test]
fn config_set_writes_and_restarts_the_device() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let o = cadenza("config set channels 0x8", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(
        sys.calls,
        [
            "write dev:ROOT\\MEDIA\\0000 Channels",
            "restart ROOT\\MEDIA\\0000"
        ]
    );
    let v = params::find(sys.values("dev:ROOT\\MEDIA\\0000"), "Channels").unwrap();
    assert_eq!(v, &dword("Channels", 8));
    assert!(
        o.out
            .starts_with("Set Channels = 8 in the Parameters key of device ROOT\\MEDIA\\0000.\n"),
        "{}",
        o.out
    );
    assert!(o.out.contains("Restarted ROOT\\MEDIA\\0000"), "{}", o.out);
}

#[test]
fn a_restart_windows_defers_is_reported_with_exit_code_9() {
    for result in [
        Ok(Restart::RebootNeeded),
        Err(SysError::new(
            "SetupDiCallClassInstaller(DIF_PROPERTYCHANGE)",
            5,
        )),
    ] {
        let mut sys = Fake::admin().with_device(Framework::Acx);
        sys.restart_result = Some(result);
        let o = cadenza("config set Cables 3", &mut sys, &FakeFiles::default());
        assert_eq!(o.code, 9, "{}", o.out);
        assert!(
            o.out
                .contains("pnputil /restart-device \"ROOT\\MEDIA\\0000\""),
            "{}",
            o.out
        );
    }
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let o = cadenza(
        "config set Cables 3 --no-restart",
        &mut sys,
        &FakeFiles::default(),
    );
    assert_eq!(o.code, 0);
    assert!(!sys.calls.iter().any(|c| c.starts_with("restart")));
}

#[test]
fn changing_a_device_needs_elevation_but_showing_it_does_not() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    sys.elevated = false;
    assert_eq!(
        cadenza("config set Cables 2", &mut sys, &FakeFiles::default()).code,
        3
    );
    assert_eq!(
        cadenza("config reset", &mut sys, &FakeFiles::default()).code,
        3
    );
    let o = cadenza("config show", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(
        o.out.contains("The driver accepts every value"),
        "{}",
        o.out
    );
}

#[test]
fn config_on_a_registry_key_needs_no_device_and_restarts_nothing() {
    let mut sys = Fake::admin();
    sys.elevated = false;
    let files = FakeFiles::default();
    let key = "--key HKCU\\Software\\CadenzaTest\\Parameters";
    let o = cadenza(&format!("config reset {key}"), &mut sys, &files);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(o.out.contains("No device restarted"), "{}", o.out);
    let o = cadenza(
        &format!("config set SampleRates 44100,48000 {key}"),
        &mut sys,
        &files,
    );
    assert_eq!(o.code, 0, "{}", o.err);
    let o = cadenza(&format!("config show {key}"), &mut sys, &files);
    assert!(
        o.out
            .contains("SampleRates        REG_MULTI_SZ  44100, 48000   (default: 48000)"),
        "{}",
        o.out
    );
    assert!(!sys.calls.iter().any(|c| c.starts_with("restart")));
    let stored = sys.values("key:HKCU\\Software\\CadenzaTest\\Parameters");
    assert_eq!(stored.len(), 9);
}

#[test]
fn reset_restores_the_inf_defaults() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    sys.keys.get_mut("dev:ROOT\\MEDIA\\0000").unwrap().clear();
    sys.keys
        .get_mut("dev:ROOT\\MEDIA\\0000")
        .unwrap()
        .push(dword("Channels", 7));
    let o = cadenza("config reset", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    let mut got = sys.values("dev:ROOT\\MEDIA\\0000").to_vec();
    let mut want = Inf::parse(INX).parameter_values(Framework::Acx).unwrap();
    got.sort_by(|a, b| a.name.cmp(&b.name));
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, want);
}

#[test]
fn several_devices_need_device_and_switch_keeps_the_configuration() {
    let mut two = Fake::admin()
        .with_device(Framework::Acx)
        .with_device(Framework::PortCls);
    let o = cadenza("config show", &mut two, &FakeFiles::default());
    assert_eq!(o.code, 2);
    assert!(
        o.err
            .contains("choose one with --device (ROOT\\MEDIA\\0000, ROOT\\MEDIA\\0001)"),
        "{}",
        o.err
    );
    let o = cadenza(
        "config show --device root\\media\\0001",
        &mut two,
        &FakeFiles::default(),
    );
    assert_eq!(o.code, 0, "{}", o.err);

    let mut sys = Fake::admin().with_device(Framework::Acx);
    assert_eq!(
        cadenza("config set Cables 4", &mut sys, &FakeFiles::default()).code,
        0
    );
    let o = cadenza("switch --framework acx", &mut sys, &package());
    assert_eq!(o.code, 6, "{}", o.err);
    let o = cadenza("switch --framework portcls", &mut sys, &package());
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(sys.devices.len(), 1);
    assert_eq!(sys.devices[0].hardware_ids, ["ROOT\\CadenzaPortCls"]);
    let id = sys.devices[0].instance_id.clone();
    let v = params::find(sys.values(&format!("dev:{id}")), "Cables").unwrap();
    assert_eq!(v, &dword("Cables", 4));
}

#[test]
fn uninstall_removes_every_cadenza_device() {
    let mut sys = Fake::admin()
        .with_device(Framework::Acx)
        .with_device(Framework::PortCls);
    let o = cadenza("uninstall", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(sys.devices, []);
    assert_eq!(
        cadenza("uninstall", &mut sys, &FakeFiles::default()).code,
        7
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = cadenza("statuz", &mut Fake::admin(), &FakeFiles::default());
    assert_eq!(o.code, 2);
    assert_eq!(
        o.err,
        "cadenza: unknown command \"statuz\"\n(`cadenza --help` lists the commands)\n"
    );
    let o = cadenza(
        "status --no-restart",
        &mut Fake::admin(),
        &FakeFiles::default(),
    );
    assert_eq!(o.code, 2);
    assert_eq!(
        o.err,
        "cadenza: --no-restart does not apply to `status`\n(`cadenza --help` lists the commands)\n"
    );
    let o = cadenza("--help", &mut Fake::admin(), &FakeFiles::default());
    assert_eq!(o.code, 0);
    assert!(o.out.contains("exit codes:"));
    assert!(
        o.out
            .contains("  status [--device ID] [--watch [--count N]]\n")
    );
}

#[test]
fn the_help_and_the_manual_list_the_exit_codes_the_code_returns() {
    let manual = include_str!("../../../docs/cadenza-tool.md");
    for (code, words) in [
        (exit::OK, "done"),
        (exit::SYSTEM, "a Windows call failed"),
        (exit::USAGE, "usage error"),
        (exit::NOT_ELEVATED, "not elevated"),
        (exit::TEST_SIGNING_OFF, "test signing is off"),
        (exit::PACKAGE, "driver package missing or incomplete"),
        (exit::ALREADY, "a Cadenza device is already installed"),
        (exit::NO_DEVICE, "no Cadenza device is installed"),
        (exit::REFUSED, "the configuration parser refused the value"),
        (exit::PENDING, "done, but it takes effect only after"),
        (
            exit::NO_STATUS,
            "the driver did not answer the live-status property with a valid snapshot",
        ),
    ] {
        let help_line = format!("\n  {code}  {words}");
        assert!(USAGE.contains(&help_line), "--help lacks {help_line:?}");
        let manual_row = format!("| {code} | {words}");
        assert!(
            manual.contains(&manual_row),
            "docs/cadenza-tool.md lacks {manual_row:?}"
        );
    }
}

#[test]
fn a_failed_switch_says_how_to_get_the_old_device_back() {
    let mut sys = Fake::admin().with_device(Framework::Acx);
    assert_eq!(
        cadenza("config set Channels 4", &mut sys, &FakeFiles::default()).code,
        0
    );
    sys.install = Install::Fails;
    let o = cadenza("switch --framework portcls", &mut sys, &package());
    assert_eq!(o.code, 1, "{}", o.out);
    assert!(
        o.err.contains(
            "The ACX (cadenza_acx.sys) device ROOT\\MEDIA\\0000 was already removed: \
             `cadenza install --framework acx` brings it back; its configuration was: "
        ),
        "{}",
        o.err
    );
    assert!(o.err.contains("Channels = 4"), "{}", o.err);
}

// ---- status ------------------------------------------------------------------------------

mod live {
    use cadenza_engine::format::{ChannelMask, Channels, Format, SampleRate, SampleType};
    use cadenza_engine::geometry::PacketCount;
    use cadenza_engine::level::Levels;
    use cadenza_engine::live_status::{
        BufferStatus, Counters, SNAPSHOT_BYTES, Slot, Snapshot, StreamStatus, encode,
    };
    use cadenza_engine::state::KsState;

    /// A render stream in RUN, packet mode, with some of every counter.
    pub fn running_render() -> StreamStatus {
        let channels = Channels::new(2).unwrap();
        StreamStatus {
            state: KsState::Run,
            format: Format::with_mask(
                SampleType::Float32,
                channels,
                SampleRate::new(48_000).unwrap(),
                ChannelMask::new(0x3, channels).unwrap(),
            ),
            buffer: Some(BufferStatus {
                packet_frames: 480,
                packets: PacketCount::Two,
                notify: true,
            }),
            packet_mode: true,
            position_frames: 96_000,
            completed_packets: 200,
            transferred_frames: 95_520,
            counters: Counters {
                wakeups: 400,
                early_wakeups: 2,
                notifications: 199,
                missed_notifications: 1,
                max_lateness_hns: 15_000,
                total_lateness_hns: 80_000,
                underrun_frames: 480,
                late_packets: 1,
                overrun_packets: 0,
                overflow_packets: 0,
                dropped_frames: 0,
            },
            // Left at half scale (-6.02 dBFS), right at a tenth (-20 dBFS).
            levels: Levels {
                window_frames: 4_800,
                windows: 20,
                peak_q31: core::array::from_fn(|ch| match ch {
                    0 => 1 << 30,
                    1 => 214_748_364,
                    _ => 0,
                }),
            },
        }
    }

    /// A capture stream opened and stopped, without a buffer yet (mono: front centre).
    pub fn stopped_capture() -> StreamStatus {
        StreamStatus {
            state: KsState::Stop,
            format: Format::new(
                SampleType::Int16,
                Channels::new(1).unwrap(),
                SampleRate::new(44_100).unwrap(),
            ),
            buffer: None,
            packet_mode: false,
            position_frames: 0,
            completed_packets: 0,
            transferred_frames: 0,
            counters: Counters::default(),
            levels: Levels::default(),
        }
    }

    pub fn bytes(render: Slot, capture: Slot) -> Vec<u8> {
        let mut out = [0u8; SNAPSHOT_BYTES];
        encode(&Snapshot { render, capture }, &mut out);
        out.to_vec()
    }
}

const AUDIO: &str = "{6994ad04-93ef-11d0-a3cc-00a0c9223196}";

fn filter_path(device: &str, reference: &str) -> String {
    format!("\\\\?\\{}#{AUDIO}\\{reference}", device.replace('\\', "#"))
}

/// A PortCls device with two cables: cable 1 rendering, cable 2 capturing (stopped).
fn portcls_with_status() -> Fake {
    use cadenza_engine::live_status::Slot;
    let mut sys = Fake::admin().with_device(Framework::PortCls);
    let dev = "ROOT\\MEDIA\\0000";
    let paths: Vec<String> = ["topology1", "wave1", "topology2", "wave2"]
        .iter()
        .map(|r| filter_path(dev, r))
        .collect();
    sys.status.insert(
        paths[1].clone(),
        Ok(live::bytes(Slot::Open(live::running_render()), Slot::Idle)),
    );
    sys.status.insert(
        paths[3].clone(),
        Ok(live::bytes(Slot::Idle, Slot::Open(live::stopped_capture()))),
    );
    sys.filters.insert(dev.to_owned(), paths);
    sys
}

const CABLE_1: &str = "\
Cable 1 (filter wave1)
  render   RUN     float32 2 ch 48000 Hz, channel mask 0x3
           buffer 2 x 480 frames (10.000 ms per packet), notifications on, packet mode
           position 96000 frames (2.000 s), 200 packets completed, 95520 frames transferred
           timer: 400 wake-ups (2 early), lateness max 1.500 ms, mean 0.020 ms
           notifications 199, missed 1 (late timers)
           glitches: underrun 480 frames, late 1 packets, overrun 0 packets, overflow 0 packets, dropped 0 frames
           levels (peak of the last window, 4800 frames = 100.000 ms; floor -60 dBFS):
             ch 1     -6.0 dBFS |####################################    |
             ch 2    -20.0 dBFS |###########################             |
  capture  no stream open
";

const CABLE_2: &str = "\
Cable 2 (filter wave2)
  render   no stream open
  capture  STOP    int16 1 ch 44100 Hz, channel mask 0x4
           no buffer attached
           position 0 frames (0.000 s), 0 packets completed, 0 frames transferred
           timer: 0 wake-ups (0 early), lateness max 0.000 ms, mean - ms
           notifications 0, missed 0 (late timers)
           glitches: underrun 0 frames, late 0 packets, overrun 0 packets, overflow 0 packets, dropped 0 frames
           levels: no complete 100 ms window yet
";

#[test]
fn status_shows_each_cable_as_the_driver_reports_it() {
    let mut sys = portcls_with_status();
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.err, "");
    assert_eq!(o.code, 0);
    assert_eq!(
        o.out,
        format!(
            "Cadenza live status: ROOT\\MEDIA\\0000, PortCls (cadenza_pc.sys)\n\n{CABLE_1}\n{CABLE_2}"
        )
    );
    // The topology filters are not asked.
    assert_eq!(sys.status_reads.get(), 2);
    // The manual shows this very output.
    let manual = include_str!("../../../docs/cadenza-tool.md");
    assert!(
        manual.contains(&format!("```text\n> cadenza status\n{}```", o.out)),
        "docs/cadenza-tool.md does not show `cadenza status` as it prints"
    );
}

#[test]
fn status_asks_one_acx_circuit_per_cable_and_falls_back_to_the_other() {
    use cadenza_engine::live_status::Slot;
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let dev = "ROOT\\MEDIA\\0000";
    let paths: Vec<String> = [
        "CadenzaCapture1",
        "CadenzaRender1",
        "CadenzaCapture2",
        "CadenzaRender2",
    ]
    .iter()
    .map(|r| filter_path(dev, r))
    .collect();
    let pair = live::bytes(Slot::Open(live::running_render()), Slot::Idle);
    // Cable 1: the render circuit refuses, the capture circuit answers for the pair.
    sys.status.insert(paths[0].clone(), Ok(pair.clone()));
    sys.status.insert(paths[2].clone(), Ok(pair.clone()));
    sys.status.insert(paths[3].clone(), Ok(pair));
    sys.filters.insert(dev.to_owned(), paths);
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(o.out.starts_with(
        "Cadenza live status: ROOT\\MEDIA\\0000, ACX (cadenza_acx.sys)\n\nCable 1 (filter CadenzaCapture1)\n  render   RUN "
    ), "{}", o.out);
    assert!(
        o.out.contains("\nCable 2 (filter CadenzaRender2)\n"),
        "{}",
        o.out
    );
    assert!(!o.out.contains("CadenzaCapture2"), "{}", o.out);
    // Render1 (refused), Capture1, Render2.
    assert_eq!(sys.status_reads.get(), 3);
}

#[test]
fn status_without_a_device_exits_7_and_several_devices_need_device() {
    let o = cadenza("status", &mut Fake::admin(), &FakeFiles::default());
    assert_eq!((o.code, o.out.as_str()), (7, ""));
    assert_eq!(o.err, "cadenza: no Cadenza device is installed\n");
    let mut sys = portcls_with_status().with_device(Framework::Acx);
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 2);
    assert_eq!(
        o.err,
        "cadenza: 2 Cadenza devices are installed; choose one with --device \
         (ROOT\\MEDIA\\0000, ROOT\\MEDIA\\0001)\n"
    );
    let o = cadenza(
        "status --device root\\media\\0000",
        &mut sys,
        &FakeFiles::default(),
    );
    assert_eq!(o.code, 0, "{}", o.err);
    let o = cadenza(
        "status --device ROOT\\MEDIA\\0009",
        &mut sys,
        &FakeFiles::default(),
    );
    assert_eq!(o.code, 7);
    assert_eq!(
        o.err,
        "cadenza: ROOT\\MEDIA\\0009 is not a Cadenza device (`cadenza list` lists them)\n"
    );
}

#[test]
fn a_device_whose_driver_does_not_answer_exits_10_and_says_why() {
    // Not started: no filter interfaces at all.
    let mut sys = Fake::admin().with_device(Framework::PortCls);
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!((o.code, o.out.as_str()), (10, ""));
    assert_eq!(
        o.err,
        "cadenza: device ROOT\\MEDIA\\0000 has no audio filter interface: its driver is not \
         running (the device is not started, disabled, or its driver failed to start; \
         `pnputil /enum-devices /instance-id \"ROOT\\MEDIA\\0000\"` shows its status)\n"
    );
    // Started, but no filter answers (an ACX driver without the property registered).
    let mut sys = Fake::admin().with_device(Framework::Acx);
    let dev = "ROOT\\MEDIA\\0000";
    sys.filters.insert(
        dev.to_owned(),
        vec![
            filter_path(dev, "CadenzaRender1"),
            filter_path(dev, "CadenzaCapture1"),
        ],
    );
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!((o.code, o.out.as_str()), (10, ""));
    assert_eq!(
        o.err,
        "cadenza: the driver of device ROOT\\MEDIA\\0000 did not answer the live-status \
         property ({0D5BF987-CEC3-4278-9A37-A21090511491}, id 1) on any filter: \
         CadenzaRender1: DeviceIoControl(IOCTL_KS_PROPERTY) failed (error 1170 / 0x00000492 \
         ERROR_SET_NOT_FOUND); CadenzaCapture1: DeviceIoControl(IOCTL_KS_PROPERTY) failed \
         (error 1170 / 0x00000492 ERROR_SET_NOT_FOUND).\n"
    );
    // Filters, but none of them Cadenza's wave filters or circuits.
    sys.filters
        .insert(dev.to_owned(), vec![filter_path(dev, "topology1")]);
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 10);
    assert_eq!(
        o.err,
        "cadenza: device ROOT\\MEDIA\\0000 has 1 audio filter interface(s), but none named as \
         a Cadenza wave filter or circuit (Wave<n>, CadenzaRender<n>, CadenzaCapture<n>)\n"
    );
}

#[test]
fn an_answer_that_is_not_a_snapshot_is_reported_and_exits_10() {
    let mut sys = portcls_with_status();
    let wave2 = filter_path("ROOT\\MEDIA\\0000", "wave2");
    let mut bad = sys.status[&wave2].clone().unwrap();
    bad[4] = 1; // version 1
    sys.status.insert(wave2, Ok(bad));
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 10);
    assert_eq!(o.err, "");
    assert!(
        o.out.ends_with(&format!(
            "{CABLE_1}\nCable 2 (filter wave2)\n  unreadable answer (472 bytes): another layout \
             version (this cadenza reads version 2)\n"
        )),
        "{}",
        o.out
    );
    // A cable whose filter refuses, next to one that answers.
    let mut sys = portcls_with_status();
    sys.status.insert(
        filter_path("ROOT\\MEDIA\\0000", "wave2"),
        Err(SysError::new("DeviceIoControl(IOCTL_KS_PROPERTY)", 1)),
    );
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 10);
    assert!(
        o.out.ends_with(&format!(
            "{CABLE_1}\nCable 2\n  no answer: wave2: DeviceIoControl(IOCTL_KS_PROPERTY) failed \
             (error 1 / 0x00000001 ERROR_INVALID_FUNCTION)\n"
        )),
        "{}",
        o.out
    );
}

#[test]
fn status_watch_redraws_until_its_count() {
    let mut sys = portcls_with_status();
    let o = cadenza("status --watch --count 3", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    let frame = format!(
        "{CLEAR_SCREEN}Cadenza live status: ROOT\\MEDIA\\0000, PortCls (cadenza_pc.sys)\n\n\
         {CABLE_1}\n{CABLE_2}\nRefreshing every 500 ms; Ctrl+C stops.\n"
    );
    assert_eq!(o.out, frame.repeat(3));
    assert_eq!(sys.calls, ["enable ansi", "wait 500", "wait 500"]);
    assert_eq!(sys.status_reads.get(), 6);
    // A failure ends the watch with its exit code.
    let mut sys = Fake::admin().with_device(Framework::PortCls);
    let o = cadenza("status --watch", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 10);
    assert_eq!(o.out, "");
}

/// Promise: a one-shot `status` of a stream whose meter was idle (nobody watched it) does not
/// show an empty meter: its request started the meter, so it waits one level window and asks
/// again; a stream that already has levels is asked once.
#[test]
fn status_asks_again_after_a_window_when_a_running_stream_had_no_levels() {
    use cadenza_engine::level::Levels;
    use cadenza_engine::live_status::Slot;
    let mut sys = Fake::admin().with_device(Framework::PortCls);
    let dev = "ROOT\\MEDIA\\0000";
    let wave = filter_path(dev, "wave1");
    let mut idle_meter = live::running_render();
    idle_meter.levels = Levels::default();
    sys.status.insert(
        wave.clone(),
        Ok(live::bytes(Slot::Open(idle_meter), Slot::Idle)),
    );
    sys.filters.insert(dev.to_owned(), vec![wave]);
    let o = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(sys.status_reads.get(), 2, "asked, then asked again");
    assert_eq!(sys.calls, ["wait 150"]);
    // With levels already there: one request, no wait.
    let mut sys = portcls_with_status();
    let _ = cadenza("status", &mut sys, &FakeFiles::default());
    assert_eq!(sys.status_reads.get(), 2, "one request per cable");
    assert!(sys.calls.is_empty(), "{:?}", sys.calls);
}
