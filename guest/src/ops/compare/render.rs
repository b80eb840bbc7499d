//! The comparison's text: two runs side by side with deltas, or three to ten a row each, the
//! config keys that differ, and a `#` line with the verdict and how alike the curves are.

use serde_json::Value;

use super::side::{Side, DIGITS, SAMPLES};
use crate::analysis::config_diff;
use crate::analysis::correlation::correlation;
use crate::analysis::direction::Direction;
use crate::model::Series;
use crate::text::numfmt::format_sig;

/// Config differences listed before "… N more".
const MAX_CONFIG_ROWS: usize = 20;

fn num(v: Option<f64>) -> String {
    v.map(|x| format_sig(x, DIGITS)).unwrap_or_default()
}

fn config_cell(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

pub fn render(a: &Side, b: &Side, metric: &str, dir: &Direction) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut row = |cells: [&str; 5]| {
        let _ = out.write_record(cells);
    };
    row(["item", "a", "b", "delta", "delta_pct"]);
    row(["run", &a.id, &b.id, "", ""]);
    row(["name", &a.name, &b.name, "", ""]);
    let delta_cells = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
            let pct = if x != 0.0 {
                format_sig((y - x) / x.abs() * 100.0, DIGITS)
            } else {
                String::new()
            };
            (format_sig(y - x, DIGITS), pct)
        }
        _ => (String::new(), String::new()),
    };
    let (d, p) = delta_cells(a.final_value, b.final_value);
    row([
        &format!("{metric}.final"),
        &num(a.final_value),
        &num(b.final_value),
        &d,
        &p,
    ]);
    let (ba, bb) = (a.best(dir), b.best(dir));
    let (d, p) = delta_cells(ba.map(|x| x.0), bb.map(|x| x.0));
    row([
        &format!("{metric}.best"),
        &num(ba.map(|x| x.0)),
        &num(bb.map(|x| x.0)),
        &d,
        &p,
    ]);
    row([
        &format!("{metric}.best_step"),
        &a.best_step_cell(dir),
        &b.best_step_cell(dir),
        "",
        "",
    ]);
    let diffs = config_diff::differences(&a.config, &b.config);
    for (key, va, vb) in diffs.iter().take(MAX_CONFIG_ROWS) {
        row([
            &format!("config.{key}"),
            &config_cell(va),
            &config_cell(vb),
            "",
            "",
        ]);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let verdict = match (a.final_value, b.final_value) {
        (Some(x), Some(y)) if dir.better(y, x) => format!("b {} is better", b.id),
        (Some(x), Some(y)) if dir.better(x, y) => format!("a {} is better", a.id),
        _ => "neither is better".to_string(),
    };
    let corr = match correlation(&a.curve, &b.curve) {
        Some(c) => c.describe(),
        None => "no common step range for a correlation".into(),
    };
    let more = more_differences(diffs.len());
    text.push_str(&format!(
        "# {verdict} on final {metric}: {}; {corr}; best and r from {}{more}\n",
        dir.describe(),
        rows_read(&[&a.curve, &b.curve])
    ));
    text
}

/// What the best values and correlations were computed from: every logged row when every
/// curve came back whole (a short run, a run on disk), else the samples.
fn rows_read(curves: &[&Series]) -> String {
    if curves.iter().all(|c| c.complete) {
        "every logged row".to_string()
    } else {
        format!("≤{SAMPLES} sampled rows per run")
    }
}

/// The `#` line's note on config differences past [`MAX_CONFIG_ROWS`] ("" if none).
fn more_differences(count: usize) -> String {
    if count > MAX_CONFIG_ROWS {
        format!("; {} more config differences", count - MAX_CONFIG_ROWS)
    } else {
        String::new()
    }
}

/// Three or more runs: one row per run, then one row per config key that differs (a column
/// per run), then the best run and how alike the curves are.
pub fn render_many(sides: &[Side], metric: &str, dir: &Direction) -> String {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let _ = out.write_record([
        "run".to_string(),
        "name".into(),
        "state".into(),
        format!("{metric}.final"),
        format!("{metric}.best"),
        format!("{metric}.best_step"),
    ]);
    for side in sides {
        let best = side.best(dir);
        let _ = out.write_record([
            side.id.clone(),
            side.name.clone(),
            side.state.clone(),
            num(side.final_value),
            num(best.map(|b| b.0)),
            side.best_step_cell(dir),
        ]);
    }
    let configs: Vec<_> = sides
        .iter()
        .map(|s| config_diff::flatten(&s.config))
        .collect();
    let mut keys: Vec<&String> = configs.iter().flat_map(|c| c.keys()).collect();
    keys.sort();
    keys.dedup();
    let differing: Vec<&String> = keys
        .into_iter()
        .filter(|k| configs.iter().any(|c| c.get(*k) != configs[0].get(*k)))
        .collect();
    if !differing.is_empty() {
        let mut header = vec!["config".to_string()];
        header.extend(sides.iter().map(|s| s.id.clone()));
        let _ = out.write_record(&header);
        for key in differing.iter().take(MAX_CONFIG_ROWS) {
            let mut row = vec![key.to_string()];
            row.extend(configs.iter().map(|c| config_cell(&c.get(*key).cloned())));
            let _ = out.write_record(&row);
        }
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let best = dir.best_by(sides, |s| s.final_value);
    let verdict = match best {
        Some(b) => format!("best {} on final {metric}", b.id),
        None => format!("no run has a finite final {metric}"),
    };
    let mut pairs = Vec::new();
    for (i, a) in sides.iter().enumerate() {
        for b in &sides[i + 1..] {
            if let Some(c) = correlation(&a.curve, &b.curve) {
                pairs.push((c.r, &a.id, &b.id));
            }
        }
    }
    let curves = match pairs.iter().min_by(|x, y| x.0.total_cmp(&y.0)) {
        None => "no two curves share a step range".to_string(),
        Some((low, a, b)) => format!(
            "curves: mean pairwise pearson r={} over {} pairs, lowest {} ({a}~{b})",
            format_sig(
                pairs.iter().map(|p| p.0).sum::<f64>() / pairs.len() as f64,
                3
            ),
            pairs.len(),
            format_sig(*low, 3)
        ),
    };
    let more = more_differences(differing.len());
    text.push_str(&format!(
        "# {verdict}: {}; {curves}; {} runs, best and r from {}{more}\n",
        dir.describe(),
        sides.len(),
        rows_read(&sides.iter().map(|s| &s.curve).collect::<Vec<_>>())
    ));
    text
}
