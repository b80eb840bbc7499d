//! Which config keys differ between two runs, flattened to dotted paths.

use std::collections::BTreeMap;

use serde_json::Value;

/// Flattens nested objects to `a.b.c` keys; lists and scalars are leaves.
pub fn flatten(value: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, prefix: String, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(v, key, out);
            }
        }
        other => {
            out.insert(prefix, other.clone());
        }
    }
}

/// `(key, a, b)` for every key whose value differs; absent values are `None`.
pub fn differences(a: &Value, b: &Value) -> Vec<(String, Option<Value>, Option<Value>)> {
    let (fa, fb) = (flatten(a), flatten(b));
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| fa.get(*k) != fb.get(*k))
        .map(|k| (k.clone(), fa.get(k).cloned(), fb.get(k).cloned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_differences() {
        let a = json!({"lr": 0.1, "opt": {"name": "sgd", "m": 0.9}, "same": [1, 2]});
        let b = json!({"lr": 0.001, "opt": {"name": "adam"}, "same": [1, 2], "new": true});
        assert_eq!(
            differences(&a, &b),
            vec![
                ("lr".into(), Some(json!(0.1)), Some(json!(0.001))),
                ("new".into(), None, Some(json!(true))),
                ("opt.m".into(), Some(json!(0.9)), None),
                ("opt.name".into(), Some(json!("sgd")), Some(json!("adam"))),
            ]
        );
    }
}
