//! A second opinion on the INF parser: SetupAPI itself (Wine's implementation) reads the
//! stamped INF, and every section, line and field must be what `cadenza_infcheck::Inf` read.
//!
//! Needs Linux with Wine (`/usr/lib/wine/wine64`, `wine64` or `wine` on PATH; Debian package
//! `wine64`) and the mingw-w64 C compiler (`x86_64-w64-mingw32-gcc`). Without them the test
//! prints a loud SKIPPED message and passes, unless `CADENZA_REQUIRE_WINE` is set (to anything
//! but `0`; `.ci/run` sets it), which turns the skip into a failure. The first run creates a Wine prefix under the
//! target directory (a few seconds); later runs take about two.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cadenza_infcheck::Inf;

const INF_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inf/cadenza.inx");
const CORNERS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wine/syntax-corners.inf");
const DUMP_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wine/setupapi_dump.c");
const TIMEOUT: Duration = Duration::from_secs(120);

fn skip(why: &str) {
    // CI installs Wine and sets CADENZA_REQUIRE_WINE=1: there a skip would hide a lost check.
    assert!(
        std::env::var_os("CADENZA_REQUIRE_WINE").is_none_or(|v| v == "0"),
        "CADENZA_REQUIRE_WINE is set, and the SetupAPI comparison cannot run: {why}"
    );
    eprintln!();
    eprintln!("************************************************************************");
    eprintln!("* SKIPPED setupapi_reads_the_stamped_inf_as_we_do: {why}");
    eprintln!("* (install Debian's wine64 and gcc-mingw-w64-x86-64 to run it)");
    eprintln!("************************************************************************");
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn find_wine() -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/lib/wine/wine64");
    if debian.is_file() {
        return Some(debian);
    }
    on_path("wine64").or_else(|| on_path("wine"))
}

/// What `stampinf -a amd64 -k 1.33` does to the template, as far as parsing goes.
fn stamp(template: &str) -> String {
    template
        .replace("$ARCH$", "amd64")
        .replace("$KMDFVERSION$", "1.33")
}

