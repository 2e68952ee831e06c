//! Names the INF and the driver must agree on.
//!
//! ACX publishes each circuit as a device interface whose **reference string is the circuit
//! name** (AcxCircuitInitAssignName); the INF's `AddInterface` lines name the same strings to
//! attach the endpoint's friendly name and properties. The tables here are the single source
//! of those strings: the INF lists every one of them (for all [`MAX_CABLES`] cables), and the
//! driver creates the circuits of the cables the configuration enables.
//!
//! Naming scheme: `CadenzaRender<n>` / `CadenzaCapture<n>` with the 1-based cable number, and
//! the friendly name `Cadenza Cable <n>` (the configuration's default `CableName` template) on
//! both endpoints of a cable.

use cadenza_engine::config::{DeviceConfig, NameString};
use cadenza_engine::stream::Direction;

/// The most cables the INF describes (the configuration allows 1 to 8).
pub const MAX_CABLES: u8 = 8;

/// Render circuit names (= KSCATEGORY_RENDER interface reference strings), cable 1 first.
pub const RENDER_CIRCUIT_NAMES: [&str; MAX_CABLES as usize] = [
    "CadenzaRender1",
    "CadenzaRender2",
    "CadenzaRender3",
    "CadenzaRender4",
    "CadenzaRender5",
    "CadenzaRender6",
    "CadenzaRender7",
    "CadenzaRender8",
];

/// Capture circuit names (= KSCATEGORY_CAPTURE interface reference strings), cable 1 first.
pub const CAPTURE_CIRCUIT_NAMES: [&str; MAX_CABLES as usize] = [
    "CadenzaCapture1",
    "CadenzaCapture2",
    "CadenzaCapture3",
    "CadenzaCapture4",
    "CadenzaCapture5",
    "CadenzaCapture6",
    "CadenzaCapture7",
    "CadenzaCapture8",
];

/// The friendly names the INF writes for each cable's endpoints (the default `CableName`
/// template numbered); a configured `CableName` replaces them at run time.
pub const INF_FRIENDLY_NAMES: [&str; MAX_CABLES as usize] = [
    "Cadenza Cable 1",
    "Cadenza Cable 2",
    "Cadenza Cable 3",
    "Cadenza Cable 4",
    "Cadenza Cable 5",
    "Cadenza Cable 6",
    "Cadenza Cable 7",
    "Cadenza Cable 8",
];

/// The volume element's name (KSAUDFNAME_VOLUME_CONTROL is what Windows shows; this is the
/// driver's label in debug output).
pub const VOLUME_ELEMENT_NAME: &str = "Volume";
/// The mute element's label.
pub const MUTE_ELEMENT_NAME: &str = "Mute";

/// The circuit name (interface reference string) of cable `cable` (0-based) in `direction`,
/// or `None` past [`MAX_CABLES`].
pub fn circuit_name(cable: u8, direction: Direction) -> Option<&'static str> {
    let table = match direction {
        Direction::Render => &RENDER_CIRCUIT_NAMES,
        Direction::Capture => &CAPTURE_CIRCUIT_NAMES,
    };
    table.get(usize::from(cable)).copied()
}

/// The friendly name of cable `cable`'s endpoints under `config` (its `CableName`, numbered),
/// or `None` if the configuration has no such cable.
pub fn endpoint_friendly_name(config: &DeviceConfig, cable: u8) -> Option<NameString> {
    config.cable_name(cable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::string::ToString;

    #[test]
    fn every_circuit_name_is_unique_and_numbered_from_one() {
        let mut seen = BTreeSet::new();
        for cable in 0..MAX_CABLES {
            for d in [Direction::Render, Direction::Capture] {
                let name = circuit_name(cable, d).unwrap();
                assert!(seen.insert(name), "{name} twice");
                assert!(name.ends_with(&(cable + 1).to_string()));
                assert!(
                    name.is_ascii() && !name.contains(' '),
                    "{name} is not a plain reference string"
                );
            }
        }
        assert_eq!(seen.len(), 2 * usize::from(MAX_CABLES));
        assert_eq!(circuit_name(MAX_CABLES, Direction::Render), None);
    }

    #[test]
    fn inf_friendly_names_are_the_default_configuration_names() {
        // The INF must show what an unconfigured driver calls its endpoints. The default
        // configuration has one cable and names it without a number only when it is alone, so
        // the comparison uses the template the INF numbers.
        let config = DeviceConfig::default();
        assert_eq!(config.cable_name_template(), "Cadenza Cable {n}");
        for (i, name) in INF_FRIENDLY_NAMES.iter().enumerate() {
            assert_eq!(*name, format!("Cadenza Cable {}", i + 1));
        }
        assert_eq!(
            endpoint_friendly_name(&config, 0).as_deref(),
            Some(INF_FRIENDLY_NAMES[0])
        );
        assert_eq!(endpoint_friendly_name(&config, 1), None);
    }
}
