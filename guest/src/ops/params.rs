//! `params`: which hyperparameters matter. The config and final summary of the newest
//! matching runs come in one request per page (200 runs); each config key whose value varies
//! is related to the metric — rank correlation for numbers, correlation ratio for categories —
//! and the table is sorted by that strength.

use std::collections::BTreeMap;

use serde_json::Value;

use wandb_agent_commands::Params;

use crate::analysis::correlation::pearson;
use crate::analysis::direction::{direction, Direction};
use crate::analysis::{binned, config_diff};
use crate::error::{AgentError, Result};
use crate::model::paths::{self, ProjectPath};
use crate::model::{
    as_f64, check_limit, page_size, ListOptions, RunRow, RunsQuery, RunsWith, MAX_LIMIT,
};
use crate::ops::{Context, Run};
use crate::text::clean;
use crate::text::numfmt::format_sig;

pub const DEFAULT_LAST: u32 = 100;
/// Rows of the table; weaker keys are counted in the `#` line.
const MAX_KEYS: usize = 20;
/// Category values shown per key (the best ones by mean); the rest are counted.
const MAX_VALUES: usize = 6;
const DIGITS: usize = 3;
/// How much eta over binned values must exceed |rho| for a number's effect to be read as
/// non-monotone (binning loses a little of a monotone relation, so it must be clearly more).
const NON_MONOTONE_MARGIN: f64 = 0.1;

impl Run for Params {
    fn run(self, cx: &Context) -> Result<String> {
        let project = paths::parse_project_path(&self.project, cx.default_entity)?;
        let metric = self.metric.trim();
        if metric.is_empty() {
            return Err(AgentError::BadInput(
                "no metric given: name one, e.g. `val_loss`".into(),
            ));
        }
        let last = self.last.unwrap_or(DEFAULT_LAST);
        check_limit("last", last, MAX_LIMIT)?;
        let dir = direction(metric, self.mode)?;
        let options = ListOptions {
            limit: last,
            include_crashed: self.include_crashed,
            include_short: self.include_short,
            filter: self.filter,
        };
        let runs = fetch(cx, &project, &options, metric)?;
        render(&runs, metric, &dir)
    }
}

/// One run as the table sees it: its flattened config and the metric's final value.
struct Sample {
    row: RunRow,
    config: BTreeMap<String, Value>,
    value: Option<f64>,
}

struct Fetched {
    samples: Vec<Sample>,
    short: usize,
}

fn fetch(
    cx: &Context,
    project: &ProjectPath,
    options: &ListOptions,
    metric: &str,
) -> Result<Fetched> {
    let query = RunsQuery {
        options,
        per_page: page_size(options.limit),
        count_hidden: true,
        with: RunsWith::Values,
    };
    let mut samples = Vec::new();
    let mut short = 0;
    cx.source.runs(project, &query, &mut |listed| {
        let row = listed.row?;
        if row.is_short() && !options.include_short {
            short += 1;
            return Ok(true);
        }
        let config = clean::clean_config(&listed.config?);
        let metrics = listed.summary?;
        let value = metrics
            .get(metric)
            .and_then(as_f64)
            .filter(|v| v.is_finite());
        samples.push(Sample {
            row,
            config: config_diff::flatten(&config),
            value,
        });
        Ok((samples.len() as u32) < options.limit)
    })?;
    Ok(Fetched { samples, short })
}

/// How one key relates to the metric.
struct Relation {
    key: String,
    kind: &'static str,
    strength: f64,
    effect: String,
}

