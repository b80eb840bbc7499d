use wandb_emulator::seed::vision::long_run;

use crate::support::{request_count, server, tokens, Cli};

/// Data rows (not the header, not the trailing note) as (step, cells).
fn rows(csv: &str) -> Vec<(u64, Vec<String>)> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut cells = l.split(',');
            let step = cells.next().unwrap().parse().unwrap();
            (step, cells.map(str::to_string).collect())
        })
        .collect()
}

fn note(csv: &str) -> &str {
    csv.lines().last().unwrap()
}

#[test]
fn window_is_inclusive_and_unsampled() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "history",
        "demo/vision/x7k2m9qa",
        "--keys",
        "loss",
        "--min-step",
        "100",
        "--max-step",
        "110",
    ]);
    let text = out.ok();
    assert!(text.starts_with("_step,loss\n"));
    let steps: Vec<u64> = rows(text).iter().map(|r| r.0).collect();
    assert_eq!(steps, (100..=110).collect::<Vec<_>>());
    assert_eq!(
        note(text),
        "# all 11 rows shown; window 100..110 of run steps 0..20000; every logged row in range"
    );
}

#[test]
fn keys_at_different_cadences_are_both_present() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "history",
        "demo/vision/k5e6y7mx",
        "--keys",
        "val_loss,loss",
        "--min-step",
        "0",
        "--max-step",
        "3000",
        "--samples",
        "5000",
        "--budget",
        "0",
        // Every row is more than the default output ceiling allows.
        "--max-output-tokens",
        "0",
    ]);
    let r = rows(out.ok());
    assert_eq!(r.len(), 3001, "every step has loss");
    let with_val: Vec<u64> = r
        .iter()
        .filter(|(_, c)| !c[0].is_empty())
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(with_val, [0, 1000, 2000, 3000]);
    assert!(r.iter().all(|(_, c)| !c[1].is_empty()));
    assert!(
        out.stdout.starts_with("_step,val_loss,loss\n"),
        "requested order"
    );
}

#[test]
fn two_requests_for_many_keys_and_every_row_of_a_10k_step_run() {
    let s = server();
    let before = request_count(&s);
    let out = Cli::against(&s).run(&[
        "history",
        "demo/vision/k5e6y7mx",
        "--keys",
        "loss,val_loss,val_acc,lr",
    ]);
    // The keys and a first sample of each key, then dense windows for `loss` alone (the
    // others came back whole): every logged row, reduced to the budget.
    assert_eq!(request_count(&s) - before, 2);
    assert!(
        out.ok().trim_end().ends_with("; every logged row in range"),
        "{}",
        out.stdout
    );
    let before = request_count(&s);
    Cli::against(&s)
        .run(&["history", "demo/vision/k5e6y7mx", "--keys", "val_loss,lr"])
        .ok();
    assert_eq!(
        request_count(&s) - before,
        1,
        "keys that fit come back whole at once"
    );
}

#[test]
fn nan_and_infinity_in_every_wire_encoding() {
    let s = server();
    // "NaN"/"Infinity" strings (d1v3rg3n), null (k5e6y7mx), bare NaN tokens (m3d1ah1s).
    let strings = Cli::against(&s).run(&[
        "history",
        "demo/vision/d1v3rg3n",
        "--keys",
        "loss",
        "--min-step",
        "2343",
        "--max-step",
        "2346",
    ]);
    let cells: Vec<String> = rows(strings.ok())
        .into_iter()
        .map(|(_, c)| c[0].clone())
        .collect();
    assert!(
        cells[0].parse::<f64>().is_ok() && cells[1].parse::<f64>().is_ok(),
        "{cells:?}"
    );
    assert_eq!(&cells[2..], ["nan", "nan"]);
    let inf = Cli::against(&s).run(&[
        "history",
        "demo/vision/d1v3rg3n",
        "--keys",
        "grad_norm",
        "--min-step",
        "5000",
    ]);
    assert_eq!(rows(inf.ok()), [(5000, vec!["inf".to_string()])]);
    for (run, step) in [("k5e6y7mx", "5000"), ("m3d1ah1s", "2500")] {
        let out = Cli::against(&s).run(&[
            "history",
            &format!("demo/vision/{run}"),
            "--keys",
            "loss",
            "--min-step",
            step,
            "--max-step",
            step,
        ]);
        assert_eq!(
            rows(out.ok()),
            [(step.parse().unwrap(), vec!["nan".to_string()])],
            "{run}"
        );
    }
}

#[test]
fn missing_key_lists_available_keys() {
    let s = server();
    let before = request_count(&s);
    let line = Cli::against(&s)
        .run(&["history", "demo/vision/k5e6y7mx", "--keys", "loss,accuracy"])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: Run k5e6y7mx has no key `accuracy`; available: loss, lr, val_acc, val_loss"
    );
    assert_eq!(request_count(&s) - before, 1, "no extra round trip");
}

#[test]
fn unknown_run_and_bad_input() {
    let s = server();
    let line = Cli::against(&s)
        .run(&["history", "demo/vision/nosuchrn", "--keys", "loss"])
        .fails(3)
        .to_string();
    assert!(
        line.starts_with("error: Run nosuchrn not found in demo/vision"),
        "{line}"
    );
    let line = Cli::against(&s)
        .run(&[
            "history",
            "demo/vision/x7k2m9qa",
            "--keys",
            "loss",
            "--min-step",
            "9",
            "--max-step",
            "3",
        ])
        .fails(2)
        .to_string();
    assert_eq!(line, "error: min-step 9 is after max-step 3");
    let line = Cli::against(&s)
        .run(&["history", "demo/vision/x7k2m9qa", "--keys", ","])
        .fails(2)
        .to_string();
    assert!(line.contains("no metric keys given"), "{line}");
    let line = Cli::against(&s)
        .run(&["history", "demo/vision/x7k2m9qa"])
        .fails(2)
        .to_string();
    assert!(line.contains("--keys"), "{line}");
}

