//! `cadenza-infcheck FILE...`: checks INF files (normally `inf/cadenza.inx`) against the
//! drivers' names and the configuration keys. Exit status 0 when every file passes, 1 when a
//! rule fails, 2 on a usage or read error.
//!
//! `--config-table` prints the configuration key table of docs/configuration.md;
//! `--parameter-lines` prints the INF's `HKR,Parameters,...` lines. Both come from
//! `cadenza_engine::config::KEYS`.

use std::process::ExitCode;

use anyhow::Context;
use cadenza_infcheck::{Inf, check, decode, doc};

const USAGE: &str = "usage: cadenza-infcheck [--config-table | --parameter-lines] [FILE.inx ...]";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cadenza-infcheck: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Returns whether every file passed.
fn run() -> anyhow::Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        anyhow::bail!("{USAGE}");
    }
    let mut all_ok = true;
    for arg in &args {
        match arg.as_str() {
            "--config-table" => print!("{}", doc::config_table()),
            "--parameter-lines" => print!("{}", doc::parameter_lines()),
            "-h" | "--help" => println!("{USAGE}"),
            flag if flag.starts_with('-') => anyhow::bail!("unknown option {flag}\n{USAGE}"),
            path => {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
                let text = decode(&bytes).with_context(|| format!("cannot decode {path}"))?;
                let problems = check(&Inf::parse(&text));
                if problems.is_empty() {
                    println!("{path}: ok");
                } else {
                    all_ok = false;
                    for p in &problems {
                        println!("{path}: {p}");
                    }
                    println!("{path}: {} problem(s)", problems.len());
                }
            }
        }
    }
    Ok(all_ok)
}
