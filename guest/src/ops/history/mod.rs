//! `history` and `history --stats`: sampled and micro views of a run's curves.
//!
//! The source reads the keys' rows as a table ([`crate::source::Source::history_table`]: from
//! W&B a dense fetch, see `source::wandb::history`), every row of the window or as dense a
//! view as it can, saying which; the table is then reduced to a token budget with
//! [`reduce::select`], keeping the extremes: only the fetch gets denser, never the view.
//! [`stats`] renders `--stats`.

mod stats;

use wandb_agent_commands::{History, HistoryStats, Window};

use crate::error::Result;
use crate::model::paths::{self, RunPath};
use crate::model::{Fetched, HistoryRequest};
use crate::ops::{Context, Run};
use crate::text::numfmt::format_value;
use crate::text::{reduce, tokens};

impl Run for History {
    fn run(self, cx: &Context) -> Result<String> {
        let (fetched, request) = fetch_window(cx, &self.run, &self.keys, self.window)?;
        let asked = self.budget.unwrap_or(DEFAULT_BUDGET);
        let budget = Budget {
            tokens: cx.budget(asked),
            // The ceiling, not the caller, chose how much to show.
            by_ceiling: cx.max_output_tokens.is_some() && (asked == 0 || asked > cx.budget(asked)),
        };
        Ok(render_curve(&fetched, &request, budget))
    }
}

impl Run for HistoryStats {
    fn run(self, cx: &Context) -> Result<String> {
        let (fetched, request) = fetch_window(cx, &self.run, &self.keys, self.window)?;
        Ok(render_stats(&fetched, &request))
    }
}

fn fetch_window(
    cx: &Context,
    run: &str,
    keys: &[String],
    window: Window,
) -> Result<(Fetched, HistoryRequest)> {
    let run: RunPath = paths::parse_run_path(run)?;
    let request = HistoryRequest::new(keys, window.samples, window.min_step, window.max_step)?;
    Ok((cx.source.history_table(&run, &request)?, request))
}

/// The default output budget, in (o200k) tokens, for the curve view.
pub const DEFAULT_BUDGET: u32 = 1500;
/// Significant digits of metric values in curves and statistics.
pub const VALUE_DIGITS: usize = 4;
/// How many tokens a curve may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// `0` = no limit (only when the host lifts the ceiling).
    pub tokens: u32,
    /// Whether the output ceiling set it (`0` or a larger budget was asked for): then the
    /// `#` line says how to see every row.
    pub by_ceiling: bool,
}

impl Budget {
    /// A budget the caller chose.
    pub fn of(tokens: u32) -> Budget {
        Budget {
            tokens,
            by_ceiling: false,
        }
    }
}

/// A metric cell: 4 significant digits (whole numbers exact, epochs to two decimals),
/// `nan`/`inf`/`-inf`, empty when not logged.
fn cell(key: &str, v: Option<f64>) -> String {
    v.map(|x| format_value(key, x, VALUE_DIGITS))
        .unwrap_or_default()
}

fn csv_line(keys: &[String], step: u64, values: &[Option<f64>]) -> String {
    let mut line = step.to_string();
    for (key, v) in keys.iter().zip(values) {
        line.push(',');
        line.push_str(&cell(key, *v));
    }
    line.push('\n');
    line
}

