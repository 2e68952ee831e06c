//! `cadenza-bench`: runs every measurement, prints the tables and the verdicts, and writes
//! the JSON data, the SVG plots and the Markdown figures where it is told.
//!
//! ```text
//! cargo run --release -p cadenza-bench -- --out DIR              # a few minutes
//! cargo run --release -p cadenza-bench -- --out docs --write-doc # regenerates docs/performance.*
//! cargo run --release -p cadenza-bench -- --quick                # CI-sized
//! ```
//!
//! Without `--out`, outputs go to `target/bench/` of the workspace found from the current
//! directory (see `output::out_dir`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cadenza_bench::cache::{Caches, Flusher};
use cadenza_bench::experiments::{self, Effort, Figures};
use cadenza_bench::output::{self, Options, Provenance};
use cadenza_bench::report;
use cadenza_bench::verdict::{self, Verdict};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", output::USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match output::parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n\n{}", output::USAGE);
            return ExitCode::FAILURE;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
    let out = match output::out_dir(options.out.as_deref(), &cwd, target_dir.as_deref()) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; figures are meaningful only with --release");
    }
    let root = output::workspace_root(&cwd);
    let mut command = String::from("cargo run --release -p cadenza-bench --");
    for a in &args {
        command.push(' ');
        command.push_str(a);
    }
    let provenance = Provenance::detect(root.as_deref(), command);
    let effort = if options.quick {
        Effort::QUICK
    } else {
        Effort::FULL
    };
    let caches = Caches::detect();
    eprintln!(
        "caches: {} ({}); cold figures flush {} per iteration",
        caches.describe(),
        caches.source,
        cadenza_bench::cache::size_text(caches.flush_bytes)
    );
    let mut flusher = Flusher::new(caches.flush_bytes);
    let started = std::time::Instant::now();
    let figures = experiments::all(&effort, &caches, &mut flusher, &mut |what| {
        eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
    });
    eprintln!("[{:6.1} s] done", started.elapsed().as_secs_f64());
    let verdicts = verdict::verdicts(&figures);
    let table = report::markdown(&figures, &verdicts, &provenance);
    println!("{table}");
    println!("{}", report::verdict_table(&verdicts, &figures));
    if options.no_write {
        return ExitCode::SUCCESS;
    }
    match write_outputs(&out, &options, &figures, &verdicts, &provenance, &table) {
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
    dir: &Path,
    options: &Options,
    figures: &Figures,
    verdicts: &[Verdict],
    provenance: &Provenance,
    table: &str,
) -> Result<Vec<PathBuf>, String> {
    #[derive(serde::Serialize)]
    struct Data<'a> {
        provenance: &'a Provenance,
        verdicts: &'a [Verdict],
        figures: &'a Figures,
    }
    // In doc mode the document must exist with its markers before anything is written.
    let doc = if options.write_doc {
        let md = dir.join("performance.md");
        let text = std::fs::read_to_string(&md).map_err(|e| format!("{}: {e}", md.display()))?;
        let updated = report::splice(&text, table)
            .ok_or_else(|| format!("{} has no figures markers", md.display()))?;
        Some((md, updated))
    } else {
        None
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |path: PathBuf, text: &str| -> Result<(), String> {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(())
    };
    let json = serde_json::to_string_pretty(&Data {
        provenance,
        verdicts,
        figures,
    })
    .map_err(|e| e.to_string())?;
    put(dir.join("performance.json"), &json)?;
    put(
        dir.join("performance-scaling.svg"),
        &report::scaling_svg(figures)?,
    )?;
    put(
        dir.join("performance-drift.svg"),
        &report::drift_svg(figures)?,
    )?;
    match doc {
        Some((md, updated)) => put(md, &updated)?,
        None => put(dir.join("performance-figures.md"), table)?,
    }
    Ok(written)
}