fn render(fetched: &Fetched, metric: &str, dir: &Direction) -> Result<String> {
    let used: Vec<&Sample> = fetched
        .samples
        .iter()
        .filter(|s| s.value.is_some())
        .collect();
    let skipped: Vec<&str> = fetched
        .samples
        .iter()
        .filter(|s| s.value.is_none())
        .map(|s| s.row.id.as_str())
        .collect();
    let best = dir
        .best_by(used.iter().copied(), |s| s.value)
        .ok_or_else(|| {
            AgentError::NotFound(format!(
                "none of the {} runs looked at has a finite final `{metric}`",
                fetched.samples.len()
            ))
        })?;
    let keys: std::collections::BTreeSet<&String> =
        used.iter().flat_map(|s| s.config.keys()).collect();
    let mut relations = Vec::new();
    let mut constant = 0;
    for key in keys {
        match relate(key, &used) {
            Some(r) => relations.push(r),
            None => constant += 1,
        }
    }
    relations.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.key.cmp(&b.key)));
    let left_out = relations.len().saturating_sub(MAX_KEYS);
    relations.truncate(MAX_KEYS);

    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let best_value = format_sig(best.value.unwrap_or(f64::NAN), 4);
    let _ = out.write_record(["best", &best.row.id, &best.row.name, &best_value]);
    let _ = out.write_record(["key", "kind", "strength", "effect", "best"]);
    for r in &relations {
        let _ = out.write_record([
            r.key.as_str(),
            r.kind,
            &format!("{:.2}", r.strength),
            &r.effect,
            &best.config.get(&r.key).map(show).unwrap_or_default(),
        ]);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let mut notes = vec![format!(
        "{} of {} runs used; {}",
        used.len(),
        fetched.samples.len(),
        dir.describe()
    )];
    if !skipped.is_empty() {
        notes.push(format!(
            "skipped (no finite {metric}): {}",
            crate::text::id_list(&skipped)
        ));
    }
    if fetched.short > 0 {
        notes.push(format!("{} short runs skipped", fetched.short));
    }
    notes.push(format!(
        "strength = |Spearman rho| for numbers (eta over binned values when clearly larger: not monotone, mean per bin shown), eta for categories; below {:.2} (2/sqrt(n)) it is within noise",
        2.0 / (used.len() as f64).sqrt()
    ));
    if constant > 0 {
        notes.push(format!("{constant} keys are the same in every run"));
    }
    if left_out > 0 {
        notes.push(format!("{left_out} weaker keys not shown"));
    }
    text.push_str(&format!("# {}\n", notes.join("; ")));
    Ok(text)
}

/// A config value in the table: numbers compact, text as is, the rest as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::Number(_) => value
            .as_f64()
            .map(|x| format_sig(x, DIGITS))
            .unwrap_or_else(|| value.to_string()),
        Value::String(s) => clean::shorten(s),
        other => clean::shorten(&other.to_string()),
    }
}

/// The key's relation to the metric over the runs that have both; `None` when it does not
/// vary (or fewer than 3 runs have it).
fn relate(key: &str, runs: &[&Sample]) -> Option<Relation> {
    let pairs: Vec<(&Value, f64)> = runs
        .iter()
        .filter_map(|s| Some((s.config.get(key)?, s.value?)))
        .filter(|(v, _)| !v.is_null())
        .collect();
    if pairs.len() < 3 {
        return None;
    }
    let distinct: std::collections::BTreeSet<String> =
        pairs.iter().map(|(v, _)| v.to_string()).collect();
    if distinct.len() < 2 {
        return None;
    }
    let metric: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let numbers: Option<Vec<f64>> = pairs.iter().map(|(v, _)| v.as_f64()).collect();
    if let Some(xs) = numbers {
        let rho = pearson(&ranks(&xs), &ranks(&metric))?;
        // A shape the rank correlation misses (best in the middle): eta over binned values.
        if let Some(b) = binned::binned(&xs, &metric)
            .filter(|b| b.beyond_noise && b.eta >= rho.abs() + NON_MONOTONE_MARGIN)
        {
            return Some(Relation {
                key: key.to_string(),
                kind: "num",
                strength: b.eta,
                effect: non_monotone(&b, rho),
            });
        }
        let (lo, hi) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                (l.min(x), h.max(x))
            });
        return Some(Relation {
            key: key.to_string(),
            kind: "num",
            strength: rho.abs(),
            effect: format!(
                "rho={rho:+.2} {}..{}",
                format_sig(lo, DIGITS),
                format_sig(hi, DIGITS)
            ),
        });
    }
    // Categories: the metric's mean per value, and eta = sqrt(between-group / total variance).
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (v, m) in &pairs {
        groups.entry(show(v)).or_default().push(*m);
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let grand = mean(&metric);
    let total: f64 = metric.iter().map(|m| (m - grand).powi(2)).sum();
    let between: f64 = groups
        .values()
        .map(|g| g.len() as f64 * (mean(g) - grand).powi(2))
        .sum();
    let eta = if total > 0.0 {
        (between / total).sqrt()
    } else {
        0.0
    };
    let mut means: Vec<(String, f64, usize)> = groups
        .iter()
        .map(|(v, g)| (v.clone(), mean(g), g.len()))
        .collect();
    means.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut effect = means
        .iter()
        .take(MAX_VALUES)
        .map(|(v, m, n)| format!("{v}={} (n={n})", format_sig(*m, DIGITS)))
        .collect::<Vec<_>>()
        .join(" ");
    if means.len() > MAX_VALUES {
        effect.push_str(&format!(" +{} more values", means.len() - MAX_VALUES));
    }
    Some(Relation {
        key: key.to_string(),
        kind: "cat",
        strength: eta,
        effect,
    })
}

