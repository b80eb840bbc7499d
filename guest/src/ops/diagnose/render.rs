//! The diagnosis as CSV: one row per problem, ordered by step (or `none`), then the
//! information rows (the learning-rate schedule, loss bumps at its restarts, the end-of-run
//! verdicts) ordered by step, and
//! a `#` line naming the keys, the run's steps, what the coarse pass covered and the requests
//! made.

use crate::analysis::detection::finding::{table, write_row};
use crate::analysis::detection::readings::{is_alarm, INFO};
use crate::analysis::detection::{Finding, Keys};
use crate::model::Coverage;

/// A diagnosis: its findings, the keys it watched, and what it covered in how many requests.
pub struct Report {
    pub findings: Vec<Finding>,
    pub keys: Keys,
    pub last_step: Option<u64>,
    pub coverage: Coverage,
    /// Gradient histograms past the cap, not read: (unread, all layers).
    pub unread_layers: Option<(usize, usize)>,
    pub requests: u32,
}

fn coverage_note(coverage: &Coverage) -> String {
    match coverage {
        Coverage::Every => "coarse pass: every logged row".into(),
        other => format!("coarse pass: {}", other.density()),
    }
}

pub fn render(report: &Report) -> String {
    let counter = report.keys.counter.as_deref();
    // Problems in step order (or `none`), then the information rows (schedule, verdicts, loss
    // bumps at learning-rate restarts, which are no alarm by themselves).
    let (info, problems): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| !is_alarm(f));
    let mut out = table(problems.iter().copied(), counter);
    if problems.is_empty() {
        let mut row = vec!["none", "", ""];
        row.extend(counter.map(|_| ""));
        // Loss bumps at restarts are the information rows that are not of an information kind.
        let restarts = info.iter().any(|f| !INFO.contains(&f.kind));
        let detail = format!(
            "no divergence, gradient explosion, loss spike, overfitting or plateau found{}",
            if restarts {
                "; bumps only at learning-rate restarts"
            } else {
                ""
            }
        );
        row.extend(["", "", &detail]);
        let _ = out.write_record(row);
    }
    for f in &info {
        write_row(&mut out, f, counter);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let k = &report.keys;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    text.push_str(&format!(
        "# keys: loss={} grad={} val={} epoch={}{}; run steps {}; {}{}; {} request{}\n",
        k.loss,
        name(&k.grad),
        name(&k.val),
        name(&k.epoch),
        if k.guessed {
            " (guessed from the run's keys)"
        } else {
            ""
        },
        report
            .last_step
            .map_or_else(|| "unknown".to_string(), |l| format!("0..{l}")),
        coverage_note(&report.coverage),
        report
            .unread_layers
            .map_or_else(String::new, |(unread, all)| format!(
                "; layer gradients: the first {} of {all} layers by name (not the other {unread})",
                all - unread
            )),
        report.requests,
        if report.requests == 1 { "" } else { "s" }
    ));
    text
}
