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
    assert!(
        !text.contains("mid-record"),
        "a live run's log ends so: {text}"
    );
    // A cut log of a run that is not running says so, naming the file as the user named its
    // directory (the demo run's records are hours old; its file is made an hour old too).
    let demo = std::fs::read(format!("{DEMO_RUN}/run-demo0001.wandb")).unwrap();
    let old_cut = write("oldcut", &demo[..demo.len() / 2]);
    let file = std::fs::File::options()
        .write(true)
        .open(format!("{old_cut}/run-oldcut.wandb"))
        .unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    file.set_modified(hour_ago).unwrap();
    let text = offline()
        .run(&["list-runs", &old_cut, "--include-crashed"])
        .ok()
        .to_string();
    assert!(text.contains(",demo-explosion,crashed,"), "{text}");
    let note = text.lines().last().unwrap();
    assert!(
        note.starts_with(&format!(
            "# {old_cut}/run-oldcut.wandb ends mid-record after byte "
        )) && note.ends_with("(cut, or its writer was killed): every whole record read"),
        "{text}"
    );
}

/// The run directory the demo ships.
const DEMO_RUN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../demo/local/wandb/offline-run-20261206_183549-demo0001"
);

/// One run's answer to `args` (the run directory of `id` first), with no network and no key.
fn on(id: &str, args: &[&str]) -> String {
    let dir = run_dir(id);
    let mut all = vec![args[0], dir.as_str()];
    all.extend(&args[1..]);
    offline().run(&all).ok().to_string()
}

/// The rows of a CSV answer whose first column is `first`.
fn rows<'a>(text: &'a str, first: &str) -> Vec<Vec<&'a str>> {
    text.lines()
        .filter(|l| l.split(',').next() == Some(first))
        .map(|l| l.split(',').collect())
        .collect()
}

#[test]
fn diagnose_finds_every_event_at_its_exact_step() {
    let text = on("explode1", &["diagnose"]);
    let explosion = &rows(&text, "explosion")[0];
    assert_eq!((explosion[1], explosion[2]), ("grad_norm", "150"), "{text}");
    assert!(text.contains("coarse pass: every logged row"), "{text}");

    let text = on("nanrun01", &["diagnose"]);
    let divergence = &rows(&text, "divergence")[0];
    assert_eq!(
        (divergence[1], divergence[2], divergence[4]),
        ("loss", "119", "inf"),
        "{text}"
    );

    // A crash with a traceback on stderr: the cause from the console records.
    let text = on("crash001", &["diagnose"]);
    let crash = &rows(&text, "crash")[0];
    assert_eq!((crash[1], crash[2]), ("gpu-out-of-memory", "59"), "{text}");
    assert!(
        text.contains("RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB"),
        "{text}"
    );
}

#[test]
fn summary_history_and_stats_read_every_row() {
    let text = on("explode1", &["summary"]);
    let summary: serde_json::Value = serde_json::from_str(&text).expect(&text);
    assert_eq!(summary["config"]["lr"], 0.003);
    assert_eq!(summary["config"]["optimizer"]["name"], "adamw");
    assert_eq!(summary["best"]["val_loss"]["step"], 149, "{text}");
    assert_eq!(
        summary["summary"]["grad_norm"].as_f64().map(|g| g > 100.0),
        Some(true)
    );

    // A micro window: every row, exactly.
    let text = on(
        "explode1",
        &[
            "history",
            "--keys",
            "grad_norm",
            "--min-step",
            "148",
            "--max-step",
            "152",
        ],
    );
    let steps: Vec<&str> = text
        .lines()
        .skip(1)
        .take(5)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(steps, ["148", "149", "150", "151", "152"], "{text}");
    assert!(
        text.trim_end().ends_with("every logged row in range"),
        "{text}"
    );

    let text = on("nanrun01", &["history", "--keys", "loss", "--stats"]);
    let loss = &rows(&text, "loss")[0];
    // n, nonfinite, first non-finite step: exact, from every row.
    assert_eq!(
        (loss[1], loss[10], loss[11]),
        ("200", "81", "119"),
        "{text}"
    );

    // Histograms logged with wandb.Histogram: one number per row (their scale).
    let text = on("hist0001", &["history", "--keys", "weights/fc1"]);
    let steps: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(steps, ["0", "10", "20", "30", "40"], "{text}");

    let line = offline()
        .run(&["history", &run_dir("explode1"), "--keys", "lsos"])
        .fails(3)
        .to_string();
    assert!(
        line.contains("has no key `lsos`; available: epoch, grad_norm, loss, val_loss"),
        "{line}"
    );
}

#[test]
fn logs_system_and_a_picture_of_a_crashed_run() {
    let text = on("crash001", &["logs", "--errors"]);
    assert!(
        text.contains("3! RuntimeError: CUDA out of memory."),
        "{text}"
    );
    assert!(text.contains("likely cause: out of GPU memory"), "{text}");

    let text = on("crash001", &["system"]);
    assert!(
        text.starts_with("metric,unit,min,max,mean,last,spark\ncpu,%,"),
        "{text}"
    );

    let png = tempfile::tempdir().unwrap().keep().join("curve.png");
    let text = on(
        "explode1",
        &[
            "history",
            "--keys",
            "loss,grad_norm",
            "--png",
            &png.display().to_string(),
        ],
    );
    assert!(text.starts_with("# wrote "), "{text}");
    assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");
}

