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

/// Seconds since the Unix epoch of a W&B timestamp.
pub fn unix_seconds(text: &str) -> Option<i64> {
    Some(parse(text)?.and_utc().timestamp())
}

/// The wall clock, in seconds since the Unix epoch (0 if the host's clock is before it).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A duration for people: `45s`, `12m05s`, `3h07m`, `26d4h`.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(725), "12m05s");
        assert_eq!(duration(3 * 3600 + 7 * 60), "3h07m");
        assert_eq!(duration(26 * 86_400 + 4 * 3600 + 5), "26d4h");
        assert_eq!(unix_seconds("1970-01-01T00:01:00"), Some(60));
    }

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
