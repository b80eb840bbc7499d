//! A finding: what happened, to which key, at which step; and the table findings are shown
//! in (`diagnose`'s, also `watch`'s).

use crate::text::numfmt::format_sig;

/// Significant digits of values in findings.
pub const DIGITS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: &'static str,
    pub key: String,
    pub step: u64,
    pub epoch: String,
    /// The run's step counter at `step` (empty when it logs none).
    pub counter: String,
    pub value: f64,
    pub detail: String,
}

/// The findings as CSV: the header `finding,key,step[,COUNTER],epoch,value,detail` (the run's
/// own step counter, when it has one, beside `_step` under its own name), then one row each.
pub fn table<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    counter: Option<&str>,
) -> csv::Writer<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["finding", "key", "step"];
    head.extend(counter);
    head.extend(["epoch", "value", "detail"]);
    let _ = out.write_record(&head);
    for f in findings {
        write_row(&mut out, f, counter);
    }
    out
}

/// One finding's row of [`table`].
pub fn write_row(out: &mut csv::Writer<Vec<u8>>, f: &Finding, counter: Option<&str>) {
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
