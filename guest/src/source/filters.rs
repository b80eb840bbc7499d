//! Run filters as the server evaluates them: the MongoDB-style `filters` JSON of the runs
//! query (docs/wandb-wire.md, "Run filters"), built from a [`RunFilter`]. Every mistake in a
//! flag is caught here, before a request, with a message that points at the bad part.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{json, Value};
use wandb_agent_commands::RunFilter;

use crate::error::{AgentError, Result};

/// The run states W&B reports.
pub const STATES: &[&str] = &[
    "running",
    "finished",
    "crashed",
    "failed",
    "killed",
    "preempted",
    "preempting",
    "pending",
];

/// The server-side filter for `filter`; `hide_crashed` adds "not crashed" unless the filter
/// names states itself. `now_unix` anchors `since` spans such as `7d`.
pub fn to_json(filter: &RunFilter, hide_crashed: bool, now_unix: i64) -> Result<Value> {
    let mut clauses = Vec::new();
    if filter.state.is_empty() {
        if hide_crashed {
            clauses.push(json!({"state": {"$ne": "crashed"}}));
        }
    } else {
        for state in &filter.state {
            if !STATES.contains(&state.as_str()) {
                return Err(AgentError::BadInput(format!(
                    "unknown state `{state}`: one of {}",
                    STATES.join(", ")
                )));
            }
        }
        clauses.push(json!({"state": {"$in": filter.state}}));
    }
    for tag in &filter.tag {
        clauses.push(json!({"tags": {"$in": [tag]}}));
    }
    let mut exact = |field: &str, value: &Option<String>| {
        if let Some(v) = value {
            clauses.push(json!({ field: v }));
        }
    };
    exact("group", &filter.group);
    exact("jobType", &filter.job_type);
    exact("sweep", &filter.sweep);
    if let Some(pattern) = &filter.name {
        regex_lite::Regex::new(pattern).map_err(|e| {
            AgentError::BadInput(format!("name `{pattern}` is not a regular expression: {e}"))
        })?;
        clauses.push(json!({"display_name": {"$regex": pattern}}));
    }
    if let Some(since) = &filter.since {
        let start = since_time(since, now_unix)?;
        clauses.push(json!({"createdAt": {"$gte": start}}));
    }
    for expr in &filter.conditions {
        clauses.push(condition(expr)?);
    }
    Ok(match clauses.len() {
        0 => json!({}),
        1 => clauses.remove(0),
        _ => json!({ "$and": clauses }),
    })
}

