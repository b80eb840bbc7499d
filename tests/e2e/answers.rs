//! Answers that say where they are and how exact they are (issue 25): a console kept only in
//! a log file on a refused origin is named with what to allow; a diverged run keeps its best
//! values; `params` sees a U-shaped learning rate; `system` of an 8-GPU run groups the alike
//! GPUs and names the odd one, within its token goal.

use wandb_emulator::seed::crashes::ids;
use wandb_emulator::seed::vision::long_run;
use wandb_emulator::seed::{cluster, lr_sweep};

use crate::support::{request_count, server, tokens, Cli};

#[test]
fn diagnose_names_the_origin_of_a_log_only_console_and_what_to_allow() {
    let s = server();
    let storage = s.files_origin();
    let run = format!("demo/crashes/{}", ids::FILE_ONLY);
    // Without the storage allowed: the diagnosis still stands, and says where the answer is.
    let out = Cli::against(&s).run(&["diagnose", &run]);
    let text = out.ok();
    let crash = text
        .lines()
        .find(|l| l.starts_with("crash,unknown,"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        crash.ends_with(&format!(
            "failed (exit code 1); its console is only in the log file output.log on {storage}, which the host does not allow: allow it with --allow {storage}\""
        )),
        "{crash}"
    );
    // The remedy it names works as written.
    let out = Cli::against(&s).run(&["diagnose", &run, "--allow", &storage]);
    assert!(
        out.ok().contains("\ncrash,disk-full,3000,"),
        "{}",
        out.stdout
    );
}

#[test]
fn triage_names_the_origin_of_a_log_only_console_without_a_request_more() {
    let s = server();
    let storage = s.files_origin();
    let before = request_count(&s);
    let out = Cli::against(&s).run(&["triage", "demo/crashes"]);
    let text = out.ok();
    // The runs page, the dense pass, the crash contexts: no request for the log file.
    assert_eq!(request_count(&s) - before, 3, "{text}");
    for id in [ids::FILE_ONLY, ids::EXPIRED_URL] {
        let row = text
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id}: {text}"));
        assert!(
            row.contains(&format!(
                "console only in the log file output.log on {storage}: diagnose reads it (if not allowed: allow it with --allow {storage})"
            )),
            "{row}"
        );
    }
    // A run that wrote no console at all is not sent looking for a file.
    let silent = text.lines().find(|l| l.starts_with(ids::NO_OUTPUT));
    assert!(silent.is_none_or(|l| !l.contains("log file")), "{text}");
}

#[test]
fn a_diverged_run_keeps_its_best_values() {
    let s = server();
    let out = Cli::against(&s).run(&["summary", &format!("demo/vision/{}", long_run::ID)]);
    let text = out.ok();
    let line = text.lines().next().unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["summary"]["val_loss"], "NaN", "{text}");
    let best = &v["best"]["val_loss"];
    // Read from sampled rows: the step is marked approximate (`"~792000"`).
    let min = best["min"].as_f64();
    let step = best["step"]
        .as_str()
        .and_then(|s| s.strip_prefix('~'))
        .and_then(|s| s.parse::<u64>().ok());
    assert!(min.is_some_and(f64::is_finite), "{text}");
    assert!(step.is_some_and(|s| s < long_run::NAN_FROM), "{text}");
    // And the `#` line says so.
    assert!(
        text.contains("best of val_loss over 1000 rows sampled at random"),
        "{text}"
    );
    // best --over-history ranks it by its best finite value, not its NaN end.
    let out = Cli::against(&s).run(&[
        "best",
        "demo/vision",
        "--metric",
        "val_loss",
        "--over-history",
        "--last",
        "20",
    ]);
    let text = out.ok();
    assert!(
        text.lines()
            .any(|l| l.contains(long_run::ID) && !l.ends_with(",nan") && !l.starts_with('#')),
        "{text}"
    );
}

#[test]
fn params_ranks_a_u_shaped_learning_rate_first_as_strong() {
    let s = server();
    for call in 0..10 {
        let out = Cli::against(&s).run(&[
            "params",
            &format!("demo/{}", lr_sweep::PROJECT),
            "--metric",
            "val_loss",
        ]);
        let text = out.ok();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(2)
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows[0][0], "lr", "call {call}: {text}");
        assert_eq!(rows[0][1], "num");
        let strength: f64 = rows[0][2].parse().unwrap();
        assert!(
            strength >= 0.7,
            "call {call}: lr strong, {strength}: {text}"
        );
        // Its effect shows eta beside rho and the mean per bin, left to right.
        assert!(rows[0][3].starts_with("eta="), "{text}");
        let rho: f64 = rows[0][3]
            .split_whitespace()
            .find_map(|w| w.strip_prefix("rho="))
            .unwrap()
            .parse()
            .unwrap();
        assert!(rho.abs() < 0.4, "monotone measure weak: {text}");
        // The best bin holds the planted best learning rate, and both ends are worse.
        let bins: Vec<(f64, f64, f64)> = rows[0][3]
            .split(" (n=")
            .filter_map(|part| {
                let cell = part.rsplit(' ').next()?;
                let (range, mean) = cell.split_once('=')?;
                let (lo, hi) = range.split_once("..").unwrap_or((range, range));
                Some((lo.parse().ok()?, hi.parse().ok()?, mean.parse().ok()?))
            })
            .collect();
        assert!(bins.len() >= 3, "{text}");
        let best = bins.iter().min_by(|a, b| a.2.total_cmp(&b.2)).unwrap();
        assert!(
            best.0 <= lr_sweep::BEST_LR * 2.0 && best.1 >= lr_sweep::BEST_LR / 2.0,
            "{bins:?}"
        );
        assert!(
            bins[0].2 > best.2 && bins[bins.len() - 1].2 > best.2,
            "{bins:?}"
        );
        // warmup's small monotone effect stays a plain rank correlation.
        let warmup = rows.iter().find(|r| r[0] == "warmup_steps").unwrap();
        assert!(warmup[3].starts_with("rho="), "{text}");
    }
}

#[test]
fn system_of_eight_gpus_groups_the_alike_ones_and_names_the_odd_one() {
    let s = server();
    let run = format!("demo/{}/{}", cluster::PROJECT, cluster::ID);
    let out = Cli::against(&s).run(&["system", &run]);
    let text = out.ok();
    assert!(tokens(text) <= 400, "{} tokens: {text}", tokens(text));
    let odd = cluster::ODD_GPU;
    for name in ["gpu", "memoryAllocated", "temp"] {
        assert!(
            text.contains(&format!("\ngpu.0-7 except {odd}.{name},")),
            "{name}: {text}"
        );
        assert!(
            text.contains(&format!("\ngpu.{odd}.{name},")),
            "{name}: {text}"
        );
    }
    // The odd GPU's own peak is kept: its temperature.
    let temp = text
        .lines()
        .find(|l| l.starts_with(&format!("gpu.{odd}.temp,")))
        .unwrap();
    // The emulator skews each GPU by 0.3 °C per index.
    let peak = format!(",{:.1},", cluster::ODD_TEMP + 0.3 * f64::from(odd));
    assert!(temp.contains(&peak), "{temp}");
}
