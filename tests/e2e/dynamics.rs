//! Training-dynamics findings (issue #28) on the emulator's `demo/dynamics`, whose planted
//! answers are public constants: each case gets its finding at its step within the stated
//! tolerance on every one of several calls (W&B samples at random), no case is called by a
//! wrong name, every diagnosis stays within 600 o200k tokens and 6 requests, and healthy runs
//! elsewhere raise no new alarm.

use wandb_emulator::seed::dynamics::{
    converged, dead, growth, improving, plateau, sgdr, vanishing, warmup,
};

use crate::support::csv_records as rows;
use crate::support::{server, tokens, Cli};

const CALLS: usize = 4;
/// Findings that alarm; the rest inform.
const ALARMS: [&str; 10] = [
    "divergence",
    "explosion",
    "spike",
    "overfitting",
    "crash",
    "growth",
    "plateau",
    "dead-layer",
    "vanishing",
    "exploding-layers",
];

fn find<'a>(rows: &'a [Vec<String>], kind: &str, key: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[0] == kind && r[1] == key)
        .unwrap_or_else(|| panic!("no {kind} on {key} in {rows:?}"))
}

fn step(row: &[String]) -> u64 {
    row[2].parse().unwrap()
}

fn kinds(rows: &[Vec<String>]) -> Vec<&str> {
    rows.iter().map(|r| r[0].as_str()).collect()
}

/// `calls` diagnoses of a run, each checked for the token and request limits.
fn diagnose(id: &str, calls: usize) -> Vec<(String, Vec<Vec<String>>)> {
    let s = server();
    (0..calls)
        .map(|_| {
            let text = Cli::against(&s)
                .run(&["diagnose", &format!("demo/dynamics/{id}")])
                .ok()
                .to_string();
            assert!(tokens(&text) <= 600, "{} tokens:\n{text}", tokens(&text));
            let requests: u32 = text
                .trim_end()
                .rsplit("; ")
                .next()
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{text}"));
            assert!(requests <= 6, "{requests} requests:\n{text}");
            let r = rows(&text);
            (text, r)
        })
        .collect()
}

#[test]
fn a_spike_right_after_a_short_warmup_names_the_warmup() {
    for (text, r) in diagnose(warmup::ID, CALLS) {
        let s = find(&r, "schedule", "lr");
        assert_eq!(step(s), warmup::PEAK_STEP, "{text}");
        assert!(
            s[5].starts_with(&format!(
                "warmup {} steps to peak 3e-3 at {}; cosine decay; final 0",
                warmup::WARMUP,
                warmup::PEAK_STEP
            )),
            "{text}"
        );
        let spike = find(&r, "spike", "loss");
        assert_eq!(step(spike), warmup::SPIKE_STEP);
        let after = warmup::SPIKE_STEP - warmup::PEAK_STEP;
        assert!(
            spike[5].ends_with(&format!(
                "; {after} steps after the learning-rate peak at 199 (warmup 200 steps)"
            )),
            "{text}"
        );
        let explosion = find(&r, "explosion", "grad_norm");
        assert_eq!(step(explosion), warmup::EXPLOSION_STEP);
        assert!(
            explosion[5].contains("steps after the learning-rate peak at 199"),
            "{text}"
        );
        assert!(
            !kinds(&r).contains(&"plateau") && !kinds(&r).contains(&"none"),
            "{text}"
        );
    }
}

#[test]
fn warm_restarts_are_a_schedule_and_their_bumps_no_alarm() {
    for (text, r) in diagnose(sgdr::ID, CALLS) {
        let s = find(&r, "schedule", "lr");
        assert!(
            s[5].contains("cosine with restarts at 10000, 30000, 70000"),
            "{text}"
        );
        let spikes: Vec<&Vec<String>> = r.iter().filter(|x| x[0] == "spike").collect();
        assert_eq!(spikes.len(), sgdr::RESTARTS.len(), "{text}");
        for (spike, restart) in spikes.iter().zip(sgdr::RESTARTS) {
            // Within 5% of the run after the restart; the bump starts at it exactly.
            assert_eq!(step(spike), restart, "{text}");
            assert!(
                spike[5].ends_with(&format!("; at a learning-rate restart ({restart})")),
                "{text}"
            );
        }
        // The bumps are information: the problems part is `none`, and it comes first.
        assert_eq!(r[0][0], "none", "{text}");
        assert!(
            r[0][5].ends_with("; bumps only at learning-rate restarts"),
            "{text}"
        );
        let alarms: Vec<&str> = kinds(&r)
            .into_iter()
            .filter(|k| ALARMS.contains(k) && *k != "spike")
            .collect();
        assert!(alarms.is_empty(), "{text}");
    }
}

