//! `compare`: runs on one metric — final and best values, which is better, the correlation of
//! their curves — and the config keys that differ. Two runs get the side-by-side table with
//! deltas; three to ten get one row per run. One round trip (aliases) either way.

use serde_json::{json, Value};

use wandb_agent_commands::Compare;

use crate::error::{AgentError, Result};
use crate::ops::direction::{direction, Direction, Mode};
use crate::ops::{config_diff, summary, Run};
use crate::text::numfmt::format_sig;
use crate::wandb::paths::{self, RunPath};
use crate::wandb::sampled;
use crate::wandb::series::{self, Series, Spec};
use crate::wandb::{documents, graphql, lenient_json, Client};

/// History rows sampled per run for "best" and the correlation.
pub const SAMPLES: u32 = 2000;
/// Points of the common step grid the curves are interpolated onto when they share too few
/// logged steps.
pub const GRID_POINTS: usize = 200;
/// Shared logged steps needed to correlate without interpolating.
const MIN_SHARED_STEPS: usize = 10;
/// Config differences listed before "… N more".
const MAX_CONFIG_ROWS: usize = 20;
/// The most runs one comparison takes.
pub const MAX_RUNS: usize = 10;
const DIGITS: usize = 4;

/// What one run says about the metric.
#[derive(Debug, Clone)]
pub struct Side {
    pub id: String,
    pub name: String,
    pub state: String,
    pub config: Value,
    pub final_value: Option<f64>,
    pub curve: Series,
}

impl Side {
    fn parse(node: &Value, run: &RunPath, metric: &str, spec: &Spec, server: &str) -> Result<Side> {
        let summary = summary::json_string_field(node, "summaryMetrics", server)?;
        let results = node.get("sampledHistory").cloned().unwrap_or(Value::Null);
        let curve = series::parse_all(std::slice::from_ref(spec), &results, server)?.remove(0);
        let final_value = summary
            .get(metric)
            .and_then(lenient_json::as_f64)
            .or(curve.points.last().map(|p| p.1));
        if final_value.is_none() {
            let history_keys = node.get("historyKeys").filter(|v| !v.is_null());
            let available = sampled::available_keys(history_keys).unwrap_or_default();
            return Err(AgentError::MissingKeys {
                message: format!(
                    "Run {} has no metric `{metric}`; available: {}",
                    run.run_id,
                    if available.is_empty() {
                        "none".into()
                    } else {
                        available.join(", ")
                    }
                ),
                missing: vec![metric.to_string()],
                available,
            });
        }
        Ok(Side {
            id: run.run_id.clone(),
            name: node
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            state: node
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            config: summary::clean_config(&summary::json_string_field(node, "config", server)?),
            final_value,
            curve,
        })
    }

    /// The best finite value on the sampled curve, and its step.
    pub fn best(&self, dir: &Direction) -> Option<(f64, u64)> {
        self.curve
            .points
            .iter()
            .filter(|(_, v)| v.is_finite())
            .fold(None, |acc: Option<(f64, u64)>, &(s, v)| match acc {
                Some((b, _)) if !dir.better(v, b) => acc,
                _ => Some((v, s)),
            })
    }
}

impl Run for Compare {
    fn run(self, client: &Client) -> Result<String> {
        let given: Vec<&String> = [&self.run_a, &self.run_b]
            .into_iter()
            .chain(&self.more)
            .collect();
        if given.len() > MAX_RUNS {
            return Err(AgentError::BadInput(format!(
                "compare takes 2 to {MAX_RUNS} runs, not {}",
                given.len()
            )));
        }
        let runs = given
            .iter()
            .map(|r| paths::parse_run_path(r))
            .collect::<Result<Vec<RunPath>>>()?;
        for (i, run) in runs.iter().enumerate() {
            if runs[..i].contains(run) {
                return Err(AgentError::BadInput(format!(
                    "run {} is given twice",
                    run.run_id
                )));
            }
        }
        compare(client, &runs, &self.metric, self.mode)
    }
}

/// Fetches `runs` in one request and renders them: side by side for two, a row each for more.
pub fn compare(
    client: &Client,
    runs: &[RunPath],
    metric: &str,
    mode: Option<Mode>,
) -> Result<String> {
    let metric = metric.trim();
    if metric.is_empty() {
        return Err(AgentError::BadInput(
            "no metric given: name one, e.g. `val_loss`".into(),
        ));
    }
    let dir = direction(metric, mode)?;
    let spec = Spec::of(metric, SAMPLES, None, None);
    let mut variables = json!({"specs": [spec.to_json()]});
    for (i, run) in runs.iter().enumerate() {
        variables[format!("e{i}")] = json!(run.entity);
        variables[format!("p{i}")] = json!(run.project);
        variables[format!("n{i}")] = json!(run.run_id);
    }
    let data = client.query(&documents::compare_runs(runs.len()), variables)?;
    let sides = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let alias = format!("r{i}");
            let wrapped = json!({"project": data.get(&alias).cloned().unwrap_or(Value::Null)});
            Side::parse(
                graphql::run_node(&wrapped, run)?,
                run,
                metric,
                &spec,
                client.server,
            )
        })
        .collect::<Result<Vec<Side>>>()?;
    Ok(match sides.as_slice() {
        [a, b] => render(a, b, metric, &dir),
        _ => render_many(&sides, metric, &dir),
    })
}

/// How two curves were correlated.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub r: f64,
    pub lo: u64,
    pub hi: u64,
    /// Steps both runs logged, when the correlation is over those.
    pub shared: Option<usize>,
    /// Otherwise: the finite points of each curve in the common range, interpolated onto a grid.
    pub interpolated_from: (usize, usize),
}

