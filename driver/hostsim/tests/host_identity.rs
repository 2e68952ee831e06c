//! What a device host tells its adapter about itself: which cable it is (the adapters name
//! their subdevices and debug messages by it) and which endpoints its kind has (a tone source
//! is a capture endpoint only, a null sink a render endpoint only); a stream on a missing
//! endpoint is refused with STATUS_INVALID_DEVICE_REQUEST.

use cadenza_engine::config::{DeviceConfig, DeviceKind, parse_text};
use cadenza_engine::device::virtual_device::VirtualDevice;
use cadenza_engine::format::Format;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::{EngineDriver, EngineHost};
use cadenza_hostsim::scenario::DriverUnderTest;

fn config(text: &str) -> DeviceConfig {
    parse_text(text, &mut |w| panic!("{text}: {w}"))
}

#[test]
fn a_host_reports_the_cable_number_it_was_made_for() {
    let eight = config("Cables = 8");
    for index in [0u8, 1, 2, 7] {
        let host = EngineHost::new(
            SimPlatform::new(1),
            index,
            &eight,
            Box::new(VirtualDevice::null()),
            None,
        )
        .expect("host");
        assert_eq!(host.index(), index);
    }
}

#[test]
fn each_kind_has_exactly_its_endpoints_and_refuses_a_stream_on_the_other() {
    for (kind, text, render, capture) in [
        (DeviceKind::Cable, "DeviceKind = cable", true, true),
        (DeviceKind::Tone, "DeviceKind = tone", false, true),
        (DeviceKind::Null, "DeviceKind = null", true, false),
    ] {
        let mut d = EngineDriver::with_config(SimPlatform::new(2), &config(text)).expect("driver");
        assert_eq!(d.host().kind(), kind);
        assert_eq!(
            [
                d.host().has_endpoint(Direction::Render),
                d.host().has_endpoint(Direction::Capture)
            ],
            [render, capture],
            "{kind:?}"
        );
        for (direction, present) in [(Direction::Render, render), (Direction::Capture, capture)] {
            let opened = d.open(direction, &Format::DEFAULT);
            if present {
                assert_eq!(opened, Ok(()), "{kind:?} {direction:?}");
                d.close(direction).expect("close");
            } else {
                assert_eq!(
                    opened,
                    Err(NtStatus::INVALID_DEVICE_REQUEST),
                    "{kind:?} {direction:?}"
                );
            }
        }
    }
}
