//! Value checks: the typed values keys take (numbers, standard rates, endpoint names) and the
//! functions that turn raw text or numbers into them or say what is wrong ([`Problem`]).
//!
//! Depends on [`super::warnings`] (for [`Problem`]).

use heapless::String;

use crate::format::SampleRate;

use super::warnings::Problem;

/// The longest endpoint name, in UTF-16 code units, once numbered. Legacy (winmm) device names
/// hold 31 characters (MAXPNAMELEN = 32 with the NUL), so a longer name would show cut off.
pub const NAME_MAX_UNITS: usize = 31;

/// Bytes of UTF-8 a name of [`NAME_MAX_UNITS`] code units can take: at most three bytes per
/// UTF-16 unit (a four-byte character is two units). A template's `{n}` is three bytes for a
/// one-unit digit, so templates fit the same bound.
pub const NAME_MAX_BYTES: usize = NAME_MAX_UNITS * 3;

/// An endpoint name (or the template it comes from).
pub type NameString = String<NAME_MAX_BYTES>;

/// The placeholder for the cable number in [`KeyId::CableName`](super::KeyId::CableName) (matched case-insensitively).
pub(super) const NUMBER_TOKEN: &str = "{n}";

/// Byte offset of the first `{n}` (either case) in `s`.
pub(super) fn find_token(s: &str) -> Option<usize> {
    s.as_bytes()
        .windows(NUMBER_TOKEN.len())
        .position(|w| w.eq_ignore_ascii_case(NUMBER_TOKEN.as_bytes()))
}

/// A REG_SZ ends at its first NUL, as every Windows reader of it sees it.
pub(super) fn until_nul(s: &str) -> &str {
    s.split('\0').next().unwrap_or(s)
}

/// A decimal or `0x`-hex number that fits 32 bits; nothing else (no sign, no spaces inside).
pub(super) fn parse_number(s: &str) -> Option<u32> {
    let (digits, radix) = match s.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (s.get(2..)?, 16),
        _ => (s, 10),
    };
    // `from_str_radix` would also take a leading '+'; a registry number has none.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

pub(super) fn standard_rate(hz: u32) -> Result<SampleRate, Problem> {
    if SampleRate::STANDARD.contains(&hz) {
        SampleRate::new(hz).map_err(|_| Problem::UnsupportedRate { value: hz })
    } else {
        Err(Problem::UnsupportedRate { value: hz })
    }
}

/// Characters a name may not hold: control and invisible formatting characters (they can
/// hide or reorder what the user sees), `%` (INF string substitution), `"` (INF and text-form
/// quoting) and braces outside `{n}` (most likely a mistyped placeholder).
pub(super) fn is_bad_name_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '%' | '"' | '{' | '}')
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}')
}

const NAME_TOO_LONG: Problem = Problem::TooLong {
    max: NAME_MAX_UNITS,
};

/// Validates a CableName: trimmed, non-empty, allowed characters only, and short enough once
/// numbered — checked for the worst case (one-digit number, possibly appended as " N"), so
/// the result does not depend on whether Cables comes before or after it.
pub(super) fn check_name(s: &str) -> Result<NameString, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Empty);
    }
    let mut units = 0usize;
    let mut numbered = false;
    let mut rest = s;
    loop {
        let (plain, next) = match find_token(rest) {
            Some(at) => (rest.get(..at), rest.get(at + NUMBER_TOKEN.len()..)),
            None => (Some(rest), None),
        };
        let plain = plain.unwrap_or("");
        if let Some(ch) = plain.chars().find(|&c| is_bad_name_char(c)) {
            return Err(Problem::BadCharacter { ch });
        }
        units = units.saturating_add(plain.encode_utf16().count());
        match next {
            Some(after) => {
                numbered = true;
                units = units.saturating_add(1);
                rest = after;
            }
            None => break,
        }
    }
    if !numbered {
        units = units.saturating_add(2);
    }
    if units > NAME_MAX_UNITS {
        return Err(NAME_TOO_LONG);
    }
    let mut out = NameString::new();
    out.push_str(s).map_err(|_| NAME_TOO_LONG)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_syntax() {
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("4294967295"), Some(u32::MAX));
        assert_eq!(parse_number("0xffffFFFF"), Some(u32::MAX));
        assert_eq!(parse_number("0X1f"), Some(31));
        for bad in [
            "",
            "0x",
            "4294967296",
            "0x100000000",
            "+1",
            "-1",
            "0x+1",
            "1 ",
            "1e3",
            "٣",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }
}
