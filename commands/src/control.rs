//! Which characters from a server or a run must never reach a terminal raw: the component
//! escapes them in its output (`guest/src/text/safe.rs`) and the host again in the error lines
//! it prints (`host/src/shown.rs`), so both sides use this one set.

/// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embeddings,
/// overrides and isolates (U+202A–202E, U+2066–2069).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}
