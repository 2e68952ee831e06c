//! Promises of the configuration parser (the code both drivers and the `cadenza` tool run on
//! the registry's `Parameters` values), written for the survivors of a cargo-mutants run over
//! `driver/engine/src/config/` (docs/reliability.md, "Mutation testing"). Expectations are
//! written out by hand, not computed by the parser.

use cadenza_engine::config::{
    ConfigBuilder, ConfigWarning, DeviceKind, Excerpt, MissingKeys, RegValue, parse_text,
};
use cadenza_engine::format::range::SampleTypeSet;
use cadenza_engine::format::{SampleRate, SampleType};

fn parse(text: &str) -> (cadenza_engine::config::DeviceConfig, Vec<String>) {
    let mut warnings = Vec::new();
    let config = parse_text(text, &mut |w: ConfigWarning| warnings.push(w.to_string()));
    (config, warnings)
}

/// Promise: `DeviceKind` selects what the endpoint pair is — the tone source and the null sink
/// are reachable by name (any case, blanks ignored), and a name that is none of the three is
/// refused with a warning and the cable kept.
#[test]
fn device_kind_tone_null_and_cable_are_chosen_by_name_and_anything_else_keeps_the_cable() {
    for (text, kind) in [
        ("DeviceKind = tone", DeviceKind::Tone),
        ("DeviceKind =  NULL ", DeviceKind::Null),
        ("DeviceKind = Cable", DeviceKind::Cable),
    ] {
        let (config, warnings) = parse(text);
        assert_eq!(config.device_kind(), kind, "{text}");
        assert!(warnings.is_empty(), "{text}: {warnings:?}");
    }
    let (config, warnings) = parse("DeviceKind = organ");
    assert_eq!(config.device_kind(), DeviceKind::Cable);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("DeviceKind"), "{warnings:?}");
    assert_eq!(DeviceKind::from_name("tone"), Some(DeviceKind::Tone));
    assert_eq!(DeviceKind::from_name("null"), Some(DeviceKind::Null));
    assert_eq!(DeviceKind::from_name("organ"), None);
}

/// Promise: a value written with the wrong registry type is named by its type in the log line
/// ("is REG_BINARY, expected REG_DWORD"), for every type Windows defines (winnt.h codes 0-11),
/// so a user reading the log knows what to fix; a code past them is given as a number.
#[test]
fn a_value_of_another_registry_type_is_named_by_that_type_in_the_warning() {
    let names = [
        (0, "REG_NONE"),
        (1, "REG_SZ"),
        (2, "REG_EXPAND_SZ"),
        (3, "REG_BINARY"),
        (5, "REG_DWORD_BIG_ENDIAN"),
        (6, "REG_LINK"),
        (7, "REG_MULTI_SZ"),
        (8, "REG_RESOURCE_LIST"),
        (9, "REG_FULL_RESOURCE_DESCRIPTOR"),
        (10, "REG_RESOURCE_REQUIREMENTS_LIST"),
        (11, "REG_QWORD"),
    ];
    for (code, name) in names {
        let mut builder = ConfigBuilder::new(MissingKeys::Ignore);
        let warning = builder
            .apply("Channels", RegValue::Other { reg_type: code })
            .expect("a REG_DWORD key given another type is a warning");
        let text = warning.to_string();
        assert!(
            text.contains(&format!("is {name}, expected REG_DWORD")),
            "code {code}: {text}"
        );
    }
    let mut builder = ConfigBuilder::new(MissingKeys::Ignore);
    let text = builder
        .apply("Channels", RegValue::Other { reg_type: 12 })
        .expect("warning")
        .to_string();
    assert!(
        text.contains("has registry type 12, expected REG_DWORD"),
        "{text}"
    );
}

/// Promise: a comma-separated list in a configuration file means exactly its items — no empty
/// first item (which the parser would warn about or count) — so `SampleTypes = int16, float32`
/// offers those two types and nothing is reported.
#[test]
fn a_comma_separated_list_is_exactly_its_items() {
    let (config, warnings) = parse("SampleTypes = int16, \"float32\"");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        config.sample_types(),
        SampleTypeSet::of(&[SampleType::Int16, SampleType::Float32])
    );
    let (config, warnings) = parse("SampleRates = 44100,48000\nDefaultSampleRate = 44100");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.default_rate().hz(), 44_100);
}

/// Promise: a warning quotes what the user wrote (up to 32 characters), so the log shows the
/// offending text itself.
#[test]
fn an_excerpt_keeps_the_text_it_quotes_up_to_32_characters() {
    assert_eq!(Excerpt::new("LatencyMs").as_str(), "LatencyMs");
    let long = "abcdefghijklmnopqrstuvwxyz0123456789";
    assert_eq!(
        Excerpt::new(long).as_str(),
        "abcdefghijklmnopqrstuvwxyz012345"
    );
    assert_eq!(
        Excerpt::new(long).to_string(),
        "\"abcdefghijklmnopqrstuvwxyz012345...\""
    );
}

/// Promise: naming a sample type or a rate twice offers it once — a repeated item never
/// cancels itself out of the list (checked member by member, not against a set the parser's
/// own code builds).
#[test]
fn an_item_listed_twice_is_offered_once() {
    let (config, warnings) = parse("SampleTypes = float32, int16, float32, int16, int16");
    assert!(warnings.is_empty(), "{warnings:?}");
    let offered: Vec<SampleType> = config.sample_types().iter().collect();
    // Best first, the order of SampleType::ALL.
    assert_eq!(offered, [SampleType::Float32, SampleType::Int16]);
    let (config, warnings) = parse("SampleRates = 48000, 44100, 48000\nDefaultSampleRate = 48000");
    assert!(warnings.is_empty(), "{warnings:?}");
    let rates: Vec<u32> = config.rates().iter().map(SampleRate::hz).collect();
    assert_eq!(rates, [44_100, 48_000]);
}
