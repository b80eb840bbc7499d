//! Key lists on the command line: comma-separated, or a JSON list for keys that hold commas.

/// A `--keys` value that is a JSON list (it starts with `[`), parsed; `None` for the
/// comma-separated spelling.
fn json_key_list(value: &str) -> Option<serde_json::Result<Vec<String>>> {
    value
        .trim_start()
        .starts_with('[')
        .then(|| serde_json::from_str(value))
}

/// Checks a `--keys` value at parse time: a JSON list must be a list of strings.
#[cfg(feature = "cli")]
pub(super) fn key_list(value: &str) -> Result<String, String> {
    if let Some(Err(e)) = json_key_list(value) {
        return Err(format!("not a JSON list of strings ({e}): {value}"));
    }
    Ok(value.to_string())
}

/// One key per entry: JSON lists expanded, other values split on commas, blanks dropped.
pub(super) fn split_keys(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|v| match json_key_list(&v) {
            Some(Ok(list)) => list,
            _ => v.split(',').map(|k| k.trim().to_string()).collect(),
        })
        .filter(|k| !k.is_empty())
        .collect()
}
