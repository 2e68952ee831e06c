//! `cadenza.exe`: see docs/cadenza-tool.md or `cadenza --help`.

use std::process::ExitCode;

use cadenza_tool::app::{Context, run};
use cadenza_tool::system::RealFiles;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf));
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let mut cx = Context {
        exe_dir,
        out: &mut stdout,
        err: &mut stderr,
    };
    let code = run(&args, &mut system(), &RealFiles, &mut cx);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

#[cfg(windows)]
fn system() -> cadenza_tool::windows::WindowsSystem {
    cadenza_tool::windows::WindowsSystem
}

/// Off Windows there is no SetupAPI: every call fails with a message that says so (only
/// `--help`, `--version` and usage errors work).
#[cfg(not(windows))]
fn system() -> cadenza_tool::system::Unsupported {
    cadenza_tool::system::Unsupported
}