#[test]
fn window_past_the_end_says_no_rows() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "history",
        "demo/vision/x7k2m9qa",
        "--keys",
        "loss",
        "--min-step",
        "999999",
    ]);
    assert_eq!(
        out.ok(),
        "_step,loss\n# no rows: window 999999..end of run steps 0..20000\n"
    );
}

#[test]
fn million_step_curve_fits_the_budget_and_shows_spike_and_nan_onset() {
    let s = server();
    let run = format!("demo/vision/{}", long_run::ID);
    for _ in 0..3 {
        // Server sampling is random: check several draws.
        let out = Cli::against(&s).run(&["history", &run, "--keys", "loss,val_loss,grad_norm"]);
        let text = out.ok();
        let n = tokens(text);
        assert!(
            n <= 1500,
            "{n} tokens: the default curve stays within 1,500"
        );
        let r = rows(text);
        assert_eq!(r.first().unwrap().0, 0, "whole range shown from the start");
        assert_eq!(r.last().unwrap().0, long_run::LAST_STEP, "and to the end");
        let loss = |c: &Vec<String>| c[0].parse::<f64>().ok();
        // The spike: loss ×3 somewhere in [SPIKE_FROM, SPIKE_TO), well above the rows around it.
        let baseline: Vec<f64> = r
            .iter()
            .filter(|(s, _)| (300_000..390_000).contains(s))
            .filter_map(|(_, c)| loss(c))
            .collect();
        let typical = baseline.iter().sum::<f64>() / baseline.len() as f64;
        let spike = r
            .iter()
            .filter(|(s, _)| (long_run::SPIKE_FROM..long_run::SPIKE_TO).contains(s))
            .filter_map(|(_, c)| loss(c))
            .fold(0.0, f64::max);
        assert!(
            spike > 2.0 * typical,
            "spike {spike} vs typical {typical}\n{text}"
        );
        // The NaN onset: a finite loss, then nan, both near NAN_FROM, and nothing finite after.
        let first_nan = r
            .iter()
            .find(|(_, c)| c[0] == "nan")
            .expect("nan onset shown")
            .0;
        assert!(
            (long_run::NAN_FROM..long_run::NAN_FROM + 5_000).contains(&first_nan),
            "{first_nan}"
        );
        assert!(r
            .iter()
            .filter(|(s, _)| *s >= first_nan)
            .all(|(_, c)| c[0].is_empty() || c[0] == "nan"));
        let last_finite = r
            .iter()
            .rev()
            .find(|(s, c)| *s < first_nan && loss(c).is_some())
            .unwrap()
            .0;
        assert!(last_finite < long_run::NAN_FROM);
        assert!(
            note(text).starts_with("# ") && note(text).contains("extremes and NaN onsets kept"),
            "{}",
            note(text)
        );
        assert!(note(text).contains("run steps 0..1200000"));
    }
}

#[test]
fn stats_are_compact_and_locate_extremes() {
    let s = server();
    let run = format!("demo/vision/{}", long_run::ID);
    let out = Cli::against(&s).run(&["history", &run, "--keys", "loss,grad_norm", "--stats"]);
    let text = out.ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "key,n,min,min_step,max,max_step,mean,std,first,last,nonfinite,first_nonfinite_step,spark"
    );
    let loss: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(loss[0], "loss");
    assert_eq!(loss[9], "nan", "last value");
    // Steps found in sampled rows are the sample's, and say so (issue 25: `~812462`).
    let approx = |cell: &str| -> u64 {
        let step = cell
            .strip_prefix('~')
            .unwrap_or_else(|| panic!("`{cell}` is not marked ~"));
        step.parse().unwrap()
    };
    let onset = approx(loss[11]);
    assert!(onset >= long_run::NAN_FROM, "{onset}");
    approx(loss[3]);
    approx(loss[5]);
    assert!(
        loss[12].ends_with('!'),
        "sparkline marks the NaN tail: {}",
        loss[12]
    );
    let grad: Vec<&str> = lines[2].split(',').collect();
    let max_step = approx(grad[5]);
    assert!(
        max_step >= long_run::EXPLOSION_STEP,
        "grad_norm max after the explosion: {max_step}"
    );
    // About 60 tokens per key, 85 for the header and the `#` line with the sampling density.
    assert!(tokens(text) <= 60 * 2 + 85, "{} tokens", tokens(text));
}

#[test]
fn stats_of_a_window_read_whole_are_exact_and_unmarked() {
    let s = server();
    let run = format!("demo/vision/{}", long_run::ID);
    let lo = (long_run::NAN_FROM - 300).to_string();
    let hi = (long_run::NAN_FROM + 300).to_string();
    for _ in 0..3 {
        let out = Cli::against(&s).run(&[
            "history",
            &run,
            "--keys",
            "loss",
            "--stats",
            "--min-step",
            &lo,
            "--max-step",
            &hi,
        ]);
        let text = out.ok();
        let loss: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(loss[1], "601", "every row of the window: {text}");
        assert_eq!(loss[11], long_run::NAN_FROM.to_string(), "{text}");
        assert!(
            !loss[3].starts_with('~') && !loss[5].starts_with('~'),
            "{text}"
        );
        assert!(text.contains("every logged row in range"), "{text}");
    }
}
