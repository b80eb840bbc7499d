//! compare, best and diagnose against planted answers in the demo data, with expected
//! numbers computed here from the emulator's own data model.
//!
//! Longer than our usual modules on purpose: one planted scenario per test, each read on its
//! own; splitting them would only scatter the shared expectations.

use wandb_emulator::model::run::{Project, Run};
use wandb_emulator::seed::catalog;
use wandb_emulator::seed::finetune::overfit_run;
use wandb_emulator::seed::vision::long_run;

use crate::support::{request_count, server, tokens, Cli};

fn demo_run(project: &str, id: &str) -> Run {
    let store = catalog::store();
    let p: &Project = store.project("demo", project).unwrap();
    p.runs.iter().find(|r| r.id == id).unwrap().clone()
}

/// The metric's logged points, straight from the generator.
fn points(run: &Run, key: &str) -> Vec<(u64, f64)> {
    let h = &run.history;
    (0..=h.last_step)
        .filter(|&s| h.has(key, s))
        .map(|s| (s, h.value(key, s, run.start_unix, run.seed).unwrap()))
        .collect()
}

fn final_value(run: &Run, key: &str) -> f64 {
    points(run, key).last().unwrap().1
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn diagnose_pins_the_explosion_and_divergence_of_the_million_step_run() {
    let s = server();
    for _ in 0..3 {
        // The coarse pass is random; the answer must not be.
        let before = request_count(&s);
        let out = Cli::against(&s).run(&["diagnose", &format!("demo/vision/{}", long_run::ID)]);
        let text = out.ok().to_string();
        let made = request_count(&s) - before;
        let rows = csv_rows(&text);
        assert_eq!(
            rows[0],
            ["finding", "key", "step", "epoch", "value", "detail"]
        );
        let find = |kind: &str, key: &str| {
            rows.iter()
                .find(|r| r[0] == kind && r[1] == key)
                .unwrap_or_else(|| panic!("no {kind} {key} in\n{text}"))
                .clone()
        };
        let epoch = |step: u64| (step / long_run::STEPS_PER_EPOCH).to_string();
        let explosion = find("explosion", "grad_norm");
        assert_eq!(explosion[2], long_run::EXPLOSION_STEP.to_string());
        assert_eq!(explosion[3], epoch(long_run::EXPLOSION_STEP));
        assert!(explosion[5].ends_with("(exact step)"), "{}", explosion[5]);
        let divergence = find("divergence", "loss");
        assert_eq!(divergence[2], long_run::NAN_FROM.to_string());
        assert_eq!(divergence[3], epoch(long_run::NAN_FROM));
        assert_eq!(divergence[4], "nan");
        let spike = find("spike", "loss");
        assert_eq!(spike[2], long_run::SPIKE_FROM.to_string());
        // The request count is printed, is true, and is a handful.
        assert!(
            text.trim_end().ends_with(&format!("; {made} requests"))
                || text.trim_end().ends_with("; 1 request"),
            "{text}"
        );
        assert!(made <= 5, "{made} requests");
        assert!(tokens(&text) < 400, "{} tokens", tokens(&text));
    }
}

#[test]
fn diagnose_a_run_diverging_to_nan_without_epochs() {
    let s = server();
    let out = Cli::against(&s).run(&["diagnose", "demo/vision/d1v3rg3n"]);
    let rows = csv_rows(out.ok());
    let divergence = rows
        .iter()
        .find(|r| r[0] == "divergence" && r[1] == "loss")
        .unwrap();
    assert_eq!(
        (divergence[2].as_str(), divergence[3].as_str()),
        ("2345", "")
    );
    let explosion = rows.iter().find(|r| r[0] == "explosion").unwrap();
    assert_eq!(explosion[2], "2300");
    assert!(out.stdout.contains("epoch=none"), "{}", out.stdout);
}

#[test]
fn diagnose_finds_the_overfitting_point() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "diagnose",
        &format!("demo/llm-finetune/{}", overfit_run::ID),
    ]);
    let rows = csv_rows(out.ok());
    let run = demo_run("llm-finetune", overfit_run::ID);
    // Independently: the step of the validation minimum.
    let (best_step, best) = points(&run, "val_loss")
        .into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!(best_step, overfit_run::BEST_VAL_STEP);
    let f = rows
        .iter()
        .find(|r| r[0] == "overfitting")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert_eq!(f[1], "val_loss");
    assert_eq!(f[2], best_step.to_string());
    assert_eq!(f[3], (best_step / overfit_run::STEPS_PER_EPOCH).to_string());
    assert!((f[4].parse::<f64>().unwrap() - best).abs() < 1e-3);
}

#[test]
fn diagnose_a_healthy_run_says_none() {
    let s = server();
    let out = Cli::against(&s).run(&["diagnose", "demo/vision/x7k2m9qa"]);
    let rows = csv_rows(out.ok());
    assert_eq!(rows.len(), 2, "{}", out.stdout);
    assert_eq!(rows[1][0], "none");
    assert!(out.stdout.contains("(guessed from the run's keys)"));
}

