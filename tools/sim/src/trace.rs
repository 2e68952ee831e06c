//! `--trace`: the driver's trace ring, decoded for people, with an honest account of what the
//! ring no longer holds.
//!
//! The ring keeps the newest `capacity` records. Every record ever written took a sequence
//! number (the ring's `head` is the next one), so the records missing from the decoded list
//! are `head − shown`: the ones overwritten by newer records (`head − capacity`, once the
//! ring has wrapped) plus the ones in the window that are not complete (a writer gave up on a
//! contended slot, or was interrupted mid-record). The ring's own `dropped` counter counts
//! only the contended-slot case, so it is shown separately.

use std::fmt::Write as _;

use cadenza_engine::trace::RingImage;

/// How many records a ring image accounts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceCounts {
    /// Records ever written (sequence numbers taken).
    pub written: u64,
    pub capacity: u32,
    /// Complete records in the image, printed below the header.
    pub shown: u64,
    /// `written − shown`: every record the decoded list does not show.
    pub dropped: u64,
    /// Of those, overwritten by newer records after the ring wrapped.
    pub overwritten: u64,
    /// Of those, in the ring's window but not complete.
    pub incomplete: u64,
    /// Records writers dropped on a contended slot (the ring's own counter; part of the
    /// two figures above).
    pub contended: u64,
}

/// Decodes a ring image: a header line with the counts, then one line per complete record,
/// oldest first.
pub fn decode(image: &[u8]) -> Result<(String, TraceCounts), String> {
    let ring = RingImage::parse(image).map_err(|e| e.to_string())?;
    let written = ring.head();
    let overwritten = written.saturating_sub(u64::from(ring.capacity()));
    let mut lines = String::new();
    let mut shown = 0u64;
    for e in ring.entries() {
        shown += 1;
        let _ = writeln!(lines, "{e}");
    }
    let counts = TraceCounts {
        written,
        capacity: ring.capacity(),
        shown,
        dropped: written.saturating_sub(shown),
        overwritten,
        incomplete: ring.incomplete(),
        contended: ring.dropped(),
    };
    let mut out = format!(
        "# cadenza trace: {} records written, capacity {}; {} shown, {} dropped ({} overwritten by \
         newer records, {} incomplete",
        counts.written,
        counts.capacity,
        counts.shown,
        counts.dropped,
        counts.overwritten,
        counts.incomplete
    );
    if counts.contended > 0 {
        let _ = write!(out, "; {} lost to contended slots", counts.contended);
    }
    out.push_str(")\n");
    out.push_str(&lines);
    Ok((out, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::trace::{TraceKind, TraceRing};

    fn image_after(records: u64) -> Vec<u8> {
        let ring: Box<TraceRing<16>> = Box::new(TraceRing::new());
        for i in 0..records {
            ring.record(i, 1, TraceKind::Notification, [i, 0, 0, 0]);
        }
        let mut image = vec![0u8; TraceRing::<16>::image_size()];
        let _ = ring.write_image(&mut image);
        image
    }

    /// The promise: "N dropped" is every record written that the decoded list does not show.
    #[test]
    fn records_overwritten_by_a_wrapped_ring_count_as_dropped() {
        let (text, c) = decode(&image_after(40)).unwrap();
        assert_eq!(
            (c.written, c.shown, c.dropped, c.overwritten),
            (40, 16, 24, 24)
        );
        assert!(
            text.starts_with(
                "# cadenza trace: 40 records written, capacity 16; 16 shown, 24 dropped"
            ),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + 16);
        let (_, c) = decode(&image_after(5)).unwrap();
        assert_eq!((c.written, c.shown, c.dropped), (5, 5, 0));
    }
}
