//! Runs on disk, end to end: run directories the real `wandb` client writes offline (made on
//! the fly by `tests/local/make_runs.py` with the Python in `$PYTHON`, else `target/venv`),
//! read by the component through a read-only pre-open, with no network and no key.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{workspace, Cli};

mod listing;
mod operations;
mod sandbox;

fn python() -> PathBuf {
    // scripts/python-env.sh exports a path relative to the workspace; tests run in host/.
    std::env::var_os("PYTHON")
        .map(|p| workspace().join(p))
        .unwrap_or_else(|| workspace().join("target/venv/bin/python"))
}

/// One set of real runs for the whole suite (about 15 s of the client's time).
pub fn real_runs() -> &'static Path {
    static RUNS: OnceLock<PathBuf> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = Command::new(python())
            .arg(workspace().join("tests/local/make_runs.py"))
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} (set PYTHON to a Python with wandb): {e}",
                    python().display()
                )
            });
        assert!(
            out.status.success(),
            "make_runs.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// The run directory of scenario `id` under the real runs.
pub fn run_dir(id: &str) -> String {
    let wandb = real_runs().join("wandb");
    let found = std::fs::read_dir(&wandb)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(&format!("-{id}"))
        });
    found
        .unwrap_or_else(|| panic!("no run {id} in {}", wandb.display()))
        .display()
        .to_string()
}

/// A CLI with no key, and a base URL nothing listens on: a local call needs neither.
pub fn offline() -> Cli {
    let mut cli = Cli::new();
    cli.env("WANDB_BASE_URL", "http://127.0.0.1:9");
    cli
}

/// The run directory the demo ships.
pub const DEMO_RUN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../demo/local/wandb/offline-run-20261206_183549-demo0001"
);

/// One run's answer to `args` (the run directory of `id` first), with no network and no key.
pub fn on(id: &str, args: &[&str]) -> String {
    let dir = run_dir(id);
    let mut all = vec![args[0], dir.as_str()];
    all.extend(&args[1..]);
    offline().run(&all).ok().to_string()
}

/// The rows of a CSV answer whose first column is `first`.
pub fn rows<'a>(text: &'a str, first: &str) -> Vec<Vec<&'a str>> {
    text.lines()
        .filter(|l| l.split(',').next() == Some(first))
        .map(|l| l.split(',').collect())
        .collect()
}
