//! The pool tag on every allocation Cadenza makes. Pure, compiled and tested on every target.

/// `Cdnz`, as pool tools (`!poolused`, `!pool`, poolmon) display it: a tag is stored
/// little-endian, so its first character is the low byte. (In C this is the character
/// constant `'zndC'`.)
pub const POOL_TAG: u32 = u32::from_le_bytes(*b"Cdnz");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_reads_cdnz_in_memory() {
        assert_eq!(POOL_TAG, 0x7A6E_6443);
        assert_eq!(&POOL_TAG.to_le_bytes(), b"Cdnz");
    }
}
