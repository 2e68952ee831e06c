//! The real INF passes; every deliberately broken fixture fails with the expected message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cadenza_infcheck::{Inf, Problem, Rule, check};

const INF_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inf/cadenza.inx");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn real_inf() -> String {
    let bytes = std::fs::read(INF_PATH).expect("inf/cadenza.inx is readable");
    cadenza_infcheck::decode(&bytes).expect("inf/cadenza.inx decodes")
}

fn listing(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn the_real_inf_passes() {
    let problems = check(&Inf::parse(&real_inf()));
    assert!(
        problems.is_empty(),
        "inf/cadenza.inx:\n{}",
        listing(&problems)
    );
}

/// What `stampinf -a ARCH -k 1.33` does to the template, as far as the checker goes.
fn stamp(template: &str, arch: &str) -> String {
    template
        .replace("$ARCH$", arch)
        .replace("$KMDFVERSION$", "1.33")
}

#[test]
fn the_template_covers_every_shipped_architecture() {
    assert_eq!(cadenza_infcheck::ARCHITECTURES, ["amd64", "arm64"]);
    let template = real_inf();
    assert!(
        template.contains("[Cadenza.NT$ARCH$.10.0...22000]"),
        "the models section is decorated with NT$ARCH$, which stampinf fills per package"
    );
    // Each package's stamped INF names only its own architecture: the ARM64 package must pass
    // the checker on its own (and not only because of an amd64 section).
    for arch in cadenza_infcheck::ARCHITECTURES {
        let stamped = stamp(&template, arch);
        assert!(stamped.contains(&format!("[Cadenza.NT{arch}.10.0...22000]")));
        let problems = check(&Inf::parse(&stamped));
        let others: Vec<Problem> = problems
            .iter()
            .filter(|p| !p.message.contains("no models section for"))
            .cloned()
            .collect();
        assert!(
            others.is_empty(),
            "stamped for {arch}:\n{}",
            listing(&others)
        );
        // Stamped, the INF is one architecture's: the checker reports the other one missing,
        // and nothing else.
        let missing: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.message.contains("no models section for"))
            .collect();
        assert_eq!(
            missing.len(),
            1,
            "stamped for {arch}:\n{}",
            listing(&problems)
        );
        assert!(!missing[0].message.contains(&format!("for {arch}:")));
    }
}

#[test]
fn explicit_amd64_and_arm64_models_sections_are_accepted() {
    let inf = real_inf()
        .replace(
            "%ManufacturerName% = Cadenza, NT$ARCH$.10.0...22000",
            "%ManufacturerName% = Cadenza, NTamd64.10.0...22000, NTarm64.10.0...22000",
        )
        .replace(
            "[Cadenza.NT$ARCH$.10.0...22000]",
            "[Cadenza.NTarm64.10.0...22000]\n\
             %Cadenza.Acx.DeviceDesc%     = Cadenza_Acx, ROOT\\CadenzaAcx\n\
             %Cadenza.PortCls.DeviceDesc% = Cadenza_PortCls, ROOT\\CadenzaPortCls\n\n\
             [Cadenza.NTamd64.10.0...22000]",
        );
    assert!(inf.contains("[Cadenza.NTarm64.10.0...22000]"));
    let problems = check(&Inf::parse(&inf));
    assert!(problems.is_empty(), "{}", listing(&problems));
}

#[test]
fn an_inf_for_x64_only_is_rejected() {
    let inf = real_inf().replace("NT$ARCH$.10.0...22000", "NTamd64.10.0...22000");
    let problems = check(&Inf::parse(&inf));
    assert!(
        problems
            .iter()
            .any(|p| p.rule == Rule::Models && p.message.contains("no models section for arm64")),
        "{}",
        listing(&problems)
    );
}

/// One fixture: what it expects, and the patched INF.
struct Fixture {
    name: String,
    rule: Rule,
    also: Vec<Rule>,
    expect: String,
    line_text: Option<String>,
    text: String,
}

fn rule_named(name: &str) -> Rule {
    const ALL: [Rule; 10] = [
        Rule::Syntax,
        Rule::Version,
        Rule::MissingSection,
        Rule::Models,
        Rule::FrameworkFit,
        Rule::CrossFramework,
        Rule::ReferenceString,
        Rule::InterfaceProperties,
        Rule::Parameters,
        Rule::Files,
    ];
    ALL.into_iter()
        .find(|r| r.to_string() == name)
        .unwrap_or_else(|| panic!("unknown rule {name:?}"))
}

/// The section each line of `lines` is in (lower-cased), by header.
fn sections_of(lines: &[String]) -> Vec<String> {
    let mut current = String::new();
    lines
        .iter()
        .map(|l| {
            let t = l.trim();
            if let Some(h) = t.strip_prefix('[')
                && let Some(end) = h.find(']')
            {
                current = h[..end].trim().to_ascii_lowercase();
            }
            current.clone()
        })
        .collect()
}

