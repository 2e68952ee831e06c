//! The command line, where the outputs go, and where the figures came from.
//!
//! Outputs go to `--out DIR`. Without it they go to `target/bench/` under the workspace root
//! found at run time by walking up from the current directory (the checkout being measured),
//! or, outside any workspace, to `$CARGO_TARGET_DIR/bench`. Never to a path fixed at compile
//! time: with a shared target directory that would write into another checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub quick: bool,
    /// Print only; write nothing.
    pub no_write: bool,
    /// Also splice the figures into `DIR/performance.md`.
    pub write_doc: bool,
    pub out: Option<PathBuf>,
}

pub const USAGE: &str = "\
usage: cadenza-bench [--quick] [--out DIR] [--write-doc] [--no-write]

  --out DIR     write performance.json, performance-scaling.svg, performance-drift.svg and
                performance-figures.md to DIR (default: target/bench/ under the workspace
                root found from the current directory, else $CARGO_TARGET_DIR/bench)
  --write-doc   instead of performance-figures.md, rewrite the figures section of
                DIR/performance.md (between its markers); the doc command is
                `cargo run --release -p cadenza-bench -- --out docs --write-doc`
  --quick       a CI-sized run (fewer repetitions, 1 and 8 loopbacks, 60 s of simulated
                drift instead of 24 h); not accepted with --write-doc
  --no-write    print the tables only";

/// Parses the arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        no_write: false,
        write_doc: false,
        out: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--no-write" => o.no_write = true,
            "--write-doc" => o.write_doc = true,
            "--out" => {
                let dir = it.next().ok_or("--out needs a directory")?;
                o.out = Some(PathBuf::from(dir));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.write_doc && o.quick {
        return Err("--write-doc needs a full run (not --quick)".into());
    }
    if o.write_doc && o.no_write {
        return Err("--write-doc and --no-write contradict each other".into());
    }
    Ok(o)
}

/// The nearest directory at or above `start` whose `Cargo.toml` has a `[workspace]` table.
pub fn workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        toml.lines()
            .any(|l| l.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

/// Where outputs go: `--out`, else `<workspace root>/target/bench`, else
/// `$CARGO_TARGET_DIR/bench`.
pub fn out_dir(
    explicit: Option<&Path>,
    cwd: &Path,
    cargo_target_dir: Option<&Path>,
) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(root) = workspace_root(cwd) {
        return Ok(root.join("target").join("bench"));
    }
    cargo_target_dir.map(|t| t.join("bench")).ok_or_else(|| {
        format!(
            "{} is not inside a cargo workspace and CARGO_TARGET_DIR is not set: pass --out DIR",
            cwd.display()
        )
    })
}

/// Where the figures were taken.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    pub rustc: String,
    pub os: String,
}

fn first_line_with(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().to_string())
}

impl Machine {
    pub fn detect() -> Machine {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let rustc = Command::new(rustc)
            .arg("--version")
            .output()
            .ok()
            .map_or_else(
                || "unknown".into(),
                |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
            );
        let memory = first_line_with("/proc/meminfo", "MemTotal")
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or_else(
                || "unknown".into(),
                |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
            );
        let os = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
            |_| std::env::consts::OS.to_string(),
            |r| format!("Linux {}", r.trim()),
        );
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            cpu_model: first_line_with("/proc/cpuinfo", "model name")
                .unwrap_or_else(|| "unknown".into()),
            memory,
            rustc,
            os,
        }
    }
}

/// The figures' provenance: the commit and the machine.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    /// `git rev-parse --short HEAD` of the workspace, plus " (dirty)" when the tree has
    /// changes (modified or untracked files), at the start of the run.
    pub commit: String,
    pub machine: Machine,
    /// The command that produced the figures.
    pub command: String,
}

/// The commit of the tree at `root`, read-only (`--no-optional-locks`: git does not even
/// refresh its index).
pub fn commit_of(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(root)
            .arg("--no-optional-locks")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".into();
    };
    match git(&["status", "--porcelain"]) {
        Some(s) if s.is_empty() => head,
        Some(_) => format!("{head} (dirty)"),
        None => format!("{head} (state unknown)"),
    }
}

impl Provenance {
    pub fn detect(root: Option<&Path>, command: String) -> Provenance {
        Provenance {
            commit: root.map_or_else(|| "unknown (no workspace)".into(), commit_of),
            machine: Machine::detect(),
            command,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn arguments_parse() {
        let o = parse_args(&args(&["--out", "docs", "--write-doc"])).unwrap();
        assert_eq!(o.out, Some(PathBuf::from("docs")));
        assert!(o.write_doc && !o.quick && !o.no_write);
        assert!(parse_args(&args(&["--quick", "--write-doc"])).is_err());
        assert!(parse_args(&args(&["--out"])).is_err());
        assert!(parse_args(&args(&["--docs", "x"])).is_err());
    }

    #[test]
    fn default_out_dir_is_under_the_workspace_found_at_run_time() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = workspace_root(&here).expect("the bench is inside the workspace");
        assert!(root.join("Cargo.toml").exists());
        assert_eq!(
            out_dir(None, &here, Some(Path::new("/elsewhere"))).unwrap(),
            root.join("target/bench")
        );
        assert_eq!(
            out_dir(Some(Path::new("x")), &here, None).unwrap(),
            PathBuf::from("x")
        );
        assert_eq!(
            out_dir(None, Path::new("/"), Some(Path::new("/t"))).unwrap(),
            PathBuf::from("/t/bench")
        );
        assert!(out_dir(None, Path::new("/"), None).is_err());
    }
}
