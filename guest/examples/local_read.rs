//! Reads one `.wandb` file in full with the component's reader, natively, folding every
//! value of every row (count, min, max, first non-finite step per key): the work a diagnose
//! does, without the analysis. For `bench/local_read.py`.
//!
//!     cargo run --release -p wandb-agent-guest --example local_read -- run-<id>.wandb

use std::collections::HashMap;
use std::time::Instant;
use wandb_agent_guest::source::disk::fold::{self, Visitor};
use wandb_agent_guest::source::disk::layout;
use wandb_agent_guest::source::disk::records::History;
use wandb_agent_guest::source::disk::run::DiskRun;

#[derive(Default)]
struct KeyFold {
    count: u64,
    min: f64,
    max: f64,
    first_non_finite: Option<i64>,
}

#[derive(Default)]
struct Folds(HashMap<String, KeyFold>);

impl Visitor for Folds {
    fn history(&mut self, row: &History<'_>) {
        for item in &row.items {
            let Some(x) = item.value.as_f64() else {
                continue;
            };
            let key = &item.path.first;
            let fold = match self.0.get_mut(key.as_ref()) {
                Some(f) => f,
                None => self.0.entry(key.to_string()).or_insert(KeyFold {
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    ..KeyFold::default()
                }),
            };
            fold.count += 1;
            if x.is_finite() {
                fold.min = fold.min.min(x);
                fold.max = fold.max.max(x);
            } else if fold.first_non_finite.is_none() {
                fold.first_non_finite = Some(row.step);
            }
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: local_read FILE.wandb");
        return std::process::ExitCode::from(2);
    };
    let start = Instant::now();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let mut folds = Folds::default();
    let log = match fold::read(file, &mut folds) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let elapsed = start.elapsed();
    let mut keys: Vec<_> = folds.0.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    let nan: Vec<String> = keys
        .iter()
        .filter_map(|(k, f)| f.first_non_finite.map(|s| format!("{k}@{s}")))
        .collect();
    println!(
        "rows {} steps {:?}..{:?} keys {} non-finite [{}] end {:?} exit {:?} in {:.3} s, peak RSS {} KiB",
        log.rows,
        log.first_step,
        log.last_step,
        keys.len(),
        nan.join(" "),
        log.end,
        log.exit.map(|e| e.exit_code),
        elapsed.as_secs_f64(),
        peak_rss_kib().unwrap_or(0),
    );
    // The disk source's read of the same run: every key's series kept, summary, console and
    // system metrics folded (what one operation reads before it answers).
    let start = Instant::now();
    let run = layout::locate(std::path::Path::new(&path)).map(|found| match found {
        layout::Found::Run(run) => run,
        layout::Found::Runs(mut runs) => runs.remove(0),
    });
    let read = run
        .map_err(|e| e.to_string())
        .and_then(|run| DiskRun::read(&run, 0).map_err(|e| e.to_string()));
    match read {
        Ok(run) => println!(
            "disk source read: {} keys in {:.3} s, peak RSS {} KiB",
            run.keys.counts.len(),
            start.elapsed().as_secs_f64(),
            peak_rss_kib().unwrap_or(0)
        ),
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return std::process::ExitCode::from(1);
        }
    }
    std::process::ExitCode::SUCCESS
}
