//! The output directory, all or nothing: a run writes its files into a staging directory
//! next to the target and moves them into place only when every one was written. A run that
//! fails leaves the target as it was — absent, or with its earlier contents — and removes
//! only what it created itself (the staging directory, and parent directories it had to
//! create, if they are still empty).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    /// Parent directories this run created, outermost first.
    created_parents: Vec<PathBuf>,
    /// Names written into the staging directory.
    names: Vec<String>,
    committed: bool,
}

/// The parent a path's files are created in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a target that cannot become a directory, before anything is simulated.
pub fn check_target(target: &Path) -> anyhow::Result<()> {
    if target.exists() && !target.is_dir() {
        bail!(
            "the output directory {} exists and is not a directory",
            target.display()
        );
    }
    Ok(())
}

impl Staging {
    /// Creates the staging directory beside `target` (and any missing parents).
    pub fn new(target: &Path) -> anyhow::Result<Staging> {
        check_target(target)?;
        let parent = parent_of(target);
        let mut missing = Vec::new();
        let mut p = parent.as_path();
        while !p.as_os_str().is_empty() && !p.exists() {
            missing.push(p.to_path_buf());
            p = p.parent().unwrap_or(Path::new(""));
        }
        missing.reverse();
        let mut staging = Staging {
            target: target.to_path_buf(),
            dir: PathBuf::new(),
            created_parents: Vec::new(),
            names: Vec::new(),
            committed: false,
        };
        for dir in missing {
            std::fs::create_dir(&dir)
                .with_context(|| format!("cannot create the directory {}", dir.display()))?;
            staging.created_parents.push(dir);
        }
        let name = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(
            ".{name}.cadenza-sim-{}.partial",
            std::process::id()
        ));
        std::fs::create_dir(&dir).with_context(|| {
            format!(
                "cannot create the staging directory {} for {}",
                dir.display(),
                target.display()
            )
        })?;
        staging.dir = dir;
        Ok(staging)
    }

    /// Where to write file `name` now.
    pub fn path(&mut self, name: &str) -> PathBuf {
        self.names.push(name.to_owned());
        self.dir.join(name)
    }

    /// Where file `name` will be once committed.
    pub fn final_path(&self, name: &str) -> PathBuf {
        self.target.join(name)
    }

    /// Moves the files into the target: the whole directory if the target does not exist,
    /// else file by file (replacing files of the same names, leaving every other file).
    pub fn commit(mut self) -> anyhow::Result<()> {
        if self.target.exists() {
            check_target(&self.target)?;
            for name in &self.names {
                let to = self.target.join(name);
                std::fs::rename(self.dir.join(name), &to)
                    .with_context(|| format!("cannot move the new {} into place", to.display()))?;
            }
            std::fs::remove_dir(&self.dir).with_context(|| {
                format!("cannot remove the staging directory {}", self.dir.display())
            })?;
        } else {
            std::fs::rename(&self.dir, &self.target).with_context(|| {
                format!(
                    "cannot move {} into place as {}",
                    self.dir.display(),
                    self.target.display()
                )
            })?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Best effort on a failure path: the staging directory holds only this run's files.
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        for dir in self.created_parents.iter().rev() {
            // Only if still empty: `remove_dir` refuses a directory with anything in it.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file beside it, so `path` is either its old
/// self or complete.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = parent_of(path).join(format!(
        ".{}.cadenza-sim-{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promise: a failed run removes everything it created, parents included.
    #[test]
    fn an_uncommitted_run_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a/b/out");
        {
            let mut s = Staging::new(&target).unwrap();
            std::fs::write(s.path("x.txt"), "x").unwrap();
        }
        assert!(!tmp.path().join("a").exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    /// The promise: a run into an existing directory replaces only its own files.
    #[test]
    fn a_commit_into_an_existing_directory_keeps_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("notes.txt"), "mine").unwrap();
        std::fs::write(target.join("x.txt"), "old").unwrap();
        let mut s = Staging::new(&target).unwrap();
        std::fs::write(s.path("x.txt"), "new").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("x.txt")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(target.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging left"
        );
    }
}
