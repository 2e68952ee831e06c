//! What the `cadenza-sim` command-line tests share: running the binary and reading what it
//! wrote.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `cadenza-sim` with `args` in `dir`.
pub fn sim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cadenza-sim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the cadenza-sim binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The report.json a run wrote in `dir`.
pub fn report(dir: &Path) -> Value {
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&json).expect("report.json is JSON")
}