#[test]
fn a_directory_of_runs_is_a_project() {
    let wandb = real_runs().join("wandb").display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec![args[0], wandb.as_str()];
        all.extend(&args[1..]);
        offline().run(&all).ok().to_string()
    };
    // Triage: each run's worst finding at its exact step.
    let text = run(&["triage"]);
    let finding = |name: &str| -> Vec<String> {
        let line = text.lines().find(|l| l.split(',').nth(1) == Some(name));
        let line = line.unwrap_or_else(|| panic!("no {name} in {text}"));
        line.split(',')
            .skip(3)
            .take(3)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        finding("explosion"),
        ["explosion", "grad_norm", "150"],
        "{text}"
    );
    assert_eq!(
        finding("nan-onset"),
        ["divergence", "loss", "119"],
        "{text}"
    );
    assert_eq!(
        finding("oom-crash"),
        ["crash", "gpu-out-of-memory", "59"],
        "{text}"
    );
    assert_eq!(finding("histograms")[0], "ok", "{text}");

    // Best and filters: the same flags as on W&B, evaluated on each run.
    let text = run(&[
        "best",
        "--metric",
        "loss",
        "--include-short",
        "--state",
        "finished",
    ]);
    assert!(text.starts_with("best,"), "{text}");
    assert!(
        text.lines().next().unwrap().contains(",histograms,0.02"),
        "{text}"
    );
    let text = run(&[
        "list-runs",
        "--include-short",
        "--where",
        "config.lr<0.01",
        "--name",
        "^[a-z]+$",
    ]);
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["histograms", "explosion"], "{text}");

    let text = run(&["params", "--metric", "loss", "--include-short"]);
    assert!(text.contains("\nlr,num,"), "{text}");

    // Two runs on disk compared.
    let text = offline()
        .run(&[
            "compare",
            &run_dir("explode1"),
            &run_dir("hist0001"),
            "--metric",
            "loss",
        ])
        .ok()
        .to_string();
    assert!(text.contains("\nloss.best_step,151,49,"), "{text}");
}

#[test]
fn a_run_still_being_written_is_running_and_diagnosed() {
    let live = run_dir("live0001");
    let text = offline().run(&["diagnose", &live]).ok().to_string();
    assert!(
        text.starts_with("finding,key,step,epoch,value,detail\n"),
        "{text}"
    );
    let text = offline().run(&["watch", &live]).ok().to_string();
    assert!(text.starts_with("running: step "), "{text}");
}

#[test]
fn runs_on_disk_and_wandb_runs_are_not_mixed() {
    let line = offline()
        .run(&[
            "compare",
            &run_dir("explode1"),
            "e/p/abc",
            "--metric",
            "loss",
        ])
        .fails(2)
        .to_string();
    assert!(
        line.contains("runs on disk and W&B runs cannot be read in one call"),
        "{line}"
    );
}

#[test]
fn explicit_paths_that_hold_no_runs_say_what_was_looked_for() {
    let empty = tempfile::tempdir().unwrap();
    let arg = empty.path().display().to_string();
    let line = offline().run(&["list-runs", &arg]).fails(3).to_string();
    assert!(
        line.starts_with(&format!(
            "error: no W&B runs in {arg}: looked for run-<id>.wandb"
        )),
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

#[test]
fn a_hostile_component_cannot_change_or_leave_the_granted_directory() {
    // The directory a local call grants, with a symlink out of it (to a file and to a
    // directory) and a hard link to a file elsewhere.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, b"not yours").unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("offline-run-20261206_000000-hostile1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inside.txt"), b"granted").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("link-out")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.join("dir-link-out")).unwrap();
    std::fs::hard_link(&secret, dir.join("hard-link")).unwrap();

    let component = crate::support::escape_component().display().to_string();
    let arg = dir.display().to_string();
    let text = offline()
        .run(&["--component", &component, "summary", &arg])
        .ok()
        .to_string();
    assert_eq!(
        text.trim_end(),
        "granted: opened read inside.txt, list the directory, read hard-link; refused write \
         planted, append inside.txt, truncate inside.txt, mkdir sub, rename inside.txt, remove \
         inside.txt, list .., read ../../etc/passwd, list /local, list /, read link-out, list \
         dir-link-out"
    );
    // Nothing changed on disk.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["dir-link-out", "hard-link", "inside.txt", "link-out"]
    );
    assert_eq!(std::fs::read(dir.join("inside.txt")).unwrap(), b"granted");
}

#[test]
fn a_step_window_of_a_long_log_is_read_from_its_blocks() {
    // 12,000 steps, about 5 MB: a window is read by bisecting the log's blocks (through
    // wasi:filesystem seeks), and must be exactly the rows a full pass gives.
    let dir = run_dir("long0001");
    let size = std::fs::metadata(format!("{dir}/run-long0001.wandb"))
        .unwrap()
        .len();
    assert!(
        size > 4 << 20,
        "{size} bytes: too small to be read by blocks"
    );
    let text = offline()
        .run(&[
            "history",
            &dir,
            "--keys",
            "grad_norm,loss",
            "--min-step",
            "9690",
            "--max-step",
            "9700",
        ])
        .ok()
        .to_string();
    let rows: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert_eq!(rows.len(), 11, "{text}");
    for (i, row) in rows.iter().enumerate() {
        let step = 9690 + i as u64;
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[0], step.to_string(), "{text}");
        assert_eq!(cells[1], (step % 97).to_string(), "{text}");
    }
    assert!(
        text.trim_end()
            .ends_with("window 9690..9700 of run steps 0..11999; every logged row in range"),
        "{text}"
    );
    // The same window from the full pass another operation makes agrees.
    let stats = offline()
        .run(&["history", &dir, "--keys", "grad_norm", "--stats"])
        .ok()
        .to_string();
    assert!(stats.contains("\ngrad_norm,12000,0,"), "{stats}");
}
