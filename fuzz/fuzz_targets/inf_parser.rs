//! Arbitrary bytes into the INF decoder, parser and checker (what `cadenza-infcheck` reads
//! from `inf/cadenza.inx`). Never panics; every section and line the parser keeps is
//! queryable, and the checker's problems render.
#![no_main]

use cadenza_infcheck::{Inf, check, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = match decode(data) {
        Ok(t) => t,
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    };
    let inf = Inf::parse(&text);
    for s in inf.sections() {
        assert!(inf.section(s.name()).is_some(), "section {:?} not found by name", s.name());
        for l in s.lines() {
            let _ = (l.number(), l.key(), l.values());
            if let Some(k) = l.key() {
                assert!(s.first(k).is_some(), "key {k:?} not found in its section");
            }
            let _ = l.value(usize::from(data.len() as u8));
        }
    }
    for d in inf.diagnostics() {
        let _ = d.to_string();
    }
    for p in check(&inf) {
        let _ = p.to_string();
    }
    let _ = cadenza_infcheck::parse::parse_number(&text);
    let _ = cadenza_infcheck::rules::parse_guid(&text);
});
