//! Which arguments are runs on disk, decided by the host before the call (README, "Runs on
//! disk"): an argument that exists as a run directory (`wandb/offline-run-…`, `wandb/run-…`,
//! `wandb/latest-run`), a `.wandb` file, or a directory holding run directories (or holding a
//! `wandb/` that does) is local; `./`, `../` or `/` in front makes it explicit (then it must
//! exist). Anything else is a W&B path. A local argument becomes one read-only pre-opened
//! directory: the run directory (a `.wandb` file's parent) or the directory of runs. The
//! component sees a directory of runs at `/local/<i>` (a project path `local/<i>`) and a run
//! directory at `/local/<i>/<its name>` (a run path `local/<i>/<name>`).

use std::fs;
use std::path::{Path, PathBuf};

/// Where granted directories appear inside the component: `/local/0`, `/local/1`, ... (one
/// per local argument of the call: `compare` may name several run directories).
pub const GUEST_ROOT: &str = "/local";

/// A directory to pre-open read-only, and the argument the component gets instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalGrant {
    /// Canonical (symlinks such as `latest-run` resolved): the directory itself is granted,
    /// not whatever a link in the argument pointed through.
    pub dir: PathBuf,
    /// For one run: its directory's name inside the component (the run id of its path).
    pub run: Option<String>,
    /// The directory as the user wrote it, for messages.
    pub shown: String,
}