fn header(keys: &[String]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(std::iter::once("_step").chain(keys.iter().map(String::as_str)));
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn range_note(fetched: &Fetched, request: &HistoryRequest) -> String {
    crate::text::range_note(fetched.last_step, request.min_step, request.max_step)
}

/// The curve as CSV within `budget` tokens (0 = no limit), with a trailing line saying what
/// was reduced. Tokens are estimated as the output ceiling counts them ([`tokens::estimate`]).
pub fn render_curve(fetched: &Fetched, request: &HistoryRequest, budget: Budget) -> String {
    let Budget {
        tokens: budget,
        by_ceiling,
    } = budget;
    let table = &fetched.table;
    let head = header(&table.keys);
    if table.rows.is_empty() {
        return format!("{head}# no rows: {}\n", range_note(fetched, request));
    }
    let lines: Vec<String> = table
        .rows
        .iter()
        .map(|r| csv_line(&table.keys, r.step, &r.values))
        .collect();
    let costs: Vec<usize> = lines.iter().map(|l| tokens::estimate(l)).collect();
    let total = lines.len();
    let trailer = |kept: usize| {
        let shown = if kept == total {
            format!("all {total} rows shown")
        } else if by_ceiling {
            format!(
                "{kept} of {total} rows shown, extremes and NaN onsets kept (the {budget}-token output ceiling; every row: a narrower window, or {})",
                crate::hints::ceiling()
            )
        } else {
            format!("{kept} of {total} rows shown, extremes and NaN onsets kept")
        };
        format!(
            "# {shown}; {}; {}\n",
            range_note(fetched, request),
            fetched.coverage.note()
        )
    };
    // What the header and the trailer cost (its longest form: counts as long as the total).
    let fixed = tokens::estimate(&head) + tokens::estimate(&trailer(total.saturating_sub(1)));
    let max_rows = if budget == 0 {
        total
    } else {
        // Rows share what the header and trailer leave, at their average cost.
        let per_row = costs.iter().sum::<usize>().div_ceil(total).max(1);
        (budget as usize).saturating_sub(fixed) / per_row
    };
    let mut chosen = reduce::select(table, max_rows.max(2));
    // The plan assumed rows of average cost, but the rows kept for their extremes are often
    // the long ones (`-2.716e+175`): shrink until the real text fits, or only the rows that
    // are always kept remain.
    let mut rows_allowed = max_rows.max(2);
    while budget > 0 && rows_allowed > 2 {
        let over = fixed + chosen.iter().map(|&i| costs[i]).sum::<usize>();
        if over <= budget as usize {
            break;
        }
        let shrunk = rows_allowed * budget as usize / over;
        rows_allowed = shrunk.min(rows_allowed - 1).max(2);
        // Fewer buckets may keep as many rows (their extremes coincide): then try fewer still,
        // down to the rows that are always kept.
        let fewer = reduce::select(table, rows_allowed);
        if fewer.len() < chosen.len() {
            chosen = fewer;
        }
    }
    let mut out = head;
    for &i in &chosen {
        out.push_str(&lines[i]);
    }
    out.push_str(&trailer(chosen.len()));
    out
}

/// Per-key statistics of the fetched rows, with the same trailing line.
pub fn render_stats(fetched: &Fetched, request: &HistoryRequest) -> String {
    let mut out = stats::render(&fetched.table, VALUE_DIGITS, &fetched.exact);
    out.push_str(&format!(
        "# over {} rows; {}; {}\n",
        fetched.table.rows.len(),
        range_note(fetched, request),
        fetched.coverage.note()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AgentError;
    use crate::model::Coverage;
    use crate::model::HistoryTable;
    use serde_json::json;

    #[test]
    fn request_validation() {
        let keys = vec![
            " loss".to_string(),
            "val_loss".into(),
            "loss".into(),
            "_step".into(),
        ];
        let r = HistoryRequest::new(&keys, None, Some(5), Some(10)).unwrap();
        assert_eq!(r.keys, ["loss", "val_loss"]);
        // A key with a comma is one key.
        let odd = HistoryRequest::new(&["val/acc, top-5 (%)".into()], None, None, None).unwrap();
        assert_eq!(odd.keys, ["val/acc, top-5 (%)"]);
        assert_eq!(
            r.first_specs()[1].to_json(),
            r#"{"keys":["_step","val_loss"],"maxStep":10,"minStep":5,"samples":2000}"#
        );
        assert!(matches!(
            HistoryRequest::new(&[" ".into()], None, None, None),
            Err(AgentError::BadInput(_))
        ));
        assert!(matches!(
            HistoryRequest::new(&["a".into()], Some(0), None, None),
            Err(AgentError::BadInput(_))
        ));
        assert!(matches!(
            HistoryRequest::new(&["a".into()], None, Some(9), Some(3)),
            Err(AgentError::BadInput(_))
        ));
    }

    #[test]
    fn curve_text_for_a_small_table() {
        let request =
            HistoryRequest::new(&["loss".into(), "val".into()], Some(100), None, None).unwrap();
        let series = crate::source::wandb::series::parse_all(
            &request.first_specs(),
            &json!([
                [{"_step": 0, "loss": 2.345678}, {"_step": 1, "loss": "NaN"}, {"_step": 2, "loss": "-Infinity"}],
                [{"_step": 0, "val": 1234567.0}, {"_step": 2, "val": null}]
            ]),
            "s",
        )
        .unwrap();
        let table = HistoryTable::outer_join(&request.keys, &series);
        let fetched = Fetched {
            table,
            last_step: Some(2),
            coverage: Coverage::Every,
            exact: vec![true, true],
        };
        assert_eq!(
            render_curve(&fetched, &request, Budget::of(DEFAULT_BUDGET)),
            "_step,loss,val\n0,2.346,1234567\n1,nan,\n2,-inf,nan\n# all 3 rows shown; run steps 0..2; every logged row in range\n"
        );
    }
}
