//! Subdevice names shared with the INF.
//!
//! `PcRegisterSubdevice` registers each filter under a name, and that name becomes the
//! reference string of the filter's device interfaces: the INF's `.Interfaces` section must
//! use exactly the same strings (`AddInterface=%KSCATEGORY_AUDIO%,"Wave1",...`). This table is
//! the one place those strings live; the INF checker imports it.
//!
//! Each cable is one wave filter (render and capture pins) and one topology filter (both
//! paths), so a cable has two subdevices. The strings are plain ASCII so that the UTF-16 forms
//! the kernel needs can be made at compile time ([`CableNames::wave_utf16`]).

/// The most cables a configuration may ask for (`DeviceConfig::cables` is 1..=8).
pub const MAX_CABLES: usize = 8;

/// Length of the NUL-terminated UTF-16 buffers: longest name plus the NUL, with room to spare.
pub const UTF16_NAME_UNITS: usize = 16;

/// The two subdevice names of one cable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CableNames {
    /// The WaveRT filter (render and capture streaming pins).
    pub wave: &'static str,
    /// The topology filter (volume, mute and jack of both paths).
    pub topology: &'static str,
}

/// Subdevice names of cable `n` (0-based) at index `n`.
pub const CABLES: [CableNames; MAX_CABLES] = [
    CableNames {
        wave: "Wave1",
        topology: "Topology1",
    },
    CableNames {
        wave: "Wave2",
        topology: "Topology2",
    },
    CableNames {
        wave: "Wave3",
        topology: "Topology3",
    },
    CableNames {
        wave: "Wave4",
        topology: "Topology4",
    },
    CableNames {
        wave: "Wave5",
        topology: "Topology5",
    },
    CableNames {
        wave: "Wave6",
        topology: "Topology6",
    },
    CableNames {
        wave: "Wave7",
        topology: "Topology7",
    },
    CableNames {
        wave: "Wave8",
        topology: "Topology8",
    },
];

/// The names of cable `index` (0-based), or `None` past [`MAX_CABLES`].
pub const fn cable(index: usize) -> Option<&'static CableNames> {
    if index < MAX_CABLES {
        Some(&CABLES[index])
    } else {
        None
    }
}

/// `s` as NUL-terminated UTF-16, for ASCII `s` shorter than [`UTF16_NAME_UNITS`]. Anything
/// else yields `None`, so a bad table entry fails the tests instead of registering a
/// truncated name.
pub const fn utf16z(s: &str) -> Option<[u16; UTF16_NAME_UNITS]> {
    let bytes = s.as_bytes();
    if bytes.len() >= UTF16_NAME_UNITS {
        return None;
    }
    let mut out = [0u16; UTF16_NAME_UNITS];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !b.is_ascii() || b == 0 {
            return None;
        }
        out[i] = b as u16;
        i += 1;
    }
    Some(out)
}

impl CableNames {
    /// The wave name as NUL-terminated UTF-16 (`PcRegisterSubdevice` takes a `PWSTR`).
    pub const fn wave_utf16(&self) -> Option<[u16; UTF16_NAME_UNITS]> {
        utf16z(self.wave)
    }

    /// The topology name as NUL-terminated UTF-16.
    pub const fn topology_utf16(&self) -> Option<[u16; UTF16_NAME_UNITS]> {
        utf16z(self.topology)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Duration;

    /// Runs `check` on its own thread and fails if it has not finished within 10 s: the
    /// encoder is a hand-written index loop (it must be `const`), and a loop that stops
    /// advancing must fail the test, not hang the run.
    fn within_10_s(check: fn()) {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            check();
            let _ = done.send(());
        });
        match finished.recv_timeout(Duration::from_secs(10)) {
            Ok(()) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("the name check did not finish within 10 s: utf16z stopped advancing")
            }
            // The check's thread panicked (its assertion message is printed above).
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the name check failed"),
        }
    }

    #[test]
    fn names_are_unique_numbered_and_encodable() {
        within_10_s(names_are_unique_numbered_and_encodable_body);
    }

    fn names_are_unique_numbered_and_encodable_body() {
        let mut seen = HashSet::new();
        for (i, c) in CABLES.iter().enumerate() {
            assert!(
                seen.insert(c.wave) && seen.insert(c.topology),
                "duplicate in {c:?}"
            );
            let n = format!("{}", i + 1);
            assert!(c.wave.ends_with(&n) && c.topology.ends_with(&n));
            let w = c.wave_utf16().expect("ASCII, short");
            assert_eq!(
                std::string::String::from_utf16_lossy(&w[..c.wave.len()]),
                c.wave
            );
            assert_eq!(w[c.wave.len()], 0);
            // PcRegisterSubdevice gets exactly the topology name, NUL-terminated.
            let t = c.topology_utf16().expect("ASCII, short");
            assert_eq!(
                std::string::String::from_utf16_lossy(&t[..c.topology.len()]),
                c.topology
            );
            assert_eq!(t[c.topology.len()], 0);
        }
        assert_eq!(cable(7).map(|c| c.wave), Some("Wave8"));
        assert!(cable(MAX_CABLES).is_none());
        assert_eq!(
            usize::from(cadenza_engine::config::DeviceConfig::default().cables()),
            1
        );
    }

    #[test]
    fn utf16z_refuses_what_it_cannot_encode() {
        within_10_s(utf16z_refuses_what_it_cannot_encode_body);
    }

    fn utf16z_refuses_what_it_cannot_encode_body() {
        assert!(utf16z("Wave\u{e9}").is_none());
        assert!(utf16z("0123456789abcdef").is_none());
        assert!(utf16z("a\0b").is_none());
        assert_eq!(utf16z("").map(|w| w[0]), Some(0));
    }
}
