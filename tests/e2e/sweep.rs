//! Many runs: the filters of `list-runs` and `best`, `--columns`, a limit above the run count,
//! `params` and `compare`, on the emulator's 160-run sweep (`demo/sweep`, planted facts in
//! `wandb_emulator::seed::sweep`), with the round trips counted at the emulator. `triage` of
//! the same sweep is in `sweep_triage`, which shares this module's readers of CSV output.
//!
//! One test per command and filter flag of issue #15, each against planted facts.

use wandb_emulator::seed::sweep::{self, CRASHED, DIVERGED, RUNNING, RUNS, SWEEP_ID, SWEEP_RUNS};

use crate::support::{request_count, server, tokens, Cli};

pub(crate) fn rows(csv: &str) -> Vec<&str> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .collect()
}

fn ids(csv: &str) -> Vec<String> {
    rows(csv)
        .iter()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// Runs `args` and returns stdout and the GraphQL requests it cost.
pub(crate) fn counted(s: &wandb_emulator::RunningServer, args: &[&str]) -> (String, u64) {
    let before = request_count(s);
    let out = Cli::against(s).run(args).ok().to_string();
    (out, request_count(s) - before)
}

#[test]
fn each_filter_flag_selects_exactly_its_runs_in_one_request() {
    let s = server();
    let list = |extra: &[&str]| {
        // Every matching run, whatever the output ceiling (150 rows pass it).
        let mut args = vec![
            "list-runs",
            "demo/sweep",
            "--limit",
            "1000",
            "--max-output-tokens",
            "0",
        ];
        args.extend_from_slice(extra);
        counted(&s, &args)
    };

    let (out, requests) = list(&["--state", "failed"]);
    let mut failed: Vec<String> = DIVERGED.iter().map(|&i| sweep::id(i)).collect();
    failed.reverse();
    assert_eq!(ids(&out), failed, "{out}");
    assert_eq!(requests, 1);
    assert!(out.ends_with("# 4 runs match the filters\n"), "{out}");

    // Naming a state shows what is hidden by default.
    let (out, _) = list(&["--state", "crashed,running"]);
    assert_eq!(ids(&out), [sweep::id(RUNNING), sweep::id(CRASHED)], "{out}");

    let (out, _) = list(&["--tag", "long", "--tag", "sweep"]);
    let long: Vec<String> = (0..SWEEP_RUNS)
        .rev()
        .filter(|i| i % 5 == 0 && *i != CRASHED)
        .map(sweep::id)
        .collect();
    assert_eq!(ids(&out), long, "{out}");

    let (out, _) = list(&["--group", "baselines"]);
    assert_eq!(rows(&out).len(), RUNS - SWEEP_RUNS, "{out}");
    let (out, _) = list(&["--job-type", "finetune"]);
    assert_eq!(rows(&out).len(), RUNS - SWEEP_RUNS, "{out}");
    let (out, _) = list(&["--sweep", SWEEP_ID, "--include-crashed"]);
    assert_eq!(rows(&out).len(), SWEEP_RUNS, "{out}");
    let (out, _) = list(&["--name", "^trial-00[0-4]$"]);
    assert_eq!(
        ids(&out),
        ["sw000004", "sw000003", "sw000002", "sw000001", "sw000000"]
    );
    // Run i was created at 2026-11-01T08:00 + i hours; `since` is inclusive.
    let (out, _) = list(&["--since", "2026-11-07T21:00:00"]);
    assert_eq!(ids(&out), ["sw000159", "sw000158", "sw000157"], "{out}");

    let (out, requests) = list(&[
        "--where",
        "config.lr<2e-5",
        "--where",
        "config.optimizer=sgd",
        "--columns",
        "config.lr,config.optimizer",
    ]);
    assert_eq!(requests, 1);
    assert!(
        out.starts_with("id,name,state,created_at,runtime_s,steps,config.lr,config.optimizer\n"),
        "{out}"
    );
    let expected: Vec<String> = (0..RUNS)
        .rev()
        .filter(|&i| sweep::lr(i) < 2e-5 && sweep::optimizer(i) == "sgd" && i != CRASHED)
        .map(sweep::id)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&out), expected, "{out}");
    for row in rows(&out) {
        assert!(row.ends_with(",sgd"), "{row}");
    }
}

