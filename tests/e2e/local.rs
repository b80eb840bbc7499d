//! Runs on disk, end to end: run directories the real `wandb` client writes offline (made on
//! the fly by `tests/local/make_runs.py` with the Python in `$PYTHON`, else `target/venv`),
//! read by the component through a read-only pre-open, with no network and no key.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{workspace, Cli};

fn python() -> PathBuf {
    // scripts/python-env.sh exports a path relative to the workspace; tests run in host/.
    std::env::var_os("PYTHON")
        .map(|p| workspace().join(p))
        .unwrap_or_else(|| workspace().join("target/venv/bin/python"))
}

/// One set of real runs for the whole suite (about 15 s of the client's time).
fn real_runs() -> &'static Path {
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
fn run_dir(id: &str) -> String {
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
fn offline() -> Cli {
    let mut cli = Cli::new();
    cli.env("WANDB_BASE_URL", "http://127.0.0.1:9");
    cli
}

#[test]
fn list_runs_of_a_wandb_directory_with_states_from_the_logs() {
    let wandb = real_runs().join("wandb").display().to_string();
    let out = offline().run(&["list-runs", &wandb, "--include-crashed", "--include-short"]);
    let text = out.ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], "id,name,state,created_at,runtime_s,steps,exit",
        "{text}"
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.split(',').nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .split(',')
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (row("explosion")[2], row("explosion")[5]),
        ("finished", "300")
    );
    assert_eq!(
        (row("nan-onset")[2], row("nan-onset")[5]),
        ("finished", "200")
    );
    assert_eq!((row("oom-crash")[2], row("oom-crash")[6]), ("failed", "1"));
    assert_eq!((row("bad-exit")[2], row("bad-exit")[6]), ("failed", "3"));
    assert_eq!(row("histograms")[5], "50");
    assert_eq!(row("demo-explosion")[5], "321");
    // Killed with SIGKILL a moment ago: no exit record, written recently.
    let live = row("still-training");
    assert_eq!(live[2], "running", "{text}");
    assert!(live[5].parse::<u32>().unwrap() >= 101, "{text}");
    assert!(live[0].starts_with("offline-run-") && live[0].ends_with("-live0001"));
}

#[test]
fn one_run_by_its_directory_its_latest_run_link_or_its_file() {
    let dir = run_dir("explode1");
    let file = format!("{dir}/run-explode1.wandb");
    for arg in [dir.clone(), file] {
        let out = offline().run(&["list-runs", &arg, "--include-short"]);
        let text = out.ok();
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .contains(",explosion,finished,"),
            "{arg}: {text}"
        );
    }
    // latest-run links to the newest run directory: the live one, made last.
    let latest = real_runs().join("wandb/latest-run").display().to_string();
    let out = offline().run(&["list-runs", &latest, "--include-short"]);
    let text = out.ok();
    assert!(text.contains(",still-training,running,"), "{text}");
}

#[test]
fn damaged_logs_are_one_clear_line() {
    let good = std::fs::read(format!("{}/run-nanrun01.wandb", run_dir("nanrun01"))).unwrap();
    let root = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let dir = root
            .path()
            .join(format!("offline-run-20261206_000000-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("run-{name}.wandb")), bytes).unwrap();
        dir.display().to_string()
    };
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let cases = [
        (
            write("header", b"SQLite format 3\0 and more"),
            "not a W&B run log",
        ),
        (
            write("crc", &flipped),
            "damaged W&B run log: bad checksum in the chunk at byte ",
        ),
    ];
    for (dir, expected) in cases {
        let out = offline().run(&["list-runs", &dir]);
        let line = out.fails(2);
        assert!(line.contains(expected), "{line}");
    }
    // Cut mid-record: what is whole is read, the run is still being written.
    let cut = write("cut", &good[..good.len() - 5]);
    let text = offline()
        .run(&["list-runs", &cut, "--include-short"])
        .ok()
        .to_string();
    assert!(text.contains(",nan-onset,running,"), "{text}");
}

#[test]
fn operations_not_yet_reading_runs_on_disk_say_so() {
    let dir = run_dir("explode1");
    for args in [
        vec!["summary", dir.as_str()],
        vec!["diagnose", dir.as_str()],
        vec!["history", dir.as_str(), "--keys", "loss"],
    ] {
        let line = offline().run(&args).fails(2).to_string();
        assert!(
            line.starts_with("error: runs on disk: only list-runs reads them so far; "),
            "{line}"
        );
    }
}

#[test]
fn explicit_paths_that_hold_no_runs_say_what_was_looked_for() {
    let empty = tempfile::tempdir().unwrap();
    let arg = empty.path().display().to_string();
    let line = offline().run(&["list-runs", &arg]).fails(3).to_string();
    assert!(
        line.starts_with("error: no W&B runs in /local/0: looked for run-<id>.wandb"),
        "{line}"
    );
    let line = offline()
        .run(&["list-runs", "./no/such/wandb"])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: ./no/such/wandb: no such file or directory (a local run path)"
    );
}

#[test]
fn a_link_out_of_the_granted_directory_is_not_followed() {
    // A run directory whose log is a symlink to a real log elsewhere: the host grants the
    // directory; the component, confined to it, cannot open what the link points to.
    let elsewhere = format!("{}/run-explode1.wandb", run_dir("explode1"));
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("offline-run-20261206_000000-escape");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("run-escape.wandb")).unwrap();
    let out = offline().run(&["list-runs", &dir.display().to_string()]);
    let line = out.fails(3);
    assert!(
        line.ends_with("/run-escape.wandb: Operation not permitted (os error 63)"),
        "{line}"
    );
}