#[test]
fn a_plateau_freed_by_a_step_decay_is_found_where_it_starts() {
    for (text, r) in diagnose(plateau::ID, CALLS) {
        let p = find(&r, "plateau", "loss");
        // Tolerance: 3% of the run.
        assert!(step(p).abs_diff(plateau::FROM) <= 3_000, "{text}");
        assert!(
            p[5].contains("ended by the learning-rate drop at 40000 (0.1 → 0.01)"),
            "{text}"
        );
        assert!(
            find(&r, "schedule", "lr")[5].contains("step decay at 40000, 80000"),
            "{text}"
        );
        assert_eq!(r.iter().filter(|x| x[0] == "plateau").count(), 1, "{text}");
    }
}

#[test]
fn converged_and_still_improving_runs_get_their_verdicts() {
    for (text, r) in diagnose(converged::ID, CALLS) {
        // Tolerance: 5% of the run; the validation loss converges with the loss.
        for key in ["loss", "val_loss"] {
            let c = find(&r, "converged", key);
            assert!(step(c).abs_diff(converged::FROM) <= 2_500, "{key}: {text}");
        }
        assert!(
            find(&r, "schedule", "lr")[5].contains("cosine decay"),
            "{text}"
        );
        assert_eq!(
            kinds(&r).iter().filter(|k| ALARMS.contains(k)).count(),
            0,
            "{text}"
        );
        assert!(kinds(&r).contains(&"none"), "{text}");
    }
    for (text, r) in diagnose(improving::ID, CALLS) {
        let i = find(&r, "improving", "loss");
        // The last fifth of the steps, from its first logged one.
        assert!(
            step(i).abs_diff(improving::LAST_STEP * 4 / 5) <= 10,
            "{text}"
        );
        let projected: f64 = i[5]
            .split("train longer: ~")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Tolerance: within 30% of what the planted curve gives at twice the steps.
        assert!(
            (projected / improving::GAIN_AT_TWICE - 1.0).abs() <= 0.3,
            "{projected}: {text}"
        );
        find(&r, "improving", "val_loss");
        find(&r, "schedule", "train/learning_rate");
        assert!(
            !kinds(&r).contains(&"converged") && !kinds(&r).contains(&"plateau"),
            "{text}"
        );
    }
}