/// `Ok(None)`: a W&B path. `Err`: an explicit local path that cannot be granted.
pub fn classify(arg: &str) -> Result<Option<LocalGrant>, String> {
    let explicit = is_explicit(arg);
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
        let Some(dir) = file.parent() else {
            return Err(format!("{arg}: not a run log"));
        };
        let shown_dir = Path::new(arg)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        return Ok(Some(LocalGrant {
            dir: dir.to_path_buf(),
            run: Some(mount_name(dir)),
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
    let dir = canonical(path, arg)?;
    Ok(Some(LocalGrant {
        run: has_log(&dir).then(|| mount_name(&dir)),
        dir,
        shown: arg.trim_end_matches('/').to_string(),
    }))
}

/// A call's local arguments: each rewritten to its mount point in the component, and the
/// directories to pre-open there, in mount order. `Ok(None)`: nothing in the call is local.
pub fn localize(
    operation: &wandb_agent_commands::Operation,
) -> Result<Option<(wandb_agent_commands::Operation, Vec<LocalGrant>)>, String> {
    localize_with(operation, &classify)
}

/// [`localize`] for the MCP server started with `--runs-dir ROOT` (canonical): a path is
/// local only inside `ROOT` — relative to it, or absolute and inside it; one that leads out
/// (`..`, a symlink pointing out) is refused. Paths that exist nowhere under it are W&B paths.
pub fn localize_under(
    operation: &wandb_agent_commands::Operation,
    root: &Path,
) -> Result<Option<(wandb_agent_commands::Operation, Vec<LocalGrant>)>, String> {
    localize_with(operation, &|arg| classify_under(arg, root))
}

fn classify_under(arg: &str, root: &Path) -> Result<Option<LocalGrant>, String> {
    let explicit = is_explicit(arg);
    let relative = arg.strip_prefix("./").unwrap_or(arg);
    let candidate = if Path::new(arg).is_absolute() {
        PathBuf::from(arg)
    } else {
        root.join(relative)
    };
    let Ok(real) = fs::canonicalize(&candidate) else {
        return if explicit {
            Err(format!(
                "{arg}: no such file or directory under the server's runs directory"
            ))
        } else {
            Ok(None)
        };
    };
    if !real.starts_with(root) {
        return Err(format!(
            "{arg}: outside the directory this server reads runs from (--runs-dir)"
        ));
    }
    let Some(mut grant) = classify(&real.display().to_string())? else {
        return Ok(None);
    };
    grant.shown = arg.trim_end_matches('/').to_string();
    Ok(Some(grant))
}

fn is_explicit(arg: &str) -> bool {
    arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg == "."
        || arg == ".."
}

fn localize_with(
    operation: &wandb_agent_commands::Operation,
    classify: &dyn Fn(&str) -> Result<Option<LocalGrant>, String>,
) -> Result<Option<(wandb_agent_commands::Operation, Vec<LocalGrant>)>, String> {
    let mut rewritten = operation.clone();
    let mut grants: Vec<LocalGrant> = Vec::new();
    for arg in rewritten.paths_mut() {
        let Some(grant) = classify(arg)? else {
            continue;
        };
        // The same directory named twice is mounted once.
        let index = match grants.iter().position(|g| g.dir == grant.dir) {
            Some(i) => i,
            None => {
                grants.push(grant.clone());
                grants.len() - 1
            }
        };
        *arg = mount(index, &grant);
    }
    Ok((!grants.is_empty()).then_some((rewritten, grants)))
}

/// Where grant `index` appears inside the component.
pub fn mount(index: usize, grant: &LocalGrant) -> String {
    match &grant.run {
        Some(run) => format!("{GUEST_ROOT}/{index}/{run}"),
        None => format!("{GUEST_ROOT}/{index}"),
    }
}

/// The component's text with the grants' mount points (`local/<i>`, `/local/<i>/<run>`)
/// put back as the user wrote them, so a path in an answer or a hint can be passed back.
pub fn unmount(text: &str, grants: &[LocalGrant]) -> String {
    let mut out = text.to_string();
    // Highest index first: `local/1` must not eat the start of `local/12`.
    for (index, grant) in grants.iter().enumerate().rev() {
        let mounted = mount(index, grant);
        let bare = mounted.trim_start_matches('/');
        out = replace_path(&out, bare, &grant.shown);
    }
    out
}

/// `text` with each `path` (with or without a leading `/`) that stands alone as a path (not
/// inside a longer name) replaced by `with`.
fn replace_path(text: &str, path: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        let before = &rest[..at];
        let after = &rest[at + path.len()..];
        let starts_clean = before
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
        let ends_clean = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
        if starts_clean && ends_clean {
            out.push_str(before.strip_suffix('/').unwrap_or(before));
            out.push_str(with);
        } else {
            out.push_str(before);
            out.push_str(path);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A run directory's name as a run id (`offline-run-20261206_183549-abc`); one with other
/// characters than a run id may have is mounted as `run`.
fn mount_name(dir: &Path) -> String {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let valid = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        name.to_string()
    } else {
        "run".to_string()
    }
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
                (grant.dir.as_path(), grant.run.as_deref()),
                (run.as_path(), Some("offline-run-20261206_183549-abc")),
                "{arg}"
            );
        }
        let file = classify(&at("wandb/latest-run/run-abc.wandb"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (file.dir, file.run.as_deref()),
            (run.clone(), Some("offline-run-20261206_183549-abc"))
        );
        assert_eq!(file.shown, at("wandb/latest-run"));
        let dir = classify(&at("wandb")).unwrap().unwrap();
        assert_eq!(dir.dir, fs::canonicalize(at("wandb")).unwrap());
        assert_eq!((dir.shown, dir.run), (at("wandb"), None));
        // The directory training ran in holds wandb/.
        assert!(classify(&at("")).unwrap().is_some());
    }

    #[test]
    fn a_call_s_local_arguments_become_mount_points() {
        use wandb_agent_commands::Operation;
        let root = tree();
        let run = root.path().join("wandb/latest-run").display().to_string();
        let file = format!("{run}/run-abc.wandb");
        let args =
            serde_json::json!({"run_a": run, "run_b": file, "metric": "loss", "more": ["e/p/r"]});
        let op = Operation::from_arguments("wandb-compare", args)
            .unwrap()
            .unwrap();
        let (op, grants) = localize(&op).unwrap().unwrap();
        assert_eq!(grants.len(), 1, "the same directory is mounted once");
        let back = serde_json::to_value(&op).unwrap();
        let mounted = "/local/0/offline-run-20261206_183549-abc";
        assert_eq!(
            (&back["run_a"], &back["run_b"]),
            (&mounted.into(), &mounted.into())
        );
        assert_eq!(back["more"], serde_json::json!(["e/p/r"]), "W&B paths stay");
        assert_eq!(grants[0].shown, run);
        let wandb =
            Operation::from_arguments("wandb-list-runs", serde_json::json!({"project": "e/p"}))
                .unwrap()
                .unwrap();
        assert_eq!(localize(&wandb).unwrap(), None);
    }

    #[test]
    fn under_a_runs_dir_nothing_outside_it_however_spelled() {
        let root = tree();
        let outside = tempfile::tempdir().unwrap();
        let foreign = outside.path().join("wandb/offline-run-20261206_183549-xyz");
        fs::create_dir_all(&foreign).unwrap();
        fs::write(foreign.join("run-xyz.wandb"), b":W&B").unwrap();
        // A symlink inside the runs directory that points out of it, to runs or elsewhere.
        std::os::unix::fs::symlink(outside.path().join("wandb"), root.path().join("linked"))
            .unwrap();
        std::os::unix::fs::symlink("/etc", root.path().join("etc")).unwrap();
        let base = fs::canonicalize(root.path()).unwrap();
        let inside = classify_under("wandb/latest-run", &base).unwrap().unwrap();
        assert_eq!(inside.shown, "wandb/latest-run");
        assert!(inside.dir.starts_with(&base));
        let foreign_arg = foreign.display().to_string();
        for arg in [
            "linked",
            "./linked/offline-run-20261206_183549-xyz",
            "etc",
            "../",
            foreign_arg.as_str(),
        ] {
            let refused = classify_under(arg, &base).unwrap_err();
            assert!(
                refused.contains("outside the directory this server reads runs from"),
                "{arg}: {refused}"
            );
        }
        // A name that is not there and not written as a path stays a W&B path.
        assert!(classify_under("team/elsewhere", &base).unwrap().is_none());
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

    #[test]
    fn mount_points_in_answers_become_the_paths_the_user_wrote() {
        let grants = vec![
            LocalGrant {
                dir: PathBuf::from("/home/u/wandb"),
                run: None,
                shown: "wandb".into(),
            },
            LocalGrant {
                dir: PathBuf::from("/tmp/r"),
                run: Some("offline-run-1-abc".into()),
                shown: "../r/offline-run-1-abc".into(),
            },
        ];
        let text = "error: Project local/0 has no runs; try `list-runs local/0 --include-crashed`\n\
                    id: local/0/offline-run-9-xyz, b /local/1/offline-run-1-abc, not local/01 or mylocal/0";
        assert_eq!(
            unmount(text, &grants),
            "error: Project wandb has no runs; try `list-runs wandb --include-crashed`\n\
             id: wandb/offline-run-9-xyz, b ../r/offline-run-1-abc, not local/01 or mylocal/0"
        );
    }
}
