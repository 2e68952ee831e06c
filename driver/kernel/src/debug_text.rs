//! Debug messages for `DbgPrintEx`, formatted without allocating.
//!
//! A message is formatted from `fmt::Arguments` into a fixed buffer on the stack, prefixed
//! with `cadenza: `, ended with a newline and a NUL, and then passed to `DbgPrintEx` as the
//! *argument* of the constant format [`FORMAT`] (`"%s"`) — never as the format string — so a
//! `%` in a message is printed, not interpreted. Too-long messages are cut at a character
//! boundary and marked with `...`; an interior NUL (which would end the C string early) is
//! printed as `?`. Pure code, compiled and tested on every target.

use core::ffi::CStr;
use core::fmt;

use crate::ddi::{DPFLTR_ERROR_LEVEL, DPFLTR_INFO_LEVEL, DPFLTR_TRACE_LEVEL, DPFLTR_WARNING_LEVEL};

/// The only format string Cadenza ever passes to `DbgPrintEx`.
pub const FORMAT: &CStr = c"%s";

/// What every message starts with.
pub const PREFIX: &str = "cadenza: ";

/// Bytes of the stack buffer a kernel message is formatted in, NUL included. `DbgPrintEx`
/// itself prints at most 512 bytes per call; 256 keeps the DPC-stack cost small.
pub const MESSAGE_CAPACITY: usize = 256;

/// A kernel debug message.
pub type Message = DebugText<MESSAGE_CAPACITY>;

const ELLIPSIS: &[u8] = b"...";
const END: &[u8] = b"\n";

/// `DbgPrintEx` levels (`DPFLTR_*_LEVEL`). Only `Error` prints by default; the others print
/// when the `IHVAUDIO` component mask enables them (`ed nt!Kd_IHVAUDIO_Mask 0xf`, or the
/// `Debug Print Filter` registry key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Trace,
    Info,
}

impl Level {
    /// The `Level` argument of `DbgPrintEx`.
    pub const fn dpfltr(self) -> u32 {
        match self {
            Level::Error => DPFLTR_ERROR_LEVEL,
            Level::Warning => DPFLTR_WARNING_LEVEL,
            Level::Trace => DPFLTR_TRACE_LEVEL,
            Level::Info => DPFLTR_INFO_LEVEL,
        }
    }
}

/// A message of at most `N − 1` bytes plus its NUL, in a fixed buffer.
///
/// Invariants: `len < N`, `buf[len] == 0`, `buf[..len]` is UTF-8 without NUL bytes.
#[derive(Clone)]
pub struct DebugText<const N: usize> {
    buf: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> DebugText<N> {
    /// Room for the prefix, a byte of text, the ellipsis, the newline and the NUL.
    const ROOM: () = assert!(N > PREFIX.len() + ELLIPSIS.len() + END.len() + 1);

    /// Where text may go: everything but the newline and the NUL.
    const BODY: usize = N - END.len() - 1;

    /// Formats `cadenza: <message>\n`, truncated to fit.
    pub fn format(message: fmt::Arguments<'_>) -> Self {
        let () = Self::ROOM;
        let mut text = DebugText {
            buf: [0; N],
            len: 0,
            truncated: false,
        };
        text.push(PREFIX);
        // Our `write_str` never fails, and a `Display` impl that does only shortens the text.
        let _ = fmt::write(&mut text, message);
        text.finish();
        text
    }

    /// The message without its NUL.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// The message as the C string `DbgPrintEx` prints with `"%s"`.
    pub fn as_c_str(&self) -> &CStr {
        // `buf[len]` is always NUL, so this finds exactly the message.
        CStr::from_bytes_until_nul(&self.buf).unwrap_or_default()
    }

    /// Whether the message did not fit and was cut.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Appends as much of `s` as fits in the body, cutting at a character boundary.
    fn push(&mut self, s: &str) {
        if self.truncated {
            return;
        }
        let room = Self::BODY.saturating_sub(self.len);
        let mut take = s.len().min(room);
        if take < s.len() {
            self.truncated = true;
            while take > 0 && !s.is_char_boundary(take) {
                take -= 1;
            }
        }
        let src = s.as_bytes().get(..take).unwrap_or_default();
        if let Some(dst) = self.buf.get_mut(self.len..self.len + take) {
            for (d, &b) in dst.iter_mut().zip(src) {
                *d = if b == 0 { b'?' } else { b };
            }
            self.len += take;
        }
    }

    /// Marks truncation, appends the newline, and NUL-terminates.
    fn finish(&mut self) {
        if self.truncated {
            let mut keep = self.len.min(Self::BODY - ELLIPSIS.len());
            // Back up over UTF-8 continuation bytes (0b10xx_xxxx) to a character boundary.
            while keep > 0 && self.buf.get(keep).is_some_and(|&b| b & 0xC0 == 0x80) {
                keep -= 1;
            }
            self.len = keep;
            self.append_raw(ELLIPSIS);
        }
        self.append_raw(END);
        if let Some(nul) = self.buf.get_mut(self.len) {
            *nul = 0;
        }
    }

    fn append_raw(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }
}

impl<const N: usize> fmt::Write for DebugText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

impl<const N: usize> fmt::Debug for DebugText<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DebugText")
            .field("text", &core::str::from_utf8(self.as_bytes()))
            .field("truncated", &self.truncated)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<const N: usize>(d: &DebugText<N>) -> &str {
        core::str::from_utf8(d.as_bytes()).unwrap()
    }

