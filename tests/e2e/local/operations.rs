//! Every operation on real offline runs: exact steps from every row, a directory of runs as
//! a project, a live run, and a step window read from a long log's blocks.

use super::{offline, on, real_runs, rows, run_dir};

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
fn a_run_on_disk_watched_with_a_cursor() {
    let run = run_dir("explode1");
    let cursor = |text: &str| {
        text.trim_end()
            .rsplit_once("# next: --cursor ")
            .map(|(_, c)| c.to_string())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let first = offline().run(&["watch", &run]).ok().to_string();
    assert!(first.starts_with("finished: step 299"), "{first}");
    assert!(first.contains("\nexplosion,grad_norm,150,"), "{first}");
    // Again from the cursor: nothing new, the explosion not repeated; a wait on a run that
    // ended returns at once.
    let started = std::time::Instant::now();
    let again = offline()
        .run(&["watch", &run, "--cursor", &cursor(&first), "--wait", "60"])
        .ok()
        .to_string();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{again}"
    );
    assert!(again.starts_with("finished: step 299"), "{again}");
    assert!(!again.contains("explosion"), "{again}");
    assert!(
        again.contains("# waited 0s with no news")
            && again.contains("; the run has ended: nothing more will come"),
        "{again}"
    );
    // Another run's cursor is refused.
    let live = offline()
        .run(&["watch", &run_dir("live0001")])
        .ok()
        .to_string();
    let line = offline()
        .run(&["watch", &run, "--cursor", &cursor(&live)])
        .fails(2)
        .to_string();
    assert!(line.contains("belongs to another run"), "{line}");
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