#[test]
fn columns_show_config_and_summary_values() {
    let s = server();
    let (out, _) = counted(
        &s,
        &[
            "list-runs",
            "demo/sweep",
            "--state",
            "failed",
            "--limit",
            "1",
            "--columns",
            "config.lr,summary.val_loss,config.nope",
        ],
    );
    let row = rows(&out)[0];
    // A diverged run: lr 0.02, a NaN final val_loss, no `nope` in its config.
    assert!(row.ends_with(",0.02,NaN,"), "{out}");
}

#[test]
fn bad_filters_are_one_line_errors_before_any_request() {
    let s = server();
    for (args, message) in [
        (
            vec!["--where", "lr<1e-3"],
            "--where `lr<1e-3`: `lr` must start with config. or summary.",
        ),
        (
            vec!["--where", "config.lr=>1"],
            "--where `config.lr=>1`: `=>` is not an operator",
        ),
        (
            vec!["--where", "config.lr<"],
            "nothing to compare with after `<`",
        ),
        (
            vec!["--where", "config.lr<1e-3 and summary.val_loss<0.6"],
            "`1e-3 and summary.val_loss<0.6` is not one value: give each condition its own --where",
        ),
        (vec!["--state", "finshed"], "unknown state `finshed`"),
        (
            vec!["--since", "yesterday"],
            "since `yesterday`: write a span back from now",
        ),
        (vec!["--name", "(unclosed"], "is not a regular expression"),
        (
            vec!["--columns", "lr"],
            "--columns: `lr` must start with config. or summary.",
        ),
        (vec!["--limit", "1001"], "limit must be between 1 and 1000"),
    ] {
        let before = request_count(&s);
        let mut full = vec!["list-runs", "demo/sweep"];
        full.extend_from_slice(&args);
        let out = Cli::against(&s).run(&full);
        let err = out.fails(2);
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(request_count(&s), before, "{args:?} sent a request");
    }
}

#[test]
fn a_limit_above_the_run_count_lists_every_run_once() {
    let s = server();
    let (out, requests) = counted(
        &s,
        &[
            "list-runs",
            "demo/sweep",
            "--limit",
            "1000",
            "--include-crashed",
            // 160 rows pass the default output ceiling.
            "--max-output-tokens",
            "0",
        ],
    );
    let listed = ids(&out);
    assert_eq!(listed.len(), RUNS, "{out}");
    let unique: std::collections::BTreeSet<_> = listed.iter().collect();
    assert_eq!(unique.len(), RUNS, "no run twice");
    assert_eq!(listed[0], sweep::id(RUNS - 1), "newest first");
    // 160 runs, pages of 200 (crossing pages: `list_runs.rs`, on the 2,400-run demo/fleet).
    assert_eq!(requests, 1);
    let (out, requests) = counted(
        &s,
        &[
            "list-runs",
            "demo/sweep",
            "--limit",
            "150",
            "--max-output-tokens",
            "0",
        ],
    );
    assert_eq!(rows(&out).len(), 150);
    assert!(
        out.ends_with(
            "# 1 crashed hidden (include-crashed to show); 9 older not listed (raise limit)\n"
        ),
        "{out}"
    );
    assert_eq!(requests, 1);
}

#[test]
fn best_takes_the_same_filters() {
    let s = server();
    let (out, requests) = counted(
        &s,
        &[
            "best",
            "demo/sweep",
            "--metric",
            "val_loss",
            "--last",
            "200",
            "--where",
            "config.optimizer=adamw",
            "--tag",
            "sweep",
        ],
    );
    assert_eq!(requests, 1);
    let expected = (0..SWEEP_RUNS)
        .filter(|&i| sweep::optimizer(i) == "adamw" && i != CRASHED && !DIVERGED.contains(&i))
        .min_by(|&a, &b| sweep::final_val_loss(a).total_cmp(&sweep::final_val_loss(b)))
        .unwrap();
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("best,{},", sweep::id(expected))),
        "{out}"
    );
    for row in out.lines().skip(2).filter(|l| !l.starts_with('#')) {
        let id = row.split(',').nth(1).unwrap();
        let i: usize = id[2..].parse().unwrap();
        assert_eq!(sweep::optimizer(i), "adamw", "{row}");
    }
    // A long ranking shows its top 20 and counts the rest.
    let ranked = out.lines().skip(2).filter(|l| !l.starts_with('#')).count();
    assert_eq!(ranked, 20, "{out}");
    assert!(
        out.trim_end().ends_with("lower-ranked runs not shown"),
        "{out}"
    );
}