/// `since` as the W&B timestamp it means: a span back from `now_unix` (`30m`, `12h`, `7d`,
/// `2w`) or a UTC date or time.
pub fn since_time(text: &str, now_unix: i64) -> Result<String> {
    let format = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let t = text.trim();
    let bad = || {
        AgentError::BadInput(format!(
            "since `{text}`: write a span back from now (30m, 12h, 7d, 2w) or a date (2026-11-01, 2026-11-01T08:00:00)"
        ))
    };
    if let Some(unit) = t.chars().last().filter(char::is_ascii_alphabetic) {
        let count: i64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
        let seconds = match unit {
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let start =
            DateTime::from_timestamp(now_unix - count.max(0) * seconds, 0).ok_or_else(bad)?;
        return Ok(format(start.naive_utc()));
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(format(date.and_hms_opt(0, 0, 0).ok_or_else(bad)?));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .map(format)
        .map_err(|_| bad())
}

/// The comparison operators of `--where`, longest first so `<=` is not read as `<`.
const OPERATORS: &[(&str, Option<&str>)] = &[
    ("<=", Some("$lte")),
    (">=", Some("$gte")),
    ("!=", Some("$ne")),
    ("==", None),
    ("<", Some("$lt")),
    (">", Some("$gt")),
    ("=", None),
];

/// One `--where` expression: `config.PATH OP VALUE` or `summary.PATH OP VALUE`.
pub fn condition(expr: &str) -> Result<Value> {
    let bad = |why: &str| AgentError::BadInput(format!("--where `{expr}`: {why}"));
    let at = expr.find(['<', '>', '=', '!']).ok_or_else(|| {
        bad("no comparison; write e.g. config.lr<1e-3 (operators = != < <= > >=)")
    })?;
    let (path, rest) = expr.split_at(at);
    let (op, mongo) = OPERATORS
        .iter()
        .find(|(op, _)| rest.starts_with(op))
        .ok_or_else(|| {
            bad(&format!(
                "`{}` is not an operator (= != < <= > >=)",
                &rest[..1]
            ))
        })?;
    let raw = rest[op.len()..].trim();
    if let Some(next) = raw.chars().next().filter(|c| "<>=!".contains(*c)) {
        return Err(bad(&format!(
            "`{op}{next}` is not an operator (= != < <= > >=)"
        )));
    }
    if raw.is_empty() {
        return Err(bad(&format!("nothing to compare with after `{op}`")));
    }
    let field = field_of(path.trim()).map_err(|why| bad(&why))?;
    let value = value_of(raw);
    // Bare text holding a comparison or a space is almost always two conditions in one
    // (`config.lr<1e-3 and summary.loss<1`): compared as one text value it would silently
    // match nothing.
    if value.as_str() == Some(raw) && raw.contains(['<', '>', '=', '!', ' ', '\t']) {
        return Err(bad(&format!(
            "`{raw}` is not one value: give each condition its own --where (all must hold), and quote text with spaces"
        )));
    }
    if mongo.is_some_and(|m| m != "$ne") && !(value.is_number() || value.is_string()) {
        return Err(bad(&format!(
            "`{op}` compares numbers or text, not `{raw}`"
        )));
    }
    Ok(match mongo {
        None => json!({ field: value }),
        Some(m) => json!({ field: { *m: value } }),
    })
}

/// The server's name for a `--where`/`--columns` path: config values are stored wrapped as
/// `{"value": v, "desc": d}`, so `config.a.b` is `config.a.value.b`; summary metrics are
/// `summary_metrics.<key>`.
pub fn field_of(path: &str) -> std::result::Result<String, String> {
    let (root, rest) = path
        .split_once('.')
        .ok_or_else(|| format!("`{path}` must start with config. or summary. (e.g. config.lr)"))?;
    if rest.is_empty() || rest.split('.').any(str::is_empty) {
        return Err(format!("`{path}` has an empty key"));
    }
    match root {
        "config" => Ok(match rest.split_once('.') {
            Some((top, inner)) => format!("config.{top}.value.{inner}"),
            None => format!("config.{rest}.value"),
        }),
        "summary" | "summary_metrics" => Ok(format!("summary_metrics.{rest}")),
        _ => Err(format!(
            "`{path}` must start with config. or summary. (e.g. config.lr)"
        )),
    }
}

/// A `--where` value: a number, `true`/`false`/`null`, quoted text, or bare text.
fn value_of(raw: &str) -> Value {
    for quote in ['"', '\''] {
        if raw.len() >= 2 && raw.starts_with(quote) && raw.ends_with(quote) {
            return Value::from(&raw[1..raw.len() - 1]);
        }
    }
    match raw {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Value::from(n);
    }
    match raw.parse::<f64>() {
        Ok(x) if x.is_finite() => json!(x),
        _ => Value::from(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_083_200; // 2026-12-01T00:00:00

    fn filter() -> RunFilter {
        RunFilter::default()
    }

    #[test]
    fn nothing_asked_is_the_default_listing() {
        assert_eq!(to_json(&filter(), false, NOW).unwrap(), json!({}));
        assert_eq!(
            to_json(&filter(), true, NOW).unwrap(),
            json!({"state": {"$ne": "crashed"}})
        );
    }

    #[test]
    fn every_flag_becomes_one_clause() {
        let f = RunFilter {
            state: vec!["crashed".into(), "failed".into()],
            tag: vec!["sweep".into(), "long".into()],
            group: Some("g".into()),
            job_type: Some("train".into()),
            sweep: Some("swp1".into()),
            name: Some("^trial-0".into()),
            since: Some("7d".into()),
            conditions: vec!["config.lr<1e-3".into(), "summary.val_loss<=0.4".into()],
        };
        assert_eq!(
            to_json(&f, true, NOW).unwrap(),
            json!({"$and": [
                {"state": {"$in": ["crashed", "failed"]}},
                {"tags": {"$in": ["sweep"]}},
                {"tags": {"$in": ["long"]}},
                {"group": "g"},
                {"jobType": "train"},
                {"sweep": "swp1"},
                {"display_name": {"$regex": "^trial-0"}},
                {"createdAt": {"$gte": "2026-11-24T00:00:00"}},
                {"config.lr.value": {"$lt": 0.001}},
                {"summary_metrics.val_loss": {"$lte": 0.4}},
            ]})
        );
    }

    #[test]
    fn where_expressions() {
        let c = |e: &str| condition(e).unwrap();
        assert_eq!(
            c("config.optimizer=adamw"),
            json!({"config.optimizer.value": "adamw"})
        );
        assert_eq!(
            c("config.optimizer == 'adamw'"),
            json!({"config.optimizer.value": "adamw"})
        );
        assert_eq!(
            c("config.model.depth!=18"),
            json!({"config.model.value.depth": {"$ne": 18}})
        );
        assert_eq!(
            c("summary.eval/loss>=2"),
            json!({"summary_metrics.eval/loss": {"$gte": 2}})
        );
        assert_eq!(
            c("config.tag=\"1e-3\""),
            json!({"config.tag.value": "1e-3"})
        );
        assert_eq!(
            c("config.augment=true"),
            json!({"config.augment.value": true})
        );
    }

    #[test]
    fn bad_expressions_point_at_the_bad_part() {
        let e = |x: &str| condition(x).unwrap_err().to_string();
        assert!(
            e("lr<1e-3").contains("`lr` must start with config. or summary."),
            "{}",
            e("lr<1e-3")
        );
        assert!(e("config.lr 0.1").contains("no comparison"));
        assert!(e("config.lr<").contains("nothing to compare with after `<`"));
        assert!(e("config.lr!0.1").contains("`!` is not an operator"));
        assert!(e("config.lr=>1").contains("`=>` is not an operator"));
        assert!(e("config..lr=1").contains("empty key"));
        assert!(e("config.lr<true").contains("compares numbers or text"));
        assert!(e("params.lr=1").contains("must start with config."));
        let two = e("config.lr<1e-3 and summary.val_loss<=0.6");
        assert!(
            two.contains("`1e-3 and summary.val_loss<=0.6` is not one value"),
            "{two}"
        );
        assert!(e("config.name=my run").contains("is not one value"));
        assert_eq!(
            condition("config.name='my run'").unwrap(),
            json!({"config.name.value": "my run"})
        );
    }

    #[test]
    fn since_takes_spans_and_dates() {
        assert_eq!(since_time("12h", NOW).unwrap(), "2026-11-30T12:00:00");
        assert_eq!(since_time("2w", NOW).unwrap(), "2026-11-17T00:00:00");
        assert_eq!(
            since_time("2026-11-01", NOW).unwrap(),
            "2026-11-01T00:00:00"
        );
        assert_eq!(
            since_time("2026-11-01T08:30:00", NOW).unwrap(),
            "2026-11-01T08:30:00"
        );
        for bad in ["7y", "yesterday", "2026-13-01", "d"] {
            assert!(since_time(bad, NOW).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_states_and_names_are_refused_before_any_request() {
        let f = RunFilter {
            state: vec!["finshed".into()],
            ..filter()
        };
        assert!(to_json(&f, true, NOW)
            .unwrap_err()
            .to_string()
            .contains("unknown state `finshed`"));
        let f = RunFilter {
            name: Some("(".into()),
            ..filter()
        };
        assert!(to_json(&f, true, NOW)
            .unwrap_err()
            .to_string()
            .contains("not a regular expression"));
    }
}
