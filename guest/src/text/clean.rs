//! A run's config and summary for output: W&B's own keys and wrappers removed, values
//! compacted (rounded floats, placeholders for bulky ones, long strings cut).

use serde_json::{Map, Value};

use crate::text::numfmt::{round_sig, SUMMARY_DIGITS};

/// Lists longer than this are replaced by a placeholder ("<list of 1000>").
pub const MAX_LIST_ITEMS: usize = 16;
/// Strings longer than this are cut ("…" plus the number of characters dropped).
pub const MAX_STRING_CHARS: usize = 120;

/// A value by its top-level key, else by its dotted path (`optimizer.name`): keys such as
/// `eval/loss` or `val/acc, top-5 (%)` are found whole first.
pub fn value_at<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        let mut parts = key.split('.');
        let first = map.get(parts.next()?)?;
        parts.try_fold(first, |v, part| v.get(part))
    })
}

/// A run's config, unwrapped from `{"value","desc"}`, without W&B's own keys, compacted.
pub fn clean_config(config: &Value) -> Value {
    clean_top_level(config, true)
}

/// A run's summary metrics without W&B's own keys, compacted.
pub fn clean_summary(summary: &Value) -> Value {
    clean_top_level(summary, false)
}

/// Keys W&B adds for its own bookkeeping: `_wandb` and `wandb_version` in the config, `_step`,
/// `_runtime`, `_timestamp`, `_wandb` in the summary. Other `_` keys of a config are the
/// user's (the Trainer's model config has `_name_or_path`, the model's name).
fn is_internal_key(key: &str, config: bool) -> bool {
    key.starts_with("wandb")
        || if config {
            key.starts_with("_wandb")
        } else {
            key.starts_with('_')
        }
}

fn clean_top_level(value: &Value, unwrap_config: bool) -> Value {
    let Value::Object(map) = value else {
        return Value::Object(Map::new());
    };
    let cleaned = map
        .iter()
        .filter(|(k, _)| !is_internal_key(k, unwrap_config))
        .map(|(k, v)| {
            let v = if unwrap_config {
                unwrap_config_value(v)
            } else {
                v
            };
            (k.clone(), compact(v))
        })
        .collect();
    Value::Object(cleaned)
}

/// W&B stores each config entry as `{"value": v, "desc": d}`; the client unwraps it.
fn unwrap_config_value(v: &Value) -> &Value {
    match v {
        Value::Object(m) if m.contains_key("value") => &m["value"],
        other => other,
    }
}

/// Rounds floats, keeps non-finite markers, shrinks bulky values to placeholders.
fn compact(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = round_sig(n.as_f64().unwrap_or(f64::NAN), SUMMARY_DIGITS);
            // `100.0` costs more tokens than `100` and says nothing more.
            if x.fract() == 0.0 && x.abs() < 1e15 {
                Value::from(x as i64)
            } else {
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
        }
        Value::String(s) => Value::String(shorten(s)),
        Value::Array(items) if items.len() > MAX_LIST_ITEMS => {
            Value::String(format!("<list of {}>", items.len()))
        }
        Value::Array(items) => Value::Array(items.iter().map(compact).collect()),
        Value::Object(m) => match m.get("_type").and_then(Value::as_str) {
            Some(kind) => Value::String(format!("<{}>", kind.trim_end_matches("-file"))),
            None => Value::Object(m.iter().map(|(k, v)| (k.clone(), compact(v))).collect()),
        },
        other => other.clone(),
    }
}

pub fn shorten(s: &str) -> String {
    let count = s.chars().count();
    if count <= MAX_STRING_CHARS {
        return s.to_string();
    }
    let kept: String = s.chars().take(MAX_STRING_CHARS).collect();
    format!("{kept}…(+{} chars)", count - MAX_STRING_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut_and_say_so() {
        let s = "x".repeat(130);
        assert_eq!(shorten(&s), format!("{}…(+10 chars)", "x".repeat(120)));
    }
}
