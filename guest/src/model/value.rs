//! Values as sources give them in configs and summaries: JSON, with the non-finite numbers
//! spelled as strings (`"NaN"`, `"Infinity"`, `"-Infinity"`), as W&B's own server writes
//! them in JSON-typed fields.

use serde_json::Value;

/// A metric value as a float: JSON numbers, and the non-finite spellings.
pub fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" | "+Infinity" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_spellings_read_as_floats() {
        assert!(as_f64(&Value::from("NaN")).unwrap().is_nan());
        assert_eq!(as_f64(&Value::from("-Infinity")), Some(f64::NEG_INFINITY));
        assert_eq!(as_f64(&Value::from(2)), Some(2.0));
        assert_eq!(as_f64(&Value::Null), None);
        assert_eq!(as_f64(&Value::from("hello")), None);
    }
}
