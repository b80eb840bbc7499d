//! Text from a server or a run, made safe to print: names, tags, config, log lines and error
//! excerpts can hold terminal control sequences (`ESC ]0;title BEL` retitles a terminal,
//! `ESC [2J` clears it) or bidirectional overrides that make text read differently from what
//! it is. Every such character is written as an escape: `\u001b` in JSON, `\x1b` (or
//! `\u202e` above U+00FF) in CSV, `#` lines and messages. Newline and tab are kept where the
//! format allows them. [`output`] is the one pass every operation's text goes through
//! (`ops::run`), [`message`] the one for error messages.

use std::borrow::Cow;
use std::fmt::Write;

use wandb_agent_commands::control::is_unsafe;

/// How the escapes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `\u001b`: valid inside a JSON string, where server text sits in JSON output.
    Json,
    /// `\x1b`, or `\u202e` above U+00FF: CSV cells, `#` lines, messages.
    Text,
}

/// `text` with every [`is_unsafe`] character escaped in `style`.
pub fn escape(text: &str, style: Style) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
            continue;
        }
        let code = u32::from(c);
        let _ = match style {
            Style::Json => write!(out, "\\u{code:04x}"),
            Style::Text if code <= 0xff => write!(out, "\\x{code:02x}"),
            Style::Text => write!(out, "\\u{code:04x}"),
        };
    }
    Cow::Owned(out)
}

/// What an operation prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON lines, with `#` note lines after them (`summary`).
    Json,
    /// CSV and `#` lines: everything else.
    Text,
}

/// An operation's whole output, escaped line by line: JSON lines in [`Style::Json`], `#`
/// lines and CSV in [`Style::Text`].
pub fn output(text: String, format: Format) -> String {
    if !text.chars().any(is_unsafe) {
        return text;
    }
    text.split('\n')
        .map(|line| {
            let style = match format {
                Format::Json if !line.starts_with('#') => Style::Json,
                _ => Style::Text,
            };
            escape(line, style)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An error message (the host prints it as one line, newlines as spaces).
pub fn message(text: &str) -> String {
    escape(text, Style::Text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_and_overrides_are_escaped() {
        let hostile = "run\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}x\u{202e}gnp.exe\u{2066}";
        assert_eq!(
            escape(hostile, Style::Text),
            "run\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x7fx\\u202egnp.exe\\u2066"
        );
        assert_eq!(
            escape(hostile, Style::Json),
            "run\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u007fx\\u202egnp.exe\\u2066"
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "模型, \"🚀\"\tα→β ▁▂▃█ …\n# note";
        assert!(matches!(escape(text, Style::Text), Cow::Borrowed(_)));
        assert_eq!(output(text.to_string(), Format::Json), text);
        // Not the bidi controls: U+202F (narrow no-break space), U+2065 (unassigned).
        assert_eq!(
            escape("a\u{202f}b\u{2065}", Style::Text),
            "a\u{202f}b\u{2065}"
        );
    }

    #[test]
    fn json_lines_and_notes_get_their_own_style() {
        let text = "{\"config\":{\"name\":\"a\u{9b}b\"}}\n# 1 key left out: k\u{1b}[2J".to_string();
        assert_eq!(
            output(text, Format::Json),
            "{\"config\":{\"name\":\"a\\u009bb\"}}\n# 1 key left out: k\\x1b[2J"
        );
        let csv = "id,name\nab,\"x\ry\u{7}\"\n".to_string();
        assert_eq!(output(csv, Format::Text), "id,name\nab,\"x\\x0dy\\x07\"\n");
    }

    #[test]
    fn escaped_json_stays_valid_json() {
        let text = format!("{{\"k\":\"{}\"}}", "a\u{85}\u{202d}b");
        let escaped = output(text, Format::Json);
        let parsed: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(parsed["k"], "a\u{85}\u{202d}b");
    }

    #[test]
    fn messages_keep_newlines_for_the_host() {
        assert_eq!(
            message("HTTP 500: boom\n\u{1b}[31mred"),
            "HTTP 500: boom\n\\x1b[31mred"
        );
    }
}
