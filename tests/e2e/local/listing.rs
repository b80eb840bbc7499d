//! Runs on disk listed: states from the logs, the ways to name a run, damaged logs, and
//! paths that hold no runs.

use super::{offline, real_runs, run_dir, DEMO_RUN};

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
