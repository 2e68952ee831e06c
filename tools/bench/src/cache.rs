//! The machine's caches (read from sysfs) and the cache flusher used for cold-cache figures.
//!
//! "Cold" means: before each timed iteration, a buffer of at least twice the last-level
//! cache is written, one store per 64-byte line, so that the data, the ring and the
//! engine's own state the iteration touches are no longer cached (write, not read, so that
//! the evicting lines are dirty and the evicted ones must really go).

use std::hint::black_box;

use serde::Serialize;

/// One cache level of CPU 0, as sysfs describes it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CacheLevel {
    pub level: u32,
    /// "Data", "Instruction" or "Unified".
    pub kind: String,
    pub bytes: usize,
}

/// CPU 0's caches and the flush size used.
#[derive(Clone, Debug, Serialize)]
pub struct Caches {
    pub levels: Vec<CacheLevel>,
    /// The last-level (largest-level data or unified) cache, bytes; `None` if sysfs had none.
    pub llc_bytes: Option<usize>,
    /// Bytes written before each cold iteration (≥ 2 × the last-level cache).
    pub flush_bytes: usize,
    /// Where the sizes came from.
    pub source: String,
}

/// Used when sysfs has no cache information: 2 × 64 MiB covers any LLC of a 2-socket-class
/// part this bench is likely to meet; the report says the fallback was used.
const FALLBACK_LLC: usize = 64 << 20;

/// Parses a sysfs cache size ("32K", "1024K", "32M", "512").
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let (num, mult) = match t.as_bytes().last()? {
        b'K' | b'k' => (&t[..t.len() - 1], 1 << 10),
        b'M' | b'm' => (&t[..t.len() - 1], 1 << 20),
        b'G' | b'g' => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.trim().parse::<usize>().ok().map(|n| n * mult)
}

impl Caches {
    /// Reads `/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}`.
    pub fn detect() -> Caches {
        let base = "/sys/devices/system/cpu/cpu0/cache";
        let mut levels = Vec::new();
        for i in 0..16 {
            let dir = format!("{base}/index{i}");
            let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).ok();
            let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
            else {
                continue;
            };
            let (Ok(level), Some(bytes)) = (level.trim().parse::<u32>(), parse_size(&size)) else {
                continue;
            };
            levels.push(CacheLevel {
                level,
                kind: kind.trim().to_string(),
                bytes,
            });
        }
        Self::from_levels(levels, base)
    }

    /// The summary of `levels` (read from `source`).
    pub fn from_levels(levels: Vec<CacheLevel>, source: &str) -> Caches {
        let llc_bytes = levels
            .iter()
            .filter(|c| c.kind != "Instruction")
            .max_by_key(|c| (c.level, c.bytes))
            .map(|c| c.bytes);
        let flush_bytes = 2 * llc_bytes.unwrap_or(FALLBACK_LLC);
        let source = if llc_bytes.is_some() {
            source.to_string()
        } else {
            format!(
                "{source} unreadable; assumed a {} MiB LLC",
                FALLBACK_LLC >> 20
            )
        };
        Caches {
            levels,
            llc_bytes,
            flush_bytes,
            source,
        }
    }

    /// The data (or unified) cache of `level`, bytes.
    pub fn data_cache(&self, level: u32) -> Option<usize> {
        self.levels
            .iter()
            .find(|c| c.level == level && c.kind != "Instruction")
            .map(|c| c.bytes)
    }

    /// "L1d 32 KiB, L2 1 MiB, L3 32 MiB".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .levels
            .iter()
            .filter(|c| c.kind != "Instruction")
            .map(|c| {
                format!(
                    "L{}{} {}",
                    c.level,
                    if c.kind == "Data" { "d" } else { "" },
                    size_text(c.bytes)
                )
            })
            .collect();
        if parts.is_empty() {
            "unknown".into()
        } else {
            parts.join(", ")
        }
    }
}

/// "32 KiB", "1 MiB", "1.5 MiB".
pub fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        let mib = bytes as f64 / f64::from(1 << 20);
        if mib.fract() == 0.0 {
            format!("{mib:.0} MiB")
        } else {
            format!("{mib:.1} MiB")
        }
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// Evicts the caches by writing a buffer of [`Caches::flush_bytes`].
#[derive(Debug)]
pub struct Flusher {
    buf: Vec<u8>,
    round: u8,
}

impl Flusher {
    /// A flusher writing `bytes` bytes (allocated and touched once here).
    pub fn new(bytes: usize) -> Flusher {
        let mut f = Flusher {
            buf: vec![1u8; bytes.max(64)],
            round: 0,
        };
        f.flush();
        f
    }

    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Writes one byte in every 64-byte line of the buffer (a different value each round,
    /// so no store is redundant).
    pub fn flush(&mut self) {
        self.round = self.round.wrapping_add(1);
        let r = self.round;
        for line in self.buf.chunks_mut(64) {
            line[0] = line[0].wrapping_add(r);
        }
        black_box(&mut self.buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("32K\n"), Some(32 << 10));
        assert_eq!(parse_size("1024K"), Some(1 << 20));
        assert_eq!(parse_size("32M"), Some(32 << 20));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn llc_is_the_largest_level_and_flush_is_twice_it() {
        let c = Caches::from_levels(
            vec![
                CacheLevel {
                    level: 1,
                    kind: "Data".into(),
                    bytes: 32 << 10,
                },
                CacheLevel {
                    level: 1,
                    kind: "Instruction".into(),
                    bytes: 32 << 10,
                },
                CacheLevel {
                    level: 2,
                    kind: "Unified".into(),
                    bytes: 1 << 20,
                },
                CacheLevel {
                    level: 3,
                    kind: "Unified".into(),
                    bytes: 32 << 20,
                },
            ],
            "test",
        );
        assert_eq!(c.llc_bytes, Some(32 << 20));
        assert_eq!(c.flush_bytes, 64 << 20);
        assert_eq!(c.data_cache(2), Some(1 << 20));
        assert_eq!(c.describe(), "L1d 32 KiB, L2 1 MiB, L3 32 MiB");
        let none = Caches::from_levels(Vec::new(), "nowhere");
        assert_eq!(none.flush_bytes, 2 * FALLBACK_LLC);
        assert!(none.source.contains("assumed"));
    }
}
