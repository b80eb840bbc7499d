//! The subset of W&B's MongoDB-style run filters and orders that the official client sends
//! (docs/wandb-wire.md, "Documents").

use std::cmp::Ordering;

use regex::Regex;
use serde_json::Value;

use crate::model::run::Run;

/// The value a filter or order key refers to for a run (`None` when absent).
pub fn field(run: &Run, key: &str) -> Option<Value> {
    if let Some(rest) = key.strip_prefix("config.") {
        // Config is stored as {value, desc}: `config.k`, `config.k.value` and, for a nested
        // value, `config.k.value.inner` all name it.
        let rest = rest.strip_suffix(".value").unwrap_or(rest);
        let path = match rest.split_once(".value.") {
            Some((top, inner)) if !top.contains('.') => format!("{top}.{inner}"),
            _ => rest.to_string(),
        };
        return lookup(&run.config, &path);
    }
    if let Some(rest) = key.strip_prefix("summary_metrics.") {
        return lookup(&run.summary_value(), rest);
    }
    let v = match key {
        "state" => Value::from(run.state.clone()),
        "name" => Value::from(run.id.clone()),
        "displayName" | "display_name" => Value::from(run.display_name.clone()),
        "createdAt" | "created_at" => Value::from(run.created_at.clone()),
        "heartbeatAt" | "heartbeat_at" => Value::from(run.heartbeat_at.clone()),
        "duration" => Value::from(run.runtime_s),
        "group" => run.group.clone().map_or(Value::Null, Value::from),
        "jobType" => run.job_type.clone().map_or(Value::Null, Value::from),
        "sweep" => run.sweep.clone().map_or(Value::Null, Value::from),
        "tags" => Value::from(run.tags.clone()),
        "username" => Value::from(run.username.clone()),
        "host" => Value::from("demo-host"),
        _ => return None,
    };
    Some(v)
}

/// Whether `key` names something [`field`] knows (config and summary paths always do).
fn is_field(key: &str) -> bool {
    key.starts_with("config.")
        || key.starts_with("summary_metrics.")
        || matches!(
            key,
            "state"
                | "name"
                | "displayName"
                | "display_name"
                | "createdAt"
                | "created_at"
                | "heartbeatAt"
                | "heartbeat_at"
                | "duration"
                | "group"
                | "jobType"
                | "sweep"
                | "tags"
                | "username"
                | "host"
        )
}

/// A dotted path into nested JSON; a key containing dots is also tried whole.
fn lookup(root: &Value, path: &str) -> Option<Value> {
    if let Some(v) = root.get(path) {
        return Some(v.clone());
    }
    let mut cur = root;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur.clone())
}

#[derive(Debug)]
pub struct FilterError(pub String);

/// Whether `run` satisfies `filter` (an object of field conditions and `$and/$or/$nor`).
pub fn matches(filter: &Value, run: &Run) -> Result<bool, FilterError> {
    let Value::Object(map) = filter else {
        return Err(FilterError(format!(
            "filters must be an object, got {filter}"
        )));
    };
    for (key, cond) in map {
        let ok = match key.as_str() {
            "$and" => all_of(cond, run)?.iter().all(|b| *b),
            "$or" => all_of(cond, run)?.iter().any(|b| *b),
            "$nor" => !all_of(cond, run)?.iter().any(|b| *b),
            k if k.starts_with('$') => return Err(FilterError(format!("unknown operator {k}"))),
            k if !is_field(k) => {
                // W&B has more fields than the emulator; an unknown one is an error here,
                // never a filter that silently matches everything (or nothing).
                return Err(FilterError(format!("unsupported filter field {k}")));
            }
            k => condition(field(run, k).as_ref(), cond)?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn all_of(list: &Value, run: &Run) -> Result<Vec<bool>, FilterError> {
    let items = list
        .as_array()
        .ok_or_else(|| FilterError(format!("$and/$or/$nor take a list, got {list}")))?;
    items.iter().map(|f| matches(f, run)).collect()
}

fn condition(actual: Option<&Value>, cond: &Value) -> Result<bool, FilterError> {
    let Value::Object(ops) = cond else {
        return Ok(equals(actual, cond));
    };
    if !ops.keys().all(|k| k.starts_with('$')) {
        return Ok(equals(actual, cond));
    }
    for (op, arg) in ops {
        let ok = match op.as_str() {
            "$eq" => equals(actual, arg),
            "$ne" => !equals(actual, arg),
            "$gt" => compare(actual, arg) == Some(Ordering::Greater),
            "$gte" => matches!(
                compare(actual, arg),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            "$lt" => compare(actual, arg) == Some(Ordering::Less),
            "$lte" => matches!(compare(actual, arg), Some(Ordering::Less | Ordering::Equal)),
            "$in" => list(arg)?.iter().any(|x| equals(actual, x)),
            "$nin" => !list(arg)?.iter().any(|x| equals(actual, x)),
            "$exists" => actual.is_some_and(|v| !v.is_null()) == arg.as_bool().unwrap_or(true),
            "$regex" => {
                let pattern = arg
                    .as_str()
                    .ok_or_else(|| FilterError("$regex takes a string".into()))?;
                let re =
                    Regex::new(pattern).map_err(|e| FilterError(format!("bad $regex: {e}")))?;
                actual
                    .and_then(Value::as_str)
                    .is_some_and(|s| re.is_match(s))
            }
            other => return Err(FilterError(format!("unknown operator {other}"))),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn list(arg: &Value) -> Result<&Vec<Value>, FilterError> {
    arg.as_array()
        .ok_or_else(|| FilterError(format!("$in/$nin take a list, got {arg}")))
}

/// Equality; a list field (tags) equals a value it contains, as in MongoDB.
fn equals(actual: Option<&Value>, expected: &Value) -> bool {
    match actual {
        None => expected.is_null(),
        Some(Value::Array(items)) if !expected.is_array() => items.contains(expected),
        Some(Value::Number(a)) => expected.as_f64().is_some_and(|e| a.as_f64() == Some(e)),
        Some(v) => v == expected,
    }
}

fn compare(actual: Option<&Value>, other: &Value) -> Option<Ordering> {
    match (actual?, other) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Sorts runs by an order string such as `-created_at` or `+summary_metrics.loss`.
/// Runs lacking the key sort last either way.
pub fn sort(runs: &mut [&Run], order: &str) {
    let (descending, key) = match order.as_bytes().first() {
        Some(b'-') => (true, &order[1..]),
        Some(b'+') => (false, &order[1..]),
        _ => (false, order),
    };
    let key = match key {
        "created_at" => "createdAt",
        "heartbeat_at" => "heartbeatAt",
        other => other,
    };
    runs.sort_by(|a, b| {
        let (va, vb) = (field(a, key), field(b, key));
        match (&va, &vb) {
            (Some(x), Some(y)) if !x.is_null() && !y.is_null() => {
                let ord = compare(Some(x), y).unwrap_or(Ordering::Equal);
                if descending {
                    ord.reverse()
                } else {
                    ord
                }
            }
            (Some(x), _) if !x.is_null() => Ordering::Less,
            (_, Some(y)) if !y.is_null() => Ordering::Greater,
            _ => Ordering::Equal,
        }
    });
}