#[test]
fn diagnose_with_explicit_keys_and_a_wrong_one() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "diagnose",
        "demo/vision/d1v3rg3n",
        "--loss-key",
        "val_loss",
        "--grad-key",
        "grad_norm",
        "--val-key",
        "loss",
    ]);
    assert!(
        out.ok()
            .contains("keys: loss=val_loss grad=grad_norm val=loss epoch=none;"),
        "{}",
        out.stdout
    );
    let line = Cli::against(&s)
        .run(&["diagnose", "demo/vision/d1v3rg3n", "--grad-key", "gnorm"])
        .fails(3)
        .to_string();
    assert!(
        line.contains("has no key `gnorm`; available: grad_norm, loss, val_loss"),
        "{line}"
    );
}

fn expected_best(runs: &[&str]) -> (String, f64) {
    runs.iter()
        .map(|id| {
            (
                id.to_string(),
                final_value(&demo_run("llm-finetune", id), "val_loss"),
            )
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

#[test]
fn best_of_the_last_five_differs_from_the_best_overall() {
    let s = server();
    let out = Cli::against(&s).run(&["best", "demo/llm-finetune", "--metric", "val_loss"]);
    let text = out.ok();
    let rows = csv_rows(text);
    // Newest five qualifying (not crashed, not short): ft09, ft08, ft07 (no val_loss), ft05, ft04.
    let (winner, value) = expected_best(&["ft09lr3e", "ft08lr1e", "ft05ovf1", "ft04q8bt"]);
    assert_eq!(
        rows[0][..3],
        [
            "best".to_string(),
            winner.clone(),
            "lora-r16-lr1e-4".to_string()
        ]
    );
    assert!((rows[0][3].parse::<f64>().unwrap() - value).abs() < 1e-3);
    assert_eq!(
        rows[1],
        ["rank", "id", "name", "state", "created_at", "val_loss"]
    );
    let ranked: Vec<&str> = rows[2..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(ranked, ["ft08lr1e", "ft09lr3e", "ft05ovf1", "ft04q8bt"]);
    assert!(text.trim_end().ends_with(
        "# final val_loss from each run's summary; lower is better (inferred from the name); among the 5 newest runs (crashed and short runs excluded); skipped (no finite val_loss): ft07nova"
    ), "{text}");
    // Over every run, the best is an older one.
    let all = Cli::against(&s).run(&[
        "best",
        "demo/llm-finetune",
        "--metric",
        "val_loss",
        "--last",
        "50",
    ]);
    let (overall, _) = expected_best(&[
        "ft01base", "ft02lor4", "ft03lor8", "ft04q8bt", "ft05ovf1", "ft08lr1e", "ft09lr3e",
    ]);
    assert_eq!(overall, "ft01base");
    assert_eq!(csv_rows(all.ok())[0][1], overall);
    // A crashed run only competes when asked.
    let crashed = Cli::against(&s).run(&[
        "best",
        "demo/llm-finetune",
        "--metric",
        "val_loss",
        "--last",
        "50",
        "--include-crashed",
    ]);
    assert_eq!(csv_rows(crashed.ok())[0][1], "ft06crsh");
}

#[test]
fn best_over_history_and_errors() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "best",
        "demo/llm-finetune",
        "--metric",
        "val_loss",
        "--over-history",
        "--last",
        "50",
    ]);
    let text = out.ok();
    assert!(
        text.contains("# best val_loss over ≤1000 sampled history rows per run"),
        "{text}"
    );
    // ft05ovf1's best over history (its minimum) beats its final value.
    let run = demo_run("llm-finetune", overfit_run::ID);
    let min = points(&run, "val_loss")
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min);
    let rows = csv_rows(text);
    assert_eq!(
        rows[0][1],
        overfit_run::ID,
        "its minimum is the best of all"
    );
    let row = rows[2..].iter().find(|r| r[1] == overfit_run::ID).unwrap();
    assert!((row[5].parse::<f64>().unwrap() - min).abs() < 1e-3);
    let line = Cli::against(&s)
        .run(&["best", "demo/llm-finetune", "--metric", "bleu"])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: none of the 5 newest runs (crashed and short runs excluded) has a `bleu` value"
    );
    let line = Cli::against(&s)
        .run(&["best", "demo/llm-finetune", "--metric", "lr"])
        .fails(2)
        .to_string();
    assert!(
        line.contains("cannot tell whether lower or higher `lr` is better"),
        "{line}"
    );
    assert!(Cli::against(&s)
        .run(&[
            "best",
            "demo/llm-finetune",
            "--metric",
            "lr",
            "--mode",
            "max"
        ])
        .fails(3)
        .contains("has a `lr` value"));
    Cli::against(&s)
        .run(&["best", "demo/nope", "--metric", "val_loss"])
        .fails(3);
    let line = Cli::against(&s)
        .run(&["best", "demo/empty", "--metric", "val_loss"])
        .fails(3)
        .to_string();
    assert!(
        line.starts_with("error: Project demo/empty has no runs that qualify"),
        "{line}"
    );
}