#[test]
fn histograms_show_a_dead_layer_and_vanishing_gradients() {
    for (text, r) in diagnose(dead::ID, CALLS) {
        let d = find(&r, "dead-layer", dead::DEAD_KEY);
        // Histograms every 100 steps, 200 of their 201 rows read: within one row.
        assert!(step(d).abs_diff(dead::DEAD_FROM) <= dead::EVERY, "{text}");
        assert_eq!(
            r.iter().filter(|x| x[0] == "dead-layer").count(),
            1,
            "{text}"
        );
        assert!(!kinds(&r).contains(&"vanishing"), "{text}");
        assert!(
            find(&r, "schedule", "lr-AdamW")[5].contains("constant"),
            "{text}"
        );
    }
    for (text, r) in diagnose(vanishing::ID, CALLS) {
        let v = find(&r, "vanishing", vanishing::KEY);
        let ratio: f64 = v[5]
            .split("scale 1/")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Tolerance: 10% (the emulator's noise on each scale).
        assert!((ratio / vanishing::RATIO - 1.0).abs() <= 0.1, "{text}");
        let named = ["vanishing", "exploding-layers", "dead-layer"];
        assert_eq!(
            kinds(&r).iter().filter(|k| named.contains(k)).count(),
            1,
            "{text}"
        );
    }
}

#[test]
fn a_gradient_norm_growing_toward_a_nan_is_found_from_its_onset() {
    let length = growth::NAN_FROM - growth::ONSET;
    for (text, r) in diagnose(growth::ID, CALLS) {
        let g = find(&r, "growth", "grad_norm");
        // Tolerance: 5% of the growth's length.
        assert!(step(g).abs_diff(growth::ONSET) <= length / 20, "{text}");
        assert!(
            g[5].ends_with(&format!("before the divergence at {}", growth::NAN_FROM)),
            "{text}"
        );
        assert_eq!(step(find(&r, "divergence", "loss")), growth::NAN_FROM);
        assert!(!kinds(&r).contains(&"explosion"), "{text}");
    }
}

#[test]
fn triage_keeps_ok_for_information_and_shows_the_alarms_it_can_read() {
    let s = server();
    let text = Cli::against(&s)
        .run(&["triage", "demo/dynamics"])
        .ok()
        .to_string();
    let r = rows(&text);
    let finding = |id: &str| r.iter().find(|x| x[0] == id).map(|x| x[3].clone()).unwrap();
    assert_eq!(finding(converged::ID), "ok", "{text}");
    assert_eq!(finding(improving::ID), "ok", "{text}");
    assert_eq!(finding(plateau::ID), "plateau", "{text}");
    assert_eq!(finding(growth::ID), "growth", "{text}");
    assert_eq!(finding(warmup::ID), "explosion", "{text}");
    // An `ok` says what it does not cover: the layers' histograms are read by diagnose only.
    let row = |id: &str| r.iter().find(|x| x[0] == id).unwrap().clone();
    for id in [dead::ID, vanishing::ID] {
        let x = row(id);
        assert_eq!(
            (x[3].as_str(), x[7].as_str()),
            (
                "ok",
                "layer gradients not read here: diagnose for dead or vanishing layers"
            ),
            "{text}"
        );
    }
    assert_eq!(row(converged::ID)[7], "", "{text}");
}

/// Healthy runs of the other demo projects raise none of the new alarms.
#[test]
fn healthy_runs_raise_no_new_alarm() {
    let s = server();
    let new = [
        "growth",
        "plateau",
        "dead-layer",
        "vanishing",
        "exploding-layers",
    ];
    for run in [
        "demo/vision/x7k2m9qa",
        "demo/vision/p3n8v4rt",
        "demo/llm-finetune/ft08lr1e",
        "demo/detection/dt00e011",
        "demo/detection/dt02e011",
        "demo/long-runs/lrhealt6",
    ] {
        let text = Cli::against(&s).run(&["diagnose", run]).ok().to_string();
        let r = rows(&text);
        assert!(kinds(&r).iter().all(|k| !new.contains(k)), "{run}:\n{text}");
        assert!(kinds(&r).contains(&"none"), "{run}:\n{text}");
    }
}

/// `history --stats` on a histogram key: one row of its scale, and where it went to zero.
#[test]
fn stats_of_a_histogram_key_are_its_scale_and_where_it_died() {
    let s = server();
    let run = format!("demo/dynamics/{}", dead::ID);
    let alive = "gradients/layers.1.weight";
    let text = Cli::against(&s)
        .run(&[
            "history",
            &run,
            "--keys",
            dead::DEAD_KEY,
            "--keys",
            alive,
            "--stats",
        ])
        .ok()
        .to_string();
    let r = rows(&text);
    let row = |key: &str| r.iter().find(|x| x[0] == key).unwrap().clone();
    let dead_row = row(dead::DEAD_KEY);
    // Every logged histogram: one row per EVERY steps, its scale finite and positive until
    // it died, zero from then (min 0 first reached where it died).
    assert_eq!(
        dead_row[1],
        (dead::LAST_STEP / dead::EVERY + 1).to_string(),
        "{text}"
    );
    assert_eq!(
        (dead_row[2].as_str(), dead_row[3].as_str()),
        ("0", "12000"),
        "{text}"
    );
    assert!(row(alive)[2].parse::<f64>().unwrap() > 0.0, "{text}");
    assert!(
        text.contains(&format!(
            "\n# {}: near zero (≤1e-6 of its largest) from {} to the end\n",
            dead::DEAD_KEY,
            dead::DEAD_FROM
        )),
        "{text}"
    );
    assert!(!text.contains(&format!("# {alive}:")), "{text}");
    assert!(!text.contains("<histogram>"), "{text}");
}
