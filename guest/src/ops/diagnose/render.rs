//! The diagnosis as CSV: one row per problem, ordered by step (or `none`), then the
//! information rows (the learning-rate schedule, the end-of-run verdicts) ordered by step, and
//! a `#` line naming the keys, the run's steps, what the coarse pass covered and the requests
//! made.

use crate::text::numfmt::{format_epoch, format_sig};
use crate::wandb::coverage::Coverage;
use crate::wandb::series::Series;

use super::readings::INFO;
use super::{Finding, Report, DIGITS};

/// The epoch (or the run's step counter) at `step`: exact from a zoom window, else `~` from
/// the coarse pass. Epochs keep two decimals, counters every digit.
pub fn epoch_at(step: u64, window: Option<&Series>, coarse: Option<&Series>) -> String {
    let fmt = format_epoch;
    if let Some((s, v)) = window.and_then(|w| w.at_or_before(step)) {
        if s == step || window.is_some_and(|w| w.complete) {
            return fmt(v);
        }
    }
    match coarse.and_then(|c| c.at_or_before(step)) {
        Some((s, v)) if s == step => fmt(v),
        Some((_, v)) => format!("~{}", fmt(v)),
        None => String::new(),
    }
}

fn coverage_note(coverage: &Coverage) -> String {
    match coverage {
        Coverage::Every => "coarse pass: every logged row".into(),
        other => format!("coarse pass: {}", other.density()),
    }
}

fn write_row(out: &mut csv::Writer<Vec<u8>>, f: &Finding, counter: Option<&str>) {
    let step = f.step.to_string();
    let mut row = vec![f.kind, &f.key, &step];
    if counter.is_some() {
        row.push(&f.counter);
    }
    // A crash row's value is the exit code, empty when the run reported none.
    let value = if f.value.is_nan() && f.kind == "crash" {
        String::new()
    } else {
        format_sig(f.value, DIGITS)
    };
    row.extend([f.epoch.as_str(), &value, &f.detail]);
    let _ = out.write_record(row);
}

pub fn render(report: &Report) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // The run's own step counter, when it has one, goes beside `_step` under its own name.
    let counter = report.keys.counter.as_deref();
    let mut head = vec!["finding", "key", "step"];
    head.extend(counter);
    head.extend(["epoch", "value", "detail"]);
    let _ = out.write_record(&head);
    // Problems in step order (or `none`), then the information rows (schedule, verdicts).
    let (info, problems): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| INFO.contains(&f.kind));
    for f in &problems {
        write_row(&mut out, f, counter);
    }
    if problems.is_empty() {
        let mut row = vec!["none", "", ""];
        row.extend(counter.map(|_| ""));
        row.extend([
            "",
            "",
            "no divergence, gradient explosion, loss spike, overfitting or plateau found",
        ]);
        let _ = out.write_record(row);
    }
    for f in &info {
        write_row(&mut out, f, counter);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let k = &report.keys;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    text.push_str(&format!(
        "# keys: loss={} grad={} val={} epoch={}{}; run steps {}; {}; {} request{}\n",
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
        report.requests,
        if report.requests == 1 { "" } else { "s" }
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_exact_or_approximate() {
        let coarse = Series {
            points: vec![(0, 0.0), (100, 1.0)],
            complete: false,
        };
        assert_eq!(epoch_at(150, None, Some(&coarse)), "~1");
        assert_eq!(epoch_at(100, None, Some(&coarse)), "1");
        let window = Series {
            points: vec![(148, 1.0), (150, 2.0)],
            complete: true,
        };
        assert_eq!(epoch_at(150, Some(&window), Some(&coarse)), "2");
        assert_eq!(epoch_at(150, None, None), "");
    }
}