impl Correlation {
    pub fn describe(&self) -> String {
        let r = format_sig(self.r, DIGITS);
        let (lo, hi) = (self.lo, self.hi);
        match self.shared {
            Some(n) => format!("pearson r={r} over {n} steps both logged {lo}..{hi}"),
            None => format!(
                "pearson r={r} over {GRID_POINTS} steps {lo}..{hi} interpolated from {} and {} sampled values",
                self.interpolated_from.0, self.interpolated_from.1
            ),
        }
    }
}

/// Pearson correlation of two curves over the steps both logged; when they share fewer than
/// `MIN_SHARED_STEPS` (random server sampling rarely picks the same steps of long runs), over
/// both linearly interpolated on a common grid. `None` without a common step range.
pub fn correlation(a: &Series, b: &Series) -> Option<Correlation> {
    let finite = |s: &Series| -> Vec<(u64, f64)> {
        s.points
            .iter()
            .copied()
            .filter(|p| p.1.is_finite())
            .collect()
    };
    let (fa, fb) = (finite(a), finite(b));
    let lo = fa.first()?.0.max(fb.first()?.0);
    let hi = fa.last()?.0.min(fb.last()?.0);
    if hi <= lo {
        return None;
    }
    let shared: Vec<(u64, f64, f64)> = fa
        .iter()
        .filter_map(|&(step, x)| {
            let j = fb.binary_search_by_key(&step, |p| p.0).ok()?;
            Some((step, x, fb[j].1))
        })
        .collect();
    if shared.len() >= MIN_SHARED_STEPS {
        let xa: Vec<f64> = shared.iter().map(|p| p.1).collect();
        let xb: Vec<f64> = shared.iter().map(|p| p.2).collect();
        return pearson(&xa, &xb).map(|r| Correlation {
            r,
            lo: shared[0].0,
            hi: shared[shared.len() - 1].0,
            shared: Some(shared.len()),
            interpolated_from: (0, 0),
        });
    }
    let grid: Vec<f64> = (0..GRID_POINTS)
        .map(|i| lo as f64 + (hi - lo) as f64 * i as f64 / (GRID_POINTS - 1) as f64)
        .collect();
    let xa: Vec<f64> = grid.iter().map(|&s| interpolate(&fa, s)).collect();
    let xb: Vec<f64> = grid.iter().map(|&s| interpolate(&fb, s)).collect();
    let within = |pts: &[(u64, f64)]| pts.iter().filter(|p| (lo..=hi).contains(&p.0)).count();
    pearson(&xa, &xb).map(|r| Correlation {
        r,
        lo,
        hi,
        shared: None,
        interpolated_from: (within(&fa), within(&fb)),
    })
}

/// Linear interpolation of sorted finite points at `step` (clamped at the ends).
fn interpolate(points: &[(u64, f64)], step: f64) -> f64 {
    let i = points.partition_point(|p| (p.0 as f64) < step);
    if i == 0 {
        return points[0].1;
    }
    if i == points.len() {
        return points[points.len() - 1].1;
    }
    let (s0, v0) = points[i - 1];
    let (s1, v1) = points[i];
    v0 + (v1 - v0) * (step - s0 as f64) / (s1 - s0) as f64
}

pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

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
    let step = |x: Option<(f64, u64)>| x.map(|x| x.1.to_string()).unwrap_or_default();
    row([&format!("{metric}.best_step"), &step(ba), &step(bb), "", ""]);
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
        "# {verdict} on final {metric}: {}; {corr}; best and r from ≤{SAMPLES} sampled rows per run{more}\n",
        dir.describe()
    ));
    text
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
            best.map(|b| b.1.to_string()).unwrap_or_default(),
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
        "# {verdict}: {}; {curves}; {} runs, best and r from ≤{SAMPLES} sampled rows per run{more}\n",
        dir.describe(),
        sides.len()
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_and_interpolation() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(interpolate(&[(0, 0.0), (10, 10.0)], 2.5), 2.5);
        assert_eq!(interpolate(&[(0, 0.0), (10, 10.0)], 20.0), 10.0);
    }

    #[test]
    fn correlation_on_the_overlap() {
        let a = Series {
            points: (0..=100).map(|s| (s, s as f64)).collect(),
            complete: true,
        };
        let b = Series {
            points: (50..=300)
                .map(|s| (s, 2.0 * s as f64 + 1.0))
                .chain([(301, f64::NAN)])
                .collect(),
            complete: true,
        };
        let c = correlation(&a, &b).unwrap();
        assert!((c.r - 1.0).abs() < 1e-9);
        assert_eq!((c.lo, c.hi, c.shared), (50, 100, Some(51)));
        assert_eq!(
            c.describe(),
            "pearson r=1 over 51 steps both logged 50..100"
        );
        // Sampled at different steps: interpolated, and said so.
        let odd = Series {
            points: (0..=50).map(|i| (2 * i + 1, i as f64)).collect(),
            complete: false,
        };
        let even = Series {
            points: (0..=50).map(|i| (2 * i, i as f64)).collect(),
            complete: false,
        };
        let c = correlation(&odd, &even).unwrap();
        assert_eq!(c.shared, None);
        assert_eq!(c.interpolated_from, (50, 50));
        assert!(
            c.describe()
                .ends_with("over 200 steps 1..100 interpolated from 50 and 50 sampled values"),
            "{}",
            c.describe()
        );
        let c = Series {
            points: vec![(500, 1.0)],
            complete: true,
        };
        assert_eq!(correlation(&a, &c), None);
    }
}
