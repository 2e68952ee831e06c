//! `cadenza-windbg-image OUTDIR [MODULE]`: writes memory.bin, symbols.json and expected.json
//! (see the library docs) for trying tools/windbg/cadenza.js against the mock host.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: cadenza-windbg-image OUTDIR [cadenza_acx|cadenza_pc]");
        return ExitCode::from(2);
    };
    let module = args.next().unwrap_or_else(|| "cadenza_acx".to_string());
    match cadenza_windbg_image::write_fixture(&PathBuf::from(dir), &module) {
        Ok(f) => {
            println!(
                "wrote {}: {} live streams, {} trace records ({} written)",
                f.dir.display(),
                f.streams,
                f.records,
                f.head
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cadenza-windbg-image: {e}");
            ExitCode::FAILURE
        }
    }
}
