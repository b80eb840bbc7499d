//! `diagnose` and the sampled views under W&B's random sampling: a planted event must be found
//! at its exact step on every call, not on a lucky one. The runs are the emulator's
//! `demo/detection` project; `bench/detection.py` measures the same at N = 100 per run.

use wandb_emulator::seed::detection::{
    event_step, run_id, Planted, LENGTHS, LOSS_SPIKE_LAG, MASKED_LOSS_SPIKE, MASKED_WIDTH,
};

use crate::support::csv_records as rows;
use crate::support::{server, Cli};

fn run_path(length: u64, planted: &Planted) -> String {
    let l = LENGTHS.iter().position(|&x| x == length).unwrap();
    let e = Planted::all().iter().position(|p| p == planted).unwrap();
    format!("demo/detection/{}", run_id(l, e))
}

/// The row of `kind` on `key`, if any.
fn finding(text: &str, kind: &str, key: &str) -> Option<Vec<String>> {
    rows(text).into_iter().find(|r| r[0] == kind && r[1] == key)
}

/// The 1M-step run with a lone 1,000-step explosion (0.1% of the run), and its first step.
fn thousandth_explosion() -> (String, u64) {
    let planted = Planted::Explosion {
        width: 1_000,
        loss_spike: 0,
    };
    (run_path(1_000_000, &planted), event_step(1_000_000))
}

#[test]
fn an_explosion_of_a_thousandth_of_the_run_is_found_exactly_on_every_call() {
    let s = server();
    let (path, at) = thousandth_explosion();
    for call in 0..20 {
        let out = Cli::against(&s).run(&["diagnose", &path]);
        let text = out.ok();
        let row = finding(text, "explosion", "grad_norm")
            .unwrap_or_else(|| panic!("call {call}: no explosion in\n{text}"));
        assert_eq!(row[2], at.to_string(), "call {call}:\n{text}");
        assert!(row[5].ends_with("(exact step)"), "{}", row[5]);
        // The ratio is the reported value over the reported level.
        let value: f64 = row[4].parse().unwrap();
        let ratio: f64 = row[5][row[5].find('×').unwrap() + '×'.len_utf8()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let level: f64 = row[5]
            .split("its running level ")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (ratio - value / level).abs() <= 0.05 * ratio,
            "{ratio} vs {value}/{level}"
        );
        assert!(
            text.contains("; coarse pass: sampled at random ~1/51 steps per key, may miss events <255 steps; "),
            "{text}"
        );
        let requests: u32 = text
            .trim_end()
            .rsplit("; ")
            .next()
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(requests <= 5, "{requests} requests");
    }
}

/// 20 steps of 5,000,000: a coarse sample lands in the explosion about one call in thirteen,
/// but the loss spike that follows lasts 5,000 steps; diagnose looks back from it and finds
/// the explosion exactly.
#[test]
fn a_loss_spike_leads_to_an_explosion_too_narrow_for_the_coarse_pass() {
    let s = server();
    let path = run_path(
        5_000_000,
        &Planted::Explosion {
            width: MASKED_WIDTH,
            loss_spike: MASKED_LOSS_SPIKE,
        },
    );
    let at = event_step(5_000_000);
    for call in 0..10 {
        let text = Cli::against(&s).run(&["diagnose", &path]).ok().to_string();
        assert!(text.contains("may miss events <1255 steps"), "{text}");
        let explosion = finding(&text, "explosion", "grad_norm")
            .unwrap_or_else(|| panic!("call {call}: no explosion in\n{text}"));
        assert_eq!(explosion[2], at.to_string(), "call {call}:\n{text}");
        assert!(explosion[5].ends_with("(exact step)"));
        let spike = finding(&text, "spike", "loss").unwrap();
        assert_eq!(spike[2], (at + LOSS_SPIKE_LAG).to_string());
    }
}

#[test]
fn nan_onsets_are_exact_and_healthy_twins_stay_quiet() {
    let s = server();
    for length in LENGTHS {
        let nan = Cli::against(&s)
            .run(&["diagnose", &run_path(length, &Planted::NanOnset)])
            .ok()
            .to_string();
        let row = finding(&nan, "divergence", "loss").unwrap_or_else(|| panic!("{nan}"));
        assert_eq!(row[2], event_step(length).to_string(), "{nan}");
        let healthy = Cli::against(&s)
            .run(&["diagnose", &run_path(length, &Planted::Healthy)])
            .ok()
            .to_string();
        assert_eq!(rows(&healthy)[0][0], "none", "{healthy}");
    }
}

/// The default curve fetches densely but prints within its budget, and shows the explosion.
#[test]
fn the_default_curve_shows_the_explosion_on_every_call() {
    let s = server();
    let (path, at) = thousandth_explosion();
    for call in 0..10 {
        let out = Cli::against(&s).run(&["history", &path, "--keys", "loss,grad_norm,val_loss"]);
        let text = out.ok();
        assert!(crate::support::tokens(text) <= 1500, "call {call}");
        let shown = rows(text).iter().any(|r| {
            let step: u64 = r[0].parse().unwrap();
            (at..at + 1_000).contains(&step) && r[2].parse::<f64>().is_ok_and(|g| g > 10.0)
        });
        assert!(shown, "call {call}: no row inside the explosion in\n{text}");
        assert!(
            text.trim_end().ends_with(
                "; sampled at random ~1/51 steps per key, may miss events <255 steps (min-step/max-step for every row)"
            ),
            "{text}"
        );
    }
}
