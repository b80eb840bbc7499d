//! Non-finite floats in JSON text. The SDK writes a run's summary with bare `NaN`,
//! `Infinity` and `-Infinity` tokens (invalid JSON); values are built as `serde_json`
//! values holding marker strings, then the quoted markers are replaced by the bare tokens.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Summary text as the SDK writes it: floats in JSON, non-finite ones as bare tokens.
pub fn summary_json(entries: &BTreeMap<String, Value>, floats: &[(&str, f64)]) -> String {
    let mut map: Map<String, Value> = entries
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, x) in floats {
        let v = serde_json::Number::from_f64(*x)
            .map_or_else(|| Value::String(marker(*x)), Value::Number);
        map.insert((*k).to_string(), v);
    }
    unquote_markers(&Value::Object(map).to_string())
}

const NAN_MARKER: &str = "__wandb_emulator_NaN__";
const INF_MARKER: &str = "__wandb_emulator_Infinity__";
const NEG_INF_MARKER: &str = "__wandb_emulator_-Infinity__";

/// A placeholder string for a non-finite float; [`unquote_markers`] turns it into a bare token.
pub fn marker(x: f64) -> String {
    if x.is_nan() {
        NAN_MARKER.into()
    } else if x > 0.0 {
        INF_MARKER.into()
    } else {
        NEG_INF_MARKER.into()
    }
}

/// Replaces quoted markers with the bare tokens `NaN`, `Infinity`, `-Infinity`.
pub fn unquote_markers(text: &str) -> String {
    if !text.contains("__wandb_emulator_") {
        return text.to_string();
    }
    text.replace(&format!("\"{NAN_MARKER}\""), "NaN")
        .replace(&format!("\"{INF_MARKER}\""), "Infinity")
        .replace(&format!("\"{NEG_INF_MARKER}\""), "-Infinity")
}

/// The bare tokens quoted again, so the text parses as JSON.
pub fn quote_tokens(text: &str) -> String {
    text.replace("-Infinity", "\"-Infinity\"")
        .replace(": Infinity", ": \"Infinity\"")
        .replace(":Infinity", ":\"Infinity\"")
        .replace("NaN", "\"NaN\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_bare_tokens() {
        let text = summary_json(
            &BTreeMap::new(),
            &[
                ("a", f64::NAN),
                ("b", f64::INFINITY),
                ("c", f64::NEG_INFINITY),
                ("d", 1.5),
            ],
        );
        assert_eq!(text, r#"{"a":NaN,"b":Infinity,"c":-Infinity,"d":1.5}"#);
    }
}
