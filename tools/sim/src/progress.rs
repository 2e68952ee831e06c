//! Progress on stderr: one line rewritten in place on a terminal; otherwise a plain line per
//! quarter, so CI logs stay short.

use std::io::{IsTerminal as _, Write as _};

#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    terminal: bool,
    /// Simulated seconds the run covers, for the terminal line.
    total_seconds: f64,
    /// Next fraction at which a plain line is printed.
    next_mark: f64,
    /// Last whole-percent value shown on the terminal line (repainting more often is noise).
    last_shown: f64,
}

impl Progress {
    pub fn new(enabled: bool, total_seconds: f64) -> Progress {
        Progress {
            enabled,
            terminal: std::io::stderr().is_terminal(),
            total_seconds,
            next_mark: 0.25,
            last_shown: -1.0,
        }
    }

    pub fn update(&mut self, done: f64) {
        if !self.enabled {
            return;
        }
        let done = done.clamp(0.0, 1.0);
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let percent = (done * 100.0).floor();
            if percent > self.last_shown {
                self.last_shown = percent;
                // Progress is best effort: a closed stderr must not fail the run.
                let _ = write!(
                    err,
                    "\rsimulating: {:>7.2} / {:.2} s ({percent:>3}%)",
                    done * self.total_seconds,
                    self.total_seconds
                );
                let _ = err.flush();
            }
        } else {
            while done >= self.next_mark && self.next_mark < 1.0 {
                let _ = writeln!(err, "simulating: {:.0}%", self.next_mark * 100.0);
                self.next_mark += 0.25;
            }
        }
    }

    /// Clears the terminal line so the summary starts on a clean one.
    pub fn finish(&mut self) {
        if self.enabled && self.terminal && self.last_shown >= 0.0 {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
