//! Where runs are on disk: a run directory (`offline-run-<time>-<id>`, `run-<time>-<id>`,
//! `latest-run`) holds `run-<id>.wandb`; a `wandb/` directory holds run directories. The
//! host decided the path is local and granted it; this finds the logs under it.

use std::fs;
use std::path::{Path, PathBuf};

/// One run's log on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFile {
    /// The run directory (the `.wandb` file's parent).
    pub dir: PathBuf,
    pub file: PathBuf,
    /// The run id: the file's stem after `run-`.
    pub id: String,
    /// When the file last changed (Unix seconds): a run with no exit record that has not
    /// written for a while was killed.
    pub modified: Option<i64>,
}

/// What a local path names.
#[derive(Debug)]
pub enum Found {
    /// A run directory or a `.wandb` file.
    Run(RunFile),
    /// A directory of run directories, oldest first (their names start with the start time).
    Runs(Vec<RunFile>),
}

/// Finds the run or runs `path` names; the error is one line saying what was looked for.
pub fn locate(path: &Path) -> Result<Found, String> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        return run_file(path).map(Found::Run).ok_or_else(|| {
            format!(
                "{}: not a run log (expected run-<id>.wandb)",
                path.display()
            )
        });
    }
    if let Some(run) = log_in(path) {
        return Ok(Found::Run(run));
    }
    let mut runs = runs_in(path);
    if runs.is_empty() {
        // The directory training ran in: its runs are under wandb/.
        runs = runs_in(&path.join("wandb"));
    }
    if runs.is_empty() {
        return Err(format!(
            "no W&B runs in {}: looked for run-<id>.wandb, and for run directories (offline-run-*, run-*) holding one, there and in wandb/",
            path.display()
        ));
    }
    Ok(Found::Runs(runs))
}

fn run_file(file: &Path) -> Option<RunFile> {
    let name = file.file_name()?.to_str()?;
    let id = name.strip_prefix("run-")?.strip_suffix(".wandb")?;
    let modified = fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    Some(RunFile {
        dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        file: file.to_path_buf(),
        id: id.to_string(),
        modified,
    })
}

/// The run log directly inside `dir`: the one named after the directory's id when there
/// are several (the directory name ends in `-<id>`).
fn log_in(dir: &Path) -> Option<RunFile> {
    let mut logs: Vec<RunFile> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| run_file(&e.path()))
        .collect();
    logs.sort_by(|a, b| a.file.cmp(&b.file));
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let named = logs
        .iter()
        .position(|r| dir_name.ends_with(&format!("-{}", r.id)));
    match named {
        Some(i) => Some(logs.swap_remove(i)),
        None => logs.into_iter().next(),
    }
}

fn runs_in(dir: &Path) -> Vec<RunFile> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut runs: Vec<(String, RunFile)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            // `latest-run` is a link to one of the others.
            let is_run = name.starts_with("run-") || name.starts_with("offline-run-");
            let is_dir = e.file_type().ok()?.is_dir();
            (is_run && is_dir).then_some(())?;
            Some((strip_mode(&name).to_string(), log_in(&e.path())?))
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    runs.into_iter().map(|(_, run)| run).collect()
}

/// `offline-run-20261206_140851-id` and `run-20261206_140851-id` sort by their time.
fn strip_mode(name: &str) -> &str {
    name.strip_prefix("offline-").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/local/wandb");

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wandb-agent-layout-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_demo_directory_its_run_and_its_file() {
        let Found::Runs(runs) = locate(Path::new(DEMO)).unwrap() else {
            panic!("a wandb/ dir")
        };
        assert_eq!(
            runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["demo0001"]
        );
        let run_dir = Path::new(DEMO).join("offline-run-20261206_183549-demo0001");
        let Found::Run(run) = locate(&run_dir).unwrap() else {
            panic!("a run dir")
        };
        assert_eq!(run, runs[0]);
        assert!(run.modified.is_some());
        let Found::Run(file) = locate(&run.file).unwrap() else {
            panic!("a file")
        };
        assert_eq!(file, run);
        // The directory training ran in: runs under its wandb/.
        let parent = Path::new(DEMO).parent().unwrap();
        assert!(matches!(locate(parent).unwrap(), Found::Runs(r) if r.len() == 1));
    }

    #[test]
    fn runs_sort_by_start_time_online_and_offline_alike() {
        let root = scratch("sort");
        for (dir, id) in [
            ("run-20261206_120000-bbb", "bbb"),
            ("offline-run-20261206_110000-aaa", "aaa"),
            ("offline-run-20261206_130000-ccc", "ccc"),
        ] {
            fs::create_dir_all(root.join(dir)).unwrap();
            fs::write(root.join(dir).join(format!("run-{id}.wandb")), b":W&B").unwrap();
        }
        fs::create_dir_all(root.join("run-nolog")).unwrap();
        fs::write(root.join("debug.log"), b"").unwrap();
        let Found::Runs(runs) = locate(&root).unwrap() else {
            panic!()
        };
        assert_eq!(
            runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["aaa", "bbb", "ccc"]
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn nothing_there_says_what_was_looked_for() {
        let root = scratch("empty");
        let err = locate(&root).unwrap_err();
        assert!(err.starts_with("no W&B runs in "), "{err}");
        assert!(err.contains("offline-run-*"), "{err}");
        fs::write(root.join("notes.txt"), b"x").unwrap();
        assert!(locate(&root.join("notes.txt"))
            .unwrap_err()
            .ends_with("not a run log (expected run-<id>.wandb)"));
        assert!(locate(&root.join("missing")).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
