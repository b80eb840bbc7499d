//! The output ceiling: no call prints more than this many o200k tokens unless the host raises
//! it (`--max-output-tokens`). The component keeps it where outputs have budgets (a budget is
//! never above it; `0` means "as much as it allows") and cuts any other output at a line
//! boundary; the host cuts again, counting real tokens, as a last resort.

/// The ceiling when the host says nothing.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 4000;

/// The environment variable the host passes the ceiling in (`0` = no limit).
pub const ENV: &str = "WANDB_AGENT_MAX_OUTPUT_TOKENS";

/// A ceiling as the environment spells it: `None` for no limit (`0`), the default when
/// unset or blank, an error for anything but a whole number.
pub fn parse(value: Option<&str>) -> Result<Option<u32>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Some(DEFAULT_MAX_OUTPUT_TOKENS)),
        Some(text) => match text.parse::<u32>() {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(format!("{ENV} `{text}` must be a whole number")),
        },
    }
}

/// A budget as the ceiling allows it: `0` becomes the ceiling, anything above it is lowered
/// to it; with no ceiling `0` stays "no limit".
pub fn budget(asked: u32, ceiling: Option<u32>) -> u32 {
    match (asked, ceiling) {
        (0, Some(c)) => c,
        (n, Some(c)) => n.min(c),
        (n, None) => n,
    }
}

/// `text` cut at the last line boundary where the lines kept and `note(kept, total)` (one
/// `#` line) together count at most `max` tokens by `count`; `None` when `text` fits already.
/// `count` must not decrease when lines are added (o200k and our estimates do not).
pub fn cut(
    text: &str,
    max: usize,
    count: impl Fn(&str) -> usize,
    note: impl Fn(usize, usize) -> String,
) -> Option<String> {
    if count(text) <= max {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let total = lines.len();
    let with_note = |kept: usize| {
        let mut out: String = lines[..kept].concat();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&note(kept, total));
        out.push('\n');
        out
    };
    // The most lines that fit, by bisection: a few counts of the text, not one per line.
    let (mut fits, mut over) = (0, total);
    while over - fits > 1 {
        let mid = (fits + over) / 2;
        if count(&with_note(mid)) <= max {
            fits = mid;
        } else {
            over = mid;
        }
    }
    Some(with_note(fits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> usize {
        text.len()
    }

    #[test]
    fn the_environment_names_the_ceiling() {
        assert_eq!(parse(None), Ok(Some(DEFAULT_MAX_OUTPUT_TOKENS)));
        assert_eq!(parse(Some(" ")), Ok(Some(DEFAULT_MAX_OUTPUT_TOKENS)));
        assert_eq!(parse(Some("0")), Ok(None));
        assert_eq!(parse(Some("12000")), Ok(Some(12000)));
        assert!(parse(Some("lots")).unwrap_err().contains("whole number"));
        assert!(parse(Some("-1")).is_err());
    }

    #[test]
    fn budgets_stay_under_the_ceiling() {
        assert_eq!(budget(0, Some(4000)), 4000);
        assert_eq!(budget(1500, Some(4000)), 1500);
        assert_eq!(budget(9000, Some(4000)), 4000);
        assert_eq!(budget(0, None), 0);
        assert_eq!(budget(9000, None), 9000);
    }

    #[test]
    fn cuts_at_a_line_boundary_with_one_note_line() {
        let text: String = (0..100).map(|i| format!("row {i:03}\n")).collect();
        let note = |kept: usize, total: usize| format!("# cut: {kept} of {total} lines");
        assert_eq!(cut(&text, text.len(), bytes, note), None);
        let out = cut(&text, 100, bytes, note).unwrap();
        assert!(out.len() <= 100, "{out}");
        assert!(out.starts_with("row 000\nrow 001\n"), "{out}");
        assert!(out.ends_with("# cut: 9 of 100 lines\n"), "{out}");
        assert_eq!(out.lines().filter(|l| l.starts_with('#')).count(), 1);
        // A ceiling too small for any line keeps only the note.
        let out = cut(&text, 10, bytes, note).unwrap();
        assert_eq!(out, "# cut: 0 of 100 lines\n");
        // A last line without a newline is still cut cleanly.
        let out = cut("a\nb\nccccccccc", 8, bytes, |_, _| "#".into()).unwrap();
        assert_eq!(out, "a\nb\n#\n");
    }
}
