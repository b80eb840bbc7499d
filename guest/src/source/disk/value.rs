//! Values out of the log as the rest of the component sees them: `serde_json` values with
//! the W&B API's encoding of non-finite numbers (the strings `"NaN"`, `"Infinity"`,
//! `"-Infinity"`, see `source::wandb::lenient_json`), so a row read from disk and a row fetched from
//! W&B look the same to the analyses.

use super::records::{Item, Value};
use crate::source::wandb::lenient_json;
use serde_json::{Map, Value as Json};

impl Value<'_> {
    /// The value as JSON; JSON text that does not parse becomes a string of itself.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Json(text) => json_of(text),
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Number(x) => number(*x),
            Value::Text(t) => Json::String(t.to_string()),
        }
    }

    /// The value as a float when it is a number (non-finite ones included), without
    /// building JSON: the hot path of every history fold.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Json(text) => scalar(text),
            Value::Int(i) => Some(*i as f64),
            Value::Number(x) => Some(*x),
            Value::Bool(_) | Value::Null | Value::Text(_) => None,
        }
    }
}

/// Numbers as JSON numbers, the non-finite ones as W&B spells them.
pub fn number(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or_else(|| Json::String(non_finite(x).into()), Json::Number)
}

fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// A JSON text holding one number (the client's `1`, `0.25`, `1.79e+09`, `NaN`, `Infinity`).
fn scalar(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

/// Parses JSON text the client wrote (bare non-finite tokens included).
pub fn json_of(text: &str) -> Json {
    match scalar(text) {
        Some(x) if !x.is_finite() => number(x),
        _ => lenient_json::parse(text).unwrap_or_else(|_| Json::String(text.to_string())),
    }
}

/// Puts `value` at `path` in `map`, making objects on the way; a non-object in the way is
/// replaced (a later nested write wins, as in the client's own summary).
pub fn set_path(map: &mut Map<String, Json>, path: &[impl AsRef<str>], value: Json) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = map;
    for part in parents {
        let slot = here
            .entry(part.as_ref())
            .or_insert_with(|| Json::Object(Map::new()));
        if !slot.is_object() {
            *slot = Json::Object(Map::new());
        }
        let Json::Object(inner) = slot else { return };
        here = inner;
    }
    here.insert(last.as_ref().to_string(), value);
}

/// A history row as the W&B API returns one: `{"_step": 3, "loss": 0.2, "h": {"_type":
/// "histogram", "values": [...], "bins": [...]}}` (the client flattens media into nested keys).
pub fn row_json(items: &[Item<'_>]) -> Map<String, Json> {
    let mut row = Map::new();
    for item in items {
        let path: Vec<&str> = item.path.parts().collect();
        set_path(&mut row, &path, item.value.to_json());
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn json(text: &'static str) -> Value<'static> {
        Value::Json(Cow::Borrowed(text))
    }

    #[test]
    fn numbers_and_non_finite_as_the_api_spells_them() {
        assert_eq!(json("0.25").to_json(), serde_json::json!(0.25));
        assert_eq!(json("3").to_json(), serde_json::json!(3));
        assert_eq!(json("NaN").to_json(), serde_json::json!("NaN"));
        assert_eq!(json("-Infinity").to_json(), serde_json::json!("-Infinity"));
        assert!(json("NaN").as_f64().is_some_and(f64::is_nan));
        assert_eq!(json("Infinity").as_f64(), Some(f64::INFINITY));
        assert_eq!(
            json("1.7965818985855994e+09").as_f64(),
            Some(1.7965818985855994e9)
        );
        assert_eq!(json("\"adam\"").as_f64(), None);
        assert_eq!(Value::Number(f64::NAN).to_json(), serde_json::json!("NaN"));
        assert_eq!(Value::Int(-4).as_f64(), Some(-4.0));
    }

    #[test]
    fn nested_json_with_non_finite_inside() {
        assert_eq!(
            json("[1,NaN,-Infinity]").to_json(),
            serde_json::json!([1, "NaN", "-Infinity"])
        );
        assert_eq!(
            json("{\"a\": {\"b\": 1}}").to_json(),
            serde_json::json!({"a": {"b": 1}})
        );
        assert_eq!(json("not json").to_json(), serde_json::json!("not json"));
    }

    #[test]
    fn flattened_media_is_put_back_together() {
        let item = |path: &[&'static str], v: &'static str| Item {
            path: super::super::records::Path::of(path.iter().map(|p| Cow::Borrowed(*p))),
            value: json(v),
        };
        let row = row_json(&[
            item(&["_step"], "5"),
            item(&["h", "_type"], "\"histogram\""),
            item(&["h", "values"], "[1,2]"),
            item(&["h", "bins"], "[0,0.5,1]"),
        ]);
        assert_eq!(
            Json::Object(row),
            serde_json::json!({"_step": 5, "h": {"_type": "histogram", "values": [1, 2], "bins": [0, 0.5, 1]}})
        );
    }
}