fn apply(name: &str, patch: &str, inf: &str) -> Fixture {
    let mut lines: Vec<String> = inf.lines().map(str::to_owned).collect();
    let mut rule = None;
    let mut also = Vec::new();
    let mut expect = None;
    let mut line_text = None;
    let mut scope: Option<String> = None;
    let mut pending: Option<(usize, Vec<String>)> = None;
    let flush = |lines: &mut Vec<String>, pending: &mut Option<(usize, Vec<String>)>| {
        if let Some((at, with)) = pending.take() {
            lines.splice(at..=at, with);
        }
    };
    for op in patch.lines() {
        if let Some(h) = op.strip_prefix('#') {
            let h = h.trim();
            if let Some(v) = h.strip_prefix("expect-rule:") {
                rule = Some(rule_named(v.trim()));
            } else if let Some(v) = h.strip_prefix("also-rule:") {
                also.push(rule_named(v.trim()));
            } else if let Some(v) = h.strip_prefix("expect-line-text:") {
                line_text = Some(v.trim().to_owned());
            } else if let Some(v) = h.strip_prefix("expect:") {
                expect = Some(v.trim().to_owned());
            }
            continue;
        }
        if let Some(v) = op.strip_prefix("with:") {
            let (_, with) = pending
                .as_mut()
                .unwrap_or_else(|| panic!("{name}: `with:` without `replace:`"));
            with.push(v.trim().to_owned());
            continue;
        }
        flush(&mut lines, &mut pending);
        if let Some(v) = op.strip_prefix("in-section:") {
            let v = v.trim();
            scope = (!v.is_empty()).then(|| v.to_ascii_lowercase());
        } else if let Some(v) = op.strip_prefix("replace:") {
            let v = v.trim();
            let sections = sections_of(&lines);
            let hits: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].trim() == v)
                .filter(|&i| scope.as_ref().is_none_or(|s| sections[i] == *s))
                .collect();
            assert_eq!(
                hits.len(),
                1,
                "{name}: `replace: {v}` must match exactly one line of inf/cadenza.inx \
                 (in section {scope:?}); it matches {}. Update the fixture.",
                hits.len()
            );
            pending = Some((hits[0], Vec::new()));
        } else if let Some(v) = op.strip_prefix("delete-section:") {
            let v = v.trim().to_ascii_lowercase();
            let sections = sections_of(&lines);
            let before = lines.len();
            let mut i = 0;
            lines.retain(|_| {
                i += 1;
                sections[i - 1] != v
            });
            assert!(lines.len() < before, "{name}: no section [{v}] to delete");
        } else if !op.trim().is_empty() {
            panic!("{name}: unknown patch operation {op:?}");
        }
    }
    flush(&mut lines, &mut pending);
    Fixture {
        name: name.to_owned(),
        rule: rule.unwrap_or_else(|| panic!("{name}: no `# expect-rule:`")),
        also,
        expect: expect.unwrap_or_else(|| panic!("{name}: no `# expect:`")),
        line_text,
        text: lines.join("\n"),
    }
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        .collect();
    paths.sort();
    paths
}

fn run(path: &Path, inf: &str) -> Result<Rule, String> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let ops = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let f = apply(&name, &ops, inf);
    let problems = check(&Inf::parse(&f.text));
    let lines: Vec<&str> = f.text.lines().collect();
    let hit = problems.iter().find(|p| {
        p.rule == f.rule
            && p.message.contains(&f.expect)
            && f.line_text.as_ref().is_none_or(|t| {
                p.line
                    .and_then(|l| lines.get(l - 1))
                    .is_some_and(|text| text.contains(t.as_str()))
            })
    });
    if hit.is_none() {
        return Err(format!(
            "{}: expected a {} problem containing {:?}{} but got:\n{}",
            f.name,
            f.rule,
            f.expect,
            f.line_text
                .as_ref()
                .map_or(String::new(), |t| format!(" on a line containing {t:?}")),
            listing(&problems)
        ));
    }
    let stray: Vec<Problem> = problems
        .into_iter()
        .filter(|p| p.rule != f.rule && !f.also.contains(&p.rule))
        .collect();
    if !stray.is_empty() {
        return Err(format!(
            "{}: breaks one rule ({}) but other rules fired too:\n{}",
            f.name,
            f.rule,
            listing(&stray)
        ));
    }
    Ok(f.rule)
}

#[test]
fn every_broken_fixture_fails_with_its_message() {
    let inf = real_inf();
    let paths = fixtures();
    assert!(paths.len() >= 25, "fixtures went missing: {}", paths.len());
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for path in &paths {
        match run(path, &inf) {
            Ok(rule) => {
                covered.insert(rule);
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every rule has at least one fixture that proves it can fail.
    assert_eq!(
        covered.len(),
        10,
        "rules without a fixture: covered only {covered:?}"
    );
}

#[test]
fn a_patch_that_no_longer_applies_is_reported() {
    let result = std::panic::catch_unwind(|| {
        apply(
            "stale",
            "# expect-rule: Syntax\n# expect: x\nreplace: no such line\n",
            &real_inf(),
        )
    });
    assert!(result.is_err());
}
