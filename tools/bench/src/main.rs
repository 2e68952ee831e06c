//! `cadenza-bench`: runs every measurement once with fixed iteration counts, prints the table
//! of figures and writes `docs/performance.json`, `docs/performance-scaling.svg`,
//! `docs/performance-drift.svg` and the figures section of `docs/performance.md`.
//!
//! ```text
//! cargo run --release -p cadenza-bench              # everything (about a minute)
//! cargo run --release -p cadenza-bench -- --quick   # a smoke run, nothing written
//! cargo run --release -p cadenza-bench -- --no-write
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use cadenza_bench::experiments::{self, Effort};
use cadenza_bench::report::{self, Machine};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: cadenza-bench [--quick] [--no-write] [--docs DIR]");
        return ExitCode::SUCCESS;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let write = !quick && !args.iter().any(|a| a == "--no-write");
    let docs = args
        .iter()
        .position(|a| a == "--docs")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs"),
            PathBuf::from,
        );
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; figures are meaningful only with --release");
    }
    let effort = if quick { Effort::SMOKE } else { Effort::FULL };
    let machine = Machine::detect();
    let started = std::time::Instant::now();
    let figures = experiments::all(&effort, &mut |what| {
        eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
    });
    eprintln!("[{:6.1} s] done", started.elapsed().as_secs_f64());
    let table = report::markdown(&figures, &machine);
    println!("{table}");
    if !write {
        return ExitCode::SUCCESS;
    }
    match write_outputs(&docs, &figures, &machine, &table) {
        Ok(written) => {
            for p in written {
                eprintln!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_outputs(
    docs: &std::path::Path,
    figures: &experiments::Figures,
    machine: &Machine,
    table: &str,
) -> Result<Vec<PathBuf>, String> {
    #[derive(serde::Serialize)]
    struct Data<'a> {
        command: &'static str,
        machine: &'a Machine,
        figures: &'a experiments::Figures,
    }
    std::fs::create_dir_all(docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, text: &str| -> Result<(), String> {
        let p = docs.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        written.push(p);
        Ok(())
    };
    let json = serde_json::to_string_pretty(&Data {
        command: "cargo run --release -p cadenza-bench",
        machine,
        figures,
    })
    .map_err(|e| e.to_string())?;
    put("performance.json", &json)?;
    put("performance-scaling.svg", &report::scaling_svg(figures)?)?;
    put("performance-drift.svg", &report::drift_svg(figures)?)?;
    let md = docs.join("performance.md");
    if let Ok(doc) = std::fs::read_to_string(&md) {
        match report::splice(&doc, table) {
            Some(updated) => put("performance.md", &updated)?,
            None => eprintln!(
                "note: {} has no figures markers; table not spliced",
                md.display()
            ),
        }
    }
    Ok(written)
}
