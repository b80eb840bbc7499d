//! The host's backstop for what it prints as an error line: whatever a component, a server or
//! the user put in a message, no control character reaches the terminal and no user info
//! (`user:password@`) of a URL is repeated. The component escapes server text itself
//! (`guest/src/text/safe.rs`); this also covers a `--component` that does not, and the
//! host's own messages.

use std::fmt::Write;

use wandb_agent_commands::control::is_unsafe;

/// `message` as one safe line: user info of URLs removed, newlines as spaces, every other
/// control character written as `\x1b` (or `\u202e` above U+00FF).
pub fn line(message: &str) -> String {
    let redacted = crate::network::written::redact(message);
    let mut out = String::with_capacity(redacted.len());
    for c in redacted.chars() {
        let code = u32::from(c);
        let _ = match c {
            '\n' => write!(out, " "),
            c if !is_unsafe(c) => write!(out, "{c}"),
            _ if code <= 0xff => write!(out, "\\x{code:02x}"),
            _ => write!(out, "\\u{code:04x}"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_newlines_are_spaces() {
        assert_eq!(
            line("HTTP 500 from h: \u{1b}]0;pwned\u{7}\u{1b}[2J\nnext\r\u{9b}\u{202e}x\ttab"),
            "HTTP 500 from h: \\x1b]0;pwned\\x07\\x1b[2J next\\x0d\\x9b\\u202ex\ttab"
        );
        // Already escaped text stays as it is.
        assert_eq!(line("a\\x1b[2J"), "a\\x1b[2J");
        assert_eq!(line("模型 ▁▂ …"), "模型 ▁▂ …");
    }

    #[test]
    fn user_info_is_never_shown() {
        assert_eq!(
            line("cannot reach http://api:KEY@127.0.0.1:9/graphql: refused"),
            "cannot reach http://127.0.0.1:9/graphql: refused"
        );
    }
}