/// Runs `command` with `input` on stdin; its stdout, or an error after [`TIMEOUT`].
fn run_with_timeout(mut command: Command, input: &str) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).map(|_| out)
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let _ = writer.join();
            let out = reader
                .join()
                .map_err(|_| "reader panicked")?
                .map_err(|e| e.to_string())?;
            if !status.success() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return Err(format!("{status}: {out}{err}"));
            }
            return Ok(out);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            return Err(format!("timed out after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Our view of one line, as SetupAPI prints it: field 0, then the fields. Field 0 is the key;
/// a line without a key has none (`<none>`), except that SetupAPI also reports a lone field
/// (`cadenza_acx.sys` in a CopyFiles section) as field 0.
fn our_fields(line: &cadenza_infcheck::parse::Line) -> Vec<String> {
    let first = match (line.key(), line.values()) {
        (Some(key), _) => key,
        (None, [only]) => only.as_str(),
        (None, _) => "<none>",
    };
    let mut fields = vec![first.to_owned()];
    fields.extend(line.values().iter().cloned());
    fields
}

/// SetupAPI resolves DIRIDs to paths (Wine: `%13%` is `C:\windows\system32\unknown`); we keep
/// them as written.
fn same_field(ours: &str, theirs: &str) -> bool {
    match ours.strip_prefix("%13%") {
        Some(rest) => theirs.ends_with(rest) && theirs.len() > rest.len(),
        None => ours == theirs,
    }
}

#[test]
fn setupapi_reads_the_stamped_inf_as_we_do() {
    if !cfg!(target_os = "linux") {
        skip("this comparison runs on Linux under Wine only");
        return;
    }
    let Some(wine) = find_wine() else {
        skip("Wine is not installed");
        return;
    };
    let Some(gcc) = on_path("x86_64-w64-mingw32-gcc") else {
        skip("x86_64-w64-mingw32-gcc is not installed");
        return;
    };

    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine-setupapi");
    std::fs::create_dir_all(&work).expect("work directory");
    let exe = work.join("setupapi_dump.exe");
    let built = Command::new(&gcc)
        .args(["-municode", "-O1", "-o"])
        .arg(&exe)
        .arg(DUMP_SOURCE)
        .arg("-lsetupapi")
        .status()
        .expect("run mingw gcc");
    assert!(built.success(), "compiling setupapi_dump.c failed");

    let template = std::fs::read_to_string(INF_PATH).expect("inf/cadenza.inx");
    let (sections, lines) = compare(&wine, &exe, &work, "cadenza.inf", &stamp(&template));
    assert!(lines > 300, "only {lines} lines of cadenza.inf compared");
    let corners = std::fs::read_to_string(CORNERS_PATH).expect("syntax-corners.inf");
    let (corner_sections, corner_lines) =
        compare(&wine, &exe, &work, "syntax-corners.inf", &corners);
    eprintln!(
        "setupapi_reads_the_stamped_inf_as_we_do: cadenza.inf {sections} sections / {lines} \
         lines, syntax-corners.inf {corner_sections} / {corner_lines}: all agree"
    );
}

/// Has SetupAPI (under `wine`) read `text` (written to `work/file_name`) and compares every
/// section, line and field with our parse. Returns the sections and lines compared.
fn compare(wine: &Path, exe: &Path, work: &Path, file_name: &str, text: &str) -> (usize, usize) {
    let inf_file = work.join(file_name);
    std::fs::write(&inf_file, text).expect("write the INF");
    let ours = Inf::parse(text);
    assert_eq!(
        ours.diagnostics(),
        [],
        "our parser complains about {file_name}"
    );

    let windows_path = format!("Z:{}", inf_file.display()).replace('/', "\\");
    let mut command = Command::new(wine);
    command
        .arg(exe)
        .arg(&windows_path)
        .env("WINEPREFIX", work.join("prefix"))
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    let names: String = ours
        .sections()
        .iter()
        .map(|s| format!("{}\n", s.name()))
        .chain(std::iter::once("NoSuchSection\n".to_owned()))
        .collect();
    let output = match run_with_timeout(command, &names) {
        Ok(out) => out,
        Err(e) => panic!("setupapi_dump under Wine failed on {file_name}: {e}"),
    };

    let mut records = output.lines().map(|l| l.split('\t').collect::<Vec<_>>());
    let open = records.next().expect("an OPEN record");
    assert_eq!(
        open.get(1),
        Some(&"ok"),
        "SetupOpenInfFileW({file_name}) failed: {open:?}"
    );

    let mut mismatches = Vec::new();
    let mut lines_compared = 0;
    let mut current: Option<&cadenza_infcheck::parse::Section> = None;
    let mut sections_seen = 0;
    for record in records {
        match record.first().copied() {
            Some("SECTION") => {
                let name = record.get(1).copied().unwrap_or("");
                let count: i64 = record.get(2).and_then(|c| c.parse().ok()).unwrap_or(-2);
                current = ours.section(name);
                match current {
                    Some(s) => {
                        sections_seen += 1;
                        if i64::try_from(s.lines().len()) != Ok(count) {
                            mismatches.push(format!(
                                "[{name}]: SetupAPI counts {count} lines, we read {}",
                                s.lines().len()
                            ));
                        }
                    }
                    None => assert_eq!(count, -1, "SetupAPI found [{name}], we did not"),
                }
            }
            Some("LINE") => {
                let Some(section) = current else { continue };
                let index: usize = record.get(2).and_then(|i| i.parse().ok()).unwrap_or(0);
                let Some(line) = section.lines().get(index) else {
                    continue;
                };
                let theirs: Vec<&str> = record.get(4..).unwrap_or(&[]).to_vec();
                let ours = our_fields(line);
                lines_compared += 1;
                let same = ours.len() == theirs.len()
                    && ours.iter().zip(&theirs).all(|(a, b)| same_field(a, b));
                if !same {
                    mismatches.push(format!(
                        "[{}] line {} (index {index}): SetupAPI {theirs:?}, we {ours:?}",
                        section.name(),
                        line.number()
                    ));
                }
            }
            _ => mismatches.push(format!("unexpected record {record:?}")),
        }
    }
    assert_eq!(
        sections_seen,
        ours.sections().len(),
        "{file_name}: every section compared"
    );
    assert!(
        mismatches.is_empty(),
        "{file_name}: SetupAPI (Wine) and cadenza-infcheck disagree:\n{}",
        mismatches.join("\n")
    );
    (sections_seen, lines_compared)
}
