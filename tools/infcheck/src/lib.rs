//! Cadenza's INF check.
//!
//! `inf/cadenza.inx` offers both drivers in one INF: one model (hardware ID) and one DDInstall
//! section per framework. Nothing on Linux can install it, so this crate reads it the way
//! SetupAPI does ([`parse`]) and checks what Windows would only tell us on a test machine, or
//! not at all ([`rules`]): sections that are named but missing, install sections that do not
//! fit their framework, directives of one framework in the other's section, interface
//! reference strings that differ from the names the drivers register (imported from
//! `cadenza-acx` and `cadenza-portcls`), Version fields stampinf and InfVerif expect, and
//! driver parameters that disagree with the engine's configuration table
//! (`cadenza_engine::config::KEYS`).
//!
//! [`doc`] renders the same table for `docs/configuration.md`.

pub mod doc;
pub mod parse;
pub mod rules;

pub use parse::Inf;
pub use rules::{ARCHITECTURES, Problem, Rule, check};

/// Decodes an INF file's bytes: UTF-8 (with or without a BOM) or UTF-16LE with a BOM (the
/// two encodings Windows accepts for INFs we would write).
pub fn decode(bytes: &[u8]) -> anyhow::Result<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        if rest.len() % 2 != 0 {
            anyhow::bail!("UTF-16 INF with an odd number of bytes");
        }
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        return char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| anyhow::anyhow!("UTF-16 INF is not valid UTF-16: {e}"));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        anyhow::anyhow!(
            "INF is neither UTF-8 nor UTF-16LE with a BOM (invalid UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_utf8_and_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBF[A]").unwrap(), "[A]");
        assert_eq!(decode(b"[A]").unwrap(), "[A]");
        assert_eq!(decode(b"\xFF\xFE[\0A\0]\0").unwrap(), "[A]");
        assert!(decode(b"\xFF\xFE[\0A").is_err());
        assert!(decode(b"\xFF\xFE\x00\xD8").is_err());
        assert!(decode(b"[\xFF]").is_err());
    }
}
