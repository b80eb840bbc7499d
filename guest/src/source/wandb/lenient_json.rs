//! JSON parsing that survives W&B's non-standard numbers.
//!
//! W&B writes NaN and ±Infinity as the bare tokens `NaN`, `Infinity`, `-Infinity` (Python's
//! json extension) inside JSONString fields such as `summaryMetrics`, and some servers emit them
//! in JSON-typed fields too. `serde_json` rejects them, so before parsing we rewrite each bare
//! token outside string literals into the string form the real server itself uses in
//! JSON-typed fields (`"NaN"`, `"Infinity"`, `"-Infinity"`). Downstream code then sees one
//! encoding; `model::as_f64` reads all of them back as floats.

use serde_json::{Map, Value};

use crate::error::{AgentError, Result as AgentResult};

const BARE_TOKENS: [(&str, &str); 4] = [
    ("-Infinity", "\"-Infinity\""),
    ("+Infinity", "\"Infinity\""),
    ("Infinity", "\"Infinity\""),
    ("NaN", "\"NaN\""),
];

/// Rewrites bare `NaN`/`Infinity`/`-Infinity` tokens outside string literals into strings.
/// Scans bytes and copies unchanged runs whole: history replies run to megabytes.
pub fn quote_bare_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("NaN") && !text.contains("Infinity") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b'N' | b'I' | b'-' | b'+') {
            let token = BARE_TOKENS
                .iter()
                .find(|(t, _)| bytes[i..].starts_with(t.as_bytes()));
            if let Some((token, quoted)) = token {
                // Every token starts and ends on an ASCII byte: valid slice boundaries.
                out.push_str(&text[copied..i]);
                out.push_str(quoted);
                i += token.len();
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Parses JSON text, accepting bare non-finite tokens (see the module docs).
pub fn parse(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str(&quote_bare_non_finite(text))
}

/// A JSONString field (a string holding JSON); an already-decoded object is accepted too.
pub fn json_string_field(node: &Value, key: &str, server: &str) -> AgentResult<Value> {
    match node.get(key) {
        None | Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Value::Object(Map::new())),
        Some(Value::String(text)) => parse(text).map_err(|e| {
            AgentError::Server(format!(
                "{server} sent run {key} that is not valid JSON: {e}"
            ))
        }),
        Some(other @ Value::Object(_)) => Ok(other.clone()),
        Some(other) => Err(AgentError::Server(format!(
            "{server} sent run {key} of an unexpected type: {}",
            type_name(other)
        ))),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_tokens_become_strings_outside_literals() {
        let v = parse(r#"{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN, 1], "s": "NaN Infinity \"NaN\""}"#).unwrap();
        assert_eq!(v["a"], "NaN");
        assert_eq!(v["b"], "Infinity");
        assert_eq!(v["c"], "-Infinity");
        assert_eq!(v["d"][0], "NaN");
        assert_eq!(v["s"], "NaN Infinity \"NaN\"");
    }

    #[test]
    fn standard_json_is_untouched() {
        // Without the tokens there is nothing to rewrite: the text is borrowed as is.
        let plain = r#"{"x":1.5,"y":"a word"}"#;
        assert!(matches!(
            quote_bare_non_finite(plain),
            std::borrow::Cow::Borrowed(_)
        ));
        // The words inside string literals are not tokens and stay exactly as written.
        let text = r#"{"x":1.5,"y":"Infinity is a word","z":"NaN"}"#;
        assert_eq!(quote_bare_non_finite(text), text);
        assert_eq!(parse(text).unwrap()["x"], 1.5);
    }

    #[test]
    fn malformed_json_still_fails() {
        assert!(parse("{\"a\": NaNx}").is_err());
        assert!(parse("{\"a\": ").is_err());
    }

    #[test]
    fn bad_json_string_field_is_a_server_error() {
        let node = json!({"config": "{not json", "summaryMetrics": 5});
        assert!(matches!(
            json_string_field(&node, "config", "s"),
            Err(AgentError::Server(_))
        ));
        assert!(matches!(
            json_string_field(&node, "summaryMetrics", "s"),
            Err(AgentError::Server(_))
        ));
        assert_eq!(json_string_field(&node, "missing", "s").unwrap(), json!({}));
    }
}
