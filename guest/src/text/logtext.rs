//! Console text made fit to read: terminal escapes and control bytes removed, over-long lines
//! cut, and runs of progress-bar lines collapsed into their last line and a count.

/// Characters of a line kept before it is cut.
pub const MAX_LINE_CHARS: usize = 240;

/// The line without ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL/ST`, and
/// two-byte escapes), tabs as spaces, carriage returns (a redrawn progress bar's) dropped and
/// any other control character left written as an escape (`\x07`, see `text::safe`);
/// replacement characters from invalid UTF-8 are squeezed to one.
pub fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    // Parameters and intermediates, then one final byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\t' => out.push(' '),
            '\r' => {}
            '\u{fffd}' if out.ends_with('\u{fffd}') => {}
            c if c.is_control() => out.push_str(&super::safe::escape(
                c.encode_utf8(&mut [0; 4]),
                super::safe::Style::Text,
            )),
            c => out.push(c),
        }
    }
    let out = out.trim_end();
    cut(out, MAX_LINE_CHARS)
}

/// `text` cut to `max` characters with a note of how many were dropped.
pub fn cut(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}…[+{} chars]", count - max)
}

/// What a line looks like with its numbers and bar characters blurred: consecutive lines of
/// the same shape are one progress bar redrawn (tqdm, Keras, pip).
pub fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in line.chars() {
        let blurred = match c {
            '0'..='9' | '.' if in_number || c != '.' => Some('9'),
            '█' | '▏' | '▎' | '▍' | '▌' | '▋' | '▊' | '▉' | '#' | '=' | '>' | '-' | ' ' => {
                Some('#')
            }
            _ => None,
        };
        in_number = blurred == Some('9');
        match blurred {
            Some(b) if out.ends_with(b) => {}
            Some(b) => out.push(b),
            None => out.push(c),
        }
    }
    out
}

/// Whether a line looks like a progress report (worth collapsing even when alone).
pub fn is_progress(line: &str) -> bool {
    let has = |s: &str| line.contains(s);
    (has("%|") && has("|")) || has("it/s") || has("s/it") || has("━━") || has("ETA:")
}

/// A run of `count` lines of one shape, shown as its last line.
#[derive(Debug, Clone, PartialEq)]
pub struct Collapsed<T> {
    pub item: T,
    /// How many lines it stands for (1 = itself).
    pub count: usize,
}

/// Consecutive lines of the same shape collapse into the last of them; lines that differ
/// stay. `text` gives each item's (cleaned) text.
pub fn collapse<T: Clone>(items: &[T], text: impl Fn(&T) -> &str) -> Vec<Collapsed<T>> {
    let mut out: Vec<Collapsed<T>> = Vec::new();
    let mut last_shape = String::new();
    for item in items {
        let line = text(item);
        let this = shape(line);
        match out.last_mut() {
            Some(prev)
                if this == last_shape
                    && (is_progress(line) || prev.count > 1 || line.len() > 20) =>
            {
                prev.item = item.clone();
                prev.count += 1;
            }
            _ => out.push(Collapsed {
                item: item.clone(),
                count: 1,
            }),
        }
        last_shape = this;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_control_bytes_go() {
        assert_eq!(
            clean("\u{1b}[1m\u{1b}[32mEpoch 1\u{1b}[0m done"),
            "Epoch 1 done"
        );
        // What is left after the sequences are stripped is shown, escaped.
        assert_eq!(
            clean("a\u{0}\u{7}b\u{fffd}\u{fffd}\u{fffd}c\r"),
            "a\\x00\\x07b\u{fffd}c"
        );
        assert_eq!(clean("x\u{9b}31my\u{1b}"), "x\\x9b31my");
        assert_eq!(clean("\u{1b}]0;title\u{7}text"), "text");
        let long = "x".repeat(300);
        assert_eq!(clean(&long), format!("{}…[+60 chars]", "x".repeat(240)));
    }

    #[test]
    fn progress_bars_collapse_and_the_rest_stays() {
        let lines = [
            "Epoch 0:  10%|█         | 100/1000 [00:10<01:30, 9.87it/s]",
            "Epoch 0:  20%|██        | 200/1000 [00:20<01:20, 9.87it/s]",
            "Epoch 0:  30%|███       | 300/1000 [00:30<01:10, 9.91it/s]",
            "Saved checkpoint",
            "Traceback (most recent call last):",
        ];
        let collapsed = collapse(&lines, |l| l);
        assert_eq!(collapsed.len(), 3);
        assert_eq!(collapsed[0].count, 3);
        assert!(collapsed[0].item.contains("300/1000"));
        assert_eq!(collapsed[1].count, 1);
    }

    #[test]
    fn short_distinct_lines_do_not_collapse() {
        let lines = ["step 1", "step 2"];
        assert_eq!(collapse(&lines, |l| l).len(), 2);
    }
}
