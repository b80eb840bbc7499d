//! `triage` as careful as `diagnose`: every planted event of the emulator's long runs
//! (`demo/long-runs`, planted facts in `wandb_emulator::seed::long_runs`) at its exact step on every
//! one of 20 calls, no false alarm, within 8 requests; and a 64-run sweep in 8 requests.

use wandb_emulator::seed::long_runs::{self, Planted, PLANTED};
use wandb_emulator::seed::sweep::{self, CRASHED, DIVERGED, RUNNING};

use crate::support::{request_count, server, Cli};

/// The CSV rows (id, name, state, finding, key, step, epoch, detail) and the `#` line.
fn read(text: &str) -> (Vec<Vec<String>>, String) {
    let rows = crate::support::csv_records(text);
    let note = text
        .lines()
        .find(|l| l.starts_with('#'))
        .unwrap_or_else(|| panic!("no # line in\n{text}"))
        .to_string();
    (rows, note)
}

/// The request count the `#` line reports.
fn requests_said(note: &str) -> u64 {
    let before = note.split(" request").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Runs `triage` and checks that the `#` line counts the requests the emulator received.
fn triage(s: &wandb_emulator::RunningServer, args: &[&str]) -> (Vec<Vec<String>>, String) {
    let before = request_count(s);
    let mut all = vec!["triage"];
    all.extend_from_slice(args);
    let out = Cli::against(s).run(&all).ok().to_string();
    let (rows, note) = read(&out);
    assert_eq!(requests_said(&note), request_count(s) - before, "{out}");
    (rows, note)
}

#[test]
fn triage_finds_every_planted_event_of_long_runs_exactly_on_every_call() {
    let s = server();
    for call in 0..20 {
        let (rows, note) = triage(&s, &["demo/long-runs"]);
        assert_eq!(rows.len(), PLANTED.len(), "call {call}: {rows:?}");
        let requests = requests_said(&note);
        assert!(requests <= 8, "call {call}: {note}");
        assert!(
            note.starts_with("# 10 runs looked at, 4 with a problem; dense pass as diagnose's: sampled at random ~1/101 steps per key, may miss events <505 steps (sparsest run); suspects zoomed to their exact step;"),
            "call {call}: {note}"
        );
        for run in PLANTED {
            let row = rows
                .iter()
                .find(|r| r[0] == run.id)
                .unwrap_or_else(|| panic!("call {call}: no row for {}", run.id));
            let got = (row[3].as_str(), row[4].as_str(), row[5].as_str());
            match run.planted.answer() {
                Some((finding, key, step)) => {
                    assert_eq!(
                        got,
                        (finding, key, step.to_string().as_str()),
                        "call {call}, {}: {row:?}",
                        run.name
                    );
                    assert!(row[7].contains("exact step"), "{row:?}");
                    // Exact epochs: 40 per run.
                    assert_eq!(row[6], (step / (run.last_step / 40)).to_string(), "{row:?}");
                }
                None => assert_eq!(got, ("ok", "", ""), "call {call}, false alarm: {row:?}"),
            }
            // The explosion's consequence on the loss is found too.
            if let Planted::Explosion {
                step, loss_spike, ..
            } = run.planted
            {
                assert_eq!(row[7].contains("(+1 more: "), loss_spike > 0, "{row:?}");
                // At its exact step: the loss spikes LOSS_SPIKE_LAG steps after the gradient.
                let spike = format!("(+1 more: spike loss {})", step + long_runs::LOSS_SPIKE_LAG);
                assert_eq!(row[7].contains(&spike), loss_spike > 0, "{row:?}");
            }
        }
    }
}

#[test]
fn triage_of_a_sixty_four_run_sweep_is_at_most_eight_requests() {
    let s = server();
    let (rows, note) = triage(&s, &["demo/sweep", "--last", "64"]);
    assert_eq!(rows.len(), 64, "{note}");
    assert!(requests_said(&note) <= 8, "{note}");
    // Runs of 3,000 steps: every row of each.
    assert!(
        note.contains("; dense pass as diagnose's: every logged row;"),
        "{note}"
    );
    for row in rows {
        let i: usize = row[0][2..].parse().unwrap();
        let got = (row[3].as_str(), row[4].as_str(), row[5].as_str());
        if DIVERGED.contains(&i) {
            let step = sweep::explosion_step(i).to_string();
            assert_eq!(got, ("explosion", "grad_norm", step.as_str()), "{row:?}");
        } else if i == CRASHED || i == RUNNING {
            assert_eq!(got.0, "crash", "{row:?}");
        } else {
            assert_eq!(got, ("ok", "", ""), "no false alarm: {row:?}");
        }
    }
}