    #[test]
    fn short_messages_are_prefixed_and_terminated() {
        let d = Message::format(format_args!("stream {} at {:#x}", 3, 0x40));
        assert_eq!(text(&d), "cadenza: stream 3 at 0x40\n");
        assert_eq!(d.as_c_str().to_bytes(), d.as_bytes());
        assert!(!d.is_truncated());
    }

    #[test]
    fn percent_is_text_and_the_format_is_constant() {
        let d = Message::format(format_args!("{}", "100% %s %n %p"));
        assert_eq!(text(&d), "cadenza: 100% %s %n %p\n");
        assert_eq!(FORMAT.to_bytes(), b"%s");
    }

    #[test]
    fn long_messages_are_cut_with_an_ellipsis_and_nul() {
        let long = "x".repeat(1_000);
        let d = DebugText::<32>::format(format_args!("{long}"));
        assert!(d.is_truncated());
        assert_eq!(d.as_bytes().len(), 31);
        assert_eq!(text(&d), "cadenza: xxxxxxxxxxxxxxxxxx...\n");
        assert_eq!(d.as_c_str().to_bytes().len(), 31);
    }

    #[test]
    fn exact_fit_is_not_truncated() {
        // 32 bytes: 9 prefix + 21 text + newline + NUL.
        let d = DebugText::<32>::format(format_args!("{}", "y".repeat(21)));
        assert!(!d.is_truncated());
        assert_eq!(d.as_bytes().len(), 31);
        let d = DebugText::<32>::format(format_args!("{}", "y".repeat(22)));
        assert!(d.is_truncated());
        assert!(text(&d).ends_with("...\n"));
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        for n in 0..8 {
            let s = std::format!("{}{}", "a".repeat(n), "é€😀".repeat(20));
            let d = DebugText::<40>::format(format_args!("{s}"));
            let t = core::str::from_utf8(d.as_bytes()).expect("valid UTF-8 after truncation");
            assert!(t.ends_with("...\n"), "{t:?}");
            assert!(d.as_bytes().len() < 40);
        }
    }

    #[test]
    fn interior_nul_does_not_cut_the_c_string() {
        let d = Message::format(format_args!("a\0b"));
        assert_eq!(d.as_c_str().to_bytes(), b"cadenza: a?b\n");
    }

    #[test]
    fn many_pieces_stop_cleanly_at_capacity() {
        let d = DebugText::<24>::format(format_args!("{}{}{}{}", "abc", 1234, "defgh", "ijklmnop"));
        assert_eq!(text(&d), "cadenza: abc1234def...\n");
        assert!(d.as_bytes().len() < 24);
    }

    #[test]
    fn levels_are_the_dpfltr_values() {
        assert_eq!(Level::Error.dpfltr(), 0);
        assert_eq!(Level::Warning.dpfltr(), 1);
        assert_eq!(Level::Trace.dpfltr(), 2);
        assert_eq!(Level::Info.dpfltr(), 3);
    }
}
