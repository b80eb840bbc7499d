//! Which arguments are runs on disk, decided by the host before the call (README, "Runs on
//! disk"): an argument that exists as a run directory (`wandb/offline-run-…`, `wandb/run-…`,
//! `wandb/latest-run`), a `.wandb` file, or a directory holding run directories (or holding a
//! `wandb/` that does) is local; `./`, `../` or `/` in front makes it explicit (then it must
//! exist). Anything else is a W&B path. A local argument becomes one read-only pre-opened
//! directory: the run directory (a `.wandb` file's parent) or the directory of runs.

use std::fs;
use std::path::{Path, PathBuf};

/// Where the granted directory appears inside the component.
pub const GUEST_DIR: &str = "/local";

/// A directory to pre-open read-only, and the argument the component gets instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalGrant {
    /// Canonical (symlinks such as `latest-run` resolved): the directory itself is granted,
    /// not whatever a link in the argument pointed through.
    pub dir: PathBuf,
    /// The path inside the component: [`GUEST_DIR`], or a file in it.
    pub guest_arg: String,
    /// The directory as the user wrote it, for the component to show in its answers.
    pub shown: String,
}

/// `Ok(None)`: a W&B path. `Err`: an explicit local path that cannot be granted.
pub fn classify(arg: &str) -> Result<Option<LocalGrant>, String> {
    let explicit = arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg == "."
        || arg == "..";
    let path = Path::new(arg);
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(_) if !explicit => return Ok(None),
        Err(e) => return Err(format!("{arg}: {} (a local run path)", reason(&e))),
    };
    if meta.is_file() {
        let is_log = path.extension().is_some_and(|e| e == "wandb");
        if !is_log {
            return if explicit {
                Err(format!(
                    "{arg}: not a run log (expected a run directory or a run-<id>.wandb file)"
                ))
            } else {
                Ok(None)
            };
        }
        let file = canonical(path, arg)?;
        let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str()))
        else {
            return Err(format!("{arg}: not a run log"));
        };
        let shown_dir = Path::new(arg)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        return Ok(Some(LocalGrant {
            dir: dir.to_path_buf(),
            guest_arg: format!("{GUEST_DIR}/{name}"),
            shown: if shown_dir.is_empty() {
                ".".into()
            } else {
                shown_dir
            },
        }));
    }
    if !explicit && !holds_runs(path) {
        return Ok(None);
    }
    Ok(Some(LocalGrant {
        dir: canonical(path, arg)?,
        guest_arg: GUEST_DIR.to_string(),
        shown: arg.trim_end_matches('/').to_string(),
    }))
}

fn canonical(path: &Path, arg: &str) -> Result<PathBuf, String> {
    fs::canonicalize(path).map_err(|e| format!("{arg}: {}", reason(&e)))
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A run directory (a `run-*.wandb` in it), a directory of them, or one with such a `wandb/`.
fn holds_runs(dir: &Path) -> bool {
    has_log(dir) || has_run_dirs(dir) || has_run_dirs(&dir.join("wandb"))
}

fn entries(dir: &Path) -> impl Iterator<Item = fs::DirEntry> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
}

fn has_log(dir: &Path) -> bool {
    entries(dir).any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("run-") && name.ends_with(".wandb")
    })
}

fn has_run_dirs(dir: &Path) -> bool {
    entries(dir).any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        (name.starts_with("run-") || name.starts_with("offline-run-")) && has_log(&e.path())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("wandb/offline-run-20261206_183549-abc");
        fs::create_dir_all(&run).unwrap();
        fs::write(run.join("run-abc.wandb"), b":W&B").unwrap();
        std::os::unix::fs::symlink(
            "offline-run-20261206_183549-abc",
            root.path().join("wandb/latest-run"),
        )
        .unwrap();
        fs::create_dir_all(root.path().join("team/proj")).unwrap();
        fs::write(root.path().join("notes.txt"), b"").unwrap();
        root
    }

    #[test]
    fn run_dirs_files_and_dirs_of_runs_are_local() {
        let root = tree();
        let at = |rel: &str| root.path().join(rel).display().to_string();
        let run = fs::canonicalize(at("wandb/offline-run-20261206_183549-abc")).unwrap();
        for arg in [
            at("wandb/offline-run-20261206_183549-abc"),
            at("wandb/latest-run"),
        ] {
            let grant = classify(&arg).unwrap().unwrap();
            assert_eq!(
                (grant.dir.as_path(), grant.guest_arg.as_str()),
                (run.as_path(), "/local"),
                "{arg}"
            );
        }
        let file = classify(&at("wandb/latest-run/run-abc.wandb"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (file.dir, file.guest_arg.as_str()),
            (run.clone(), "/local/run-abc.wandb")
        );
        assert_eq!(file.shown, at("wandb/latest-run"));
        let dir = classify(&at("wandb")).unwrap().unwrap();
        assert_eq!(dir.dir, fs::canonicalize(at("wandb")).unwrap());
        assert_eq!(dir.shown, at("wandb"));
        // The directory training ran in holds wandb/.
        assert!(classify(&at("")).unwrap().is_some());
    }

    #[test]
    fn relative_paths_that_are_not_runs_are_wandb_paths() {
        // Relative spellings only resolve against the current directory, which tests share:
        // use names that exist nowhere.
        assert_eq!(classify("team/proj/run123").unwrap(), None);
        assert_eq!(classify("my-team/my-project").unwrap(), None);
        assert_eq!(
            classify("Cargo.toml").unwrap(),
            None,
            "an existing file that is no log"
        );
    }

    #[test]
    fn explicit_paths_must_be_runs() {
        let root = tree();
        let at = |rel: &str| root.path().join(rel).display().to_string();
        assert_eq!(
            classify(&at("missing")).unwrap_err(),
            format!(
                "{}: no such file or directory (a local run path)",
                at("missing")
            )
        );
        assert!(classify(&at("notes.txt"))
            .unwrap_err()
            .ends_with("not a run log (expected a run directory or a run-<id>.wandb file)"));
        // An explicit directory without runs is granted: the component says what it looked for.
        assert!(classify(&at("team/proj")).unwrap().is_some());
        assert!(classify("./no-such-dir-anywhere").is_err());
    }
}