/// A non-monotone effect: eta beside rho, then the metric's mean per bin in the parameter's
/// order (`1e-5..3e-5=0.71 (n=10)`), so the shape reads left to right.
fn non_monotone(b: &binned::Binned, rho: f64) -> String {
    let bins: Vec<String> = b
        .bins
        .iter()
        .map(|bin| {
            let values = if bin.lo == bin.hi {
                format_sig(bin.lo, DIGITS)
            } else {
                format!(
                    "{}..{}",
                    format_sig(bin.lo, DIGITS),
                    format_sig(bin.hi, DIGITS)
                )
            };
            format!("{values}={} (n={})", format_sig(bin.mean, DIGITS), bin.n)
        })
        .collect();
    format!("eta={:.2} rho={rho:+.2} {}", b.eta, bins.join(" "))
}

/// Ranks 1..n with ties given their average rank (for Spearman's rho).
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut ranks = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(config: Value, value: Option<f64>) -> Sample {
        let flat = config_diff::flatten(&config);
        Sample {
            row: RunRow {
                id: "abcd1234".into(),
                name: "n".into(),
                state: "finished".into(),
                created_at: String::new(),
                runtime_s: None,
                steps: None,
                exitcode: None,
            },
            config: flat,
            value,
        }
    }

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
    }

    #[test]
    fn a_monotone_key_is_strong_and_an_unrelated_one_is_weak() {
        let runs: Vec<Sample> = (0..40)
            .map(|i| {
                let lr = 1e-5 * (i as f64 + 1.0);
                let batch = [32, 64, 128, 256][(i * 7) % 4];
                let opt = if i % 2 == 0 { "sgd" } else { "adamw" };
                let loss = 1.0 - i as f64 * 0.01 + if opt == "sgd" { 0.0 } else { 0.001 };
                sample(
                    json!({"lr": lr, "batch_size": batch, "optimizer": {"name": opt}, "seed": 1}),
                    Some(loss),
                )
            })
            .collect();
        let refs: Vec<&Sample> = runs.iter().collect();
        let lr = relate("lr", &refs).unwrap();
        assert_eq!(lr.kind, "num");
        assert!(lr.strength > 0.99, "{}", lr.strength);
        assert_eq!(lr.effect, "rho=-1.00 1e-5..4e-4");
        assert!(relate("batch_size", &refs).unwrap().strength < 0.3);
        let opt = relate("optimizer.name", &refs).unwrap();
        assert_eq!(opt.kind, "cat");
        assert!(
            opt.effect.contains("sgd=") && opt.effect.contains("(n=20)"),
            "{}",
            opt.effect
        );
        assert!(
            relate("seed", &refs).is_none(),
            "a constant key is no relation"
        );
    }

    #[test]
    fn a_u_shaped_number_is_read_by_its_bins() {
        let runs: Vec<Sample> = (0..60)
            .map(|i| {
                let lr = 10f64.powf(-5.0 + 3.0 * ((i * 37) % 60) as f64 / 59.0);
                let d = lr.log10() - 3e-4f64.log10();
                let noise = ((i as f64 * 0.618).fract() - 0.5) * 0.01;
                sample(json!({"lr": lr}), Some(0.4 + 0.1 * d * d + noise))
            })
            .collect();
        let refs: Vec<&Sample> = runs.iter().collect();
        let lr = relate("lr", &refs).unwrap();
        assert_eq!(lr.kind, "num");
        assert!(lr.strength > 0.9, "{}", lr.strength);
        assert!(lr.effect.starts_with("eta=0.9"), "{}", lr.effect);
        assert!(
            lr.effect.contains(" rho=") && lr.effect.contains("(n="),
            "{}",
            lr.effect
        );
        assert!(!lr.effect.contains(','), "one CSV cell: {}", lr.effect);
    }

    #[test]
    fn runs_without_the_metric_are_skipped_and_named() {
        let runs = Fetched {
            samples: vec![
                sample(json!({"lr": 0.1}), Some(1.0)),
                sample(json!({"lr": 0.2}), Some(0.5)),
                sample(json!({"lr": 0.3}), Some(0.2)),
                sample(json!({"lr": 0.4}), None),
            ],
            short: 1,
        };
        let dir = direction("val_loss", None).unwrap();
        let text = render(&runs, "val_loss", &dir).unwrap();
        assert!(text.starts_with("best,abcd1234,n,0.2\nkey,kind,strength,effect,best\nlr,num,1.00,rho=-1.00 0.1..0.3,0.3\n"), "{text}");
        assert!(text.contains("# 3 of 4 runs used;"), "{text}");
        assert!(
            text.contains("skipped (no finite val_loss): abcd1234; 1 short runs skipped"),
            "{text}"
        );
    }
}
