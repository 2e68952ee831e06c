//! `cadenza-driver-image-check`: checks a linked kernel driver image and its PDB.
//!
//! ```text
//! cadenza-driver-image-check --image cadenza_pc.dll --exports-table tools/wdk-check/kernel-exports.txt \
//!     --export DriverEntry --export CADENZA_DEBUG_ROOT [--max-build 22000] \
//!     [--pdb cadenza_pc.pdb --pdb-symbol CADENZA_DEBUG_ROOT \
//!      --pdb-type cadenza_engine::debug_registry::CadenzaDebugRoot \
//!      --pdb-natvis driver/engine/natvis/cadenza.natvis]
//! ```
//!
//! `--pdb-natvis` names the natvis source file: the PDB passes when one of its embedded
//! `/src/files/….natvis` streams holds the same content (rustc embeds the file under a
//! temporary, crate-derived name, so the stream's name says nothing).
//!
//! Prints the machine, subsystem, exports and import table; each problem is one line
//! `cadenza-driver-image-check: <image>: <problem>` on stderr. Exit status 0 when the image
//! passes, 1 when a check fails, 2 on a usage, read or tool error.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use cadenza_driver_image_check::pdb::{self, Natvis, PdbExpect};
use cadenza_driver_image_check::policy::{self, Policy, Violation};
use cadenza_driver_image_check::{pe, table::ExportsTable};

const NAME: &str = "cadenza-driver-image-check";
const USAGE: &str = "usage: cadenza-driver-image-check --image DRIVER.dll --exports-table kernel-exports.txt \
--export NAME... [--max-build 22000] [--pdb DRIVER.pdb --pdb-symbol NAME [--pdb-type TYPE] [--pdb-natvis SOURCE.natvis]]";

#[derive(Debug, Default)]
struct Args {
    image: Option<PathBuf>,
    exports_table: Option<PathBuf>,
    exports: Vec<String>,
    max_build: Option<u32>,
    pdb: Option<PathBuf>,
    pdb_symbol: Option<String>,
    pdb_type: Option<String>,
    pdb_natvis: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{NAME}: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || {
            it.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--image" => args.image = Some(value()?.into()),
            "--exports-table" => args.exports_table = Some(value()?.into()),
            "--export" => args.exports.push(value()?),
            "--max-build" => {
                let v = value()?;
                args.max_build = Some(
                    v.parse()
                        .with_context(|| format!("--max-build `{v}` is not a build number"))?,
                );
            }
            "--pdb" => args.pdb = Some(value()?.into()),
            "--pdb-symbol" => args.pdb_symbol = Some(value()?),
            "--pdb-type" => args.pdb_type = Some(value()?),
            "--pdb-natvis" => args.pdb_natvis = Some(value()?.into()),
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if args.image.is_none() || args.exports_table.is_none() || args.exports.is_empty() {
        bail!("--image, --exports-table and at least one --export are required\n{USAGE}");
    }
    let pdb_options =
        args.pdb_symbol.is_some() || args.pdb_type.is_some() || args.pdb_natvis.is_some();
    if args.pdb.is_some() != args.pdb_symbol.is_some() || (pdb_options && args.pdb.is_none()) {
        bail!(
            "--pdb and --pdb-symbol go together (--pdb-type and --pdb-natvis need both)\n{USAGE}"
        );
    }
    Ok(args)
}

/// Returns whether every check passed.
fn run() -> anyhow::Result<bool> {
    let args = parse_args()?;
    let image_path = args.image.as_deref().unwrap_or(Path::new(""));
    let table_path = args.exports_table.as_deref().unwrap_or(Path::new(""));
    let image = image_path.file_name().map_or_else(
        || image_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );

    let table_text = std::fs::read_to_string(table_path)
        .with_context(|| format!("cannot read {}", table_path.display()))?;
    let table =
        ExportsTable::parse(&table_text).with_context(|| format!("{}", table_path.display()))?;
    let data = std::fs::read(image_path)
        .with_context(|| format!("cannot read {}", image_path.display()))?;
    let facts = pe::read_facts(&data).with_context(|| format!("{}", image_path.display()))?;

    print!("{}", policy::report(&image, &facts, &table));
    let policy = Policy {
        exports: args.exports.clone(),
        max_build: args.max_build.unwrap_or(policy::DEFAULT_MAX_BUILD),
    };
    let mut violations = policy::check(&facts, &table, &policy);

    if let (Some(pdb_path), Some(symbol)) = (&args.pdb, &args.pdb_symbol) {
        let natvis = match &args.pdb_natvis {
            None => None,
            Some(path) => Some(Natvis {
                path: path.display().to_string(),
                content: std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            }),
        };
        let expect = PdbExpect {
            symbol: symbol.clone(),
            type_name: args.pdb_type.clone(),
            natvis,
        };
        let tool = find_pdbutil()?;
        let dump = run_pdbutil(
            &tool,
            &["dump", "-globals", "-publics", "-streams"],
            pdb_path,
        )?;
        let mut types = |index: u32| {
            run_pdbutil(
                &tool,
                &["dump", "-types", &format!("-type-index={index:#x}")],
                pdb_path,
            )
        };
        let mut stream = |index: u32| export_stream(&tool, index, pdb_path);
        let (report, problems) = pdb::check(&dump, &expect, &mut types, &mut stream)
            .with_context(|| format!("{}", pdb_path.display()))?;
        for line in report {
            println!("{line}");
        }
        violations.extend(problems.into_iter().map(Violation::Pdb));
    }

    if violations.is_empty() {
        println!("{image}: ok");
        return Ok(true);
    }
    for v in &violations {
        eprintln!("{NAME}: {image}: {v}");
    }
    eprintln!("{NAME}: {image}: {} problem(s)", violations.len());
    Ok(false)
}

/// `llvm-pdbutil` on PATH, else a versioned one (Debian installs `llvm-pdbutil-14` ...).
fn find_pdbutil() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let names = std::iter::once("llvm-pdbutil".to_owned())
        .chain((14..=19).rev().map(|v| format!("llvm-pdbutil-{v}")));
    for name in names {
        if let Some(found) = dirs.iter().map(|d| d.join(&name)).find(|p| p.is_file()) {
            return Ok(found);
        }
    }
    bail!("--pdb needs llvm-pdbutil (or llvm-pdbutil-14 .. -19) on PATH (apt-get install llvm)")
}

/// The bytes of stream `index` of the PDB, by `llvm-pdbutil export --stream=<index>` into a
/// temporary file (its stdout carries a "Dumping contents …" line).
fn export_stream(tool: &Path, index: u32, pdb: &Path) -> anyhow::Result<Vec<u8>> {
    let out =
        std::env::temp_dir().join(format!("{NAME}-{}-stream-{index}.bin", std::process::id()));
    let result = run_pdbutil(
        tool,
        &[
            "export",
            &format!("--stream={index}"),
            &format!("--out={}", out.display()),
        ],
        pdb,
    )
    .and_then(|_| {
        std::fs::read(&out)
            .with_context(|| format!("cannot read stream {index} exported to {}", out.display()))
    });
    let _ = std::fs::remove_file(&out);
    result
}

fn run_pdbutil(tool: &Path, args: &[&str], pdb: &Path) -> anyhow::Result<String> {
    let output = Command::new(tool)
        .args(args)
        .arg(pdb)
        .output()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        bail!(
            "`{} {} {}` failed ({}): {first}",
            tool.display(),
            args.join(" "),
            pdb.display(),
            output.status
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