#[test]
fn params_finds_the_planted_relationship_in_one_request() {
    let s = server();
    let (out, requests) = counted(
        &s,
        &[
            "params",
            "demo/sweep",
            "--metric",
            "val_loss",
            "--sweep",
            SWEEP_ID,
        ],
    );
    assert_eq!(requests, 1, "100 runs in one page");
    assert!(tokens(&out) <= 800, "{} tokens", tokens(&out));
    let table: Vec<Vec<&str>> = out
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').collect())
        .collect();
    // lr is planted strong and first; batch size, weight decay and warmup are planted as
    // nothing and stay within noise (below 2/sqrt(97) ≈ 0.20).
    assert_eq!(table[0][0], "lr", "{out}");
    assert!(table[0][2].parse::<f64>().unwrap() > 0.9, "{out}");
    assert!(
        table[0][3].starts_with("rho=-"),
        "larger lr, lower val_loss: {out}"
    );
    for key in ["batch_size", "weight_decay", "warmup_steps"] {
        let row = table.iter().find(|r| r[0] == key).expect(key);
        assert!(
            row[2].parse::<f64>().unwrap() < 0.2,
            "{key} within noise: {out}"
        );
    }
    let optimizer = table.iter().find(|r| r[0] == "optimizer").unwrap();
    assert_eq!(optimizer[1], "cat");
    // The 3 diverged sweep runs among the newest 100 have no finite val_loss.
    let skipped: Vec<String> = DIVERGED
        .iter()
        .rev()
        .filter(|&&i| i >= SWEEP_RUNS - 100 - 1)
        .map(|&i| sweep::id(i))
        .collect();
    assert!(
        out.contains(&format!(
            "skipped (no finite val_loss): {}",
            skipped.join(" ")
        )),
        "{out}"
    );
    assert!(out.contains("# 97 of 100 runs used;"), "{out}");
}

#[test]
fn params_without_a_usable_metric_says_so() {
    let s = server();
    let out = Cli::against(&s).run(&["params", "demo/sweep", "--metric", "nope_loss"]);
    let err = out.fails(3);
    assert!(
        err.contains("none of the 100 runs looked at has a finite final `nope_loss`"),
        "{err}"
    );
}

#[test]
fn compare_takes_up_to_ten_runs_in_one_request() {
    let s = server();
    let picks = [143, 61, 10, 100];
    let paths: Vec<String> = picks
        .iter()
        .map(|&i| format!("demo/sweep/{}", sweep::id(i)))
        .collect();
    let mut args = vec!["compare"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--metric", "val_loss"]);
    let (out, requests) = counted(&s, &args);
    assert_eq!(requests, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "run,name,state,val_loss.final,val_loss.best,val_loss.best_step"
    );
    for (line, &i) in lines[1..5].iter().zip(&picks) {
        assert!(
            line.starts_with(&format!("{},trial-{i:03},", sweep::id(i))),
            "{out}"
        );
    }
    // The diverged run's final value is NaN; its best is before the divergence.
    assert!(lines[2].contains(",failed,nan,"), "{out}");
    let best_step: u64 = lines[2].rsplit(',').next().unwrap().parse().unwrap();
    assert!(best_step < sweep::nan_step(61), "{out}");
    assert_eq!(
        lines[5],
        format!("config,{}", picks.map(sweep::id).join(","))
    );
    let lr_row = lines.iter().find(|l| l.starts_with("lr,")).unwrap();
    assert_eq!(
        *lr_row,
        format!(
            "lr,{}",
            picks.map(|i| format!("{}", sweep::lr(i))).join(",")
        )
    );
    let best = picks
        .iter()
        .filter(|&&i| !DIVERGED.contains(&i))
        .min_by(|&&a, &&b| sweep::final_val_loss(a).total_cmp(&sweep::final_val_loss(b)))
        .unwrap();
    assert!(
        out.contains(&format!("# best {} on final val_loss", sweep::id(*best))),
        "{out}"
    );
    assert!(
        out.contains("mean pairwise pearson r=") && out.contains("over 6 pairs"),
        "{out}"
    );

    // Two runs keep the side-by-side table.
    let (two, _) = counted(
        &s,
        &["compare", &paths[0], &paths[2], "--metric", "val_loss"],
    );
    assert!(two.starts_with("item,a,b,delta,delta_pct\n"), "{two}");

    let err = Cli::against(&s)
        .run(&["compare", &paths[0], &paths[0], "--metric", "val_loss"])
        .fails(2)
        .to_string();
    assert!(err.contains("is given twice"), "{err}");
}
