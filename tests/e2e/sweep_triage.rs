//! `triage` of many runs: the emulator's 160-run sweep (`demo/sweep`, planted facts in
//! `wandb_emulator::seed::sweep`) and the frameworks' runs, every planted failure found at its
//! exact step in a few requests, with the round trips counted at the emulator.

use wandb_emulator::seed::sweep::{self, CRASHED, DIVERGED, RUNNING, RUNS};

use crate::support::{server, tokens, Cli};
use crate::sweep::{counted, rows};

#[test]
fn triage_finds_every_planted_failure_at_its_exact_step_and_nothing_else() {
    let s = server();
    let (out, requests) = counted(&s, &["triage", "demo/sweep", "--last", "200"]);
    let lines = rows(&out);
    assert_eq!(lines.len(), RUNS, "{out}");
    // Four pages of 50 runs; the dense pass of all 160 (every row of their 3,000 steps:
    // 960,000 rows, 240,000 per request) in four; the zoom rounds of the four diverged runs
    // together (at most three); one request for the crash contexts of the runs that ended badly.
    assert!(requests <= 12, "{requests} requests");
    assert!(out.ends_with(&format!(
        "# 160 runs looked at, 6 with a problem; dense pass as diagnose's: every logged row; suspects zoomed to their exact step; {requests} requests; diagnose a run for all its findings\n"
    )), "{out}");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let i: usize = cells[0][2..].parse().unwrap();
        if DIVERGED.contains(&i) {
            let step = sweep::explosion_step(i);
            assert_eq!(
                &cells[2..7],
                [
                    "failed",
                    "explosion",
                    "grad_norm",
                    &step.to_string(),
                    &(step / 100).to_string()
                ],
                "{line}"
            );
        } else if i == CRASHED {
            assert_eq!(&cells[2..5], ["crashed", "crash", "unknown"], "{line}");
        } else if i == RUNNING {
            // Its last heartbeat is weeks before the wall clock: stalled, as `diagnose` says.
            assert_eq!(&cells[2..5], ["running", "crash", "stalled"], "{line}");
        } else {
            assert_eq!(cells[3], "ok", "no false alarm: {line}");
        }
    }
}

#[test]
fn triage_of_fifty_runs_is_a_few_requests_and_few_tokens() {
    let s = server();
    let (out, requests) = counted(&s, &["triage", "demo/sweep", "--last", "50"]);
    assert!(requests <= 6, "{requests} requests");
    let healthy: Vec<&str> = rows(&out)
        .into_iter()
        .filter(|l| l.contains(",ok,"))
        .collect();
    assert!(healthy.len() >= 45, "{out}");
    let per_healthy = tokens(&healthy.join("\n")) as f64 / healthy.len() as f64;
    assert!(per_healthy <= 30.0, "{per_healthy} tokens per healthy run");
    // Filters choose the runs, as in list-runs.
    let (failed, _) = counted(&s, &["triage", "demo/sweep", "--state", "failed"]);
    assert_eq!(rows(&failed).len(), DIVERGED.len(), "{failed}");
}

#[test]
fn triage_reads_runs_whose_keys_have_other_names() {
    use wandb_emulator::seed::frameworks::trainer;
    let s = server();
    let (out, requests) = counted(&s, &["triage", "demo/frameworks"]);
    // The Trainer's `train/grad_norm`, not among the usual names, comes with the dense pass.
    assert!(requests <= 5, "{requests}");
    assert!(
        rows(&out)
            .iter()
            .any(|l| l.starts_with("keras003,") && l.contains(",ok,")),
        "{out}"
    );
    let line = rows(&out)
        .into_iter()
        .find(|l| l.starts_with(trainer::ID))
        .unwrap()
        .to_string();
    assert!(
        line.contains(&format!(
            ",explosion,train/grad_norm,{},",
            trainer::EXPLOSION_STEP
        )),
        "{out}"
    );
    let err = Cli::against(&s)
        .run(&["triage", "demo/sweep", "--last", "201"])
        .fails(2)
        .to_string();
    assert!(err.contains("last must be between 1 and 200"), "{err}");
}

#[test]
fn triage_says_why_runs_died_in_one_more_request() {
    let s = server();
    let (out, requests) = counted(&s, &["triage", "demo/crashes"]);
    // One page, the dense pass of every run, then the crash contexts of all the runs that
    // ended badly together.
    assert_eq!(requests, 3, "{out}");
    for (id, cause) in [
        ("cudaoom1", "gpu-out-of-memory"),
        ("hostoom2", "host-out-of-memory"),
        ("ncclto03", "distributed-timeout"),
        ("stall004", "stalled"),
        ("preempt5", "preempted"),
    ] {
        let line = rows(&out)
            .into_iter()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string();
        assert!(line.contains(&format!(",crash,{cause},")), "{line}");
    }
    // A console kept only in a log file is left to diagnose, and the row says where it is.
    let legacy = rows(&out)
        .into_iter()
        .find(|l| l.starts_with("oldlog09"))
        .unwrap()
        .to_string();
    assert!(
        legacy.contains("console only in the log file output.log on http://127.0.0.1:"),
        "{legacy}"
    );
}
