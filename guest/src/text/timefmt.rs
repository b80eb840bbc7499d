//! W&B timestamps: ISO-8601 in UTC, usually without a zone designator ("2023-11-05T17:46:35").

use chrono::{DateTime, NaiveDateTime};

fn parse(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.naive_utc())
        })
}

/// Whole seconds from `start` to `end`, if both parse and `end` is not earlier.
pub fn seconds_between(start: &str, end: &str) -> Option<i64> {
    let seconds = (parse(end)? - parse(start)?).num_seconds();
    (seconds >= 0).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            seconds_between("2023-11-05T17:46:35", "2023-11-05T18:46:35"),
            Some(3600)
        );
        assert_eq!(
            seconds_between("2023-11-05T17:46:35.5", "2023-11-05T17:46:45Z"),
            Some(9)
        );
        assert_eq!(
            seconds_between("2023-11-05T17:46:35Z", "2023-11-05T17:46:34Z"),
            None
        );
        assert_eq!(seconds_between("", "2023-11-05T17:46:35"), None);
    }
}