/// Pearson r of two point lists over the steps both have — written independently of the
/// component's implementation.
fn reference_correlation(a: &[(u64, f64)], b: &[(u64, f64)]) -> (f64, usize) {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .filter_map(|p| b.iter().find(|q| q.0 == p.0).map(|q| (p.1, q.1)))
        .collect();
    let n = pairs.len() as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = pairs.iter().map(|(p, q)| (p - ma) * (q - mb)).sum();
    let va: f64 = pairs.iter().map(|(p, _)| (p - ma).powi(2)).sum();
    let vb: f64 = pairs.iter().map(|(_, q)| (q - mb).powi(2)).sum();
    (cov / (va * vb).sqrt(), pairs.len())
}

#[test]
fn compare_reports_deltas_direction_correlation_and_config() {
    let s = server();
    let before = request_count(&s);
    let out = Cli::against(&s).run(&[
        "compare",
        "demo/vision/x7k2m9qa",
        "https://wandb.ai/demo/vision/runs/p3n8v4rt",
        "--metric",
        "val_loss",
    ]);
    assert_eq!(request_count(&s) - before, 1, "one round trip");
    let text = out.ok();
    let rows = csv_rows(text);
    let row = |item: &str| {
        rows.iter()
            .find(|r| r[0] == item)
            .unwrap_or_else(|| panic!("no {item} in\n{text}"))
            .clone()
    };
    assert_eq!(rows[0], ["item", "a", "b", "delta", "delta_pct"]);
    assert_eq!(
        row("run")[1..3],
        ["x7k2m9qa".to_string(), "p3n8v4rt".to_string()]
    );
    let (ra, rb) = (
        demo_run("vision", "x7k2m9qa"),
        demo_run("vision", "p3n8v4rt"),
    );
    let (fa, fb) = (final_value(&ra, "val_loss"), final_value(&rb, "val_loss"));
    let fin = row("val_loss.final");
    let num = |s: &str| s.parse::<f64>().unwrap();
    assert!(
        (num(&fin[1]) - fa).abs() < 1e-3 && (num(&fin[2]) - fb).abs() < 1e-3,
        "{fin:?}"
    );
    assert!((num(&fin[3]) - (fb - fa)).abs() < 1e-3, "delta {fin:?}");
    assert!(
        (num(&fin[4]) - (fb - fa) / fa * 100.0).abs() < 0.1,
        "delta % {fin:?}"
    );
    assert_eq!(
        row("config.lr")[1..3],
        ["0.1".to_string(), "0.0003".to_string()]
    );
    assert_eq!(
        row("config.optimizer.name")[1..3],
        ["sgd".to_string(), "adamw".to_string()]
    );
    assert!(
        rows.iter().all(|r| r[0] != "config.dataset"),
        "equal keys are not listed"
    );
    let note = text.lines().last().unwrap();
    assert!(note.starts_with("# b p3n8v4rt is better on final val_loss: lower is better (inferred from the name); pearson r="), "{note}");
    let r: f64 = note
        .split("pearson r=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (expected, shared) =
        reference_correlation(&points(&ra, "val_loss"), &points(&rb, "val_loss"));
    assert!((r - expected).abs() < 1e-3, "r={r} expected {expected}");
    // val_loss is logged every 500 steps: 41 steps in common, none interpolated.
    assert_eq!(shared, 41);
    assert!(
        note.contains("over 41 steps both logged 0..20000"),
        "{note}"
    );
}

#[test]
fn compare_errors() {
    let s = server();
    let line = Cli::against(&s)
        .run(&[
            "compare",
            "demo/vision/x7k2m9qa",
            "demo/vision/s1h0rt01",
            "--metric",
            "val_loss",
        ])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: Run s1h0rt01 has no metric `val_loss`; available: loss"
    );
    let line = Cli::against(&s)
        .run(&[
            "compare",
            "demo/vision/x7k2m9qa",
            "demo/vision/nosuchrn",
            "--metric",
            "val_loss",
        ])
        .fails(3)
        .to_string();
    assert!(
        line.starts_with("error: Run nosuchrn not found in demo/vision"),
        "{line}"
    );
    let line = Cli::against(&s)
        .run(&[
            "compare",
            "demo/vision/x7k2m9qa",
            "demo/vision/p3n8v4rt",
            "--metric",
            "val_loss",
            "--mode",
            "up",
        ])
        .fails(2)
        .to_string();
    assert!(line.contains("invalid value 'up'"), "{line}");
}
